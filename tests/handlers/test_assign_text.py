"""What `/credit assign` reads from its text: the customer (any words) and the collector
last, as Slack sends a picked person (`<@U…|name>`, `<@U…>`) or as typed (a bare user id,
with or without @, or an @name Slack did not recognise)."""

from __future__ import annotations

import pytest

from handlers.collections.assign import several_people, split_assign


@pytest.mark.parametrize(("text", "expected"), [
    ("acme <@U04COLLECT1|maria>", ("acme", "U04COLLECT1")),
    ("acme packaging <@U04COLLECT1>", ("acme packaging", "U04COLLECT1")),
    ("华夏物流 <@W0123ABCDE|玛丽亚>", ("华夏物流", "W0123ABCDE")),
    ("C0002 U04COLLECT1", ("C0002", "U04COLLECT1")),
    ("  acme   @U04COLLECT1  ", ("acme", "U04COLLECT1")),
    ("acme @maria", ("acme", "@maria")),
    ("<!channel> <@U04COLLECT1>", ("<!channel>", "U04COLLECT1")),
    ("acme packaging u04collect1", ("acme packaging", "U04COLLECT1")),
    ("alice in wonderland @maria", ("alice in wonderland", "@maria")),
])
def test_the_customer_then_the_collector(text, expected):
    assert split_assign(text) == expected


@pytest.mark.parametrize("text", ["acme", "<@U04COLLECT1>", "U04COLLECT1", "", "acme packaging"])
def test_without_both_there_is_nothing_to_assign(text):
    assert split_assign(text) is None


@pytest.mark.parametrize(("text", "several"), [
    ("acme packaging U04COLLECT1 U04COLLECT2", True),
    ("acme packaging <@U04COLLECT1> and <@U04COLLECT2>", True),
    ("acme <@U04COLLECT1|anna> u04collect2", True),
    ("acme packaging <@U04COLLECT1>", False),
    ("acme wonderland U04COLLECT1", False),
])
def test_two_people_are_noticed_wherever_they_are(text, several):
    assert several_people(text) is several
