"""``creditbot position`` and ``creditbot portfolio``: credit positions in the terminal."""

from __future__ import annotations

from datetime import date
from typing import Any

import click

from bot.cli.common import _as_of_option, _services, friendly_errors, out
from bot.wiring import Services
from domain.positions import customer_position, portfolio_positions


@click.command()
@click.argument("customer")
@_as_of_option
@friendly_errors
def position(customer: str, as_of: Any) -> None:
    """Show one customer's credit position (by id, name, prefix or close match)."""
    from bot.terminal import render_position

    services = _services()
    day = as_of.date() if as_of else services.today()
    with services.uow() as uow:
        found, pos = customer_position(uow, customer, day, services.policy)
    render_position(out, found, pos)


@click.command()
@_as_of_option
@click.option("--top", default=20, show_default=True, help="Rows to show (0 for all).")
@friendly_errors
def portfolio(as_of: Any, top: int) -> None:
    """The portfolio's credit position, tightest available credit first."""
    services = _services()
    print_portfolio(services, as_of.date() if as_of else services.today(), top)


def print_portfolio(services: Services, day: date, top: int) -> None:
    from bot.terminal import render_portfolio

    with services.uow() as uow:
        positions = portfolio_positions(uow, day, services.policy)
    render_portfolio(out, positions, services.config, day, top)
