"""The small handle by which people and messages refer to a customer."""

from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class CustomerRef:
    customer_id: str
    name: str

    def label(self) -> str:
        return f"{self.name} ({self.customer_id})"


@dataclass(frozen=True, order=True)
class GroupRef:
    """A customer group (several legal entities of one owner), named by its id."""

    group_id: str

    def label(self) -> str:
        return f"group {self.group_id}"
