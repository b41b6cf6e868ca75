"""The Share action's value and the share form's metadata: what is shared, by id."""

from __future__ import annotations

import re
from typing import Any, Literal, Self

from pydantic import Field, ValidationError, model_validator

from domain.alerts.model import CONDITION_PATTERN as CONDITION
from domain.sharing import CardKind, SharedCard
from handlers.payloads import ActionValue

SHARE_CARD = "share_card"
SHARE_VIEW = "share_card_form"

_ID = r"^[^\x00-\x20\x7f]([^\x00-\x1f\x7f]{0,228}[^\x00-\x20\x7f])?$"


class CardValue(ActionValue):
    """A card by kind and id; each kind's id has the shape creditbot writes for it."""

    kind: Literal["customer", "group", "alert", "request"]
    id: str = Field(min_length=1, max_length=230, pattern=_ID)

    @model_validator(mode="after")
    def _id_fits_kind(self) -> Self:
        if self.kind in ("customer", "group") and len(self.id) > 64:
            raise ValueError("an ERP id is at most 64 characters")
        if self.kind == "alert" and not re.match(CONDITION, self.id):
            raise ValueError("not an alert condition")
        if self.kind == "request" and not (self.id.isascii() and self.id.isdigit()
                                           and len(self.id) <= 10):
            raise ValueError("not a request number")
        return self

    def card(self) -> SharedCard:
        return SharedCard(CardKind(self.kind), self.id)


class ShareForm(CardValue):
    """The form's metadata: the card, and where the Share was pressed (its answer goes
    there, else by direct message)."""

    origin: str | None = Field(default=None, max_length=32)


def share_menu(label: str, kind: str, id: str) -> dict[str, Any] | None:
    """The ``⋯`` menu with *Share with another department* for a card's actions block
    (a menu, not a button: the button lists people know stay as they are). None when
    the id is not one our values take (no menu rather than a refused press)."""
    try:
        value = CardValue(kind=kind, id=id)  # type: ignore[arg-type]
    except ValidationError:
        return None
    return {"type": "overflow", "action_id": SHARE_CARD,
            "options": [{"text": {"type": "plain_text", "text": label[:75], "emoji": True},
                         "value": value.encode()}]}
