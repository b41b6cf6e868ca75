"""``creditbot demo``: load the bundled demo portfolio."""

from __future__ import annotations

from pathlib import Path

import click

from bot.cli.common import _fail, _services, friendly_errors, out
from bot.cli.positions import print_portfolio
from bot.imports import summary_line
from storage.db import make_engine, upgrade, url_shown


@click.command(short_help="Load the demo portfolio into an empty database.")
@click.option("--data-dir", type=click.Path(path_type=Path), default=None,
              help="Keep the generated demo CSV files here (default: a temporary folder).")
@click.option("--force", is_flag=True,
              help="Load into a database that already has customers: the demo's rows are "
                   "upserted by id (C0001-C0050 overwritten), the rest stay.")
@friendly_errors
def demo(data_dir: Path | None, force: bool) -> None:
    """Load the bundled demo portfolio into an empty database and print its credit position.

    Creates and migrates the schema first if needed. Refuses a database that already has
    customers unless --force is given.
    """
    from bot.demo import DEMO_RATES_IN_USD, demo_base, load_demo_data, review_demo_orders

    services = _services(schema=False)
    # Like `db upgrade`, the demo may start a new SQLite file; then the usual engine opens it.
    creating = make_engine(services.settings.database_url, create=True)
    try:
        upgrade(creating)
    finally:
        creating.dispose()
    with services.uow() as uow:
        existing = len(uow.customers.fetch())
    if existing and not force:
        where = url_shown(services.engine.url)
        _fail(f"{where} already has {existing:,} customer(s): the demo loads into an empty "
              "database only, so that its made-up customers never mix with real ones. Point "
              "DATABASE_URL at a new database (e.g. sqlite:///demo.db), or add --force to load "
              "it anyway.")
    base = services.config.organisation.base_currency
    load_demo_data(services.engine, services.today(), data_dir,
                   progress=lambda report: out.print(summary_line(report), markup=False,
                                                     soft_wrap=True), base=base)
    if demo_base(base) != base:
        out.print(DEMO_RATES_IN_USD.format(base=base), markup=False,
                  soft_wrap=True)
    counts = review_demo_orders(services.orders)
    out.print(f"orders: {counts['reviewed']:,} open ERP order(s) reviewed, {counts['held']:,} "
              "held (the demo's account owners are not messaged)", markup=False,
              soft_wrap=True)
    print_portfolio(services, services.today(), 15)
