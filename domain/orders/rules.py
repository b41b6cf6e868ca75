"""The order rules as pure functions: an order, the customer's position and what else
the rules look at, in; the failed rules with their figures, out."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from domain.exposure import CreditPosition
from domain.money import Money
from domain.orders.model import Contract, ContractUse, Failure, OrderRules, Rule, Verdict
from domain.text import Listed

HUNDRED = Decimal(100)


def _percent(value: Decimal) -> str:
    return f"{value.normalize():f}"


def evaluate(order: Money, order_date: date, position: CreditPosition, limit: Money,
             rules: OrderRules, *, held_before: Sequence[str] = (),
             contract: ContractUse | None = None, contract_wanted: bool = False,
             nearest_contract: Contract | None = None,
             in_exposure: Money | None = None) -> Verdict:
    """``order`` in the limit's currency; ``limit`` the limit in force (the ERP's or one
    creditbot approved). ``held_before``: ids of the customer's held orders that came
    before this one. ``contract``: the order's contract (or, for an order without one,
    the customer's contract valid on the order date); ``contract_wanted``: the order
    names a contract, or the customer has contracts, so one must be valid;
    ``nearest_contract``: with none valid, the one the rep is told of (the last to end
    before the order date, else the first to start after it).
    ``in_exposure``: the part of the order the position already counts (an ERP order
    still open is in the exposure): it is checked as the last order in."""
    exposure = position.exposure
    if in_exposure is not None:
        exposure = exposure - in_exposure
    # Compared as shown, to the cent: an order converted to $4,000.0044 is the $4,000.00
    # the answer says, and at the limit it passes, as $4,000.00 ordered in dollars does
    # (compared unrounded, "$10,000.00 is above the limit $10,000.00").
    exposure, order, limit = exposure.rounded(), order.rounded(), limit.rounded()
    ceiling = Money(limit.amount * (HUNDRED + rules.tolerance_percent) / HUNDRED,
                    limit.currency).rounded()
    failures: list[Failure] = []
    total = exposure + order
    if total.amount > ceiling.amount:
        failures.append(Failure(Rule.LIMIT, {
            "exposure": exposure, "order": order, "total": total, "limit": limit,
            "tolerance": _percent(rules.tolerance_percent), "ceiling": ceiling,
            "over": total - ceiling}))
    days = position.aging.oldest_overdue_days
    if rules.max_days_overdue is not None and days is not None \
            and days > rules.max_days_overdue:
        failures.append(Failure(Rule.OVERDUE, {
            "days": str(days), "max_days": str(rules.max_days_overdue),
            "overdue": position.aging.overdue.rounded()}))
    if rules.on_hold and held_before:
        shown = list(held_before[:5])
        failures.append(Failure(Rule.ON_HOLD, {
            "orders": Listed((*shown, "…") if len(held_before) > 5 else shown),
            "count": str(len(held_before))}))
    contract_left = contract_limit = None
    if rules.contracts:
        failures.extend(_contract(order_date, contract, contract_wanted,
                                  nearest_contract))
        if contract is not None and contract.contract.credit_limit is not None \
                and contract.used is not None and contract.order is not None:
            contract_limit = contract.contract.credit_limit.rounded()
            contract_left = contract_limit - contract.used.rounded() - contract.order.rounded()
    return Verdict(order, limit, exposure, ceiling, tuple(failures),
                   contract_left=contract_left, contract_limit=contract_limit)


def _contract(order_date: date, use: ContractUse | None, wanted: bool,
              nearest: Contract | None) -> list[Failure]:
    if use is None and not wanted:
        return []
    # "No contract is valid" left the rep to find out that K-5 ended yesterday and
    # only wants renewing: the contract nearest the order date is named.
    contract = use.contract if use is not None else nearest
    if contract is None:
        return [Failure(Rule.CONTRACT_NOT_VALID, {
            "contract": "", "date": order_date, "start": "", "end": "", "later": ""})]
    if use is None or not contract.valid_on(order_date):
        return [Failure(Rule.CONTRACT_NOT_VALID, {
            "contract": contract.contract_id, "date": order_date,
            "start": contract.start_date, "end": contract.end_date,
            "later": "yes" if contract.start_date > order_date else ""})]
    limit = contract.credit_limit
    if limit is None or use.used is None or use.order is None:
        return []
    used, order, limit = use.used.rounded(), use.order.rounded(), limit.rounded()
    total = used + order
    if total.amount > limit.amount:
        return [Failure(Rule.CONTRACT_LIMIT, {
            "contract": contract.contract_id, "used": used, "order": order, "total": total,
            "limit": limit})]
    return []
