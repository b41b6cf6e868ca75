"""The ``orders`` job: the ERP's open orders not yet reviewed, and every held order
checked again, in case an import ran where creditbot could not follow it (another
host, a database restored)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from domain.orders.use_cases import OrderChecks


def run_orders(context: Mapping[str, Any]) -> dict[str, int]:
    orders: OrderChecks = context["orders"]
    counts = orders.review_imported()
    released = orders.recheck()
    return {**counts, "released": len(released)}
