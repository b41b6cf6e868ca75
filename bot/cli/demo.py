"""``creditbot demo``: load the bundled demo portfolio."""

from __future__ import annotations

from pathlib import Path

import click

from bot.cli.common import _services, friendly_errors, out
from bot.cli.imports import summary_line
from bot.cli.positions import print_portfolio
from storage.db import upgrade


@click.command()
@click.option("--data-dir", type=click.Path(path_type=Path), default=None,
              help="Keep the generated demo CSV files here (default: a temporary folder).")
@friendly_errors
def demo(data_dir: Path | None) -> None:
    """Load the bundled demo portfolio into the database and print its credit position."""
    from bot.demo import load_demo_data

    services = _services(schema=False)
    upgrade(services.engine)
    load_demo_data(services.engine, services.today(), data_dir,
                   progress=lambda report: out.print(summary_line(report), markup=False,
                                                     soft_wrap=True))
    print_portfolio(services, services.today(), 15)
