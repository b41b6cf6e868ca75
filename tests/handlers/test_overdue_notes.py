"""The requester's note when a level is overdue: which roles were reminded, in each
language (an escalated level's both roles are chased)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from domain.approvals.deadlines import Overdue
from domain.approvals.model import CreditRequest, Level, RequestKind
from domain.money import Money
from handlers.approvals.overdue import overdue_note
from handlers.i18n import translator

FILED = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
ZONE = ZoneInfo("Asia/Shanghai")
REQUEST = CreditRequest(RequestKind.LIMIT_INCREASE, "C1", "Acme *Evil* <!here>", "U0REP00001",
                        FILED, "season", Money(Decimal("5000"), "USD"),
                        (Level("credit_manager", 24, escalate_to="finance_director"),),
                        level_since=FILED, id=7)


def test_the_note_names_the_roles_reminded_in_the_readers_language():
    escalated = Overdue(REQUEST, ("U0CM000001", "U0FD000001"), 1,
                        ("credit_manager", "finance_director"))
    at_once = Overdue(REQUEST, ("U0FD000001",), 0, ("finance_director",))
    en, zh = translator("en-US"), translator("zh-CN")
    subject = "#7 · limit increase · Acme ∗Evil∗ &lt;!here&gt;"
    deadline = en.moment(REQUEST.deadline(), ZONE)
    assert overdue_note(en, escalated, ZONE) == (
        f":hourglass_flowing_sand: Level 1 of your request {subject} passed its deadline "
        f"({deadline}) and nobody has decided it yet; its deciders (credit manager, and "
        "finance director by escalation) have been reminded.")
    assert overdue_note(en, at_once, ZONE) == (
        f":hourglass_flowing_sand: Level 1 of your request {subject} passed its deadline "
        f"({deadline}) and nobody has decided it yet; its deciders (finance director) have "
        "been reminded.")
    zh_subject = "#7 · 提高额度 · Acme ∗Evil∗ &lt;!here&gt;"
    zh_deadline = zh.moment(REQUEST.deadline(), ZONE)
    assert overdue_note(zh, escalated, ZONE) == (
        f":hourglass_flowing_sand: 您的申请 {zh_subject} 的第 1 级已超过审批期限"
        f"（{zh_deadline}），尚无人决定；已提醒审批人（信用经理，以及因升级可审批的财务总监）。")
