"""What a check card reads of an account beside its position, per customer, through the
check's own driver-level reads (``storage.check_reads``): the held orders and the
collector (read since November) and the open credit notes (since 6 December), each timed
alone over the demo portfolio's 50 customers, best of 5 rounds, in one process. A
remembered check reads none of them; a cold check (the first after an import or
midnight) reads each once.

    python -m tests.bench.bench_card_reads [--rounds 40]

With ``CREDITBOT_TEST_POSTGRES_URL`` set, the same on PostgreSQL too."""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from datetime import date
from pathlib import Path

from bot.demo import load_demo_data
from storage.check_reads import SqlCheckReads
from storage.db import make_engine, upgrade
from tests.bench.bench_alerts import drop_postgres_database, postgres_database

DAY = date(2026, 11, 29)
DATABASE = "bench_card_reads"
READS = ("held_orders", "collecting", "credit_notes")


def _per_customer(reads: SqlCheckReads, read_name: str, ids: list[str], rounds: int) -> float:
    best = float("inf")
    for _ in range(5):
        with reads() as read:
            read.version()
            start = time.perf_counter()
            for _ in range(rounds):
                for customer_id in ids:
                    getattr(read, read_name)(customer_id)
            best = min(best, (time.perf_counter() - start) / (rounds * len(ids)))
    return best


def measure(url: str, label: str, rounds: int) -> None:
    engine = make_engine(url, create=True)
    upgrade(engine)
    load_demo_data(engine, DAY)
    reads = SqlCheckReads(engine)
    ids = [f"C{n:04d}" for n in range(1, 51)]
    for read_name in (*READS, *READS):  # twice: the first of each warms the caches
        took = _per_customer(reads, read_name, ids, rounds)
        print(f"{label:10s} {read_name:14s} {took * 1e6:8.1f} µs per customer")
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=40)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        measure(f"sqlite:///{Path(scratch) / 'cards.db'}", "SQLite", args.rounds)
    if os.environ.get("CREDITBOT_TEST_POSTGRES_URL"):
        url, _ = postgres_database(DATABASE, fresh=True)
        try:
            measure(url, "PostgreSQL", args.rounds)
        finally:
            drop_postgres_database(DATABASE)


if __name__ == "__main__":
    main()
