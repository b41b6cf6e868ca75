"""Sentences run together as each language writes them: a space after an English full
stop, none after a Chinese one (a rejected release's note read "驳回。 订单…")."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from domain.approvals.model import (
    CreditRequest,
    Decision,
    Level,
    Outcome,
    RequestKind,
    RequestState,
)
from domain.money import Money
from handlers.approvals.cards import requester_note
from handlers.i18n import Translator, translator

FILED = datetime(2026, 12, 2, 2, 0, tzinfo=UTC)


def test_sentences_follow_each_other_as_the_language_writes_them():
    assert Translator.sentences("Rejected.", "It will not ship.") == (
        "Rejected. It will not ship.")
    assert Translator.sentences("已驳回。", "不予发货。") == "已驳回。不予发货。"
    assert Translator.sentences("已驳回（备注）", "不予发货。") == "已驳回（备注）不予发货。"
    assert Translator.sentences("", "Only.") == "Only."
    assert Translator.sentences("Only.", "") == "Only."


def test_a_rejected_release_tells_the_requester_without_a_gap_in_chinese():
    request = CreditRequest(
        kind=RequestKind.ORDER_RELEASE, customer_id="C0013",
        customer_name="Lakeside Furniture Outlet", requested_by="U01SALESAMY",
        filed_at=FILED, reason="pays friday", measured=Money(Decimal(10000), "USD"),
        route=(Level("credit_manager", 24),), order_id="PO-9",
        order_amount=Money(Decimal(10000), "USD"), state=RequestState.REJECTED, id=3)
    decision = Decision(3, 1, "credit_manager", Outcome.REJECTED, "U02CREDITMG", FILED)
    zone = ZoneInfo("Asia/Shanghai")
    assert requester_note(translator("zh-CN"), request, decision, zone) == (
        ":x: 您的申请 #3 · 订单放行 · Lakeside Furniture Outlet 在第 1 级被 <@U02CREDITMG> "
        "驳回。订单 PO-9 不予发货，也不再阻挡该客户之后的订单。")
    assert requester_note(translator("en-US"), request, decision, zone) == (
        ":x: Your request #3 · order release · Lakeside Furniture Outlet was rejected at level "
        "1 by <@U02CREDITMG>. Order PO-9 will not ship, and no longer holds the customer's "
        "later orders.")
