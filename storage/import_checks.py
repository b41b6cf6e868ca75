"""The import rules that need the whole file or the database — duplicate ids, unknown
customers, references to invoices or contracts that do not exist or belong to another
customer — as single SQL statements over the staging table."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Table, and_, case, delete, exists, func, or_, select

from domain.imports import KINDS, ImportKind, RowError, RowParser
from storage.import_staging import TABLES

if TYPE_CHECKING:
    from storage.importer import ImportReport


class _Check:
    """One whole-file or database rule over the staging table: ``bad`` tells a row that
    breaks it, ``listing`` gives (line, column, message) for the first ones."""

    def __init__(self, bad: Any, listing: Any,
                 describe: Callable[[Any], tuple[int, str, str]]) -> None:
        self.bad = bad
        self.listing = listing
        self.describe = describe


class StageChecks:
    """The rules that need the whole file or the database, as SQL over the staging
    table. Bad rows of the file were staged too (flagged ``invalid``), so each of them
    gets these checks as well, and a person sees every problem of a row at once."""

    def __init__(self, stage: Table, parser: RowParser) -> None:
        self.stage = stage
        self.parser = parser
        kind = parser.kind
        self.checks = [self._duplicates(kind)]
        for reference in kind.references:
            if reference.column in stage.c:
                owned = kind.customer_column and KINDS[reference.kind].customer_column
                if owned and reference.column != kind.customer_column:
                    self.checks.append(self._owned_reference(reference))
                else:
                    self.checks.append(self._unknown(reference))

    def _duplicates(self, kind: ImportKind) -> _Check:
        stage = self.stage
        keys = [stage.c[k] for k in kind.key]
        firsts = (
            select(*keys, func.min(stage.c.line_no).label("first_line"))
            .group_by(*keys)
            .having(func.count() > 1)
            .subquery()
        )
        # A row the same as the first in every column read (an ERP that exported it
        # twice) is said to be so: deleting either is the whole fix.
        first_row = stage.alias("first_row")
        same = and_(stage.c.invalid == 0, first_row.c.invalid == 0,
                    *(column.is_not_distinct_from(first_row.c[column.name])
                      for column in stage.c if column.name not in ("line_no", "invalid")))
        listing = (
            select(stage.c.line_no, firsts.c.first_line, case((same, 1), else_=0), *keys)
            .join(firsts, and_(*(stage.c[k] == firsts.c[k] for k in kind.key)))
            .join(first_row, first_row.c.line_no == firsts.c.first_line)
            .where(stage.c.line_no > firsts.c.first_line)
        )
        key_label = "/".join(kind.key)

        def describe(row: Any) -> tuple[int, str, str]:
            line, first, identical, *key = row
            shown = "/".join(str(k) for k in key)
            # "In every column read": a column creditbot does not import may differ.
            where = (f"the same as line {first} in every column read: if it was exported "
                     "twice, delete one" if identical
                     else f"first on line {first}")
            return line, kind.key[0], f"duplicate {key_label} {shown} ({where})"

        return _Check(stage.c.line_no.in_(select(listing.subquery().c.line_no)), listing,
                      describe)

    def _unknown(self, reference: Any) -> _Check:
        stage = self.stage
        target = TABLES[reference.kind]
        target_key = target.c[KINDS[reference.kind].key[0]]
        ref = stage.c[reference.column]
        bad = and_(ref.is_not(None), ~exists().where(target_key == ref))
        # One the ERP has in other capitals ("c0002" beside C0002): "import customers
        # first" sent the admin after a customer that is there. Asked of the rows listed.
        cased = select(target_key).where(func.upper(target_key) == func.upper(ref)) \
            .limit(1).scalar_subquery()

        def describe(row: Any) -> tuple[int, str, str]:
            line, value, other = row
            if other is not None:
                return line, reference.column, (
                    f"“{value}” is not a known {reference.noun}; {other} is: ids are "
                    "matched exactly, capitals included")
            return line, reference.column, (f"“{value}” is not a known {reference.noun} "
                                            f"(import {reference.kind} first)")

        return _Check(bad, select(stage.c.line_no, ref, cased).where(bad), describe)

    def _owned_reference(self, reference: Any) -> _Check:
        """The row named must exist and be this row's customer's: both answered by one
        outer join, so each reference is looked up once."""
        stage = self.stage
        target = TABLES[reference.kind]
        target_key = target.c[KINDS[reference.kind].key[0]]
        owner = target.c[KINDS[reference.kind].customer_column]  # type: ignore[index]
        ref = stage.c[reference.column]
        customer = stage.c[self.parser.kind.customer_column]  # type: ignore[index]
        bad = and_(ref.is_not(None), or_(~exists().where(target_key == ref),
                                         exists().where(target_key == ref, owner != customer)))
        listing = (select(stage.c.line_no, ref, owner, customer)
                   .select_from(stage.outerjoin(target, target_key == ref))
                   .where(ref.is_not(None), or_(target_key.is_(None), owner != customer)))

        def describe(row: Any) -> tuple[int, str, str]:
            line, ref_value, owner_id, customer_id = row
            if owner_id is None:
                return line, reference.column, (f"“{ref_value}” is not a known "
                                                f"{reference.noun} (import {reference.kind} "
                                                "first)")
            return line, reference.column, (f"{reference.noun} {ref_value} belongs to customer "
                                            f"{owner_id}, not {customer_id}")

        return _Check(bad, listing, describe)

    def report_into(self, conn: Connection, report: ImportReport) -> None:
        """Adds the checks' problems to those found row by row, keeps the first
        ``error_cap`` of them in line order, and counts the rows with any problem."""
        cap = report.error_cap
        found: list[RowError] = []
        any_bad = report.error_count > 0
        for check in self.checks:
            rows = conn.execute(check.listing.order_by(self.stage.c.line_no).limit(cap)).all()
            if not rows:
                continue
            any_bad = True
            found.extend(RowError(*check.describe(row)) for row in rows)
            report.error_count += len(rows) if len(rows) < cap else conn.execute(
                select(func.count()).select_from(self.stage).where(check.bad)).scalar_one()
        if not any_bad:
            return
        errors = report.errors + found
        errors.sort(key=self.parser.sort_key)
        report.errors = errors[:cap]
        report.rejected = conn.execute(
            select(func.count()).select_from(self.stage).where(self._bad())).scalar_one()

    def _bad(self) -> Any:
        return or_(self.stage.c.invalid == 1, *(check.bad for check in self.checks))

    def delete_bad(self) -> Any:
        return delete(self.stage).where(self._bad())
