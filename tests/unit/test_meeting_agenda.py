"""The agenda built from the data (fake unit of work, real figures): what each kind of
meeting puts on it, in which order, capped with the rest counted; and every line as a
person reads it."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from domain.aging import AgingBuckets
from domain.alerts.detect import ExpiringContract
from domain.approvals.model import CreditRequest, Level, RequestKind
from domain.collections.model import (
    ActionKind,
    Assignment,
    AssignmentStatus,
    CollectionAction,
    Dispute,
    Promise,
    PromiseState,
)
from domain.meetings.agenda import Agenda, AgendaSettings, Topic, build_agenda
from domain.meetings.model import Meeting, MeetingKind
from domain.model import Customer, Invoice
from domain.money import Money
from domain.positions import CreditPolicyContext
from handlers.i18n import translator
from handlers.meetings import invitation_agenda
from tests.fakes import FakeUnitOfWork

NOW = datetime(2026, 11, 30, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai
ZONE = ZoneInfo("Asia/Shanghai")  # the organisation's
TODAY = date(2026, 11, 30)
POLICY = CreditPolicyContext("USD", AgingBuckets())
ANNA, BEN = "U04COLLECT1", "U04COLLECT2"
EN = translator("en-US")


def usd(amount: str) -> Money:
    return Money(Decimal(amount), "USD")


def invoice(cid: str, amount: Money, days_overdue: int, n: int = 1) -> Invoice:
    due = TODAY - timedelta(days=days_overdue)
    return Invoice(f"I-{cid}-{n}", cid, due - timedelta(days=30), due, amount, amount)


def world(more_customers: tuple[Customer, ...] = (),
          more_invoices: tuple[Invoice, ...] = ()) -> FakeUnitOfWork:
    customers = [*more_customers,
        Customer("C0001", "Acme Industrial", usd("100000"), 30),
        Customer("C0002", "Beta GmbH", Money(Decimal(50000), "EUR"), 30),
        Customer("C0003", "Gamma *Trading*", usd("500000"), 30),
        Customer("C0004", "Delta Ltd", usd("20000"), 30),
    ]
    invoices = [
        invoice("C0001", usd("80000"), -10, 1),           # current
        invoice("C0001", usd("50000"), 100, 2),           # 90+
        invoice("C0002", Money(Decimal(60000), "EUR"), 20),  # 1-30, over its limit
        invoice("C0003", usd("10000"), 95),               # 90+
        invoice("C0004", usd("5000"), 40),                # 31-60, within its limit
        *more_invoices,
    ]
    uow = FakeUnitOfWork(customers, invoices, rates={"EUR": Decimal("1.10")})
    uow.alerts.contracts = [
        ExpiringContract("K-7", "C0003", TODAY + timedelta(days=12), usd("200000")),
        ExpiringContract("K-2", "C0004", TODAY + timedelta(days=3), None),
        ExpiringContract("K-9", "C0001", TODAY + timedelta(days=45), None),  # past notice
    ]
    return uow


def request(uow: FakeUnitOfWork, cid: str, name: str, filed_days_ago: int,
            new_limit: str = "150000") -> CreditRequest:
    return uow.credit_requests.add(CreditRequest(
        kind=RequestKind.LIMIT_INCREASE, customer_id=cid, customer_name=name,
        requested_by="U01SALESAMY", filed_at=NOW - timedelta(days=filed_days_ago),
        reason="Q1", measured=usd("50000"), route=(Level("credit_manager", 24),),
        current_limit=usd("100000"), new_limit=usd(new_limit), increase=usd("50000")))


def meeting(kind: MeetingKind, customers: tuple[str, ...] = ()) -> Meeting:
    return Meeting(kind=kind, title="Weekly", organiser="U02CREDITMG",
                   starts_at=NOW + timedelta(days=2), minutes=60, zone="Asia/Shanghai",
                   departments=("credit",), customers=customers, id=1, version=1)


def lines(agenda: Agenda, topic: Topic) -> list[str]:
    return [invitation_agenda.line(EN, item) for item in agenda.of(topic)]


def test_credit_committee_from_the_data() -> None:
    uow = world()
    with uow:
        request(uow, "C0001", "Acme Industrial", 3)
        request(uow, "C0004", "Delta Ltd", 1, "30000")
        uow.commit()
    agenda = build_agenda(uow, meeting(MeetingKind.CREDIT_COMMITTEE), POLICY, NOW, ZONE)

    assert agenda.topics == (Topic.PENDING_APPROVALS, Topic.OVER_LIMIT, Topic.OVERDUE_90,
                             Topic.CONTRACTS_EXPIRING)
    # The longest waiting first.
    assert lines(agenda, Topic.PENDING_APPROVALS) == [
        "Request #1: *Acme Industrial* (`C0001`), limit increase to $150,000.00 · "
        "waiting 3 days · by <@U01SALESAMY>",
        "Request #2: *Delta Ltd* (`C0004`), limit increase to $30,000.00 · waiting 1 day "
        "· by <@U01SALESAMY>",
    ]
    # The largest excess in USD first: Acme $130,000 vs $100,000 (+$30,000); Beta
    # €60,000 = $66,000 vs €50,000 = $55,000 (+$11,000). Each said in its own currency,
    # as its card says it. Delta is within its limit.
    assert lines(agenda, Topic.OVER_LIMIT) == [
        "*Acme Industrial* (`C0001`): exposure $130,000.00 against a limit of "
        "$100,000.00, $30,000.00 over",
        "*Beta GmbH* (`C0002`): exposure €60,000.00 against a limit of €50,000.00, "
        "€10,000.00 over",
    ]
    # The ERP's name is neutralised: it does not turn bold in Slack.
    assert lines(agenda, Topic.OVERDUE_90) == [
        "*Acme Industrial* (`C0001`): $50,000.00 in the 90+ days bucket · oldest 100 days "
        "past due",
        "*Gamma ∗Trading∗* (`C0003`): $10,000.00 in the 90+ days bucket · oldest 95 days "
        "past due",
    ]
    # Within the 30-day notice period, the soonest first.
    assert lines(agenda, Topic.CONTRACTS_EXPIRING) == [
        "*Delta Ltd* (`C0004`): contract K-2 ends in 3 days",
        "*Gamma ∗Trading∗* (`C0003`): contract K-7 ends in 12 days · its limit "
        "$200,000.00",
    ]
    assert agenda.of(Topic.REVIEWS_DUE) == ()  # customers carry no review date


def test_the_calendar_files_agenda_shows_names_as_the_erp_writes_them() -> None:
    # Slack's look-alikes (∗, ＿) keep a name from formatting there; a calendar shows
    # plain text, where "Gamma ∗Trading∗" would be a name nobody wrote.
    uow = world()
    agenda = build_agenda(uow, meeting(MeetingKind.CREDIT_COMMITTEE), POLICY, NOW, ZONE)
    text = invitation_agenda.plain_text(EN, agenda, meeting(MeetingKind.CREDIT_COMMITTEE))
    assert text == "\n".join([
        "Pending approvals:",
        "- nothing to discuss",
        "Exposures above their limit:",
        "- Acme Industrial (C0001): exposure $130,000.00 against a limit of $100,000.00, "
        "$30,000.00 over",
        "- Beta GmbH (C0002): exposure €60,000.00 against a limit of €50,000.00, €10,000.00 "
        "over",
        "Accounts in the oldest aging bucket:",
        "- Acme Industrial (C0001): $50,000.00 in the 90+ days bucket · oldest 100 days "
        "past due",
        "- Gamma *Trading* (C0003): $10,000.00 in the 90+ days bucket · oldest 95 days past "
        "due",
        "Contracts ending:",
        "- Delta Ltd (C0004): contract K-2 ends in 3 days",
        "- Gamma *Trading* (C0003): contract K-7 ends in 12 days · its limit $200,000.00"])
    # A Chinese reader's headings end in the full-width colon ("待审批事项:" read as typed
    # by someone else).
    zh = invitation_agenda.plain_text(translator("zh-CN"), agenda,
                                      meeting(MeetingKind.CREDIT_COMMITTEE))
    headings = [line for line in zh.splitlines() if not line.startswith("- ")]
    assert len(headings) == 4 and all(h.endswith("：") and ":" not in h for h in headings)


def test_each_topic_is_capped_and_the_rest_counted() -> None:
    uow = world()
    with uow:
        for n in range(12):
            request(uow, f"C1{n:03}", f"Customer {n}", 12 - n)
        uow.commit()
    agenda = build_agenda(uow, meeting(MeetingKind.CREDIT_COMMITTEE), POLICY, NOW, ZONE,
                          AgendaSettings(cap=10))
    assert len(agenda.of(Topic.PENDING_APPROVALS)) == 10
    assert agenda.more_of(Topic.PENDING_APPROVALS) == 2
    assert agenda.more_of(Topic.OVER_LIMIT) == 0
    blocks = invitation_agenda.blocks(EN, agenda, meeting(MeetingKind.CREDIT_COMMITTEE),
                                      "Agenda: Weekly", UTC)
    # The ten waiting longest, the longest first; the two most recent counted.
    assert blocks[1]["text"]["text"] == "\n".join([
        "*Pending approvals*",
        *(f"Request #{n + 1}: *Customer {n}* (`C1{n:03}`), limit increase to $150,000.00 · "
          f"waiting {12 - n} days · by <@U01SALESAMY>" for n in range(10)),
        "and 2 more"])


def collection_world(more_customers: tuple[Customer, ...] = (),
                     more_invoices: tuple[Invoice, ...] = ()) -> FakeUnitOfWork:
    uow = world(more_customers, more_invoices)
    with uow:
        store = uow.collections
        for cid, who in (("C0001", ANNA), ("C0003", ANNA), ("C0002", BEN)):
            store.add_assignment(Assignment(cid, who, AssignmentStatus.OPEN, "rules",
                                            NOW - timedelta(days=30)))
        store.add_promise(Promise("C0001", usd("20000"), TODAY - timedelta(days=6), (),
                                  PromiseState.BROKEN, ANNA, NOW - timedelta(days=20),
                                  checked_at=NOW - timedelta(days=5)))
        store.add_promise(Promise("C0001", usd("1000"), TODAY - timedelta(days=70), (),
                                  PromiseState.BROKEN, ANNA, NOW - timedelta(days=80),
                                  checked_at=NOW - timedelta(days=60)))  # old news
        store.add_promise(Promise("C0003", usd("500"), TODAY - timedelta(days=2), (),
                                  PromiseState.KEPT, ANNA, NOW - timedelta(days=9),
                                  checked_at=NOW - timedelta(days=1)))
        store.add_dispute(Dispute("C0003", ("I-C0003-1",), "Goods arrived damaged",
                                  "sales", "U01SALESAMY", ANNA, NOW - timedelta(days=3)))
        store.add_dispute(Dispute("C0002", ("I-C0002-1",), "Price <not> as agreed", None,
                                  None, BEN, NOW - timedelta(days=20)))
        uow.commit()
    return uow


def test_collection_review_from_the_data() -> None:
    agenda = build_agenda(collection_world(), meeting(MeetingKind.COLLECTION_REVIEW),
                          POLICY, NOW, ZONE)
    assert agenda.topics == (Topic.BROKEN_PROMISES, Topic.OVERDUE_BY_COLLECTOR,
                             Topic.OPEN_DISPUTES)
    assert lines(agenda, Topic.BROKEN_PROMISES) == [
        "*Acme Industrial* (`C0001`): promised $20,000.00, due 6 days ago, not kept · "
        "collector <@U04COLLECT1>",
    ]
    # Ben's book (€60,000 = $66,000) before Anna's ($50,000 + $10,000 = $60,000); each
    # account in its own currency.
    assert lines(agenda, Topic.OVERDUE_BY_COLLECTOR) == [
        "<@U04COLLECT2>: *Beta GmbH* (`C0002`), €60,000.00 overdue · oldest 20 days past "
        "due",
        "<@U04COLLECT1>: *Acme Industrial* (`C0001`), $50,000.00 overdue · oldest 100 days "
        "past due",
        "<@U04COLLECT1>: *Gamma ∗Trading∗* (`C0003`), $10,000.00 overdue · oldest 95 days "
        "past due",
    ]
    # The oldest first; what people typed is escaped.
    assert lines(agenda, Topic.OPEN_DISPUTES) == [
        "*Beta GmbH* (`C0002`): open for 20 days · “Price &lt;not&gt; as agreed”",
        "*Gamma ∗Trading∗* (`C0003`): open for 3 days · with <@U01SALESAMY> · “Goods "
        "arrived damaged”",
    ]


def test_a_collection_review_before_anyone_collects_says_so_not_nothing_to_discuss() -> None:
    # $3.9M overdue and no collector yet: "nothing to discuss" read as nothing overdue.
    review = meeting(MeetingKind.COLLECTION_REVIEW)
    agenda = build_agenda(world(), review, POLICY, NOW, ZONE)
    assert agenda.of(Topic.OVERDUE_BY_COLLECTOR) == () and agenda.nobody_collects
    texts = [b["text"]["text"] for b in invitation_agenda.blocks(EN, agenda, review, "Agenda",
                                                                 ZONE)
             if b["type"] == "section"]
    assert texts[:2] == [
        "*Broken promises to pay*\n_nothing to discuss_",
        "*Largest overdue balances by collector*\n_no account with money overdue has a "
        "collector yet (/credit assign, or the morning alerts' assignment rules, give them "
        "one)_"]
    # One account assigned, with nothing overdue: the overdue money still has nobody.
    quiet = world(more_customers=(Customer("C0009", "Quiet Ltd", usd("1000"), 30),))
    with quiet:
        quiet.collections.add_assignment(Assignment("C0009", ANNA, AssignmentStatus.OPEN,
                                                    "manual", NOW - timedelta(days=3)))
        quiet.commit()
    assert build_agenda(quiet, review, POLICY, NOW, ZONE).nobody_collects
    # Once the overdue accounts have collectors, an empty topic is nothing to discuss.
    assert not build_agenda(collection_world(), review, POLICY, NOW, ZONE).nobody_collects


def test_a_collector_with_many_accounts_leaves_room_for_the_others() -> None:
    """All ten lines went to the first collector's twenty accounts; the second, with
    less overdue, never appeared although the topic is "grouped by collector"."""
    ids = [f"C2{n:03}" for n in range(8)]
    uow = collection_world(
        tuple(Customer(cid, f"Anna's {n}", usd("1000"), 30) for n, cid in enumerate(ids)),
        tuple(invoice(cid, usd(str(90000 - n * 1000)), 50) for n, cid in enumerate(ids)))
    with uow:
        for cid in ids:
            uow.collections.add_assignment(Assignment(cid, ANNA, AssignmentStatus.OPEN,
                                                      "rules", NOW - timedelta(days=30)))
        uow.commit()
    agenda = build_agenda(uow, meeting(MeetingKind.COLLECTION_REVIEW), POLICY, NOW, ZONE,
                          AgendaSettings(cap=4))
    shown = [(item.person, item.customer_id) for item in agenda.of(Topic.OVERDUE_BY_COLLECTOR)]
    # Anna's book first (now the largest), her three largest; Ben's one account too.
    assert shown == [(ANNA, "C2000"), (ANNA, "C2001"), (ANNA, "C2002"), (BEN, "C0002")]
    assert agenda.more_of(Topic.OVERDUE_BY_COLLECTOR) == 7


def test_customer_review_shows_position_requests_collector_and_actions() -> None:
    uow = collection_world()
    with uow:
        request(uow, "C0001", "Acme Industrial", 2)
        uow.collections.add_action(CollectionAction("C0001", ActionKind.CALL,
                                                    "Will pay on Friday", ANNA,
                                                    NOW - timedelta(days=2)))
        uow.commit()
    agenda = build_agenda(uow, meeting(MeetingKind.CUSTOMER_REVIEW, ("C0001", "C9999")),
                          POLICY, NOW, ZONE)
    assert agenda.topics == (Topic.CUSTOMER,)
    assert lines(agenda, Topic.CUSTOMER) == [
        "*Acme Industrial* (`C0001`): exposure $130,000.00 against a limit of $100,000.00 "
        "· oldest 100 days past due",
        "    Open request #1: limit increase to $150,000.00 · by <@U01SALESAMY>",
        "    Collector: <@U04COLLECT1> (being worked)",
        "    <@U04COLLECT1>, 2 days ago: “Will pay on Friday”",
        "*C9999* (`C9999`): no longer in the ERP's data",
    ]


def test_other_meetings_have_no_topics_from_the_data() -> None:
    agenda = build_agenda(world(), meeting(MeetingKind.OTHER), POLICY, NOW, ZONE)
    assert agenda.items == ()
    blocks = invitation_agenda.blocks(EN, agenda, meeting(MeetingKind.OTHER), "Agenda", UTC)
    assert blocks[1]["text"]["text"] == "Nothing from the data for this kind of meeting."


def test_a_contract_ending_today_says_so() -> None:
    # "ends in 0 days" read oddly, in English and in Chinese.
    uow = world()
    uow.alerts.contracts = [ExpiringContract("K-2", "C0004", TODAY, None),
                            ExpiringContract("K-7", "C0003", TODAY + timedelta(days=1), None)]
    agenda = build_agenda(uow, meeting(MeetingKind.CREDIT_COMMITTEE), POLICY, NOW, ZONE)
    assert lines(agenda, Topic.CONTRACTS_EXPIRING) == [
        "*Delta Ltd* (`C0004`): contract K-2 ends today",
        "*Gamma ∗Trading∗* (`C0003`): contract K-7 ends in 1 day"]
    assert [invitation_agenda.line(translator("zh-CN"), item)
            for item in agenda.of(Topic.CONTRACTS_EXPIRING)] == [
        "*Delta Ltd*（`C0004`）：合同 K-2 今天到期",
        "*Gamma ∗Trading∗*（`C0003`）：合同 K-7 将在 1 天后到期"]


def test_a_chinese_reader_reads_the_customers_chinese_legal_name() -> None:
    # The agenda named a Chinese customer by its English name to a Chinese reader, while
    # the check card and the collector's list used its Chinese legal name.
    uow = world()
    delta = uow.customers.rows["C0004"]
    uow.customers.rows["C0004"] = replace(delta, name_local="德尔塔有限公司")
    uow.alerts.contracts = [ExpiringContract("K-2", "C0004", TODAY, None)]
    agenda = build_agenda(uow, meeting(MeetingKind.CREDIT_COMMITTEE), POLICY, NOW, ZONE)
    [item] = agenda.of(Topic.CONTRACTS_EXPIRING)
    assert invitation_agenda.line(translator("zh-CN"), item) == (
        "*德尔塔有限公司*（`C0004`）：合同 K-2 今天到期")
    assert invitation_agenda.line(EN, item) == "*Delta Ltd* (`C0004`): contract K-2 ends today"


def test_days_are_the_organisations_calendar_days_whatever_the_meeting_zone() -> None:
    # Counted on UTC dates: at 07:30 in Shanghai a request filed at 01:00 the same day
    # was "waiting 1 day" and a promise due the day before "due 0 days ago"; and the
    # aging followed the meeting's zone, so a Paris meeting's agenda at 21:00 lacked an
    # account Shanghai's day already had in 90+.
    late = datetime(2026, 11, 30, 23, 30, tzinfo=UTC)  # Dec 1, 07:30 in Shanghai
    uow = world(more_customers=(Customer("C0009", "Paris Co", usd("100000"), 30),),
                more_invoices=(Invoice("I-9", "C0009", date(2026, 8, 1), date(2026, 9, 1),
                                       usd("7000"), usd("7000")),))  # 91 days on Dec 1
    with uow:
        uow.credit_requests.add(CreditRequest(
            kind=RequestKind.LIMIT_INCREASE, customer_id="C0004", customer_name="Delta Ltd",
            requested_by="U01SALESAMY", filed_at=datetime(2026, 11, 30, 17, 0, tzinfo=UTC),
            reason="Q1", measured=usd("50000"), route=(Level("credit_manager", 24),),
            current_limit=usd("20000"), new_limit=usd("30000"), increase=usd("10000")))
        uow.collections.add_assignment(Assignment("C0001", ANNA, AssignmentStatus.OPEN,
                                                  "rules", late - timedelta(days=30)))
        uow.collections.add_promise(Promise(
            "C0001", usd("20000"), date(2026, 11, 30), (), PromiseState.BROKEN, ANNA,
            late - timedelta(days=5), checked_at=late - timedelta(hours=1)))
        # Opened Nov 30 at 17:00 in Shanghai: 14½ hours before, the day before.
        uow.collections.add_dispute(Dispute("C0001", ("I-C0001-1",), "Wrong price", None,
                                            None, ANNA, late - timedelta(hours=14, minutes=30)))
        uow.commit()
    paris = replace(meeting(MeetingKind.CREDIT_COMMITTEE), zone="Europe/Paris")
    committee = build_agenda(uow, paris, POLICY, late - timedelta(hours=3, minutes=30), ZONE)
    assert lines(committee, Topic.PENDING_APPROVALS) == [
        "Request #1: *Delta Ltd* (`C0004`), limit increase to $30,000.00 · waiting 0 days · "
        "by <@U01SALESAMY>"]
    assert "*Paris Co* (`C0009`): $7,000.00 in the 90+ days bucket · oldest 91 days past " \
        "due" in lines(committee, Topic.OVERDUE_90)
    review = build_agenda(uow, replace(paris, kind=MeetingKind.COLLECTION_REVIEW), POLICY,
                          late, ZONE)
    assert lines(review, Topic.BROKEN_PROMISES) == [
        "*Acme Industrial* (`C0001`): promised $20,000.00, due 1 day ago, not kept · "
        "collector <@U04COLLECT1>"]
    assert lines(review, Topic.OPEN_DISPUTES) == [
        "*Acme Industrial* (`C0001`): open for 1 day · “Wrong price”"]
