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


def test_an_unanswered_question_is_named_to_the_requester_and_the_deciders():
    # Told only "its deciders have been reminded" while the credit manager's question
    # waited for the requester's answer: the requester did not know the delay was theirs.
    from domain.approvals.model import Question
    from handlers.approvals.overdue import overdue_reminder

    asked = Question(7, 1, "U0CM000001", datetime(2026, 12, 1, 17, 0, tzinfo=UTC),
                     "Which orders?", id=3)
    waiting = Overdue(REQUEST, ("U0CM000001",), 1, ("credit_manager",), (asked,))
    en, zh = translator("en-US"), translator("zh-CN")
    subject = "#7 · limit increase · Acme ∗Evil∗ &lt;!here&gt;"
    deadline = en.moment(REQUEST.deadline(), ZONE)
    # Asked at 01:00 on Dec 2 in Shanghai: the organisation's day, not UTC's.
    assert overdue_note(en, waiting, ZONE) == (
        f":hourglass_flowing_sand: Level 1 of your request {subject} passed its deadline "
        f"({deadline}) and nobody has decided it yet; its deciders (credit manager) have "
        "been reminded.\n:question: <@U0CM000001> asked you on Dec 2, 2026 and waits for "
        "your answer: answer with the button under the question.")
    assert overdue_reminder(en, waiting, ZONE) == (
        f":alarm_clock: Overdue: request {subject} by <@U0REP00001> passed its deadline for "
        f"level 1 of 1 ({deadline}) and still waits for your decision. Use the buttons on "
        "its card.\n<@U0REP00001> has not answered the question <@U0CM000001> asked on "
        "Dec 2, 2026 yet.")
    assert overdue_note(zh, waiting, ZONE).endswith(
        "\n:question: <@U0CM000001> 于 2026年12月2日向您提问，正在等待您的回答："
        "请用问题下方的按钮回答。")
