"""One log record, one line: what people type and what the ERP sends reaches log messages
(a domain error quotes the customer name it could not find), and a newline in it would
start a line of its own that reads like the bot's (``… ERROR creditbot.web: …``). An
operator who alerts on ERROR lines, or greps for a request id, must be able to trust
that every line the log has was written by creditbot as it stands."""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from datetime import datetime

from domain.text import shown_controls

# The moment with its UTC offset (lines stamped 21:30 beside leases said in UTC read as
# hours apart) and the process: with several workers, which of them wrote the line.
FORMAT = "%(asctime)s %(levelname)s [%(process)d] %(name)s: %(message)s"


# slack_sdk's and Bolt's debug lines of a call write its request's and its answer's
# bodies (every message's credit figures, people's reasons, customers' names) into the
# journal of whoever turned DEBUG on to follow a delivery: written up to the body. Bolt's
# "Skipped self event" quotes the bot's own message whole.
_SLACK_CALL = ("Sending a request - url:", "Received the following response -",
               "Responding with", "Skipped self event")
_BODY = re.compile(r",? (?:query_params|body_params|json_body|body|headers):|: \{")
# A response_url, even at INFO (slack_sdk's retry lines name it): whoever holds one
# posts as the bot.
_RESPONSE_URL = re.compile(r"https?://[^\s,]*/(?:commands|actions|hooks)/[^\s,]+")


def _without_body(message: str) -> str:
    message = _RESPONSE_URL.sub("a response_url", message)
    if not message.startswith(_SLACK_CALL):
        return message
    cut = _BODY.search(message)
    return (message[:cut.start()] if cut else message) + " (its body left out of the log)"


class OneLineFormatter(logging.Formatter):
    """Writes each control character of a message as its code (a newline as ``\\x0a``, a
    NUL or an escape sequence alike); a traceback keeps its own line breaks, but not the
    controls inside its lines (an exception's text can quote a value too). A Slack call
    logged by slack_sdk is written without its bodies."""

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        if datefmt is not None:
            return super().formatTime(record, datefmt)
        moment = datetime.fromtimestamp(record.created).astimezone()
        return moment.isoformat(sep=" ", timespec="milliseconds")

    def formatMessage(self, record: logging.LogRecord) -> str:
        record.message = shown_controls(_without_body(record.message))
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
