"""Checking credit: a customer's or a customer group's position, for people allowed to
see it, recorded in the audit log; and sharing that position into a channel."""

from domain.check.use_cases import (
    MAX_QUERY_LENGTH,
    Checked,
    CreditChecks,
    CustomerCheck,
    GroupCheck,
    QueryTooLong,
)
from domain.posting import DeliveryUncertain, ShareUnconfirmed

__all__ = ["MAX_QUERY_LENGTH", "Checked", "CreditChecks", "CustomerCheck", "DeliveryUncertain",
           "GroupCheck", "QueryTooLong", "ShareUnconfirmed"]
