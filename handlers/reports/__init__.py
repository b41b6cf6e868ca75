"""Collection metrics in Slack: ``/credit report`` (the portfolio's DSO, Best Possible
DSO, average days delinquent, CEI, promises and disputes, the provision matrix and a
line per collector)."""

from __future__ import annotations

from handlers.i18n import N_
from handlers.registry import Feature, Subcommand
from handlers.reports.card import report

FEATURE = Feature(
    name="reports",
    subcommands=(
        Subcommand("report", N_("collection metrics: DSO, Best Possible DSO, average days "
                                "delinquent, CEI, the provision matrix, per collector"),
                   "", report, aliases=("报告",)),
    ),
    scopes=("commands",),
)

__all__ = ["FEATURE"]
