"""Typed button values and modal metadata.

A value the bot put on a button comes back from Slack as a string; it is parsed into a
small pydantic model before any listener sees it. A value that does not parse was not
written by us (or by this version of us): the request is refused like a forged one.
Values carry ids only; amounts, roles and states are re-read from our own records.
"""

from __future__ import annotations

import json
from typing import Annotated, Any, Self

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError

from domain.imports.fields import ID_PATTERN
from domain.zones import is_zone_name

# An ERP id (a customer's, an invoice's) as the imports take it: any of them comes back.
ERP_ID = f"^{ID_PATTERN}$"
# A conversation's id as Slack writes it: where a form was opened, for its answer.
CHANNEL_ID = r"^[CDG][A-Z0-9]{2,20}$"


def opened_in(body: dict[str, Any]) -> str | None:
    """The conversation a button was pressed in (a form's answer goes beside it)."""
    return (body.get("channel") or {}).get("id") or (body.get("container") or {}).get(
        "channel_id")


def _a_zone(name: str) -> str:
    if not is_zone_name(name):
        raise ValueError("not a time zone")
    return name


# An IANA time zone a form was drawn in (``Europe/Berlin``).
ZoneName = Annotated[str, Field(min_length=1, max_length=64), AfterValidator(_a_zone)]


class ActionValue(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    def encode(self) -> str:
        return self.model_dump_json()

    @classmethod
    def decode(cls, raw: str) -> Self | None:
        try:
            # A key given twice is none of ours: pydantic would keep the last, and a
            # check that read the first would vouch for the other.
            json.loads(raw, object_pairs_hook=_once_each)
            return cls.model_validate_json(raw)
        except (ValueError, ValidationError):  # JSONDecodeError is a ValueError
            return None


def _once_each(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    found = dict(pairs)
    if len(found) != len(pairs):
        raise ValueError("a key appears twice")
    return found
