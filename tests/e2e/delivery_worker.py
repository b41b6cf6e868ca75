"""A sender in a process of its own, for the tests that race senders or kill one:

    python -m tests.e2e.delivery_worker DATABASE_URL API_URL TOKEN LEASE_SECONDS

It delivers until no row is left to send, then exits 0."""

from __future__ import annotations

import sys
import time
from datetime import timedelta

from sqlalchemy import func, select

from handlers.delivery.sender import Sender, delivery_client
from storage.db import make_engine
from storage.models import OutboxRow
from storage.outbox import OutboxStore


def main(url: str, api_url: str, token: str, lease_seconds: str) -> int:
    engine = make_engine(url)
    sender = Sender(OutboxStore(engine), delivery_client(token, api_url, timeout=5),
                    lease=timedelta(seconds=float(lease_seconds)),
                    interval=timedelta(milliseconds=20), backoff_base=timedelta(seconds=0.1),
                    settle=timedelta(seconds=0.5), batch_size=20)
    left = select(func.count()).select_from(OutboxRow).where(
        OutboxRow.sent_at.is_(None), OutboxRow.failed_at.is_(None))
    while True:
        try:
            report = sender.deliver_due()
        except Exception as problem:  # SQLite's lock wait can run out under the race
            print(f"pass failed: {problem}", file=sys.stderr)
            time.sleep(0.05)
            continue
        if report.sent == report.retried == report.failed == 0:
            with engine.connect() as conn:
                if conn.execute(left).scalar() == 0:
                    return 0
            time.sleep(0.05)


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:5]))
