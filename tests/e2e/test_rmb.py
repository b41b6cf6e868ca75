"""“RMB” is the yuan wherever an amount is read, through signed HTTP → bot → Slack
emulator: `/credit request`, `/credit order` and `/credit check <customer> <amount>`
read 25万 RMB as CNY 250,000 (the request's reason keeps no “RMB”)."""

from __future__ import annotations

from decimal import Decimal

from domain.money import Money
from tests.e2e.conftest import SALES, SALES_CHANNEL
from tests.e2e.test_orders import checks, sections


def test_rmb_is_cny_in_requests_orders_and_checks(world):
    with world.services.uow() as uow:
        rate = uow.rates.latest(world.services.today(), "USD")["CNY"]
    in_usd = Money(Decimal(250000) * rate, "USD").rounded()
    filed = world.slack.slash(SALES, SALES_CHANNEL,
                              "/credit request acme packaging +25万 RMB 旺季")
    # The reason is “旺季” alone: the currency was read, not left in the reason.
    assert sections(filed)[0] == (
        ":inbox_tray: *Request #1 filed: limit increase for Acme Packaging (C0002)*\n"
        # 34,368.10 / 250,000 = 0.1374724: the day's rate to six significant digits.
        "$100,000.00 → $134,368.10 (asked as +CN¥250,000.00, converted at 0.137472 USD "
        "per CNY)")
    with world.services.uow() as uow:
        [request] = uow.credit_requests.open_requests()
    assert request.reason == "旺季"
    assert in_usd == Money(Decimal("34368.10"), "USD")
    assert request.new_limit == Money(Decimal("134368.10"), "USD")
    order = world.slack.slash(SALES, SALES_CHANNEL, "/credit order C0001 1万 RMB PO-9")
    assert sections(order) == [
        ":white_check_mark: *OK to ship*: order CB-1 (PO-9) of CN¥10,000.00 ($1,374.72) for Acme "
        "Industrial Supply (C0001).\nAvailable credit after this order: $1,360,602.56 (limit "
        "$1,700,000.00, exposure before it $338,022.72)."]
    [row] = checks(world).values()
    assert (row.amount, row.currency, row.reference) == (Decimal("10000"), "CNY", "PO-9")
    check = world.slack.slash(SALES, SALES_CHANNEL, "/credit check acme packaging 25万 RMB")
    assert sections(check) == [
        ":no_entry: *Not OK to ship*: an order of CN¥250,000.00 ($34,368.10) for Acme "
        "Packaging (C0002) would be held.",
        "• An invoice is 31 days overdue, more than the 30 days allowed ($8,721.98 overdue "
        "in all)."]


def test_the_request_form_takes_rmb_as_cny(world):
    from tests.e2e.test_credit_requests import open_form

    view = open_form(world)
    assert world.slack.submit(SALES, view, {
        "customer": "acme packaging", "reason": "旺季", "amount": "+25万",
        "currency": "rmb"}).body == ""
    with world.services.uow() as uow:
        [request] = uow.credit_requests.open_requests()
    assert (request.reason, request.new_limit) == (
        "旺季", Money(Decimal("134368.10"), "USD"))
