"""Slack listeners: parse what a person did, call a domain use case, render Block Kit.

Each subject has its own small module with a ``register(app)`` function; this package's
``register`` wires them all. Listeners get their dependencies from Bolt's context (set
by ``handlers.middleware``), never from globals.
"""

from __future__ import annotations

from slack_bolt import App

from handlers import errors, middleware
from handlers.actions import check_actions
from handlers.commands import credit
from handlers.deps import Deps
from handlers.events import home

# What the Slack app manifest must declare for these listeners to receive anything.
SLASH_COMMANDS = {credit.COMMAND: "Trade credit: check a customer's credit position"}
BOT_EVENTS = ("app_home_opened",)
# commands: /credit; chat:write: shared cards and apologies; chat:write.public: sharing into
# a public channel the bot was never invited to.
BOT_SCOPES = ("commands", "chat:write", "chat:write.public")


def register(app: App, deps: Deps) -> None:
    middleware.register(app, deps)
    errors.register(app)
    credit.register(app)
    check_actions.register(app)
    home.register(app)
