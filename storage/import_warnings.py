"""What an import says about rows it takes but a person should look at: currencies
without a rate, rates that jump or are dated ahead, payments beyond their invoices or
ahead of them or in another currency, invoices whose sign flipped, customers whose ids
differ only in case, contracts that overlap, open invoices an invoices file leaves out.
Each is one SQL statement over the staging table, naming the first few rows."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, Table, and_, case, exists, func, or_, select

from domain.days import years_after
from domain.imports import ImportKind
from domain.lookup import normalize_name
from domain.model import INVOICE_STATUSES_IN_EXPOSURE, ORDER_STATUSES_IN_EXPOSURE
from domain.money import Money
from domain.text import reads_as, shown_controls
from storage.import_staging import TABLES
from storage.models import CreditRequestRow, ExchangeRateRow
from storage.repositories.rates import against

_OPEN_STATUSES = [s.value for s in INVOICE_STATUSES_IN_EXPOSURE]
_RATES: Table = ExchangeRateRow.__table__  # type: ignore[assignment]


def missing_rates(conn: Connection, stage: Table, kind: ImportKind, base: str | None,
                  currencies: Counter[str | None] | None) -> list[str]:
    """A warning per currency of the rows with no exchange rate to ``base`` (``currencies``:
    the rows counted per currency as they were staged, when they were)."""
    column = kind.currency_column
    if base is None or column is None or column not in stage.c:
        return []
    priced = {base, *conn.execute(
        select(_RATES.c.currency).where(against(base)).distinct()).scalars()}
    if currencies is not None:
        missing = sorted((code, n) for code, n in currencies.items()
                         if code is not None and code not in priced)
    else:
        currency = stage.c[column]
        missing = [(code, n) for code, n in conn.execute(
            select(currency, func.count()).where(currency.is_not(None),
                                                 currency.not_in(priced))
            .group_by(currency).order_by(currency))]
    return [no_rate_warning(kind, code, n, base, _billed_across(conn, stage, kind, code))
            for code, n in missing]


def _billed_across(conn: Connection, stage: Table, kind: ImportKind,
                   code: str) -> list[str]:
    """The customers of the file's rows in ``code`` who are billed in another currency:
    their exposure is converted, so their check, orders and requests need the rate."""
    column, currency = kind.customer_column, kind.currency_column
    if column is None or currency is None or column not in stage.c:
        return []
    customers: Table = TABLES["customers"]
    return list(conn.execute(
        select(customers.c.customer_id).distinct()
        .where(customers.c.customer_id == stage.c[column], stage.c[currency] == code,
               customers.c.currency != code)
        .order_by(customers.c.customer_id)).scalars())


@dataclass(frozen=True)
class Organisation:
    """What app.yaml lists that an ERP's customer rows name: department keys and people
    (routing and access read them; a department or owner app.yaml lacks reaches nobody,
    or the wrong department)."""

    departments: frozenset[str]
    people: frozenset[str]


def kind_warnings(conn: Connection, stage: Table, kind: ImportKind, base: str | None,
                  today: date, organisation: Organisation | None = None) -> list[str]:
    """The warnings of ``kind``'s own rows, staged and checked, before the merge;
    ``today`` is the import's day in the organisation's zone."""
    return [*moved(conn, stage, kind),
            *_own_warnings(conn, stage, kind, base, today, organisation)]


def _own_warnings(conn: Connection, stage: Table, kind: ImportKind, base: str | None,
                  today: date, organisation: Organisation | None) -> list[str]:
    if kind.name == "rates":
        return [*rate_jumps(conn, stage, base), *rates_dated_ahead(conn, stage, today),
                *other_base_rates(conn, stage, base)]
    if kind.name == "payments":
        return [*overpayments(conn, stage), *ahead_of_invoices(conn, stage),
                *other_currency(conn, stage), *dated_ahead(conn, stage, today),
                *far_ahead(conn, stage, kind, today)]
    if kind.name == "invoices":
        return [*sign_flips(conn, stage), *far_ahead(conn, stage, kind, today),
                *invoiced_orders(conn, stage)]
    if kind.name == "orders":
        return [*far_ahead(conn, stage, kind, today), *before_invoices(conn)]
    if kind.name == "customers":
        return [*customer_warnings(conn, stage), *renamed_under_requests(conn, stage),
                *unlisted(conn, stage, organisation)]
    if kind.name == "contracts":
        return overlapping_contracts(conn, stage)
    return []


def no_rate_warning(kind: ImportKind, currency: str, rows: int, base: str,
                    billed_across: Sequence[str] = ()) -> str:
    # A customer's own figures in its own currency need no rate; only what is converted
    # into the base currency does.
    one = rows == 1
    stopped = ""
    if billed_across:
        # Said plainly: the customer's own check stops answering, which "a customer
        # whose limit is in another currency" left a reader to work out.
        stopped = (f"; until it is imported, the checks, orders and requests of "
                   f"{_named(billed_across)} "
                   f"(whose own currency is not {currency}) answer only that the "
                   f"{currency} rate is missing")
    return (f"{rows:,} {kind.noun if one else kind.noun + 's'} {'is' if one else 'are'} in "
            f"{currency}, which has no exchange rate to {base}: amounts in {currency} are "
            f"computed as they are, but converting them into {base} (portfolio totals, group "
            "positions, a customer whose limit is in another currency) needs one"
            f"{stopped}; import it, e.g. `creditbot import rates rates.csv`")


# A rate that moves by more than this factor from one import to the next is far more
# likely written the wrong way round (7.1 CNY per USD instead of 0.14 USD per CNY) than
# a real move.
RATE_JUMP_FACTOR = 5


def rate_jumps(conn: Connection, stage: Table, base: str | None) -> list[str]:
    """A warning per currency whose latest rate in the file is more than
    RATE_JUMP_FACTOR times (or less than 1/RATE_JUMP_FACTOR of) the latest rate already
    stored before that date; read before the merge, so "stored" means "previous"."""
    latest: dict[str, tuple[Any, Decimal]] = {}
    for day, code, rate in conn.execute(
            select(stage.c.date, stage.c.currency, stage.c.rate_to_base)
            .where(stage.c.invalid == 0)):
        if code not in latest or day > latest[code][0]:
            latest[code] = (day, rate)
    warnings = []
    for code, (day, rate) in sorted(latest.items()):
        previous = conn.execute(
            select(_RATES.c.rate_to_base).where(_RATES.c.currency == code, _RATES.c.date < day,
                                                against(base))
            .order_by(_RATES.c.date.desc()).limit(1)).scalar_one_or_none()
        if previous is None or not previous or not rate:
            continue
        ratio = Decimal(rate) / Decimal(previous)
        if 1 / Decimal(RATE_JUMP_FACTOR) <= ratio <= RATE_JUMP_FACTOR:
            continue
        size = (f"{ratio:.0f}× the last one" if ratio > 1
                else f"1/{1 / ratio:.0f} of the last one")
        per = f"{base} per 1 {code}" if base else f"base currency per 1 {code}"
        warnings.append(f"the {code} rate {_plain(rate)} is {size} ({_plain(previous)}): "
                        f"rates are {per}")
    return warnings


def before_invoices(conn: Connection) -> list[str]:
    """Orders imported into a database with no invoice: each new order is reviewed once,
    as it comes, and was checked against no receivables (the demo's files in their own
    order held none of the 22 orders the sandbox holds)."""
    invoices: Table = TABLES["invoices"]
    if conn.execute(select(invoices.c.invoice_id).limit(1)).first() is not None:
        return []
    return ["no invoice is imported yet: each new order is reviewed once, when it is "
            "imported, so these are checked against no receivables and not again (an order "
            "the overdue invoices would hold passes); import the invoices before the "
            "orders, and for a first load begin again on an empty database in that order"]


def other_base_rates(conn: Connection, stage: Table, base: str | None) -> list[str]:
    """The rates on record, and not in the file, imported against another base than
    ``base``: app.yaml's base currency was changed since. They are not read (a price in
    EUR read as one in USD made every converted figure wrong), so a currency and day
    only they cover has no rate until it is imported again."""
    if base is None:
        return []
    in_file = exists().where(stage.c.date == _RATES.c.date,
                             stage.c.currency == _RATES.c.currency, stage.c.invalid == 0)
    others = conn.execute(
        select(_RATES.c.base_currency, func.count(), func.max(_RATES.c.date))
        .where(or_(_RATES.c.base_currency.is_(None), _RATES.c.base_currency != base),
               ~in_file)
        .group_by(_RATES.c.base_currency)).all()
    if all(other is None for other, _, _ in others):
        return []  # rates of before the base was recorded, and no sign of a change
    # The rates of before the base was recorded are not read either (against()).
    return [f"{count:,} rate(s) on record, up to {latest}, "
            + (f"were imported against {other}, not {base} (app.yaml's base currency)"
               if other is not None else "were imported before their base was recorded, "
               f"and rates against another base than {base} (app.yaml's base currency) "
               "since")
            + ": they are not read, so a currency priced only in them has no rate; import "
            f"its rates against {base}"
            for other, count, latest in sorted(others, key=lambda row: row[0] or "")]


# Rows a warning names (the first in the file); the rest are counted.
NAMED_IN_WARNING = 3


def _named(found: Sequence[str], count: int | None = None) -> str:
    """The first NAMED_IN_WARNING of ``found`` (of ``count`` in all), for a warning."""
    shown = found[:NAMED_IN_WARNING]
    rest = (len(found) if count is None else count) - len(shown)
    return "; ".join(shown) + (f" and {rest} more" if rest else "")


def overpayments(conn: Connection, stage: Table) -> list[str]:
    """A warning for payments above their invoice's amount (a credit note's refund above
    its size), in its currency: a digit too many in the ERP (99,999,999.00 against an
    invoice of 900,000.00) would otherwise pass unseen, and the report's past AR, rebuilt
    from payments, counts at most the invoice's amount of each (storage.reports)."""
    if "invoice_id" not in stage.c:  # an optional column: no payment names an invoice
        return []
    invoices: Table = TABLES["invoices"]
    over = _paying(stage, invoices.c.amount, and_(stage.c.currency == invoices.c.currency,
                                                  stage.c.amount > func.abs(invoices.c.amount)))
    return _rows_warning(
        conn, over, lambda line, payment, paid, code, invoice, billed: (
            f"line {line}, {payment} of {money_text(paid, code)} {code} for {invoice} of "
            f"{money_text(billed, code)} {code}"),
        "payment is more than the invoice it pays",
        "payments are more than the invoices they pay",
        "check them in the ERP; the collection metrics count each payment at most as its "
        "invoice's amount")


def _paying(stage: Table, shown: Any, where: Any) -> Any:
    """The file's good payments of an invoice for which ``where`` holds, in file order:
    (line, payment, amount, currency, invoice, ``shown`` of the invoice)."""
    invoices: Table = TABLES["invoices"]
    return (select(stage.c.line_no, stage.c.payment_id, stage.c.amount, stage.c.currency,
                   invoices.c.invoice_id, shown)
            .join(invoices, invoices.c.invoice_id == stage.c.invoice_id)
            .where(stage.c.invalid == 0, where).order_by(stage.c.line_no))


def ahead_of_invoices(conn: Connection, stage: Table) -> list[str]:
    """A warning for invoices the file's payments pay more of than the invoices export
    shows settled (``amount - open_amount``; a credit note's refunds, more than was
    refunded): the invoices export is older than the payments', or a payment names the
    wrong invoice. Only the invoices are the truth of what is owed, so a person who
    imports the payments alone would see nothing move and think them lost; the report
    counts them only up to what the invoices show settled (storage.reports). Invoices
    with a payment above their whole amount are ``overpayments``' to name."""
    if "invoice_id" not in stage.c:
        return []
    invoices: Table = TABLES["invoices"]
    open_now = case((invoices.c.status.in_(_OPEN_STATUSES), invoices.c.open_amount), else_=0)
    paid = func.sum(stage.c.amount)
    ahead = (select(func.min(stage.c.line_no).label("line"), invoices.c.invoice_id,
                    invoices.c.amount, invoices.c.currency, open_now.label("open_now"),
                    paid.label("paid"))
             .join(invoices, invoices.c.invoice_id == stage.c.invoice_id)
             .where(stage.c.invalid == 0, stage.c.currency == invoices.c.currency)
             .group_by(invoices.c.invoice_id, invoices.c.amount, invoices.c.currency,
                       invoices.c.status, invoices.c.open_amount)
             .having(and_(paid > func.abs(invoices.c.amount - open_now),
                          func.max(stage.c.amount) <= func.abs(invoices.c.amount)))
             .order_by("line"))
    return _rows_warning(
        conn, ahead, lambda _, invoice, billed, code, owed, total: (
            f"{invoice} of {money_text(billed, code)} {code} shows {money_text(owed, code)} open, "
            f"the file pays {money_text(total, code)} on it"),
        "invoice shows less settled than the file's payments on it",
        "invoices show less settled than the file's payments on them",
        "the invoices export is older than the payments, or a payment names the wrong "
        "invoice. Import the invoices exported after these payments: until then the check "
        "card, alerts and worklists show what the invoices show open, and the collection "
        "metrics count each payment at most as what its invoice shows settled")


def other_currency(conn: Connection, stage: Table) -> list[str]:
    """A warning for payments in another currency than the invoice they pay: neither
    ``overpayments`` nor ``ahead_of_invoices`` can weigh them against the invoice (5,000
    EUR on an invoice of 2,000 USD passed unseen), and the collection metrics count them
    as what the invoices export shows settled of their invoice (storage.reports)."""
    if "invoice_id" not in stage.c:
        return []
    invoices: Table = TABLES["invoices"]
    other = _paying(stage, invoices.c.currency, stage.c.currency != invoices.c.currency)
    return _rows_warning(
        conn, other, lambda line, payment, paid, code, invoice, billed_in: (
            f"line {line}, {payment} of {money_text(paid, code)} {code} for {invoice} in "
            f"{billed_in}"),
        "payment is in another currency than the invoice it pays",
        "payments are in another currency than the invoices they pay",
        "check them in the ERP; the collection metrics count each as what the invoices "
        "export shows settled of its invoice, in the invoice's currency")


def _rows_warning(conn: Connection, query: Any, name: Callable[..., str], one: str,
                  many: str, advice: str) -> list[str]:
    """A warning of the rows ``query`` finds, or none: how many, the first
    NAMED_IN_WARNING of them (``name`` says one row, given its columns), then what to do
    (``2 invoices change sign (line 2, …; line 5, …): …``)."""
    rows = list(conn.execute(query.limit(NAMED_IN_WARNING)).all())
    if not rows:
        return []
    # Counted only when there is one to name.
    count = conn.execute(select(func.count()).select_from(query.subquery())).scalar_one()
    named = _named([name(*row) for row in rows], count)
    return [f"{count} {one if count == 1 else many} ({named}): {advice}"]


# Dates this far past the import's day are an ERP's placeholder for an empty date
# (9999-12-31, 2099-12-31) more often than a plan: an invoice due then is never overdue,
# a payment dated then counts against no month the reports show. Contracts are not
# looked at: one "without an end" is written so on purpose.
FAR_AHEAD_YEARS = 10
_DATES = {"invoices": ("issue_date", "due_date"), "orders": ("order_date",),
          "payments": ("date",)}


def dated_ahead(conn: Connection, stage: Table, today: date) -> list[str]:
    """A warning for payments dated after the import's day, up to FAR_AHEAD_YEARS
    (further is ``far_ahead``'s): money not received yet, which a report for any day
    before it adds back to what was owed then."""
    query = (select(stage.c.line_no, stage.c.payment_id, stage.c.date)
             .where(stage.c.invalid == 0, stage.c.date > today,
                    stage.c.date <= years_after(today, FAR_AHEAD_YEARS))
             .order_by(stage.c.line_no))
    return _rows_warning(
        conn, query, lambda line, payment, day: f"line {line}, {payment}: {day}",
        "payment is dated after today", "payments are dated after today",
        "money not received yet? The collection reports count a payment from its date: "
        "until then it is owed; export payments once they are received")


def rates_dated_ahead(conn: Connection, stage: Table, today: date) -> list[str]:
    """A warning for rates dated after the import's day: a rate converts from its date,
    so one dated ahead by a slip (2026-12-10 for 2026-10-12) takes over unseen then."""
    query = (select(stage.c.line_no, stage.c.currency, stage.c.date)
             .where(stage.c.invalid == 0, stage.c.date > today)
             .order_by(stage.c.line_no))
    return _rows_warning(
        conn, query, lambda line, currency, day: f"line {line}, {currency}: {day}",
        "rate is dated after today", "rates are dated after today",
        "a date written wrong? A rate converts from its date on, and until then the one "
        "before it does: check the date, or leave it if it is a rate already fixed")


def far_ahead(conn: Connection, stage: Table, kind: ImportKind, today: date) -> list[str]:
    """A warning per date column of ``kind`` with dates more than FAR_AHEAD_YEARS after
    the import's day."""
    horizon = years_after(today, FAR_AHEAD_YEARS)
    warnings = []
    for column in _DATES.get(kind.name, ()):
        query = (select(stage.c.line_no, stage.c[kind.key[0]], stage.c[column])
                 .where(stage.c.invalid == 0, stage.c[column] > horizon)
                 .order_by(stage.c.line_no))
        warnings += _rows_warning(
            conn, query, lambda line, key, day: f"line {line}, {key}: {day}",
            f"{kind.noun} has its {column} more than {FAR_AHEAD_YEARS} years ahead",
            f"{kind.noun}s have their {column} more than {FAR_AHEAD_YEARS} years ahead",
            _FAR_AHEAD_ADVICE[column])
    return warnings


_FAR_AHEAD_ADVICE = {
    "issue_date": "an ERP's placeholder for an empty date? Issued after the report date, "
                  "it is in no aging, report or provision; export the real date",
    "due_date": "an ERP's placeholder for an empty date? An invoice due then never "
                "becomes overdue, and no alert or collector will see it; export the real "
                "date",
    "order_date": "an ERP's placeholder for an empty date? Export the real date",
    "date": "an ERP's placeholder for an empty date? A payment dated then counts in no "
            "month the collection reports show; export the real date",
}


def money_text(amount: Any, currency: str) -> str:
    """An amount with its currency's decimals, as the file would write it (1000.10)."""
    return str(Money(Decimal(amount), currency).rounded().amount)


def invoiced_orders(conn: Connection, stage: Table) -> list[str]:
    """A warning for invoices naming an order the orders table still counts in exposure
    (open or shipped): the order and its invoice both count until an orders export says
    it is invoiced. An orders export without a status, or one that drops orders once
    they are invoiced, leaves them so."""
    if "order_id" not in stage.c:
        return []
    orders: Table = TABLES["orders"]
    counted = [s.value for s in ORDER_STATUSES_IN_EXPOSURE]
    query = (select(stage.c.line_no, stage.c.invoice_id, orders.c.order_id)
             .join(orders, and_(orders.c.order_id == stage.c.order_id,
                                orders.c.customer_id == stage.c.customer_id))
             .where(stage.c.invalid == 0, orders.c.status.in_(counted))
             .order_by(stage.c.line_no))
    return _rows_warning(
        conn, query, lambda line, invoice, order: f"line {line}, {invoice} of {order}",
        "invoice names an order still counted in exposure",
        "invoices name orders still counted in exposure",
        "each order counts beside its invoice until the orders export marks it invoiced "
        "(status invoiced); an export that leaves invoiced orders out, or has no status "
        "column, never does")


def sign_flips(conn: Connection, stage: Table) -> list[str]:
    """A warning for invoices the file turns into credit notes or back (the sign of
    their amount changes): a typo in the ERP's export would otherwise pass unseen, and
    the payments already imported on it turn into refunds (or back) in the collection
    metrics."""
    invoices: Table = TABLES["invoices"]
    flipped = (select(stage.c.line_no, stage.c.invoice_id, invoices.c.amount,
                      stage.c.amount, stage.c.currency)
               .join(invoices, invoices.c.invoice_id == stage.c.invoice_id)
               .where(stage.c.invalid == 0,
                      or_(and_(invoices.c.amount > 0, stage.c.amount < 0),
                          and_(invoices.c.amount < 0, stage.c.amount > 0)))
               .order_by(stage.c.line_no))
    return _rows_warning(
        conn, flipped, lambda line, invoice, before, after, code: (
            f"line {line}, {invoice} from {money_text(before, code)} to {money_text(after, code)} "
            f"{code}"),
        "invoice changes sign", "invoices change sign",
        "an invoice became a credit note or the reverse, and the payments on it now count "
        "the other way in the collection metrics; check them in the ERP")


@dataclass(frozen=True)
class _StoredCustomer:
    customer_id: str
    name: str
    key: str
    local: str | None
    local_key: str | None


@dataclass(frozen=True)
class _FileCustomer:
    line: int
    customer_id: str
    names: tuple[str, ...]  # its name, and its local one when the file has the column


def customer_warnings(conn: Connection, stage: Table) -> list[str]:
    """The warnings about the customers' ids and names (``case_twins``, ``name_twins``,
    ``named_as_ids``), from one read of the stored customers and one of the file's rows:
    each read both whole. Customers are a few thousand rows: compared in Python."""
    customers: Table = TABLES["customers"]
    stored = [_StoredCustomer(*row) for row in conn.execute(
        select(customers.c.customer_id, customers.c.name, customers.c.name_key,
               customers.c.name_local, customers.c.name_local_key)
        .order_by(customers.c.customer_id))]
    # A local name too: 華夏建材貿易 beside 华夏建材贸易 was asked about unwarned.
    local_column = stage.c.get("name_local")
    columns = [stage.c.line_no, stage.c.customer_id, stage.c.name]
    staged = [_FileCustomer(row[0], row[1], tuple(dict.fromkeys(n for n in row[2:] if n)))
              for row in conn.execute(
                  select(*columns, *([local_column] if local_column is not None else []))
                  .where(stage.c.invalid == 0).order_by(stage.c.line_no))]
    return [*case_twins(stored, staged), *name_twins(stored, staged),
            *named_as_ids(stored, staged)]


def case_twins(stored: Sequence[_StoredCustomer], staged: Sequence[_FileCustomer]
               ) -> list[str]:
    """A warning for new customer ids that read as another, but for letter case, width or
    look-alike letters of another alphabet (c0001, Ｃ0001, С0001 with a Cyrillic Es beside
    C0001): ids are exact, so they become two customers, which an ERP rarely means, and
    every card shows them alike (a person typing either reaches only one of them, since
    what people type is read case- and width-blind)."""
    known = {c.customer_id for c in stored}
    seen = {reads_as(customer_id): customer_id for customer_id in sorted(known)}
    twins: list[str] = []
    for row in staged:
        if row.customer_id in known:
            continue
        other = seen.setdefault(reads_as(row.customer_id), row.customer_id)
        if other != row.customer_id:
            twins.append(f"line {row.line}, {row.customer_id} beside {other}")
        known.add(row.customer_id)
    if not twins:
        return []
    what = ("customer id differs" if len(twins) == 1 else "customer ids differ")
    return [f"{len(twins)} new {what} from another only in letter case, width or "
            "look-alike letters "
            f"({_named(twins)}): "
            "creditbot keeps them as separate customers; if they are one, correct the id "
            "in the ERP"]


def name_twins(stored: Sequence[_StoredCustomer], staged: Sequence[_FileCustomer]
               ) -> list[str]:
    """A warning for new customers whose name reads as another customer's but is not
    written the same (华联超市（上海）有限公司 beside 华联超市(上海)有限公司, "ACME Inc" beside
    "Acme, Inc."): a person typing either is asked which one, and the two buttons look
    alike. Names written exactly the same are the ERP's own business."""
    seen: dict[str, tuple[str, str]] = {}
    # The known customers' keys as the look-up reads them (name_key and name_local_key,
    # kept on import): a person may type either name.
    for c in stored:
        seen.setdefault(c.key, (c.customer_id, c.name))
        if c.local and c.local_key:
            seen.setdefault(c.local_key, (c.customer_id, c.local))
    known = {c.customer_id for c in stored}
    twins: list[str] = []
    for row in staged:
        if row.customer_id in known:
            continue
        for name in row.names:
            other_id, other_name = seen.setdefault(normalize_name(name),
                                                   (row.customer_id, name))
            if other_id != row.customer_id and other_name != name:
                twins.append(f"line {row.line}, {row.customer_id} {name} beside {other_id} "
                             f"{other_name}")
    if not twins:
        return []
    what = ("customer's name reads" if len(twins) == 1 else "customers' names read")
    return [f"{len(twins)} new {what} as another's but for letter case, width, accents, "
            f"punctuation or Traditional and Simplified Chinese characters ({_named(twins)}): "
            "whoever types either is asked which one; if they are two companies, give them "
            "names that differ in the ERP"]


def named_as_ids(stored: Sequence[_StoredCustomer], staged: Sequence[_FileCustomer]
                 ) -> list[str]:
    """A warning for new or renamed customers whose name is another customer's id (X005
    named "C0002"): every digest and list names it first, and a reader takes its line
    for that customer's."""
    names = {c.customer_id: c.name for c in stored}
    ids = {reads_as(customer_id): customer_id for customer_id in sorted(
        {*names, *(row.customer_id for row in staged)})}
    found = [f"line {row.line}, {row.customer_id} named {row.names[0]}" for row in staged
             if row.names and names.get(row.customer_id) != row.names[0]
             and ids.get(reads_as(row.names[0]), row.customer_id) != row.customer_id]
    if not found:
        return []
    what = "customer is" if len(found) == 1 else "customers are"
    return [f"{len(found)} {what} named with another customer's id ({_named(found)}): "
            "lists and digests show the name first, and read as that customer; give it "
            "its company name in the ERP"]


def renamed_under_requests(conn: Connection, stage: Table) -> list[str]:
    """A warning for customers the file names otherwise than an open credit request
    filed for them (another name, not another spelling of it): a rename, or the id
    given to another company, and approvers would decide on one company's figures
    for another. The cards say it too; whoever imports hears it first."""
    requests: Table = CreditRequestRow.__table__  # type: ignore[assignment]
    query = (select(stage.c.line_no, stage.c.customer_id, requests.c.customer_name,
                    stage.c.name, requests.c.id)
             .join(requests, requests.c.customer_id == stage.c.customer_id)
             .where(stage.c.invalid == 0, requests.c.state == "open",
                    stage.c.name.is_not(None))
             .order_by(stage.c.line_no, requests.c.id))
    found = [(line, customer_id, before, after, request)
             for line, customer_id, before, after, request in conn.execute(query)
             if normalize_name(before) != normalize_name(after)]
    if not found:
        return []
    named = _named([shown_controls(f"line {line}, {customer_id} from “{before}” to "
                                   f"“{after}” under request #{request}")
                    for line, customer_id, before, after, request in found])
    what = ("open credit request is" if len(found) == 1 else "open credit requests are")
    return [f"{len(found)} {what} for a customer the file gives another name ({named}): "
            "the approvers now see that name and its figures; if the id now belongs to "
            "another company, its approvers reject it or its requester cancels it"]


def moved(conn: Connection, stage: Table, kind: ImportKind) -> list[str]:
    """A warning for rows the file gives to another customer than the one they belong to
    (an invoice, order, payment or contract): one customer's overdue amounts, payments or
    terms would pass to another without a word, and the payments of a moved invoice
    stay with the first."""
    if kind.customer_column is None or kind.name not in TABLES or kind.name == "customers":
        return []
    target: Table = TABLES[kind.name]
    key = kind.key[0]
    query = (select(stage.c.line_no, stage.c[key], target.c.customer_id, stage.c.customer_id)
             .join(target, target.c[key] == stage.c[key])
             .where(stage.c.invalid == 0, target.c.customer_id != stage.c.customer_id)
             .order_by(stage.c.line_no))
    return _rows_warning(
        conn, query, lambda line, row, before, after: (
            f"line {line}, {row} from {before} to {after}"),
        f"{kind.noun} moves to another customer", f"{kind.noun}s move to another customer",
        "each now counts for the customer the file names; if the ERP did not mean it, "
        "correct the customer_id there and import again")


def unlisted(conn: Connection, stage: Table, organisation: Organisation | None) -> list[str]:
    """Warnings for customers whose department is not a key of app.yaml's departments
    (its alerts go to the owner's department, or nowhere) or whose owner app.yaml does
    not list (told nothing, and refused the alerts' buttons). Customers are a few
    thousand rows: compared in Python."""
    if organisation is None:
        return []
    named = [c for c in ("department", "owner_slack_id") if c in stage.c]
    if not named:
        return []
    departments: list[str] = []
    owners: list[str] = []
    by_case = {key.casefold(): key for key in organisation.departments}
    for row in conn.execute(select(stage.c.line_no, stage.c.customer_id,
                                   *(stage.c[c] for c in named))
                            .where(stage.c.invalid == 0).order_by(stage.c.line_no)):
        values = row._mapping
        department, owner = values.get("department"), values.get("owner_slack_id")
        where = f"line {values['line_no']}, {values['customer_id']}"
        if department is not None and department not in organisation.departments:
            meant = by_case.get(department.casefold())
            departments.append(shown_controls(f"{where}: {department}")
                               + (f" (is it {meant}?)" if meant else ""))
        if owner is not None and owner not in organisation.people:
            owners.append(f"{where}: {owner}")
    warnings = []
    if departments:
        warnings.append(
            f"{_customers(len(departments), 'name', 'names')} a "
            f"department app.yaml does not have ({_named(departments)}): their alerts go "
            "to their owner's department, or to nobody; use a key of app.yaml's "
            f"departments ({', '.join(sorted(organisation.departments)) or 'none yet'})")
    if owners:
        warnings.append(
            f"{_customers(len(owners), 'have', 'has')} an owner "
            f"app.yaml does not list ({_named(owners)}): an owner not among its "
            "departments' members or roles is told nothing of the customer's alerts and "
            "held orders; add them to app.yaml, or correct the id in the ERP")
    return warnings


def _customers(count: int, many: str, one: str) -> str:
    return f"{count} customers {many}" if count > 1 else f"1 customer {one}"


def overlapping_contracts(conn: Connection, stage: Table) -> list[str]:
    """A warning for contracts of the file that overlap another of the same customer: an
    order that names none is checked against one of them only (the one ending last), so
    two in force at once are worth a look in the ERP. Contracts are few: in Python."""
    contracts: Table = TABLES["contracts"]
    staged = {row.contract_id: row for row in conn.execute(
        select(stage.c.line_no, stage.c.contract_id, stage.c.customer_id,
               stage.c.start_date, stage.c.end_date).where(stage.c.invalid == 0))}
    if not staged:
        return []
    # The contracts as they will stand, grouped by customer: each compared with its own.
    after = {row.contract_id: row for row in conn.execute(
        select(contracts.c.contract_id, contracts.c.customer_id, contracts.c.start_date,
               contracts.c.end_date))}
    after.update(staged)
    by_customer: dict[str, list[Any]] = {}
    for row in after.values():
        by_customer.setdefault(row.customer_id, []).append(row)
    overlaps: list[str] = []
    for row in sorted(staged.values(), key=lambda r: r.line_no):
        overlaps += [f"line {row.line_no}, {row.contract_id} with {other.contract_id}"
                     for other in by_customer[row.customer_id]
                     if other.contract_id != row.contract_id
                     and other.start_date <= row.end_date and row.start_date <= other.end_date
                     # A pair within the file is named once, from its first contract id.
                     and (other.contract_id not in staged
                          or other.contract_id > row.contract_id)]
    if not overlaps:
        return []
    # Counted as pairs, and said so: two contracts of the file, each overlapping two
    # stored ones, were "4 contracts overlap another" of a file of two.
    what = "overlap" if len(overlaps) == 1 else "overlaps"
    return [f"{len(overlaps)} {what} between contracts of the same customer "
            f"({_named(overlaps)}): an order that names no contract is checked against the one "
            "valid on its date that ends last; check the dates in the ERP"]


def _plain(value: Any) -> str:
    return format(Decimal(value).normalize(), "f")


def open_invoices(invoices: Table) -> list[Any]:
    """What makes an invoice open: counted in exposure, a credit note too (open below 0)."""
    return [invoices.c.status.in_(_OPEN_STATUSES), invoices.c.open_amount != 0]


def unlisted_invoices(stage: Table, invoices: Table) -> Any:
    """The invoices no staged row names (a bad row's too: it named its invoice)."""
    return ~exists().where(stage.c.invoice_id == invoices.c.invoice_id)


# A file of at least this many rows, and of at least this share of the open invoices, is
# looked at in the invoices table's order on SQLite (``_whose``).
SCAN_FROM_ROWS = 10_000
SCAN_FROM_SHARE = 0.25


def left_out(conn: Connection, stage: Table, file_rows: int) -> list[str]:
    """A warning for the open invoices of the file's customers that the file does not
    list (``file_rows``: how many rows it has). The file speaks for those customers, so
    one of theirs left out is more likely paid in the ERP than still owed; a customer the
    file does not name is not looked at (a file of one customer's invoices is no news
    about the others). One pass over the staged rows for their customers; their open
    invoices, each looked up in the staging table's key index."""
    invoices: Table = TABLES["invoices"]
    customers = select(stage.c.customer_id).where(stage.c.customer_id.is_not(None)).distinct()
    whose = _whose(conn, invoices, file_rows)
    found = (select(invoices.c.invoice_id, invoices.c.customer_id, invoices.c.open_amount,
                    invoices.c.currency)
             .where(whose.in_(customers), *open_invoices(invoices),
                    unlisted_invoices(stage, invoices)))
    # Ordered by ``whose`` too: by the customer itself, SQLite read the index for the
    # order, and the rows at random with it.
    rows = conn.execute(found.order_by(whose, invoices.c.invoice_id)
                        .limit(NAMED_IN_WARNING)).all()
    if not rows:
        return []
    count = conn.execute(select(func.count()).select_from(found.subquery())).scalar_one()
    named = _named([f"{invoice} of {customer}: {money_text(owed, code)} {code} open"
                    for invoice, customer, owed, code in rows], count)
    what = ("open invoice of the file's customers is" if count == 1
            else "open invoices of the file's customers are")
    return [f"{count:,} {what} not in the file ({named}): an invoice the file leaves out "
            "keeps its balance, and counts in exposure, overdue, aging, alerts and "
            "worklists until an import says it is paid. If the ERP settled them, export "
            "paid invoices too (status paid, or open_amount 0); if the file is the ERP's "
            "whole list of open invoices, import it with --open-items, which closes every "
            "open invoice it leaves out"]


def _whose(conn: Connection, invoices: Table, file_rows: int) -> Any:
    """The invoices' customer as ``left_out`` compares and orders it. SQLite goes customer
    by customer through the invoices' index, fetching each open invoice's row for its id
    at random: 3 s of a million-invoice re-import, where reading the table in its order
    took 1.5 s.
    So a file that holds a good part of the open invoices is compared in the table's
    order (``|| ''`` keeps SQLite off the index); a small one, through the index
    (milliseconds, where the whole table took 0.15 s). PostgreSQL plans that itself."""
    customer = invoices.c.customer_id
    if conn.dialect.name != "sqlite" or file_rows < SCAN_FROM_ROWS:
        return customer
    open_now = conn.execute(select(func.count()).where(*open_invoices(invoices))).scalar_one()
    return customer.concat("") if file_rows >= open_now * SCAN_FROM_SHARE else customer
