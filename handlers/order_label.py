"""How an order is named to people, by every capability that shows one."""

from __future__ import annotations

from handlers.i18n import Translator
from handlers.render import erp_text


def order_label(order_id: str, reference: str | None, tr: Translator) -> str:
    """The order as its people know it: creditbot's id, with the rep's own reference
    when they gave one (``CB-1 (PO-778)``), on the rep's answer, the owner's note, the
    approvers' card and the notes of its release."""
    order = erp_text(order_id, 64)
    if not reference:
        return order
    return tr._("{order} ({reference})", order=order, reference=erp_text(reference, 64))
