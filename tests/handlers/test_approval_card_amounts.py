"""What an approval card says a limit request asks for. A request in another currency
than the base one did not say what the policy's bands measured: an approver could not
tell why it went to two levels and not three."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from domain.approvals.model import CreditRequest, Level, RequestKind
from domain.money import Money
from handlers.approvals.cards import asked
from handlers.i18n import translator

FILED = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)


def request(currency: str, measured: Money) -> CreditRequest:
    return CreditRequest(
        RequestKind.LIMIT_INCREASE, "C0102", "Ferreteria del Norte", "U0REP00001", FILED,
        "season", measured, (Level("credit_manager", 24), Level("finance_director", 48)),
        current_limit=Money(Decimal(2_000_000), currency),
        new_limit=Money(Decimal(3_000_000), currency),
        increase=Money(Decimal(1_000_000), currency))


def test_a_request_in_another_currency_says_what_the_bands_measured() -> None:
    said = asked(translator("en"), request("MXN", Money(Decimal("165000.00"), "USD")))
    assert said == (
        "MX$3,000,000.00 (now MX$2,000,000.00, +MX$1,000,000.00)\n"
        "measured against the policy's bands as $165,000.00 (at the day's rate when filed)")


def test_a_request_in_the_base_currency_says_nothing_more() -> None:
    said = asked(translator("en"), request("USD", Money(Decimal("3000000.00"), "USD")))
    assert said == "$3,000,000.00 (now $2,000,000.00, +$1,000,000.00)"
