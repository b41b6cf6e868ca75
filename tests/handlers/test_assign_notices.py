"""What a run of the assignment rules tells each collector: one message for the run."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from bot.sandbox import blockkit
from domain.collections.assignment import BY_RULES
from domain.collections.model import Assignment, AssignmentStatus
from domain.collections.use_cases import AssignmentChange
from domain.exposure import Aging, CreditPosition
from domain.messages import OutgoingMessage
from domain.model import Customer
from domain.money import Money
from handlers.collections.assign_notices import AssignmentNotices

NOW = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
COLLECTOR, OTHER = "U04COLLECT1", "U04COLLECT2"


class Outbox:
    def __init__(self) -> None:
        self.added: list[OutgoingMessage] = []

    def add(self, message: OutgoingMessage) -> None:
        self.added.append(message)


def change(n: int, collector: str = COLLECTOR, rotation: bool = False) -> AssignmentChange:
    usd = lambda amount: Money(Decimal(amount), "USD")  # noqa: E731
    aging = Aging(("current", "1-30", "31-60", "61-90", "90+"),
                  (usd(0), usd(100 * n), usd(0), usd(0), usd(0)), 10 + n)
    position = CreditPosition(date(2026, 12, 1), usd(10**6), usd(100 * n), usd(0), aging, 1, 0)
    customer = Customer(f"C{n:04d}", f"Customer *{n}*", usd(10**6), 30)
    return AssignmentChange(Assignment(customer.customer_id, collector, AssignmentStatus.OPEN,
                                       BY_RULES, NOW, id=n), customer, position, BY_RULES,
                            by_rotation=rotation)


def test_each_collector_gets_one_list_and_a_single_account_its_card():
    outbox = Outbox()
    notices = AssignmentNotices(lambda user: "zh-CN" if user == OTHER else "en-US",
                                "Asia/Shanghai")
    notices.queue_by_rules(outbox, [change(n) for n in range(1, 23)]
                           + [change(30, OTHER, rotation=True)])
    listed, card = outbox.added
    assert (listed.channel, card.channel) == (COLLECTOR, OTHER)
    assert listed.dedup_key == f"collections.assignment:rules:1:{COLLECTOR}"
    text = listed.blocks[0]["text"]["text"].split("\n")
    assert text[0] == ("You now collect 22 overdue accounts (assigned by the assignment "
                       "rules); their next step is due today:")
    # Largest overdue first; the names from the ERP format nothing.
    assert text[1] == "• Customer ∗22∗ (C0022) · $2,200.00 overdue, oldest 32 days"
    assert text[20] == "• Customer ∗3∗ (C0003) · $300.00 overdue, oldest 13 days"
    assert text[21:] == ["and 2 more"]
    assert blockkit.problems(listed.blocks) == []
    # Alone in the run: the card an assignment by hand sends, in the collector's language.
    assert card.text == "您现在负责催收 Customer ∗30∗（C0030）"
