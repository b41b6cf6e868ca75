"""Rich renderings of credit positions for the command line."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from rich import box
from rich.console import Console
from rich.segment import Segments
from rich.table import Table
from rich.text import Text

from bot.config import AppConfig
from domain.errors import MissingRate
from domain.exposure import CreditPosition
from domain.model import Customer
from domain.money import Money
from domain.positions import PortfolioEntry, PortfolioTotals, portfolio_totals
from domain.text import shown_controls

EMPTY_HINT = "no customers yet: creditbot import customers FILE.csv, or creditbot demo"
_AMOUNTS = ("Limit", "Exposure", "Available", "Overdue")
# The customer column never gets narrower than this; names wrap inside it.
_NAME_MIN = 10


def _available(position: CreditPosition) -> str:
    text = position.available.format()
    return f"[bold red]{text} (over limit)[/]" if position.over_limit else f"[green]{text}[/]"


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


def _position_rows(table: Table, position: CreditPosition, limit_label: str,
                   aging: bool) -> None:
    """The rows a customer's and a group's position share."""
    table.add_row(limit_label, position.limit.format())
    table.add_row("Open invoices", f"{position.open_invoices.format()} "
                                   f"({_count(position.invoice_count, 'invoice')})")
    table.add_row("Open orders", f"{position.open_orders.format()} "
                                 f"({_count(position.order_count, 'order')})")
    table.add_row("Exposure", position.exposure.format())
    table.add_row("Available credit", _available(position))
    table.add_row("Overdue", position.aging.overdue.format())
    oldest = position.aging.oldest_overdue_days
    table.add_row("Oldest overdue", _count(oldest, "day") if oldest is not None else "—")
    if aging:
        for label, amount in zip(position.aging.labels, position.aging.amounts, strict=True):
            table.add_row(f"Aging {label}", amount.format())


def render_position(console: Console, customer: Customer, position: CreditPosition) -> None:
    # Text, not a str: Rich reads a str title as markup, and an ERP name such as
    # "[link=https://evil.example]Acme[/link]" became a hidden link ("Acme [/] Corp" a
    # traceback).
    table = Table(title=_named(customer), show_header=False, title_justify="left")
    table.add_column(style="bold")
    table.add_column(justify="right")
    _position_rows(table, position, "Credit limit", aging=True)
    terms = f"{customer.payment_terms_days} days"
    if customer.erp_terms_days is not None:
        terms += f" (approved in creditbot; ERP: {customer.erp_terms_days} days)"
    table.add_row("Payment terms", terms)
    table.add_row("Owner", customer.owner_slack_id or "—")
    table.caption = f"as of {position.as_of.isoformat()}"
    console.print(table)


def render_group(console: Console, group_id: str, members: Sequence[Customer],
                 position: CreditPosition, member_entries: Sequence[PortfolioEntry]) -> None:
    """A customer group's pooled position, then a row per member in its own currency."""
    count = _count(len(members), "member")
    table = Table(title=Text(shown_controls(
        f"Group {group_id}: {count}, pooled in {position.limit.currency}")),
        show_header=False, title_justify="left")
    table.add_column(style="bold")
    table.add_column(justify="right")
    _position_rows(table, position, "Credit limit (sum)", aging=False)
    table.caption = f"as of {position.as_of.isoformat()}"
    console.print(table)
    _print_fitted(console, _positions_table(member_entries, caption="",
                                            title="Members, each in its credit currency"))


def _named(customer: Customer) -> Text:
    """A customer as the ERP names it, inert: no markup, no control a terminal obeys."""
    return Text(shown_controls(f"{customer.name} ({customer.customer_id})"))


def _missing(rate: MissingRate) -> str:
    return f"no {rate.base} rate for {rate.currency}"


def _order(entry: PortfolioEntry) -> tuple[int, object]:
    # Unknown figures first (a customer we cannot measure may be over its limit), then
    # the highest utilisation; customers without a limit to measure by last.
    if entry.position is None:
        return (0, entry.customer.customer_id)
    used = entry.position.utilisation
    return (1, -used) if used is not None else (2, entry.customer.customer_id)


def _amount(money: Money) -> str:
    return money.format().split(" ", 1)[1]


def _positions_table(entries: Sequence[PortfolioEntry], *, title: Text | str, caption: str,
                     totals: PortfolioTotals | None = None) -> Table:
    """A row per entry, then the ``totals`` row if given."""
    # One space between columns and none at the edges: the amounts get every column the
    # terminal has (see _print_fitted).
    table = Table(title=title, caption=caption, box=box.SIMPLE_HEAD, show_edge=False,
                  padding=(0, 0), title_justify="left", caption_justify="left")
    table.add_column("Customer", overflow="fold", ratio=1, min_width=_NAME_MIN)
    table.add_column("Cur", no_wrap=True)
    for header in (*_AMOUNTS, "Used", "Oldest"):
        table.add_column(header, justify="right", no_wrap=True)
    for entry in entries:
        table.add_row(*_entry_cells(entry))
    if totals is not None:
        table.add_section()
        table.add_row(*_total_cells(totals))
    # Amounts never shrink: only the customer column gives way (its names wrap).
    for column in table.columns[1:]:
        column.min_width = max((Text.from_markup(str(cell)).cell_len for cell in column.cells),
                               default=0)
        column.min_width = max(column.min_width, Text(str(column.header)).cell_len)
    return table


def _entry_cells(entry: PortfolioEntry) -> list[str | Text]:
    customer, position = entry.customer, entry.position
    name = _named(customer)
    if entry.missing_rate is not None:
        name.append(f"\n{_missing(entry.missing_rate)}", style="yellow")
    if position is None:
        limit = entry.approved.limit if entry.approved else customer.credit_limit
        return [name, limit.currency, _amount(limit), "—", "—", "—", "—", "—"]
    if position.over_limit:
        name.append("\nover limit", style="bold red")
    oldest = position.aging.oldest_overdue_days
    available = Text(_amount(position.available),
                     style="bold red" if position.over_limit else "green")
    return [name, position.limit.currency, _amount(position.limit),
            _amount(position.exposure), available, _amount(position.aging.overdue),
            used(position), f"{oldest}d" if oldest else "—"]


def used(position: CreditPosition) -> str:
    """Utilisation, what the portfolio is ordered by, as a whole percentage (rounded
    down, so that 99.6 % does not read as the limit reached, and "over 100%" when over
    it by less than a percent, as Slack's cards say); "—" without a limit."""
    share = position.utilisation
    if share is None:
        return "—"
    shown = f"{int(share * 100):,}%"
    return f"over {shown}" if share > 1 and shown == "100%" else shown


def _total_cells(totals: PortfolioTotals) -> list[str | Text]:
    base = totals.limit.currency
    label = Text(f"Total, {_count(totals.counted, 'customer')}",
                 style="bold")
    if totals.left_out:
        why = ", ".join(f"no {base} rate for {c}" for c in totals.missing_currencies)
        label.append(f"\nleaves out {totals.left_out}: {why}", style="yellow")
    return [label, base, _amount(totals.limit), _amount(totals.exposure), "",
            _amount(totals.overdue), "", ""]


def _print_fitted(console: Console, table: Table) -> None:
    """Print ``table``; in a terminal too narrow for its amounts, print it wider (the
    terminal wraps the lines) rather than cut an amount short."""
    needed = _NAME_MIN + sum(c.min_width or 0 for c in table.columns[1:]) + len(table.columns) - 1
    print_at_least(console, table, needed)


def print_at_least(console: Console, table: Table, needed: int) -> None:
    """Print ``table`` at least ``needed`` columns wide: wider than the terminal when it
    must be (the terminal wraps the lines), so that no value is ever cut short."""
    if needed <= console.width:
        console.print(table)
        return
    lines = console.render_lines(table, console.options.update_width(needed), pad=False,
                                 new_lines=True)
    console.print(Segments([segment for line in lines for segment in line]), soft_wrap=True,
                  end="")


def render_portfolio(console: Console, entries: Sequence[PortfolioEntry], config: AppConfig,
                     day: date, top: int) -> None:
    if not entries:
        console.print(EMPTY_HINT, markup=False, soft_wrap=True)
        return
    base = config.organisation.base_currency
    ordered = sorted(entries, key=_order)
    shown = ordered if top <= 0 else ordered[:top]
    totals = portfolio_totals(entries, base)
    covered = (f"all {len(entries)} customers" if not totals.left_out else
               f"{totals.counted} of {len(entries)} customers")
    caption = (f"{len(shown)} of {len(entries)} customers, highest utilisation (exposure as a "
               f"share of the limit) first. Totals: {covered} in {base}, at the latest rates "
               f"on or before {day.isoformat()}.")
    title = Text(shown_controls(
        f"{config.organisation.name} — credit position as of {day.isoformat()}"))
    _print_fitted(console, _positions_table(shown, title=title, caption=caption, totals=totals))
