"""``domain.text.reads_as``: ids that read the same, whatever case, width or alphabet."""

from __future__ import annotations

import pytest

from domain.text import reads_as


@pytest.mark.parametrize("twin", [
    "c0001", "Ｃ0001", "\u04210001",  # lower case, full width, a Cyrillic Es
    "\u03f90001",                     # a Greek lunate Sigma
    "\ua4da0001", "\u13df0001",       # Lisu and Cherokee look-alikes of C
])
def test_look_alikes_read_as_the_latin_id(twin: str) -> None:
    assert reads_as(twin) == reads_as("C0001") == "c0001"


@pytest.mark.parametrize(("one", "other"), [
    ("Ромашка-7", "Romawka-7"),   # a Cyrillic word reads as no Latin one
    ("C0001", "C0002"), ("C0O01", "C0001"),  # digits and letters stay apart
    ("ΩmegaCorp", "OmegaCorp"),
])
def test_different_ids_stay_different(one: str, other: str) -> None:
    assert reads_as(one) != reads_as(other)
