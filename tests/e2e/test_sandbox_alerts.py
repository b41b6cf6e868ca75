"""The sandbox's clock and jobs, driven as a new user drives them: lines piped into
``creditbot sandbox`` with the demo portfolio, in an 80-column terminal, asserting the
whole lines printed. The machine's clock stands still at ``NOW`` (10:00 on Sunday 29
November 2026 in Shanghai), so every time and figure below is the same on every run."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from click.testing import CliRunner

from bot.cli import main
from bot.sandbox.clock import SandboxClock, UnreadableTime
from tests.conftest import ROOT
from tests.e2e.conftest import NOW

_PROMPT = re.compile(r"^U\w+ in #\S+> (.*)$")


@pytest.fixture
def still() -> Iterator[None]:
    with time_machine.travel(NOW, tick=False):
        yield


def sandbox(monkeypatch: pytest.MonkeyPatch, *typed: str) -> list[tuple[str, list[str]]]:
    """Each line typed, with the lines the sandbox printed after it (trailing blanks
    stripped, as a terminal shows them)."""
    monkeypatch.setenv("CREDITBOT_CONFIG", str(ROOT / "app.yaml"))
    monkeypatch.setenv("COLUMNS", "80")
    result = CliRunner().invoke(main, ["sandbox"], input="\n".join(typed) + "\n")
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output, result.output
    answers: list[tuple[str, list[str]]] = []
    for line in result.stdout.splitlines():
        prompt = _PROMPT.match(line)
        if prompt:
            answers.append((prompt.group(1), []))
        elif answers:
            answers[-1][1].append(line.rstrip())
    assert [entry for entry, _ in answers] == list(typed)
    return answers


def headings(lines: list[str]) -> list[str]:
    """Who said what where: the first line of each message shown."""
    return [line for line in lines if line.startswith("creditbot ")]


def message_after(lines: list[str], heading: str) -> list[str]:
    """The lines of the message under ``heading``, up to the blank line that ends it."""
    start = lines.index(heading) + 1
    return lines[start:lines.index("", start)]


def test_clock_shows_the_time_moves_it_and_says_how_to_write_one(monkeypatch, still):
    answers = sandbox(monkeypatch, ":clock", ":clock +3d", ":clock -12h", ":clock 2026-12-24",
                      ":clock 2026-12-24 09:00", ":clock +1d6h", ":clock now", ":clock +3x",
                      ":clock 2026-02-30", ":clock tomorrow", ":clock")
    assert dict(answers[:7]) == {
        ":clock": ["Sandbox time: Sunday, November 29, 2026 10:00 (Asia/Shanghai)",
                   "This is the real time."],
        ":clock +3d": ["Sandbox time: Wednesday, December 2, 2026 10:00 (Asia/Shanghai)",
                       "3 days ahead of the real time."],
        ":clock -12h": ["Sandbox time: Tuesday, December 1, 2026 22:00 (Asia/Shanghai)",
                        "2 days 12 hours ahead of the real time."],
        # A date alone keeps the time of day.
        ":clock 2026-12-24": ["Sandbox time: Thursday, December 24, 2026 22:00 (Asia/Shanghai)",
                              "25 days 12 hours ahead of the real time."],
        ":clock 2026-12-24 09:00": [
            "Sandbox time: Thursday, December 24, 2026 09:00 (Asia/Shanghai)",
            "24 days 23 hours ahead of the real time."],
        ":clock +1d6h": ["Sandbox time: Friday, December 25, 2026 15:00 (Asia/Shanghai)",
                         "26 days 5 hours ahead of the real time."],
        ":clock now": ["Sandbox time: Sunday, November 29, 2026 10:00 (Asia/Shanghai)",
                       "This is the real time."],
    }
    for typed, lines in answers[7:10]:
        wrong = typed.removeprefix(":clock ")
        assert " ".join(lines) == (
            f"“{wrong}” is not a time the sandbox understands: write +3d, -12h, 2026-12-24 "
            "or 2026-12-24 09:00 (or now, for the real time).")
    assert answers[7][1] == ["“+3x” is not a time the sandbox understands: write +3d, -12h, "
                             "2026-12-24 or",
                             "2026-12-24 09:00 (or now, for the real time)."]
    # Bad input leaves the time as it was.
    assert answers[10][1] == answers[0][1]


def test_run_lists_the_jobs_and_names_them_for_one_that_does_not_exist(monkeypatch, still):
    answers = dict(sandbox(monkeypatch, ":run", ":run nightly", ":run digest", ":help"))
    assert answers[":run"] == [
        "Jobs (:run NAME runs one now, at the sandbox's time):",
        "  alerts        finds overdue accounts, limits nearly used, large overdue",
        "                invoices and contracts ending; posts one digest per channel of",
        "                what is new or worse",
        "  approvals     reminds approvers before a level's deadline, escalates after it,",
        "                closes temporary-limit requests past their last day, tells",
        "                account owners when a temporary limit ends and sends stand-ins",
        "                whose delegation starts the cards waiting for them",
        "  orders        reviews the ERP's open orders not yet reviewed and releases held",
        "                orders that pass the order rules again",
        "  people        asks Slack the language of the people creditbot writes to on its",
        "                own (app.yaml's people, the customers' owners), so that their",
        "                messages read in it",
        "  housekeeping  forgets processed Slack deliveries older than a day and job runs",
        "                older than 90 days",
        "  report        posts the week's collection metrics with the aging and DSO",
        "                charts to the finance channel (reports.post_to)",
        "  collections   checks promises to pay due, reminds collectors on their",
        "                next-action date, tells the collections lead about accounts",
        "                without action and points out disputes the ERP shows settled",
        "  meetings      reminds everyone invited before each meeting with the agenda as",
        "                it stands, creates and invites the next occurrence of recurring",
        "                meetings, and reminds task owners on the due date and organisers",
        "                of overdue tasks",
    ]
    assert answers[":run nightly"] == [
        "There is no job “nightly”; the jobs are: alerts, approvals, orders, people,",
        "housekeeping, report, collections, meetings."]
    # The digests are the alerts job's: asked for by that word, it is named.
    assert " ".join(answers[":run digest"]) == (
        "There is no job “digest”: did you mean “:run alerts”? The jobs are: alerts, "
        "approvals, orders, people, housekeeping, report, collections, meetings.")
    assert answers[":help"][-12:] == [
        "  :clock [WHEN]      show or move the sandbox's time: +3d, -12h, 2026-12-24, now",
        "  :run [JOB]         run a scheduled job now, e.g. :run alerts; :run lists them",
        "  :import KIND FILE  import an ERP file as creditbot import does, e.g.",
        "                     :import payments payments.csv (the sandbox's data only)",
        "  :audit [N]         the audit log's latest N entries: who did what, when",
        "  :audit export FILE the sandbox's whole audit log, as a CSV file",
        "  in a form          answer each field (Enter keeps it, - empties it), or in a",
        "                     script write FIELD: VALUE lines; then :submit, or :cancel",
        "  a, b, …            pick that option of a ⋯ menu of the last message",
        "  :files [FOLDER]    save the files the bot shared (charts) in FOLDER,",
        "                     else here: they outlive the sandbox",
        "  :help  :quit       (Ctrl-C or Ctrl-D quit too)",
    ]


def test_a_new_user_runs_the_alerts_sees_the_digests_and_acknowledges_a_line(monkeypatch,
                                                                            still):
    answers = sandbox(monkeypatch, ":as credit_manager", ":run alerts", "1", ":clock +1d",
                      ":run alerts", "1", ":as U0VISITOR01", "1")
    ran = answers[1][1]
    assert ran[:2] == [
        "Ran alerts: 50 customers, 64 conditions, 64 announced, 0 resolved, 0 unrouted,",
        "5 digests, 9 messages, 0 customers lacking a rate, 41 assigned, 1 attempt."]
    # The overdue accounts are assigned first: one list by direct message per collector,
    # then the digests, whose lines say each account has a collector.
    assert sorted(headings(ran)[:2]) == [
        "creditbot sent a direct message to @U04COLLECT1",
        "creditbot sent a direct message to @U04COLLECT2"]
    assert headings(ran)[2:-1] == [
        "creditbot posted in #sales", "creditbot replied in the thread, in #sales",
        "creditbot posted in #finance",
        "creditbot posted in #legal", "creditbot replied in the thread, in #legal",
        "creditbot posted in #credit", "creditbot replied in the thread, in #credit",
        "creditbot sent a direct message to @U02CREDITMG"]
    # #finance's thread reads as #sales's: named at the end, not printed twice.
    assert headings(ran)[-1] == (
        "creditbot sent the same to #finance: Credit alerts · Nov 29, 2026 · 11–41 of 41")
    # Assigned already: no Assign collector button, and room for the Share menu.
    assert message_after(ran, "creditbot posted in #sales")[:9] == [
        "Credit alerts · Nov 29, 2026",
        "41 alerts  ·  🔴 16 critical  ·  🟠 17 warnings  ·  🔵 8 info",
        "🔴 Critical · Overdue accounts (16)",
        "Fenwick Retail Group · C0041 · collector assigned",
        "£483,620.18 overdue (≈ $609,422.64) · oldest 141 days past due · exposure",
        "£684,561.54",
        "New",
        " 1  Acknowledge    2  Snooze 1 day    3  Snooze 7 days    4  Credit check",
        "⋯  a  Share with another department…",
    ]
    # A thread's lines wrap under their text, not under the bullet.
    assert message_after(ran, "creditbot replied in the thread, in #sales")[:5] == [
        "Credit alerts · Nov 29, 2026 · 11–41 of 41",
        "🔴 Critical · Overdue accounts (16)",
        "• Lakeside Furniture Outlet (C0013) — $24,024.89 overdue · oldest 136 days past",
        "  due · collector assigned · New",
        # Its yuan beside the dollars it follows Lakeside's by.
        "• 华夏物流有限公司 (C0027) — CN¥174,755.34 overdue (≈ $24,024.03) · oldest 104",
    ]
    # Buttons and menus are numbered and lettered on across the digests: #finance's
    # first button is 41, its first menu f (#sales's page had room for five).
    assert message_after(ran, "creditbot posted in #finance")[7:9] == [
        " 41  Acknowledge    42  Snooze 1 day    43  Snooze 7 days    44  Credit check",
        "⋯  f  Share with another department…"]

    pressed = answers[2][1]
    assert pressed[0] == "… pressed “Acknowledge”"
    # Every digest showing the line is edited: the line is answered, its button gone.
    assert headings(pressed) == ["creditbot edited its message in #sales",
                                 "creditbot edited its message in #finance",
                                 "creditbot edited its message in #legal"]
    assert message_after(pressed, "creditbot edited its message in #sales")[:10] == [
        "Credit alerts · Nov 29, 2026",
        "41 alerts  ·  🔴 16 critical  ·  🟠 17 warnings  ·  🔵 8 info  ·  1 acknowledged",
        "🔴 Critical · Overdue accounts (16)",
        "Fenwick Retail Group · C0041 · collector assigned",
        "£483,620.18 overdue (≈ $609,422.64) · oldest 141 days past due · exposure",
        "£684,561.54",
        "New",
        "✅ Acknowledged by @U02CREDITMG",
        " 1  Snooze 1 day    2  Snooze 7 days    3  Credit check",
        "⋯  a  Share with another department…",
    ]

    assert answers[4][1] == [
        "Ran alerts: 50 customers, 64 conditions, 0 announced, 0 resolved, 0 unrouted,",
        "0 digests, 0 messages, 0 customers lacking a rate, 0 assigned, 1 attempt."]
    # Nothing new was posted, so the numbers still press the edited digests' buttons.
    assert answers[5][1][:2] == ["… pressed “Snooze 1 day”",
                                 "creditbot edited its message in #sales"]
    # Someone who may not see credit data is told so, alone; the digests stay as they are.
    refused = answers[7][1]
    assert refused[:2] == ["… pressed “Snooze 1 day”", "creditbot (only you can see this)"]
    assert refused[2].startswith("🔒 Credit data is confidential")
    assert headings(refused) == ["creditbot (only you can see this)"]


def test_the_clock_moves_check_figures_at_midnight_and_ends_a_snooze(monkeypatch, still):
    answers = sandbox(monkeypatch, ":as credit_manager", "/credit check C0002",
                      ":clock 2026-11-29 23:59", "/credit check C0002",
                      ":clock 2026-11-30 00:00", "/credit check C0002",
                      ":clock now", ":run alerts", "2", ":clock +12h", ":run alerts",
                      ":clock +1d", ":run alerts")

    def figures(lines: list[str]) -> list[str]:
        return [line for line in lines if "past due" in line or line.startswith("as of")]

    assert figures(answers[1][1]) == [
        "oldest 31 days past due",
        "as of Nov 29, 2026 (Asia/Shanghai)  ·  7 open invoices  ·  3 open orders  ·  35%"]
    assert figures(answers[3][1]) == figures(answers[1][1])
    # Aging turns over at the organisation's midnight.
    assert figures(answers[5][1]) == [
        "oldest 32 days past due",
        "as of Nov 30, 2026 (Asia/Shanghai)  ·  7 open invoices  ·  3 open orders  ·  35%"]

    snoozed = answers[8][1]
    assert snoozed[0] == "… pressed “Snooze 1 day”"
    assert message_after(snoozed, "creditbot edited its message in #sales")[3:8] == [
        "Fenwick Retail Group · C0041 · collector assigned",
        "£483,620.18 overdue (≈ $609,422.64) · oldest 141 days past due · exposure",
        "£684,561.54",
        "New",
        "💤 Snoozed until Nov 30, 2026, 12:00 AM by @U02CREDITMG",
    ]
    # Half a day later the snooze still holds; a day and a half later it has ended.
    assert answers[10][1] == [
        "Ran alerts: 50 customers, 64 conditions, 0 announced, 0 resolved, 0 unrouted,",
        "0 digests, 0 messages, 0 customers lacking a rate, 0 assigned, 1 attempt."]
    ended = answers[12][1]
    assert ended[:2] == [
        "Ran alerts: 50 customers, 64 conditions, 1 announced, 0 resolved, 0 unrouted,",
        "3 digests, 3 messages, 0 customers lacking a rate, 0 assigned, 1 attempt."]
    assert headings(ended) == ["creditbot posted in #sales", "creditbot posted in #finance",
                               "creditbot posted in #legal"]
    assert message_after(ended, "creditbot posted in #sales") == [
        "Credit alerts · Nov 30, 2026",
        "1 alert  ·  🔴 1 critical",
        "🔴 Critical · Overdue accounts (1)",
        "Fenwick Retail Group · C0041 · collector assigned",
        "£535,188.77 overdue (≈ $674,405.59) · oldest 142 days past due · exposure",
        "£684,561.54",
        "Snooze ended",
        " 1  Acknowledge    2  Snooze 1 day    3  Snooze 7 days    4  Credit check",
        "⋯  a  Share with another department…",
    ]


def test_run_on_a_database_of_your_own_sends_to_the_sandbox_only(monkeypatch, clock,
                                                                 demo_url):
    """The sandbox works on a copy: a job's messages reach the emulator, and the
    database's own outbox and alert states stay as they were."""
    from tests.e2e.test_sandbox import _rows_outside_the_sandbox

    monkeypatch.setenv("CREDITBOT_CONFIG", str(ROOT / "app.yaml"))
    monkeypatch.setenv("COLUMNS", "80")
    before = _rows_outside_the_sandbox(demo_url)
    result = CliRunner().invoke(main, ["sandbox", "--database", demo_url],
                                input=":run alerts\n")
    assert result.exit_code == 0, result.output
    assert "Ran alerts" in result.stdout
    assert "creditbot posted in #finance" in result.stdout
    assert _rows_outside_the_sandbox(demo_url) == before


def test_a_database_whose_digests_went_out_elsewhere_refreshes_none_of_them(
        monkeypatch, clock, demo_url):
    """The database's digests point at messages its own outbox sent (not copied): a
    condition resolved in the sandbox crashed the run ("message 6 is not in the outbox"),
    or edited the sandbox's own message that took the same number."""
    from sqlalchemy import text

    from storage.db import make_engine

    monkeypatch.setenv("CREDITBOT_CONFIG", str(ROOT / "app.yaml"))
    monkeypatch.setenv("COLUMNS", "80")
    monkeypatch.setenv("DATABASE_URL", demo_url)
    monkeypatch.delenv("SLACK_BOT_TOKEN", raising=False)
    ran = CliRunner().invoke(main, ["jobs", "run", "alerts"])
    assert ran.exit_code == 0, ran.output
    engine = make_engine(demo_url)
    with engine.begin() as conn:
        assert conn.execute(text("SELECT count(*) FROM alert_digests")).scalar_one() > 0
        # Fenwick pays every invoice: its conditions are resolved at the next scan.
        conn.execute(text("UPDATE invoices SET open_amount = 0, status = 'paid' "
                          "WHERE customer_id = 'C0041'"))
    engine.dispose()
    result = CliRunner().invoke(main, ["sandbox", "--database", demo_url],
                                input=":run alerts\n")
    assert result.exit_code == 0, result.output
    assert "not in the outbox" not in result.stdout
    assert "alerts failed" not in result.stdout
    assert "Ran alerts:" in result.stdout
    assert "edited its message" not in result.stdout


def test_a_failing_job_says_so_on_one_line(monkeypatch, still):
    from bot.sandbox import chat
    from bot.scheduler import RunResult

    monkeypatch.setattr(chat, "run_job", lambda *_args: RunResult(
        "alerts", "failed", {}, "RecordsUnavailable: the credit records did not answer"))
    answers = dict(sandbox(monkeypatch, ":run alerts"))
    assert answers[":run alerts"] == [
        "alerts failed: RecordsUnavailable: the credit records did not answer"]


@pytest.mark.parametrize(("typed", "moved"), [
    ("+3d", timedelta(days=3)), ("+ 3d", timedelta(days=3)), ("-12h", timedelta(hours=-12)),
    ("+1d12h30m", timedelta(days=1, hours=12, minutes=30)), ("NOW", timedelta(0)),
    # Dates and times are the organisation's (Asia/Shanghai, 8 hours ahead of UTC).
    ("2026-12-24 09:00", datetime(2026, 12, 24, 1, 0, tzinfo=UTC) - NOW),
    ("2026-12-24T9:00", datetime(2026, 12, 24, 1, 0, tzinfo=UTC) - NOW),
    ("2026-12-24", timedelta(days=25)),
])
def test_the_clock_reads_what_the_help_says(typed, moved):
    clock = SandboxClock(ZoneInfo("Asia/Shanghai"), real=lambda: NOW)
    clock.move(typed)
    assert clock() == NOW + moved


@pytest.mark.parametrize("typed", ["+3x", "3d", "+d", "tomorrow", "2026-02-30",
                                   "2026-12-24 24:00", "2026-12-24 9", "+" + "999999d" * 4,
                                   "-999999d", ""])
def test_the_clock_refuses_anything_else_and_stays_where_it_was(typed):
    clock = SandboxClock(ZoneInfo("Asia/Shanghai"), real=lambda: NOW)
    clock.move("+1d")
    with pytest.raises(UnreadableTime):
        clock.move(typed)
    assert clock() == NOW + timedelta(days=1)


def test_housekeeping_after_the_clock_moved_abandons_no_run_of_its_own(monkeypatch, still):
    # Its own run was dated by the machine's clock and compared with the sandbox's, two
    # days ahead: "1 abandoned run" with nothing stopped.
    answers = sandbox(monkeypatch, ":run housekeeping", ":clock +2d", ":run housekeeping",
                      ":clock +2d", ":run housekeeping")
    ran = [lines for typed, lines in answers if typed == ":run housekeeping"]
    assert ran == [["Ran housekeeping: 0 processed requests, 0 job runs, 0 abandoned runs."]] * 3


def test_a_card_shown_after_an_answer_without_buttons_is_numbered_from_1(monkeypatch, still):
    # "Request #1 filed" has no button: the digests' stayed pressable, the approval card
    # that came after it was numbered on from them (177 Approve), and "1" pressed a
    # digest's Acknowledge, silently.
    answers = dict(sandbox(monkeypatch, ":run alerts", ":as U01SALESAMY",
                           "/credit request acme packaging +50k more", ":as U02CREDITMG",
                           "1"))
    filed = answers["/credit request acme packaging +50k more"]
    assert [line for line in filed if "Approve" in line] == [
        " 1  Approve    2  Reject    3  Ask for info"]
    assert answers["1"][:2] == ["… pressed “Approve”",
                                "creditbot (opened a form, only you can see it)"]
