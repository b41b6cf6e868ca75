"""``creditbot position`` and ``creditbot portfolio``: credit positions in the terminal."""

from __future__ import annotations

from datetime import date
from typing import Any

import click
from rich.text import Text

from bot.cli.common import _as_of_option, _services, err, friendly_errors, out
from bot.wiring import Services
from domain.errors import CustomerLookupError
from domain.lookup import resolve_subject
from domain.positions import (
    PortfolioEntry,
    customer_position,
    group_position,
    portfolio_positions,
)
from domain.refs import GroupRef
from domain.text import shown_controls
from handlers.customer_hint import BY_ID, guess, which_customer


@click.command(short_help="A customer's or a customer group's credit position.")
@click.argument("customer")
@_as_of_option
@friendly_errors
def position(customer: str, as_of: Any) -> None:
    """Show the credit position of CUSTOMER (id, name, prefix or close match), or of a
    customer group given by its group id (e.g. HUAXIA): the members' pooled exposure
    against their summed limits in the base currency, then a row per member."""
    from bot.terminal import render_group, render_position

    services = _services()
    day = as_of or services.today()
    _today_s_items(services, day)
    with services.uow() as uow:
        try:
            subject = resolve_subject(customer, uow.customers)
        except CustomerLookupError as unclear:
            # The closest names and a command to copy: a terminal cannot take the
            # answer to "which one?".
            raise which_customer(unclear, "position", program="creditbot") from None
        if isinstance(subject, GroupRef):
            members, pooled = group_position(uow, subject.group_id,
                                             services.policy.base_currency, day,
                                             services.policy)
            rows = [PortfolioEntry(m, customer_position(uow, m.customer_id, day,
                                                        services.policy)[1], None)
                    for m in members]
        else:
            found, pos = customer_position(uow, subject.customer_id, day, services.policy)
            how = guess(customer, subject)
            if how is not None:
                # As the Slack card says it: a typo is not taken for the exact name.
                said = (f"no customer has the id “{customer}”: this is "
                        f"{subject.customer_id}, {subject.name}." if how == BY_ID else
                        f"no customer is named “{customer}”: this is the closest, "
                        f"{subject.name} ({subject.customer_id}).")
                err.print(Text(shown_controls(f"note: {said}")),
                          soft_wrap=True)
    if isinstance(subject, GroupRef):
        render_group(out, subject.group_id, members, pooled, rows)
    else:
        render_position(out, found, pos)


@click.command(short_help="Every customer's credit position, with totals.")
@_as_of_option
@click.option("--top", default=20, show_default=True, type=click.IntRange(min=0),
              help="Rows to show (0 for all).")
@friendly_errors
def portfolio(as_of: Any, top: int) -> None:
    """Every customer's credit position, highest utilisation (exposure as a share of the
    limit) first, with totals in the base currency at the latest rates.

    Customers whose figures need a missing exchange rate come first, marked; the totals
    say how many they leave out.
    """
    services = _services()
    _today_s_items(services, as_of or services.today())
    print_portfolio(services, as_of or services.today(), top)


def _today_s_items(services: Services, day: date) -> None:
    """Says that another day's figures are today's items seen from it: creditbot keeps
    the ERP's latest export, not its history, so a quarter end's "as of" was read as
    that day's position by whoever asked for it."""
    today = services.today()
    if day == today:
        return
    said = ("not the position as it stood that day" if day < today else
            "as if nothing were paid or invoiced until then")
    err.print(Text(f"note: these are today's open invoices and orders, aged and converted "
                   f"as of {day} (creditbot keeps the ERP's latest export, not its "
                   f"history): {said}."), soft_wrap=True)


def print_portfolio(services: Services, day: date, top: int) -> None:
    from bot.terminal import render_portfolio

    with services.uow() as uow:
        entries = portfolio_positions(uow, day, services.policy)
    render_portfolio(out, entries, services.config, day, top)
