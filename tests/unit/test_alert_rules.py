"""What is watched, when it is announced and who hears of it: the alerts domain without
storage or Slack."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from domain.aging import AgingBuckets
from domain.alerts.dedup import Announcement, decide
from domain.alerts.detect import ExpiringContract, LargeInvoice, WatchSettings, detect
from domain.alerts.digest import DigestLine, by_destination, ordered
from domain.alerts.model import Alert, AlertType, Change, Severity, Subject
from domain.alerts.routing import DEFAULT_ROUTES, Directory, Match, Route, destinations
from domain.customer_match import CustomerMatch
from domain.exposure import aged_balances, credit_position
from domain.fx import FxRates
from domain.model import Customer, Invoice
from domain.money import Money
from domain.positions import BaseFigures, PortfolioEntry

TODAY = date(2026, 11, 30)
BUCKETS = AgingBuckets((30, 60, 90))
SETTINGS = WatchSettings(BUCKETS, large_invoice=Money(Decimal(50_000), "USD"))
NOW = datetime(2026, 11, 30, 0, 30, tzinfo=UTC)


def customer(cid: str = "C1", limit: str = "100000", currency: str = "USD",
             **extra: str) -> Customer:
    return Customer(cid, f"Customer {cid}", Money(Decimal(limit), currency), 30, **extra)


def entry(c: Customer, *invoices: tuple[int, str]) -> PortfolioEntry:
    """``invoices``: (days past due, open amount) in the customer's currency."""
    items = [Invoice(f"{c.customer_id}-{i}", c.customer_id, TODAY - timedelta(days=60),
                     TODAY - timedelta(days=late), Money(Decimal(amount), c.currency),
                     Money(Decimal(amount), c.currency))
             for i, (late, amount) in enumerate(invoices)]
    fx = FxRates("USD", TODAY, {"EUR": Decimal("1.1")})
    position = credit_position(c.credit_limit, aged_balances(items, TODAY, BUCKETS), [], fx,
                               BUCKETS, TODAY)
    factor = fx.factor(c.currency, "USD")
    return PortfolioEntry(c, position, BaseFigures(*(
        Money(m.amount * factor, "USD")
        for m in (position.limit, position.exposure, position.aging.overdue))))


def by_type(alerts: list[Alert]) -> dict[AlertType, Alert]:
    return {a.type: a for a in alerts}


def test_an_overdue_account_is_one_alert_at_the_bucket_of_its_oldest_invoice():
    found = by_type(detect([entry(customer(), (45, "1000"), (5, "2000"), (-3, "500"))],
                           [], [], SETTINGS, TODAY))
    overdue = found[AlertType.OVERDUE]
    assert (overdue.key, overdue.level, overdue.severity, overdue.days) == \
        ("C1", 2, Severity.WARNING, 45)
    assert overdue.amount == Money(Decimal("3000.00"), "USD")
    assert overdue.facts == {"bucket": "31-60", "exposure": "3500.00"}
    assert AlertType.UTILISATION not in found


@pytest.mark.parametrize(("late", "severity"), [(1, Severity.INFO), (30, Severity.INFO),
                                                 (31, Severity.WARNING), (90, Severity.WARNING),
                                                 (91, Severity.CRITICAL)])
def test_overdue_severity_follows_the_bucket(late, severity):
    found = by_type(detect([entry(customer(), (late, "10"))], [], [], SETTINGS, TODAY))
    assert found[AlertType.OVERDUE].severity is severity


def test_nothing_overdue_or_near_the_limit_is_no_alert():
    assert detect([entry(customer(), (0, "79999"))], [], [], SETTINGS, TODAY) == []


def test_utilisation_counts_the_thresholds_reached_and_the_last_means_over_the_limit():
    near = by_type(detect([entry(customer(), (-1, "80000"))], [], [], SETTINGS,
                          TODAY))[AlertType.UTILISATION]
    assert (near.level, near.severity) == (1, Severity.WARNING)
    assert near.facts == {"limit": "100000.00", "utilisation": "0.8000"}
    over = by_type(detect([entry(customer(), (-1, "120000.50"))], [], [], SETTINGS,
                          TODAY))[AlertType.UTILISATION]
    assert (over.level, over.severity) == (2, Severity.CRITICAL)
    assert over.facts == {"limit": "100000.00", "utilisation": "1.2000",
                          "over_by": "20000.50"}


def test_a_share_just_under_the_limit_is_kept_under_it():
    # 99.996 % stored as 1.0000 (rounded to even) read "100% used" in a warning digest
    # without an over-the-limit line, where the card said 99 %.
    near = by_type(detect([entry(customer(), (-1, "99996"))], [], [], SETTINGS,
                          TODAY))[AlertType.UTILISATION]
    assert (near.level, near.facts["utilisation"]) == (1, "0.9999")


def test_a_share_just_over_the_limit_is_kept_over_it():
    # $100,005 on a $100,000 limit, cut to 1.0000, read "100% used" beside "over the
    # limit by $5.00" where the card said "over 100%".
    over = by_type(detect([entry(customer(), (-1, "100005"))], [], [], SETTINGS,
                          TODAY))[AlertType.UTILISATION]
    assert (over.facts["utilisation"], over.facts["over_by"]) == ("1.0001", "5.00")


def test_exposure_without_any_limit_is_over_every_threshold():
    alert = by_type(detect([entry(customer(limit="0"), (-1, "10"))], [], [], SETTINGS,
                           TODAY))[AlertType.UTILISATION]
    assert (alert.level, alert.severity, alert.facts) == (2, Severity.CRITICAL,
                                                          {"limit": "0.00", "over_by": "10.00"})


def test_a_large_overdue_invoice_is_compared_in_the_base_currency():
    c = customer(currency="EUR")
    large = [LargeInvoice("I-1", "C1", TODAY - timedelta(days=10),
                          Money(Decimal("46000"), "EUR"), Decimal("50600")),
             LargeInvoice("I-2", "C1", TODAY - timedelta(days=100),
                          Money(Decimal("45000"), "EUR"), Decimal("49500")),
             LargeInvoice("I-3", "C1", TODAY, Money(Decimal("90000"), "EUR"), Decimal("99000"))]
    found = [a for a in detect([entry(c)], large, [], SETTINGS, TODAY)
             if a.type is AlertType.LARGE_INVOICE]
    assert [(a.key, a.severity, a.days, a.amount_in_base) for a in found] == \
        [("I-1", Severity.WARNING, 10, Decimal("50600"))]


def test_contracts_within_the_notice_period_and_a_week_before_their_end_a_warning():
    contracts = [ExpiringContract("K-1", "C1", TODAY + timedelta(days=30), None),
                 ExpiringContract("K-2", "C1", TODAY + timedelta(days=7),
                                  Money(Decimal(5), "USD")),
                 ExpiringContract("K-3", "C1", TODAY + timedelta(days=31), None)]
    found = [(a.key, a.severity, a.days, a.amount)
             for a in detect([entry(customer())], [], contracts, SETTINGS, TODAY)]
    assert found == [("K-1", Severity.INFO, 30, None),
                     ("K-2", Severity.WARNING, 7, Money(Decimal("5.00"), "USD"))]


def test_a_customer_without_a_rate_is_left_out_of_figures_that_need_it():
    c = customer()
    assert detect([PortfolioEntry(c, None, None)], [], [], SETTINGS, TODAY) == []


# -- de-duplication ---------------------------------------------------------------------

def overdue(level: int, key: str = "C1") -> Alert:
    return Alert(AlertType.OVERDUE, key, Subject(key, f"Customer {key}"),
                 SETTINGS.overdue_severity(level), level, Money(Decimal(10), "USD"),
                 Decimal(10), level * 30, {"bucket": BUCKETS.labels[level]})


def states_after(decision, states=None):
    known = dict(states or {})
    for state in decision.changed:
        known[state.condition] = dataclasses.replace(state, version=state.version + 1)
    return known


def test_a_condition_is_announced_once_and_a_second_run_announces_nothing():
    first = decide([overdue(1)], {}, NOW)
    assert [(a.alert.key, a.change) for a in first.announce] == [("C1", Change.NEW)]
    second = decide([overdue(1)], states_after(first), NOW + timedelta(days=1))
    assert (second.announce, second.changed) == ([], [])


def test_a_later_bucket_is_announced_again_with_what_it_was_before():
    states = states_after(decide([overdue(1)], {}, NOW))
    worse = decide([overdue(2)], states, NOW)
    assert [(a.change, a.before) for a in worse.announce] == [(Change.WORSE, overdue(1))]
    # Back down: nothing to announce, but the level stands lower; up again is worse
    # again (over the limit, back to 85 %, over it again was never said: below 80 % it
    # would have been, as back).
    states = states_after(worse, states)
    better = decide([overdue(1)], states, NOW)
    assert better.announce == []
    assert [s.announced_level for s in better.changed] == [1]
    states = states_after(better, states)
    again = decide([overdue(2)], states, NOW)
    assert [(a.change, a.before) for a in again.announce] == [(Change.WORSE, overdue(1))]
    # And at the same level again, nothing.
    assert decide([overdue(2)], states_after(again, states), NOW).announce == []


def test_a_resolved_condition_that_comes_back_is_announced_as_back():
    states = states_after(decide([overdue(3)], {}, NOW))
    gone = decide([], states, NOW)
    assert (gone.announce, gone.resolved) == ([], 1)
    states = states_after(gone, states)
    back = decide([overdue(1)], states, NOW)
    assert [a.change for a in back.announce] == [Change.BACK]
    assert back.changed[0].announced_level == 1 and back.changed[0].resolved_at is None


def test_a_snooze_keeps_it_quiet_until_it_ends_and_a_worse_level_ends_it_early():
    states = states_after(decide([overdue(1)], {}, NOW))
    state = states["overdue:C1"]
    states["overdue:C1"] = dataclasses.replace(state, snoozed_until=NOW + timedelta(days=1),
                                               snoozed_by="U1")
    assert decide([overdue(1)], states, NOW + timedelta(hours=23)).announce == []
    ended = decide([overdue(1)], states, NOW + timedelta(days=1))
    assert [a.change for a in ended.announce] == [Change.SNOOZE_ENDED]
    assert ended.changed[0].snoozed_until is None
    early = decide([overdue(2)], states, NOW + timedelta(hours=1))
    assert [a.change for a in early.announce] == [Change.WORSE]
    assert early.changed[0].snoozed_until is None


def test_an_acknowledgement_holds_until_the_condition_gets_worse():
    states = states_after(decide([overdue(1)], {}, NOW))
    states["overdue:C1"] = dataclasses.replace(states["overdue:C1"], acknowledged_by="U1",
                                               acknowledged_at=NOW)
    assert decide([overdue(1)], states, NOW).announce == []
    worse = decide([overdue(2)], states, NOW)
    assert worse.changed[0].acknowledged_by is None


# -- routing ----------------------------------------------------------------------------

DIRECTORY = Directory(
    channels={"sales": "C0SALES000", "finance": "C0FINANCE0", "legal": "C0LEGAL000",
              "credit": "C0CREDIT00"},
    roles={"credit_manager": ["U0MANAGER1", "U0MANAGER2"]},
    members={"U0OWNER001": "sales"})


def alert(kind: AlertType, severity: Severity, **subject: str) -> Alert:
    return Alert(kind, "C1", Subject("C1", "Acme", **subject), severity, 1, None, None)


def test_default_routes_send_overdue_to_the_owners_department_and_finance_90_plus_to_legal():
    assert destinations(alert(AlertType.OVERDUE, Severity.WARNING, owner="U0OWNER001"),
                        DEFAULT_ROUTES, DIRECTORY) == ["C0SALES000", "C0FINANCE0"]
    assert destinations(alert(AlertType.OVERDUE, Severity.CRITICAL, department="sales"),
                        DEFAULT_ROUTES, DIRECTORY) == ["C0SALES000", "C0FINANCE0", "C0LEGAL000"]


def test_default_routes_send_critical_risk_to_credit_and_its_managers_by_dm():
    assert destinations(alert(AlertType.UTILISATION, Severity.WARNING), DEFAULT_ROUTES,
                        DIRECTORY) == ["C0CREDIT00"]
    assert destinations(alert(AlertType.LARGE_INVOICE, Severity.CRITICAL), DEFAULT_ROUTES,
                        DIRECTORY) == ["C0CREDIT00", "U0MANAGER1", "U0MANAGER2"]


def test_a_default_route_to_a_department_the_organisation_lacks_is_skipped():
    small = Directory({"sales": "C0SALES000"}, {}, {})
    assert destinations(alert(AlertType.OVERDUE, Severity.CRITICAL, department="sales"),
                        DEFAULT_ROUTES, small) == ["C0SALES000"]


def test_rules_match_on_customer_attributes_and_send_to_owners_and_channel_ids():
    rule = Route(Match(customers=CustomerMatch.of(countries=["cn"], groups=["G1"]),
                       severity=Severity.WARNING),
                 channels=("C0SPECIAL1",), people=("owner",))
    hit = alert(AlertType.OVERDUE, Severity.WARNING, country="CN", group="G1",
                owner="U0OWNER001")
    assert destinations(hit, [rule], DIRECTORY) == ["C0SPECIAL1", "U0OWNER001"]
    for miss in (dataclasses.replace(hit, severity=Severity.INFO),
                 alert(AlertType.OVERDUE, Severity.WARNING, country="DE", group="G1")):
        assert destinations(miss, [rule], DIRECTORY) == []


def test_an_owner_id_from_the_erp_that_is_not_a_slack_id_gets_no_message():
    rule = Route(people=("owner",))
    assert destinations(alert(AlertType.OVERDUE, Severity.INFO, owner="<!channel>"), [rule],
                        DIRECTORY) == []


# -- digests ----------------------------------------------------------------------------

def test_a_digest_puts_the_most_severe_first_then_the_largest_per_destination():
    def line(key: str, severity: Severity, amount: str | None) -> Announcement:
        return Announcement(Alert(AlertType.OVERDUE, key, Subject(key, key), severity, 1, None,
                                  None if amount is None else Decimal(amount)), Change.NEW)

    lines = [line("a", Severity.INFO, "5"), line("b", Severity.CRITICAL, "1"),
             line("c", Severity.INFO, None), line("d", Severity.INFO, "50")]
    digests = by_destination([(a, ["C0SALES000"]) for a in lines])
    assert [entry.condition for entry in digests["C0SALES000"]] == \
        ["overdue:b", "overdue:d", "overdue:a", "overdue:c"]
    assert ordered([DigestLine(lines[0])]) == [DigestLine(lines[0])]


def test_a_large_invoice_turning_critical_rises_a_level():
    def level_at(late: int) -> tuple[int, Severity]:
        large = [LargeInvoice("I-1", "C1", TODAY - timedelta(days=late),
                              Money(Decimal(60_000), "USD"), Decimal(60_000))]
        [found] = [a for a in detect([entry(customer())], large, [], SETTINGS, TODAY)
                   if a.type is AlertType.LARGE_INVOICE]
        return found.level, found.severity

    assert level_at(90) == (1, Severity.WARNING)
    assert level_at(91) == (2, Severity.CRITICAL)


def test_a_customer_whose_figures_could_not_be_computed_keeps_its_conditions_open():
    states = states_after(decide([overdue(1), overdue(1, "C2")], {}, NOW))
    kept = decide([], states, NOW, unknown={"C1"})
    assert kept.resolved == 1
    assert [s.condition for s in kept.changed] == ["overdue:C2"]
