"""The small handle by which people and messages refer to a customer."""

from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class CustomerRef:
    customer_id: str
    name: str

    def label(self) -> str:
        return f"{self.name} ({self.customer_id})"
