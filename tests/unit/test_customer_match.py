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
