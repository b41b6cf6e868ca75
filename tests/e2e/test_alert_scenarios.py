"""Alerts as people meet them: the real ``alerts`` job run by ``bot.scheduler.run_job``
on a clock the test moves, its digests delivered by the real outbox sender to the
Slack emulator, and the digest's buttons pressed through signed HTTP into the bot.

The portfolio and where each alert goes are in ``tests/e2e/alerts_world.py``."""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine, func, select, update

from bot.cli import main
from bot.config import load_config
from bot.sandbox.driver import Reply, SlackDriver
from bot.sandbox.emulator import User
from bot.settings import Settings
from bot.slack_app import create_bolt_app
from bot.web import create_wsgi_app
from bot.wiring import Services
from domain.alerts.use_cases import Alerts
from handlers.i18n import translator
from storage.models import AlertStateRow, CustomerRow, OutboxRow
from tests.e2e.alerts_world import (
    ADMINS,
    AMY,
    APP_YAML,
    CREDIT,
    DAY,
    EVA,
    EXPORT,
    FINANCE,
    LEGAL,
    MEI,
    MEI_DM,
    SALES,
    SECRET,
    STRANGER,
    TOKEN,
    AlertsWorld,
    FlakyEmulator,
    StoredDigest,
    add_contract,
    add_invoice,
    add_rate,
    alert_runs,
    audit,
    button_for,
    buttons,
    contexts,
    digests,
    invoice,
    many_overdue,
    outbox_count,
    pay,
    posted_outbox_ids,
    quick_server,
    reopen,
    sections,
    seed,
    shown,
    states,
    write_config,
)

# The lines of the first run, each as the section a person reads in the channel.
ECHO_90 = ("*Echo Hardware* · C-ECHO\n$5,000.00 overdue · oldest 120 days past due · "
           "exposure $5,000.00\nNew")
ACME_61 = ("*Acme Industrial Supply* · C-ACME\n$20,000.00 overdue · oldest 85 days past "
           "due · exposure $20,000.00\nNew")
CEDAR_31 = ("*Cedar Foods* · C-CEDAR\n$8,000.00 overdue · oldest 45 days past due · "
            "exposure $9,000.00\nNew")
# Bolt's euros beside the dollars the lines are ordered by (a rate of 1.10).
BOLT_1 = ("*Bolt &amp; Nut GmbH* · C-BOLT\n€95,000.00 overdue (≈ $104,500.00) · oldest 10 "
          "days past due · exposure €115,000.00\nNew")
BOLT_LIMIT = ("*Bolt &amp; Nut GmbH* · C-BOLT\nexposure €115,000.00 (≈ $126,500.00) of a "
              "€100,000.00 limit (115% used) · over the limit by €15,000.00\nNew")
CEDAR_LIMIT = ("*Cedar Foods* · C-CEDAR\nexposure $9,000.00 of a $10,000.00 limit (90% used)"
               "\nNew")
BOLT_INVOICE = ("*Bolt &amp; Nut GmbH* · C-BOLT\ninvoice INV-B1: €95,000.00 open (≈ "
                "$104,500.00) · due Nov 20, 2026 · 10 days past due\nNew")

CRITICAL_OVERDUE = ":red_circle: *Critical · Overdue accounts* ({n})"
WARNING_OVERDUE = ":large_orange_circle: *Warning · Overdue accounts* ({n})"
INFO_OVERDUE = ":large_blue_circle: *Info · Overdue accounts* ({n})"


@pytest.fixture
def alerts(engine: Engine, tmp_path: Path) -> Iterator[AlertsWorld]:
    seed(engine)
    path = write_config(tmp_path)
    with FlakyEmulator(token=TOKEN, users={u: User(u, u.lower()) for u in (
            AMY, EVA, MEI, STRANGER)}) as emulator:
        yield AlertsWorld(engine, load_config(path), path, emulator)
        # Every message the bot sent is one Slack accepts.
        assert emulator.invalid == [], emulator.invalid


@dataclass
class Bot:
    slack: SlackDriver
    services: Services


@pytest.fixture
def bot(alerts: AlertsWorld, database_url: str) -> Iterator[Bot]:
    """The bot's HTTP app on a local port, its alerts reading the test's clock."""
    settings = Settings(slack_bot_token=TOKEN, slack_signing_secret=SECRET,
                        slack_api_url=alerts.emulator.api_url, database_url=database_url)
    services = Services(settings, alerts.config)
    services.now = alerts.clock  # type: ignore[method-assign]
    app = create_wsgi_app(create_bolt_app(services), services.engine)
    with quick_server(app) as server:
        yield Bot(SlackDriver(server.url, SECRET, alerts.emulator), services)
    # Who looked at which card is written in batches: before the database goes.
    services.views.close()
    services.close()


def amy_answers_acme(alerts: AlertsWorld, bot: Bot, label: str, action: str) -> None:
    """Amy presses ``label`` on Acme's line in #sales; returns once it is on record."""
    sales = only(alerts, SALES)
    bot.slack.press(AMY, SALES, button_for(sales, label, "overdue:C-ACME"),
                    as_reply(SALES, sales))
    wait_for(lambda: audit(alerts.engine, action))


def first_run(alerts: AlertsWorld) -> None:
    result = alerts.run()
    assert (result.outcome, result.counts["announced"]) == ("ok", 7), result
    alerts.deliver()


def only(alerts: AlertsWorld, channel: str) -> dict:
    [message] = shown(alerts.emulator, channel)
    return message


def header(message: dict) -> str:
    [block] = [b for b in message["blocks"] if b["type"] == "header"]
    return block["text"]["text"]


def wait_for(condition, seconds: float = 10.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def as_reply(channel: str, message: dict) -> Reply:
    return Reply(channel, message["text"], message["blocks"], ephemeral=False,
                 ts=message["ts"])


# -- runs of the job ----------------------------------------------------------------------

def test_a_first_run_posts_each_digest_in_its_channels_and_nowhere_else(alerts):
    first_run(alerts)
    emulator = alerts.emulator
    # Six digests, one message each (no digest here needs a thread), each once.
    assert set(emulator.channels) == {SALES, EXPORT, FINANCE, CREDIT, LEGAL, MEI_DM}
    assert ADMINS not in emulator.channels
    assert sorted(posted_outbox_ids(emulator).values()) == [1] * 6

    sales = only(alerts, SALES)
    assert header(sales) == "Credit alerts · Nov 30, 2026"
    assert sales["text"] == ("Credit alerts · Nov 30, 2026: 2 alerts  ·  1 critical  ·  "
                             "1 warning")
    assert sections(sales) == [CRITICAL_OVERDUE.format(n=1), ECHO_90,
                               WARNING_OVERDUE.format(n=1), ACME_61]
    assert contexts(sales) == ["2 alerts  ·  :red_circle: 1 critical  ·  "
                               ":large_orange_circle: 1 warning"]
    # Each line has its buttons, answering that line of this digest.
    assert [b["text"]["text"] for b in buttons(sales)] == [
        "Acknowledge", "Snooze 1 day", "Snooze 7 days", "Credit check", "Assign collector"] * 2

    finance = only(alerts, FINANCE)
    assert sections(finance) == [CRITICAL_OVERDUE.format(n=1), ECHO_90,
                                 WARNING_OVERDUE.format(n=2), ACME_61, CEDAR_31,
                                 INFO_OVERDUE.format(n=1), BOLT_1]
    # Export hears of its own customers, and of Cedar through its owner.
    assert sections(only(alerts, EXPORT)) == [WARNING_OVERDUE.format(n=1), CEDAR_31,
                                              INFO_OVERDUE.format(n=1), BOLT_1]
    # 90+ goes to legal as well.
    assert sections(only(alerts, LEGAL)) == [CRITICAL_OVERDUE.format(n=1), ECHO_90]
    # Risk goes to the credit channel; the critical one also to the credit manager.
    assert sections(only(alerts, CREDIT)) == [
        ":red_circle: *Critical · Credit limit use* (1)", BOLT_LIMIT,
        ":large_orange_circle: *Warning · Credit limit use* (1)", CEDAR_LIMIT,
        ":large_orange_circle: *Warning · Large overdue invoices* (1)", BOLT_INVOICE]
    dm = only(alerts, MEI_DM)
    assert sections(dm) == [":red_circle: *Critical · Credit limit use* (1)", BOLT_LIMIT]
    assert dm["text"] == "Credit alerts · Nov 30, 2026: 1 alert  ·  1 critical"
    [opened] = emulator.calls_to("conversations.open")
    assert opened.args["users"] == MEI

    [run] = alert_runs(alerts.engine)
    assert run.outcome == "ok" and run.error is None
    assert run.counts == {"customers": 5, "conditions": 7, "announced": 7, "resolved": 0,
                          "unrouted": 0, "digests": 6, "messages": 6, "missing_rate": 0,
                          "assigned": 0, "attempts": 1}


def test_nothing_is_announced_on_the_organisations_holiday(engine, tmp_path):
    # New Year's Day posted its digests to #sales and #finance, read by nobody; the next
    # working day's run had nothing new to say.
    seed(engine)
    path = write_config(tmp_path, APP_YAML + "approvals:\n  working_time:\n"
                        f"    holidays: [{DAY.isoformat()}]\n")
    with FlakyEmulator(token=TOKEN) as emulator:
        world = AlertsWorld(engine, load_config(path), path, emulator)
        result = world.run()
        assert (result.outcome, result.counts) == ("ok", {"holiday": 1})
        world.deliver()
        assert world.posts() == [] and states(engine) == {}
        world.clock.advance(days=1)
        result = world.run()
        assert (result.outcome, result.counts["announced"]) == ("ok", 7)
        world.deliver()
        assert len(world.posts()) == 6  # the six digests of a first run


def test_a_second_run_with_nothing_new_posts_nothing(alerts):
    first_run(alerts)
    calls = len(alerts.emulator.calls)
    queued = outbox_count(alerts.engine)
    result = alerts.run()
    alerts.deliver()
    assert len(alerts.emulator.calls) == calls
    assert outbox_count(alerts.engine) == queued
    assert len(digests(alerts.engine)) == 6
    first, second = alert_runs(alerts.engine)
    assert result.outcome == second.outcome == "ok"
    assert second.counts == {**first.counts, "announced": 0, "digests": 0, "messages": 0}


def test_an_account_moving_into_90_plus_is_announced_once_more(alerts):
    first_run(alerts)
    before = len(alerts.posts())
    alerts.clock.advance(days=6)  # Acme: 85 -> 91 days; no one else crosses an edge
    alerts.run()
    alerts.deliver()
    new = alerts.posts()[before:]
    moved = ("*Acme Industrial Supply* · C-ACME\n$20,000.00 overdue · oldest 91 days past "
             "due · exposure $20,000.00\nMoved from 61-90 days to 90+ days")
    assert sorted(call.args["channel"] for call in new) == sorted([SALES, FINANCE, LEGAL])
    for call in new:
        assert sections({"blocks": call.blocks}) == [CRITICAL_OVERDUE.format(n=1), moved]
        assert call.text == "Credit alerts · Dec 6, 2026: 1 alert  ·  1 critical"
    # Now legal has two digests: Echo's of the first day, Acme's of today.
    assert [sections(m)[1] for m in shown(alerts.emulator, LEGAL)] == [ECHO_90, moved]
    acme = states(alerts.engine)["overdue:C-ACME"]
    assert (acme.announced_level, acme.severity.label) == (4, "critical")
    assert alert_runs(alerts.engine)[-1].counts["announced"] == 1

    # And the day after, nothing again.
    alerts.clock.advance(days=1)
    alerts.run()
    alerts.deliver()
    assert len(alerts.posts()) == before + 3
    assert alert_runs(alerts.engine)[-1].counts["announced"] == 0


def test_a_paid_invoice_resolves_and_an_overdue_one_later_comes_back(alerts):
    first_run(alerts)
    before = len(alerts.posts())
    pay(alerts.engine, "INV-C1")  # Cedar pays its 45-day invoice: 1,000 not due is left
    alerts.clock.advance(days=1)
    alerts.run()
    alerts.deliver()
    assert len(alerts.posts()) == before  # a resolution is not announced
    cedar = states(alerts.engine)
    assert cedar["overdue:C-CEDAR"].resolved_at == alerts.clock.at
    assert cedar["utilisation:C-CEDAR"].resolved_at == alerts.clock.at  # 10 % used now
    assert alert_runs(alerts.engine)[-1].counts["resolved"] == 2

    # The next day the ERP reopens it: the payment bounced.
    alerts.clock.advance(days=1)
    reopen(alerts.engine, "INV-C1")
    alerts.run()
    alerts.deliver()
    back = ("*Cedar Foods* · C-CEDAR\n$8,000.00 overdue · oldest 47 days past due · exposure "
            "$9,000.00\nBack again")
    new = {call.args["channel"]: sections({"blocks": call.blocks})
           for call in alerts.posts()[before:]}
    assert new == {
        EXPORT: [WARNING_OVERDUE.format(n=1), back],
        FINANCE: [WARNING_OVERDUE.format(n=1), back],
        CREDIT: [":large_orange_circle: *Warning · Credit limit use* (1)",
                 CEDAR_LIMIT.removesuffix("New") + "Back again"]}
    assert len(alerts.posts()) == before + 3
    for condition in ("overdue:C-CEDAR", "utilisation:C-CEDAR"):
        state = states(alerts.engine)[condition]
        assert state.resolved_at is None and state.last_announced_at == alerts.clock.at
    counts = alert_runs(alerts.engine)[-1].counts
    assert (counts["announced"], counts["resolved"]) == (2, 0)


def test_a_limit_crossed_is_announced_as_worse_and_now_reaches_the_credit_manager(alerts):
    first_run(alerts)
    before = len(alerts.posts())
    # Cedar (90 % used, a warning: #credit only) is invoiced 3,000 more: 120 %.
    add_invoice(alerts.engine, invoice("INV-C4", "C-CEDAR", "3000.00", "USD",
                                       DAY + timedelta(days=30)))
    alerts.clock.advance(days=1)
    alerts.run()
    alerts.deliver()
    worse = ("*Cedar Foods* · C-CEDAR\nexposure $12,000.00 of a $10,000.00 limit (120% used)"
             " · over the limit by $2,000.00\nUp from 90% of the limit")
    new = {call.args["channel"]: sections({"blocks": call.blocks})
           for call in alerts.posts()[before:]}
    assert new == {channel: [":red_circle: *Critical · Credit limit use* (1)", worse]
                   for channel in (CREDIT, MEI_DM)}
    assert len(alerts.posts()) == before + 2
    state = states(alerts.engine)["utilisation:C-CEDAR"]
    assert (state.severity.label, state.announced_level) == ("critical", 2)


def test_a_large_invoice_turning_critical_is_announced_again_to_the_credit_manager(alerts):
    first_run(alerts)
    # Bolt's large invoice INV-B1, 10 days past due (a warning: #credit), reaches 91.
    alerts.clock.advance(days=81)
    alerts.run()
    state = states(alerts.engine)["large_invoice:INV-B1"]
    assert state.severity.label == "critical"
    this_run = [d for d in digests(alerts.engine) if d.run_at == alerts.clock.at]
    carrying = sorted(d.destination for d in this_run
                      if "large_invoice:INV-B1" in d.conditions)
    assert carrying == sorted([CREDIT, MEI])


def test_a_missing_exchange_rate_neither_resolves_nor_reannounces_an_alert(alerts):
    first_run(alerts)
    before = len(alerts.posts())
    # Bolt (115 % of its limit, 95,000 EUR overdue) is invoiced in GBP, which has no rate
    # yet: its figures cannot be computed today.
    add_invoice(alerts.engine, invoice("INV-B9", "C-BOLT", "100.00", "GBP",
                                       DAY + timedelta(days=20)))
    alerts.clock.advance(days=1)
    assert alerts.run().counts["missing_rate"] == 1
    bolt = states(alerts.engine)
    assert bolt["overdue:C-BOLT"].resolved_at is None
    assert bolt["utilisation:C-BOLT"].resolved_at is None
    # The admins hear of it once that day (only the log said so): Bolt's alerts wait.
    assert alerts.run().counts["missing_rate"] == 1
    alerts.deliver()
    day = translator("en-US").date(alerts.clock.at.astimezone(ZoneInfo("Asia/Shanghai")).date())
    assert [sections(c.args) for c in alerts.posts()[before:]] == [[
        f":warning: The alerts of {day} left out 1 customer for want of an exchange rate "
        "(GBP to USD): Bolt &amp; Nut GmbH (C-BOLT). Its overdue and limit "
        "alerts wait until the rate is imported (`creditbot import rates FILE.csv`)."]]
    assert alerts.posts()[before].args["channel"] == ADMINS
    # The rate is imported; Bolt is as it was: nothing to announce.
    add_rate(alerts.engine, "GBP", "1.25", DAY)
    alerts.clock.advance(days=1)
    assert alerts.run().counts["announced"] == 0
    alerts.deliver()
    assert len(alerts.posts()) == before + 1


def test_a_contract_ending_is_announced_to_credit_and_again_in_its_last_week(alerts):
    add_contract(alerts.engine, "K-DELTA-1", "C-DELTA", DAY + timedelta(days=20),
                 "100000.00", "USD")
    result = alerts.run()
    alerts.deliver()
    assert result.counts["announced"] == 8
    assert sections(only(alerts, CREDIT))[-2:] == [
        ":large_blue_circle: *Info · Contracts expiring* (1)",
        "*Delta Retail* · C-DELTA\ncontract K-DELTA-1 ends Dec 20, 2026 · in 20 days · "
        "credit limit $100,000.00\nNew"]
    alerts.clock.advance(days=6)  # 14 days left: still information, nothing new
    alerts.run()
    alerts.deliver()
    assert len(shown(alerts.emulator, CREDIT)) == 1
    alerts.clock.advance(days=7)  # 7 days left: a warning
    alerts.run()
    alerts.deliver()
    assert sections(shown(alerts.emulator, CREDIT)[-1]) == [
        ":large_orange_circle: *Warning · Contracts expiring* (1)",
        "*Delta Retail* · C-DELTA\ncontract K-DELTA-1 ends Dec 20, 2026 · in 7 days · "
        "credit limit $100,000.00\nNearer its end than when last announced"]


ROUTES = """  routes:
    - when: {type: overdue, department: [sales]}
      channels: [own_department]
    - when: {type: utilisation, severity: critical}
      people: [owner]
"""


@contextlib.contextmanager
def routed(engine: Engine, tmp_path: Path) -> Iterator[AlertsWorld]:
    """The world with ``ROUTES`` in its app.yaml instead of the default routes."""
    seed(engine)
    path = write_config(tmp_path, APP_YAML.replace("  contract_notice_days: 30\n",
                                                   "  contract_notice_days: 30\n" + ROUTES))
    with FlakyEmulator(token=TOKEN) as emulator:
        yield AlertsWorld(engine, load_config(path), path, emulator)


def test_routes_in_app_yaml_replace_the_defaults_and_the_rest_goes_to_the_admins(
        engine, tmp_path):
    with routed(engine, tmp_path) as alerts:
        emulator = alerts.emulator
        result = alerts.run()
        alerts.deliver()
        assert (result.counts["announced"], result.counts["unrouted"]) == (7, 4)
        assert sorted(emulator.channels) == sorted([SALES, ADMINS, "D0EXPORTEVA"])
        # Sales' overdue accounts to #sales only; finance and legal are not named.
        assert sections(only(alerts, SALES)) == [CRITICAL_OVERDUE.format(n=1), ECHO_90,
                                                 WARNING_OVERDUE.format(n=1), ACME_61]
        # The critical limit to the customer's owner, by direct message.
        assert sections(only(alerts, "D0EXPORTEVA")) == [
            ":red_circle: *Critical · Credit limit use* (1)", BOLT_LIMIT]
        # What no route names reaches the admins rather than no one.
        assert sections(only(alerts, ADMINS)) == [
            WARNING_OVERDUE.format(n=1), CEDAR_31,
            ":large_orange_circle: *Warning · Credit limit use* (1)", CEDAR_LIMIT,
            ":large_orange_circle: *Warning · Large overdue invoices* (1)", BOLT_INVOICE,
            INFO_OVERDUE.format(n=1), BOLT_1]


# -- the buttons --------------------------------------------------------------------------

def test_acknowledge_edits_the_digest_in_place_and_the_audit_log_names_who(alerts, bot):
    first_run(alerts)
    sales = only(alerts, SALES)
    finance_ts = only(alerts, FINANCE)["ts"]
    pressed = button_for(sales, "Acknowledge", "overdue:C-ACME")
    result, _ = bot.slack.press(AMY, SALES, pressed, as_reply(SALES, sales))
    assert result.status == 200
    wait_for(lambda: audit(alerts.engine, "alerts.acknowledged"))
    alerts.deliver()

    # Both digests that carry Acme's line are edited: same ts, no new post.
    updates = alerts.emulator.calls_to("chat.update")
    assert sorted((c.args["channel"], c.args["ts"]) for c in updates if c.status == 200) == \
        sorted([(SALES, sales["ts"]), (FINANCE, finance_ts)])
    assert len(alerts.posts()) == 6
    acknowledged = ACME_61 + f"\n:white_check_mark: Acknowledged by <@{AMY}>"
    edited = only(alerts, SALES)
    assert edited["ts"] == sales["ts"]
    assert sections(edited) == [CRITICAL_OVERDUE.format(n=1), ECHO_90,
                                WARNING_OVERDUE.format(n=1), acknowledged]
    assert contexts(edited) == ["2 alerts  ·  :red_circle: 1 critical  ·  "
                                ":large_orange_circle: 1 warning  ·  1 acknowledged"]
    # Acme's line has no Acknowledge button any more; Echo's still has.
    assert [b["text"]["text"] for b in buttons(edited)] == [
        "Acknowledge", "Snooze 1 day", "Snooze 7 days", "Credit check", "Assign collector",
        "Snooze 1 day", "Snooze 7 days", "Credit check", "Assign collector"]
    assert acknowledged in sections(only(alerts, FINANCE))

    [entry] = audit(alerts.engine, "alerts.acknowledged")
    assert (entry.actor, entry.subject) == (AMY, "overdue:C-ACME")
    assert entry.details == {"digest": digests(alerts.engine)[0].id}
    state = states(alerts.engine)["overdue:C-ACME"]
    assert (state.acknowledged_by, state.acknowledged_at) == (AMY, alerts.clock.at)


def test_snooze_one_day_silences_the_line_until_the_day_is_over(alerts, bot):
    first_run(alerts)
    dm = only(alerts, MEI_DM)
    pressed = button_for(dm, "Snooze 1 day", "utilisation:C-BOLT")
    result, _ = bot.slack.press(MEI, MEI_DM, pressed, as_reply(MEI_DM, dm))
    assert result.status == 200
    wait_for(lambda: audit(alerts.engine, "alerts.snoozed"))
    alerts.deliver()

    # Until the day is over in Shanghai: the next morning's digest shows it again.
    until = datetime(2026, 12, 1, tzinfo=ZoneInfo("Asia/Shanghai"))
    snoozed = (BOLT_LIMIT + f"\n:zzz: Snoozed until <!date^{int(until.timestamp())}"
               "^{date_short_pretty} {time}|Dec 1, 2026, 12:00\u202fAM> by "
               f"<@{MEI}>")
    # The DM and the credit channel show the same line, edited in place.
    assert sections(only(alerts, MEI_DM))[1] == snoozed
    assert sections(only(alerts, CREDIT))[1] == snoozed
    assert contexts(only(alerts, MEI_DM)) == ["1 alert  ·  :red_circle: 1 critical  ·  "
                                              "1 snoozed"]
    [entry] = audit(alerts.engine, "alerts.snoozed")
    assert (entry.actor, entry.subject) == (MEI, "utilisation:C-BOLT")
    assert entry.details == {"digest": digests(alerts.engine)[-2].id, "days": 1,
                             "until": until.astimezone(UTC).isoformat()}

    # Later the same day: not announced.
    posted = len(alerts.posts())
    alerts.clock.advance(hours=15, minutes=29)
    alerts.run()
    alerts.deliver()
    assert len(alerts.posts()) == posted
    assert alert_runs(alerts.engine)[-1].counts["announced"] == 0

    # The next morning's run, the account still over its limit: announced again (it
    # came back only on the third morning when the snooze lasted 24 hours from the
    # press).
    alerts.clock.advance(hours=8, minutes=31)
    alerts.run()
    alerts.deliver()
    new = alerts.posts()[posted:]
    assert sorted(c.args["channel"] for c in new) == sorted([CREDIT, MEI_DM])
    ended = BOLT_LIMIT.removesuffix("New") + "Snooze ended"
    for call in new:
        assert sections({"blocks": call.blocks}) == [
            ":red_circle: *Critical · Credit limit use* (1)", ended]
    state = states(alerts.engine)["utilisation:C-BOLT"]
    assert state.snoozed_until is None and state.resolved_at is None


def test_an_acknowledged_line_back_after_its_snooze_shows_who_acknowledged_it(alerts, bot):
    """Acknowledged, then snoozed: the next morning's line offered Acknowledge, which did
    nothing (the acknowledgement was kept), and the App Home left the condition out."""
    first_run(alerts)
    for label in ("Acknowledge", "Snooze 1 day"):
        dm = only(alerts, MEI_DM)
        pressed = button_for(dm, label, "utilisation:C-BOLT")
        result, _ = bot.slack.press(MEI, MEI_DM, pressed, as_reply(MEI_DM, dm))
        assert result.status == 200
        wait_for(lambda label=label: audit(alerts.engine, "alerts.acknowledged"
                                           if label == "Acknowledge" else "alerts.snoozed"))
        alerts.deliver()
    posted = len(alerts.posts())
    alerts.clock.advance(days=1)
    alerts.run()
    alerts.deliver()
    new = alerts.posts()[posted:]
    assert sorted(c.args["channel"] for c in new) == sorted([CREDIT, MEI_DM])
    ended = (BOLT_LIMIT.removesuffix("New") + "Snooze ended\n:white_check_mark: "
             f"Acknowledged by <@{MEI}>")
    for call in new:
        message = {"blocks": call.blocks}
        assert sections(message) == [":red_circle: *Critical · Credit limit use* (1)", ended]
        assert [b["text"]["text"] for b in buttons(message)] == [
            "Snooze 1 day", "Snooze 7 days", "Credit check"]
        assert contexts(message) == ["1 alert  ·  :red_circle: 1 critical  ·  "
                                     "1 acknowledged"]
    state = states(alerts.engine)["utilisation:C-BOLT"]
    assert (state.acknowledged_by, state.snoozed_until) == (MEI, None)


def test_a_person_without_access_is_refused_and_nothing_changes(alerts, bot):
    first_run(alerts)
    before = states(alerts.engine)
    queued = outbox_count(alerts.engine)
    sales = only(alerts, SALES)
    pressed = button_for(sales, "Acknowledge", "overdue:C-ACME")
    result, response_url = bot.slack.press(STRANGER, SALES, pressed, as_reply(SALES, sales))
    assert result.status == 200
    refusal = bot.slack.reply_at(response_url, SALES)
    assert refusal.ephemeral
    assert refusal.all_text() == (
        ":lock: Credit data is confidential, and you are not among the people who may see it. "
        f"Ask <@{MEI}> or <@U0CREDITANN> to give you access.")
    alerts.deliver()
    assert states(alerts.engine) == before
    assert outbox_count(alerts.engine) == queued
    assert alerts.emulator.calls_to("chat.update") == []
    assert only(alerts, SALES) == sales
    assert audit(alerts.engine, "alerts.acknowledged") == []
    [refused] = audit(alerts.engine, "alerts.answer_refused")
    assert (refused.actor, refused.subject) == (STRANGER, "overdue:C-ACME")
    assert refused.details == {"wanted": "alerts.acknowledged"}



def test_credit_check_shows_the_card_to_the_clicker_alone(alerts, bot):
    first_run(alerts)
    credit = only(alerts, CREDIT)
    [pressed, *_] = [b for b in buttons(credit) if b["text"]["text"] == "Credit check"]
    result, response_url = bot.slack.press(MEI, CREDIT, pressed, as_reply(CREDIT, credit))
    assert result.status == 200
    card = bot.slack.reply_at(response_url, CREDIT)
    assert card.ephemeral
    assert card.blocks[0]["text"]["text"] == "Bolt & Nut GmbH"
    assert [f["text"] for f in card.blocks[1]["fields"]] == [
        f"*Customer*\nC-BOLT · owner <@{EVA}>", "*Credit limit*\n€100,000.00",
        "*Exposure*\n€115,000.00\ninvoices €115,000.00 + orders €0.00",
        "*Available credit*\n:red_circle: *-€15,000.00* — over the limit",
        "*Overdue*\n€95,000.00\noldest 10 days past due", "*Payment terms*\n30 days"]
    assert card.blocks[3]["elements"][0]["text"] == (
        "as of Nov 30, 2026 (Asia/Shanghai)  ·  2 open invoices  ·  0 open orders  ·  "
        "115% of the limit used")
    # The view is on record, as every check's is.
    bot.services.views.flush()
    [viewed] = audit(alerts.engine, "credit.checked")
    assert (viewed.actor, viewed.subject) == (MEI, "C-BOLT")
    # The digest stays as it is.
    alerts.deliver()
    assert only(alerts, CREDIT) == credit
    assert alerts.emulator.calls_to("chat.update") == []


def test_an_acknowledged_account_that_gets_worse_is_announced_again_unacknowledged(
        alerts, bot):
    first_run(alerts)
    amy_answers_acme(alerts, bot, "Acknowledge", "alerts.acknowledged")
    alerts.deliver()
    alerts.clock.advance(days=6)
    alerts.run()
    alerts.deliver()
    latest = shown(alerts.emulator, SALES)[-1]
    assert sections(latest) == [CRITICAL_OVERDUE.format(n=1), (
        "*Acme Industrial Supply* · C-ACME\n$20,000.00 overdue · oldest 91 days past due · "
        "exposure $20,000.00\nMoved from 61-90 days to 90+ days")]
    assert [b["text"]["text"] for b in buttons(latest)] == [
        "Acknowledge", "Snooze 1 day", "Snooze 7 days", "Credit check", "Assign collector"]
    state = states(alerts.engine)["overdue:C-ACME"]
    assert (state.acknowledged_by, state.acknowledged_at) == (None, None)


def test_an_answer_to_a_resolved_alert_is_refused_and_its_line_says_resolved(alerts, bot):
    first_run(alerts)
    pay(alerts.engine, "INV-C1")
    alerts.clock.advance(days=1)
    alerts.run()
    before = states(alerts.engine)
    with alerts.engine.connect() as conn:
        queued = conn.execute(select(func.max(OutboxRow.id))).scalar_one()
    export = only(alerts, EXPORT)
    pressed = button_for(export, "Snooze 7 days", "overdue:C-CEDAR")
    _, response_url = bot.slack.press(EVA, EXPORT, pressed, as_reply(EXPORT, export))
    refusal = bot.slack.reply_at(response_url, EXPORT)
    assert refusal.ephemeral
    assert refusal.all_text() == ("This alert is no longer open: the condition was resolved "
                                  "since this digest was posted.")
    assert states(alerts.engine) == before
    assert audit(alerts.engine, "alerts.snoozed") == []
    # Nothing new is sent: the digests showing the line are edited to say it resolved,
    # without its Acknowledge and Snooze (they stayed, to be refused to each presser).
    with alerts.engine.connect() as conn:
        queued_since = list(conn.execute(select(OutboxRow).where(OutboxRow.id > queued)))
    assert queued_since and all(r.update_of is not None for r in queued_since)
    edited = next(r.payload for r in queued_since if r.channel == EXPORT)
    assert ":heavy_check_mark: Resolved: no longer found on" in json.dumps(
        edited["blocks"], ensure_ascii=False)


def test_the_run_that_resolves_a_line_edits_the_digests_showing_it(alerts):
    # A paid invoice's line said "New", with its buttons, until someone pressed one.
    first_run(alerts)
    export = only(alerts, EXPORT)
    line = next(b["text"]["text"] for b in export["blocks"] if b["type"] == "section"
                and "C-CEDAR" in b["text"]["text"])
    assert line.endswith("\nNew")
    with alerts.engine.connect() as conn:
        queued = conn.execute(select(func.max(OutboxRow.id))).scalar_one()
    pay(alerts.engine, "INV-C1")
    alerts.clock.advance(days=1)
    alerts.run()
    with alerts.engine.connect() as conn:
        edits = [r for r in conn.execute(select(OutboxRow).where(OutboxRow.id > queued))
                 if r.update_of is not None and r.channel == EXPORT]
    [edited] = edits  # one edit of the page, whatever it shows
    texts = [b["text"]["text"] for b in edited.payload["blocks"] if b["type"] == "section"]
    [resolved] = [text for text in texts if "C-CEDAR" in text]
    assert resolved.startswith(line.removesuffix("New") + ":heavy_check_mark: Resolved: no "
                               "longer found on "), resolved
    summary = next(b for b in edited.payload["blocks"] if b["type"] == "context")
    assert summary["elements"][0]["text"].endswith("  ·  1 resolved")
    # Its Acknowledge and Snooze are gone, before anyone presses them in vain.
    assert not [b for b in buttons(edited.payload) if "overdue:C-CEDAR" in b["value"]]


def test_an_answer_from_an_older_digest_shows_on_the_latest_one_or_is_refused(alerts, bot):
    first_run(alerts)
    old_sales = only(alerts, SALES)
    alerts.clock.advance(days=6)  # Acme announced again, worse, in #sales #finance #legal
    alerts.run()
    alerts.deliver()
    pressed = button_for(old_sales, "Acknowledge", "overdue:C-ACME")
    _, response_url = bot.slack.press(AMY, SALES, pressed, as_reply(SALES, old_sales))
    wait_for(lambda: audit(alerts.engine, "alerts.acknowledged") or [
        c for c in alerts.emulator.calls_to("response_url") if response_url.endswith(c.path)])
    alerts.deliver()
    state = states(alerts.engine)["overdue:C-ACME"]
    latest = [shown(alerts.emulator, channel)[-1] for channel in (SALES, FINANCE, LEGAL)]
    if state.acknowledged_by is None:
        # Refused: the person is told to answer the latest digest; nothing changed.
        assert bot.slack.reply_at(response_url, SALES).ephemeral
        assert audit(alerts.engine, "alerts.acknowledged") == []
    else:
        # Accepted: every digest showing Acme as it is now says who acknowledged it.
        for message in latest:
            assert sections(message)[1].endswith(
                f"\n:white_check_mark: Acknowledged by <@{AMY}>"), sections(message)



# -- by hand -------------------------------------------------------------------------------

def test_an_operator_running_the_job_by_hand_delivers_its_digests_and_sees_the_record(
        engine, database_url, tmp_path, monkeypatch):
    # `creditbot jobs run alerts` runs at the machine's time: the portfolio is today's.
    seed(engine, datetime.now(ZoneInfo("Asia/Shanghai")).date())
    with FlakyEmulator(token=TOKEN) as emulator:
        for name, value in {"DATABASE_URL": database_url,
                            "CREDITBOT_CONFIG": str(write_config(tmp_path)),
                            "SLACK_BOT_TOKEN": TOKEN, "SLACK_API_URL": emulator.api_url,
                            "COLUMNS": "100"}.items():
            monkeypatch.setenv(name, value)
        runner = CliRunner()
        ran = runner.invoke(main, ["jobs", "run", "alerts"], catch_exceptions=False)
        assert ran.exit_code == 0
        assert ran.stdout.splitlines() == [
            "alerts: ok — customers 5, conditions 7, announced 7, resolved 0, unrouted 0, "
            "digests 6, messages 6, missing_rate 0, assigned 0, attempts 1",
            "6 messages queued: 6 sent, 0 failed"]
        assert sorted(emulator.channels) == sorted([SALES, EXPORT, FINANCE, CREDIT, LEGAL,
                                                    MEI_DM])
        assert sorted(posted_outbox_ids(emulator).values()) == [1] * 6

        again = runner.invoke(main, ["jobs", "run", "alerts"], catch_exceptions=False)
        assert again.stdout.splitlines() == [
            "alerts: ok — customers 5, conditions 7, announced 0, resolved 0, unrouted 0, "
            "digests 0, messages 0, missing_rate 0, assigned 0, attempts 1"]
        assert len(posted_outbox_ids(emulator)) == 6

        listed = runner.invoke(main, ["jobs", "list"], catch_exceptions=False)
    # The alerts row (its wrapped lines, up to the next job's): schedule, last run (its
    # times, then how it ended), next run.
    lines = listed.stdout.splitlines()
    first = next(i for i, line in enumerate(lines) if line.startswith("alerts "))
    after = next(i for i in range(first + 1, len(lines)) if lines[i][:1].strip())
    row = " ".join(" ".join(lines[first:after]).split())
    assert row.startswith("alerts 0 8 * * mon-fri "), row
    assert row.endswith(
        " once a scheduler runs ok: customers 5, conditions 7, announced 0, resolved 0, "
        "unrouted 0, digests 0, messages 0, missing_rate 0, assigned 0, attempts 1"), row
    assert [run.outcome for run in alert_runs(engine)] == ["ok", "ok"]



def test_two_people_answering_two_lines_of_one_digest_at_once_both_show(
        alerts, bot, monkeypatch):
    first_run(alerts)
    sales = only(alerts, SALES)
    # Both answers have saved their line's state and are about to re-render the digest
    # when they meet: neither has committed yet (on SQLite the second waits for the
    # first's write lock instead, and they meet no one).
    meet = threading.Barrier(2)
    refresh = Alerts._refresh

    def refresh_together(self, uow, digest, condition):  # type: ignore[no-untyped-def]
        with contextlib.suppress(threading.BrokenBarrierError):
            meet.wait(timeout=1.0)
        return refresh(self, uow, digest, condition)

    monkeypatch.setattr(Alerts, "_refresh", refresh_together)
    for person, condition in ((AMY, "overdue:C-ACME"), (MEI, "overdue:C-ECHO")):
        result, _ = bot.slack.press(person, SALES, button_for(sales, "Acknowledge", condition),
                                    as_reply(SALES, sales))
        assert result.status == 200
    wait_for(lambda: len(audit(alerts.engine, "alerts.acknowledged")) == 2)
    alerts.deliver()
    found = states(alerts.engine)
    assert (found["overdue:C-ACME"].acknowledged_by,
            found["overdue:C-ECHO"].acknowledged_by) == (AMY, MEI)
    # What #sales shows in the end says both.
    assert sections(only(alerts, SALES)) == [
        CRITICAL_OVERDUE.format(n=1), ECHO_90 + f"\n:white_check_mark: Acknowledged by <@{MEI}>",
        WARNING_OVERDUE.format(n=1), ACME_61 + f"\n:white_check_mark: Acknowledged by <@{AMY}>"]


def test_a_snoozed_account_that_gets_worse_is_announced_at_once(alerts, bot):
    first_run(alerts)
    amy_answers_acme(alerts, bot, "Snooze 7 days", "alerts.snoozed")
    alerts.deliver()
    alerts.clock.advance(days=6)  # within the week: into 90+
    alerts.run()
    alerts.deliver()
    latest = shown(alerts.emulator, SALES)[-1]
    assert sections(latest)[1] == (
        "*Acme Industrial Supply* · C-ACME\n$20,000.00 overdue · oldest 91 days past due · "
        "exposure $20,000.00\nMoved from 61-90 days to 90+ days")
    state = states(alerts.engine)["overdue:C-ACME"]
    assert (state.snoozed_until, state.snoozed_by) == (None, None)


def _sales_digest(alerts: AlertsWorld, channel: str) -> list[StoredDigest]:
    return [d for d in digests(alerts.engine) if d.destination == channel]


def test_a_department_given_a_new_channel_is_told_its_open_alerts_at_the_next_run(
        alerts, tmp_path):
    # The sales channel was recreated: app.yaml names the new one, and the next run
    # posted nothing there, however critical its open alerts.
    first_run(alerts)
    [before] = _sales_digest(alerts, SALES)
    text = APP_YAML.replace(f"channel: {SALES}", "channel: C0SALESNEW1")
    (tmp_path / "moved").mkdir()
    alerts.config = load_config(write_config(tmp_path / "moved", text))
    alerts.clock.advance(days=1)
    result = alerts.run()
    assert (result.counts["announced"], result.counts["told_anew"]) == (0, len(
        before.conditions)), result.counts
    alerts.deliver()
    [moved] = _sales_digest(alerts, "C0SALESNEW1")
    assert (sorted(moved.conditions), set(moved.changes)) == (sorted(before.conditions),
                                                              {"new"})
    # As they stand today, new to that channel.
    assert ECHO_90.replace("120 days", "121 days") in sections(
        only(alerts, "C0SALESNEW1"))
    # Told now: the run after says nothing, there or anywhere.
    alerts.clock.advance(days=1)
    again = alerts.run()
    assert (again.counts["announced"], again.counts["messages"]) == (0, 0), again.counts
    assert "told_anew" not in again.counts


def test_a_digest_slack_refused_for_good_is_told_again_once_the_bot_is_invited(alerts):
    # "invite @creditbot to #sales", said the admins' channel; the admin did, and the
    # sales channel never heard of its alerts until they got worse.
    alerts.emulator.closed_channels.add(SALES)
    first_run(alerts)
    [refused] = _sales_digest(alerts, SALES)
    assert [m for m in shown(alerts.emulator, ADMINS) if "invite @creditbot" in m["text"]]
    assert SALES not in alerts.emulator.channels or not shown(alerts.emulator, SALES)
    alerts.emulator.closed_channels.discard(SALES)
    alerts.clock.advance(days=1)
    result = alerts.run()
    assert (result.counts["announced"], result.counts["told_anew"]) == (
        0, len(refused.conditions)), result.counts
    alerts.deliver()
    [told] = [d for d in _sales_digest(alerts, SALES) if d.id != refused.id]
    assert sorted(told.conditions) == sorted(refused.conditions)
    [message] = shown(alerts.emulator, SALES)
    assert ECHO_90.replace("120 days", "121 days") in sections(message)
    # Only there: the other channels, told the first time, hear nothing again.
    assert {d.destination for d in digests(alerts.engine) if d.run_at == told.run_at} == {
        SALES}
    alerts.clock.advance(days=1)
    assert alerts.run().counts["messages"] == 0


def test_states_kept_before_creditbot_recorded_who_was_told_announce_nothing_again(alerts):
    # An upgrade: every open state has told NULL (migration 0029), and the run after it
    # must not post every open alert again.
    first_run(alerts)
    posted = len(alerts.posts())
    with alerts.engine.begin() as conn:
        conn.execute(update(AlertStateRow.__table__).values(told=None))
    alerts.clock.advance(days=1)
    result = alerts.run()
    alerts.deliver()
    assert (result.counts["messages"], len(alerts.posts())) == (0, posted), result.counts
    assert all(s.told is not None for s in states(alerts.engine).values() if s.is_open)


def test_a_digest_refused_by_an_archived_channel_is_not_tried_every_day(alerts):
    # Tried again at every run, and the admins told again every day, for a channel no
    # invite can fix: the fix is another channel in app.yaml.
    alerts.emulator.closed_channels.add(SALES)
    first_run(alerts)
    with alerts.engine.begin() as conn:
        conn.execute(update(OutboxRow.__table__)
                     .where(OutboxRow.channel == SALES, OutboxRow.failed_at.is_not(None))
                     .values(last_error="is_archived"))
    for _ in range(2):
        alerts.clock.advance(days=1)
        result = alerts.run()
        assert result.counts["messages"] == 0 and "told_anew" not in result.counts, \
            result.counts


def echo_line(message: dict) -> str:
    return next(text for text in sections(message) if "C-ECHO" in text)


def test_a_line_better_now_says_so_and_one_left_behind_is_closed(alerts, bot):
    # Echo paid its 90+ invoice and kept a younger one open: #legal kept "90+ days" in
    # red, with live buttons, for good; #sales and #finance were never told it got
    # better, only later that it "moved from 1-30 days".
    add_invoice(alerts.engine, invoice("INV-E2", "C-ECHO", "3000.00", "USD",
                                       DAY - timedelta(days=25)))
    first_run(alerts)
    told = ("*Echo Hardware* · C-ECHO\n$8,000.00 overdue · oldest 120 days past due · "
            "exposure $8,000.00\nNew")
    assert [echo_line(shown(alerts.emulator, c)[-1]) for c in (SALES, FINANCE, LEGAL)] == \
        [told] * 3
    posted = len(alerts.posts())
    legal = shown(alerts.emulator, LEGAL)[-1]

    pay(alerts.engine, "INV-E1")
    alerts.clock.advance(days=1)
    alerts.run()
    alerts.deliver()
    assert len(alerts.posts()) == posted  # better is not announced: the lines are edited
    better = told + "\n:arrow_down: Better now: $3,000.00 overdue · oldest 26 days past due"
    assert [echo_line(shown(alerts.emulator, c)[-1]) for c in (SALES, FINANCE)] == \
        [better] * 2
    # No route sends a 1-30 account to #legal: its line is closed there, with no figures
    # of now (credit data may be closed to a destination left behind) and no buttons.
    closed = told + "\n:arrow_right: No longer followed here: it changed since this line."
    assert echo_line(shown(alerts.emulator, LEGAL)[-1]) == closed
    assert [b["text"]["text"] for b in buttons(shown(alerts.emulator, LEGAL)[-1])
            if "C-ECHO" in b["value"]] == ["Credit check"]
    # Its buttons pressed before the edit arrived change nothing.
    pressed = button_for(legal, "Acknowledge", "overdue:C-ECHO")
    _, response_url = bot.slack.press(MEI, LEGAL, pressed, as_reply(LEGAL, legal))
    wait_for(lambda: [c for c in alerts.emulator.calls_to("response_url")
                      if response_url.endswith(c.path)])
    assert bot.slack.reply_at(response_url, LEGAL).text == (
        "This alert is no longer followed here: it changed since this line, and is now sent "
        "elsewhere. Nothing was changed.")
    assert states(alerts.engine)["overdue:C-ECHO"].acknowledged_by is None

    sales_before = shown(alerts.emulator, SALES)[-1]
    alerts.clock.advance(days=5)  # INV-E2 31 days past due: worse than 1-30, announced
    alerts.run()
    alerts.deliver()
    moved = ("*Echo Hardware* · C-ECHO\n$3,000.00 overdue · oldest 31 days past due · "
             "exposure $3,000.00\nMoved from 1-30 days to 31-60 days")
    assert [echo_line(shown(alerts.emulator, c)[-1]) for c in (SALES, FINANCE)] == [moved] * 2
    # The earlier lines' "better now" would go stale: they point to the later digest.
    again = told + ("\n:arrow_right: Announced again since, in a later digest, which says "
                    "why.")
    assert [echo_line(m) for m in shown(alerts.emulator, SALES) if m["ts"] == sales_before["ts"]
            ] == [again]
    # Not told again (its later digest is Acme's, now 90+ days).
    assert [echo_line(m) for m in shown(alerts.emulator, LEGAL) if "C-ECHO" in str(m)] == [
        closed]

    # Paid off: the lines that follow it say so; #legal's closed line stays as it is.
    pay(alerts.engine, "INV-E2")
    alerts.clock.advance(days=1)
    alerts.run()
    alerts.deliver()
    gone = "$3,000.00 overdue · oldest 31 days past due · exposure $3,000.00\n" \
        ":heavy_check_mark: Resolved: no longer found on Dec 7, 2026"
    assert [echo_line(shown(alerts.emulator, c)[-1]) for c in (SALES, FINANCE)] == [
        "*Echo Hardware* · C-ECHO\n" + gone] * 2
    assert echo_line(shown(alerts.emulator, LEGAL)[0]) == closed


def test_a_resolved_line_stays_resolved_when_the_condition_comes_back_milder(alerts):
    # Resolved in #legal at 90+, back the next day at 1-30 days (sent to #sales and
    # #finance): #legal's resolved line was brought back as "New" with live buttons.
    first_run(alerts)
    pay(alerts.engine, "INV-E1")
    alerts.clock.advance(days=1)
    alerts.run()
    alerts.deliver()
    resolved = echo_line(shown(alerts.emulator, LEGAL)[-1])
    assert resolved.endswith(":heavy_check_mark: Resolved: no longer found on Dec 1, 2026")
    add_invoice(alerts.engine, invoice("INV-E3", "C-ECHO", "700.00", "USD",
                                       DAY - timedelta(days=1)))
    alerts.clock.advance(days=1)
    alerts.run()
    alerts.deliver()
    assert echo_line(shown(alerts.emulator, SALES)[-1]).endswith("\nBack again")
    assert echo_line(shown(alerts.emulator, LEGAL)[-1]) == resolved
    assert LEGAL not in (states(alerts.engine)["overdue:C-ECHO"].told or {})


def test_a_destination_no_longer_cleared_gets_no_figures_of_now(alerts, tmp_path):
    # Credit data closed to #sales (share_channels): the edit of its line told it the
    # account's figures of now ("Better now: $1,234.56 …").
    add_invoice(alerts.engine, invoice("INV-A2", "C-ACME", "1234.56", "USD",
                                       DAY - timedelta(days=5)))
    first_run(alerts)
    alerts.config = load_config(write_config(tmp_path, APP_YAML.replace(
        "    departments: []\n",
        # The admins' channel gets the alerts no route sends anywhere: open to them too.
        f"    departments: []\n    share_channels: [{FINANCE}, {LEGAL}, {CREDIT}, {ADMINS}]\n")))
    pay(alerts.engine, "INV-A1")
    alerts.clock.advance(days=1)
    alerts.run()
    alerts.deliver()
    acme = next(t for t in sections(shown(alerts.emulator, SALES)[-1]) if "C-ACME" in t)
    assert acme == (
        "*Acme Industrial Supply* · C-ACME\n$21,234.56 overdue · oldest 85 days past due · "
        "exposure $21,234.56\nNew\n:arrow_right: No longer followed here: it changed since "
        "this line.")


def test_the_admins_lines_stay_followed_and_a_customer_moved_out_of_every_route_goes_there(
        engine, tmp_path):
    # The admins' lines were closed the next morning ("No longer followed here") with
    # nothing changed, and followed nowhere after; a customer the ERP moved where no route
    # goes had its line closed and never reached the admins.
    with routed(engine, tmp_path) as alerts:
        emulator = alerts.emulator
        alerts.run()
        alerts.deliver()
        admins = only(alerts, ADMINS)
        alerts.clock.advance(days=1)
        result = alerts.run()
        alerts.deliver()
        assert (result.counts["announced"], result.counts["digests"]) == (0, 0)
        assert shown(emulator, ADMINS) == [admins]  # not edited, not posted again
        told = states(engine)
        assert all(ADMINS in (told[c].told or {}) for c in (
            "overdue:C-CEDAR", "utilisation:C-CEDAR", "large_invoice:INV-B1"))
        # Acme moves out of sales, to no department, its owner nobody app.yaml lists.
        with engine.begin() as conn:
            conn.execute(update(CustomerRow).where(CustomerRow.customer_id == "C-ACME")
                         .values(department=None, owner_slack_id=STRANGER))
        alerts.clock.advance(days=1)
        result = alerts.run()
        alerts.deliver()
        assert result.counts["told_anew"] == 1
        acme_sales = next(t for t in sections(only(alerts, SALES)) if "C-ACME" in t)
        assert acme_sales.endswith(
            "\nNew\n:arrow_right: No longer followed here: it changed since this line.")
        assert next(t for t in sections(shown(emulator, ADMINS)[-1]) if "C-ACME" in t) == (
            "*Acme Industrial Supply* · C-ACME\n$20,000.00 overdue · oldest 87 days past due · "
            "exposure $20,000.00\nNew")


def test_an_acknowledged_account_the_erp_moves_is_told_to_its_new_department(alerts, bot):
    # Acknowledged in #sales, then moved to export: #export never heard of it while the
    # #sales line said "no longer followed here".
    first_run(alerts)
    amy_answers_acme(alerts, bot, "Acknowledge", "alerts.acknowledged")
    with alerts.engine.begin() as conn:
        conn.execute(update(CustomerRow).where(CustomerRow.customer_id == "C-ACME")
                     .values(department="export"))
    alerts.clock.advance(days=1)
    result = alerts.run()
    alerts.deliver()
    assert result.counts["told_anew"] == 1
    assert next(t for t in sections(shown(alerts.emulator, EXPORT)[-1]) if "C-ACME" in t) == (
        "*Acme Industrial Supply* · C-ACME\n$20,000.00 overdue · oldest 86 days past due · "
        f"exposure $20,000.00\nNew\n:white_check_mark: Acknowledged by <@{AMY}>")


def test_a_line_closed_on_a_thread_page_is_edited_with_page_one_in_the_same_run(alerts):
    # Acme resolved (page 1) and a customer on a thread page moved to export in one run:
    # page 1 was edited, the thread page kept its line "New", with nothing said.
    many_overdue(alerts.engine, 150)
    alerts.run()
    alerts.deliver()
    pay(alerts.engine, "INV-A1")
    with alerts.engine.begin() as conn:
        conn.execute(update(CustomerRow).where(CustomerRow.customer_id == "C-M0149")
                     .values(department="export"))
    alerts.clock.advance(days=1)
    alerts.run()
    alerts.deliver()
    moved = [line for message in shown(alerts.emulator, SALES) for text in sections(message)
             for line in text.splitlines() if "C-M0149" in line]
    assert moved == ["• *Many Hands 0149* (C-M0149) — $1,000.00 overdue · oldest 5 days past "
                     "due · New  :arrow_right: No longer followed here: it changed since this "
                     "line."]
