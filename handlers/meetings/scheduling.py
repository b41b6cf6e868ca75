"""``/credit meeting`` (the scheduling form), ``/credit meetings`` (the list, with
Reschedule and Cancel). Filled in by the scheduling work."""

from __future__ import annotations

from handlers.registry import Action, Subcommand, View

SUBCOMMANDS: tuple[Subcommand, ...] = ()
ACTIONS: tuple[Action, ...] = ()
VIEWS: tuple[View, ...] = ()
