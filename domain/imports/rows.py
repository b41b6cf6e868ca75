"""Turning a header and raw CSV cells into a typed row, or into precise complaints."""

from __future__ import annotations

import difflib
import operator
import re
from dataclasses import dataclass
from typing import Any

from domain.errors import DomainError
from domain.imports.fields import FieldError
from domain.imports.kinds import ImportContext, ImportKind
from domain.text import INVISIBLE_BUT_JOINERS as INVISIBLE
from domain.text import shown_controls


class HeaderError(DomainError):
    pass


@dataclass(frozen=True)
class RowError:
    line: int
    column: str | None
    message: str

    def __str__(self) -> str:
        where = f"line {self.line}" + (f", column {self.column}" if self.column else "")
        return shown_controls(f"{where}: {self.message}")


class RowErrors(list[RowError]):
    """Every problem of one row, with the values that did parse (``None`` for the rest):
    the importer still checks those against the file and the database."""

    def __init__(self, errors: list[RowError], values: dict[str, Any]) -> None:
        super().__init__(errors)
        self.values = values


# Unread columns named in the warning; an ERP export may have hundreds.
_NAMED = 10


# Dashes of every kind and "_" part a header's words as spaces do ("Customer–ID").
_WORD_PARTS = re.compile("[-_\u2010-\u2015\u2212]")


def column_name(cell: str) -> str:
    """A header cell as the column it names: case aside, and words apart as an ERP or a
    spreadsheet writes them ("Invoice ID", "Customer-ID", "Customer_ ID") joined by "_" as
    creditbot's names are (it was "missing required column(s): invoice_id"); invisible
    characters left out. A cell with no word in it ("-") stays as written: a column of
    its own, named in the warning of columns not read."""
    visible = INVISIBLE.sub("", cell).lower()
    joined = "_".join(_WORD_PARTS.sub(" ", visible).split())
    return joined or visible.strip()


def unread_warning(kind: ImportKind, header: list[str], unread: tuple[str, ...]) -> str:
    """Which columns the import leaves unread, each as the file spells it and with the
    column it may have meant, and which it reads."""
    spelled = {column_name(cell): cell.strip() for cell in header}
    fields = [fd.name for fd in kind.fields]
    shown = []
    for name in unread[:_NAMED]:
        close = _meant(name, fields)
        shown.append(f"“{spelled.get(name, name)}”" + (f" (is it {close}?)" if close else ""))
    more = f" and {len(unread) - _NAMED} more" if len(unread) > _NAMED else ""
    return shown_controls(
        f"column{'s' if len(unread) > 1 else ''} not read: {', '.join(shown)}{more}. The "
        f"{kind.name} file is read by these names only: {', '.join(fields)}; a column "
        "named otherwise is left out")


def _meant(name: str, fields: list[str]) -> str | None:
    """The column a header cell may have meant: one whose words it holds ("Invoice
    Status" holds status), else one a typo away ("open_ammount"); no guess otherwise."""
    words = "_" + "_".join(name.replace("-", " ").replace("_", " ").split()) + "_"
    holding = [fd for fd in fields if f"_{fd}_" in words]
    if holding:
        return max(holding, key=len)
    close = difflib.get_close_matches(words.strip("_"), fields, n=1, cutoff=0.85)
    return close[0] if close else None


class RowParser:
    """Parses the rows of one file; built from its header, which it validates."""

    def __init__(self, kind: ImportKind, header: list[str],
                 context: ImportContext | None = None) -> None:
        self.kind = kind
        self.context = context or ImportContext()
        names = [column_name(cell) for cell in header]
        seen: set[str] = set()
        repeated = [n for n in names if n and (n in seen or seen.add(n))]  # type: ignore[func-returns-value]
        if repeated:
            # Each as the file writes it: "Invoice ID" and "invoice_id" are one column.
            spelled = {name: ", ".join(f"“{shown_controls(cell.strip())}”"
                                       for cell, n in zip(header, names, strict=True)
                                       if n == name) for name in sorted(set(repeated))}
            raise HeaderError("the header names " + "; ".join(
                f"{name} more than once ({cells})" for name, cells in spelled.items()))
        missing = [name for name in kind.required if name not in seen]
        if missing:
            raise HeaderError(
                f"missing required column(s): {', '.join(missing)}. The {kind.name} file needs "
                f"{', '.join(kind.required)}; this header has: "
                + shown_controls(', '.join(c.strip() for c in header if c.strip())
                                 or '(nothing)')
            )
        position = {name: i for i, name in enumerate(names)}
        known = {fd.name for fd in kind.fields}
        # Read by nobody: an ERP's extra column, or one of ours renamed ("Balance Due" for
        # open_amount), whose values would otherwise vanish without a word.
        self.unread = tuple(n for n in names if n and n not in known)
        self._present = [(fd.name, fd.parse, fd.required, position[fd.name])
                         for fd in kind.fields if fd.name in position]
        present = [name for name, *_ in self._present]
        sources = dict(kind.derived_from)
        derived = [d for d in kind.derived
                   if d not in present and (d not in sources or sources[d] in present)]
        self.columns: tuple[str, ...] = (*present, *derived)
        # Defaults the file does not give: written into new rows, not over known ones.
        self.kept = tuple(k for k in kind.kept
                          if k.column not in present and not set(k.with_) & set(present))
        self.present = frozenset(present)
        self._pick = operator.itemgetter(*self.columns)
        self._width = len(names)
        # Problems of a row are listed in the file's column order; a row-level one first.
        self.rank = {fd.name: i for i, fd in enumerate(kind.fields)}

    def parse(self, line: int, cells: list[str]) -> tuple[Any, ...] | RowErrors:
        """The row's values in ``self.columns`` order, or every problem the row has."""
        values: dict[str, Any] = {}
        errors: list[RowError] = []
        if len(cells) > self._width and any(c.strip() for c in cells[self._width:]):
            errors.append(RowError(line, None, f"has {len(cells)} cells but the header has "
                                               f"{self._width} (a stray comma or quote?)"))
        elif len(cells) < self._width:
            # Its last cells would read as empty, and an empty status or balance takes
            # the default: a line cut short reopened a paid invoice at its full amount.
            errors.append(RowError(line, None, f"has {len(cells)} cells but the header has "
                                               f"{self._width} (a line cut short?)"))
        width = len(cells)
        for name, parse, required, i in self._present:
            raw = cells[i].strip() if i < width else ""
            if not raw:
                if required:
                    errors.append(RowError(line, name, "is empty but required"))
                values[name] = None
                continue
            try:
                values[name] = parse(raw)
            except FieldError as problem:
                errors.append(RowError(line, name, str(problem)))
                values[name] = None
        problems = self.kind.rule(values, self.context)
        if errors:
            # A rule cannot judge a cell that did not parse; what it says about one (say,
            # "currency is needed") would contradict the cell's own error.
            failed = {e.column for e in errors}
            errors += [RowError(line, column, message) for column, message in problems
                       if column not in failed]
            errors.sort(key=self.sort_key)
            return RowErrors(errors, values)
        if problems:
            errors = [RowError(line, column, message) for column, message in problems]
            errors.sort(key=self.sort_key)
            return RowErrors(errors, values)
        picked = self._pick(values)
        return picked if isinstance(picked, tuple) else (picked,)

    def sort_key(self, error: RowError) -> tuple[int, int]:
        """Orders problems by line, then by the column's place among the kind's fields."""
        rank = -1 if error.column is None else self.rank.get(error.column, len(self.rank))
        return error.line, rank
