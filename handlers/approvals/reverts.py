"""The note that a temporary limit ended (``domain.approvals.deadlines.Reverted``)."""

from __future__ import annotations

from domain.approvals.deadlines import Reverted
from handlers.i18n import Translator
from handlers.render import erp_text

REVERTED = "approvals.reverted"
NAME = 200


def reverted_key(reverted: Reverted) -> str:
    return f"{REVERTED}:{reverted.change.id}"


def reverted_text(tr: Translator, reverted: Reverted, *, to_owner: bool) -> str:
    """``to_owner``: the account owner reads it; else the channel standing in, which is
    told why it hears of it."""
    change = reverted.change
    text = ":information_source: " + tr._(
        "The temporary limit of {limit} for {customer} ended on {day}; its limit is {now} "
        "again.", limit=change.limit, customer=erp_text(
            tr.name_of(reverted.customer_name, reverted.customer_name_local), NAME),
        day=change.expires_on, now=reverted.limit_now)
    if not to_owner:
        text = tr.sentences(text, tr._("Nobody owns this account in the ERP, so the credit "
                                       "department is told."))
    return text
