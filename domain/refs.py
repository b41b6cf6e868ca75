"""The small handle by which people and messages refer to a customer."""

import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from domain.text import CompanyName, reads_as


@dataclass(frozen=True, order=True)
class CustomerRef:
    customer_id: str
    name: str
    # The legal name in the local script (e.g. 杭州红隼贸易有限公司) when the ERP has one:
    # a person who typed it should recognise the candidate they are offered.
    name_local: str | None = None

    @property
    def names(self) -> CompanyName:
        """Its name for a message: each reader's own (``CompanyName``)."""
        return CompanyName(self.name, self.name_local)

    def label(self, *, spelled: bool = False, width: int | None = None) -> str:
        """``spelled``: the id's letters of another alphabet named, for a list where its
        id reads as another's (С0001 with a Cyrillic Es beside C0001). ``width``: at most
        that many characters, the names shortened in the middle and the id kept whole:
        two branches of one long legal name differ at its end, and a label cut at its
        end showed both as the same button."""
        shown = f" ({self.customer_id}{_alphabets(self.customer_id) if spelled else ''})"
        name = f"{self.name} / {self.name_local}" if self.name_local else self.name
        if width is not None and len(name) + len(shown) > width:
            name = _middle_cut(name, max(width - len(shown), 3))
        return name + shown


def labels(refs: Iterable[CustomerRef], width: int | None = None) -> list[str]:
    """Each customer's label, told apart where two ids read alike: the ERP may hold
    C0001 and С0001, and a list showing both as "Acme (C0001)" offers no way to pick.
    ``width``: as ``CustomerRef.label``'s (a button's text)."""
    found = list(refs)
    alike = Counter(reads_as(ref.customer_id) for ref in found)
    return [ref.label(spelled=alike[reads_as(ref.customer_id)] > 1, width=width)
            for ref in found]


def _middle_cut(text: str, width: int) -> str:
    """``text`` in ``width`` characters: its start and its end, "…" between them."""
    if len(text) <= width:
        return text
    tail = (width - 1) // 2
    return text[: width - 1 - tail].rstrip() + "…" + text[len(text) - tail:].lstrip()


def _alphabets(customer_id: str) -> str:
    """", with Cyrillic С" for the letters of ``customer_id`` that only look Latin."""
    foreign = [c for c in dict.fromkeys(customer_id) if not c.isascii() and reads_as(c).isascii()]
    if not foreign:
        return ""
    named = [f"{unicodedata.name(c, 'other').split()[0].title()} {c}" for c in foreign]
    return ", with " + ", ".join(named)


@dataclass(frozen=True, order=True)
class GroupRef:
    """A customer group (several legal entities of one owner), named by its id."""

    group_id: str

    def label(self) -> str:
        return f"group {self.group_id}"
