"""Marking text that people read, so the Slack side can show it in their language.

The domain writes English with ``{named}`` placeholders and wraps it in ``N_`` where it
is defined; ``pybabel extract`` finds ``N_`` calls, and ``handlers.i18n`` translates the
template and fills in the values as the reader's locale writes them. ``N_`` itself does
nothing at run time.
"""

from __future__ import annotations

from typing import Any


def N_(message: str) -> str:
    return message


class Phrase(str):
    """Marked text given as a message's value (an example line, a list of formats): the
    translator shows it in the reader's language, where a plain string stays English."""

    def shown_by(self, tr: Any) -> str:
        return str(tr._(str(self)))
