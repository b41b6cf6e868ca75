"""`creditbot jobs list` and `creditbot jobs run`, as an operator sees them."""

from __future__ import annotations

import importlib
import re
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from apscheduler.schedulers.background import BackgroundScheduler
from click.testing import CliRunner

from bot.cli import main
from bot.sandbox.emulator import SlackEmulator
from bot.scheduler import Candidate, Scheduled
from domain.messages import OutgoingMessage
from handlers import features
from handlers.housekeeping import FEATURE as HOUSEKEEPING
from handlers.registry import Catalogue, Feature, Job
from storage.jobs import finish_run, job_store, runs, start_run
from storage.outbox import OutboxStore
from storage.outbox_progress import OutboxProgress, next_try, progress_since
from storage.requests import ProcessedRequests
from tests.conftest import ROOT
from tests.e2e.conftest import TOKEN
from tests.scheduler.test_candidate import failing, led_once

# The module, not the click group bot.cli exports under the same name.
jobs_cli = importlib.import_module("bot.cli.jobs")
SHANGHAI = ZoneInfo("Asia/Shanghai")
SUMMARY = ("housekeeping: forgets processed Slack deliveries older than a day and job runs "
           "older than 90 days")


@pytest.fixture
def cli(monkeypatch, database_url):
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("CREDITBOT_CONFIG", str(ROOT / "app.yaml"))
    monkeypatch.setenv("COLUMNS", "80")
    runner = CliRunner()

    def invoke(*args: str):
        return runner.invoke(main, list(args), catch_exceptions=False)

    return invoke


def lines(output: str) -> list[str]:
    return [line.rstrip() for line in output.splitlines()]


@pytest.fixture
def only_housekeeping(monkeypatch):
    """The layout tests list one job, whatever jobs the features declare by now."""
    monkeypatch.setattr(features, "catalogue", lambda: Catalogue((HOUSEKEEPING,)))


NO_LEADER = ("Scheduler: none runs on this database now; the jobs run once a creditbot "
             "serve or creditbot scheduler starts.")


def test_jobs_list_says_which_process_leads_the_scheduler(cli, engine, only_housekeeping):
    # An operator had to read the logs or the leases table to know.
    from storage.leases import SCHEDULER_LEASE, try_acquire

    lease = try_acquire(engine, SCHEDULER_LEASE, "vm-7:4242", timedelta(minutes=5))
    assert lease is not None
    shown = lines(cli("jobs", "list").stdout)
    since, until = (moment.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M:%S")
                    for moment in (lease.acquired_at, lease.expires_at))
    assert shown[-2:] == [f"Scheduler: led by vm-7:4242 since {since}, its lease renewed "
                          f"until {until}.", SUMMARY]
    lease.release()
    assert lines(cli("jobs", "list").stdout)[-2:] == [NO_LEADER, SUMMARY]


def test_jobs_list_before_anything_ran(cli):
    result = cli("jobs", "list")
    assert result.exit_code == 0, result.output
    # Wider than 80 columns: printed wider, for the terminal to wrap, rather than cut.
    assert lines(result.stdout) == [
        "Job          Schedule        Last run                        Next run",
        "─" * 82,
        "alerts       0 8 * * mon-fri never                           once a scheduler runs",
        "approvals    */15 * * * *    never                           once a scheduler runs",
        "orders       */15 * * * *    never                           once a scheduler runs",
        "people       30 6 * * *      never                           once a scheduler runs",
        "housekeeping 15 3 * * *      never                           once a scheduler runs",
        "report       0 9 * * mon     never                           once a scheduler runs",
        "collections  0 7 * * mon-fri never                           once a scheduler runs",
        "meetings     */5 * * * *     never                           once a scheduler runs",
        "Times in Asia/Shanghai.",
        NO_LEADER,
        "alerts: finds overdue accounts, limits nearly used, large overdue invoices and "
        "contracts ending; posts one digest per channel of what is new or worse",
        "approvals: reminds approvers before a level's deadline, escalates after it, closes "
        "temporary-limit requests past their last day, tells account owners when a "
        "temporary limit ends and sends stand-ins whose delegation starts the cards "
        "waiting for them",
        "orders: reviews the ERP's open orders not yet reviewed and releases held orders "
        "that pass the order rules again",
        "people: asks Slack the language of the people creditbot writes to on its own "
        "(app.yaml's people, the customers' owners), so that their messages read in it",
        SUMMARY,
        "report: posts the week's collection metrics with the aging and DSO charts to the "
        "finance channel (reports.post_to)",
        "collections: checks promises to pay due, reminds collectors on their next-action "
        "date, tells the collections lead about accounts without action and points out "
        "disputes the ERP shows settled",
        "meetings: reminds everyone invited before each meeting with the agenda as it "
        "stands, creates and invites the next occurrence of recurring meetings, and reminds "
        "task owners on the due date and organisers of overdue tasks",
    ]


def test_jobs_list_one_job_fits_80_columns(cli, only_housekeeping):
    result = cli("jobs", "list")
    assert result.exit_code == 0, result.output
    assert lines(result.stdout) == [
        "Job          Schedule   Last run                        Next run",
        "─" * 77,
        "housekeeping 15 3 * * * never                           once a scheduler runs",
        "Times in Asia/Shanghai.",
        NO_LEADER,
        SUMMARY,
    ]


def stored_next_run(engine, name: str, when: datetime) -> None:
    """A scheduler led once and stored the job; its next run is ``when``."""
    led_once(Candidate(engine, [Scheduled(HOUSEKEEPING.jobs[0], "15 3 * * *")], SHANGHAI, 3,
                       lambda: {}, holder="vm:1"))
    store = job_store(engine)
    store.start(BackgroundScheduler(timezone=SHANGHAI), "default")
    job = store.lookup_job(name)
    job.next_run_time = when
    store.update_job(job)


@pytest.mark.parametrize("columns", ["80", "50"])
def test_jobs_list_shows_the_last_and_next_runs_whole(cli, engine, monkeypatch, columns,
                                                     only_housekeeping):
    monkeypatch.setenv("COLUMNS", columns)
    started = datetime(2026, 11, 29, 19, 15, tzinfo=UTC)  # 03:15 in Shanghai
    run = start_run(engine, "housekeeping", "vm:1", started)
    finish_run(engine, run, "ok", started + timedelta(seconds=2),
               {"processed_requests": 1234, "job_runs": 0})
    stored_next_run(engine, "housekeeping", datetime(2036, 11, 30, 19, 15, tzinfo=UTC))
    result = cli("jobs", "list")
    assert result.exit_code == 0, result.output
    if columns == "80":
        assert lines(result.stdout) == [
            "Job          Schedule   Last run                             Next run",
            "─" * 80,
            "housekeeping 15 3 * * * 2026-11-30 03:15:00 to 03:15:02      2036-12-01 03:15:00",
            "                        ok: processed_requests 1234,",
            "                        job_runs 0",
            "Times in Asia/Shanghai.",
            NO_LEADER,
            SUMMARY,
        ]
    else:
        # Narrower than the values: the table is printed wider and the terminal wraps it.
        assert lines(result.stdout) == [
            "Job          Schedule   Last run                        Next run",
            "─" * 75,
            "housekeeping 15 3 * * * 2026-11-30 03:15:00 to 03:15:02 2036-12-01 03:15:00",
            "                        ok: processed_requests 1234,",
            "                        job_runs 0",
            "Times in Asia/Shanghai.",
            NO_LEADER,
            SUMMARY,
        ]


def test_a_failed_run_shows_its_error(cli, engine, only_housekeeping):
    started = datetime(2026, 11, 29, 19, 15, tzinfo=UTC)
    run = start_run(engine, "housekeeping", "vm:1", started)
    finish_run(engine, run, "failed", started + timedelta(seconds=1),
               error="OperationalError: database is locked")
    result = cli("jobs", "list")
    assert lines(result.stdout) == [
        "Job          Schedule   Last run                           Next run",
        "─" * 80,
        "housekeeping 15 3 * * * 2026-11-30 03:15:00 to 03:15:01    once a scheduler runs",
        "                        failed: OperationalError: database",
        "                        is locked",
        "Times in Asia/Shanghai.",
        NO_LEADER,
        SUMMARY,
    ]


def test_jobs_run_housekeeping_prints_its_counts_and_records_the_run(cli, engine):
    now = datetime.now(UTC)
    requests = ProcessedRequests(engine)  # one: it prunes at most every ten minutes
    requests.claim("old", now - timedelta(days=2))
    requests.claim("new", now)
    start_run(engine, "housekeeping", "vm:1", now - timedelta(days=100))
    result = cli("jobs", "run", "housekeeping")
    assert (result.exit_code, result.stdout, result.stderr) == (
        0, "housekeeping: ok — processed_requests 1, job_runs 1, abandoned_runs 0\n", "")
    [recorded] = runs(engine)
    assert (recorded.outcome, recorded.counts, recorded.error) == (
        "ok", {"processed_requests": 1, "job_runs": 1, "abandoned_runs": 0}, None)
    assert recorded.finished_at is not None


def test_jobs_run_an_unknown_job_is_one_line(cli, engine):
    result = cli("jobs", "run", "nightly")
    assert (result.exit_code, result.stdout, result.stderr) == (
        1, "", "error: there is no job called nightly; the jobs are: alerts, approvals, "
        "orders, people, housekeeping, report, collections, meetings\n")
    assert runs(engine) == []


@pytest.mark.parametrize(("typed", "meant"), [("alert", "alerts"), ("hosekeeping", "housekeeping"),
                                              ("Meeting", "meetings"),
                                              ("digest", "alerts"), ("promises", "collections")])
def test_jobs_run_names_the_job_a_near_miss_means(cli, engine, typed, meant):
    result = cli("jobs", "run", typed)
    assert (result.exit_code, result.stdout, result.stderr) == (
        1, "", f"error: there is no job called {typed} (did you mean {meant}?); the jobs are: "
        "alerts, approvals, orders, people, housekeeping, report, collections, meetings\n")
    assert runs(engine) == []


@pytest.mark.parametrize("typed", ["deliver", "send"])
def test_jobs_run_guesses_nothing_from_a_word_only_part_of_a_summary(cli, typed):
    # "deliver" was taken for housekeeping ("forgets processed Slack deliveries").
    result = cli("jobs", "run", typed)
    assert (result.exit_code, result.stderr) == (
        1, f"error: there is no job called {typed}; the jobs are: alerts, approvals, orders, "
        "people, housekeeping, report, collections, meetings\n")


def test_jobs_run_answers_a_typo_before_opening_the_database(cli, monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'nowhere' / 'x.db'}")
    result = cli("jobs", "run", "alert")
    assert (result.exit_code, result.stderr) == (
        1, "error: there is no job called alert (did you mean alerts?); the jobs are: alerts, "
        "approvals, orders, people, housekeeping, report, collections, meetings\n")


def test_jobs_run_a_failing_job_is_one_line_and_recorded(cli, engine, monkeypatch):
    boom = Feature("boom", jobs=(Job("boom", "always fails", "0 3 * * *", failing),))
    monkeypatch.setattr(features, "catalogue", lambda: Catalogue((boom,)))
    result = cli("jobs", "run", "boom")
    assert (result.exit_code, result.stdout, result.stderr) == (
        1, "", "error: boom failed: RuntimeError: the ERP export is not there yet\n")
    assert [(r.name, r.outcome, r.error) for r in runs(engine)] == [
        ("boom", "failed", "RuntimeError: the ERP export is not there yet")]


def test_a_next_run_in_the_past_is_overdue(cli, engine, only_housekeeping):
    stored_next_run(engine, "housekeeping", datetime(2026, 11, 29, 19, 15, tzinfo=UTC))
    result = cli("jobs", "list")
    assert lines(result.stdout) == [
        "Job          Schedule   Last run                        Next run",
        "─" * 75,
        "housekeeping 15 3 * * * never                           2026-11-30 03:15:00",
        "                                                        overdue",
        "Times in Asia/Shanghai.",
        NO_LEADER,
        SUMMARY,
    ]


# -- jobs run delivers what its job queued ------------------------------------------------

ALERTS = "C0ALERTS01"
SALES_CHANNEL = "C01SALES000"
AMY = "U01SALESAMY"
RUNNING_BOT = "the running bot (creditbot serve or creditbot scheduler)"


def queueing(engine, *channels: str, fail: bool = False) -> Catalogue:
    """A catalogue whose one job, ``digest``, queues a message to each channel (then
    fails if ``fail``), as the alert digests will."""

    def digest(_context: Mapping[str, Any]) -> dict[str, int]:
        outbox = OutboxStore(engine)
        for number, channel in enumerate(channels):
            outbox.queue(OutgoingMessage(channel=channel, kind="alerts.digest",
                                         text=f"digest {number}"))
        if fail:
            raise RuntimeError("the ERP export stopped half-way")
        return {"messages": len(channels)}

    return Catalogue((Feature("digest", jobs=(Job("digest", "queues digests", "0 8 * * *",
                                                     digest),)),))


@pytest.fixture
def slack(monkeypatch) -> Iterator[SlackEmulator]:
    with SlackEmulator(token=TOKEN) as emulator:
        monkeypatch.setenv("SLACK_BOT_TOKEN", TOKEN)
        monkeypatch.setenv("SLACK_API_URL", emulator.api_url)
        yield emulator


def posted(emulator: SlackEmulator) -> list[str]:
    return sorted(c.text for c in emulator.calls_to("chat.postMessage") if c.status == 200)


def test_jobs_run_delivers_what_the_job_queued_before_it_exits(cli, engine, slack,
                                                               monkeypatch):
    before = OutboxStore(engine).queue(OutgoingMessage(channel=ALERTS, kind="alerts.digest",
                                                       text="an older message"))
    monkeypatch.setattr(features, "catalogue",
                        lambda: queueing(engine, ALERTS, SALES_CHANNEL, AMY))
    result = cli("jobs", "run", "digest")
    # The older one is said too: Slack got four posts where the summary counted three.
    assert (result.exit_code, result.stdout) == (
        0, "digest: ok — messages 3\n3 messages queued: 3 sent, 0 failed\n1 message queued "
           "before this run (by an import, a job or the bot) went out with it\n")
    assert result.stderr.startswith("delivering 3 messages at Slack's pace")
    # The older message went first: a channel's messages go out in order.
    assert posted(slack) == ["an older message", "digest 0", "digest 1", "digest 2"]
    assert progress_since(engine, before - 1) == OutboxProgress(sent=4)


def test_jobs_run_says_how_far_it_got_and_leaves_the_rest_to_the_bot(cli, engine, slack,
                                                                    monkeypatch):
    monkeypatch.setattr(jobs_cli, "DELIVERY_CAP", timedelta(seconds=4))
    monkeypatch.setattr(jobs_cli, "PROGRESS_EVERY", timedelta(seconds=0.5))
    monkeypatch.setattr(features, "catalogue",
                        lambda: queueing(engine, SALES_CHANNEL, ALERTS, ALERTS, ALERTS))
    # Slack holds #sales back for a minute (beyond the cap); #alerts goes at one message
    # a second.
    slack.fail("chat.postMessage", "ratelimited", 1, retry_after=60)
    result = cli("jobs", "run", "digest")
    # What is left says when it is tried next, and why it waits.
    upcoming = next_try(engine, 0)
    assert upcoming is not None and upcoming.last_error == "ratelimited"
    at = upcoming.at.astimezone(ZoneInfo("Asia/Shanghai")).strftime("%H:%M:%S")
    assert (result.exit_code, result.stdout) == (
        0, "digest: ok — messages 4\n4 messages queued: 3 sent, 0 failed; 1 left for "
           f"{RUNNING_BOT}: the next try is at {at} Asia/Shanghai, after its last try failed "
           "(“ratelimited”)\n")
    assert re.search(r"delivering: [12] of 4 messages sent, 0 failed, [23] to go",
                     result.stderr), result.stderr
    assert posted(slack) == ["digest 1", "digest 2", "digest 3"]
    assert progress_since(engine, 0).next_due > datetime.now(UTC) + timedelta(seconds=50)


def test_jobs_run_stops_trying_when_slack_takes_nothing_for_a_while(cli, engine, slack,
                                                                    monkeypatch, caplog):
    # Slack answering 500 to everything: each retry waits longer; without the stall the
    # command went on for the whole cap (ten minutes), saying "about one a second".
    monkeypatch.setattr(jobs_cli, "DELIVERY_STALL", timedelta(seconds=2))
    monkeypatch.setattr(jobs_cli, "PROGRESS_EVERY", timedelta(seconds=0.5))
    monkeypatch.setattr(features, "catalogue", lambda: queueing(engine, ALERTS, AMY))
    slack.fail("chat.postMessage", "http500", 1000)
    slack.fail("conversations.open", "http500", 1000)
    started = datetime.now(UTC)
    result = cli("jobs", "run", "digest")
    assert datetime.now(UTC) - started < timedelta(seconds=30)
    upcoming = next_try(engine, 0)
    assert upcoming is not None and upcoming.last_error
    at = upcoming.at.astimezone(ZoneInfo("Asia/Shanghai")).strftime("%H:%M:%S")
    assert (result.exit_code, result.stdout) == (
        0, "digest: ok — messages 2\n2 messages queued: 0 sent, 0 failed; 2 left for "
           f"{RUNNING_BOT}: the next try is at {at} Asia/Shanghai, after its last try failed "
           f"(“{upcoming.last_error}”)\n")
    assert progress_since(engine, 0).pending == 2
    # The progress lines say it; the sender's line per failed try stays out of them.
    assert [r.getMessage() for r in caplog.records
            if r.name == "creditbot.delivery.sender" and "; try " in r.getMessage()] == []
    assert "delivering: 0 of 2 messages sent, 0 failed, 2 to go" in result.stderr


@pytest.mark.parametrize("how", ["no token", "--no-deliver"])
def test_jobs_run_leaves_delivery_to_the_running_bot(cli, engine, monkeypatch, how):
    with SlackEmulator(token=TOKEN) as emulator:
        monkeypatch.setenv("SLACK_API_URL", emulator.api_url)
        if how == "no token":
            monkeypatch.delenv("SLACK_BOT_TOKEN", raising=False)
            options: tuple[str, ...] = ()
        else:
            monkeypatch.setenv("SLACK_BOT_TOKEN", TOKEN)
            options = ("--no-deliver",)
        monkeypatch.setattr(features, "catalogue", lambda: queueing(engine, ALERTS, AMY))
        result = cli("jobs", "run", "digest", *options)
    why = "SLACK_BOT_TOKEN is not set here, so " if how == "no token" else ""
    assert (result.exit_code, result.stdout, result.stderr) == (
        0, f"digest: ok — messages 2\n2 messages queued; {why}the running bot (creditbot "
           "serve or creditbot scheduler) delivers them\n", "")
    assert emulator.calls_to("chat.postMessage") == []
    assert progress_since(engine, 0).pending == 2


def test_one_message_left_to_the_running_bot_is_one(cli, engine, monkeypatch):
    monkeypatch.setenv("SLACK_BOT_TOKEN", TOKEN)
    monkeypatch.setattr(features, "catalogue", lambda: queueing(engine, ALERTS))
    result = cli("jobs", "run", "digest", "--no-deliver")
    assert (result.exit_code, result.stdout) == (
        0, "digest: ok — messages 1\n1 message queued; the running bot (creditbot serve or "
           "creditbot scheduler) delivers it\n")


def test_jobs_run_says_messages_an_earlier_run_left_are_still_waiting(cli, engine,
                                                                    monkeypatch):
    """A rerun after a kill -9 during delivery said only "ok", while the killed run's
    messages waited for a bot nobody had started."""
    for text in ("left by a killed run", "and another"):
        OutboxStore(engine).queue(OutgoingMessage(channel=AMY, kind="alerts.digest",
                                                  text=text))
    monkeypatch.delenv("SLACK_BOT_TOKEN", raising=False)
    monkeypatch.setattr(features, "catalogue", lambda: queueing(engine, ALERTS))
    result = cli("jobs", "run", "digest")
    assert (result.exit_code, result.stdout) == (
        0, "digest: ok — messages 1\n1 message queued; SLACK_BOT_TOKEN is not set here, so "
           f"{RUNNING_BOT} delivers it\n2 messages queued before this run are still to be "
           f"delivered: {RUNNING_BOT} delivers them; if none is running, start one\n")
    monkeypatch.setattr(features, "catalogue", lambda: queueing(engine))
    assert cli("jobs", "run", "digest").stdout == (
        "digest: ok — messages 0\n3 messages queued before this run are still to be "
        f"delivered: {RUNNING_BOT} delivers them; if none is running, start one\n")


def test_a_job_interrupted_is_recorded_so_not_left_running(cli, engine, monkeypatch):
    """A kill of `jobs run` during the job itself left its run "running" for ever."""

    def interrupted(_context: Mapping[str, Any]) -> dict[str, int]:
        raise KeyboardInterrupt  # what Ctrl-C, and SIGTERM here, raise in the job

    monkeypatch.setattr(features, "catalogue", lambda: Catalogue((Feature("slow", jobs=(
        Job("slow", "takes a while", "0 8 * * *", interrupted),)),)))
    result = cli("jobs", "run", "slow")
    assert (result.exit_code, result.stderr) == (
        1, "error: slow was interrupted (Ctrl-C or SIGTERM) before it finished; its run is "
           "recorded so, and what it committed before is delivered by the running bot "
           "(creditbot serve or creditbot scheduler)\n")
    [run] = runs(engine, "slow")
    assert (run.outcome, run.error) == ("failed",
                                        "interrupted (Ctrl-C or SIGTERM) before it finished")
    assert run.finished_at is not None


def test_a_failed_job_still_delivers_what_it_committed_then_fails(cli, engine, slack,
                                                                   monkeypatch):
    monkeypatch.setattr(features, "catalogue",
                        lambda: queueing(engine, ALERTS, fail=True))
    result = cli("jobs", "run", "digest")
    assert (result.exit_code, result.stdout, result.stderr.splitlines()[-1]) == (
        1, "1 message queued: 1 sent, 0 failed\n",
        "error: digest failed: RuntimeError: the ERP export stopped half-way")
    assert posted(slack) == ["digest 0"]


def test_jobs_run_with_nothing_queued_does_not_talk_of_delivery(cli, engine, slack):
    result = cli("jobs", "run", "housekeeping")
    assert (result.exit_code, result.stdout, result.stderr) == (
        0, "housekeeping: ok — processed_requests 0, job_runs 0, abandoned_runs 0\n", "")
    assert slack.calls == []


def test_a_message_slack_refuses_is_counted_failed_and_reported_to_the_admins(
        cli, engine, slack, monkeypatch, tmp_path):
    config = tmp_path / "app.yaml"
    config.write_text((ROOT / "app.yaml").read_text(encoding="utf-8").replace(
        "  locale: en-US\n", "  locale: en-US\n  admin_channel: C0ADMINS01\n", 1),
        encoding="utf-8")
    monkeypatch.setenv("CREDITBOT_CONFIG", str(config))
    slack.closed_channels.add(ALERTS)
    monkeypatch.setattr(features, "catalogue", lambda: queueing(engine, ALERTS))
    result = cli("jobs", "run", "digest")
    # The report the failure queued goes out too, but it is not one the job queued.
    assert (result.exit_code, result.stdout) == (
        0, "digest: ok — messages 1\n1 message queued: 0 sent, 1 failed\n")
    [report] = [c for c in slack.calls_to("chat.postMessage") if c.status == 200
                and c.args["channel"] == "C0ADMINS01"]
    assert "not_in_channel" in report.text


def test_a_killed_jobs_run_says_what_it_left(database_url, tmp_path):
    """SIGTERM (a cron's timeout) ended `jobs run` without a word about its messages."""
    import os
    import signal
    import subprocess
    import sys

    with SlackEmulator(token=TOKEN) as emulator:
        emulator.fail("chat.postMessage", "http500", 10_000)
        emulator.fail("conversations.open", "http500", 10_000)
        env = {k: v for k, v in os.environ.items() if not k.startswith("SLACK_")}
        env.update(DATABASE_URL=database_url, CREDITBOT_CONFIG=str(ROOT / "app.yaml"),
                   SLACK_BOT_TOKEN=TOKEN, SLACK_API_URL=emulator.api_url)
        subprocess.run([sys.executable, "-m", "bot.cli", "demo"], env=env, check=True,
                       capture_output=True)
        run = subprocess.Popen([sys.executable, "-m", "bot.cli", "jobs", "run", "alerts"],
                               env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True)
        assert run.stderr is not None
        for line in run.stderr:
            if line.startswith("delivering "):  # the job ran; delivery began
                break
        run.send_signal(signal.SIGTERM)
        stdout, _ = run.communicate(timeout=30)
    assert run.returncode == 0
    ran, left = stdout.splitlines()
    assert ran.startswith("alerts: ok — ")
    assert re.fullmatch(rf"(\d+) messages queued: 0 sent, 0 failed; \1 left for "
                        rf"{re.escape(RUNNING_BOT)}(: the next try is at "
                        r"\d\d:\d\d:\d\d Asia/Shanghai, after its last try failed "
                        r"\(“fatal_error \(http 500\)”\))?", left), left


@pytest.mark.parametrize("name", ["alerts", "collections"])
def test_jobs_run_on_a_holiday_says_so_and_runs_when_told_to(cli, engine, monkeypatch,
                                                             tmp_path, name):
    # "alerts: ok — holiday 1" left the operator who ran it by hand wondering what had
    # run, and with no way to run it that day.
    today = datetime.now(SHANGHAI).date()
    config = tmp_path / "app.yaml"
    shipped = (ROOT / "app.yaml").read_text()
    assert shipped.count("    holidays: []") == 1
    config.write_text(shipped.replace("    holidays: []", f"    holidays: [{today}]"))
    monkeypatch.setenv("CREDITBOT_CONFIG", str(config))
    monkeypatch.delenv("SLACK_BOT_TOKEN", raising=False)
    result = cli("jobs", "run", name)
    assert (result.exit_code, result.stdout, result.stderr) == (
        0, f"{name}: nothing done — today, {today:%A} {today}, is one of the "
        "organisation's holidays (approvals.working_time.holidays in app.yaml); the next "
        "working day's run catches up. To run it today all the same: creditbot jobs run "
        f"{name} --on-holiday\n", "")
    result = cli("jobs", "run", name, "--on-holiday")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"{name}: ok — ") and "holiday" not in result.stdout
    assert [(r.outcome, r.counts == {"holiday": 1}) for r in runs(engine)] == [
        ("ok", True), ("ok", False)]


def test_on_holiday_is_refused_for_a_job_that_runs_on_holidays_anyway(cli, engine):
    # Accepted in silence, it let an operator think it had changed something.
    result = cli("jobs", "run", "housekeeping", "--on-holiday")
    assert (result.exit_code, result.stdout, result.stderr) == (
        1, "", "error: --on-holiday is for the jobs that do nothing on a holiday (alerts and "
        "collections); housekeeping runs on holidays as on any other day: creditbot jobs "
        "run housekeeping\n")
    assert runs(engine) == []


def test_a_holidays_run_reads_as_nothing_done_in_the_list(cli, engine, only_housekeeping):
    run_id = start_run(engine, "housekeeping", "vm:1", datetime.now(UTC))
    finish_run(engine, run_id, "ok", datetime.now(UTC), {"holiday": 1})
    shown = "\n".join(lines(cli("jobs", "list").stdout))
    assert "ok: nothing done: a holiday (the next working day's run catches up)" in " ".join(
        shown.split())


def test_a_run_killed_on_this_host_reads_as_abandoned_in_the_list(cli, engine,
                                                                  only_housekeeping):
    # kill -9 of `jobs run report`: "still running: nothing counted" until the next run,
    # though its process was gone on the very host that lists it.
    import subprocess

    from storage.host_processes import this_host

    gone = subprocess.Popen(["true"])
    gone.wait()
    host = f"{this_host()}:{gone.pid}"
    start_run(engine, "housekeeping", host, datetime.now(UTC) - timedelta(minutes=5))
    shown = " ".join("\n".join(lines(cli("jobs", "list").stdout)).split())
    assert f"abandoned: no end was recorded: its process ({host}) is gone" in shown
    assert "still running" not in shown
    # Another host's run may well be running: it is said so.
    start_run(engine, "housekeeping", "web-2:4242", datetime.now(UTC))
    shown = " ".join("\n".join(lines(cli("jobs", "list").stdout)).split())
    assert "running: nothing counted" in shown and "abandoned" not in shown
