"""After the meeting: Record minutes, ``/credit tasks`` and Done. Filled in by the
minutes-and-tasks work."""

from __future__ import annotations

from handlers.registry import Action, Subcommand, View

SUBCOMMANDS: tuple[Subcommand, ...] = ()
ACTIONS: tuple[Action, ...] = ()
VIEWS: tuple[View, ...] = ()
