"""The six kinds of ERP export: their columns, keys and cross-column rules."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from domain.currencies import MINOR_UNITS, minor_units
from domain.imports import fields as f
from domain.lookup import normalize_name
from domain.model import InvoiceStatus, OrderStatus

# A rule sees the parsed values of one row, may fill in derived values, and returns
# the problems it found as (column, reason) pairs.
RowRule = Callable[[dict[str, Any]], list[tuple[str, str]]]

_QUANTUM = {code: Decimal(1).scaleb(-places) for code, places in MINOR_UNITS.items()}


@dataclass(frozen=True)
class Field:
    name: str
    parse: f.Parser
    required: bool = False


@dataclass(frozen=True)
class ImportKind:
    name: str
    key: tuple[str, ...]
    fields: tuple[Field, ...]
    rule: RowRule
    # Columns the rule derives, written even when the file lacks them.
    derived: tuple[str, ...] = ()
    # The column naming the customer a row belongs to (checked against the database).
    customer_column: str | None = "customer_id"

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
            problems.append((column, f"has more decimals than {code} allows "
                                     f"({minor_units(code)})"))
    return problems


def _customer_rule(values: dict[str, Any]) -> list[tuple[str, str]]:
    values["name_key"] = normalize_name(values["name"])
    if not values["name_key"]:
        return [("name", "has no letters or digits")]
    return _decimals(values, "currency", "credit_limit")


def _invoice_rule(values: dict[str, Any]) -> list[tuple[str, str]]:
    problems = _decimals(values, "currency", "amount", "open_amount")
    status = values.get("status") or InvoiceStatus.OPEN.value
    values["status"] = status
    open_amount = values.get("open_amount")
    if open_amount is None:
        open_amount = Decimal(0) if status == InvoiceStatus.PAID else values["amount"]
        values["open_amount"] = open_amount
    elif status == InvoiceStatus.PAID and open_amount > 0:
        problems.append(("open_amount", f"is {open_amount} but the status is paid"))
    if open_amount > values["amount"]:
        problems.append(
            ("open_amount", f"({open_amount}) is more than amount ({values['amount']})"))
    if values["due_date"] < values["issue_date"]:
        problems.append(("due_date", "is before issue_date"))
    return problems


def _order_rule(values: dict[str, Any]) -> list[tuple[str, str]]:
    values["status"] = values.get("status") or OrderStatus.OPEN.value
    return _decimals(values, "currency", "amount")


def _payment_rule(values: dict[str, Any]) -> list[tuple[str, str]]:
    return _decimals(values, "currency", "amount")


def _contract_rule(values: dict[str, Any]) -> list[tuple[str, str]]:
    problems = _decimals(values, "currency", "credit_limit")
    if values["end_date"] < values["start_date"]:
        problems.append(("end_date", "is before start_date"))
    if values.get("credit_limit") is not None and values.get("currency") is None:
        problems.append(("currency", "is needed when credit_limit is given"))
    return problems


def _no_rule(values: dict[str, Any]) -> list[tuple[str, str]]:
    return []


_SIGNED_FINANCIALS = tuple(
    Field(name, f.amount)
    for name in ("revenue", "total_assets", "total_liabilities", "current_assets",
                 "current_liabilities", "retained_earnings", "ebit", "equity")
)

CUSTOMERS = ImportKind(
    name="customers",
    key=("customer_id",),
    fields=(
        Field("customer_id", f.text(64), required=True),
        Field("name", f.text(200), required=True),
        Field("currency", f.currency, required=True),
        Field("credit_limit", f.non_negative_amount, required=True),
        Field("payment_terms_days", f.integer(0, 365), required=True),
        Field("industry", f.text(100)),
        Field("country", f.text(60)),
        Field("owner_slack_id", f.slack_user),
        Field("department", f.text(60)),
        Field("group_id", f.text(64)),
        *_SIGNED_FINANCIALS,
        Field("established_year", f.integer(1600, 2200)),
    ),
    rule=_customer_rule,
    derived=("name_key",),
    customer_column=None,
)

INVOICES = ImportKind(
    name="invoices",
    key=("invoice_id",),
    fields=(
        Field("invoice_id", f.text(64), required=True),
        Field("customer_id", f.text(64), required=True),
        Field("issue_date", f.iso_date, required=True),
        Field("due_date", f.iso_date, required=True),
        Field("amount", f.non_negative_amount, required=True),
        Field("currency", f.currency, required=True),
        Field("open_amount", f.non_negative_amount),
        Field("order_id", f.text(64)),
        Field("status", f.choice(*(s.value for s in InvoiceStatus))),
    ),
    rule=_invoice_rule,
    derived=("open_amount", "status"),
)

ORDERS = ImportKind(
    name="orders",
    key=("order_id",),
    fields=(
        Field("order_id", f.text(64), required=True),
        Field("customer_id", f.text(64), required=True),
        Field("order_date", f.iso_date, required=True),
        Field("amount", f.non_negative_amount, required=True),
        Field("currency", f.currency, required=True),
        Field("status", f.choice(*(s.value for s in OrderStatus))),
        Field("contract_id", f.text(64)),
        Field("owner_slack_id", f.slack_user),
    ),
    rule=_order_rule,
    derived=("status",),
)

PAYMENTS = ImportKind(
    name="payments",
    key=("payment_id",),
    fields=(
        Field("payment_id", f.text(64), required=True),
        Field("customer_id", f.text(64), required=True),
        Field("date", f.iso_date, required=True),
        Field("amount", f.positive_decimal, required=True),
        Field("currency", f.currency, required=True),
        Field("invoice_id", f.text(64)),
    ),
    rule=_payment_rule,
)

CONTRACTS = ImportKind(
    name="contracts",
    key=("contract_id",),
    fields=(
        Field("contract_id", f.text(64), required=True),
        Field("customer_id", f.text(64), required=True),
        Field("start_date", f.iso_date, required=True),
        Field("end_date", f.iso_date, required=True),
        Field("payment_terms_days", f.integer(0, 365), required=True),
        Field("credit_limit", f.non_negative_amount),
        Field("currency", f.currency),
    ),
    rule=_contract_rule,
)

RATES = ImportKind(
    name="rates",
    key=("date", "currency"),
    fields=(
        Field("date", f.iso_date, required=True),
        Field("currency", f.currency, required=True),
        Field("rate_to_base", f.positive_decimal, required=True),
    ),
    rule=_no_rule,
    customer_column=None,
)

KINDS: dict[str, ImportKind] = {
    kind.name: kind for kind in (CUSTOMERS, INVOICES, ORDERS, PAYMENTS, CONTRACTS, RATES)
}
