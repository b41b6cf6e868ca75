"""Streams an ERP CSV export row by row, turning file-level problems into plain reasons."""

from __future__ import annotations

import codecs
import csv
import functools
import io
import re
import stat
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType
from typing import BinaryIO, NamedTuple, Self

from domain.errors import DomainError
from domain.text import shown_controls

_SNIFF_BYTES = 8192
_GUESS_BYTES = 65536
_SAVE_AS = "Export it from the ERP or spreadsheet as “CSV UTF-8 (comma delimited)”."
_HIGH_RUNS = re.compile(rb"[\x80-\xff]+")
_DOUBLE_BYTE = re.compile(rb"[\x81-\xfe][\x40-\x7e\x80-\xfe]")
# A GB18030 character, as its decoder reads them from a character's start: four bytes
# (吴𬱖's 𬱖 is \x99\x33\xc3\x36, digits among them) or two.
_GB_CHARACTER = re.compile(rb"[\x81-\xfe][\x30-\x39][\x81-\xfe][\x30-\x39]|"
                           rb"[\x81-\xfe][\x40-\x7e\x80-\xfe]")


class ImportFileError(DomainError):
    pass


def text_codec(encoding: str | None) -> str:
    """The codec to read a file with: UTF-8 (a BOM is fine) unless another is named."""
    if encoding is None:
        return "utf-8-sig"
    try:
        info = codecs.lookup(encoding)
    except LookupError:
        raise ImportFileError(
            f"“{encoding}” is not an encoding Python knows; name one such as utf-8, gb18030, "
            "cp1252 or latin-1"
        ) from None
    if not getattr(info, "_is_text_encoding", True):
        raise ImportFileError(
            f"“{encoding}” is not a text encoding; name one such as utf-8, gb18030, cp1252 "
            "or latin-1"
        )
    # A UTF-8 file may start with a BOM whatever the user calls it; it is not data.
    return "utf-8-sig" if info.name == "utf-8" else info.name


class CsvFile:
    """An open CSV file: ``header`` is read on open, ``rows()`` yields (line, cells).

    ``encoding`` is any Python codec name (``gb18030``, ``cp1252``, ``latin-1``…);
    without it the file must be UTF-8, with or without a BOM.
    """

    def __init__(self, path: Path, encoding: str | None = None) -> None:
        self.path = path
        self.encoding = text_codec(encoding)
        try:
            found = path.stat()
        except FileNotFoundError:
            if str(path) == "-":
                # The Unix way of saying standard input: read as a file of that name.
                raise ImportFileError("-: creditbot imports a file, not standard input: "
                                      "save it to a file and give its path") from None
            raise ImportFileError(f"{path}: no such file") from None
        except OSError as problem:  # a name too long, a folder we may not enter
            raise ImportFileError(f"{path}: cannot read it "
                                  f"({problem.strerror or problem})") from None
        if stat.S_ISDIR(found.st_mode):
            raise ImportFileError(f"{path}: is a folder; name the CSV file in it")
        if not stat.S_ISREG(found.st_mode):
            # A device or a pipe (/dev/zero, a FIFO): never a file an ERP exported.
            raise ImportFileError(f"{path}: is not a regular file; name a CSV file")
        self.size = found.st_size
        if self.size == 0:
            raise ImportFileError(f"{path}: the file is empty; it needs a header row")
        try:
            self._raw = path.open("rb")
        except OSError as problem:  # not ours to read
            raise ImportFileError(f"{path}: cannot read it "
                                  f"({problem.strerror or problem})") from None
        try:
            self._refuse_binary(self._raw.read(_SNIFF_BYTES))
            self._raw.seek(0)
            if encoding is not None and _is_legacy(self.encoding):
                self._refuse_utf8(encoding)
            self._raw.seek(0)
            # A Chinese codec named is overruled only by a decisive verdict: a name or two
            # (恒生銀行 in cp950) read as GB18030 too, and cp950 was refused for it. A
            # one-byte codec named is, whenever the bytes read as common Chinese (北京 in
            # GB18030 is no Big5 or GB verdict, yet under cp1252 it was stored as ±±¾©),
            # or as Japanese or Korean: every byte decodes in it, the names would be
            # stored as other letters ("杭州" as "º¼ÖÝ"), never refused line by line.
            sample = _first_non_ascii(self._raw) if encoding is not None else b""
            hint = _east_asian(sample, self.encoding) if _judged(self.encoding) else None
            if hint is not None:
                raise ImportFileError(
                    f"{path} looks like {hint.looks(text=True)}, which --encoding "
                    f"{encoding} would store as other characters; re-run with --encoding "
                    f"{hint.advice(self.encoding)}")
            self._raw.seek(0)
            if encoding is not None and _family(self.encoding) is not None:
                self._refuse_mixed_lines(encoding)
            self._raw.seek(0)
            if encoding is not None and _reads_c1_as_controls(self.encoding):
                self._refuse_c1(encoding)
            self._raw.seek(0)
            self._text = io.TextIOWrapper(self._raw, encoding=self.encoding, newline="")
            self._lines = _RecordLines(self._text)
            self._reader = csv.reader(self._lines)
            self._line = 0
            # The fewest cells a row of this file may have, once the header is read (the
            # importer lowers it to the kind's required columns): what a swallowed row
            # may look like.
            self.shortest_row = 0
            # The line of the file's last row when the file does not end with a line
            # break: it may have been cut off mid-value (the importer warns).
            self.unterminated: int | None = None
            records = self._read()
            header = next(records, None)
            if header is not None and _EXCEL_SEPARATOR.fullmatch(",".join(header[1])):
                # Excel's "sep=," line, before the header: a hint to Excel, no row.
                said = shown_controls(",".join(header[1])[4])
                if said != ",":
                    raise ImportFileError(
                        f"{path}: its first line, sep={said}, says the columns are separated "
                        f"by “{said}”; creditbot reads “,”. {_SAVE_AS}")
                header = next(records, None)
        except BaseException:
            self._raw.close()
            raise
        if header is None or not any(cell.strip() for cell in header[1]):
            self.close()
            raise ImportFileError(f"{path}: the file has no header row")
        self.header = header[1]
        self.shortest_row = len(self.header)
        separator = next((s for s in (";", "\t") if s in self.header[0]), None)
        if len(self.header) == 1 and separator is not None:
            self.close()
            shown = "tabs" if separator == "\t" else "“;”"
            raise ImportFileError(
                f"{path}: the columns are separated by {shown}, creditbot reads “,”. "
                f"{_SAVE_AS}")

    def _refuse_utf8(self, named: str) -> None:
        """A legacy encoding named for a file that is UTF-8 text, or that has UTF-8
        rows among its others (rows joined from two systems): every such name would be
        stored as other letters."""
        utf8, others = _utf8_lines(self._raw, self.encoding)
        if not utf8:
            return
        # Every line beyond ASCII reads as UTF-8: the file is. Else some lines read as
        # the named encoding, though (伟业's GB18030 bytes) they may be valid UTF-8 too.
        if not others and _is_utf8_text(self._raw):
            raise ImportFileError(
                f"{self.path} is UTF-8 text (it decodes as UTF-8 and contains non-ASCII "
                f"characters); leave out --encoding {named}")
        line, raw = utf8[0]
        lines = ", ".join(str(n) for n, _ in utf8[:5]) + (" and more" if len(utf8) > 5
                                                           else "")
        text = raw.decode("utf-8", "replace")
        shown = raw.decode(self.encoding, "replace")
        raise ImportFileError(
            f"{self.path} mixes two encodings: line{'s' if len(utf8) > 1 else ''} {lines} "
            f"{'are' if len(utf8) > 1 else 'is'} UTF-8 text, which --encoding {named} would "
            f"store as other letters (line {line}: “{_clipped(text)}” as "
            f"“{_clipped(shown)}”). {_SAVE_AS}")

    def _refuse_mixed_lines(self, named: str) -> None:
        """A GB18030 file with Big5 rows (or the other way round), rows joined from a
        mainland and a Taiwan or Hong Kong system, or with Japanese or Korean ones: their
        bytes decode too, into other characters (臺灣精密 as 籓芖弘盞), and only the first
        stretch of the file was judged. Each line beyond ASCII gets the verdict the file
        did (``_east_asian``); the lines named are those of the first line's encoding."""
        found: list[tuple[int, bytes]] = []
        hint: _Hint | None = None
        for number, bytes_ in _lines(self._raw):
            if bytes_.isascii():
                continue
            said = _east_asian(bytes_, self.encoding)
            if said is not None and (hint is None or said.codec == hint.codec):
                hint = said
                found.append((number, bytes_))
                if len(found) == _NAMED:
                    break
        if hint is None:
            return
        lines = ", ".join(str(n) for n, _ in found[:5]) + (" and more" if len(found) > 5
                                                           else "")
        line, raw = found[0]
        shown = raw.decode(self.encoding, "replace")
        text = raw.decode(hint.codec, "replace")
        raise ImportFileError(
            f"{self.path} mixes two encodings: line{'s' if len(found) > 1 else ''} {lines} "
            f"{'read' if len(found) > 1 else 'reads'} as {hint.looks(text=True)}, which "
            f"--encoding {named} would store as other characters (line {line}: "
            f"“{_clipped(text)}” as “{_clipped(shown)}”). Export the whole file again in "
            f"one encoding (CSV UTF-8 holds both), or import those rows from a file of their "
            f"own with --encoding {hint.codec}")

    def _refuse_c1(self, named: str) -> None:
        """latin-1 (or another codec that reads bytes 0x80–0x9F as control characters)
        named for a file Windows wrote: each of its “, ”, €, – was refused as "a control
        character (U+0093); remove it", which nobody can see in the file."""
        if not any(_C1.search(piece) for piece in iter(lambda: self._raw.read(1 << 20), b"")):
            return
        self._raw.seek(0)
        for line, text in _lines(self._raw):
            found = _C1.search(text)
            if found is None:
                continue
            byte = found[0]
            windows = _WINDOWS_PAGE.get(codecs.lookup(self.encoding).name)
            try:
                meant = byte.decode(windows) if windows else None
            except UnicodeDecodeError:
                meant = None
            if windows is None or meant is None:
                return  # no Windows page to name: refused as it is
            raise ImportFileError(
                f"{self.path}, line {line}: byte 0x{byte[0]:02x} is a control character in "
                f"{named}, and “{meant}” in {windows}, which Windows and Excel write: re-run "
                f"with --encoding {windows}")

    def _refuse_binary(self, head: bytes) -> None:
        if head.startswith(b"PK\x03\x04"):
            raise ImportFileError(
                f"{self.path}: this is a ZIP or Excel (.xlsx) file, not CSV text. {_SAVE_AS}"
            )
        if b"\x00" in head and not self.encoding.startswith(("utf-16", "utf-32")):
            if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
                first = head.decode("utf-16", errors="replace").splitlines()[0]
                if "\t" in first and "," not in first:
                    # Excel's "Unicode Text": --encoding utf-16 then met the tabs.
                    raise ImportFileError(
                        f"{self.path}: the file is UTF-16 text with its columns separated "
                        "by tabs, as Excel's “Unicode Text” writes: export it as “CSV UTF-8 "
                        "(comma delimited)”.")
                raise ImportFileError(
                    f"{self.path}: the file contains NUL bytes: it is UTF-16 text. Re-run with "
                    f"--encoding utf-16, or export it as “CSV UTF-8 (comma delimited)”."
                )
            raise ImportFileError(
                f"{self.path}: the file contains NUL bytes, so it is binary or UTF-16, "
                f"not CSV text. {_SAVE_AS}"
            )

    def _read(self) -> Iterator[tuple[int, list[str]]]:
        start = 0
        while True:
            before, self._lines.record = self._lines.record, []
            last = start
            start = self._reader.line_num + 1
            try:
                cells = next(self._reader)
            except StopIteration:
                if before and not before[-1].endswith(("\n", "\r")):
                    self.unterminated = last
                return
            except UnicodeDecodeError as problem:
                raise self._undecodable(problem, start) from None
            except UnicodeError as problem:
                # Not a bad byte but a codec that cannot start on this file at all (UTF-16
                # without a byte order mark, punycode, "undefined").
                raise ImportFileError(
                    f"{self.path}: {self.encoding} cannot read this file ({problem}); check "
                    "which encoding the ERP writes and name it with --encoding (UTF-16 "
                    "without a byte order mark is utf-16-le or utf-16-be)") from None
            except csv.Error as problem:
                if "field larger than field limit" in str(problem):
                    # Python's words alone ("field larger than field limit (131072)") said
                    # neither what nor why.
                    raise ImportFileError(
                        f"{self.path}, line {start}: a value is longer than "
                        f"{csv.field_size_limit():,} characters, more than any column of an "
                        "ERP export holds: a quote left open, or a file that is not this "
                        "kind's CSV export; check the line in the file") from None
                raise ImportFileError(f"{self.path}, line {start}: {problem}") from None
            if self._reader.line_num > start and self.shortest_row > 1:
                self._refuse_swallowed(start, cells)
            if self._lines.ended and sum(line.count('"') for line in self._lines.record) % 2:
                # The file ended inside a quoted value: cut off mid-value (an export still
                # being written when cron read it), the value would be imported short.
                raise ImportFileError(
                    f"{self.path}, line {start}: a quoted value opens here and the file "
                    "ends before it closes: was the file still being written when it was "
                    "read? Import it again once the export is complete. Nothing was "
                    "imported")
            yield start, cells

    def _refuse_swallowed(self, start: int, cells: list[str]) -> None:
        """A record over several lines whose values hold lines shaped like whole rows: a
        quote left open (``"48" x 40"`` in a memo column nobody imports) that took the rows
        after it into one value. They would be lost without a word, the file reading as
        fewer rows; a value that only holds a line break (an address) is kept."""
        rows = sum(1 for cell in cells for line in cell.splitlines()[1:]
                   if line.count(",") >= self.shortest_row - 1)
        if rows:
            end = self._reader.line_num
            # Nothing tells a quote left open from a value that does hold such lines (an
            # address with many commas): the file is refused either way, and the message
            # says both ways out.
            raise ImportFileError(
                f"{self.path}, line {start}: a quoted value opens on this line and runs on "
                f"to line {end}, over "
                + (f"{rows} lines shaped like rows of their own" if rows > 1 else
                   "1 line shaped like a row of its own")
                + ", which would be lost if its quote (\") was left open. If so, close it, "
                "or write a quote inside a value twice, as in \"48\"\" x 40\"\"\"; if the "
                "value does hold those lines, leave its column out of the export. Nothing "
                "was imported")

    def _undecodable(self, problem: UnicodeDecodeError, near: int) -> ImportFileError:
        found = _first_undecodable(self.path, self.encoding)
        if found is not None and found.at_end and (found.after_text or (
                self.encoding.startswith("utf-8") and _utf8_cut(found.tail))):
            # "Export it as CSV UTF-8" (or "check which encoding the ERP writes", of the
            # GB18030 it does write) was the advice for a file cut off while written.
            return ImportFileError(
                f"{self.path}, line {found.line if found else near}: the file ends in the "
                "middle of a character: was it still being written when it was read? "
                "Import it again once the export is complete. Nothing was imported")
        return self._not_text(problem, near, found)

    def _not_text(self, problem: UnicodeDecodeError, near: int,
                  found: _Undecodable | None) -> ImportFileError:
        # The text layer decodes ahead in chunks of kilobytes, so the reader's line count
        # is not where the bad byte is; finding it means reading the file again, which
        # only a file that is being refused pays for.
        if found is None:
            line, byte, sample = near, problem.object[problem.start], b""
            where = f"near line {line}"
        else:
            line, byte, sample = found.line, found.byte, found.sample
            where = f"line {line}"
        if not self.encoding.startswith("utf-8"):
            meant = _chinese_codec(sample) if _family(self.encoding) else None
            if meant is not None and not _same_codec(meant, self.encoding):
                # --encoding big5 for Windows' Big5 (恒 is F9DA, beyond plain Big5), or
                # gb2312 for GBK: the family's codec that reads the file is named.
                return ImportFileError(
                    f"{self.path}, {where}: byte 0x{byte:02x} is not {self.encoding} text, "
                    f"but {meant} reads it ({_WIDER[meant]}): re-run with --encoding "
                    f"{meant}")
            return ImportFileError(
                f"{self.path}, {where}: byte 0x{byte:02x} is not {self.encoding} text; check "
                "which encoding the ERP writes and name it with --encoding"
            )
        if (hint := _east_asian(sample)) is not None:
            return ImportFileError(
                f"{self.path}, {where}: byte 0x{byte:02x} is not UTF-8 text; this looks like "
                f"{hint.looks(text=False)}: re-run with --encoding {hint.advice()}"
            )
        return ImportFileError(
            f"{self.path}, {where}: byte 0x{byte:02x} is not UTF-8 text. {_SAVE_AS} Or name "
            "its encoding with --encoding (e.g. --encoding cp1252)"
        )

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


class _RecordLines:
    """The file's lines as the CSV reader takes them, keeping those of the record being
    read (``record``) and whether the file ended while reading it (``ended``)."""

    def __init__(self, lines: Iterator[str]) -> None:
        self._lines = lines
        self.record: list[str] = []
        self.ended = False

    def __iter__(self) -> _RecordLines:
        return self

    def __next__(self) -> str:
        try:
            line = next(self._lines)
        except StopIteration:
            self.ended = True
            raise
        self.record.append(line)
        return line


def _utf8_cut(tail: bytes) -> bool:
    """Whether the bytes a file ends on are UTF-8 cut inside a character, with nothing
    before them to judge by: a two-byte character's first (Caf\\xc3) or a longer one's first
    bytes. A three-byte character's first byte alone after Latin text is cp1252's é
    (\\xe9) as often, and is said to be no UTF-8 instead."""
    return len(tail) >= 2 or (len(tail) == 1 and 0xC2 <= tail[0] <= 0xDF)


def _is_legacy(codec: str) -> bool:
    """An ASCII-compatible encoding other than UTF-8 (gb18030, cp1252, latin-1…), under
    which UTF-8 bytes still decode, only into the wrong characters."""
    if codec.startswith(("utf-8", "utf-16", "utf-32")):
        return False
    try:
        return codecs.lookup(codec).decode(b"customer_id,name")[0] == "customer_id,name"
    except UnicodeError:  # "undefined", punycode: refused when the file is read
        return False


def _reads_c1_as_controls(codec: str) -> bool:
    """latin-1, iso8859-15…: a one-byte codec that reads 0x80–0x9F as control characters,
    where cp1252 has “ ” – €; not cp1252 itself, nor one with letters there (cp1251)."""
    return _single_byte(codec) and all(
        unicodedata.category(codecs.decode(bytes([byte]), codec, "replace")) == "Cc"
        for byte in range(0x80, 0xA0))


def _judged(codec: str) -> bool:
    """A codec under which a file's East Asian bytes are judged (``_east_asian``): a
    one-byte one, under which they all decode, or a Chinese one, under which the other
    family's and Japanese and Korean ones do."""
    return _single_byte(codec) or _family(codec) is not None


def _single_byte(codec: str) -> bool:
    """A codec with one character per byte (latin-1, cp1252, iso8859-15…), under which
    any bytes decode."""
    high = bytes(range(0x80, 0x100))
    # UTF-8 "replaces" each byte apart too: only a legacy codec counts.
    return _is_legacy(codec) and len(codecs.decode(high, codec, "replace")) == len(high)


def _first_non_ascii(raw: BinaryIO) -> bytes:
    """Up to _GUESS_BYTES from the start of the first line holding a byte beyond ASCII
    (b"" when there is none): what _looks_like_gb18030 judges."""
    before = b""
    for piece in iter(lambda: raw.read(1 << 20), b""):
        data = before + piece
        high = _HIGH_RUNS.search(data)
        if high is not None:
            start = data.rfind(b"\n", 0, high.start()) + 1
            return (data[start:] + raw.read(_GUESS_BYTES))[:_GUESS_BYTES]
        before = data[max(data.rfind(b"\n") + 1, len(data) - _GUESS_BYTES):]
    return b""


# Letters a name written in UTF-8 is made of beyond ASCII, by script. GB18030 text read as
# UTF-8 makes a character or two of mixed scripts (伟业 reads "ΰҵ", Greek then Cyrillic;
# 全 "ȫ"), never three-byte characters but for rare ones.
_LATIN = "\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u017f"
_WIDE = re.compile("[\u3000-\u30ff\u3400-\u9fff\uac00-\ud7af\uff00-\uffef]")
_SCRIPTS = tuple(re.compile(f"[{letters}]") for letters in (
    _LATIN, "\u0370-\u03ff", "\u0400-\u04ff", "\u0590-\u05ff", "\u0600-\u06ff"))
# An accented Latin letter next to an ASCII one (Café, Müller): what the legacy reading
# of the same bytes glues to the ASCII letters instead (Caf茅) is no name.
_ACCENTED_IN_WORD = re.compile(f"[A-Za-z][{_LATIN}]|[{_LATIN}][A-Za-z]")
# Enough of one alphabet to be a word in it (ООО Ромашка), not a character or two that
# GB18030 bytes happen to make.
_WORD_LETTERS = 3


def _utf8_cell(cell: bytes, codec: str) -> bool:
    """Whether a value of a line read with the legacy ``codec`` is meant as UTF-8: it
    decodes as UTF-8 and (under a codec of several bytes a character, whose text may
    happen to be valid UTF-8) reads as a name would in one script."""
    try:
        text = cell.decode("utf-8")
    except UnicodeDecodeError:
        return False
    if _single_byte(codec):
        return True  # cp1252 text is valid UTF-8 only by a rare chance ("Ã©")
    beyond = [c for c in text if not c.isascii() and not c.isspace()]
    if beyond and all(_WIDE.match(c) for c in beyond):
        return True
    for script in _SCRIPTS:
        if all(script.match(c) for c in beyond):
            return bool(_ACCENTED_IN_WORD.search(text)) if script is _SCRIPTS[0] \
                else len(beyond) >= _WORD_LETTERS
    return False


# A line looked at for its encoding: a row of an ERP export is far shorter, and a file
# without line breaks is not read whole into memory to be judged.
_LONGEST_LINE = 1 << 16
_LINE_BREAK = re.compile(rb"\r\n|\r|\n")
# Enough lines named for a refusal.
_NAMED = 6


def _lines(raw: BinaryIO) -> Iterator[tuple[int, bytes]]:
    """(number, bytes) of each line, numbered as the CSV reader counts them (\\r\\n, \\n
    and a lone \\r each end one), each cut at _LONGEST_LINE bytes."""
    number, rest, skipping = 1, b"", False
    for piece in iter(lambda: raw.read(1 << 20), b""):
        rest += piece
        start = 0
        for found in _LINE_BREAK.finditer(rest):
            if found.group() == b"\r" and found.end() == len(rest):
                break  # maybe the \r of a \r\n cut in two
            if not skipping:
                yield number, rest[start:found.start()][:_LONGEST_LINE]
            number, start, skipping = number + 1, found.end(), False
        rest = rest[start:]
        if len(rest) > _LONGEST_LINE and not skipping:
            yield number, rest[:_LONGEST_LINE]
            skipping = True  # the rest of this line is not looked at
        if skipping:
            rest = rest[-1:] if rest.endswith(b"\r") else b""
    rest = rest.removesuffix(b"\r")  # the last line's break
    if rest and not skipping:
        yield number, rest


def _utf8_lines(raw: BinaryIO, codec: str) -> tuple[list[tuple[int, bytes]], bool]:
    """(number, bytes) of the first lines holding a value meant as UTF-8
    (``_utf8_cell``): rows from another system, or a row whose name is UTF-8 beside a
    local name that is not; and whether other lines beyond ASCII read as ``codec``."""
    found: list[tuple[int, bytes]] = []
    others = False
    for number, line in _lines(raw):
        if line.isascii():
            continue
        cells = [c for c in line.split(b",") if not c.isascii()]
        if any(_utf8_cell(c, codec) for c in cells):
            if len(found) < _NAMED:
                found.append((number, line))
        else:
            others = True
        if len(found) == _NAMED and others:
            break
    raw.seek(0)
    return found, others


def _clipped(text: str) -> str:
    return shown_controls(text if len(text) <= 60 else text[:59] + "…")


def _is_utf8_text(raw: BinaryIO) -> bool:
    """Whether the whole stream decodes as UTF-8 and holds something beyond ASCII. Text
    in another encoding stops at its first non-ASCII character, nearly always; a UTF-8
    file is read through once, at the decoder's speed (about 1 GB/s)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    beyond_ascii = False
    try:
        for piece in iter(lambda: raw.read(1 << 20), b""):
            decoder.decode(piece)
            beyond_ascii = beyond_ascii or not piece.isascii()
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return beyond_ascii


def _line_breaks(text: str) -> int:
    # As csv counts lines read through newline="": \r\n, \n and a lone \r each end one.
    return text.count("\n") + text.count("\r") - text.count("\r\n")


class _Undecodable(NamedTuple):
    line: int
    byte: int
    sample: bytes  # the bytes from the start of that line on
    at_end: bool  # the file ends inside a character
    # Characters beyond ASCII read well before it: a file in this encoding cut off, not a
    # file in another one whose last value ends in é.
    after_text: bool = False
    tail: bytes = b""  # the character left unfinished


def _first_undecodable(path: Path, encoding: str) -> _Undecodable | None:
    """The first byte of ``path`` that ``encoding`` cannot decode, or None if every byte
    decodes."""
    decoder = codecs.getincrementaldecoder(encoding)()
    line, after_cr, beyond_ascii = 1, False, False
    with path.open("rb") as raw:
        # Pieces end after b"\n" (or at 1 MB): in the encodings that can fail here, which
        # are ASCII-compatible, no character spans that byte, so a piece starts a line.
        for piece in iter(lambda: raw.readline(1 << 20), b""):
            try:
                text = decoder.decode(piece)
            except UnicodeDecodeError as problem:
                before = codecs.decode(problem.object[:problem.start], encoding, "replace")
                line += _line_breaks(before) - (after_cr and before.startswith("\n"))
                sample = (piece + raw.read(_GUESS_BYTES))[:_GUESS_BYTES]
                # An incremental decoder raises at the end of a piece only for a byte
                # that cannot start a character, so one that ends the file unfinished is
                # found by the final decode below.
                return _Undecodable(line, problem.object[problem.start], sample, False)
            line += _line_breaks(text) - (after_cr and text.startswith("\n"))
            after_cr = text.endswith("\r") if text else after_cr
            beyond_ascii = beyond_ascii or not text.isascii()
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError as problem:  # the file ends inside a character
            return _Undecodable(line, problem.object[problem.start], b"", True, beyond_ascii,
                                problem.object[problem.start:])
    return None


# The line Excel writes first when told a file's separator: sep=, or sep=; …
_EXCEL_SEPARATOR = re.compile(r"sep=.,?", re.IGNORECASE | re.DOTALL)
# A high byte or two inside a Latin word (Süßwaren, Müßig, Café's): Western text, which
# GB18030 text seldom looks like (its names are runs of characters between commas).
_IN_A_WORD = re.compile(rb"[A-Za-z][\x80-\xff]{1,2}[A-Za-z]")
# The Windows code page that writes each ISO alphabet, with letters and punctuation where
# the ISO one has control characters: Łódź in cp1250 is no cp1252 text.
_WINDOWS_PAGE = {"iso8859-1": "cp1252", "iso8859-15": "cp1252", "iso8859-2": "cp1250",
                 "iso8859-5": "cp1251", "iso8859-7": "cp1253", "iso8859-9": "cp1254",
                 "iso8859-8": "cp1255", "iso8859-6": "cp1256", "iso8859-13": "cp1257",
                 "iso8859-4": "cp1257"}
# Bytes that latin-1 reads as control characters and cp1252 (mostly) as punctuation.
_C1 = re.compile(rb"[\x80-\x9f]")
# How a message names each Chinese codec creditbot advises, and the codecs of each
# family. Big5 is advised as cp950, Windows' Big5, which has the characters plain Big5
# lacks that Taiwan and Hong Kong names use (恒, 碁, 裏); Hong Kong's own (堃, 煊) only
# Big5-HKSCS has.
_NAMES = {"gb18030": "GB18030/GBK", "cp950": "Big5", "big5hkscs": "Big5-HKSCS",
          "shift_jis": "Shift-JIS", "cp932": "Shift-JIS", "euc_jp": "EUC-JP",
          "cp949": "EUC-KR/cp949"}
# What each is, said where a narrower codec of its family was named.
_WIDER = {"gb18030": "GBK and GB2312 with the characters they lack",
          "cp950": "Big5 as Windows writes it, with characters plain Big5 lacks",
          "big5hkscs": "Big5 with Hong Kong's characters"}
_FAMILIES = {"gb18030": frozenset({"gb18030", "gbk", "gb2312", "hz"}),
             "big5": frozenset({"big5", "big5hkscs", "cp950"})}


@functools.cache
def _family(codec: str) -> str | None:
    """Which Chinese codec family ``codec`` is of (cp936 is gbk, big5-tw is big5), if any."""
    name = codecs.lookup(codec).name
    return next((family for family, names in _FAMILIES.items() if name in names), None)


def _same_codec(codec: str, other: str) -> bool:
    return codecs.lookup(codec).name == codecs.lookup(other).name


# Enough characters for EUC-JP's kana to tell Japanese (``_japanese``).
_JUDGED = 4


def _chinese_codec(sample: bytes, *, decisive: bool = False,
                   besides: str | None = None) -> str | None:
    """"cp950" (or "big5hkscs", when only it decodes them) when undecodable bytes read as
    Big5's frequent characters (lead bytes A4–C6) clearly more than as GB2312's first
    level (B0–D7), else "gb18030" when they read as GB18030 Chinese
    (``_looks_like_gb18030``), else None. Big5 text read as GB18030 makes kana, Greek and
    rare characters (臺灣精密 as 籓芖弘盞), stored without a word under --encoding gb18030;
    a Taiwan or Hong Kong ERP writes Big5. ``besides``: the family named, whose own
    verdict is None."""
    gb_share = _frequent_share(sample, "gb18030", 0xB0, 0xD7)
    shares = []
    for big5 in ("cp950", "big5hkscs"):
        # F9: the characters Windows and Hong Kong add to Big5 (恒, 碁, 裏), in their names.
        shares.append(share := _frequent_share(sample, big5, 0xA4, 0xC6, also=0xF9))
        if share >= 0.8 and share - gb_share >= 0.2:
            return big5
    if decisive and not (gb_share >= 0.8 and gb_share - max(shares) >= 0.2):
        return None
    if besides == "gb18030":
        # No news under gb18030, whose file has each line judged: the costliest check
        # spared.
        return None
    # Most characters GB2312's commonest: a word of Cyrillic in cp1251 pairs its bytes as
    # GB18030 does, into rare characters.
    return "gb18030" if gb_share >= 0.5 and _looks_like_gb18030(sample) else None


def _frequent_share(sample: bytes, codec: str, first: int, last: int,
                    also: int | None = None) -> float:
    """The share of ``sample``'s Chinese characters, read in ``codec``, whose first byte in
    it is within ``first``–``last`` or is ``also`` (the codec's frequent characters)."""
    try:
        text = codecs.getincrementaldecoder(codec)(errors="strict").decode(sample)
    except UnicodeDecodeError:
        return 0.0
    wide = [c for c in text if ord(c) > 0x7F]
    if not wide:
        return 0.0
    frequent = 0
    for char in wide:
        try:
            lead = char.encode(codec)[0]
        except UnicodeEncodeError:
            continue
        frequent += first <= lead <= last or lead == also
    return frequent / len(wide)


def _looks_like_gb18030(sample: bytes) -> bool:
    """Whether undecodable bytes read as Chinese in GB18030/GBK: they decode, they come
    in pairs (an accented Latin-1 letter is one byte among ASCII), and most pairs start
    in the GB2312 range (Shift-JIS kana and kanji mostly start below it)."""
    if not sample:
        return False
    try:
        codecs.getincrementaldecoder("gb18030")().decode(sample, final=False)
    except UnicodeDecodeError:
        return False
    # A four-byte character's digits would cut its run into odd single bytes, as an
    # accented Latin-1 letter among ASCII is: each is read as a pair of a rare character's
    # bytes (GB18030 has its rare characters there).
    paired = _GB_CHARACTER.sub(lambda found: found[0] if len(found[0]) == 2 else b"\x81\x81",
                               sample)
    runs = _HIGH_RUNS.findall(paired)
    pairs = _DOUBLE_BYTE.findall(paired)
    if not runs or not pairs:
        return False
    if 2 * len(_IN_A_WORD.findall(paired)) >= len(runs):
        return False  # Süßwaren Müßig: "üß" pairs, but inside Latin words
    odd = sum(len(run) % 2 for run in runs)
    common = sum(1 for pair in pairs if pair[0] >= 0xA1)
    return odd <= len(runs) // 4 and common >= 0.7 * len(pairs)


# Japanese and Korean double-byte encodings use GB18030's bytes: a Shift-JIS, EUC-JP or
# cp949 file decodes as GB18030 too, into other characters (삼성무역 as 伙己公开, 大阪製鋼 as
# 戝嶃惢峾). For a name or two no rule tells them apart; a message names each language's
# codec, the one a decoding gives strong evidence for first.
_CANDIDATES = {"Chinese": ("gb18030",), "Japanese": ("shift_jis", "euc_jp"),
               "Korean": ("cp949",)}
_KANA = re.compile("[\u3041-\u3096\u30a1-\u30fa\u30fc]")
_HANGUL = re.compile("[\uac00-\ud7a3]")
# The legal forms nearly every company's name ends in, read in a decoding: 公司 is no
# Japanese or Korean text read as GB18030, 株式会社 no Chinese or Korean read as Shift-JIS.
_LEGAL_FORMS = {"Chinese": ("公司", "集团", "有限", "股份"),
                "Japanese": ("株式会社", "有限会社", "合同会社"),
                "Korean": ("주식회사", "유한회사", "(주)")}
# Enough Hangul syllables for a verdict without a legal form: Chinese bytes whose leads
# are all below C9 (北京建工, 京东方科技) read as Hangul too, less often the longer they run.
_KOREAN_LETTERS = 8


class _Hint(NamedTuple):
    """The encoding a message advises for double-byte East Asian bytes: ``codec`` for
    ``language`` when a decoding gives strong evidence for it (None: any of them);
    ``others``: whether the other languages' codecs are named after it."""

    codec: str
    language: str | None
    others: bool = True

    def looks(self, *, text: bool) -> str:
        if self.language is None:
            return "Chinese, Japanese or Korean text"
        if not self.others:  # Big5's verdict, said as before
            return f"{_NAMES[self.codec]} text ({self.language})" if text \
                else _NAMES[self.codec]
        return f"{_NAMES[self.codec]}{' text' if text else ''} ({self.language})"

    def advice(self, named: str | None = None) -> str:
        """The codec to re-run with, then each other language's; a codec of ``named``'s
        family is left out: it was the one tried (gb18030 under gbk too)."""
        if not self.others:
            return self.codec
        rest = [(language, " or ".join(left)) for language, codecs_ in _CANDIDATES.items()
                if language != self.language
                and (left := [c for c in codecs_ if not _akin(c, named)])]
        said = [f"{codec} if {'it is ' if n == 0 else ''}{language}"
                for n, (language, codec) in enumerate(rest)]
        if self.language is None:
            return ", ".join(said)
        return f"{self.codec} ({', '.join(said)})" if said else self.codec


def _akin(codec: str, named: str | None) -> bool:
    """Whether ``codec`` is ``named`` or of its Chinese family."""
    if named is None:
        return False
    family = _family(named)
    return _same_codec(codec, named) or (family is not None and _family(codec) == family)


def _east_asian(sample: bytes, named: str | None = None) -> _Hint | None:
    """What ``sample``'s bytes beyond ASCII read as when a double-byte East Asian
    encoding other than ``named``, the codec given for them: the one verdict every check
    gives, on the file's first stretch or on a line. None for bytes of no such encoding,
    or that may well be ``named``'s.

    With no codec named (the file is no UTF-8) or a one-byte one, under which any bytes
    decode, any evidence counts: Japanese when a Shift-JIS or EUC-JP decoding shows kana,
    a Japanese legal form or (Shift-JIS) mostly its frequent characters; Korean when a
    cp949 decoding shows a Korean legal form or is Hangul throughout; Big5's verdict;
    else, when the bytes read as GB18030 Chinese, Chinese if a legal form says so and any
    of the three if not. A Chinese codec named reads the others' bytes too, and a name or
    two read either way: only decisive evidence overrules it, a Japanese or Korean legal
    form or Shift-JIS's kana (``_japanese``, ``_korean``), or the other Chinese family's
    clear verdict (``_chinese_codec``)."""
    if not sample:
        return None
    family = _family(named) if named is not None else None
    decisive = family is not None
    if named is None or family is None or _may_be_decisive(sample, named):
        hint = _japanese_or_korean(sample, decisive=decisive)
        if hint is not None:
            return hint
    meant = _chinese_codec(sample, decisive=decisive, besides=family)
    if meant is None:
        return None
    if decisive:
        if _family(meant) == family:
            return None
        # Refused either way, so any evidence says what to advise: EUC-JP's kana are
        # Big5's commonest characters, a Big5 verdict for トウキョウ, whose advice, cp950,
        # stored 玄它平亦它.
        hint = _japanese_or_korean(sample, decisive=False)
        return hint if hint is not None else _Hint(meant, "Chinese", others=False)
    if meant != "gb18030":
        return _Hint(meant, "Chinese", others=False)
    text = _decoded(sample, "gb18030") or ""
    chinese = any(form in text for form in _LEGAL_FORMS["Chinese"])
    return _Hint("gb18030", "Chinese" if chinese else None)


# The bytes decisive evidence is written in (``_japanese``, ``_korean``): a legal form in
# each codec, Shift-JIS's kana. Lines of a Chinese file are judged by them at the speed
# of a search, not of five decodings.
_DECISIVE_BYTES = re.compile(b"|".join(
    [re.escape(form.encode(codec)) for codec, language in (
        ("shift_jis", "Japanese"), ("euc_jp", "Japanese"), ("cp949", "Korean"))
     for form in _LEGAL_FORMS[language]] + [rb"\x82[\x9f-\xf1]|\x83[\x40-\x96]"]))


def _may_be_decisive(sample: bytes, named: str) -> bool:
    """Whether ``sample`` holds bytes of decisive Japanese or Korean evidence, and
    ``named``'s reading of it no Chinese legal form: 公司 beside 株式会社 is Chinese rows
    beside Japanese ones, each line then judged apart, not the whole file called
    Japanese."""
    if not _DECISIVE_BYTES.search(sample):
        return False
    own = _decoded(sample, named) or ""
    return not any(form in own for form in _LEGAL_FORMS["Chinese"])


def _japanese_or_korean(sample: bytes, *, decisive: bool) -> _Hint | None:
    japanese = _japanese(sample, decisive=decisive)
    if japanese is not None:
        return _Hint(japanese, "Japanese")
    return _Hint("cp949", "Korean") if _korean(sample, decisive=decisive) else None


def _decoded(sample: bytes, codec: str) -> str | None:
    """``sample`` read in ``codec`` (a character cut at its end left out), or None when a
    byte is not its text."""
    try:
        return codecs.getincrementaldecoder(codec)().decode(sample)
    except UnicodeDecodeError:
        return None


def _wide(text: str) -> list[str]:
    """The full-width characters of ``text`` (half-width katakana, which GB18030 lead bytes
    make in Shift-JIS, left out), in runs of two or more: a lone one between Latin
    letters is cp1252's ’ or Œ paired with the letter after it."""
    runs = re.findall("[^\x00-\x7f\uff61-\uff9f]{2,}", text)
    return [c for run in runs for c in run]


def _japanese(sample: bytes, *, decisive: bool = False) -> str | None:
    """The Japanese codec (shift_jis, or cp932 for Windows' ㈱ and ①; euc_jp) whose
    decoding of ``sample`` shows a legal form, kana, or (Shift-JIS) its frequent
    characters: lead bytes 81–9F, kana and the first level of kanji, which GB18030 has
    for its rare ones (大阪製鋼 reads 戝嶃惢峾). ``decisive``: only what no Chinese text
    shows, a legal form or Shift-JIS's kana (rare characters in GBK, no Big5). EUC-JP's
    kana are GB2312's too (rows 4 and 5), the same kana under gb18030, and Big5's
    commonest characters: one Big5 line in a few hundred (文化中華) reads as two."""
    for codec in ("shift_jis", "cp932", "euc_jp"):
        text = _decoded(sample, codec)
        if text is None:
            continue
        wide = _wide(text)
        if any(form in text for form in _LEGAL_FORMS["Japanese"]):
            return codec
        kana = sum(1 for c in wide if _KANA.match(c))
        if codec == "euc_jp":
            # Big5's commonest characters (中 A4A4) are EUC-JP's kana rows: two or more
            # among four, as a short Big5 name seldom has.
            if kana >= 2 and len(wide) >= _JUDGED and not decisive:
                return codec
            continue
        frequent = 0 if decisive else sum(1 for c in wide if c.encode(codec)[0] <= 0x9F)
        if len(wide) >= 2 and (kana >= 2 or frequent >= 0.8 * len(wide)):
            return codec
    return None


def _korean(sample: bytes, *, decisive: bool = False) -> bool:
    """Whether ``sample`` decoded in cp949 shows a Korean legal form, or is Hangul of
    KS X 1001 (the syllables Korean is written in; Shift-JIS decodes into cp949's added
    ones) throughout, _KOREAN_LETTERS characters or more. ``decisive``: a legal form
    only, Chinese bytes reading as Hangul too."""
    text = _decoded(sample, "cp949")
    if text is None:
        return False
    if any(form in text for form in _LEGAL_FORMS["Korean"]):
        return True
    if decisive:
        return False
    wide = _wide(text)
    hangul = sum(1 for c in wide if _HANGUL.match(c) and _encodes(c, "euc_kr"))
    # Throughout: Chinese names read in cp949 make Hangul of the bytes below C9 and Hanja
    # of the others, nine in ten Hangul in five short names (格力电器, 北京建工…).
    return len(wide) >= _KOREAN_LETTERS and hangul == len(wide)


def _encodes(char: str, codec: str) -> bool:
    try:
        char.encode(codec)
    except UnicodeEncodeError:
        return False
    return True
