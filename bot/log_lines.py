"""One log record, one line: what people type and what the ERP sends reaches log messages
(a domain error quotes the customer name it could not find), and a newline in it would
start a line of its own that reads like the bot's (``… ERROR creditbot.web: …``). An
operator who alerts on ERROR lines, or greps for a request id, must be able to trust
that every line the log has was written by creditbot as it stands."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime

from domain.text import shown_controls

# The moment with its UTC offset (lines stamped 21:30 beside leases said in UTC read as
# hours apart) and the process: with several workers, which of them wrote the line.
FORMAT = "%(asctime)s %(levelname)s [%(process)d] %(name)s: %(message)s"


class OneLineFormatter(logging.Formatter):
    """Writes each control character of a message as its code (a newline as ``\\x0a``, a
    NUL or an escape sequence alike); a traceback keeps its own line breaks, but not the
    controls inside its lines (an exception's text can quote a value too)."""

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        if datefmt is not None:
            return super().formatTime(record, datefmt)
        moment = datetime.fromtimestamp(record.created).astimezone()
        return moment.isoformat(sep=" ", timespec="milliseconds")

    def formatMessage(self, record: logging.LogRecord) -> str:
        record.message = shown_controls(record.message)
        return super().formatMessage(record)

    def formatException(self, ei: logging._SysExcInfoType) -> str:
        return _each_line(super().formatException(ei))

    def formatStack(self, stack_info: str) -> str:
        return _each_line(super().formatStack(stack_info))


def _each_line(text: str) -> str:
    return "\n".join(shown_controls(line) for line in text.split("\n"))


def counts_text(counts: Mapping[str, int]) -> str:
    """A job run's counts as a person reads them, in the log and from `creditbot jobs
    run`: ``customers 20, announced 3``."""
    if dict(counts) == {"holiday": 1}:
        # What the jobs that keep the organisation's holidays count on one ("holiday 1"
        # in `jobs list` and the log left operators wondering what had run).
        return "nothing done: a holiday (the next working day's run catches up)"
    return ", ".join(f"{name} {value}" for name, value in counts.items()) or "nothing counted"
