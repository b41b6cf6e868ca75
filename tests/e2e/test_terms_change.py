"""An approved payment terms change takes effect: the card, the next request and the
approval cards read the new terms while the ERP still exports the old ones, and the
ERP's terms are the record again once it exports others. It used to be an audit entry
only: the requester was told "Payment terms are now 120 days" while every screen said 90,
and the same change could be asked for and granted again."""

from __future__ import annotations

from pathlib import Path

import pytest

from domain.approvals.filing import Filing
from domain.approvals.model import RequestKind
from domain.errors import DomainError
from domain.imports import KINDS
from storage.csv_source import CsvFile
from storage.importer import CsvImporter
from tests.e2e.conftest import CREDIT_MANAGER, SALES, SALES_CHANNEL, World
from tests.e2e.test_approval_decisions import (
    FINANCE_DIRECTOR,
    audit,
    file_request,
    notes_to,
    open_modal,
    shown,
)

APPROVED = "*Payment terms*\n120 days\napproved in creditbot (ERP: 90 days)"


def approve(world: World, request_id: int) -> None:
    # The shipped policy sends a terms change's one level to the credit manager by DM.
    card = shown(world, request_id, 1, CREDIT_MANAGER)
    view = open_modal(world, CREDIT_MANAGER, card, "Approve")
    assert world.slack.submit(CREDIT_MANAGER, view, {"comment": "fine"}).body == ""


def file_terms(world: World, days: int) -> int:
    member = world.services.config.roster().member(SALES)
    return world.services.requests.file(member, Filing(
        "C0002", RequestKind.TERMS_CHANGE, "longer season", terms_days=days)).id


def terms_on_card(world: World) -> str:
    card = world.slack.slash(SALES, SALES_CHANNEL, "/credit check acme packaging")
    return next(t for t in card.texts() if t.startswith("*Payment terms*"))


def erp_exports(world: World, tmp_path: Path, days: int, limit: int = 100_000) -> None:
    path = tmp_path / f"customers-{days}-{limit}.csv"
    path.write_text("customer_id,name,currency,credit_limit,payment_terms_days,"
                    f"owner_slack_id\nC0002,Acme Packaging,USD,{limit},{days},U01SALESCHO\n",
                    encoding="utf-8")
    with CsvFile(path) as source:
        assert CsvImporter(world.services.engine).run(KINDS["customers"], source).committed


def test_approved_terms_show_on_the_card_at_once_and_stand_until_the_erp_moves(
        world: World, tmp_path: Path) -> None:
    assert terms_on_card(world) == "*Payment terms*\n90 days"  # remembered from here on
    request_id = file_terms(world, 120)
    approve(world, request_id)
    assert notes_to(world, SALES)[-1] == (
        f":white_check_mark: Your request #{request_id} · payment terms change · Acme "
        f"Packaging is approved: <@{CREDIT_MANAGER}> approved its last level. Payment "
        "terms are now 120 days.\n> fine")
    [changed] = audit(world, "terms.changed")
    assert changed.details == {"request": request_id, "terms_days": 120, "previous": 90,
                               "erp_terms_days": 90}
    assert terms_on_card(world) == APPROVED
    # The same change again is no request: the terms are 120 days already.
    with pytest.raises(DomainError) as again:
        file_terms(world, 120)
    assert again.value.template == "{customer}'s terms are already {days} days."
    assert again.value.params == {"customer": "Acme Packaging", "days": 120}
    # The ERP still exporting 90 keeps creditbot's 120 in force.
    erp_exports(world, tmp_path, 90)
    assert terms_on_card(world) == APPROVED
    # Keyed into the ERP: its 120 is the record, and the note goes.
    erp_exports(world, tmp_path, 120)
    assert terms_on_card(world) == "*Payment terms*\n120 days"
    # The ERP moved on to other terms: they are the record, whatever creditbot approved.
    erp_exports(world, tmp_path, 60)
    assert terms_on_card(world) == "*Payment terms*\n60 days"


def test_a_card_of_the_next_request_shows_the_approved_terms(world: World) -> None:
    approve(world, file_terms(world, 120))
    # Asking for the ERP's old terms back is a change again (120 → 90).
    request_id = file_terms(world, 90)
    with world.services.uow() as uow:
        request = uow.credit_requests.get(request_id)
    assert request is not None and (request.current_terms_days, request.terms_days) == (
        120, 90)


def test_terms_the_erp_overtook_stay_overtaken_when_it_goes_back_to_the_old_ones(
        world: World, tmp_path: Path) -> None:
    # Terms come in a few round values: an ERP going 90 → 60 → 90 brought back the 120
    # approved on the first 90.
    approve(world, file_terms(world, 120))
    erp_exports(world, tmp_path, 60)
    erp_exports(world, tmp_path, 90)
    assert terms_on_card(world) == "*Payment terms*\n90 days"
    # Keyed in (120), then 90 approved on it and keyed in too: 90, not the first 120.
    approve(world, file_terms(world, 120))
    erp_exports(world, tmp_path, 120)
    assert terms_on_card(world) == "*Payment terms*\n120 days"
    approve(world, file_terms(world, 90))
    assert terms_on_card(world) == "*Payment terms*\n90 days\napproved in creditbot (ERP: 120 days)"
    erp_exports(world, tmp_path, 90)
    assert terms_on_card(world) == "*Payment terms*\n90 days"


def test_an_approved_limit_the_erp_overtook_stays_overtaken_when_it_goes_back(
        world: World, tmp_path: Path) -> None:
    # The same as terms, for limits: lowered in the ERP and restored, the ERP's limit
    # brought back the $200,000 approved on the first $100,000.
    request_id = file_request(world)
    decide(world, CREDIT_MANAGER, request_id, 1, "C03CREDIT00")
    decide(world, FINANCE_DIRECTOR, request_id, 2, FINANCE_DIRECTOR)
    assert limit_on_card(world) == "*Credit limit*\n$200,000.00"
    erp_exports(world, tmp_path, 90)  # still the $100,000 it replaced: it stands
    assert limit_on_card(world) == "*Credit limit*\n$200,000.00"
    erp_exports(world, tmp_path, 90, limit=80_000)
    assert limit_on_card(world) == "*Credit limit*\n$80,000.00"
    erp_exports(world, tmp_path, 90)
    assert limit_on_card(world) == "*Credit limit*\n$100,000.00"


def decide(world: World, user: str, request_id: int, level: int, where: str) -> None:
    view = open_modal(world, user, shown(world, request_id, level, where), "Approve")
    assert world.slack.submit(user, view, {"comment": "ok"}).body == ""


def limit_on_card(world: World) -> str:
    card = world.slack.slash(SALES, SALES_CHANNEL, "/credit check acme packaging")
    return next(t for t in card.texts() if t.startswith("*Credit limit*"))
