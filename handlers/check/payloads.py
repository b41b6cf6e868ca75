"""Action ids and button values of the check capability."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from domain.refs import CustomerRef, GroupRef
from handlers.payloads import ERP_ID, ActionValue

SHARE = "credit_check_share"
PICK = "credit_check_pick"
# The card's *Request more credit*: declared by handlers.approvals, which opens the form.
REQUEST_MORE = "credit_request_more"
# The card's and a digest line's *Assign collector*: declared by handlers.collections.
ASSIGN_COLLECTOR = "collections_assign"

_ID = Field(pattern=ERP_ID)


class SubjectValue(ActionValue):
    """A customer or a group, by id only: names and figures are re-read when pressed."""

    kind: Literal["customer", "group"]
    id: str = _ID

    @classmethod
    def of(cls, ref: CustomerRef | GroupRef) -> SubjectValue:
        if isinstance(ref, GroupRef):
            return cls(kind="group", id=ref.group_id)
        return cls(kind="customer", id=ref.customer_id)

    def ref(self) -> CustomerRef | GroupRef:
        return GroupRef(self.id) if self.kind == "group" else CustomerRef(self.id, "")
