"""Accept, Decline, Propose another time on an invitation. Filled in by the
invitations work."""

from __future__ import annotations

from handlers.registry import Action, View

ACTIONS: tuple[Action, ...] = ()
VIEWS: tuple[View, ...] = ()
