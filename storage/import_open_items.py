"""An invoices file imported as the ERP's whole list of open invoices (``--open-items``):
every open invoice it does not list is closed as paid, in the import's own transaction.
Invoices are upserted by id, so without it an invoice the file leaves out keeps its
balance (``import_warnings.left_out`` names those of the file's customers): an ERP whose
daily export lists only open items leaves every invoice paid since open in creditbot.

Read over the staging table before its bad rows are dropped: a row with a bad value
still names its invoice, which the file did list."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, Table, and_, func, select, update

from domain.errors import DomainError
from domain.model import InvoiceStatus
from storage.import_staging import TABLES
from storage.import_warnings import open_invoices, unlisted_invoices

# A file that would close more than this share of the open invoices, and more than
# OPEN_ITEMS_GUARD_MIN of them, is taken for a file cut short or the wrong export.
OPEN_ITEMS_GUARD_SHARE = 0.5
# Below this many, closing most of a small portfolio's open invoices is an ordinary day.
OPEN_ITEMS_GUARD_MIN = 10


class OpenItemsRefused(DomainError):
    """An open-items file that cannot say what it leaves out, or would close most of the
    open invoices without --force-close; nothing was imported."""


@dataclass(frozen=True)
class Closing:
    """What an open-items file closes: ``closed`` of the ``open_before`` invoices open
    before the import."""

    closed: int
    open_before: int


def close_left_out(conn: Connection, stage: Table, file: str, *, force: bool) -> Closing:
    """Closes as paid (``open_amount`` 0, status paid) every open invoice, of any
    customer, that the file does not list; a disputed one too, since the ERP settled
    it (the dispute stays open in collections, and the collections job points it out to
    whoever resolves it). Refused, before anything is written, when a staged row names
    no invoice (a bad row whose id could not be read: its invoice would be closed) or,
    unless ``force``, when it would close more than OPEN_ITEMS_GUARD_SHARE of the open
    invoices and more than OPEN_ITEMS_GUARD_MIN."""
    invoices: Table = TABLES["invoices"]
    nameless = conn.execute(select(stage.c.line_no).where(stage.c.invoice_id.is_(None))
                            .order_by(stage.c.line_no).limit(1)).scalar_one_or_none()
    if nameless is not None:
        raise OpenItemsRefused(
            f"{file}: line {nameless} has no invoice_id creditbot can read, so what an "
            "open-items file leaves out cannot be told (that invoice would be closed); "
            "nothing was imported. Fix the row, then import the file again.")
    open_before, leaving = conn.execute(select(
        select(func.count()).where(*open_invoices(invoices)).scalar_subquery(),
        select(func.count()).where(*open_invoices(invoices),
                                   unlisted_invoices(stage, invoices)).scalar_subquery(),
    )).one()
    if (not force and leaving > OPEN_ITEMS_GUARD_MIN
            and leaving > open_before * OPEN_ITEMS_GUARD_SHARE):
        raise OpenItemsRefused(
            f"{file}: as the ERP's whole list of open invoices, this file would close "
            f"{leaving:,} of the {open_before:,} open invoices, more than half of them: a "
            "file cut short, or another export than the open items? Nothing was imported. "
            "If the ERP did settle them, import it again with --force-close.")
    if not leaving:
        return Closing(0, open_before)
    closed = conn.execute(update(invoices).where(and_(*open_invoices(invoices)),
                                                 unlisted_invoices(stage, invoices))
                          .values(open_amount=0, status=InvoiceStatus.PAID.value)).rowcount
    return Closing(closed, open_before)
