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
# bodies: every message's credit figures, people's reasons, customers' names, in the
# journal of whoever turned DEBUG on to follow a delivery. A webhook's URL is a
# response_url, which lets whoever holds it post as the bot. The method (the API's URL)
# and the status are kept.
_SLACK_CALL = re.compile(r"(?P<sent>Sending a request - url: )(?P<url>[^,\s]*)"
                         r"|Received the following response - status: [^,\s]*"
                         r"|Responding with status: \S+")


def _without_body(message: str) -> str:
    call = _SLACK_CALL.match(message)
    if call is None:
        return message
    kept = call[0]
    if call["sent"] and "/api/" not in call["url"]:  # a webhook: its URL is the secret
        kept = call["sent"] + "a response_url"
    return kept + " (its body left out of the log)"


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
