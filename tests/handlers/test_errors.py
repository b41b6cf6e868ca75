"""What a person reads when a listener fails."""

from __future__ import annotations

import http.client
import logging
from urllib.error import URLError

import pytest
from slack_bolt import BoltContext

from domain.errors import DomainError, RecordsUnavailable, SeveralProblems
from domain.text import CommandName
from handlers.approvals import FEATURE as APPROVALS
from handlers.errors import message_for
from handlers.registry import Catalogue

SLACK_APOLOGY = ("Sorry — Slack did not accept my answer just now, so I could not show it. "
                 "Please try again in a minute. (reference r42)")


@pytest.mark.parametrize("error", [
    URLError(ConnectionRefusedError(111, "Connection refused")),
    http.client.RemoteDisconnected("Remote end closed connection without response"),
    ConnectionResetError(104, "Connection reset by peer"),
    TimeoutError("The read operation timed out"),
    URLError(TimeoutError("timed out")),
    http.client.IncompleteRead(b"{", 10),
], ids=["refused", "closed", "reset", "timeout", "connect-timeout", "cut-short"])
def test_a_connection_to_slack_failing_is_slacks_trouble_not_ours(error, caplog):
    caplog.set_level(logging.INFO)
    assert message_for(error, BoltContext({"request_id": "r42"})) == SLACK_APOLOGY
    assert [r.levelname for r in caplog.records] == ["WARNING"]  # no traceback
    assert caplog.records[0].exc_info is None


def test_a_bug_of_ours_is_still_ours(caplog):
    assert message_for(ValueError("boom"), BoltContext({"request_id": "r42"})) == (
        "Sorry — something went wrong on our side. It is logged with reference `r42`; "
        "please tell your creditbot admin.")
    assert caplog.records[0].exc_info is not None


def test_a_missing_rate_is_logged_once_at_warning(caplog):
    # Logged at INFO with the request's id, then at WARNING again as it was explained.
    from datetime import date

    from domain.errors import MissingRate

    caplog.set_level(logging.INFO)
    said = message_for(MissingRate("GBP", "EUR", date(2026, 12, 6)),
                       BoltContext({"request_id": "r42"}))
    assert said == ("No exchange rate for GBP (to EUR) on or before Dec 6, 2026: ask the credit "
                    "team to import the exchange rates.")
    assert [r.levelname for r in caplog.records] == ["WARNING"]


def test_a_forms_error_is_plain_text_with_no_mention_or_code_span_markup():
    # Slack writes a form's errors as plain text: "filed by <@U01SALESAMY>" and
    # "(`/credit requests` lists it)" showed their markup as it was.
    from domain.approvals.filing import FilingRefused
    from handlers.errors import field_error
    from handlers.i18n import translator

    refused = FilingRefused(
        "There is already an open {kind} request for {customer} (#{request}, filed by "
        "<@{who}>): it must be decided or cancelled first (`/credit requests` lists it).",
        kind="order release", customer="A&B <Co>", request=2, who="U01SALESAMY")
    assert field_error(refused, translator("en-US")) == (
        "There is already an open order release request for A&B <Co> (#2, filed by "
        "@U01SALESAMY): it must be decided or cancelled first (/credit requests lists it).")


def test_a_forms_error_quotes_what_was_typed_as_it_was():
    from domain.approvals.filing import FilingRefused
    from handlers.errors import field_error
    from handlers.i18n import translator

    refused = FilingRefused("{customer} has no order “{order}”: give one of its held "
                            "orders ({held}), or the reference it was placed under.",
                            customer="Lakeside", order="<@U02CREDITMG> `/credit x`",
                            held="CB-1")
    assert field_error(refused, translator("en-US")) == (
        "Lakeside has no order “<@U02CREDITMG> `/credit x`”: give one of its held orders "
        "(CB-1), or the reference it was placed under.")


def test_the_commands_a_refusal_names_are_written_as_the_person_wrote_theirs():
    catalogue = Catalogue((APPROVALS,))
    first = DomainError("See `{requests}`.", requests=CommandName("requests"))
    second = DomainError("Or `{requests}` again, {who}.", requests=CommandName("requests"),
                         who="/credit requests")  # a value people typed stays as it was
    chinese = BoltContext({"request_id": "r1", "catalogue": catalogue, "typed_word": "申请"})
    assert message_for(SeveralProblems([first, second]), chinese) == (
        "See `/credit 我的申请`. Or `/credit 我的申请` again, /credit requests.")
    english = BoltContext({"request_id": "r2", "catalogue": catalogue,
                           "typed_word": "request"})
    assert message_for(DomainError("See `{requests}`.", requests=CommandName("requests")),
                       english) == "See `/credit requests`."
    # Without a command typed (a button), its English name.
    assert message_for(DomainError("See `{requests}`.", requests=CommandName("requests")),
                       BoltContext({"request_id": "r3"})) == "See `/credit requests`."


def test_the_database_failing_requests_is_a_warning_with_its_cause_once_a_minute(
        caplog, monkeypatch):
    # Logged only as "RecordsUnavailable: The credit records are not answering…" at
    # INFO: a web host's alerting on warnings saw nothing of an outage, and not why.
    import handlers.errors

    clock = [5000.0]
    monkeypatch.setattr(handlers.errors.time, "monotonic", lambda: clock[0])
    monkeypatch.setattr(handlers.errors, "_outages", {})

    def failed(request_id: str, cause: Exception | None = None) -> str:
        try:
            raise RecordsUnavailable() from cause or ConnectionRefusedError(
                "connection to server at 10.0.0.5, port 5432 failed: Connection refused\n"
                "Is the server running on that host?")
        except RecordsUnavailable as error:
            return message_for(error, BoltContext({"request_id": request_id}))

    caplog.set_level(logging.INFO, logger="creditbot.errors")
    said = [failed("r1"), failed("r2")]
    clock[0] += 30
    said.append(failed("r3"))
    clock[0] += 30
    said.append(failed("r4"))
    assert said == ["The credit records are not answering just now, so nothing was changed. "
                    "Please try again in a minute."] * 4
    cause = ("ConnectionRefusedError: connection to server at 10.0.0.5, port 5432 failed: "
             "Connection refused")
    assert [(r.levelname, r.getMessage()) for r in caplog.records] == [
        ("WARNING", f"[r1] the database failed a request ({cause})"),
        ("INFO", f"[r2] RecordsUnavailable: {cause}"),
        ("INFO", f"[r3] RecordsUnavailable: {cause}"),
        ("WARNING", f"[r4] the database failed a request ({cause}); 2 more since the last "
                    "such line")]
    # Another cause is its own: a statement timeout said a moment before the server went
    # down folded "Connection refused" into INFO.
    caplog.clear()
    clock[0] += 1
    failed("r5", TimeoutError("canceling statement due to statement timeout"))
    failed("r6", TimeoutError("canceling statement due to statement timeout"))
    failed("r7")
    assert [(r.levelname, r.getMessage()) for r in caplog.records] == [
        ("WARNING", "[r5] the database failed a request (TimeoutError: canceling statement "
                    "due to statement timeout)"),
        ("INFO", "[r6] RecordsUnavailable: TimeoutError: canceling statement due to "
                 "statement timeout"),
        ("INFO", f"[r7] RecordsUnavailable: {cause}")]
    # psycopg words every connection failure alike up to what went wrong, at its end.
    from sqlalchemy.exc import OperationalError

    def psycopg(what: str) -> OperationalError:
        return OperationalError("SELECT 1", {}, Exception(
            f'connection failed: connection to server at "10.0.0.5", port 5432 failed: {what}'))

    caplog.clear()
    failed("r8", psycopg('FATAL:  role "creditbot" does not exist'))
    failed("r9", psycopg("Connection refused"))
    failed("r10", psycopg("Connection refused"))
    assert [r.levelname for r in caplog.records] == ["WARNING", "WARNING", "INFO"]
    assert caplog.records[1].getMessage().endswith("failed: Connection refused)")
