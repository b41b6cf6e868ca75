"""The six kinds of ERP export: their columns, keys and cross-column rules."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from domain.currencies import MINOR_UNITS, minor_units
from domain.imports import fields as f
from domain.lookup import normalize_name
from domain.model import FINANCIAL_FIELDS, InvoiceStatus, OrderStatus
from domain.rough_rates import far_from_worth
from domain.text import looks_blank


@dataclass(frozen=True)
class ImportContext:
    """What the rules know beyond the row: the organisation's base currency, when given."""

    base_currency: str | None = None


# A rule sees the parsed values of one row, may fill in derived values, and returns
# the problems it found as (column, reason) pairs. It runs even when some cells did not
# parse (they are None then), so that a clerk sees every problem of a row at once: each
# check looks only at values that are there.
RowRule = Callable[[dict[str, Any], ImportContext], list[tuple[str, str]]]

# A customer's names and their lookup keys fit in this many characters.
_NAME_LENGTH = 200
_QUANTUM = {code: Decimal(1).scaleb(-places) for code, places in MINOR_UNITS.items()}


@dataclass(frozen=True)
class Field:
    name: str
    parse: f.Parser
    required: bool = False


@dataclass(frozen=True)
class Reference:
    """A column naming a row of another kind: that row must exist and, when both kinds
    belong to customers, belong to the same customer."""

    column: str
    kind: str  # the kind named, e.g. "invoices"
    noun: str  # how a person calls one of them, e.g. "invoice"


CUSTOMER = Reference("customer_id", "customers", "customer")


@dataclass(frozen=True)
class Kept:
    """A derived column whose default is for new rows only: a file without the column
    leaves it alone in rows already imported (a daily export without balances must not
    reopen every paid invoice at its full amount), unless the row's ``unless`` column
    has the value ``value`` (an invoice marked paid owes nothing, whatever was stored),
    or had it and the file gives it another (a paid invoice the ERP reopens owes its
    default again). ``with_``: kept only when the file lacks these columns too.
    ``within``: kept only while it lies between 0 and the row's new value of that column
    (a balance no longer fits an amount the file changed: the default then)."""

    column: str
    unless: str | None = None
    value: str | None = None
    with_: tuple[str, ...] = ()
    within: str | None = None


@dataclass(frozen=True)
class ImportKind:
    name: str
    key: tuple[str, ...]
    fields: tuple[Field, ...]
    rule: RowRule
    # Columns the rule derives, written even when the file lacks them.
    derived: tuple[str, ...] = ()
    # (derived column, the optional column it is derived from): written only when the
    # file has that column, so a file without it leaves both alone.
    derived_from: tuple[tuple[str, str], ...] = ()
    # Derived columns written into new rows only, when the file lacks them.
    kept: tuple[Kept, ...] = ()
    # The column naming the customer a row belongs to.
    customer_column: str | None = "customer_id"
    # Columns naming rows that must already be in the database.
    references: tuple[Reference, ...] = (CUSTOMER,)
    # The column with the currency the row's amounts are in; exposure needs a rate for it.
    currency_column: str | None = "currency"
    # One row, as a person says it: "invoice".
    noun: str = ""

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(x.name for x in self.fields if x.required)

    @property
    def optional(self) -> tuple[str, ...]:
        return tuple(x.name for x in self.fields if not x.required)


def _decimals(values: dict[str, Any], currency_column: str, *amount_columns: str
              ) -> list[tuple[str, str]]:
    code = values.get(currency_column)
    if code is None:
        return []
    quantum = _QUANTUM[code]
    problems = []
    for column in amount_columns:
        value: Decimal | None = values.get(column)
        # Trailing zeros are harmless ("1200.0" yen is fine); significant extra digits are not.
        if value is not None and value != value.quantize(quantum):
            # Not rounded for the ERP: the person fixes the export, knowing what to write
            # (a rounding that would not fit either is no advice).
            rounded = value.quantize(quantum, rounding=ROUND_HALF_UP)
            problems.append((column, str(f.too_large(f"{value:f}", f.AMOUNT_DIGITS))
                             if rounded.adjusted() >= f.AMOUNT_DIGITS else
                             f"“{value:f}” has more decimals than {code} allows "
                             f"({minor_units(code)}); round it to {rounded}"))
    return problems


def _customer_rule(values: dict[str, Any], context: ImportContext) -> list[tuple[str, str]]:
    problems = _decimals(values, "currency", "credit_limit", *FINANCIAL_FIELDS)
    for column in ("name", "name_local"):
        if column not in values:  # an optional column the file lacks
            continue
        name = values[column]
        key = values[f"{column}_key"] = normalize_name(name) if name is not None else None
        if name is not None and (not key or looks_blank(name)):
            # A Hangul filler (ㅤ) is a letter to Unicode and shows as nothing.
            problems.append((column, "has no letters or digits that show"))
        elif key is not None and len(key) > _NAME_LENGTH:
            # NFKC spells some characters out (㍿ is 株式会社): a name that fits can have a
            # key that does not, which the database would refuse at the end of the import.
            problems.append((column, f"is {len(key)} characters long once its compatibility "
                                     f"characters are spelled out (㍿ is 株式会社); at most "
                                     f"{_NAME_LENGTH} fit"))
    return problems


def _invoice_rule(values: dict[str, Any], context: ImportContext) -> list[tuple[str, str]]:
    problems = _decimals(values, "currency", "amount", "open_amount")
    status = values.get("status") or InvoiceStatus.OPEN.value
    values["status"] = status
    amount = values.get("amount")
    open_amount = values.get("open_amount")
    if open_amount is None:
        open_amount = Decimal(0) if status == InvoiceStatus.PAID else amount
        values["open_amount"] = open_amount
    elif status == InvoiceStatus.PAID and open_amount != 0:
        problems.append(("open_amount", f"is {open_amount} but the status is paid"))
    if open_amount is not None and amount is not None:
        problems += _open_within(amount, open_amount)
    issue, due = values.get("issue_date"), values.get("due_date")
    if issue is not None and due is not None and due < issue:
        problems.append(("due_date", "is before issue_date"))
    return problems


def _open_within(amount: Decimal, open_amount: Decimal) -> list[tuple[str, str]]:
    """An invoice owes between nothing and its amount. A credit note (a negative amount,
    owed to the customer) is open between its amount and nothing: the reports count it
    in the AR and the current bucket; the checks, orders and alerts leave it out."""
    if amount >= 0 and open_amount < 0:
        return [("open_amount", f"is negative ({open_amount}) on an invoice of {amount}; "
                                "a credit note has a negative amount too")]
    if amount >= 0 and open_amount > amount:
        return [("open_amount", f"{open_amount} is more than the amount, {amount}: an "
                                "invoice owes at most its amount")]
    if amount < 0 and not amount <= open_amount <= 0:
        return [("open_amount", f"{open_amount} of a credit note must lie between its "
                                f"amount, {amount}, and 0")]
    return []


def _order_rule(values: dict[str, Any], context: ImportContext) -> list[tuple[str, str]]:
    values["status"] = values.get("status") or OrderStatus.OPEN.value
    return _decimals(values, "currency", "amount")


def _payment_rule(values: dict[str, Any], context: ImportContext) -> list[tuple[str, str]]:
    return _decimals(values, "currency", "amount")


def _contract_rule(values: dict[str, Any], context: ImportContext) -> list[tuple[str, str]]:
    problems = _decimals(values, "currency", "credit_limit")
    start, end = values.get("start_date"), values.get("end_date")
    if start is not None and end is not None and end < start:
        problems.append(("end_date", "is before start_date"))
    if values.get("credit_limit") is not None and values.get("currency") is None:
        problems.append(("currency", "is needed when credit_limit is given"))
    return problems


def _rate_rule(values: dict[str, Any], context: ImportContext) -> list[tuple[str, str]]:
    base = context.base_currency
    rate = values.get("rate_to_base")
    currency = values.get("currency")
    if base is None or currency is None or rate is None:
        return []
    if currency == base and rate != 1:
        return [("rate_to_base", f"{base} is the base currency; its rate is always 1, not "
                                 f"{rate}: leave {base} out of the rates file")]
    # Refused, not warned: a rate 52× off went live with the warning beside it, and every
    # conversion (pooled limits, alerts, the report) with it.
    far = far_from_worth(currency, base, rate)
    return [("rate_to_base", far)] if far is not None else []


_SIGNED_FINANCIALS = tuple(Field(name, f.amount) for name in FINANCIAL_FIELDS)

CUSTOMERS = ImportKind(
    name="customers",
    key=("customer_id",),
    fields=(
        Field("customer_id", f.identifier, required=True),
        Field("name", f.text(_NAME_LENGTH), required=True),
        # The legal name in the local script, e.g. 杭州红隼贸易有限公司; found like the name.
        Field("name_local", f.text(_NAME_LENGTH)),
        Field("currency", f.currency, required=True),
        Field("credit_limit", f.non_negative_amount, required=True),
        Field("payment_terms_days", f.integer(0, 365), required=True),
        Field("industry", f.text(100)),
        Field("country", f.text(60)),
        Field("owner_slack_id", f.slack_user),
        Field("department", f.text(60)),
        Field("group_id", f.identifier),
        *_SIGNED_FINANCIALS,
        Field("established_year", f.integer(1600, 2200)),
    ),
    rule=_customer_rule,
    derived=("name_key", "name_local_key"),
    derived_from=(("name_local_key", "name_local"),),
    customer_column=None,
    references=(),
    noun="customer",
)

INVOICES = ImportKind(
    name="invoices",
    key=("invoice_id",),
    fields=(
        Field("invoice_id", f.identifier, required=True),
        Field("customer_id", f.identifier, required=True),
        Field("issue_date", f.iso_date, required=True),
        Field("due_date", f.iso_date, required=True),
        # Negative for a credit note (owed to the customer).
        Field("amount", f.amount, required=True),
        Field("currency", f.currency, required=True),
        Field("open_amount", f.amount),
        Field("order_id", f.identifier),
        Field("status", f.choice(*(s.value for s in InvoiceStatus))),
    ),
    rule=_invoice_rule,
    derived=("open_amount", "status"),
    # Without open_amount, a known invoice keeps its balance (0 once marked paid), and
    # without either column its status too. A file with balances but no status makes an
    # invoice open as ever: a paid one given a balance again (a payment returned) must
    # count in exposure.
    kept=(Kept("open_amount", "status", InvoiceStatus.PAID.value, within="amount"),
          Kept("status", with_=("open_amount",))),
    noun="invoice",
)

ORDERS = ImportKind(
    name="orders",
    key=("order_id",),
    fields=(
        Field("order_id", f.identifier, required=True),
        Field("customer_id", f.identifier, required=True),
        Field("order_date", f.iso_date, required=True),
        Field("amount", f.non_negative_amount, required=True),
        Field("currency", f.currency, required=True),
        Field("status", f.choice(*(s.value for s in OrderStatus))),
        Field("contract_id", f.identifier),
        Field("owner_slack_id", f.slack_user),
    ),
    rule=_order_rule,
    derived=("status",),
    # A shipped or cancelled order exported again without a status stays so, rather
    # than counting in exposure again.
    kept=(Kept("status"),),
    references=(CUSTOMER, Reference("contract_id", "contracts", "contract")),
    noun="order",
)

PAYMENTS = ImportKind(
    name="payments",
    key=("payment_id",),
    fields=(
        Field("payment_id", f.identifier, required=True),
        Field("customer_id", f.identifier, required=True),
        Field("date", f.iso_date, required=True),
        Field("amount", f.positive_amount, required=True),
        Field("currency", f.currency, required=True),
        Field("invoice_id", f.identifier),
    ),
    rule=_payment_rule,
    references=(CUSTOMER, Reference("invoice_id", "invoices", "invoice")),
    noun="payment",
)

CONTRACTS = ImportKind(
    name="contracts",
    key=("contract_id",),
    fields=(
        Field("contract_id", f.identifier, required=True),
        Field("customer_id", f.identifier, required=True),
        Field("start_date", f.iso_date, required=True),
        Field("end_date", f.iso_date, required=True),
        Field("payment_terms_days", f.integer(0, 365), required=True),
        Field("credit_limit", f.non_negative_amount),
        Field("currency", f.currency),
    ),
    rule=_contract_rule,
    # A contract's own currency only prices its optional credit limit.
    currency_column=None,
    noun="contract",
)

RATES = ImportKind(
    name="rates",
    key=("date", "currency"),
    fields=(
        Field("date", f.iso_date, required=True),
        Field("currency", f.currency, required=True),
        Field("rate_to_base", f.positive_rate, required=True),
    ),
    rule=_rate_rule,
    customer_column=None,
    references=(),
    currency_column=None,
    noun="exchange rate",
)

KINDS: dict[str, ImportKind] = {
    kind.name: kind for kind in (CUSTOMERS, INVOICES, ORDERS, PAYMENTS, CONTRACTS, RATES)
}
