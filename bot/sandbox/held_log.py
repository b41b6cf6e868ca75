"""The sandbox's log: what the bot logs for its operator (a missing exchange rate, a
Slack error) is held while it answers and shown after the answer, labelled, instead of
written to the terminal in the middle of the chat by Python's last-resort handler."""

from __future__ import annotations

import logging
import threading
from types import TracebackType

from bot.log_lines import OneLineFormatter


class HeldLog(logging.Handler):
    """Warnings and errors of every logger, kept until ``take``; a context manager that
    installs it on the root logger for the sandbox's run."""

    def __init__(self, level: int = logging.WARNING) -> None:
        super().__init__(level)
        self.setFormatter(OneLineFormatter("%(levelname)s %(name)s: %(message)s"))
        self._lines: list[str] = []
        self._guard = threading.Lock()  # the bot answers on threads of its own

    def emit(self, record: logging.LogRecord) -> None:
        try:
            line = self.format(record)
        except Exception:  # a log line must never break an answer
            self.handleError(record)
            return
        with self._guard:
            self._lines.append(line)

    def take(self) -> list[str]:
        with self._guard:
            lines, self._lines = self._lines, []
        return lines

    def __enter__(self) -> HeldLog:
        logging.getLogger().addHandler(self)
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        logging.getLogger().removeHandler(self)
