"""Generates the benchmark portfolio: 20,000 customers and 1,000,000 invoices, one of
the customers carrying 10,000 open invoices. Cached under bench-data/."""

from __future__ import annotations

import csv
import random
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "bench-data"
AS_OF = date(2026, 11, 29)
BIG_CUSTOMER = "C00000"
CURRENCIES = ("USD", "USD", "USD", "EUR", "CNY", "GBP")


def _cached(name: str, header: list[str], rows: Iterator[list[object]]) -> Path:
    """Writes the file once; later runs reuse it (a million rows take a while)."""
    path = DATA / name
    if not path.exists():
        DATA.mkdir(exist_ok=True)
        with path.open("w", newline="") as handle:
            out = csv.writer(handle)
            out.writerow(header)
            out.writerows(rows)
    return path


def _customers(count: int) -> Iterator[list[object]]:
    rng = random.Random(1)
    for n in range(count):
        kind = rng.choice(["Trading", "Supply", "Foods", "Steel"])
        yield [f"C{n:05d}", f"Customer {n:05d} {kind}", rng.choice(CURRENCIES),
               rng.randint(10, 5000) * 1000, rng.choice((30, 45, 60)), "Wholesale", "US",
               f"G{n // 4:05d}"]


def _invoices(rows: int, customers: int) -> Iterator[list[object]]:
    rng = random.Random(2)
    for n in range(rows):
        customer = BIG_CUSTOMER if n < 10_000 else f"C{rng.randrange(1, customers):05d}"
        issue = AS_OF - timedelta(days=rng.randint(0, 240))
        due = issue + timedelta(days=rng.choice((30, 45, 60)))
        amount = f"{rng.randint(100, 5_000_000) / 100:.2f}"
        paid = n >= 10_000 and rng.random() < 0.3
        yield [f"INV{n:08d}", customer, issue.isoformat(), due.isoformat(), amount,
               rng.choice(CURRENCIES), "0" if paid else amount, f"SO{n:08d}",
               "paid" if paid else "open"]


def customers_file(count: int = 20_000) -> Path:
    return _cached(f"customers-{count}.csv",
                   ["customer_id", "name", "currency", "credit_limit", "payment_terms_days",
                    "industry", "country", "group_id"], _customers(count))


def invoices_file(rows: int = 1_000_000, customers: int = 20_000) -> Path:
    return _cached(f"invoices-{rows}.csv",
                   ["invoice_id", "customer_id", "issue_date", "due_date", "amount",
                    "currency", "open_amount", "order_id", "status"],
                   _invoices(rows, customers))


def rates_file() -> Path:
    path = DATA / "rates.csv"
    path.parent.mkdir(exist_ok=True)
    path.write_text("date,currency,rate_to_base\n2026-11-01,EUR,1.08\n2026-11-01,CNY,0.138\n"
                    "2026-11-01,GBP,1.27\n")
    return path


def portfolio_files(customers: int, invoices: int) -> tuple[Path, Path]:
    """(customers file, invoices file) for a portfolio of another size, e.g. a small one
    for profiling. The invoice file name carries the customer count: invoices_file()'s
    name does not, and its ids must match the customers loaded with it."""
    invoices_path = _cached(f"invoices-{invoices}-of-{customers}.csv",
                            ["invoice_id", "customer_id", "issue_date", "due_date", "amount",
                             "currency", "open_amount", "order_id", "status"],
                            _invoices(invoices, customers))
    return customers_file(customers), invoices_path


# -- the alerts fan-out: a portfolio where many invoices have just become overdue ------

# Five sales departments, each with its channel; finance, legal and credit are the
# default routes' other channels (domain.alerts.routing.DEFAULT_ROUTES).
FANOUT_DEPARTMENTS = ("north", "south", "east", "west", "export")
FANOUT_CREDIT_MANAGERS = ("U0FANMGR001", "U0FANMGR002")
# Each customer's worst overdue bucket (days past due of its oldest overdue invoice), and
# how often: most late payers are a few weeks late, one in ten is past 90 days.
FANOUT_WORST_BUCKETS = ((1, 30, 0.50), (31, 60, 0.25), (61, 90, 0.15), (91, 180, 0.10))
# Exposure against the limit: most customers well within it, some near it, a few over.
FANOUT_UTILISATION = ((0.20, 0.79, 0.80), (0.80, 0.99, 0.12), (1.00, 1.50, 0.08))


def _pick(rng: random.Random, weighted: tuple[tuple[float, float, float], ...]
          ) -> tuple[float, float]:
    roll = rng.random()
    for low, high, share in weighted:
        if roll < share:
            return low, high
        roll -= share
    return weighted[-1][0], weighted[-1][1]


def fanout_channel(department: str) -> str:
    return f"C0FAN{department.upper():0<6.6}"


def fanout_app_yaml(directory: Path) -> Path:
    """An app.yaml with the five sales departments, finance, legal and credit (each its
    channel), two credit managers, and no alert routes: the default routes apply."""
    lines = ["organisation:", "  name: Fan-out Trading", "  base_currency: USD",
             "  timezone: Asia/Shanghai", "  locale: en-US", "departments:"]
    for n, key in enumerate(FANOUT_DEPARTMENTS):
        lines += [f"  {key}:", f"    name: Sales {key.title()}",
                  f"    channel: {fanout_channel(key)}", f"    members: [U0FANSALE{n:02d}]"]
    lines += ["  finance:", "    name: Finance", "    channel: C0FANFINANC",
              "    members: [U0FANFIN001]",
              "  legal:", "    name: Legal", "    channel: C0FANLEGAL0",
              "    members: [U0FANLEG001]",
              "  credit:", "    name: Credit", "    channel: C0FANCREDIT",
              f"    members: [{', '.join(FANOUT_CREDIT_MANAGERS)}]",
              "roles:", f"  credit_manager: [{', '.join(FANOUT_CREDIT_MANAGERS)}]",
              "aging:", "  bucket_edges: [30, 60, 90]"]
    path = directory / "app.yaml"
    path.write_text("\n".join(lines) + "\n")
    return path


def fanout_files(directory: Path, customers: int = 2_000, invoices: int = 10_000,
                 as_of: date = AS_OF, seed: int = 5) -> tuple[Path, Path]:
    """(customers file, invoices file): ``customers`` customers spread evenly over the
    five departments, ``invoices`` open invoices all past due on ``as_of`` (every
    customer has at least one). A customer's oldest invoice is in its worst bucket
    (FANOUT_WORST_BUCKETS); its others are between 1 day and that age. One invoice in a
    hundred is large (100,000-400,000 USD, above the default large-invoice alert);
    the others are 1,000-60,000 USD. Credit limits are set from each customer's exposure
    (FANOUT_UTILISATION), so a fifth of the customers also get a limit-use alert."""
    rng = random.Random(seed)
    counts = [1] * customers
    for _ in range(invoices - customers):
        counts[rng.randrange(customers)] += 1
    invoice_rows: list[list[object]] = []
    limits: list[int] = []
    for n, count in enumerate(counts):
        worst = rng.randint(*map(int, _pick(rng, FANOUT_WORST_BUCKETS)))
        total = 0
        for k in range(count):
            days = worst if k == 0 else rng.randint(1, worst)
            due = as_of - timedelta(days=days)
            large = rng.random() < 0.01
            amount = rng.randint(100_000_00, 400_000_00) if large else \
                rng.randint(1_000_00, 60_000_00)
            total += amount
            invoice_rows.append([f"FI{len(invoice_rows):07d}", f"F{n:05d}",
                                 (due - timedelta(days=30)).isoformat(), due.isoformat(),
                                 f"{amount / 100:.2f}", "USD", f"{amount / 100:.2f}", "",
                                 "open"])
        used = rng.uniform(*_pick(rng, FANOUT_UTILISATION))
        limits.append(max(1000, round(total / 100 / used / 1000) * 1000))
    customers_path = directory / f"fanout-customers-{customers}.csv"
    with customers_path.open("w", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(["customer_id", "name", "currency", "credit_limit",
                      "payment_terms_days", "industry", "country", "department"])
        for n, limit in enumerate(limits):
            out.writerow([f"F{n:05d}", f"Fan-out Customer {n:05d}", "USD", limit, 30,
                          "Wholesale", "US", FANOUT_DEPARTMENTS[n % len(FANOUT_DEPARTMENTS)]])
    invoices_path = directory / f"fanout-invoices-{invoices}.csv"
    with invoices_path.open("w", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(["invoice_id", "customer_id", "issue_date", "due_date", "amount",
                      "currency", "open_amount", "order_id", "status"])
        out.writerows(invoice_rows)
    return customers_path, invoices_path
