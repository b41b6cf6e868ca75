"""Approving a limit for less than was asked ("yes, but to 150,000"), through the Approve
form: signed HTTP -> bot -> use case -> outbox, on SQLite and PostgreSQL.

Acme Packaging (C0002, limit $100,000) asks +$100,000: the credit manager decides level 1,
the finance director level 2 (tests/e2e/test_approval_decisions.py)."""

from __future__ import annotations

from decimal import Decimal

from domain.money import Money
from tests.e2e.conftest import CREDIT_MANAGER, SALES, SALES_CHANNEL, World
from tests.e2e.test_approval_decisions import (
    CREDIT_CHANNEL,
    FINANCE_DIRECTOR,
    OWNER,
    approve,
    audit,
    block_texts,
    decisions,
    file_request,
    notes_to,
    open_modal,
    shown,
    when,
)


def lower(world: World, user: str, request_id: int, level: int, typed: str,
          comment: str = "") -> dict[str, object]:
    """Submits the level's Approve form with ``typed`` as the lower limit; Slack's
    answer to the submission (empty when the form closed)."""
    where = CREDIT_CHANNEL if level == 1 else user
    view = open_modal(world, user, shown(world, request_id, level, where), "Approve")
    answer = world.slack.submit(user, view, {"lower": typed, "comment": comment})
    return answer.json() if answer.body else {}


def test_an_approver_grants_less_than_asked_and_the_lower_limit_takes_effect(
        world: World) -> None:
    request_id = file_request(world)
    card = shown(world, request_id, 1, CREDIT_CHANNEL)
    view = open_modal(world, CREDIT_MANAGER, card, "Approve")
    [field] = [b for b in view["blocks"] if b.get("block_id") == "lower"]
    assert (field["label"]["text"], field["hint"]["text"], field["optional"]) == (
        "Approve a lower limit", "The new limit to approve instead of $200,000.00, in USD, "
        "e.g. 150k. Empty: as asked.", True)
    assert lower(world, CREDIT_MANAGER, request_id, 1, "150k", "half now") == {}
    [first] = decisions(world, request_id)
    assert first.limit == Money(Decimal(150000), "USD")
    # The card says what was approved; the requester hears it at once.
    assert f":white_check_mark: Approved by <@{CREDIT_MANAGER}> on " \
        f"{when(world, request_id, 1)}, for a lower limit of $150,000.00\n> half now" in \
        block_texts(shown(world, request_id, 1, CREDIT_CHANNEL))
    assert notes_to(world, SALES)[-1] == (
        f":arrow_forward: Level 1 of your request #{request_id} · limit increase · Acme "
        f"Packaging was approved by <@{CREDIT_MANAGER}>. It now waits for level 2 of 2: "
        f"finance director. <@{CREDIT_MANAGER}> approved a lower limit than you asked "
        "for: $150,000.00.\n> half now")
    # Level 2 decides on the lower limit, and its approval puts it in force.
    second = open_modal(world, FINANCE_DIRECTOR,
                        shown(world, request_id, 2, FINANCE_DIRECTOR), "Approve")
    # What the rep asked for stays in view beside the lower limit.
    assert second["blocks"][0]["text"]["text"].split("\n")[1:3] == [
        "$150,000.00 (now $100,000.00, +$50,000.00)",
        "approved lower: $200,000.00 was asked for"]
    approve(world, FINANCE_DIRECTOR, request_id, 2, "")
    assert notes_to(world, OWNER)[-1] == (
        f":white_check_mark: On an account you own, request #{request_id} · limit increase "
        f"· Acme Packaging by <@{SALES}> is approved. The new limit of $150,000.00 applies "
        "now.")
    [approved_1] = [e for e in audit(world, "requests.approved") if e.details["level"] == 1]
    assert approved_1.details["lowered_from"] == {"amount": "200000.0000", "currency": "USD"}
    assert approved_1.details["new_limit"] == {"amount": "150000.0000", "currency": "USD"}
    [change] = audit(world, "limits.changed")
    assert Decimal(change.details["limit"]) == 150000
    check = world.slack.slash(SALES, SALES_CHANNEL, "/credit check acme packaging")
    assert "*Credit limit*\n$150,000.00" in check.texts()
    # The history says who lowered it.
    history = world.slack.slash(SALES, SALES_CHANNEL, "/credit history C0002").all_text()
    assert (f"*#{request_id}* limit increase · $100,000.00 → $150,000.00 ($200,000.00 was "
            "asked for) · approved") in history
    assert (f"  ↳ level 1 (credit manager) approved by <@{CREDIT_MANAGER}> on "
            f"{when(world, request_id, 1)}, for a lower limit of $150,000.00\n> half now"
            ) in history


def test_a_lower_limit_that_is_not_lower_or_not_a_raise_is_refused_beside_its_field(
        world: World) -> None:
    request_id = file_request(world)
    refusals = {typed: lower(world, CREDIT_MANAGER, request_id, 1, typed)
                for typed in ("250k", "200k", "100k", "90k", "EUR 150k", "lots")}
    assert {typed: answer["errors"]["lower"] for typed, answer in refusals.items()} == {
        "250k": "$250,000.00 is not below the $200,000.00 asked for: approve as asked with "
                "this field empty, or write less.",
        "200k": "$200,000.00 is not below the $200,000.00 asked for: approve as asked with "
                "this field empty, or write less.",
        "100k": "$100,000.00 is not above the limit in force, $100,000.00: approve a limit "
                "above it, or reject the request.",
        "90k": "$90,000.00 is not above the limit in force, $100,000.00: approve a limit "
               "above it, or reject the request.",
        "EUR 150k": "“EUR 150k” is in EUR: write the lower limit in USD, the currency of the "
                    "customer's limit.",
        "lots": "“lots” is not an amount: write it like 120000, 120,000, 120000.50, 120k, "
                "1.2m, USD 120k or 120k EUR."}
    # Nothing was decided: the level is still open, and approving as asked works.
    assert decisions(world, request_id) == []
    approve(world, CREDIT_MANAGER, request_id, 1, "")
    [decided] = decisions(world, request_id)
    assert decided.limit is None


def test_a_lower_limit_stands_on_the_limit_in_force_and_may_be_an_increase(
        world: World) -> None:
    # The ERP lowered the limit to $80,000 after the filing: "+-$10,000.00" was shown, and
    # "+50k" was told to be written 50k, which was then refused.
    from sqlalchemy import update

    from storage.models import CustomerRow

    request_id = file_request(world)
    with world.services.engine.begin() as conn:
        conn.execute(update(CustomerRow).where(CustomerRow.customer_id == "C0002")
                     .values(credit_limit=Decimal(80_000)))
    assert lower(world, CREDIT_MANAGER, request_id, 1, "+50k") == {}
    [first] = decisions(world, request_id)
    assert first.limit == Money(Decimal(130000), "USD")
    view = open_modal(world, FINANCE_DIRECTOR, shown(world, request_id, 2, FINANCE_DIRECTOR),
                      "Approve")
    assert view["blocks"][0]["text"]["text"].split("\n")[1:3] == [
        "$130,000.00 (now $80,000.00, +$50,000.00)",
        "approved lower: $200,000.00 was asked for"]
    # A second lowering is measured against the first, and says so.
    assert lower(world, FINANCE_DIRECTOR, request_id, 2, "140k")["errors"]["lower"] == (
        "$140,000.00 is not below the $130,000.00 an earlier level approved: approve that "
        "with this field empty, or write less.")


def test_a_lowered_request_typed_in_another_currency_names_the_ask_with_its_conversion(
        world: World) -> None:
    # "$100,000.00 → $125,000.00 (asked as +€50,000.00, converted at …) ($154,309.78 was
    # asked for)" read as the lower limit's conversion.
    import re

    request_id = file_request(world, "+50k EUR")
    assert lower(world, CREDIT_MANAGER, request_id, 1, "130k") == {}
    history = world.slack.slash(SALES, SALES_CHANNEL, "/credit history C0002").all_text()
    [line] = [text for text in history.split("\n") if text.startswith(f"*#{request_id}*")]
    assert re.fullmatch(
        rf"\*#{request_id}\* limit increase · \$100,000\.00 → \$130,000\.00 \(\$[\d,]+\.\d\d "
        r"was asked for, asked as \+€50,000\.00, converted at [\d.]+ USD per EUR\) · .+",
        line), line


def test_a_large_limits_example_is_written_in_millions(world: World) -> None:
    # A yen team's $/¥ 50,000,000 request was given "e.g. 45000k" to type.
    request_id = file_request(world, "+10m")
    view = open_modal(world, CREDIT_MANAGER, shown(world, request_id, 1, CREDIT_CHANNEL),
                      "Approve")
    [field] = [b for b in view["blocks"] if b.get("block_id") == "lower"]
    assert field["hint"]["text"] == (
        "The new limit to approve instead of $10,100,000.00, in USD, e.g. 5m. Empty: as "
        "asked.")
    assert lower(world, CREDIT_MANAGER, request_id, 1, "5m") == {}
    assert decisions(world, request_id)[0].limit == Money(Decimal(5_000_000), "USD")
