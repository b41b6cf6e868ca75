"""Rich renderings of credit positions for the command line."""

from __future__ import annotations

from datetime import date

from rich.console import Console
from rich.table import Table

from bot.config import AppConfig
from domain.exposure import CreditPosition
from domain.model import Customer


def _available(position: CreditPosition) -> str:
    text = position.available.format()
    return f"[bold red]{text} (over limit)[/]" if position.over_limit else f"[green]{text}[/]"


def render_position(console: Console, customer: Customer, position: CreditPosition) -> None:
    table = Table(title=f"{customer.name} ({customer.customer_id})", show_header=False,
                  title_justify="left")
    table.add_column(style="bold")
    table.add_column(justify="right")
    table.add_row("Credit limit", position.limit.format())
    table.add_row("Open invoices", f"{position.open_invoices.format()} "
                                   f"({position.invoice_count} invoices)")
    table.add_row("Open orders", f"{position.open_orders.format()} ({position.order_count} orders)")
    table.add_row("Exposure", position.exposure.format())
    table.add_row("Available credit", _available(position))
    table.add_row("Overdue", position.aging.overdue.format())
    for label, amount in zip(position.aging.labels, position.aging.amounts, strict=True):
        table.add_row(f"  {label}", amount.format())
    oldest = position.aging.oldest_overdue_days
    table.add_row("Oldest overdue", f"{oldest} days" if oldest is not None else "—")
    table.add_row("Payment terms", f"{customer.payment_terms_days} days")
    table.add_row("Owner", customer.owner_slack_id or "—")
    table.caption = f"as of {position.as_of.isoformat()}"
    console.print(table)


def render_portfolio(console: Console, positions: list[tuple[Customer, CreditPosition]],
                     config: AppConfig, day: date, top: int) -> None:
    ordered = sorted(positions, key=lambda cp: (cp[1].utilisation is None,
                                                -(cp[1].utilisation or 0)))
    shown = ordered if top <= 0 else ordered[:top]
    table = Table(title=f"{config.organisation.name} — credit position as of {day.isoformat()}",
                  caption=f"{len(shown)} of {len(positions)} customers, highest utilisation first")
    for header in ("Customer", "Limit", "Exposure", "Available", "Overdue", "Oldest"):
        table.add_column(header, justify="left" if header == "Customer" else "right")
    for customer, position in shown:
        oldest = position.aging.oldest_overdue_days
        table.add_row(f"{customer.name} ({customer.customer_id})", position.limit.format(),
                      position.exposure.format(), _available(position),
                      position.aging.overdue.format(), f"{oldest}d" if oldest else "—")
    console.print(table)
