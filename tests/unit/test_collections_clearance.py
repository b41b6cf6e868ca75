"""Collectors and legal's owner get accounts' cards and history, so config check refuses
anyone access.credit_data bars (by id, by role, legal's first member), and at run time
auto-assignment and escalation hand nothing to such a person."""

from __future__ import annotations

import dataclasses
import logging
from pathlib import Path

import pytest

from bot.config import load_config
from domain.access import CreditDataAccess
from domain.collections.assignment import AssignmentPolicy, AssignRule
from domain.customer_match import CustomerMatch
from tests.conftest import ROOT
from tests.unit.test_collections_assign import ANNA, BEN, MANAGER, SALES, service, world
from tests.unit.test_config import GOOD, line_of, problems

SHIPPED_ACCESS = "  credit_data:\n    roles: []\n    departments: []\n"


def restricted(departments: str, collections: str | None = None) -> str:
    """app.yaml whose credit data only ``departments`` may see."""
    assert SHIPPED_ACCESS in GOOD
    text = GOOD.replace(SHIPPED_ACCESS, "  credit_data:\n    roles: []\n"
                        f"    departments: [{departments}]\n")
    if collections is not None:
        text = text.split("\ncollections:\n")[0].rstrip() + "\n\ncollections:\n" + collections
    return text


def test_config_check_refuses_collectors_and_rule_collectors_barred_from_credit_data(
        tmp_path: Path):
    text = restricted("credit, finance, legal",
                      "  collectors: [role:sales, U04COLLECT1]\n"
                      "  rules:\n"
                      "    - when: {department: sales}\n"
                      "      collector: U01SALESAMY\n")
    assert problems(tmp_path, text) == [
        f"line {line_of(text, 'collectors: [role:sales')}: collections.collectors.0: "
        "U01SALESAMY, U01SALESBEN, U01SALESCHO may not see credit data (access.credit_data), "
        "so cannot be given accounts to collect; add their role or department to "
        "access.credit_data, or name someone who may (they hold role:sales)",
        f"line {line_of(text, 'collector: U01SALESAMY')}: collections.rules.0.collector: "
        "U01SALESAMY may not see credit data (access.credit_data), so cannot be given "
        "accounts to collect; add their role or department to access.credit_data, or name "
        "someone who may"]


def test_config_check_refuses_a_legal_owner_barred_from_credit_data(tmp_path: Path):
    text = restricted("credit, finance")
    assert problems(tmp_path, text) == [
        f"line {line_of(text, 'channel: C04LEGAL000')}: departments.legal.channel: the "
        "\"legal\" channel is not open to credit data (some of its members may not see it, "
        "or access.credit_data.share_channels leaves it out), yet by default alerts and "
        "legal cases, with their invoices would be posted there with the "
        "customers' figures; say where they go instead (alerts.routes, reports.post_to, "
        "collections.legal_department), or let all its members see credit data (their "
        "department or roles in access.credit_data)",
        f"line {line_of(text, 'members: [U05LEGAL001]')}: departments.legal.members.0: "
        "U05LEGAL001 may not see credit data (access.credit_data), so cannot be given "
        "accounts to collect; add their role or department to access.credit_data, or name "
        "someone who may (legal's owner of escalated accounts is the legal department's "
        "first member)"]
    # Cleared, the same file is fine.
    (tmp_path / "app.yaml").write_text(restricted("credit, finance, legal"), encoding="utf-8")
    assert load_config(tmp_path / "app.yaml").collections.legal_department == "legal"


def test_auto_assign_skips_a_collector_barred_from_credit_data(caplog):
    uow = world()
    # The rule names a salesperson; access lets only collectors see credit data.
    policy = AssignmentPolicy(collectors=(ANNA, BEN), assigners=frozenset({MANAGER.user_id}),
                              rules=(AssignRule(SALES.user_id, CustomerMatch.of(
                                  owners=[SALES.user_id])),))
    assignments = dataclasses.replace(service(uow, policy), access=CreditDataAccess(
        roles=frozenset({"collector", "credit_manager"})))
    with caplog.at_level(logging.WARNING):
        assert assignments.auto_assign() == {"assigned": 3}
    by_customer = {a.customer_id: a.collector for a in uow.collections.assignments}
    assert "C1" not in by_customer  # the sales-owned account the rule gave to Amy
    assert SALES.user_id not in by_customer.values()
    assert "auto-assign skipped C1: U01SALESAMY may not see credit data" in caplog.text


def test_escalations_never_go_to_a_legal_owner_barred_from_credit_data(caplog):
    from bot.wiring import build_collecting, member_of

    config = load_config(ROOT / "app.yaml")
    barred = CreditDataAccess(departments=frozenset({"credit", "finance"}))
    assert not barred.allows(member_of(config)("U05LEGAL001"))
    with caplog.at_level(logging.WARNING):
        day = build_collecting(lambda: pytest.fail("no unit of work"),  # type: ignore
                               config, barred, lambda: pytest.fail("no clock"))
    assert day.legal_owner is None
    assert "legal owner U05LEGAL001 may not see credit data" in caplog.text
    cleared = build_collecting(lambda: pytest.fail("no unit of work"),  # type: ignore
                               config, CreditDataAccess(), lambda: pytest.fail("no clock"))
    assert cleared.legal_owner == "U05LEGAL001"


def test_a_dispute_goes_only_to_a_department_whose_channel_is_open_to_credit_data(
        tmp_path: Path):
    # The dispute form offered the warehouse's Logistics, whose channel got the dispute's
    # figures and whose people the Resolve button under it then refused.
    from bot.wiring import build_collecting, credit_data_access

    path = tmp_path / "app.yaml"
    path.write_text(restricted("sales, credit, finance, legal"), encoding="utf-8")
    config = load_config(path)
    day = build_collecting(lambda: pytest.fail("no unit of work"),  # type: ignore
                           config, credit_data_access(config), lambda: pytest.fail("no clock"))
    assert day.dispute_departments() == {
        "sales": "Sales", "credit": "Credit Management",
        "finance": "Finance & Accounts Receivable", "legal": "Legal"}
    assert day._department_problem("logistics") is not None
    assert day._department_problem("finance") is None
    everyone = load_config(ROOT / "app.yaml")
    assert "logistics" in build_collecting(
        lambda: pytest.fail("no unit of work"),  # type: ignore
        everyone, credit_data_access(everyone), lambda: pytest.fail("no clock")
    ).dispute_departments()
