"""The bundled demo portfolio: ~50 customers of a trading company, in five currencies.

Generated, not shipped as files, so that its dates sit around "today": an export
frozen on one day would, a month later, show every invoice in the 90+ bucket. The
generator is seeded, so the same anchor date always gives the same data.
"""

from __future__ import annotations

import csv
import dataclasses
import random
import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from sqlalchemy import Engine

from domain.imports import KINDS
from domain.model import FINANCIAL_FIELDS
from domain.orders.ports import NoOrderNotices
from domain.orders.use_cases import OrderChecks
from domain.text import N_
from storage.csv_source import CsvFile
from storage.importer import CsvImporter, ImportReport

# (name, industry, country, currency, size, payment behaviour, group)
# behaviour: "prompt" pays on time, "slow" pays late, "troubled" stops paying.
_CUSTOMERS: tuple[tuple[str, str, str, str, str, str, str | None], ...] = (
    ("Acme Industrial Supply", "Industrial equipment", "US", "USD", "large", "prompt", None),
    ("Acme Packaging", "Packaging", "US", "USD", "mid", "slow", None),
    ("Blue Harbor Foods", "Food & beverage", "US", "USD", "mid", "prompt", None),
    ("Cascade Timber Products", "Building materials", "CA", "USD", "mid", "slow", None),
    ("Delta Electronics Distribution", "Electronics", "US", "USD", "large", "prompt", None),
    ("Evergreen Pharmacy Group", "Healthcare", "US", "USD", "large", "prompt", None),
    ("Frontier Auto Parts", "Automotive", "US", "USD", "mid", "troubled", None),
    ("Golden Gate Textiles", "Textiles", "US", "USD", "small", "slow", None),
    ("Harborview Marine Services", "Logistics", "US", "USD", "small", "prompt", None),
    ("Ironclad Construction", "Construction", "US", "USD", "large", "slow", None),
    ("Juniper Office Solutions", "Office supplies", "US", "USD", "small", "prompt", None),
    ("Keystone Chemicals", "Chemicals", "US", "USD", "large", "prompt", None),
    ("Lakeside Furniture Outlet", "Retail", "US", "USD", "small", "troubled", None),
    ("Meridian Medical Devices", "Healthcare", "US", "USD", "mid", "prompt", None),
    ("Northstar Agricultural Co-op", "Agriculture", "US", "USD", "mid", "slow", None),
    ("Bergmann Maschinenbau GmbH", "Industrial equipment", "DE", "EUR", "large", "prompt",
     "NORDIC-HOLD"),
    ("Bergmann Service GmbH", "Industrial services", "DE", "EUR", "small", "slow",
     "NORDIC-HOLD"),
    ("Costa Verde Alimentos S.L.", "Food & beverage", "ES", "EUR", "mid", "slow", None),
    ("Dupont & Fils SARL", "Wine & spirits", "FR", "EUR", "small", "prompt", None),
    ("Eriksen Shipping A/S", "Logistics", "DK", "EUR", "large", "prompt", "NORDIC-HOLD"),
    ("Fabbrica Rossi S.p.A.", "Textiles", "IT", "EUR", "mid", "troubled", None),
    ("Groot Bouwmaterialen B.V.", "Building materials", "NL", "EUR", "mid", "prompt", None),
    ("Hofmann Elektro AG", "Electronics", "AT", "EUR", "mid", "slow", None),
    ("Lindqvist Papper AB", "Paper & pulp", "SE", "EUR", "small", "prompt", None),
    ("Moreau Logistique SAS", "Logistics", "FR", "EUR", "mid", "troubled", None),
    ("华夏机械制造有限公司", "Industrial equipment", "CN", "CNY", "large", "prompt", "HUAXIA"),
    ("华夏物流有限公司", "Logistics", "CN", "CNY", "mid", "slow", "HUAXIA"),
    ("华夏建材贸易有限公司", "Building materials", "CN", "CNY", "mid", "troubled", "HUAXIA"),
    ("Shenzhen Brightstar Electronics", "Electronics", "CN", "CNY", "large", "prompt", None),
    ("Hangzhou Silk Road Textiles", "Textiles", "CN", "CNY", "mid", "slow", None),
    ("Chengdu Panda Foods", "Food & beverage", "CN", "CNY", "small", "prompt", None),
    ("Wuhan Yangtze Steel Trading", "Metals", "CN", "CNY", "large", "slow", None),
    ("Qingdao Ocean Fisheries", "Food & beverage", "CN", "CNY", "mid", "troubled", None),
    ("Tianjin Harbour Chemicals", "Chemicals", "CN", "CNY", "mid", "prompt", None),
    ("Xiamen Coastal Furniture", "Furniture", "CN", "CNY", "small", "slow", None),
    ("Albion Engineering Ltd", "Industrial equipment", "GB", "GBP", "mid", "prompt", None),
    ("Brighton Fine Foods Ltd", "Food & beverage", "GB", "GBP", "small", "slow", None),
    ("Caledonia Whisky Traders", "Wine & spirits", "GB", "GBP", "mid", "prompt", None),
    ("Dover Freight Forwarding", "Logistics", "GB", "GBP", "small", "troubled", None),
    ("Exeter Medical Supplies", "Healthcare", "GB", "GBP", "mid", "prompt", None),
    ("Fenwick Retail Group", "Retail", "GB", "GBP", "large", "slow", None),
    ("Aoyama Precision Co., Ltd.", "Industrial equipment", "JP", "JPY", "large", "prompt", None),
    ("Kobayashi Trading K.K.", "Wholesale", "JP", "JPY", "mid", "slow", None),
    ("Sakura Foods Co., Ltd.", "Food & beverage", "JP", "JPY", "mid", "prompt", None),
    ("Tanaka Electronics K.K.", "Electronics", "JP", "JPY", "small", "troubled", None),
    ("Osaka Steel Works", "Metals", "JP", "JPY", "large", "prompt", None),
    ("Pacific Rim Importers", "Wholesale", "SG", "USD", "mid", "slow", None),
    ("Quantum Solar Systems", "Energy", "US", "USD", "mid", "prompt", None),
    ("Redwood Paper Mills", "Paper & pulp", "US", "USD", "mid", "slow", None),
    ("Summit Outdoor Gear", "Retail", "US", "USD", "small", "prompt", None),
)

# The Chinese legal names of the Chinese customers the ERP knows by an English name
# (those named in Chinese have none): people may type either. Kept apart from
# _CUSTOMERS so that the seeded figures stay what they were.
_LOCAL_NAMES = {
    "Shenzhen Brightstar Electronics": "深圳明亮之星电子有限公司",
    "Hangzhou Silk Road Textiles": "杭州丝绸之路纺织品有限公司",
    "Chengdu Panda Foods": "成都熊猫食品有限公司",
    "Wuhan Yangtze Steel Trading": "武汉长江钢铁贸易有限公司",
    "Qingdao Ocean Fisheries": "青岛海洋渔业有限公司",
    "Tianjin Harbour Chemicals": "天津海港化工有限公司",
    "Xiamen Coastal Furniture": "厦门海岸家具有限公司",
}

# How many units of each currency one US dollar is worth, roughly; the base is USD.
_PER_USD = {"USD": Decimal(1), "EUR": Decimal("0.92"), "GBP": Decimal("0.79"),
            "CNY": Decimal("7.24"), "JPY": Decimal("151.0")}
_LIMIT_USD = {"small": (20_000, 80_000), "mid": (100_000, 400_000), "large": (500_000, 2_500_000)}
_TERMS = (30, 30, 45, 60, 60, 90)
_SALES = ("U01SALESAMY", "U01SALESBEN", "U01SALESCHO")


@dataclass(frozen=True)
class DemoFiles:
    directory: Path
    # As a day's imports run: the invoices before the orders, which are reviewed against them.
    order: tuple[str, ...] = ("rates", "customers", "contracts", "invoices", "orders", "payments")

    def path(self, kind: str) -> Path:
        return self.directory / f"{kind}.csv"


def _places(currency: str) -> Decimal:
    return Decimal(1) if currency == "JPY" else Decimal("0.01")


_TWO_TO_53 = Decimal(2**53)


def _between(rng: random.Random, low: Decimal | int, high: Decimal | int,
             places: Decimal | None = Decimal("0.01")) -> Decimal:
    """A random number from ``low`` to ``high``, rounded to ``places`` (None: not rounded),
    without floats.

    The fraction is built from two 32-bit draws exactly as ``random.random()`` builds its
    float (27 + 26 bits over 2**53), so the seeded stream, and with it every figure of
    the demo, is what the float version drew, now free of binary rounding."""
    high_bits, low_bits = rng.getrandbits(32) >> 5, rng.getrandbits(32) >> 6
    fraction = Decimal(high_bits * 2**26 + low_bits) / _TWO_TO_53
    value = Decimal(low) + (Decimal(high) - Decimal(low)) * fraction
    return value if places is None else value.quantize(places)


def _money(rng: random.Random, low_usd: int, high_usd: int, currency: str) -> Decimal:
    usd = _between(rng, low_usd, high_usd)
    return (usd * _PER_USD[currency]).quantize(_places(currency))


def _round_limit(value: Decimal) -> Decimal:
    step = Decimal(10) ** max(len(str(int(value))) - 2, 0)
    return (value / step).to_integral_value() * step


def _write(path: Path, header: Sequence[str], rows: Iterable[Sequence[object]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)


def write_demo_data(directory: Path, today: date, seed: int = 20261129,
                    base: str = "USD") -> DemoFiles:
    """The demo's CSV files in ``directory``. Its rates are priced in ``base`` when that is
    one of the demo's currencies (see ``demo_base``), else in US dollars."""
    base = demo_base(base)
    rng = random.Random(seed)
    directory.mkdir(parents=True, exist_ok=True)
    files = DemoFiles(directory)

    rates = []
    for days_ago in range(30, -1, -1):
        day = today - timedelta(days=days_ago)
        # Each day's price of a currency in US dollars (drawn in the same order whatever
        # the base, so that every other figure of the demo stays the same), then in the base.
        in_usd = {"USD": Decimal(1)}
        for currency, per_usd in _PER_USD.items():
            if currency != "USD":
                drift = _between(rng, Decimal("-0.01"), Decimal("0.01"), Decimal("0.0001"))
                in_usd[currency] = Decimal(1) / per_usd * (1 + drift)
        for currency, price in in_usd.items():
            if currency != base:
                rates.append((day.isoformat(), currency,
                              (price / in_usd[base]).quantize(Decimal("0.00000001"))))
    _write(files.path("rates"), ("date", "currency", "rate_to_base"), rates)

    customers, contracts, orders, invoices, payments = [], [], [], [], []
    for n, (name, industry, country, currency, size, behaviour, group) in enumerate(_CUSTOMERS, 1):
        cid = f"C{n:04d}"
        terms = rng.choice(_TERMS)
        limit = _round_limit(_money(rng, *_LIMIT_USD[size], currency))
        revenue = limit * rng.randint(8, 25)
        assets = revenue * _between(rng, Decimal("0.5"), Decimal("1.2"))
        liabilities = assets * _between(rng, Decimal("0.3"), Decimal(
            "0.9" if behaviour != "troubled" else "1.1"))
        customers.append((
            cid, name, currency, limit, terms, industry, country, _SALES[n % 3],
            "sales", group or "", revenue, assets.quantize(Decimal(1)),
            liabilities.quantize(Decimal(1)), (assets * Decimal("0.45")).quantize(Decimal(1)),
            (liabilities * Decimal("0.6")).quantize(Decimal(1)),
            (assets * Decimal("0.1")).quantize(Decimal(1)),
            (revenue * _between(rng, Decimal("-0.02" if behaviour == "troubled" else "0.03"),
                                Decimal("0.12"), Decimal("0.001"))).quantize(Decimal(1)),
            (assets - liabilities).quantize(Decimal(1)), rng.randint(1965, 2018),
            _LOCAL_NAMES.get(name, ""),
        ))
        start = today - timedelta(days=rng.randint(200, 700))
        end = today + timedelta(days=rng.choice((12, 25, 45, 120, 200, 300, 365)))
        contracts.append((f"K{n:04d}", cid, start.isoformat(), end.isoformat(), terms,
                          limit, currency))

        # Invoice sizes scale with the limit so exposure lands near it for some customers.
        typical = limit / 13
        for i in range(rng.randint(8, 30)):
            issue = today - timedelta(days=rng.randint(0, 200))
            due = issue + timedelta(days=terms)
            amount = (typical * _between(rng, Decimal("0.2"), Decimal("1.0"), None)).quantize(
                _places(currency))
            late_by = (today - due).days
            paid = {"prompt": late_by > 3 and rng.random() < 0.97,
                    "slow": late_by > 45 and rng.random() < 0.85,
                    "troubled": late_by > 120 and rng.random() < 0.4}[behaviour]
            status, open_amount = ("paid", Decimal(0)) if paid else ("open", amount)
            if not paid and late_by > 0 and rng.random() < 0.2:
                open_amount = (amount * Decimal("0.5")).quantize(amount)  # part-paid
            if not paid and late_by > 20 and rng.random() < 0.08:
                status = "disputed"
            iid = f"INV-{n:04d}-{i:03d}"
            order_id = f"SO-{n:04d}-{i:03d}"
            invoices.append((iid, cid, issue.isoformat(), due.isoformat(), amount, currency,
                             open_amount, order_id, status))
            orders.append((order_id, cid, (issue - timedelta(days=3)).isoformat(), amount,
                           currency, "invoiced", f"K{n:04d}", _SALES[n % 3]))
            received = amount - open_amount
            if received > 0:
                pay_day = min(due + timedelta(days=max(late_by // 2, 0)), today)
                payments.append((f"PAY-{n:04d}-{i:03d}", cid, pay_day.isoformat(), received,
                                 currency, iid))
        for j in range(rng.randint(0, 3)):
            status = rng.choice(("open", "open", "shipped", "cancelled"))
            amount = (typical * _between(rng, Decimal("0.2"), Decimal("0.9"), None)).quantize(
                _places(currency))
            orders.append((f"SO-{n:04d}-9{j:02d}", cid,
                           (today - timedelta(days=rng.randint(0, 10))).isoformat(),
                           amount, currency, status, f"K{n:04d}", _SALES[n % 3]))

    _write(files.path("customers"), (
        "customer_id", "name", "currency", "credit_limit", "payment_terms_days", "industry",
        "country", "owner_slack_id", "department", "group_id", *FINANCIAL_FIELDS,
        "established_year", "name_local"), customers)
    _write(files.path("contracts"), ("contract_id", "customer_id", "start_date", "end_date",
                                     "payment_terms_days", "credit_limit", "currency"), contracts)
    _write(files.path("orders"), ("order_id", "customer_id", "order_date", "amount", "currency",
                                  "status", "contract_id", "owner_slack_id"), orders)
    _write(files.path("invoices"), ("invoice_id", "customer_id", "issue_date", "due_date",
                                    "amount", "currency", "open_amount", "order_id", "status"),
           invoices)
    _write(files.path("payments"), ("payment_id", "customer_id", "date", "amount", "currency",
                                    "invoice_id"), payments)
    return files


def review_demo_orders(orders: OrderChecks) -> dict[str, int]:
    """The demo's open ERP orders checked as a first import of them would (holds
    recorded and audited), without the owners' notes: they are the portfolio's starting
    state, not news. Left unreviewed, the first import of any file in the sandbox held two
    dozen of them and messaged every owner."""
    return dataclasses.replace(orders, notices=NoOrderNotices()).review_imported()


DEMO_RATES_IN_USD = N_("The demo's exchange rates are priced in US dollars, not in your "
                       "base currency {base}, so its figures that need converting show as "
                       "missing a rate. Its rates are in the base currency when "
                       "organisation.base_currency is USD, EUR, GBP, CNY or JPY.")


def demo_base(base: str) -> str:
    """The currency the demo's rates are priced in for an organisation whose base is
    ``base``: that one when the demo has it, else US dollars (then, under that base, the
    demo's converted figures show as missing a rate rather than wrong)."""
    return base if base in _PER_USD else "USD"


def load_demo_data(engine: Engine, today: date, directory: Path | None = None,
                   progress: Callable[[ImportReport], None] | None = None,
                   base: str = "USD") -> list[ImportReport]:
    """Generates the demo files and imports them through the ordinary importer, the rates
    labelled with the currency they are priced in."""
    with tempfile.TemporaryDirectory() as scratch:
        files = write_demo_data(directory or Path(scratch), today, base=base)
        reports = []
        for kind in files.order:
            with CsvFile(files.path(kind)) as source:
                importer = CsvImporter(engine, base_currency=demo_base(base)
                                       if kind == "rates" else None)
                report = importer.run(KINDS[kind], source, actor="demo")
            if not report.committed:
                raise RuntimeError(f"demo {kind} rejected: {report.errors[:3]}")
            reports.append(report)
            if progress:
                progress(report)
        return reports
