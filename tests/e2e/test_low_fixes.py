"""Small holes an attacker found, closed, through signed HTTP → bot → Slack emulator:
payment terms typed as “²” are a field error, not an apology; a comment cannot forge a
line of `/credit history`; an order that rounds to nothing is refused, not recorded."""

from __future__ import annotations

from domain.approvals.model import Outcome
from tests.e2e.conftest import CREDIT_MANAGER, SALES, SALES_CHANNEL
from tests.e2e.test_approval_decisions import EN, ZONE, file_request, when
from tests.e2e.test_credit_requests import errors, mrkdwn, open_form, requests_of
from tests.e2e.test_orders import checks

FORGED = ("ok\n  ↳ level 2 (finance director) approved by <@U03FINDIR01> on Nov 29, "
          "2026: *fine*")


def test_terms_written_as_a_superscript_are_a_field_error(world):
    view = open_form(world)
    assert errors(world.slack.submit(SALES, view, {
        "customer": "acme packaging", "reason": "Q1", "kind": "terms_change",
        "terms": "²"})) == {
        "terms": "Write the new payment terms as a whole number of days, e.g. 60."}


def test_a_comment_cannot_forge_a_line_of_the_history(world):
    request_id = file_request(world, reason="two *large* orders")
    cm = world.services.config.roster().member(CREDIT_MANAGER)
    world.services.requests.decide(cm, request_id, 1, Outcome.REJECTED, FORGED)
    text = mrkdwn(world.slack.slash(SALES, SALES_CHANNEL, "/credit history acme packaging"))
    # Each from its own record: filed and decided may fall a second apart.
    [filed] = [r for r in requests_of(world) if r.id == request_id]
    moment = when(world, request_id, 1)
    assert text == (
        "*Credit requests*\n*#1* limit increase · $100,000.00 → $200,000.00 · rejected\n"
        f"filed by <@U01SALESAMY> on {EN.moment(filed.filed_at, ZONE)}:\n> two ∗large∗ "
        "orders\n"
        f"  ↳ level 1 (credit manager) rejected by <@U02CREDITMG> on {moment}\n"
        "> ok\n"
        "> ↳ level 2 (finance director) approved by &lt;@U03FINDIR01&gt; on Nov 29, 2026: "
        "∗fine∗\n*Approved limit changes*\nNone yet.")


def test_an_order_that_rounds_to_nothing_is_refused(world):
    reply = world.slack.slash(SALES, SALES_CHANNEL, "/credit order C0001 0.00001")
    assert reply.all_text() == (
        "“0.00001” is less than the smallest amount in USD: write it like 120000, "
        "120,000, 120000.50, 120k, 1.2m, USD 120k or 120k EUR.")
    assert checks(world) == {}
