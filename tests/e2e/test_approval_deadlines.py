"""End-to-end: approved limits in `/credit check`, and the `approvals` job run as the
scheduler runs it (``bot.scheduler.run_job`` with the real job context), its messages
delivered by the real outbox sender to the Slack emulator: a reminder before a level's
deadline, an overdue level's reminders, an escalation, a temporary limit's end told to
the account owner."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest
import time_machine
from sqlalchemy import insert, select, update

from bot.config import load_config
from bot.scheduler import RunResult, job_context, run_job
from domain.approvals.deadlines import Reverted
from domain.approvals.filing import Filing
from domain.approvals.model import Outcome, RequestKind
from domain.approvals.use_cases import CreditRequests
from domain.money import Money
from handlers.approvals.history_command import _change as history_line
from handlers.approvals.jobs import JOB
from handlers.approvals.reverts import reverted_text
from handlers.delivery.sender import Sender, delivery_client
from handlers.i18n import translator
from storage.credit_requests import overtake_changes
from storage.models import AuditRow, CustomerRow, InvoiceRow
from storage.outbox import OutboxStore
from tests.conftest import ROOT
from tests.e2e.alerts_world import drain
from tests.e2e.conftest import NOW, SALES, SALES_CHANNEL, TOKEN
from tests.e2e.outbox_world import FakeClock, ahead_of_machine

CREDIT_MANAGER, FINANCE_DIRECTOR = "U02CREDITMG", "U03FINDIR01"
EN = translator("en-US")
# A +100k request's card at its second level, as a notification reads it.
WAITING_2 = ("$200,000.00 (now $100,000.00, +$100,000.00) · level 2 of 2, waiting for a "
             "decision")


@dataclass
class Clock:
    at: datetime = NOW

    def __call__(self) -> datetime:
        return self.at


class Deadlines:
    """The job's world: its clock, its context (from a config, the shipped one unless
    given), runs and deliveries."""

    def __init__(self, world: Any, config_path: Any = ROOT / "app.yaml") -> None:
        self.world = world
        self.engine = world.services.engine
        self.clock = Clock()
        self.context = job_context(self.engine, load_config(config_path), clock=self.clock)
        self.sender_clock = FakeClock()
        self.sender = Sender(OutboxStore(self.engine),
                             delivery_client(TOKEN, world.emulator.api_url, timeout=10),
                             clock=self.sender_clock, admin_channel=None,
                             owner="deadlines-test", settle=timedelta(seconds=5))

    @property
    def requests(self) -> CreditRequests:
        requests: CreditRequests = self.context["requests"]
        return requests

    def run(self, at: datetime) -> dict[str, int]:
        self.clock.at = at
        result: RunResult = run_job(self.engine, JOB, self.context, "deadlines-test")
        assert result.outcome == "ok", result.error
        self.sender_clock.at = ahead_of_machine()
        drain(self.sender, self.sender_clock)
        return result.counts

    def dms(self, user: str) -> list[str]:
        """The texts of the direct messages ``user`` got, oldest first."""
        channel = next((c for c, u in self.world.emulator.direct_messages.items()
                        if u == user), None)
        return [m["text"] for m in self.world.emulator.channels.get(channel, [])] \
            if channel else []

    def audit(self, action: str) -> list[Any]:
        with self.engine.connect() as conn:
            return list(conn.execute(select(AuditRow.__table__).where(
                AuditRow.__table__.c.action == action).order_by(AuditRow.__table__.c.id)))


@pytest.fixture
def deadlines(world: Any) -> Iterator[Deadlines]:
    yield Deadlines(world)


def member(world: Any, user: str) -> Any:
    return world.services.config.roster().member(user)


def approve_temporary_limit(world: Any, deadlines: Deadlines) -> None:
    """Acme Packaging's $150,000 through 31 December, filed by the rep and approved at
    both levels."""
    requests = deadlines.requests
    filed = requests.file(member(world, SALES), Filing(
        "C0002", RequestKind.TEMPORARY_LIMIT, "Q1 season", amount="150000",
        expires_on=date(2026, 12, 31)))
    requests.decide(member(world, CREDIT_MANAGER), filed.id, 1, Outcome.APPROVED)
    requests.decide(member(world, FINANCE_DIRECTOR), filed.id, 2, Outcome.APPROVED)


def card_lines(reply: Any) -> list[str]:
    return [element["text"] for block in reply.blocks if block["type"] == "context"
            for element in block["elements"]]


def test_an_approved_temporary_limit_shows_in_the_check_and_its_end_is_told(world,
                                                                            deadlines):
    with world.services.uow() as uow:
        customer = uow.customers.get("C0002")
    assert customer is not None and customer.owner_slack_id == "U01SALESCHO"
    erp = EN.money(customer.credit_limit)
    assert erp == "$100,000.00"
    before = world.slack.slash(SALES, SALES_CHANNEL, "/credit check C0002")
    assert before.blocks[1]["fields"][1]["text"] == f"*Credit limit*\n{erp}"
    approve_temporary_limit(world, deadlines)
    # The very next check (its figures were remembered before) shows it.
    during = world.slack.slash(SALES, SALES_CHANNEL, "/credit check C0002")
    assert during.blocks[1]["fields"][1]["text"] == "*Credit limit*\n$150,000.00"
    assert card_lines(during)[0] == "Temporary limit through Dec 31, 2026 (ERP limit $100,000.00)"
    assert deadlines.run(NOW + timedelta(hours=1)) == {
        "reminded": 0, "escalated": 0, "expired": 0, "reverted": 0,
        "stand_in_cards": 0}
    # 1 January 2027, 10:00 in Shanghai: the ERP's limit again, and the owner is told.
    after = datetime(2027, 1, 1, 2, 0, tzinfo=UTC)
    with time_machine.travel(after, tick=True):
        again = world.slack.slash(SALES, SALES_CHANNEL, "/credit check C0002")
        assert again.blocks[1]["fields"][1]["text"] == f"*Credit limit*\n{erp}"
        assert not any("ERP limit" in line for line in card_lines(again))
        assert deadlines.run(after) == {"reminded": 0, "escalated": 0, "expired": 0,
                                        "reverted": 1, "stand_in_cards": 0}
        assert deadlines.run(after + timedelta(minutes=15))["reverted"] == 0
    assert deadlines.dms("U01SALESCHO")[-1] == (
        ":information_source: The temporary limit of $150,000.00 for Acme Packaging ended "
        "on Dec 31, 2026; its limit is now $100,000.00.")
    # The rep who asked for it planned on it too: told as well, once.
    assert [dm for dm in deadlines.dms(SALES) if "ended on" in dm] == [
        ":information_source: The temporary limit of $150,000.00 you asked for Acme "
        "Packaging ended on Dec 31, 2026; its limit is now $100,000.00."]
    [entry] = deadlines.audit("limits.reverted")
    assert (entry.actor, entry.subject) == ("creditbot", "C0002")
    assert entry.details["told"] == "U01SALESCHO"


def test_the_end_of_a_temporary_limit_says_when_the_account_is_left_above_its_limit(
        world, deadlines):
    # An order shipped under the temporary limit still counts at its end: "its limit is
    # now $100,000.00" alone left the owner to find the account over it in the next
    # morning's alerts.
    approve_temporary_limit(world, deadlines)
    with world.services.engine.begin() as conn:  # the season's shipment, invoiced
        conn.execute(insert(InvoiceRow).values(
            invoice_id="INV-SEASON", customer_id="C0002", issue_date=NOW.date(),
            due_date=NOW.date() + timedelta(days=90), amount=Decimal(80000), currency="USD",
            open_amount=Decimal(80000), status="open"))
    after = datetime(2027, 1, 1, 2, 0, tzinfo=UTC)
    with time_machine.travel(after, tick=True):
        assert deadlines.run(after)["reverted"] == 1
        card = world.slack.slash(SALES, SALES_CHANNEL, "/credit check C0002")
    fields = dict(f["text"].split("\n")[:2] for f in card.blocks[1]["fields"])
    exposure = fields["*Exposure*"]
    available = fields["*Available credit*"]
    assert available.startswith(":red_circle: *-$") and available.endswith(
        "* — over the limit"), available
    above = available.removeprefix(":red_circle: *-").removesuffix("* — over the limit")
    assert fields["*Credit limit*"] == "$100,000.00"
    assert deadlines.dms("U01SALESCHO")[-1] == (
        ":information_source: The temporary limit of $150,000.00 for Acme Packaging ended "
        f"on Dec 31, 2026; its limit is now $100,000.00. Its exposure, {exposure}, is "
        f"{above} above that limit: what was invoiced and ordered under the temporary "
        "limit still counts.")


def test_a_temporary_limit_the_erp_overtook_is_not_said_to_give_way_to_the_old_one(
        world, deadlines):
    # The credit manager keyed the approved $150,000 into the ERP; at the temporary
    # limit's end the ERP still exports it, and "its limit is $150,000.00 again" (or the
    # old $100,000) would be false: the ERP's limit stands, and creditbot says so.
    approve_temporary_limit(world, deadlines)
    with world.services.engine.begin() as conn:  # the next customers import
        conn.execute(update(CustomerRow).where(CustomerRow.customer_id == "C0002")
                     .values(credit_limit=Decimal(150_000)))
        overtake_changes(conn, NOW + timedelta(days=3))
    after = datetime(2027, 1, 1, 2, 0, tzinfo=UTC)
    with time_machine.travel(after, tick=True):
        assert deadlines.run(after)["reverted"] == 1
    assert deadlines.dms("U01SALESCHO")[-1] == (
        ":information_source: The temporary limit of $150,000.00 for Acme Packaging ended "
        "on Dec 31, 2026, but the ERP has set its limit to $150,000.00 since it was "
        "approved, and that limit stands until the ERP changes it.")
    assert [dm for dm in deadlines.dms(SALES) if "ended on" in dm] == [
        ":information_source: The temporary limit of $150,000.00 you asked for Acme "
        "Packaging ended on Dec 31, 2026, but the ERP has set its limit to $150,000.00 "
        "since it was approved, and that limit stands until the ERP changes it."]
    [entry] = deadlines.audit("limits.reverted")
    assert (Decimal(entry.details["limit_now"]), entry.details["overtaken"]) == (150_000, True)
    # The history says so too: its line read as the limit in force.
    zone = world.services.config.organisation.zone
    history = world.slack.slash(SALES, SALES_CHANNEL, "/credit history C0002").all_text()
    assert ("temporary, through Dec 31, 2026; the ERP's limit replaced it on "
            f"{EN.date((NOW + timedelta(days=3)).astimezone(zone).date())}") in history
    # In Chinese, with its own punctuation (a space after "）" and a "; " stood out).
    with world.services.uow() as uow:
        [overtaken] = uow.credit_requests.limit_changes("C0002")
    line = history_line(overtaken, [overtaken], SimpleNamespace(zone=zone), translator("zh-CN"))
    assert overtaken.overtaken_at is not None
    replaced = translator("zh-CN").date(overtaken.overtaken_at.astimezone(zone).date())
    assert line.endswith("（申请 #1），临时额度，有效期至 2026年12月31日；ERP 的额度已于 "
                         f"{replaced}取代了它")
    zh = translator("zh-CN")
    with world.services.uow() as uow:
        [change] = uow.credit_requests.limit_changes("C0002")
    assert reverted_text(zh, Reverted(change, "Acme Packaging", "U01SALESCHO",
                                      Money(Decimal(150_000), "USD"), overtaken=True),
                         to="owns") == (
        ":information_source: Acme Packaging 的临时额度 US$150,000.00 已于 2026年12月31日"
        "到期，但 ERP 自其获批后已将其额度设为 US$150,000.00，该额度在 ERP 更改之前一直有效。")


def test_a_level_is_reminded_then_overdue_every_working_day(world, deadlines):
    zone = world.services.config.organisation.zone

    def local(day: int, hour: int, minute: int = 0) -> datetime:
        return datetime(2026, 12, day, hour, minute, tzinfo=zone)

    requests = deadlines.requests
    # Filed on Sunday 29 November at 10:00 in Shanghai. The shipped policy counts working
    # time (Monday to Friday, 09:00-18:00): the level's 24 hours are 9 on Monday, 9 on
    # Tuesday and 6 on Wednesday, and its reminder comes 4 working hours before the end.
    filed = requests.file(member(world, SALES), Filing(
        "C0002", RequestKind.LIMIT_INCREASE, "bigger orders", amount="120000"))
    assert filed.deadline() == local(2, 15)
    subject = f"#{filed.id} · limit increase · Acme Packaging"
    deadline = EN.moment(local(2, 15), zone)
    assert deadline.endswith("|Dec 2, 2026, 3:00\u202fPM>")
    # Nothing in the night nor 24 hours after filing.
    for quiet in (NOW + timedelta(hours=14), NOW + timedelta(hours=24), local(2, 10, 45)):
        assert deadlines.run(quiet)["reminded"] == 0
    assert deadlines.run(local(2, 11))["reminded"] == 1
    assert deadlines.run(local(2, 11, 15))["reminded"] == 0
    assert deadlines.dms(CREDIT_MANAGER)[-1] == (
        f":alarm_clock: Reminder: request {subject} by <@{SALES}> waits for your decision "
        f"at level 1 of 2, by {deadline}. Use the buttons on its card in <#C03CREDIT00>.")
    # The shipped policy names nobody above the credit manager: overdue, told every
    # working day at the deadline's time.
    assert deadlines.run(local(2, 15)) == {
        "reminded": 1, "escalated": 0, "expired": 0, "reverted": 0,
        "stand_in_cards": 0}
    overdue = (f":alarm_clock: Overdue: request {subject} by <@{SALES}> passed its "
               f"deadline for level 1 of 2 ({deadline}) and still waits for your decision. "
               "Use the buttons on its card in <#C03CREDIT00>.")
    told = (f":hourglass_flowing_sand: Level 1 of your request {subject} passed its "
            f"deadline ({deadline}) and nobody has decided it yet; its deciders (credit "
            "manager) have been reminded.")
    assert deadlines.dms(CREDIT_MANAGER)[-1] == overdue
    assert deadlines.dms(SALES)[-1] == told
    assert deadlines.run(local(2, 21))["reminded"] == 0
    assert deadlines.run(local(3, 15))["reminded"] == 1
    # Saturday and Sunday: nobody is nagged (Friday's reminder, missed, is not caught up
    # at the weekend); Monday morning neither, before the deadline's time of day. Monday
    # at 15:00: the third working day after the deadline.
    assert deadlines.run(local(5, 15))["reminded"] == 0
    assert deadlines.run(local(6, 15))["reminded"] == 0
    assert deadlines.run(local(7, 9, 5))["reminded"] == 0
    assert deadlines.run(local(7, 15))["reminded"] == 1
    assert deadlines.dms(CREDIT_MANAGER)[-3:] == [overdue, overdue, overdue]
    # The requester, who can do nothing about it, heard it once, not every day.
    assert deadlines.dms(SALES).count(told) == 1
    assert deadlines.dms(SALES)[-1] == told
    assert [row.details["overdue_days"] for row in deadlines.audit("requests.reminded")] == [
        None, 0, 1, 3]


def test_a_level_past_its_deadline_escalates_once(world, tmp_path):
    text = (ROOT / "app.yaml").read_text(encoding="utf-8")
    band = ("      - up_to: 500000\n        levels:\n"
            "          - {role: credit_manager, deadline_hours: 24, post_to: credit}\n")
    assert band in text
    escalating = tmp_path / "app.yaml"
    escalating.write_text(text.replace(band, band.replace(
        "deadline_hours: 24, post_to: credit}",
        "deadline_hours: 24, escalate_to: finance_director}")),
        encoding="utf-8")
    deadlines = Deadlines(world, escalating)
    filed = deadlines.requests.file(member(world, SALES), Filing(
        "C0002", RequestKind.LIMIT_INCREASE, "bigger orders", amount="120000"))
    # 24 working hours from Sunday 10:00: Wednesday 15:00 in Shanghai.
    assert filed.deadline() == datetime(2026, 12, 2, 7, 0, tzinfo=UTC)
    assert deadlines.run(NOW + timedelta(hours=24))["escalated"] == 0
    assert deadlines.run(filed.deadline()) == {
        "reminded": 0, "escalated": 1, "expired": 0, "reverted": 0,
        "stand_in_cards": 0}
    assert deadlines.run(filed.deadline() + timedelta(hours=1))["escalated"] == 0
    assert deadlines.dms(SALES)[-1] == (
        f":arrow_double_up: Level 1 of your request #{filed.id} · limit increase · Acme "
        "Packaging passed its deadline, so the finance director may decide it now too.")
    # Undecided a working day later: both roles are chased, and the requester told so
    # (the escalation was the last anyone heard of it).
    assert deadlines.run(filed.deadline() + timedelta(hours=25)) == {
        "reminded": 1, "escalated": 0, "expired": 0, "reverted": 0,
        "stand_in_cards": 0}
    subject = f"#{filed.id} · limit increase · Acme Packaging"
    deadline = EN.moment(filed.deadline(), world.services.config.organisation.zone)
    for decider in (CREDIT_MANAGER, FINANCE_DIRECTOR):
        assert deadlines.dms(decider)[-1] == (
            f":alarm_clock: Overdue: request {subject} by <@{SALES}> passed its deadline "
            f"for level 1 of 2 ({deadline}) and still waits for your decision. Use the "
            "buttons on its card.")
    assert deadlines.dms(SALES)[-1] == (
        f":hourglass_flowing_sand: Level 1 of your request {subject} passed its deadline "
        f"({deadline}) and nobody has decided it yet; its deciders (credit manager, and "
        "finance director by escalation) have been reminded.")
    assert deadlines.run(filed.deadline() + timedelta(hours=26))["reminded"] == 0
    # The finance director got the level's card.
    [card, _overdue] = [m for m in world.emulator.channels[next(
        c for c, u in world.emulator.direct_messages.items() if u == FINANCE_DIRECTOR)]]
    assert f"#{filed.id}" in card["text"]
    # It says the level came to them by escalation, not "decide by" a past moment, and
    # that its figures are those of the day it was escalated.
    escalated_on = filed.deadline().astimezone(world.services.config.organisation.zone).date()
    assert [e.get("text") for b in card["blocks"] if b["type"] == "context"
            for e in b["elements"]] == [
        f"Figures as of {EN.date(escalated_on)} (Asia/Shanghai)",
        "Level 1 of 2: credit manager · escalated to you: the deadline passed on "
        f"{deadline}"]
    [entry] = deadlines.audit("requests.escalated")
    assert (entry.actor, entry.subject, entry.details["escalate_to"]) == (
        "creditbot", "C0002", "finance_director")
    # The finance director decides the credit manager's level: the history and the
    # audit say it came to them by escalation.
    decided = deadlines.requests.decide(member(world, FINANCE_DIRECTOR), filed.id, 1,
                                        Outcome.APPROVED)
    assert decided.decisions[0].escalated
    [approved] = deadlines.audit("requests.approved")
    assert approved.details["escalated"] is True
    history = world.slack.slash(FINANCE_DIRECTOR, SALES_CHANNEL, "/credit history C0002")
    when = EN.moment(decided.decisions[0].decided_at,
                     world.services.config.organisation.zone)
    [line] = [line for text in history.texts() for line in text.split("\n")
              if "level 1" in line]
    assert line == (f"  ↳ level 1 (credit manager) approved by <@{FINANCE_DIRECTOR}> on "
                    f"{when} (by escalation: past its deadline, or with none of its role left)")


def test_a_temporary_limits_end_is_told_in_the_language_slack_gave_the_owner(world,
                                                                             deadlines):
    """The job's notes read app.yaml's languages alone: an owner whose Slack is in
    Chinese got the limit's end in English, though the cards reached him in Chinese."""
    from bot.sandbox.emulator import User

    owner = "U01SALESCHO"
    world.emulator.users[owner] = User(owner, "cho", locale="zh-CN")
    world.slack.slash(owner, SALES_CHANNEL, "/credit help")  # the bot learns his language
    # ... after its answer, in the background: the job below must find it learnt.
    from sqlalchemy.orm import sessionmaker

    from storage.slack_locales import SlackLocales

    store, deadline = SlackLocales(sessionmaker(world.services.engine)), time.monotonic() + 60
    while store.all().get(owner) != "zh-CN":
        assert time.monotonic() < deadline, store.all()
        time.sleep(0.05)
    approve_temporary_limit(world, deadlines)
    after = datetime(2027, 1, 1, 2, 0, tzinfo=UTC)
    with time_machine.travel(after, tick=True):
        assert deadlines.run(after)["reverted"] == 1
    assert deadlines.dms(owner)[-1] == (
        ":information_source: Acme Packaging 的临时额度 US$150,000.00 已于 2026年12月31日到期；"
        "其额度现为 US$100,000.00。")


def test_a_delegation_that_starts_later_brings_its_cards_on_its_first_day(world, deadlines):
    """The approvals job, on the stand-in's first day, sends them the card of the level
    waiting for the person they stand in for; once (stored marks), and delivered."""
    analyst = "U02CREDITAN"
    filed = deadlines.requests.file(member(world, SALES), Filing(
        "C0002", RequestKind.LIMIT_INCREASE, "bigger orders", amount="+100k"))
    deadlines.requests.decide(member(world, "U02CREDITMG"), filed.id, 1, Outcome.APPROVED)
    # Sunday 29 November: the finance director will be away from Tuesday 1 December.
    deadlines.requests.delegate(member(world, FINANCE_DIRECTOR), analyst,
                                date(2026, 12, 4), date(2026, 12, 1))
    assert deadlines.run(NOW + timedelta(hours=1))["stand_in_cards"] == 0
    # 00:30 on Tuesday 1 December in Shanghai: the first day, but not working time yet
    # (the card pinged the stand-in's phone after midnight).
    assert deadlines.run(datetime(2026, 11, 30, 16, 30, tzinfo=UTC))["stand_in_cards"] == 0
    tuesday = datetime(2026, 12, 1, 1, 5, tzinfo=UTC)  # 09:05, working time
    assert deadlines.run(tuesday)["stand_in_cards"] == 1
    assert deadlines.run(tuesday + timedelta(minutes=15))["stand_in_cards"] == 0
    [card] = [m for m in deadlines.dms(analyst) if f"#{filed.id}" in m]
    assert card == (f"Credit request #{filed.id} · limit increase · Acme Packaging: "
                    f"{WAITING_2}")


def test_a_stand_in_who_got_the_levels_card_as_it_opened_is_not_counted_again(
        world, deadlines):
    """Delegated before level 2 opened: its card went to the stand-in with the finance
    director's, and the next morning's job counted "1 card for a stand-in" it never
    sent (the card's key kept the copy out)."""
    analyst = "U02CREDITAN"
    deadlines.requests.delegate(member(world, FINANCE_DIRECTOR), analyst,
                                date(2026, 12, 4), date(2026, 11, 29))
    filed = deadlines.requests.file(member(world, SALES), Filing(
        "C0002", RequestKind.LIMIT_INCREASE, "bigger orders", amount="+100k"))
    deadlines.requests.decide(member(world, "U02CREDITMG"), filed.id, 1, Outcome.APPROVED)
    tuesday = datetime(2026, 12, 1, 1, 5, tzinfo=UTC)  # 09:05, working time
    assert deadlines.run(tuesday)["stand_in_cards"] == 0
    assert [m for m in deadlines.dms(analyst) if f"#{filed.id}" in m] == [
        f"Credit request #{filed.id} · limit increase · Acme Packaging: {WAITING_2}"]


def test_a_request_past_its_last_day_expires_in_working_time(world, deadlines):
    """Its requester's note came at 00:05 on a Saturday; until working time it is not
    reminded or escalated either, and nobody may approve it meanwhile."""
    requests = deadlines.requests
    filed = requests.file(member(world, SALES), Filing(
        "C0002", RequestKind.TEMPORARY_LIMIT, "year-end stock", amount="150000",
        expires_on=date(2026, 12, 4)))
    saturday = datetime(2026, 12, 4, 16, 5, tzinfo=UTC)  # 00:05 on 5 December in Shanghai
    for at in (saturday, saturday + timedelta(hours=10), datetime(2026, 12, 7, 0, 55,
                                                                   tzinfo=UTC)):
        assert deadlines.run(at)["expired"] == 0, at
    assert deadlines.audit("requests.expired") == []
    assert not any("expired" in text for text in deadlines.dms(SALES))
    # Its history says so meanwhile: it said "waiting for a decision" all weekend,
    # while Approve was refused as expired.
    with time_machine.travel(saturday, tick=True):
        history = world.slack.slash(SALES, SALES_CHANNEL, "/credit history acme packaging")
        listed = world.slack.slash(SALES, SALES_CHANNEL, "/credit requests")
    [line] = [text.split("\n")[0] for text in history.texts()
              if text.startswith(f"*#{filed.id}*")]
    assert line.endswith(" · expired"), line
    # And the requester's list: not "overdue since" with a Cancel button.
    [mine] = [text for text in listed.texts() if text.startswith(f"*#{filed.id}*")]
    assert mine.split("\n")[2] == ("level 1 of 2: expired at the end of Dec 4, 2026, "
                                    "undecided: nothing is left to decide"), mine
    assert listed.buttons() == []
    monday = datetime(2026, 12, 7, 1, 5, tzinfo=UTC)  # 09:05 in Shanghai
    assert deadlines.run(monday)["expired"] == 1
    assert deadlines.run(monday + timedelta(minutes=15))["expired"] == 0
    assert deadlines.dms(SALES)[-1] == (
        f":hourglass: Your request #{filed.id} · temporary limit · Acme Packaging expired: "
        "the temporary limit would have ended on Dec 4, 2026, so nothing was decided.")


def _app_yaml_changed(tmp_path: Any, *changes: tuple[str, str]) -> Any:
    text = (ROOT / "app.yaml").read_text(encoding="utf-8")
    for old, new in changes:
        assert old in text
        text = text.replace(old, new)
    changed = tmp_path / "app.yaml"
    changed.write_text(text, encoding="utf-8")
    return changed


def test_a_card_in_a_channel_app_yaml_moved_away_from_is_still_edited(world, tmp_path):
    # The credit department's channel changed in app.yaml while level 1 waited: the
    # decision edited no card (it looked for one in the new channel), and the old one
    # kept its buttons.
    before = Deadlines(world)
    filed = before.requests.file(member(world, SALES), Filing(
        "C0002", RequestKind.LIMIT_INCREASE, "bigger orders", amount="120000"))
    before.run(NOW)
    [card] = world.emulator.channels["C03CREDIT00"]
    assert card["text"] == ("Credit request #1 · limit increase · Acme Packaging: $120,000.00 "
                            "(now $100,000.00, +$20,000.00) · level 1 of 2, waiting for a "
                            "decision")
    assert card["blocks"][-1]["block_id"] == "decide_1_1"  # its buttons
    after = Deadlines(world, _app_yaml_changed(
        tmp_path, ("channel: C03CREDIT00", "channel: C09CREDITNEW")))
    after.requests.decide(member(world, CREDIT_MANAGER), filed.id, 1, Outcome.APPROVED)
    after.run(NOW + timedelta(minutes=5))
    [edited] = world.emulator.channels["C03CREDIT00"]
    assert edited["ts"] == card["ts"]
    assert edited["blocks"][-2]["text"]["text"] == (
        f":white_check_mark: Approved by <@{CREDIT_MANAGER}> on <!date^1795917600^"
        "{date_short_pretty} {time}|Nov 29, 2026, 10:00\u202fAM>")
    assert edited["blocks"][-1]["block_id"] == "share_1_1"  # the buttons gone
    assert "C09CREDITNEW" not in world.emulator.channels


def test_a_decider_named_after_the_cards_went_out_gets_one_with_the_reminder(world, tmp_path):
    # The finance director replaced in app.yaml while level 2 waited: the new one was
    # reminded to "use the buttons on its card" and had none; the old one's card kept
    # its buttons after the new one decided.
    before = Deadlines(world)
    filed = before.requests.file(member(world, SALES), Filing(
        "C0002", RequestKind.LIMIT_INCREASE, "bigger orders", amount="120000"))
    before.requests.decide(member(world, CREDIT_MANAGER), filed.id, 1, Outcome.APPROVED)
    before.run(NOW)
    [old_card] = before.dms(FINANCE_DIRECTOR)
    changed = _app_yaml_changed(
        tmp_path, ("finance_director: [U03FINDIR01]", "finance_director: [U03FINDIR02]"),
        ("members: [U03FINDIR01, U03CFO00001", "members: [U03FINDIR02, U03CFO00001"))
    after = Deadlines(world, changed)
    with world.services.uow() as uow:
        request = uow.credit_requests.get(filed.id)
    assert request is not None and request.level == 2
    after.run(request.deadline() - timedelta(hours=2))
    deadline = EN.moment(request.deadline(), world.services.config.organisation.zone)
    assert after.dms("U03FINDIR02") == [
        "Credit request #1 · limit increase · Acme Packaging: $120,000.00 (now $100,000.00, "
        "+$20,000.00) · level 2 of 2, waiting for a decision",
        f":alarm_clock: Reminder: request #1 · limit increase · Acme Packaging by <@{SALES}> "
        f"waits for your decision at level 2 of 2, by {deadline}. Use the buttons on its "
        "card."]
    assert _dm_messages(world, "U03FINDIR02")[0]["blocks"][-1]["block_id"] == "decide_1_2"
    after.requests.decide(load_config(changed).roster().member("U03FINDIR02"), filed.id, 2,
                          Outcome.APPROVED)
    after.run(request.deadline() - timedelta(hours=1))
    # The old director's card was edited (its buttons gone, its text says the outcome).
    assert after.dms(FINANCE_DIRECTOR) == [
        old_card.replace("waiting for a decision", "approved")]
    [edited] = _dm_messages(world, FINANCE_DIRECTOR)
    assert edited["blocks"][-1]["block_id"] == "share_1_2"
    decided = EN.moment(request.deadline() - timedelta(hours=2),
                        world.services.config.organisation.zone)
    assert edited["blocks"][-2]["text"]["text"] == (
        f":white_check_mark: Approved by <@U03FINDIR02> on {decided}")


def _dm_messages(world: Any, user: str) -> list[dict[str, Any]]:
    [channel] = [c for c, u in world.emulator.direct_messages.items() if u == user]
    return list(world.emulator.channels[channel])
