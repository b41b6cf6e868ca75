"""A button's confirmation dialog (Block Kit's ``confirm``), as Slack shows it before
anything is sent: Cancel the meeting? with its two answers. Without it the sandbox
cancelled a meeting for everyone at one keypress, and nobody practising saw the safeguard
their colleagues will see in Slack."""

from __future__ import annotations

import itertools
from typing import Any

from rich.markup import escape as rich_escape

from bot.sandbox.session import SandboxBase

# What answers the dialog's confirm button, besides its own label.
_YES = {"y", "yes", "是", "确认", "确定"}


class Confirming(SandboxBase):
    def _confirmed(self, dialog: dict[str, Any]) -> bool:
        """Shows ``dialog`` and reads the answer: True to go on with the press."""
        def text(key: str) -> str:
            return str((dialog.get(key) or {}).get("text") or "")

        yes, no = text("confirm") or self.tr._("Yes"), text("deny") or self.tr._("Cancel")
        self.console.print("[bold]" + rich_escape(text("title")) + "[/bold]")
        if text("text"):
            self.console.print(rich_escape(text("text")))
        self.console.print(rich_escape(self.tr._("y  {yes}    n  {no}", yes=yes, no=no)))
        line = self._next_line(self.tr._("y/n") + "> ")
        if line is not None and line.startswith(("/", ":")) and self._feed is not None:
            # A script that went on without answering: the dialog closes unanswered and
            # the command runs, rather than the press going through on its own.
            self._feed = itertools.chain([line], self._feed)
            line = None
        if line is not None and (line.casefold() in _YES or line.casefold() == yes.casefold()):
            return True
        self.console.print("[dim]" + rich_escape(self.tr._(
            "“{no}”: nothing was sent (type y to answer “{yes}”).", no=no, yes=yes))
            + "[/dim]\n")
        return False
