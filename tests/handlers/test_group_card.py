"""A customer group's check card lists its members, the first 25, and counts the rest as
customers (in Chinese with the measure word for companies, which counts nothing else)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from domain.access import CreditDataAccess, Member
from domain.aging import AgingBuckets
from domain.check import CreditChecks, GroupCheck
from domain.model import Customer
from domain.money import Money
from domain.positions import CreditPolicyContext
from handlers.check.blocks import GROUP_MEMBERS_SHOWN, card
from handlers.i18n import translator
from tests.fakes import FakeUnitOfWork

SALES = Member("U01SALESAMY", roles=frozenset({"sales"}))


def members_listed(names: list[str], locale: str) -> list[str]:
    """The lines of the card's Members section of a group of customers so named."""
    members = [Customer(f"C{n:04d}", name, Money(Decimal(1000), "USD"), 30, group_id="BIG")
               for n, name in enumerate(names)]
    checks = CreditChecks(FakeUnitOfWork(members, [], []), CreditDataAccess(),
                          CreditPolicyContext("USD", AgingBuckets()),
                          lambda: datetime(2026, 11, 29, 2, tzinfo=UTC),
                          ZoneInfo("Asia/Shanghai"))
    found = checks.check(SALES, "BIG")
    assert isinstance(found, GroupCheck)
    _, blocks = card(found, translator(locale), timezone="Asia/Shanghai")
    [listed] = [b["text"]["text"] for b in blocks or [] if "text" in b
                and "C0000" in b["text"]["text"]]
    assert len(listed) <= 3000
    return listed.split("\n")


@pytest.mark.parametrize(("locale", "rest"), [("en-US", "… and 2 more customers"),
                                              ("zh-CN", "……还有 2 家")])
def test_the_members_past_the_first_25_are_counted_as_customers(locale: str, rest: str):
    lines = members_listed([f"Member {n}" for n in range(GROUP_MEMBERS_SHOWN + 2)], locale)
    assert len([line for line in lines if line.startswith("• ")]) == GROUP_MEMBERS_SHOWN
    assert lines[-1] == rest


def test_long_member_names_list_fewer_members_and_keep_the_count_of_the_rest():
    # 25 names of 100 characters pass a section's 3,000: cut at its end, the card lost
    # "… and N more customers" with the last name.
    lines = members_listed([f"Regional Distribution Partner {n} " + "x" * 70
                            for n in range(300)], "en-US")
    assert not any(line.endswith("…") for line in lines)
    members_shown = [line for line in lines if line.startswith("• ")]
    assert 0 < len(members_shown) < GROUP_MEMBERS_SHOWN
    assert lines[-1] == f"… and {300 - len(members_shown)} more customers"
