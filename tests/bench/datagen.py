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
