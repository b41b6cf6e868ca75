"""The note that a temporary limit ended (``domain.approvals.deadlines.Reverted``)."""

from __future__ import annotations

from domain.approvals.deadlines import Reverted
from handlers.i18n import Translator
from handlers.render import erp_text

REVERTED = "approvals.reverted"
NAME = 200


def reverted_key(reverted: Reverted, requester: str | None = None) -> str:
    key = f"{REVERTED}:{reverted.change.id}"
    return key if requester is None else f"{key}:{requester}"


# Who reads the note: the account's owner, the requester of the temporary limit, or
# (nobody owning the account) the channel standing in.
OWNS, ASKED, STANDS_IN = "owns", "asked", "stands_in"


def reverted_text(tr: Translator, reverted: Reverted, *, to: str) -> str:
    change = reverted.change
    params = {"limit": change.limit, "customer": erp_text(
        tr.name_of(reverted.customer_name, reverted.customer_name_local), NAME),
        "day": change.expires_on, "now": reverted.limit_now}
    if reverted.overtaken and to == ASKED:
        # "Again" would be false: the ERP's limit took over while it ran, and may be the
        # temporary amount keyed in, which creditbot does not take back.
        text = tr._("The temporary limit of {limit} you asked for {customer} ended on "
                    "{day}, but the ERP has set its limit to {now} since it was approved, "
                    "and that limit stands until the ERP changes it.", **params)
    elif reverted.overtaken:
        text = tr._("The temporary limit of {limit} for {customer} ended on {day}, but the "
                    "ERP has set its limit to {now} since it was approved, and that limit "
                    "stands until the ERP changes it.", **params)
    elif to == ASKED:
        text = tr._("The temporary limit of {limit} you asked for {customer} ended on "
                    "{day}; its limit is now {now}.", **params)
    else:
        text = tr._("The temporary limit of {limit} for {customer} ended on {day}; its "
                    "limit is now {now}.", **params)
    over = reverted.over_by
    if over is not None:
        text = tr.sentences(text, tr._(
            "Its exposure, {exposure}, is {over} above that limit: what was invoiced and "
            "ordered under the temporary limit still counts.",
            exposure=over.exposure, over=-over.available))
    text = ":information_source: " + text
    if to == STANDS_IN:
        text = tr.sentences(text, tr._("Nobody owns this account in the ERP, so the credit "
                                       "department is told."))
    return text
