"""Roles as people read them: app.yaml keys (``credit_manager``) shown by a name the
reader's language has (``credit manager``, 信用经理). A key creditbot has no name for reads
with its underscores as spaces (``regional_head`` → ``regional head``)."""

from __future__ import annotations

from typing import Any, Protocol

from domain.text import N_

NAMES = {
    "credit_analyst": N_("credit analyst"),
    "credit_manager": N_("credit manager"),
    "finance_director": N_("finance director"),
    "cfo": N_("CFO"),
    "collector": N_("collector"),
    "collections_lead": N_("collections lead"),
    "legal": N_("legal"),
    "sales": N_("sales"),
}


class _Translates(Protocol):
    def _(self, message: str, **params: Any) -> str: ...


class Role(str):
    """A role key in a message's values: the translator shows it by its name
    (``shown_by``), where a plain string would show the key."""

    def shown_by(self, tr: _Translates) -> str:
        name = NAMES.get(str(self))
        return tr._(name) if name is not None else self.replace("_", " ")

    def __format__(self, spec: str) -> str:
        # English where no translator is at hand (a DomainError's str(), the CLI).
        return format(self.shown_by(_English()), spec)


class _English:
    def _(self, message: str, **params: Any) -> str:
        return message
