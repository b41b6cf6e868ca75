"""What an approval card says a limit request asks for. A request in another currency
than the base one did not say what the policy's bands measured: an approver could not
tell why it went to two levels and not three."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from domain.approvals.model import CreditRequest, Decision, Level, Outcome, RequestKind
from domain.money import Money
from handlers.approvals import cards
from handlers.approvals.cards import FINAL, asked, outcome_text, with_final
from handlers.i18n import translator
from handlers.render import header, section

ZONE = ZoneInfo("Asia/Shanghai")

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


def test_an_earlier_levels_card_keeps_what_it_showed_and_gains_the_final_outcome() -> None:
    # Its figures are those level 1 decided on; only the last line is added (and, at a
    # second final line, replaced), in the reader's language.
    filed = dataclasses.replace(request("USD", Money(Decimal(3_000_000), "USD")), id=7)
    approved = Decision(7, 1, "credit_manager", Outcome.APPROVED, "U02CREDITMG", FILED,
                        "ok")
    rejected = Decision(7, 2, "finance_director", Outcome.REJECTED, "U03FINDIR01",
                        FILED + timedelta(hours=3), "too *much*")
    shown = [header("Credit request #7"), section("*Exposure*\n$1.00"),
             section(outcome_text(translator("en"), approved, ZONE))]
    en = with_final(translator("en"), shown, filed, rejected, ZONE)
    assert en[:3] == shown
    assert en[3] == {"type": "section", "block_id": FINAL, "text": {
        "type": "mrkdwn", "text": "*Final outcome, at level 2 (finance director):* :x: "
        f"Rejected by <@U03FINDIR01> on {translator('en').moment(rejected.decided_at, ZONE)}"
        "\n> too ∗much∗"}}
    # Above the card's Share menu, under the level's outcome.
    menu = {"type": "actions", "elements": []}
    assert with_final(translator("en"), [*shown, menu], filed, rejected, ZONE) == [
        *shown, en[3], menu]
    zh = with_final(translator("zh-CN"), en, filed, rejected, ZONE)
    assert len(zh) == 4 and zh[3]["text"]["text"] == (
        f"*最终结果，第 2 级（财务总监）*：{outcome_text(translator('zh-CN'), rejected, ZONE)}")
    # The card of a later level shows what earlier ones decided, with no gap after the
    # full-width colon in Chinese.
    card = cards.card(translator("zh-CN"), filed, (approved,), None, 2, ZONE)[1]
    assert card and f"*第 1 级，信用经理*：{outcome_text(translator('zh-CN'), approved, ZONE)}" \
        in [b["text"]["text"] for b in card if b["type"] == "section" and "text" in b]


def test_level_ones_card_says_what_the_levels_between_decided_before_the_outcome() -> None:
    # Level 1's card in #credit went from its own approval to level 3's rejection: the
    # finance director's approval between them was unsaid.
    three = dataclasses.replace(request("USD", Money(Decimal(3_000_000), "USD")), id=8,
                                route=(Level("credit_manager", 24),
                                       Level("finance_director", 48), Level("cfo", 72)))
    second = Decision(8, 2, "finance_director", Outcome.APPROVED, "U03FINDIR01",
                      FILED + timedelta(hours=2), "")
    third = Decision(8, 3, "cfo", Outcome.REJECTED, "U03CFO00001",
                     FILED + timedelta(hours=5), "no")
    tr = translator("en")
    shown = [header("Credit request #8")]
    ended = with_final(tr, shown, three, third, ZONE, [second])
    assert ended[1]["text"]["text"] == (
        f"*Level 2, finance director:* {outcome_text(tr, second, ZONE)}\n"
        f"*Final outcome, at level 3 (CFO):* {outcome_text(tr, third, ZONE)}")
