"""Which customers a rule matches: one rule for alert routes and assignment rules."""

from decimal import Decimal

import pytest

from domain.alerts.model import AlertType, Severity
from domain.alerts.routing import Match, Route, destinations
from domain.collections.assignment import AssignRule
from domain.customer_match import CustomerMatch
from domain.model import Customer
from domain.money import Money
from tests.unit.test_alert_rules import DIRECTORY, alert

RULE = CustomerMatch.of(departments=["sales"], owners=["U0OWNER001"], groups=["G1"],
                        countries=["cn", " HK "])


@pytest.mark.parametrize("country", ["CN", "cn", " Cn ", "HK", "hk\t"])
def test_countries_compare_ignoring_case_and_padding(country: str):
    assert RULE.matches("sales", "U0OWNER001", "G1", country)


@pytest.mark.parametrize("department, owner, group, country", [
    ("finance", "U0OWNER001", "G1", "CN"),
    ("sales", "U0OTHER001", "G1", "CN"),
    ("sales", "U0OWNER001", "G2", "CN"),
    ("sales", "U0OWNER001", "G1", "DE"),
    (None, "U0OWNER001", "G1", "CN"),
    ("sales", None, "G1", "CN"),
    ("sales", "U0OWNER001", None, "CN"),
    ("sales", "U0OWNER001", "G1", None),
    ("sales", "U0OWNER001", "G1", "  "),
])
def test_every_attribute_named_must_match(department, owner, group, country):
    assert not RULE.matches(department, owner, group, country)


def test_an_empty_match_takes_every_customer_even_one_without_attributes():
    assert CustomerMatch().matches(None, None, None, None)
    assert CustomerMatch.of(countries=["", " "]) == CustomerMatch()


def test_alert_routes_and_assignment_rules_agree_on_a_padded_country():
    # The ERP wrote the country padded and in lower case; both kinds of rule say CN.
    route = Route(Match(customers=CustomerMatch.of(countries=["CN"])), channels=("C0ASIA0001",))
    hit = alert(AlertType.OVERDUE, Severity.WARNING, country=" cn ")
    assert destinations(hit, [route], DIRECTORY) == ["C0ASIA0001"]
    customer = Customer("C1", "Acme", Money(Decimal(1), "USD"), 30, country=" cn ")
    assert AssignRule("U04COLLECT1", CustomerMatch.of(countries=["CN"])).matches(customer,
                                                                                None)


def test_a_rule_may_name_the_customers_currency_for_routes_and_assignment(tmp_path):
    # A Shenzhen collections head wanted the HKD and USD accounts with one collector
    # and could only name countries, which a CN customer billed in USD is not.
    from bot.config import ConfigError, load_config
    from tests.conftest import ROOT

    hkd = Customer("C1", "Acme", Money(Decimal(1), "HKD"), 30, country="CN")
    cny = Customer("C2", "Beta", Money(Decimal(1), "CNY"), 30, country="CN")
    rule = AssignRule("U04COLLECT2", CustomerMatch.of(currencies=["HKD", "USD"]))
    assert rule.matches(hkd, None) and not rule.matches(cny, None)
    route = Route(Match(customers=CustomerMatch.of(currencies=["USD"])),
                  channels=("C0TREASURY",))
    assert destinations(alert(AlertType.OVERDUE, Severity.WARNING, currency="USD"), [route],
                        DIRECTORY) == ["C0TREASURY"]
    assert destinations(alert(AlertType.OVERDUE, Severity.WARNING, currency="CNY"), [route],
                        DIRECTORY) == []
    # The scan gives each alert its customer's currency, and a stored alert keeps it.
    from domain.alerts.detect import subject_of
    from storage.alerts import alert_from_json, alert_to_json

    assert subject_of(hkd).currency == "HKD"
    stored = alert(AlertType.OVERDUE, Severity.WARNING, currency="USD")
    assert alert_from_json(alert_to_json(stored)) == stored
    text = (ROOT / "app.yaml").read_text(encoding="utf-8").replace(
        "  rules: []\n", "  rules:\n"
        "    - when: {currency: [HKD, usd]}\n      collector: U04COLLECT2\n", 1)
    path = tmp_path / "app.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as refused:
        load_config(path)
    line = next(i for i, t in enumerate(text.splitlines(), 1) if "usd]" in t)
    assert refused.value.problems == [
        f"line {line}: collections.rules.0.when.currency.1: must be an ISO 4217 currency "
        "code such as USD, EUR or CNY, got \"usd\" (\"usd\" is written USD)"]
    path.write_text(text.replace("usd]", "USD]"), encoding="utf-8")
    config = load_config(path)
    assert config.collections.rules[0].when.customers() == CustomerMatch.of(
        currencies=["HKD", "USD"])
