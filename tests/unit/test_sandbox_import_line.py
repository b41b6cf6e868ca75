"""The sandbox's `:import` line read as a shell would: quoted names whole, options before
or after the file, and what is wrong said in words."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.sandbox.import_line import BadImportLine, ImportLine, read_import_line


@pytest.mark.parametrize(("typed", "read"), [
    ("payments p.csv", ImportLine("payments", Path("p.csv"))),
    ("payments my file.csv --dry-run", ImportLine("payments", Path("my file.csv"), True)),
    # Inside quotes a name keeps its dashes, double spaces and tabs.
    ('orders "my --dry-run  file.csv"', ImportLine("orders", Path("my --dry-run  file.csv"))),
    ("orders 'a\tb.csv' --skip-invalid",
     ImportLine("orders", Path("a\tb.csv"), skip_invalid=True)),
    ("invoices --encoding gb18030 inv.csv",
     ImportLine("invoices", Path("inv.csv"), encoding="gb18030")),
    ("invoices inv.csv --encoding=cp1252", ImportLine("invoices", Path("inv.csv"),
                                                      encoding="cp1252")),
    ("invoices inv.csv --show-errors 0", ImportLine("invoices", Path("inv.csv"),
                                                    show_errors=0)),
    ("invoices --show-errors=5 inv.csv", ImportLine("invoices", Path("inv.csv"),
                                                    show_errors=5)),
    ("invoices --open-items inv.csv --force-close",
     ImportLine("invoices", Path("inv.csv"), open_items=True, force_close=True)),
    # An unbalanced quote is part of the name, which then is not found.
    ('orders "my file.csv', ImportLine("orders", Path('"my file.csv'))),
])
def test_a_line_is_read_as_a_shell_reads_it(typed: str, read: ImportLine) -> None:
    assert read_import_line(typed) == read


@pytest.mark.parametrize(("typed", "said"), [
    ("orders --encoding= my.csv", "--encoding needs the encoding's name, e.g. --encoding "
                                  "gb18030."),
    ("orders my.csv --encoding", "--encoding needs the encoding's name, e.g. --encoding "
                                 "gb18030."),
    ("orders my.csv --dry-run=yes", "“--dry-run=yes” is not an option of :import; it takes "
                                    "--dry-run, --skip-invalid, --encoding NAME, "
                                    "--show-errors N, --open-items and --force-close, as "
                                    "creditbot import does."),
    ("orders my.csv --show-errors -1", "--show-errors needs how many problems to list, 0 or "
                                       "more, e.g. --show-errors 5."),
    ("orders my.csv --show-errors", "--show-errors needs how many problems to list, 0 or "
                                    "more, e.g. --show-errors 5."),
    ("orders", "Name the file to import, e.g. :import orders orders.csv."),
])
def test_what_is_wrong_is_said(typed: str, said: str) -> None:
    with pytest.raises(BadImportLine) as bad:
        read_import_line(typed)
    assert bad.value.template.format(**bad.value.params) == said
