"""``creditbot scheduler``: stand for leadership and run the scheduled jobs while leading."""

from __future__ import annotations

import logging
import os
import signal
import threading
from types import FrameType

import click

from bot.cli.common import _services, friendly_errors
from bot.config_record import SERVE_CHILD, config_on_record
from storage.db import guard_jobs


@click.command(short_help="Run the scheduled jobs (one process per deployment leads).")
@friendly_errors
def scheduler() -> None:
    """Run the scheduled jobs until Ctrl-C or SIGTERM, and deliver queued messages.

    Start one on every host you like: the one holding the database lease `scheduler`
    runs the jobs, the others stand by and take over if it stops. Each, leader or
    standby, delivers the outbox to Slack (SLACK_BOT_TOKEN, SLACK_API_URL).
    `creditbot serve` starts one itself unless given --no-scheduler."""
    from bot.delivery import jobs_client, start_beside_candidate
    from bot.scheduler import Candidate, job_context, scheduled_jobs
    from bot.serve import configure_logging, verify_token
    from handlers.features import catalogue

    services = _services()
    guard_jobs(services.engine)
    config = services.config
    configure_logging(services.settings.log_level)
    if not os.environ.get(SERVE_CHILD):
        if services.settings.slack_bot_token is not None:
            # As serve does (its child is checked by it): a revoked token logged three
            # lines per queued message a minute, the scheduler leading all the while.
            verify_token(services.settings, scheduler=True)
        config_on_record(services, "scheduler")
    # APScheduler logs two lines per run; the scheduler logs each run's counts itself.
    logging.getLogger("apscheduler.executors").setLevel(logging.WARNING)
    stop = threading.Event()

    def stop_on_signal(_signal: int, _frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, stop_on_signal)
    signal.signal(signal.SIGINT, stop_on_signal)
    candidate = Candidate(services.engine, scheduled_jobs(catalogue().jobs, config),
                          config.organisation.zone, config.scheduler.lease_seconds,
                          lambda: job_context(services.engine, config,
                                              slack=jobs_client(services.settings)))
    sender = start_beside_candidate(services.settings, config, services.engine, stop)
    try:
        candidate.run(stop)
    finally:
        stop.set()
        if sender is not None:
            sender.join()
