"""How an order is named to people, by every capability that shows one."""

from __future__ import annotations

from domain.orders.context import MAX_REFERENCE
from handlers.i18n import Translator
from handlers.render import erp_text

# A reference is shown whole, never cut mid-word ("second deliver…"): each character may
# escape to five (& is &amp;).
SHOWN = MAX_REFERENCE * 5


def order_label(order_id: str, reference: str | None, tr: Translator) -> str:
    """The order as its people know it: creditbot's id, with the rep's own reference
    when they gave one (``CB-1 (PO-778)``), on the rep's answer, the owner's note, the
    approvers' card and the notes of its release."""
    order = erp_text(order_id, 64)
    if not reference:
        return order
    return tr._("{order} ({reference})", order=order, reference=erp_text(reference, SHOWN))
