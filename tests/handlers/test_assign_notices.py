"""What a run of the assignment rules tells each collector: one message for the run."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime
from decimal import Decimal

from bot.sandbox import blockkit
from domain.collections.assignment import BY_RULES
from domain.collections.model import Assignment, AssignmentStatus
from domain.collections.use_cases import AssignmentChange
from domain.exposure import Aging, CreditPosition
from domain.messages import OutgoingMessage
from domain.model import Customer, HeldOrder
from domain.money import Money
from handlers.collections.assign_notices import AssignmentNotices, given_by_rules
from handlers.i18n import translator
from handlers.render import erp_text

NOW = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
TODAY = date(2026, 12, 1)  # in Shanghai, the organisation's zone
ZONE = "Asia/Shanghai"
COLLECTOR, OTHER = "U04COLLECT1", "U04COLLECT2"


class Outbox:
    def __init__(self) -> None:
        self.added: list[OutgoingMessage] = []

    def add(self, message: OutgoingMessage) -> None:
        self.added.append(message)


def change(n: int, collector: str = COLLECTOR, rotation: bool = False) -> AssignmentChange:
    usd = lambda amount: Money(Decimal(amount), "USD")  # noqa: E731
    aging = Aging(("current", "1-30", "31-60", "61-90", "90+"),
                  (usd(0), usd(100 * n), usd(0), usd(0), usd(0)), n if n < 3 else 10 + n)
    position = CreditPosition(date(2026, 12, 1), usd(10**6), usd(100 * n), usd(0), aging, 1, 0)
    customer = Customer(f"C{n:04d}", f"Customer *{n}*", usd(10**6), 30)
    return AssignmentChange(Assignment(customer.customer_id, collector, AssignmentStatus.OPEN,
                                       BY_RULES, NOW, next_action_on=TODAY, id=n),
                            customer, position, BY_RULES,
                            by_rotation=rotation)


def test_each_collector_gets_one_list_and_a_single_account_its_card():
    outbox = Outbox()
    notices = AssignmentNotices(lambda user: "zh-CN" if user == OTHER else "en-US",
                                "Asia/Shanghai")
    # In the run's order (the plan puts the largest in the base currency first).
    notices.queue_by_rules(outbox, [change(n) for n in range(22, 0, -1)]
                           + [change(30, OTHER, rotation=True)])
    listed, card = outbox.added
    assert (listed.channel, card.channel) == (COLLECTOR, OTHER)
    assert listed.dedup_key == f"collections.assignment:rules:1:{COLLECTOR}"
    text = listed.blocks[0]["text"]["text"].split("\n")
    assert text[0] == ("You now collect 22 overdue accounts (assigned by the assignment "
                       "rules); their next step is due today:")
    # The names from the ERP format nothing.
    assert text[1] == "• Customer ∗22∗ (C0022) · $2,200.00 overdue, oldest 32 days"
    assert text[20] == "• Customer ∗3∗ (C0003) · $300.00 overdue, oldest 13 days"
    assert text[21:] == ["and 2 more"]
    assert "• Customer ∗1∗ (C0001) · $100.00 overdue, oldest 1 day" not in text  # one of the 2
    assert given_by_rules([change(1)], translator("en-US"), ZONE)[1][0]["text"]["text"].endswith(
        "• Customer ∗1∗ (C0001) · $100.00 overdue, oldest 1 day")
    assert blockkit.problems(listed.blocks) == []
    # Alone in the run: the card an assignment by hand sends, in the collector's language.
    assert card.text == "您现在负责催收 Customer ∗30∗（C0030）"


def test_long_erp_names_list_fewer_accounts_and_count_the_rest():
    long = [dataclasses.replace(c, customer=dataclasses.replace(
        c.customer, name="&" * 190 + str(n))) for n, c in enumerate(
            change(n) for n in range(29, 0, -1))]
    _text, blocks = given_by_rules(long, translator("en-US"), ZONE)
    listed = blocks[0]["text"]["text"]
    assert len(listed) <= 3000 and blockkit.problems(blocks) == []
    lines = listed.split("\n")
    shown = len(lines) - 2  # the title and the count
    assert 1 <= shown < 20 and lines[-1] == f"and {29 - shown} more"
    assert lines[1] == ("• " + erp_text("&" * 190 + "0", 200)
                        + " (C0029) · $2,900.00 overdue, oldest 39 days")


def test_an_account_with_held_orders_says_how_many_in_the_list_and_on_the_card():
    held = dataclasses.replace(change(2), held=(HeldOrder("CB-1"), HeldOrder("SO-9")))
    _text, blocks = given_by_rules([change(1), held], translator("zh-CN"), ZONE)
    assert blocks[0]["text"]["text"].split("\n")[1:] == [
        "• Customer ∗1∗（C0001） · 逾期 US$100.00，最早逾期 1 天",
        "• Customer ∗2∗（C0002） · 逾期 US$200.00，最早逾期 2 天 · 2 笔订单被暂停"]
    outbox = Outbox()
    AssignmentNotices(lambda user: "en-US", "Asia/Shanghai").queue(outbox, held)
    [card] = outbox.added
    assert ":no_entry: 2 held orders: CB-1, SO-9. Not to ship until they are released." in [
        b["text"]["text"] for b in card.blocks if "text" in b]


def test_a_collector_app_yaml_let_go_is_not_told_their_account_moved():
    # They may no longer see credit data: the account's card is not theirs to read.
    outbox = Outbox()
    notices = AssignmentNotices(lambda user: "en-US", "Asia/Shanghai")
    moved = dataclasses.replace(change(1, OTHER), previous=COLLECTOR, tell_previous=False)
    notices.queue_by_rules(outbox, [moved])
    [card] = outbox.added
    assert card.channel == OTHER
    assert card.text == "You now collect Customer ∗1∗ (C0001)"
    # In a run's list, the accounts taken over say from whom.
    title, blocks = given_by_rules([moved, change(2, OTHER)], translator("en-US"), ZONE)
    # The notification's text ends with the sentence, not the list's colon.
    assert title == ("You now collect 2 overdue accounts (assigned by the assignment "
                     "rules); their next step is due today")
    assert blocks[0]["text"]["text"].split("\n")[1:] == [
        f"• Customer ∗1∗ (C0001) · $100.00 overdue, oldest 1 day · taken over from "
        f"<@{COLLECTOR}>",
        "• Customer ∗2∗ (C0002) · $200.00 overdue, oldest 2 days"]
    # Told as before when they may: a reassignment by hand.
    notices.queue(outbox, dataclasses.replace(moved, tell_previous=True))
    assert [m.channel for m in outbox.added] == [OTHER, COLLECTOR, OTHER]


def test_an_account_taken_over_keeps_its_own_next_step_and_says_when():
    # A new assignment's first step is today; an account taken over keeps the date its
    # collector set, which the message must not call "today".
    moved = dataclasses.replace(change(1, OTHER), previous=COLLECTOR, tell_previous=False)
    later = dataclasses.replace(moved, assignment=dataclasses.replace(
        moved.assignment, next_action_on=date(2026, 12, 8)))
    late = dataclasses.replace(moved, assignment=dataclasses.replace(
        moved.assignment, next_action_on=date(2026, 11, 20)))
    title, blocks = given_by_rules([later, late, change(3, OTHER)], translator("en-US"), ZONE)
    assert title == "You now collect 3 overdue accounts (assigned by the assignment rules)"
    assert blocks[0]["text"]["text"].split("\n")[1:] == [
        f"• Customer ∗1∗ (C0001) · $100.00 overdue, oldest 1 day · taken over from "
        f"<@{COLLECTOR}> · next step on Dec 8, 2026",
        f"• Customer ∗1∗ (C0001) · $100.00 overdue, oldest 1 day · taken over from "
        f"<@{COLLECTOR}> · next step was due on Nov 20, 2026",
        "• Customer ∗3∗ (C0003) · $300.00 overdue, oldest 13 days"]
    _, zh = given_by_rules([later], translator("zh-CN"), ZONE)
    assert zh[0]["text"]["text"].split("\n")[0] == "您现在负责催收 1 个逾期账户（由分配规则分配）："

    def note(taken: AssignmentChange) -> str:
        outbox = Outbox()
        AssignmentNotices(lambda user: "en-US", ZONE).queue(outbox, dataclasses.replace(
            taken, by="U04MANAGER", tell_previous=True))
        [_, card] = outbox.added
        return card.blocks[-1]["elements"][0]["text"]  # the card's note, under its figures

    intro = (f"You now collect this account instead of <@{COLLECTOR}> (assigned by "
             f"<@U04MANAGER>).")
    assert note(later) == intro + " Its next step is due on Dec 8, 2026."
    assert note(late) == intro + " Its next step was due on Nov 20, 2026."
    assert note(moved) == intro + " Its next step is due today."
    undated = dataclasses.replace(moved, assignment=dataclasses.replace(
        moved.assignment, next_action_on=None))
    assert note(undated) == intro + " Its next step has no date yet."
