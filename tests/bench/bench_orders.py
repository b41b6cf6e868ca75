"""`/credit order` against `creditbot serve`, beside `/credit check` and the bare ack in
the same server and the same run (issue: can I ship this?).

    apt-get install wrk
    python -m tests.bench.bench_orders [--customers 20000 --invoices 1000000]
        [--seconds 10] [--workers 2] [--threads 8] [--only sqlite|postgresql]

The load is bench_serve's: wrk -t2 -c16 sends signed slash commands for 200 customers
(70 % by id, 30 % by name prefix), each with its own trigger_id. Four runs back to back:
  * baseline: a signed url_verification, answered with a bare ack;
  * check: `/credit check <customer>`;
  * check with an amount: `/credit check <customer> 1k` (the order rules, nothing
    recorded);
  * order: `/credit order <customer> 1k PO-<run>-<n>` (the order recorded, passed or held,
    with its audit entries; a hold queues the owner's note), a name in quotes
    (`"customer 01234"`: unquoted, the order grammar reads 01234 as the amount, and 30 %
    of the orders were refusals, not orders).
The orders an earlier run placed are deleted first, so runs compare. A Lua hook counts
the answers that carry what was asked for (a card, a verdict). The
ratios (order / check, CPU per request and p99) are what to read: the machine's speed
varies between runs, not within one.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import text

from bot.sandbox.emulator import TEAM_ID, SlackEmulator
from storage.db import make_engine, upgrade
from tests.bench.bench_serve import (
    CHECKS_PER_S,
    SECRET,
    TOKEN,
    ack_requests,
    cli,
    free_port,
    lua,
    measured,
    server_command,
    signed,
    workers_of,
    write_requests,
    wrk,
)
from tests.bench.datagen import (
    DATA,
    ROOT,
    customers_file,
    invoices_file,
    portfolio_files,
    rates_file,
)

CARD = '"type": "header"'
VERDICT = "to ship"  # "OK to ship", "not OK to ship", "Not OK to ship"


def load(url: str, customers: int, invoices: int) -> None:
    if (customers, invoices) == (20_000, 1_000_000):  # bench_serve's files, cached
        customers_path, invoices_path = customers_file(), invoices_file()
    else:
        customers_path, invoices_path = portfolio_files(customers, invoices)
    upgrade(make_engine(url, create=True))
    cli(url, "import", "customers", str(customers_path))
    cli(url, "import", "rates", str(rates_file()))
    cli(url, "import", "invoices", str(invoices_path))


def commands(emulator: SlackEmulator, count: int, customers: int, line: str,
             quoted: bool = False) -> Iterator[tuple[str, str, str]]:
    """``line`` with ``{query}``, ``{n}`` and ``{run}`` filled, for 200 customers in turn
    (``{run}`` is new each time: a reference placed by an earlier run would be refused as
    the same order placed again).
    ``quoted``: names in quotes, as an order needs a name with a number in it written
    (unquoted, ``customer 01234 1k`` reads 01234 as the amount)."""
    chosen = random.Random(3).sample(range(1, customers), 200)
    run = uuid.uuid4().hex[:8]
    for i in range(count):
        n = chosen[i % len(chosen)]
        name = f'"customer {n:05d}"' if quoted else f"customer {n:05d}"
        query = f"C{n:05d}" if n % 10 < 7 else name
        yield signed(urlencode({
            "team_id": TEAM_ID, "channel_id": "C01SALES000", "user_id": "U01SALESAMY",
            "user_name": "amy", "command": "/credit",
            "text": line.format(query=query, n=i, run=run),
            "api_app_id": "A0CREDITBOT", "response_url": emulator.new_response_url(),
            "trigger_id": f"{n}.{i}.{run}.bench"}))


def script(folder: Path, name: str, requests: Iterator[tuple[str, str, str]],
           marker: str = CARD) -> Path:
    write_requests(folder / f"{name}.txt", requests)
    path = folder / f"{name}.lua"
    path.write_text(lua(folder / f"{name}.txt").replace(CARD, marker))
    return path


def forget_orders(url: str) -> None:
    """Every run starts from the ERP's data alone: the orders an earlier run placed in
    creditbot count in the exposure for ``orders.pending_days``, so each run's orders
    would be checked against more of them than the last (order CPU 7 → 10 ms in two
    runs)."""
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM order_checks WHERE source = 'slack'"))
        conn.execute(text("DELETE FROM outbox WHERE kind LIKE 'orders.%'"))
    engine.dispose()


def bench(name: str, url: str, args: argparse.Namespace) -> dict[str, Any]:
    upgrade(make_engine(url))
    forget_orders(url)
    port = free_port()
    seconds = args.seconds
    with SlackEmulator(token=TOKEN) as emulator:
        env = {**os.environ, "DATABASE_URL": url, "SLACK_BOT_TOKEN": TOKEN,
               "SLACK_SIGNING_SECRET": SECRET, "SLACK_API_URL": emulator.api_url,
               "CREDITBOT_CONFIG": str(ROOT / "app.yaml"), "PORT": str(port)}
        server = subprocess.Popen(server_command(None, port, args.workers, args.threads),
                                  env=env, cwd=ROOT, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL)
        try:
            base = f"http://127.0.0.1:{port}"
            for _ in range(150):
                if server.poll() is not None:
                    raise SystemExit(f"[{name}] the server exited with {server.returncode}")
                try:
                    urllib.request.urlopen(base + "/healthz", timeout=1).close()
                    break
                except OSError:
                    time.sleep(0.2)
            for _ in range(150):
                if len(workers_of(server.pid)) >= args.workers:
                    break
                time.sleep(0.2)
            folder = DATA / f"wrk-orders-{uuid.uuid4().hex[:6]}"
            folder.mkdir()
            pool = seconds * CHECKS_PER_S
            n = args.customers
            ack = script(folder, "ack", iter(ack_requests()))
            warm = script(folder, "warm", commands(emulator, 3 * CHECKS_PER_S, n,
                                                   "check {query}"))
            check = script(folder, "check", commands(emulator, pool, n, "check {query}"))
            amount = script(folder, "amount", commands(emulator, pool, n, "check {query} 1k"),
                            VERDICT)
            order = script(folder, "order", commands(emulator, pool, n,
                                                     "order {query} 1k PO-{run}-{n}",
                                                     quoted=True),
                           VERDICT)
            wrk(base, warm, 3)
            time.sleep(2)
            results = {label: measured(server.pid, lambda s=s: wrk(base, s, seconds))
                       for label, s in (("ack", ack), ("check", check), ("check 1k", amount),
                                        ("order", order))}
            shutil.rmtree(folder)
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=30)
    print(f"\n[{name}] {args.customers:,} customers, {args.invoices:,} invoices; "
          f"{args.workers} workers x {args.threads} threads, wrk -c16, {seconds} s per run")
    check_result = results["check"]
    for label, r in results.items():
        answered = "" if label == "ack" else \
            f"  answered {r['cards']:.0f}/{r['requests']:.0f}"
        versus = "" if label in ("ack", "check") else (
            f"  vs check: req/s {r['rps'] / check_result['rps']:.2f}x, "
            f"p99 {r['p99'] / check_result['p99']:.2f}x, "
            f"CPU {r['cpu_ms'] / check_result['cpu_ms']:.2f}x")
        print(f"  {label:9} {r['rps']:7.0f} req/s  p50 {r['p50']:6.1f} ms  p99 {r['p99']:7.1f} "
              f"ms  CPU {r['cpu_ms']:.3f} ms/req  non-2xx {r['errors']:.0f}{answered}{versus}")
    return results


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=20_000)
    parser.add_argument("--invoices", type=int, default=1_000_000)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--only", choices=["sqlite", "postgresql"], default=None)
    args = parser.parse_args()
    if not shutil.which("wrk"):  # after --help, which needs no wrk
        raise SystemExit("wrk is not installed: apt-get install wrk")
    DATA.mkdir(exist_ok=True)
    size = f"{args.customers}-{args.invoices}"
    if args.only != "postgresql":
        db = DATA / f"orders-bench-{size}.db"
        if not db.exists():
            load(f"sqlite:///{db}", args.customers, args.invoices)
        bench("sqlite", f"sqlite:///{db}", args)
    pg = os.environ.get("CREDITBOT_TEST_POSTGRES_URL")
    if pg and args.only != "sqlite":
        from sqlalchemy.engine import make_url

        name = f"creditbot_orders_bench_{size.replace('-', '_')}"
        admin = make_engine(pg, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            exists = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :name"),
                                  {"name": name}).first()
            if not exists:
                conn.execute(text(f"CREATE DATABASE {name}"))
        url = make_url(pg).set(database=name).render_as_string(False)
        if not exists:
            load(url, args.customers, args.invoices)
        bench("postgresql", url, args)


if __name__ == "__main__":
    sys.exit(main())
