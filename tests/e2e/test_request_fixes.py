"""What a new user found in ``/credit request``, ``/credit order``, ``/credit check``,
``/credit history`` and ``/credit delegate``: each answer as the person reads it, through
signed HTTP -> bot -> the Slack emulator (the demo organisation, today 2026-11-29)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from domain.approvals.model import RequestKind
from tests.e2e.conftest import SALES, SALES_CHANNEL, World
from tests.e2e.test_credit_requests import deadline, mrkdwn, requests_of


def said(world: World, line: str, user: str = SALES) -> str:
    return world.slack.slash(user, SALES_CHANNEL, line).all_text()


def test_until_after_the_amount_files_a_temporary_limit(world):
    reply = world.slack.slash(SALES, SALES_CHANNEL,
                              "/credit request lakeside +50k until 2026-12-31 for xmas")
    [request] = requests_of(world)
    assert (request.kind, request.expires_on, request.reason, request.new_limit.amount) == (
        RequestKind.TEMPORARY_LIMIT, date(2026, 12, 31), "for xmas", Decimal("85000.00"))
    assert mrkdwn(reply) == (
        f":inbox_tray: *Request #{request.id} filed: temporary limit for Lakeside "
        "Furniture Outlet (C0013)*\n$35,000.00 → $85,000.00 through Dec 31, 2026\n"
        "Now waiting for level 1 of 2: credit manager (<@U02CREDITMG>) decides by "
        f"{deadline(request)}.\n"
        "Reason: for xmas\n"
        "`/credit requests` shows where it stands; you can cancel it there while it is open.")


def test_a_wrong_until_is_refused_with_how_to_write_it(world):
    assert said(world, "/credit request lakeside +50k until 31/12/2026 for xmas") == (
        "“31/12/2026” is not a date: write the temporary limit's last day as YYYY-MM-DD, "
        "e.g. `/credit request acme +50k until 2026-12-31 Christmas season`.")
    assert said(world, "/credit request lakeside +50k until") == (
        "Write the last day of the temporary limit after `until`: `/credit request acme "
        "+50k until 2026-12-31 Christmas season`.")
    assert said(world, "/credit request lakeside +50k until 2026-01-31 for xmas") == (
        "A temporary limit must last until today or later; 2026-01-31 is already past.")
    assert requests_of(world) == []
