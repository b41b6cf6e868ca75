"""The alerts use cases with the in-memory unit of work: what a scan queues and records,
and what an answer from a digest changes."""

from __future__ import annotations

import dataclasses
import logging
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from domain.access import AccessDenied, CreditDataAccess, Member
from domain.aging import AgingBuckets
from domain.alerts.detect import WatchSettings
from domain.alerts.digest import Page
from domain.alerts.routing import DEFAULT_ROUTES, Directory
from domain.alerts.use_cases import (
    AlertChanged,
    AlertClosed,
    AlertOutdated,
    Alerts,
    AlertUnknown,
)
from domain.collections.model import Assignment, AssignmentStatus
from domain.model import Customer, Invoice
from domain.money import Money
from domain.positions import CreditPolicyContext
from tests.fakes import FakeUnitOfWork

ZONE = ZoneInfo("Asia/Shanghai")
BUCKETS = AgingBuckets((30, 60, 90))
MANAGER = Member("U0MANAGER1", roles=frozenset({"credit_manager"}))
STRANGER = Member("U0STRANGER")


class Pages:
    """Two lines a page, each line its condition and who acknowledged it."""

    def render(self, destination, digest_id, lines, at):
        texts = [f"{line.condition} new={line.announcement.change.value}"
                 f" ack={line.state.acknowledged_by if line.state else None}"
                 f" snoozed={line.state.snoozed_until if line.state else None}"
                 for line in lines]
        return [Page(f"#{digest_id} " + " | ".join(texts[i:i + 2]), [])
                for i in range(0, len(texts), 2)]

    def page_of(self, index, count):
        return index // 2

    def render_page(self, destination, digest_id, lines, at, number):
        return self.render(destination, digest_id, lines, at)[number]

    def left_out(self, destination, customers, rates, day):
        return Page(f"left out on {day}: {[c.customer_id for c in customers]} {rates}", [])


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 30, 1, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


def invoice(cid: str, late: int, amount: str) -> Invoice:
    today = date(2026, 11, 30)
    money = Money(Decimal(amount), "USD")
    return Invoice(f"{cid}-{late}", cid, today - timedelta(days=90),
                   today - timedelta(days=late), money, money)


def world(*invoices: Invoice) -> tuple[Alerts, FakeUnitOfWork, Clock]:
    customers = [Customer(c, f"Customer {c}", Money(Decimal(100_000), "USD"), 30,
                          department="sales", owner_slack_id="U0OWNER001")
                 for c in ("C1", "C2", "C3")]
    uow = FakeUnitOfWork(customers, invoices)
    clock = Clock()
    alerts = Alerts(uow, CreditDataAccess(), CreditPolicyContext("USD", BUCKETS),
                    WatchSettings(BUCKETS), DEFAULT_ROUTES,
                    Directory({"sales": "C0SALES000", "finance": "C0FINANCE0",
                               "legal": "C0LEGAL000"}, {}, {}),
                    Pages(), clock, ZONE, admin_channel="C0ADMIN000")
    return alerts, uow, clock


def texts(uow: FakeUnitOfWork) -> list[tuple[str, str, int | None, int | None]]:
    return [(m.channel, m.text, m.thread_of, m.update_of) for m in uow.outbox.messages]


def test_a_scan_queues_one_digest_per_destination_and_records_the_run():
    alerts, uow, _ = world(invoice("C1", 10, "100"), invoice("C2", 95, "200"),
                           invoice("C3", 40, "300"))
    counts = alerts.scan()
    assert counts == {"customers": 3, "conditions": 3, "announced": 3, "resolved": 0,
                      "unrouted": 0, "digests": 3, "messages": 5, "missing_rate": 0}
    assert texts(uow) == [
        ("C0SALES000", "#1 overdue:C2 new=new ack=None snoozed=None | "
                       "overdue:C3 new=new ack=None snoozed=None", None, None),
        ("C0SALES000", "#1 overdue:C1 new=new ack=None snoozed=None", 1, None),
        ("C0FINANCE0", "#2 overdue:C2 new=new ack=None snoozed=None | "
                       "overdue:C3 new=new ack=None snoozed=None", None, None),
        ("C0FINANCE0", "#2 overdue:C1 new=new ack=None snoozed=None", 3, None),
        ("C0LEGAL000", "#3 overdue:C2 new=new ack=None snoozed=None", None, None),
    ]
    assert [(e.actor, e.action, e.subject, e.details["announced"])
            for e in uow.audit.entries] == [("creditbot", "alerts.scanned", "2026-11-30", 3)]
    assert alerts.scan()["messages"] == 0
    assert len(uow.outbox.messages) == 5


def test_a_scan_notes_who_collects_each_account_and_how_far_it_has_gone():
    alerts, uow, _ = world(invoice("C1", 10, "100"), invoice("C2", 95, "200"),
                           invoice("C3", 40, "300"))
    at = datetime(2026, 11, 29, tzinfo=UTC)
    uow.collections.add_assignment(Assignment("C1", "U0MEI00001", AssignmentStatus.PROMISED,
                                              "rules", at))
    uow.collections.add_assignment(Assignment("C2", "U0LAWYER01", AssignmentStatus.ESCALATED,
                                              "rules", at))
    uow.commit()
    alerts.scan()
    states = uow.alerts.open_states()
    assert {key: (s.last.subject.collector, s.last.subject.collection)
            for key, s in states.items() if s.last is not None} == {
        "overdue:C1": ("U0MEI00001", "promised"), "overdue:C2": ("U0LAWYER01", "escalated"),
        "overdue:C3": (None, None)}


def test_an_alert_nobody_is_routed_to_goes_to_the_admin_channel():
    alerts, uow, _ = world(invoice("C1", 10, "100"))
    object.__setattr__(alerts, "routes", ())
    assert alerts.scan()["unrouted"] == 1
    assert [m.channel for m in uow.outbox.messages] == ["C0ADMIN000"]


def test_acknowledging_records_who_and_edits_every_page_of_that_runs_digests_in_place():
    alerts, uow, clock = world(invoice("C1", 10, "100"), invoice("C2", 95, "200"),
                               invoice("C3", 40, "300"))
    alerts.scan()
    clock.now += timedelta(minutes=5)
    state = alerts.acknowledge(MANAGER, 1, "overdue:C2")
    assert (state.acknowledged_by, state.acknowledged_at) == ("U0MANAGER1", clock.now)
    # The first page of each digest showing the line, which is also the page it is on.
    edits = texts(uow)[5:]
    assert [(channel, update_of) for channel, _, _, update_of in edits] == \
        [("C0SALES000", 1), ("C0FINANCE0", 3), ("C0LEGAL000", 5)]
    assert edits[0][1] == ("#1 overdue:C2 new=new ack=U0MANAGER1 snoozed=None | "
                           "overdue:C3 new=new ack=None snoozed=None")
    assert edits[2][1] == "#3 overdue:C2 new=new ack=U0MANAGER1 snoozed=None"
    last = uow.audit.entries[-1]
    assert (last.actor, last.action, last.subject, last.details) == \
        ("U0MANAGER1", "alerts.acknowledged", "overdue:C2", {"digest": 1})


def test_a_snooze_lasts_its_days_and_is_recorded():
    alerts, uow, clock = world(invoice("C1", 10, "100"))
    alerts.scan()
    # Pressed a quarter of an hour after the morning's run (09:00 in Shanghai): until
    # the start of the seventh day after, so that day's morning run shows it again.
    clock.now += timedelta(minutes=15)
    state = alerts.snooze(MANAGER, 1, "overdue:C1", 7)
    assert (state.snoozed_until, state.snoozed_by) == (
        datetime(2026, 12, 7, 0, 0, tzinfo=ZONE), "U0MANAGER1")
    assert uow.audit.entries[-1].details == {"digest": 1, "days": 7,
                                              "until": "2026-12-06T16:00:00+00:00"}
    clock.now += timedelta(days=6, minutes=-15)
    assert alerts.scan()["announced"] == 0
    clock.now += timedelta(days=1)
    assert alerts.scan()["announced"] == 1
    # Snoozed for a day after the morning's run: back in the next morning's, not the
    # one after it.
    clock.now += timedelta(minutes=10)
    alerts.snooze(MANAGER, 3, "overdue:C1", 1)
    clock.now += timedelta(days=1, minutes=-10)
    assert alerts.scan()["announced"] == 1


def test_a_shorter_snooze_leaves_a_longer_one_standing():
    # A rep's "Snooze 1 day" under the credit manager's week cut the week short, unasked.
    other = Member("U0MANAGER2", roles=frozenset({"credit_manager"}))
    alerts, uow, clock = world(invoice("C1", 10, "100"), invoice("C2", 10, "100"))
    alerts.scan()
    week = alerts.snooze(MANAGER, 1, "overdue:C1", 7)
    entries = len(uow.audit.entries)
    kept = alerts.snooze(other, 1, "overdue:C1", 1)
    assert (kept.snoozed_until, kept.snoozed_by) == (week.snoozed_until, "U0MANAGER1")
    assert (uow.alerts.saved["overdue:C1"].snoozed_until,
            uow.alerts.saved["overdue:C1"].snoozed_by) == (week.snoozed_until, "U0MANAGER1")
    assert len(uow.audit.entries) == entries  # nothing changed, nothing recorded
    # A longer one over a shorter replaces it.
    day = alerts.snooze(other, 1, "overdue:C2", 1)
    longer = alerts.snooze(MANAGER, 1, "overdue:C2", 7)
    assert (longer.snoozed_until, longer.snoozed_by) == (week.snoozed_until, "U0MANAGER1")
    assert day.snoozed_until is not None and day.snoozed_until < week.snoozed_until
    clock.now += timedelta(days=2)
    assert alerts.scan()["announced"] == 0


def test_someone_without_access_is_refused_and_the_refusal_recorded():
    alerts, uow, _ = world(invoice("C1", 10, "100"))
    alerts.scan()
    with pytest.raises(AccessDenied):
        alerts.acknowledge(STRANGER, 1, "overdue:C1")
    assert uow.alerts.saved["overdue:C1"].acknowledged_by is None
    assert [(e.actor, e.action, e.details) for e in uow.audit.entries[1:]] == \
        [("U0STRANGER", "alerts.answer_refused", {"wanted": "alerts.acknowledged"})]


@pytest.mark.parametrize(("digest", "condition"), [(1, "overdue:C2"), (9, "overdue:C1")])
def test_a_condition_not_in_that_digest_or_a_digest_not_on_record_is_unknown(digest,
                                                                            condition):
    # Not "resolved since": a press of a deleted digest's button (or a forged one) is
    # told it is not on record, and changes nothing.
    alerts, uow, _ = world(invoice("C1", 10, "100"))
    alerts.scan()
    with pytest.raises(AlertUnknown) as refused:
        alerts.acknowledge(MANAGER, digest, condition)
    assert refused.value.template == (
        "This alert is not on record (anymore): nothing was changed. The latest digest in "
        "the channel has the alerts still open.")
    assert uow.alerts.saved.get("overdue:C1") is None or \
        uow.alerts.saved["overdue:C1"].acknowledged_by is None


def test_an_answer_to_an_alert_resolved_since_is_closed():
    alerts, uow, _ = world(invoice("C1", 10, "100"))
    alerts.scan()
    uow.receivables = type(uow.receivables)([], [])
    assert alerts.scan()["resolved"] == 1
    with pytest.raises(AlertClosed):
        alerts.snooze(MANAGER, 1, "overdue:C1", 1)


def test_two_changes_of_one_state_at_once_cannot_both_win():
    alerts, uow, _ = world(invoice("C1", 10, "100"))
    alerts.scan()
    stale = uow.alerts.saved["overdue:C1"]
    alerts.acknowledge(MANAGER, 1, "overdue:C1")
    with pytest.raises(AlertChanged):
        uow.alerts.save([stale])


def test_the_home_shows_what_reaches_a_person_and_not_what_is_snoozed():
    alerts, _, _ = world(invoice("C1", 10, "100"), invoice("C2", 95, "200"))
    alerts.scan()
    owner = Member("U0OWNER001", departments=frozenset({"finance"}))
    shown, total = alerts.open_for(owner)
    assert ([s.condition for s in shown], total) == (["overdue:C2", "overdue:C1"], 2)
    alerts.snooze(MANAGER, 1, "overdue:C2", 1)
    assert alerts.open_for(owner, limit=1)[0][0].condition == "overdue:C1"
    with pytest.raises(AccessDenied):
        alerts.open_for(STRANGER)


def test_an_answer_from_a_digest_older_than_the_latest_announcement_is_refused():
    alerts, uow, clock = world(invoice("C1", 25, "100"))
    alerts.scan()
    clock.now += timedelta(days=6)  # 31 days overdue: announced again, worse
    assert alerts.scan()["announced"] == 1
    with pytest.raises(AlertOutdated):
        alerts.acknowledge(MANAGER, 1, "overdue:C1")
    assert uow.alerts.saved["overdue:C1"].acknowledged_by is None
    latest = max(uow.alerts.digests)
    assert alerts.acknowledge(MANAGER, latest, "overdue:C1").acknowledged_by == "U0MANAGER1"


def test_a_scan_whose_write_meets_a_click_meanwhile_decides_again_from_the_new_states():
    alerts, uow, _ = world(invoice("C1", 10, "100"))
    save = uow.alerts.save
    refused: list[int] = []

    def changed_once(states):  # type: ignore[no-untyped-def]
        if not refused:
            refused.append(1)
            raise AlertChanged()
        save(states)

    uow.alerts.save = changed_once  # type: ignore[method-assign]
    assert alerts.scan()["announced"] == 1
    assert (len(refused), len(uow.outbox.messages), len(uow.audit.entries)) == (1, 2, 1)


def test_without_an_admin_channel_an_alert_nobody_is_routed_to_is_kept_for_the_next_run():
    alerts, uow, _ = world(invoice("C1", 10, "100"))
    object.__setattr__(alerts, "routes", ())
    object.__setattr__(alerts, "admin_channel", None)
    counts = alerts.scan()
    assert (counts["unrouted"], counts["announced"], counts["messages"]) == (1, 0, 0)
    assert uow.alerts.saved == {} and uow.outbox.messages == []
    assert alerts.scan()["unrouted"] == 1
    object.__setattr__(alerts, "routes", DEFAULT_ROUTES)
    assert alerts.scan()["announced"] == 1


def test_the_home_leaves_out_what_someone_acknowledged():
    alerts, _, _ = world(invoice("C1", 10, "100"), invoice("C2", 95, "200"))
    alerts.scan()
    owner = Member("U0OWNER001", departments=frozenset({"finance"}))
    alerts.acknowledge(MANAGER, 1, "overdue:C2")
    assert [s.condition for s in alerts.open_for(owner)[0]] == ["overdue:C1"]


def test_an_answer_edits_the_first_page_and_the_page_showing_its_line_only():
    alerts, uow, _ = world(invoice("C1", 10, "100"), invoice("C2", 95, "200"),
                           invoice("C3", 40, "300"))
    alerts.scan()
    alerts.snooze(MANAGER, 1, "overdue:C1", 1)  # the third line: page 2 of two
    assert [(channel, update_of) for channel, _, _, update_of in texts(uow)[5:]] == \
        [("C0SALES000", 1), ("C0SALES000", 2), ("C0FINANCE0", 3), ("C0FINANCE0", 4)]


def test_acknowledging_again_changes_nothing_and_edits_nothing():
    alerts, uow, _ = world(invoice("C1", 10, "100"))
    alerts.scan()
    first = alerts.acknowledge(MANAGER, 1, "overdue:C1")
    queued, audited = len(uow.outbox.messages), len(uow.audit.entries)
    again = alerts.acknowledge(Member("U0MANAGER2", roles=frozenset({"credit_manager"})), 1,
                               "overdue:C1")
    assert (again.acknowledged_by, again.acknowledged_at) == ("U0MANAGER1",
                                                               first.acknowledged_at)
    assert (len(uow.outbox.messages), len(uow.audit.entries)) == (queued, audited)


def test_a_scan_starts_from_the_portfolio_the_job_read_when_it_is_todays():
    from domain.positions import Portfolio, portfolio_positions

    alerts, uow, _ = world(invoice("C1", 10, "100"), invoice("C2", 95, "200"))
    with uow() as work:
        read = portfolio_positions(work, date(2026, 11, 30), alerts.policy)
    # Today's portfolio, with one customer left out: the scan does not read it again.
    only_c2 = Portfolio(date(2026, 11, 30), [e for e in read if e.customer.customer_id == "C2"])
    assert alerts.scan(only_c2)["customers"] == 1
    # Yesterday's (a job that crossed midnight): read again, all three customers.
    stale = Portfolio(date(2026, 11, 29), [])
    assert alerts.scan(stale)["customers"] == 3


def test_customers_left_out_for_want_of_a_rate_are_named_with_the_rate(caplog):
    """The job's summary said "missing_rate 1": nobody could tell which customer, or
    which rate to import."""
    gbp = Money(Decimal(500), "GBP")
    alerts, uow, _ = world(invoice("C1", 10, "100"),
                           Invoice("C2-gbp", "C2", date(2026, 9, 1), date(2026, 10, 1), gbp,
                                   gbp))
    with caplog.at_level(logging.WARNING, logger="creditbot.alerts"):
        counts = alerts.scan()
    assert counts["missing_rate"] == 1
    assert [r.getMessage() for r in caplog.records if r.name == "creditbot.alerts"] == [
        "alerts: 1 customer(s) left out of the scan for want of an exchange rate (GBP to "
        "USD): C2; import the rates (creditbot import rates FILE.csv)"]
    # The admins hear of it too (only the log said so), once a day.
    notice = ("C0ADMIN000", "left out on 2026-11-30: ['C2'] [('GBP', 'USD')]", None, None)
    assert [t for t in texts(uow) if t[0] == "C0ADMIN000"] == [notice]
    alerts.scan()
    assert [t for t in texts(uow) if t[0] == "C0ADMIN000"] == [notice]
    # With no admin channel, the credit department's channel; with neither, only the log.
    for channels, told in (({"credit": "C0CREDIT00"}, ["C0CREDIT00"]), ({}, [])):
        bare, work, _ = world(Invoice("C2-gbp", "C2", date(2026, 9, 1), date(2026, 10, 1),
                                      gbp, gbp))
        bare = dataclasses.replace(bare, admin_channel=None, directory=Directory(
            {**bare.directory.channels, **channels}, {}, {}),
            access=CreditDataAccess(share_channels=frozenset(channels.values())))
        bare.scan()
        assert [m.channel for m in work.outbox.messages if m.kind == "alerts.left_out"] == told


def test_an_owner_or_department_from_the_erp_hears_only_if_open_to_credit_data(caplog):
    """The ERP's department and owner chose who heard of a customer's figures: a
    logistics channel closed to credit data got the digest, and a person app.yaml does
    not know got it by direct message."""
    from domain.alerts.model import AlertType
    from domain.alerts.routing import OWN_DEPARTMENT, OWNER, Match, Route

    customers = [Customer("C1", "Customer C1", Money(Decimal(100_000), "USD"), 30,
                          department="logistics", owner_slack_id="U0VISITOR1"),
                 Customer("C2", "Customer C2", Money(Decimal(100_000), "USD"), 30,
                          department="sales", owner_slack_id="U0SALES001")]
    uow = FakeUnitOfWork(customers, [invoice("C1", 10, "100"), invoice("C2", 10, "200")])
    members = {"U0SALES001": Member("U0SALES001", departments=frozenset({"sales"})),
               "U0LOGIST01": Member("U0LOGIST01", departments=frozenset({"logistics"}))}
    access = CreditDataAccess(departments=frozenset({"sales", "finance"}),
                              share_channels=frozenset({"C0SALES000", "C0FINANCE0"}))
    route = Route(Match(types=frozenset({AlertType.OVERDUE})),
                  channels=(OWN_DEPARTMENT, "finance"), people=(OWNER, "U0NAMED001"))
    alerts = Alerts(uow, access, CreditPolicyContext("USD", BUCKETS), WatchSettings(BUCKETS),
                    [route], Directory({"sales": "C0SALES000", "finance": "C0FINANCE0",
                                        "logistics": "C0LOGIST00"}, {}, {}),
                    Pages(), Clock(), ZONE, admin_channel="C0ADMIN000",
                    member=lambda user: members.get(user, Member(user)))
    with caplog.at_level(logging.WARNING, logger="creditbot.alerts"):
        alerts.scan()
    # U0NAMED001 is named by the rule itself, app.yaml's choice: not checked.
    assert {m.channel for m in uow.outbox.messages} == {
        "C0SALES000", "C0FINANCE0", "U0SALES001", "U0NAMED001"}
    assert [r.getMessage() for r in caplog.records] == [
        "alerts not sent to C0LOGIST00 (for C1), U0VISITOR1 (for C1): the customer's owner "
        "or department in the ERP named them, and credit data is not open to them "
        "(app.yaml's access.credit_data)"]
    assert alerts.open_for(members["U0SALES001"])[1] == 1  # C2's, not C1's


def test_a_destination_another_rule_names_is_not_said_to_be_withheld():
    # The log said "not sent to C0SALES000" although the digest went there by "sales".
    from domain.alerts.model import AlertType
    from domain.alerts.routing import OWN_DEPARTMENT, Match, Route, destinations

    alerts, uow, _ = world(invoice("C1", 10, "100"))
    alerts.scan()
    [state] = uow.alerts.open_states().values()
    withheld: set[str] = set()
    route = Route(Match(types=frozenset({AlertType.OVERDUE})),
                  channels=(OWN_DEPARTMENT, "sales"))
    assert destinations(state.last, [route], alerts.directory, lambda _: False,
                        withheld) == ["C0SALES000"]
    assert withheld == set()


def test_large_invoices_in_a_currency_without_a_rate_are_said_to_be_unwatched(caplog):
    """A CNY customer's ¥420,000 invoice, 92 days late, was never compared with the
    large-invoice threshold while the CNY rate was missing, and nothing said so."""
    import dataclasses

    alerts, uow, _ = world(invoice("C1", 10, "100"))
    yuan = Money(Decimal(420_000), "CNY")
    uow.customers.rows["C3"] = dataclasses.replace(
        uow.customers.rows["C3"], credit_limit=Money(Decimal(900_000), "CNY"))
    uow.receivables.invoices.append(Invoice("C3-cny", "C3", date(2026, 7, 1),
                                            date(2026, 8, 30), yuan, yuan))
    alerts = dataclasses.replace(alerts, settings=WatchSettings(
        BUCKETS, large_invoice=Money(Decimal(50_000), "USD")))
    with caplog.at_level(logging.WARNING, logger="creditbot.alerts"):
        counts = alerts.scan()
    # C3's own figures are in CNY: it is scanned, and counted as lacking a rate (the
    # count said 0 while its digest line said "no USD rate").
    assert counts["missing_rate"] == 1
    assert [r.getMessage() for r in caplog.records] == [
        "large overdue invoices in CNY not looked for: no exchange rate to USD on or "
        "before 2026-11-30; import one"]


def test_large_invoices_beyond_the_cap_are_said_and_not_taken_for_paid(caplog, monkeypatch):
    """500 large invoices announced, 50 larger ones imported the next day: the scan
    found only the 500 largest, and the 50 it no longer reached, still unpaid, were
    marked resolved."""
    import dataclasses

    from domain.alerts import use_cases
    from domain.alerts.detect import LargeInvoice
    from domain.alerts.model import AlertType

    monkeypatch.setattr(use_cases, "MAX_LARGE_INVOICES", 2)
    alerts, uow, clock = world(invoice("C1", 10, "100"))
    alerts = dataclasses.replace(alerts, settings=WatchSettings(
        BUCKETS, large_invoice=Money(Decimal(50_000), "USD")))

    def large(name: str, amount: int) -> LargeInvoice:
        return LargeInvoice(name, "C1", date(2026, 11, 1), Money(Decimal(amount), "USD"),
                            Decimal(0))

    uow.alerts.large = [large("I-1", 60_000), large("I-2", 70_000)]
    with caplog.at_level(logging.WARNING, logger="creditbot.alerts"):
        first = alerts.scan()
    assert (first["announced"], first["large_invoices_capped"]) == (3, 2)
    assert [r.getMessage() for r in caplog.records] == [
        "2 or more overdue invoices reach alerts.large_invoice (USD 50,000.00): only the 2 "
        "largest are announced, and none of the others is taken for paid; raise the "
        "threshold"]
    clock.now += timedelta(days=1)
    uow.alerts.large.append(large("I-3", 90_000))
    second = alerts.scan()
    assert (second["announced"], second["resolved"]) == (1, 0)
    open_large = sorted(s.condition for s in uow.alerts.open_states().values()
                        if s.type is AlertType.LARGE_INVOICE)
    assert open_large == ["large_invoice:I-1", "large_invoice:I-2", "large_invoice:I-3"]
    # Paid, though the cap is still reached: resolved (it stayed open while capped).
    clock.now += timedelta(days=1)
    uow.alerts.large = [i for i in uow.alerts.large if i.invoice_id != "I-1"]
    uow.alerts.large.append(large("I-4", 80_000))
    third = alerts.scan()
    assert (third["announced"], third["resolved"]) == (1, 1)
    assert sorted(s.condition for s in uow.alerts.open_states().values()
                  if s.type is AlertType.LARGE_INVOICE) == [
        "large_invoice:I-2", "large_invoice:I-3", "large_invoice:I-4"]
