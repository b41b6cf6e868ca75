"""ApprovalNotices on the in-memory unit of work: where each level's card goes
(post_to's channel, else its holders by DM; escalation's holders later), in whose
language, edited in place when the request is decided, cancelled or expired; reminders,
escalations and questions; a position that cannot be computed still makes a card."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from domain.access import CreditDataAccess
from domain.aging import AgingBuckets
from domain.approvals.context import Roster
from domain.approvals.filing import Filing
from domain.approvals.model import Level, Outcome, RequestKind
from domain.approvals.policy import ApprovalPolicy, Band, KindPolicy
from domain.approvals.ports import Happened, RequestChange
from domain.approvals.use_cases import CreditRequests
from domain.messages import OutgoingMessage
from domain.model import Customer, Invoice
from domain.money import Money
from domain.positions import CreditPolicyContext
from handlers.approvals.notices import ApprovalNotices, card_key
from handlers.approvals.request_render import stage
from handlers.i18n import translator
from tests.fakes import FakeUnitOfWork

ZONE = ZoneInfo("Asia/Shanghai")
REP, CM, CM2, FD, CFO, OWNER = ("U0REP00001", "U0CM000001", "U0CM000002", "U0FD000001",
                                "U0CFO00001", "U0OWNER001")
CREDIT = "C0CREDIT01"
ROSTER = Roster({"sales": [REP, OWNER], "credit_manager": [CM, CM2],
                 "finance_director": [FD], "cfo": [CFO]})
NOW = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


def usd(amount: str) -> Money:
    return Money(Decimal(amount), "USD")


def world(levels: tuple[Level, ...], invoice_currency: str = "USD",
          locales: dict[str, str] | None = None, roster: Roster = ROSTER,
          kind: RequestKind = RequestKind.LIMIT_INCREASE
          ) -> tuple[CreditRequests, FakeUnitOfWork, Clock]:
    customers = [Customer("C0001", "Acme *Bold* <!channel>", usd("100000"), 30,
                          owner_slack_id=OWNER)]
    invoices = [Invoice("I-1", "C0001", date(2026, 9, 1), date(2026, 10, 1),
                        Money(Decimal("20000"), invoice_currency),
                        Money(Decimal("20000"), invoice_currency))]
    uow = FakeUnitOfWork(customers, invoices)
    clock = Clock()
    policy = ApprovalPolicy("USD", {kind: KindPolicy((Band(None, levels),))})
    chosen = locales or {}
    notices = ApprovalNotices(lambda d: chosen.get(d, "en-US"), ZONE, {"credit": CREDIT},
                              roster.holders())
    requests = CreditRequests(uow, CreditDataAccess(), policy, roster, clock, ZONE, notices,
                              CreditPolicyContext("USD", AgingBuckets((30, 60, 90))))
    return requests, uow, clock


def file(requests: CreditRequests) -> int:
    return requests.file(ROSTER.member(REP), Filing(
        "C0001", RequestKind.LIMIT_INCREASE, "bigger\norders", "+50k")).id


def sent(uow: FakeUnitOfWork) -> list[OutgoingMessage]:
    return uow.outbox.messages


def texts(message: OutgoingMessage) -> list[str]:
    """Every text of the card but its Share menu's (tests/e2e/test_share_cards.py)."""
    found: list[str] = []

    def walk(node: object) -> None:
        if isinstance(node, dict) and node.get("type") == "overflow":
            return
        if isinstance(node, dict):
            if isinstance(node.get("text"), str):
                found.append(node["text"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(message.blocks)
    return found


def moment(when: datetime, tag: str = "en-US") -> str:
    return translator(tag).moment(when, ZONE)


def test_a_level_posted_to_a_department_goes_to_its_channel_and_is_edited_there():
    requests, uow, clock = world((Level("credit_manager", 24, post_to="credit"),))
    request_id = file(requests)
    [card] = sent(uow)
    assert (card.channel, card.kind, card.dedup_key) == (
        CREDIT, "approvals.card", card_key(request_id, 1, CREDIT))
    assert texts(card) == [
        "Credit request #1: limit increase", "*Acme ∗Bold∗ &lt;!channel&gt;* · C0001",
        "*Requested*\n$150,000.00 (now $100,000.00, +$50,000.00)",
        "*Credit limit*\n$100,000.00", "*Exposure*\n$20,000.00",
        "*Available credit*\n$80,000.00", "*Overdue*\n$20,000.00\noldest 60 days past due",
        "*Payment terms*\n30 days", "*Contracts*\nnone in force",
        "*Aging*  `current` $0.00  ·  `1-30 days` $0.00  ·  `31-60 days` $20,000.00  ·  "
        "`61-90 days` $0.00  ·  `90+ days` $0.00",
        f"Figures as of {translator('en-US').date(NOW.astimezone(ZONE).date())} ({ZONE})",
        f"*Requested by* <@{REP}>:\n> bigger orders",
        f"Level 1 of 1: credit manager · decide by {moment(NOW + timedelta(hours=24))}",
        "Approve", "Reject", "Ask for info"]
    # Filing again (a retried use case) never posts the card twice.
    ApprovalNotices(lambda d: "en-US", ZONE, {"credit": CREDIT}, ROSTER.holders()).queue(
        uow.outbox, RequestChange(Happened.FILED, requests.get(ROSTER.member(CM),
                                                               request_id).request, ()))
    uow.outbox.commit()
    assert len(sent(uow)) == 1

    clock.now = NOW + timedelta(hours=1)
    requests.ask_info(ROSTER.member(CM2), request_id, 1, "Which orders?")
    [question, note] = sent(uow)[1:]
    assert (question.channel, question.thread_of, question.text) == (
        CREDIT, 1, f":question: <@{REP}>, <@{CM2}> asks about request #1 · limit increase · "
        "Acme ∗Bold∗ &lt;!channel&gt;:\n> Which orders?")
    assert (note.channel, note.thread_of, note.text) == (
        REP, None, f":question: <@{CM2}> asks about your request #1 · limit increase · "
        f"Acme ∗Bold∗ &lt;!channel&gt; in the thread of its card in <#{CREDIT}>:\n"
        f"> Which orders?\nAnswer with the button below: <@{CM2}> gets your answer by "
        "direct message, and it is posted in that thread.")
    assert note.dedup_key == "approvals.note:question:1"
    assert note.blocks[-1]["elements"][0]["value"] == '{"question":1}'


    requests.cancel(ROSTER.member(REP), request_id)
    [edit, unasked] = sent(uow)[3:]
    assert (edit.channel, edit.update_of, edit.dedup_key) == (CREDIT, 1, None)
    assert texts(edit)[-2:] == [
        "Level 1 of 1: credit manager",
        f":heavy_minus_sign: Cancelled by <@{REP}> on {moment(clock.now)}: nothing left to "
        "decide."]
    # The question's Answer button gives way to why no answer is wanted.
    assert (unasked.channel, unasked.update_of, unasked.text) == (
        REP, 3, f":question: <@{CM2}> asks about your request #1 · limit increase · "
        f"Acme ∗Bold∗ &lt;!channel&gt; in the thread of its card in <#{CREDIT}>:\n"
        "> Which orders?\n:heavy_minus_sign: Request #1 is closed: nothing waits for your "
        "answer any more.")
    assert [b["type"] for b in unasked.blocks] == ["section"]


def test_holders_get_the_card_by_dm_in_their_language_and_each_card_is_edited():
    requests, uow, clock = world((Level("credit_manager", 24),
                                  Level("finance_director", 48, escalate_to="cfo")),
                                 locales={CM2: "zh-CN"})
    request_id = file(requests)
    assert [(m.channel, m.dedup_key) for m in sent(uow)] == [
        (CM, card_key(request_id, 1, CM)), (CM2, card_key(request_id, 1, CM2))]
    chinese = texts(sent(uow)[1])
    assert chinese[0] == "信用申请 #1：提高额度"
    assert chinese[-3:] == ["批准", "驳回", "要求补充信息"]

    clock.now = NOW + timedelta(hours=2)
    requests.decide(ROSTER.member(CM2), request_id, 1, Outcome.APPROVED, "ok")
    edits = sent(uow)[2:4]
    assert [(m.channel, m.update_of) for m in edits] == [(CM, 1), (CM2, 2)]
    assert texts(edits[0])[-1] == (f":white_check_mark: Approved by <@{CM2}> on "
                                   f"{moment(clock.now)}\n> ok")
    assert texts(edits[1])[-1] == (f":white_check_mark: <@{CM2}> 于 "
                                   f"{moment(clock.now, 'zh-CN')} 批准\n> ok")
    [fd_card, note] = sent(uow)[4:]
    assert (fd_card.channel, fd_card.dedup_key) == (FD, card_key(request_id, 2, FD))
    assert (note.channel, note.text) == (REP, (
        f":arrow_forward: Level 1 of your request #1 · limit increase · Acme ∗Bold∗ "
        f"&lt;!channel&gt; was approved by <@{CM2}>. It now waits for level 2 of 2: "
        "finance director.\n> ok"))

    record = requests.get(ROSTER.member(FD), request_id)
    notices = requests.notices
    reminder = RequestChange(Happened.REMINDED, record.request, record.decisions)
    notices.queue(uow.outbox, reminder)
    notices.queue(uow.outbox, reminder)  # a retried job reminds once
    escalated = RequestChange(Happened.ESCALATED, record.request, record.decisions,
                              standing=None)
    notices.queue(uow.outbox, escalated)
    notices.queue(uow.outbox, escalated)
    uow.outbox.commit()
    deadline = moment(record.request.deadline())
    assert [(m.channel, m.text) for m in sent(uow)[6:]] == [
        (FD, f":alarm_clock: Reminder: request #1 · limit increase · Acme ∗Bold∗ "
             f"&lt;!channel&gt; by <@{REP}> waits for your decision at level 2 of 2, by "
             f"{deadline}. Use the buttons on its card."),
        (CFO, "Credit request #1 · limit increase · Acme ∗Bold∗ &lt;!channel&gt;: $150,000.00 "
              "(now $100,000.00, +$50,000.00) · level 2 of 2, waiting for a decision"),
        (REP, ":arrow_double_up: Level 2 of your request #1 · limit increase · Acme ∗Bold∗ "
              "&lt;!channel&gt; passed its deadline, so the CFO may decide it now too."),
    ]
    # The escalated card has what every card has, without figures it was not given.
    assert texts(sent(uow)[7])[2:4] == [
        "*Requested*\n$150,000.00 (now $100,000.00, +$50,000.00)", "*Payment terms*\n-"]

    clock.now = NOW + timedelta(hours=60)
    requests.decide(ROSTER.member(CFO), request_id, 2, Outcome.APPROVED)
    final = sent(uow)[9:]
    # Both cards of level 2 (the finance director's and the cfo's) show the outcome.
    assert [(m.channel, m.update_of) for m in final[:2]] == [(FD, 5), (CFO, 8)]
    # Said to be by escalation: "finance director … Approved by @cfo" read as the CFO
    # deciding a level that was not theirs.
    assert texts(final[0])[-1] == (f":white_check_mark: Approved by <@{CFO}> on "
                                   f"{moment(clock.now)}, by escalation")
    assert [(m.channel, m.text) for m in final[2:4]] == [
        (REP, ":white_check_mark: Your request #1 · limit increase · Acme ∗Bold∗ "
              f"&lt;!channel&gt; is approved: <@{CFO}> approved its last level. The new "
              "limit of $150,000.00 applies now."),
        (OWNER, ":white_check_mark: On an account you own, request #1 · limit increase · "
                f"Acme ∗Bold∗ &lt;!channel&gt; by <@{REP}> is approved. The new limit of "
                "$150,000.00 applies now."),
    ]
    # Level 1's cards, which said "Approved", end with how the request ended, in each
    # reader's language; the rest of them as level 1 decided on it.
    earlier = final[4:]
    assert [(m.channel, m.update_of) for m in earlier] == [(CM, 1), (CM2, 2)]
    assert texts(earlier[0])[:-1] == texts(edits[0])
    assert texts(earlier[0])[-1] == (
        f"*Final outcome, at level 2 (finance director):* :white_check_mark: Approved by "
        f"<@{CFO}> on {moment(clock.now)}, by escalation")
    assert texts(earlier[1])[-1] == (
        f"*最终结果，第 2 级（财务总监）*：:white_check_mark: <@{CFO}> 于 "
        f"{moment(clock.now, 'zh-CN')} 批准（经升级审批）")


def test_a_position_that_cannot_be_computed_still_makes_a_card_that_says_so():
    requests, uow, _ = world((Level("credit_manager", 24),), invoice_currency="EUR")
    file(requests)
    card = sent(uow)[0]
    assert texts(card)[2:6] == [
        "*Requested*\n$150,000.00 (now $100,000.00, +$50,000.00)",
        "*Payment terms*\n30 days", "*Contracts*\nnone in force",
        "The customer's exposure and aging can't be shown: an amount is in a currency "
        "without an exchange rate. Check them in the ERP before deciding."]


def test_an_expired_temporary_limit_edits_its_cards_and_tells_the_requester():
    requests, uow, clock = world((Level("credit_manager", 24),))
    filed = requests.file(ROSTER.member(REP), Filing(
        "C0001", RequestKind.TEMPORARY_LIMIT, "peak season", "+20k",
        expires_on=date(2026, 12, 1)))
    assert [m.channel for m in sent(uow)] == [CM, CM2]
    assert texts(sent(uow)[0])[2] == (
        "*Requested*\n$120,000.00 (now $100,000.00, +$20,000.00)\nthrough Dec 1, 2026")
    clock.now = datetime(2026, 12, 2, 1, 0, tzinfo=UTC)
    requests.expire()
    edits, note = sent(uow)[2:4], sent(uow)[4]
    assert [(m.channel, m.update_of) for m in edits] == [(CM, 1), (CM2, 2)]
    assert texts(edits[0])[-1] == (
        f":hourglass: Expired on {moment(clock.now)}: the temporary limit would have ended "
        "on Dec 1, 2026, so nothing is left to decide.")
    assert (note.channel, note.text) == (REP, (
        ":hourglass: Your request #1 · temporary limit · Acme ∗Bold∗ &lt;!channel&gt; "
        "expired: the temporary limit would have ended on Dec 1, 2026, so nothing was "
        "decided."))
    assert filed.id == 1


def test_an_answer_goes_where_its_question_went_and_not_to_an_asker_let_go():
    requests, uow, clock = world((Level("credit_manager", 24, post_to="credit"),))
    request_id = file(requests)
    requests.ask_info(ROSTER.member(CM2), request_id, 1, "Which orders?")
    [question] = [m for m in sent(uow) if m.thread_of is not None]
    assert question.dedup_key == f"approvals.note:question:1:{CREDIT}"
    # app.yaml moves the level's cards to another channel, and a card goes there.
    moved = ApprovalNotices(lambda d: "en-US", ZONE, {"credit": "C0CREDIT02"},
                            ROSTER.holders())
    record = requests.get(ROSTER.member(CM), request_id)
    moved.queue(uow.outbox, RequestChange(Happened.REMINDED, record.request,
                                          record.decisions))
    uow.outbox.commit()
    assert uow.outbox.id_of(card_key(request_id, 1, "C0CREDIT02")) is not None
    asked = uow.credit_requests.question(1)
    assert asked is not None
    answered = dataclasses.replace(asked, answer="PO-7", answered_at=clock.now)
    before = len(sent(uow))
    moved.queue(uow.outbox, RequestChange(Happened.INFO_ANSWERED, record.request,
                                          record.decisions, asked=answered,
                                          asker_withheld=True))
    uow.outbox.commit()
    added = sent(uow)[before:]
    # Under the question's card in the old channel only; the one who asked, let go by
    # app.yaml, is not written to; the requester's message is edited, naming that channel.
    assert [(m.channel, m.thread_of, m.update_of) for m in added] == [
        (CREDIT, 1, None), (REP, None, uow.outbox.id_of("approvals.note:question:1"))]
    assert f"in the thread of its card in <#{CREDIT}>:" in added[1].text


def test_a_temporary_limit_is_due_by_the_end_of_its_last_day_at_the_latest():
    # Filed on Monday for a limit through Tuesday, its level was due on Wednesday at
    # 10:00: the reminder before it fell after the request expired, so none went out,
    # and the request expired unannounced to the deciders.
    requests, uow, clock = world((Level("credit_manager", 48, post_to="credit"),
                                  Level("finance_director", 48)),
                                 kind=RequestKind.TEMPORARY_LIMIT)
    filed = requests.file(ROSTER.member(REP), Filing(
        "C0001", RequestKind.TEMPORARY_LIMIT, "year-end", "+50k",
        expires_on=date(2026, 12, 1)))
    ends = datetime(2026, 12, 1, 16, 0, tzinfo=UTC)  # midnight ending Dec 1 in Shanghai
    assert filed.level_deadline == ends
    # Where the receipt and /credit requests say where it stands: the same end, in words
    # ("by Dec 2, 12:00 AM" read as the 2nd), and expired once it is past.
    en = translator("en-US")
    assert stage(filed, requests, en, ZONE) == (
        f"level 1 of 2: credit manager (<@{CM}>, <@{CM2}>) decides by the end of Dec 1, "
        f"2026 ({ZONE}), when the request expires")
    clock.now = ends
    assert stage(filed, requests, en, ZONE) == (
        "level 1 of 2: expired at the end of Dec 1, 2026, undecided: nothing is left to "
        "decide")
    clock.now = NOW
    [card] = sent(uow)
    assert texts(card)[-4] == ("Level 1 of 2: credit manager · decide by the end of Dec 1, "
                               f"2026 ({ZONE}): the request expires then")
    clock.now = NOW + timedelta(hours=3)
    requests.decide(ROSTER.member(CM), filed.id, 1, Outcome.APPROVED)
    assert requests.get(ROSTER.member(CM), filed.id).request.level_deadline == ends
    requests.decide(ROSTER.member(FD), filed.id, 2, Outcome.APPROVED)
    # A last day after the level's own deadline leaves the deadline as it is.
    later = requests.file(ROSTER.member(OWNER), Filing(
        "C0001", RequestKind.TEMPORARY_LIMIT, "spring", "+50k",
        expires_on=date(2027, 3, 31)))
    assert later.level_deadline == NOW + timedelta(hours=3 + 48)


def test_level_ones_card_tells_every_later_levels_decision_when_the_request_ends():
    # Level 1's #credit card went from its own approval to the CFO's rejection: the
    # finance director's approval between them was nowhere on it.
    requests, uow, clock = world((Level("credit_manager", 24, post_to="credit"),
                                  Level("finance_director", 48), Level("cfo", 72)))
    request_id = file(requests)
    requests.decide(ROSTER.member(CM), request_id, 1, Outcome.APPROVED)
    clock.now = NOW + timedelta(hours=1)
    requests.decide(ROSTER.member(FD), request_id, 2, Outcome.APPROVED)
    clock.now = NOW + timedelta(hours=2)
    requests.decide(ROSTER.member(CFO), request_id, 3, Outcome.REJECTED, "not now")
    [level_one] = [m for m in sent(uow) if m.channel == CREDIT and m.update_of is not None
                   ][-1:]
    assert texts(level_one)[-1] == (
        f"*Level 2, finance director:* :white_check_mark: Approved by <@{FD}> on "
        f"{moment(NOW + timedelta(hours=1))}\n"
        f"*Final outcome, at level 3 (CFO):* :x: Rejected by <@{CFO}> on "
        f"{moment(NOW + timedelta(hours=2))}\n> not now")


def test_a_question_asked_on_cards_in_direct_messages_names_no_channel_when_closed():
    # The question went under the other holder's card, in their direct messages; when the
    # request was cancelled, the requester's note said the thread was in "#<their id>".
    requests, uow, clock = world((Level("credit_manager", 24),))
    request_id = file(requests)
    clock.now = NOW + timedelta(hours=1)
    requests.ask_info(ROSTER.member(CM2), request_id, 1, "Which orders?")
    [under_other, _, note] = sent(uow)[2:]
    assert (under_other.channel, under_other.thread_of) == (CM, 1)
    asked = (f":question: <@{CM2}> asks about your request #1 · limit increase · "
             "Acme ∗Bold∗ &lt;!channel&gt;:\n> Which orders?\n")
    assert (note.channel, note.text) == (REP, asked + (
        f"Answer with the button below: <@{CM2}> gets your answer by direct message, and "
        "it is kept with the request."))
    requests.cancel(ROSTER.member(REP), request_id)
    [unasked] = [m for m in sent(uow)[5:] if m.channel == REP]
    assert (unasked.update_of, unasked.text) == (5, asked + (
        ":heavy_minus_sign: Request #1 is closed: nothing waits for your answer any more."))


def test_nothing_with_credit_data_goes_to_a_person_app_yaml_no_longer_clears(caplog):
    # A stand-in or a requester app.yaml closed credit data to after they were named (or
    # filed) still got the cards and the notes with every figure, and their buttons
    # then refused them.
    requests, uow, clock = world((Level("credit_manager", 24),))
    barred = {CM2, REP}
    requests = dataclasses.replace(requests, notices=ApprovalNotices(
        lambda d: "en-US", ZONE, {"credit": CREDIT}, ROSTER.holders(),
        lambda user: user not in barred))
    caplog.set_level("WARNING", logger="creditbot.approvals")
    request_id = file(requests)
    assert [m.channel for m in sent(uow)] == [CM]
    clock.now = NOW + timedelta(hours=1)
    requests.ask_info(ROSTER.member(CM), request_id, 1, "Which orders?")
    requests.decide(ROSTER.member(CM), request_id, 1, Outcome.APPROVED)
    assert REP not in {m.channel for m in sent(uow)}
    assert CM2 not in {m.channel for m in sent(uow)}
    said = [r.getMessage() for r in caplog.records]
    reason = "credit data is not open to them (app.yaml's access.credit_data)"
    assert said.count(f"the cards of request {request_id} (level 1) not sent to {CM2}: "
                      f"{reason}") == 1
    assert f"question 1 not sent to {REP}: {reason}" in said
    assert f"a note (approvals.note) not sent to {REP}: {reason}" in said
