"""The small handle by which people and messages refer to a customer."""

from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class CustomerRef:
    customer_id: str
    name: str
    # The legal name in the local script (e.g. 杭州红隼贸易有限公司) when the ERP has one:
    # a person who typed it should recognise the candidate they are offered.
    name_local: str | None = None

    def label(self) -> str:
        if self.name_local:
            return f"{self.name} / {self.name_local} ({self.customer_id})"
        return f"{self.name} ({self.customer_id})"


@dataclass(frozen=True, order=True)
class GroupRef:
    """A customer group (several legal entities of one owner), named by its id."""

    group_id: str

    def label(self) -> str:
        return f"group {self.group_id}"
