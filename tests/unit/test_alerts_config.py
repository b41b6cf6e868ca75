"""The alerts section of app.yaml: thresholds, routes, and what config check says of a
route naming something that does not exist."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from bot.config import AppConfig, load_config
from bot.config.alerts import unmatched_routes
from domain.aging import AgingBuckets
from domain.alerts.detect import WatchSettings
from domain.alerts.model import AlertType, Severity
from domain.alerts.routing import DEFAULT_ROUTES, Match, Route
from domain.customer_match import CustomerMatch
from domain.money import Money
from tests.conftest import ROOT
from tests.unit.test_config import GOOD, line_of, problems

BASE = GOOD.split("\nalerts:")[0]


def with_alerts(section: str) -> str:
    return BASE.rstrip() + "\n\nalerts:\n" + section


def test_the_shipped_settings_are_the_defaults():
    config = load_config(ROOT / "app.yaml")
    watch = config.alerts.watch(config.aging.buckets, "USD")
    assert [(t.share, t.severity) for t in watch.thresholds] == [
        (Decimal("0.8"), Severity.WARNING), (Decimal("1"), Severity.CRITICAL)]
    assert (watch.large_invoice, watch.contract_notice_days) == (
        Money(Decimal(100_000), "USD"), 30)
    assert config.alerts.route_rules() == DEFAULT_ROUTES
    assert AppConfig.model_validate({**config.model_dump(), "alerts": {}}).alerts == \
        config.alerts


def test_routes_are_read_with_single_values_as_lists(tmp_path: Path):
    path = tmp_path / "app.yaml"
    path.write_text(with_alerts(
        "  large_invoice: null\n"
        "  routes:\n"
        "    - when: {type: overdue, severity: warning, department: sales, country: CN}\n"
        "      channels: [own_department, C0SPECIAL1]\n"
        "      people: [owner, role:legal, U03CFO00001]\n"), encoding="utf-8")
    config = load_config(path)
    assert config.alerts.watch(config.aging.buckets, "USD").large_invoice is None
    assert config.alerts.route_rules() == (Route(
        Match(frozenset({AlertType.OVERDUE}), Severity.WARNING,
              CustomerMatch.of(departments=["sales"], countries=["CN"])),
        ("own_department", "C0SPECIAL1"), ("owner", "role:legal", "U03CFO00001")),)


def test_a_route_naming_what_does_not_exist_is_reported_with_its_line(tmp_path: Path):
    text = with_alerts(
        "  routes:\n"
        "    - when: {department: [sales, marketing]}\n"
        "      channels: [finance, '#collections']\n"
        "      people: [role:treasurer, bob]\n")
    departments = "use a key under departments (sales, credit, finance, legal, logistics)"
    roles = ("role:credit_analyst, role:credit_manager, role:finance_director, role:cfo, "
             "role:collector, role:legal, role:sales")
    line = line_of(text, "    - when:")
    assert problems(tmp_path, text) == [
        f"line {line}: alerts.routes.0.when.department.1: \"marketing\" is not a department; "
        f"{departments}",
        f"line {line + 1}: alerts.routes.0.channels.1: \"#collections\" is neither a "
        "department nor a channel id; write department keys, own_department (the "
        "customer's department) or channel ids such as C0123ABCDE; " + departments,
        f"line {line + 2}: alerts.routes.0.people.0: \"role:treasurer\" names no role; use "
        f"one of {roles}",
        f"line {line + 2}: alerts.routes.0.people.1: \"bob\" is not a person; write owner "
        "(the customer's owner), role:<name> (everyone holding the role) or user ids such "
        "as U0123ABCDE",
    ]


def test_a_route_sends_credit_data_only_to_people_who_may_see_it(tmp_path: Path):
    # `people: [U09STRANGER]` passed config check, and the stranger was sent a customer's
    # overdue debt by direct message; `owner: U01SALESCHX` (a typo) matched no customer,
    # and the route nothing, unsaid.
    text = with_alerts(
        "  routes:\n"
        "    - when: {owner: [U01SALESAMY, U01SALESCHX]}\n"
        "      people: [U09STRANGER, U01SALESBEN, role:sales, role:cfo]\n").replace(
        "  credit_data:\n    roles: []", "  credit_data:\n    roles: [credit_manager, cfo]"
    ).replace("  cfo: [U03CFO00001]", "  cfo: []")
    line = line_of(text, "    - when:")
    closed = ("may not see credit data (access.credit_data), so cannot be sent alerts; add "
              "their role or department to access.credit_data, or name someone who may")
    assert [p for p in problems(tmp_path, text) if ": alerts." in p] == [
        f"line {line}: alerts.routes.0.when.owner.1: U01SALESCHX is not listed under "
        "departments or roles; an owner a route names must be someone app.yaml lists",
        f"line {line + 1}: alerts.routes.0.people.0: U09STRANGER is not listed under "
        "departments or roles, so may not see credit data; list them there first",
        f"line {line + 1}: alerts.routes.0.people.1: U01SALESBEN {closed}",
        f"line {line + 1}: alerts.routes.0.people.2: U01SALESAMY, U01SALESBEN, U01SALESCHO "
        f"{closed} (they hold role:sales)",
        f"line {line + 1}: alerts.routes.0.people.3: \"role:cfo\" is held by nobody; list "
        "its holders under roles, e.g. cfo: [U0123ABCDE]",
    ]


def test_bad_values_say_how_to_write_them(tmp_path: Path):
    text = with_alerts(
        "  contract_notice_days: 0\n"
        "  routes:\n"
        "    - when: {type: late}\n"
        "      channels: [finance]\n")
    line = line_of(text, "  contract_notice_days:")
    assert problems(tmp_path, text) == [
        f"line {line}: alerts.contract_notice_days: must be a whole number of days "
        "from 1 to 366, got 0",
        f"line {line + 2}: alerts.routes.0.when.type.0: must be one of overdue, utilisation, "
        "large_invoice, contract_expiring, got \"late\"",
    ]


def test_thresholds_that_do_not_rise_and_routes_to_nowhere_are_explained(tmp_path: Path):
    text = with_alerts(
        "  utilisation: [{at: 100, severity: critical}, {at: 80, severity: warning}]\n")
    assert problems(tmp_path, text) == [
        f"line {line_of(text, '  utilisation:')}: alerts.utilisation: utilisation "
        "thresholds must rise, each at least as severe as the one before, e.g. [{at: 80, "
        "severity: warning}, {at: 100, severity: critical}]; got [{at: 100, severity: "
        "critical}, {at: 80, severity: warning}]"]
    text = with_alerts("  routes:\n    - when: {type: overdue}\n")
    assert problems(tmp_path, text) == [
        f"line {line_of(text, '    - when:')}: alerts.routes.0: a route needs channels or "
        "people to send alerts to"]


def test_a_route_no_alert_can_match_is_noted_with_what_each_type_can_be(tmp_path: Path):
    # `{type: contract_expiring, severity: critical}` passed config check: legal waited
    # for contract alerts, which are information or a warning at most. A note, not a
    # refusal: routes left idle by `large_invoice: null` must not stop the bot starting.
    path = tmp_path / "app.yaml"
    path.write_text(with_alerts(
        "  large_invoice: null\n"
        "  routes:\n"
        "    - when: {type: contract_expiring, severity: critical}\n"
        "      channels: [legal]\n"
        "    - when: {type: [large_invoice, contract_expiring], severity: warning}\n"
        "      channels: [credit]\n"
        "    - when: {type: large_invoice}\n"
        "      channels: [credit]\n"
        "    - when: {type: [overdue, contract_expiring], severity: critical}\n"
        "      channels: [legal]\n"
        "    - when: {severity: critical}\n"
        "      channels: [credit]\n"), encoding="utf-8")
    config = load_config(path)
    assert unmatched_routes(config.alerts, config.aging.buckets) == [
        "alerts.routes.0.when: no alert this route matches is critical or more severe "
        "(contract_expiring alerts are info or warning): lower its severity or change its "
        "type",
        "alerts.routes.2.when: no alert this route matches is info or more severe "
        "(large_invoice alerts are not watched (alerts.large_invoice is null)): watch them, "
        "or remove the route",
    ]


def test_the_severities_each_type_can_have_follow_the_settings(tmp_path: Path):
    path = tmp_path / "app.yaml"
    path.write_text(with_alerts(
        "  utilisation: [{at: 90, severity: warning}]\n"
        "  contract_notice_days: 5\n"), encoding="utf-8")
    config = load_config(path)
    assert config.alerts.watch(config.aging.buckets, "USD").severities() == {
        # 1-30 info, 31-60 and 61-90 warning, 90+ critical.
        AlertType.OVERDUE: {Severity.INFO, Severity.WARNING, Severity.CRITICAL},
        AlertType.UTILISATION: {Severity.WARNING},
        AlertType.LARGE_INVOICE: {Severity.WARNING, Severity.CRITICAL},
        # Five days' notice is within the week a contract's end is a warning.
        AlertType.CONTRACT_EXPIRING: {Severity.WARNING}}
    # Two overdue buckets (1-30, 30+): no warning; a month's notice, information first.
    severities = WatchSettings(AgingBuckets((30,))).severities()
    assert severities[AlertType.OVERDUE] == {Severity.INFO, Severity.CRITICAL}
    assert severities[AlertType.CONTRACT_EXPIRING] == {Severity.INFO, Severity.WARNING}
