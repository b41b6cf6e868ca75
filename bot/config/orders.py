"""The ``orders`` section of app.yaml: the rules an order is checked against before it
ships (``/credit order``, ``/credit check <customer> <amount>``, the ERP's open orders).

```yaml
orders:
  tolerance_percent: 5     # exposure + order may go this far above the limit
  max_days_overdue: 30     # no invoice more overdue than this; null: not checked
  on_hold: true            # a held order of the customer holds the orders after it
  contracts: true          # the contract valid on the order date, within its limit
  pending_days: 30         # an order placed in creditbot counts in exposure this many
                           # days at most while the ERP has not exported it
```
"""

from __future__ import annotations

from decimal import Decimal

from pydantic import Field

from bot.config.section import Section
from domain.orders.model import OrderRules

_DEFAULTS = OrderRules()


class OrderSettings(Section):
    tolerance_percent: Decimal = Field(
        default=_DEFAULTS.tolerance_percent, ge=0, le=100, decimal_places=2,
        description="a percentage of the limit from 0 to 100, e.g. 5")
    max_days_overdue: int | None = Field(
        default=_DEFAULTS.max_days_overdue, ge=0, le=3650,
        description="a whole number of days from 0 to 3650, e.g. 30, or null not to check "
        "overdue invoices")
    on_hold: bool = Field(default=_DEFAULTS.on_hold,
                          description="true or false (true: an earlier held order "
                          "holds the customer's later ones)")
    contracts: bool = Field(default=_DEFAULTS.contracts,
                            description="true or false (true: the order's contract "
                            "must be valid on its date and within its limit)")

    pending_days: int = Field(
        default=30, ge=1, le=365,
        description="a whole number of days from 1 to 365, e.g. 30 (how long an order "
        "placed in creditbot counts in exposure while the ERP has not exported it)")

    def rules(self) -> OrderRules:
        return OrderRules(self.tolerance_percent, self.max_days_overdue, self.on_hold,
                          self.contracts)
