"""Collection metrics in Slack: ``/credit report`` (the portfolio's DSO, Best Possible
DSO, average days delinquent, CEI, promises and disputes, the provision matrix and a
line per collector)."""

from __future__ import annotations

from handlers.i18n import N_
from handlers.registry import Feature, Job, Subcommand
from handlers.reports.card import report
from handlers.reports.job import run_report

FEATURE = Feature(
    name="reports",
    subcommands=(
        Subcommand("report", N_("collection metrics: DSO, Best Possible DSO, average days "
                                "delinquent, CEI, the provision matrix, per collector"),
                   "", report, aliases=("报告",), shows=True),
    ),
    scopes=("commands",),
    # The weekly report's post and charts go through the outbox: the delivery feature
    # declares the scopes (chat:write, files:write) the sender needs for them.
    jobs=(Job("report", N_("posts the week's collection metrics with the aging and DSO charts "
              "to the finance channel (reports.post_to)"), "0 9 * * mon", run_report),),
)

__all__ = ["FEATURE"]
