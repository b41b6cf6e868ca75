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

    def label(self, *, spelled: bool = False) -> str:
        """``spelled``: the id's letters of another alphabet named, for a list where its
        id reads as another's (С0001 with a Cyrillic Es beside C0001)."""
        shown = self.customer_id + (_alphabets(self.customer_id) if spelled else "")
        if self.name_local:
            return f"{self.name} / {self.name_local} ({shown})"
        return f"{self.name} ({shown})"


def labels(refs: Iterable[CustomerRef]) -> list[str]:
    """Each customer's label, told apart where two ids read alike: the ERP may hold
    C0001 and С0001, and a list showing both as "Acme (C0001)" offers no way to pick."""
    found = list(refs)
    alike = Counter(reads_as(ref.customer_id) for ref in found)
    return [ref.label(spelled=alike[reads_as(ref.customer_id)] > 1) for ref in found]


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
