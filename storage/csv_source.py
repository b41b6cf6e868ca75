"""Streams an ERP CSV export row by row, turning file-level problems into plain reasons."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType
from typing import Self

from domain.errors import DomainError

_SNIFF_BYTES = 8192
_SAVE_AS = "Export it from the ERP or spreadsheet as “CSV UTF-8 (comma delimited)”."


class ImportFileError(DomainError):
    pass


class CsvFile:
    """An open CSV file: ``header`` is read on open, ``rows()`` yields (line, cells)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        if not path.is_file():
            raise ImportFileError(f"{path}: no such file")
        self.size = path.stat().st_size
        if self.size == 0:
            raise ImportFileError(f"{path}: the file is empty; it needs a header row")
        self._raw = path.open("rb")
        try:
            self._refuse_binary(self._raw.read(_SNIFF_BYTES))
            self._raw.seek(0)
            self._text = io.TextIOWrapper(self._raw, encoding="utf-8-sig", newline="")
            self._reader = csv.reader(self._text)
            self._line = 0
            header = next(self._read(), None)
        except BaseException:
            self._raw.close()
            raise
        if header is None or not any(cell.strip() for cell in header[1]):
            self.close()
            raise ImportFileError(f"{path}: the file has no header row")
        self.header = header[1]
        if len(self.header) == 1 and ";" in self.header[0]:
            self.close()
            raise ImportFileError(
                f"{path}: the columns are separated by “;”, creditbot reads “,”. {_SAVE_AS}"
            )

    def _refuse_binary(self, head: bytes) -> None:
        if head.startswith(b"PK\x03\x04"):
            raise ImportFileError(
                f"{self.path}: this is a ZIP or Excel (.xlsx) file, not CSV text. {_SAVE_AS}"
            )
        if b"\x00" in head:
            raise ImportFileError(
                f"{self.path}: the file contains NUL bytes, so it is binary or UTF-16, "
                f"not CSV text. {_SAVE_AS}"
            )

    def _read(self) -> Iterator[tuple[int, list[str]]]:
        while True:
            start = self._reader.line_num + 1
            try:
                cells = next(self._reader)
            except StopIteration:
                return
            except UnicodeDecodeError as problem:
                raise ImportFileError(
                    f"{self.path}, near line {start}: byte 0x{problem.object[problem.start]:02x} "
                    f"is not UTF-8 text. {_SAVE_AS}"
                ) from None
            except csv.Error as problem:
                raise ImportFileError(f"{self.path}, line {start}: {problem}") from None
            yield start, cells

    def rows(self) -> Iterator[tuple[int, list[str]]]:
        """Data rows with their line numbers; blank lines are skipped."""
        for line, cells in self._read():
            if cells and any(cells):
                yield line, cells

    @property
    def bytes_read(self) -> int:
        return self._raw.tell()

    def close(self) -> None:
        self._raw.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()
