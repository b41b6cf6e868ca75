"""Roles as people read them, in their language."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from domain.approvals.model import CreditRequest, RequestKind
from domain.approvals.policy import Level
from domain.approvals.roles import Role
from domain.money import Money
from domain.text import Phrase
from handlers.approvals.cards import escalated_note
from handlers.i18n import translator

EN, ZH = translator("en-US"), translator("zh-CN")


def test_known_roles_have_names_and_others_read_with_spaces():
    assert [EN.value(Role(r)) for r in ("credit_manager", "cfo", "regional_head")] == [
        "credit manager", "CFO", "regional head"]
    assert [ZH.value(Role(r)) for r in ("credit_manager", "finance_director", "cfo",
                                        "credit_analyst", "regional_head")] == [
        "信用经理", "财务总监", "首席财务官", "信用分析师", "regional head"]


def test_a_phrase_value_is_translated_and_a_plain_string_is_not():
    assert ZH._("After the customer comes the new limit or the increase: `{command} "
                "{example}`.", command="/credit request",
                example=Phrase("acme +100k larger Q1 orders")) == (
        "客户之后请写新额度或增加额：`/credit request acme +10万 第一季度订单增加`。")
    assert ZH.value("acme +100k larger Q1 orders") == "acme +100k larger Q1 orders"


def test_the_escalation_note_names_the_role_in_the_readers_language():
    usd = Money(Decimal("100000"), "USD")
    request = CreditRequest(
        kind=RequestKind.LIMIT_INCREASE, customer_id="C0002", customer_name="Acme Packaging",
        requested_by="U01SALESAMY", filed_at=datetime(2026, 11, 29, tzinfo=UTC), reason="x",
        measured=usd, route=(Level("finance_director", 48, escalate_to="cfo"),),
        current_limit=usd, new_limit=usd + usd, increase=usd, id=7)
    assert escalated_note(EN, request, "cfo") == (
        ":arrow_double_up: Level 1 of your request #7 · limit increase · Acme Packaging "
        "passed its deadline, so the CFO may decide it now too.")
    assert escalated_note(ZH, request, "cfo") == (
        ":arrow_double_up: 您的申请 #7 · 提高额度 · Acme Packaging 的第 1 级已超过期限，"
        "现在首席财务官也可以审批。")
