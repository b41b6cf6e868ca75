"""Every capability's ``FEATURE`` in one catalogue, and ``register``, which wires them into
Bolt. Kept out of the package's ``__init__`` so that importing one module of ``handlers``
(the CLI's config loader reads ``handlers.i18n``) does not import every listener and Bolt."""


from __future__ import annotations

from slack_bolt import App

from handlers import (
    alerts,
    approvals,
    check,
    collections,
    delivery,
    errors,
    help,
    home,
    housekeeping,
    meetings,
    middleware,
    orders,
    registry,
    reports,
)
from handlers.credit import on_credit
from handlers.deps import Deps
from handlers.registry import COMMAND, Catalogue
from handlers.sharing import feature as sharing

# ``delivery`` declares only the scopes of the outbox sender's calls: the sender runs as
# a loop beside each scheduler candidate (bot/delivery.py), not as a job or a listener.
FEATURES = (check.FEATURE, alerts.FEATURE, approvals.FEATURE, orders.FEATURE, help.FEATURE,
            home.FEATURE, housekeeping.FEATURE, delivery.FEATURE,
            reports.FEATURE, collections.FEATURE, meetings.FEATURE,
            sharing.FEATURE)

# What the Slack app manifest declares for the slash command.
COMMAND_DESCRIPTION = "Trade credit: check a customer's credit position"


def catalogue() -> Catalogue:
    return Catalogue(FEATURES)


def register(app: App, deps: Deps) -> Catalogue:
    found = catalogue()
    middleware.register(app, deps, found)
    errors.register(app)
    registry.register(app, found, on_credit)
    return found


__all__ = ["COMMAND", "COMMAND_DESCRIPTION", "FEATURES", "catalogue", "register"]
