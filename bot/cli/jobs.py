"""``creditbot jobs``: the scheduled jobs, their last and next runs; run one now."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta, tzinfo
from typing import TYPE_CHECKING

import click
from rich import box
from rich.table import Table
from rich.text import Text

from bot.cli.common import _fail, _services, err, friendly_errors, out, sigterm_as_interrupt
from bot.log_lines import counts_text
from bot.terminal import print_at_least
from storage.host_processes import ended_here
from storage.jobs import JobRun

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from bot.wiring import Services
    from handlers.delivery.sender import Sender
    from handlers.registry import Job
    from storage.outbox_progress import OutboxProgress


@click.group()
def jobs() -> None:
    """The scheduled jobs: list them, or run one now."""


def _when(moment: datetime | None, zone: tzinfo) -> str:
    return "—" if moment is None else moment.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S")




def _last_run(run: JobRun | None, zone: tzinfo) -> Text:
    if run is None:
        return Text("never")
    if run.finished_at is None and ended_here(run.host, run.started_at):
        # Killed (kill -9) on this host: "still running" until the next run marked it.
        cell = Text(f"{_when(run.started_at, zone)} to —\n")
        cell.append("abandoned", style="bold red")
        cell.append(f": no end was recorded: its process ({run.host}) is gone")
        return cell
    ended = ("still running" if run.finished_at is None else
             _when(run.finished_at, zone).removeprefix(_when(run.started_at, zone)[:11]))
    cell = Text(f"{_when(run.started_at, zone)} to {ended}\n")
    cell.append(run.outcome, style={"ok": "green", "failed": "bold red"}.get(run.outcome, ""))
    cell.append(f": {run.error}" if run.error else f": {counts_text(run.counts)}")
    return cell


@jobs.command("list")
@friendly_errors
def jobs_list() -> None:
    """Each job: its schedule, its last run and its next run."""
    from bot.scheduler import scheduled_jobs
    from handlers.features import catalogue
    from storage.jobs import last_runs, next_run_times

    services = _services()
    zone = services.config.organisation.zone
    last = last_runs(services.engine)
    upcoming = next_run_times(services.engine)
    entries = scheduled_jobs(catalogue().jobs, services.config)
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, padding=(0, 0),
                  caption=f"Times in {services.config.organisation.timezone}.",
                  caption_justify="left")
    table.add_column("Job", no_wrap=True)
    table.add_column("Schedule", no_wrap=True)
    table.add_column("Last run", overflow="fold", ratio=1, min_width=_LAST_RUN_MIN)
    table.add_column("Next run", no_wrap=True)
    for entry in entries:
        name = entry.job.name
        table.add_row(name, entry.schedule, _last_run(last.get(name), zone),
                      _next_run(upcoming.get(name), zone))
    _print_whole(table)
    out.print(_leader(services.engine, zone), markup=False, soft_wrap=True)
    for entry in entries:
        out.print(f"{entry.job.name}: {entry.job.summary}", markup=False, soft_wrap=True)


def _leader(engine: Engine, zone: tzinfo) -> str:
    """Which process runs the jobs now (the scheduler lease's holder): an operator had to
    read the logs or the leases table to know."""
    from storage.leases import SCHEDULER_LEASE, holder_of

    lease = holder_of(engine, SCHEDULER_LEASE)
    if lease is None:
        return ("Scheduler: none runs on this database now; the jobs run once a creditbot "
                "serve or creditbot scheduler starts.")
    return (f"Scheduler: led by {lease.holder} since {_when(lease.acquired_at, zone)}, its "
            f"lease renewed until {_when(lease.expires_at, zone)}.")


# Wide enough for "2026-11-30 03:15:00 to 03:15:02" on one line.
_LAST_RUN_MIN = 31


def _print_whole(table: Table) -> None:
    """Only the last run wraps; in a terminal too narrow for the other columns the table
    is printed wider (the terminal wraps its lines) rather than cut a value short."""
    for column in table.columns:
        if column.no_wrap:
            column.min_width = max(Text(line).cell_len
                                   for cell in (column.header, *column.cells)
                                   for line in str(cell).splitlines())
    print_at_least(out, table, sum(c.min_width or 0 for c in table.columns)
                   + len(table.columns) - 1)


def _next_run(stored: datetime | None, zone: tzinfo) -> str:
    # Before any scheduler has led, the job store knows nothing yet.
    if stored is None:
        return "once a scheduler runs"
    # Nobody leads now: the missed run happens once when a scheduler comes back.
    overdue = "\noverdue" if stored < datetime.now(UTC) else ""
    return _when(stored, zone) + overdue


# How long `jobs run` goes on delivering what its job queued before leaving the rest to
# the running bot, and how often it says how far it got (Slack's pace is about one
# message a second per channel: a digest to each of 200 people takes a while).
DELIVERY_CAP = timedelta(minutes=10)
PROGRESS_EVERY = timedelta(seconds=10)
# With Slack unreachable every try fails and is retried later and later: after this long
# without one message sent or given up, the running bot is left to go on trying.
DELIVERY_STALL = timedelta(minutes=2)
RUNNING_BOT = "the running bot (creditbot serve or creditbot scheduler)"


@jobs.command("run")
@click.argument("name")
@click.option("--no-deliver", is_flag=True,
              help="Leave the messages the job queued to the running bot instead of "
                   "delivering them from this process.")
@click.option("--on-holiday", is_flag=True,
              help="Run the alerts or collections job even on one of the organisation's "
                   "holidays (approvals.working_time.holidays), where it does nothing "
                   "otherwise. The other jobs run on holidays anyway.")
@friendly_errors
def jobs_run(name: str, no_deliver: bool, on_holiday: bool) -> None:
    """Run job NAME now, in this process, and record the run.

    Messages the job queued are delivered before it exits (at most 10 minutes, then the
    running bot delivers the rest), unless given --no-deliver or without SLACK_BOT_TOKEN."""
    from handlers.features import catalogue
    from storage.outbox_progress import last_message_id

    # The name and flags first: a typo is answered without a database.
    jobs = catalogue()
    known = {job.name: job for job in jobs.jobs}
    job = known.get(name)
    if job is None:
        meant = jobs.job_meant(name)
        guess = f" (did you mean {meant.name}?)" if meant is not None else ""
        _fail(f"there is no job called {name}{guess}; the jobs are: {', '.join(known)}")
    if on_holiday and not job.keeps_holidays:
        # Accepted in silence, it let an operator think it had changed something.
        keeping = " and ".join(j.name for j in known.values() if j.keeps_holidays)
        _fail(f"--on-holiday is for the jobs that do nothing on a holiday ({keeping}); "
              f"{name} runs on holidays as on any other day: creditbot jobs run {name}")
    services = _services()
    before = last_message_id(services.engine)
    # A kill (a cron's timeout) ends as Ctrl-C does, during the job (the run recorded as
    # interrupted) and during its delivery (the line saying what is left).
    with sigterm_as_interrupt():
        _run_and_deliver(name, job, services, no_deliver, before, on_holiday)


def _run_and_deliver(name: str, job: Job, services: Services, no_deliver: bool,
                     before: int, on_holiday: bool = False) -> None:
    """Runs the job and delivers what it queued after outbox id ``before``."""
    from bot.delivery import build_sender, jobs_client
    from bot.scheduler import INTERRUPTED, holder_name, job_context, run_job
    from storage.outbox_progress import last_message_id, progress_since

    waiting_before = progress_since(services.engine, 0, before).pending
    try:
        result = run_job(services.engine, job, job_context(
            services.engine, services.config, slack=jobs_client(services.settings),
            on_holiday=on_holiday), holder_name())
    except KeyboardInterrupt:
        _fail(f"{name} was {INTERRUPTED}; its run is recorded so, and what it committed "
              f"before is delivered by {RUNNING_BOT}")
    if result.outcome == "ok" and result.counts == HOLIDAY:
        out.print(_holiday(name, services.config.organisation.zone), markup=False,
                  soft_wrap=True)
    elif result.outcome == "ok":
        out.print(f"{name}: ok — {counts_text(result.counts)}", markup=False, soft_wrap=True)
    # Even a failed job may have committed messages before it failed: they go out too.
    last = last_message_id(services.engine)
    queued = progress_since(services.engine, before, last).queued
    if queued:
        sender = None if no_deliver else build_sender(services.settings, services.config,
                                                      services.engine)
        if sender is None:
            # Without a token this process cannot deliver; someone who forgot to set it
            # must not take the message for "delivered".
            why = "" if no_deliver else "SLACK_BOT_TOKEN is not set here, so "
            them = "them" if queued > 1 else "it"
            out.print(f"{_messages(queued)} queued; {why}{RUNNING_BOT} delivers {them}",
                      markup=False, soft_wrap=True)
        else:
            _deliver(sender, services.engine, before, last, queued,
                     services.config.organisation.zone)
    if result.outcome == "ok":
        _earlier_waiting(services.engine, before, waiting_before)
    else:
        _fail(f"{name} failed: {result.error}")


# What the jobs that keep the organisation's holidays count on one.
HOLIDAY = {"holiday": 1}


def _holiday(name: str, zone: tzinfo) -> str:
    # "ok — holiday 1" left an operator who ran it by hand wondering what had run.
    today = datetime.now(zone).date()
    return (f"{name}: nothing done — today, {today:%A} {today.isoformat()}, is one of the "
            f"organisation's holidays (approvals.working_time.holidays in app.yaml); the "
            f"next working day's run catches up. To run it today all the same: creditbot "
            f"jobs run {name} --on-holiday")


def _earlier_waiting(engine: Engine, before: int, waiting_before: int) -> None:
    """Messages queued before this run: those its delivery took along (an import's
    held-order notes: Slack got more posts than the summary counted), and those not
    delivered yet (a run killed while it delivered, a bot that is down), which a rerun
    saying only "ok" let wait unnoticed."""
    from storage.outbox_progress import progress_since

    earlier = progress_since(engine, 0, before).pending
    delivered = waiting_before - earlier
    if delivered > 0:
        out.print(f"{_messages(delivered)} queued before this run (by an import, a job or "
                  "the bot) went out with it", markup=False, soft_wrap=True)
    if earlier:
        verb, them = ("is", "it") if earlier == 1 else ("are", "them")
        out.print(f"{_messages(earlier)} queued before this run {verb} still to be delivered: "
                  f"{RUNNING_BOT} delivers {them}; if none is running, start one",
                  markup=False, soft_wrap=True)


def _messages(count: int) -> str:
    return f"{count} message{'' if count == 1 else 's'}"


def _deliver(sender: Sender, engine: Engine, before: int, last: int, queued: int,
             zone: tzinfo) -> None:
    from bot.delivery import deliver_queued
    from storage.outbox_progress import next_try, progress_since

    def waiting(soon_too: bool = False) -> str:
        """When the next try is, if it is a while off (or ``soon_too``, after Slack
        failed): a retry, which holds the channel's later messages, theirs or an
        earlier job's."""
        upcoming = next_try(engine, before, last)
        if upcoming is None or not (
                upcoming.at > datetime.now(UTC) + timedelta(seconds=2)
                or (soon_too and upcoming.last_error)):
            return ""
        after = (f", after its last try failed (“{upcoming.last_error}”)"
                 if upcoming.last_error else "")
        # In the organisation's zone, named: the sender's own log lines say UTC.
        return f"the next try is at {_when(upcoming.at, zone)[11:]} {zone}{after}"

    def report(progress: OutboxProgress) -> None:
        pace = waiting() or "about one a second per channel"
        err.print(f"delivering: {progress.sent} of {_messages(progress.queued)} sent, "
                  f"{progress.failed} failed, {progress.pending} to go ({pace})",
                  markup=False, soft_wrap=True)

    # The sender's line per failed try (forty with Slack unreachable) is the running bot's
    # log; here the progress line says the same once every ten seconds.
    sender_log = logging.getLogger("creditbot.delivery.sender")
    level = sender_log.level
    sender_log.setLevel(logging.ERROR)
    try:
        err.print(f"delivering {_messages(queued)} at Slack's pace; Ctrl-C leaves them to "
                  f"{RUNNING_BOT}", markup=False, soft_wrap=True)
        done = deliver_queued(sender, engine, before, DELIVERY_CAP, report, PROGRESS_EVERY,
                              upto=last, stall=DELIVERY_STALL)
    except KeyboardInterrupt:
        done = progress_since(engine, before, last)
    finally:
        sender_log.setLevel(level)
    left = ""
    if done.pending:
        why = waiting(soon_too=True)
        left = f"; {done.pending} left for {RUNNING_BOT}" + (f": {why}" if why else "")
    out.print(f"{_messages(done.queued)} queued: {done.sent} sent, {done.failed} failed{left}",
              markup=False, soft_wrap=True)
