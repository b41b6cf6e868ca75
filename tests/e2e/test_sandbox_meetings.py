"""examples/sandbox-meetings.txt, the meetings story in the sandbox at a clock that
stands still (Sunday 29 November 2026, 10:00 in Shanghai): the invitation card printed
once with its agenda and calendar file, its copies to the other channels and people named
in a line; answers edit every card; the meetings job's reminder, the minutes, the owner's
task, next week's occurrence and its cancellation."""

from __future__ import annotations

import re

from click.testing import CliRunner

from bot.cli import main
from tests.conftest import ROOT
from tests.e2e.test_sandbox_alerts import still

__all__ = ["still"]

EVERYONE_ELSE = ("#finance, #credit, @U02CREDITMG, @U01SALESAMY, @U01SALESBEN, "
                 "@U01SALESCHO, @U03FINDIR01, @U03CFO00001, @U04COLLECT1, @U04COLLECT2, "
                 "@U02CREDITAN")


def _session(monkeypatch) -> str:
    monkeypatch.setenv("CREDITBOT_CONFIG", str(ROOT / "app.yaml"))
    monkeypatch.setenv("COLUMNS", "100")
    result = CliRunner().invoke(main, ["sandbox", "--script",
                                       str(ROOT / "examples" / "sandbox-meetings.txt")])
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output, result.output
    # Babel puts a narrow no-break space before AM and PM: compared as a space here.
    return "\n".join(line.rstrip() for line in result.stdout.replace("\u202f", " ")
                     .splitlines())


def _after(out: str, typed: str) -> str:
    """What the sandbox printed after the line ``typed``, up to the next prompt."""
    start = out.index(f"> {typed}\n") + len(typed) + 3
    following = re.search(r"^U\w+ in #\S+> ", out[start:], re.MULTILINE)
    return out[start:start + following.start() if following else None]


def _unwrapped(text: str) -> str:
    return text.replace("\n", " ")


def test_the_meetings_tour(monkeypatch, still):
    out = _session(monkeypatch)
    scheduled = _after(out, ":submit")
    assert scheduled.startswith(
        "… pressed “Schedule”\nThe form closed.\ncreditbot (only you can see this, in #credit)\n"
        "✅ Weekly credit committee is scheduled for Dec 1, 2026, 10:00–11:00 (Asia/Shanghai "
        "time), every\nweek. Invitations are on their way to Sales, Finance & Accounts "
        "Receivable, Credit Management.\n\n")
    card = scheduled[scheduled.index("creditbot posted in #sales"):]
    assert card.split("\n\n")[0].splitlines() == [
        "creditbot posted in #sales",
        "Weekly credit committee",
        "Credit committee organised by @U02CREDITMG",
        "When                    Duration",
        "Dec 1, 2026, 10:00 AM   1 hour",
        "Repeats                 Departments",
        "every week              Sales, Finance & Accounts Receivable, Credit Management",
        "Customers",
        "-",
        "Accepted 1 · Declined 0 · Proposed another time 0 · No answer yet 8",
        "Accepted: @U02CREDITMG",
        "No answer yet: @U01SALESAMY, @U01SALESBEN, @U01SALESCHO, @U03FINDIR01, @U03CFO00001, "
        "@U04COLLECT1,",
        "@U04COLLECT2, @U02CREDITAN",
        " 1  Accept    2  Decline    3  Propose another time    4  Record minutes"]
    # The calendar file under the card, as Slack lists a file, with what it adds: the time
    # typed in Shanghai (10:00) in UTC, every week.
    assert re.search(r"\ncreditbot replied in the thread, in #sales\n"
                     r"Add to your calendar: Weekly credit committee\n"
                     r"📎 meeting-1-v1\.ics — Add to your calendar: Weekly credit committee "
                     r"\(\d\.\d KB, event 2026-12-01\n02:00–03:00 UTC, repeats FREQ=WEEKLY\)\n"
                     r":files saves them to the current folder\.\n", scheduled)
    # Printed once: the copies in the other channels and direct messages, named.
    copies = [_unwrapped(part) for part in scheduled.split("\n\n")
              if part.startswith("creditbot sent the same")]
    assert copies == [
        f"creditbot sent the same to {EVERYONE_ELSE}: Invitation: Credit committee “Weekly "
        "credit committee” on Dec 1, 2026, 10:00 AM",
        f"creditbot sent the same to {EVERYONE_ELSE}: Agenda: Weekly credit committee",
        f"creditbot sent the same to {EVERYONE_ELSE}: Add to your calendar: Weekly credit "
        "committee"]
    # An answer edits every card: the one shown, the others named.
    declined = _after(out, "2")
    assert "Accepted 2 · Declined 1 · Proposed another time 0 · No answer yet 6\n" in declined
    assert ("creditbot sent a direct message to @U02CREDITMG\n❌ @U03FINDIR01 declined "
            "Credit committee “Weekly credit committee” on Dec 1, 2026, 10:00 AM.\n") in declined
    assert _unwrapped(declined.strip().split("\n\n")[-1]) == (
        f"creditbot edited the same in {EVERYONE_ELSE}: Invitation: Credit committee “Weekly "
        "credit committee” on Dec 1, 2026, 10:00 AM")

    reminded = out[out.index("> :clock 2026-11-30 10:00"):out.index("> :clock 2026-12-01")]
    assert ("Ran meetings: 1 meeting reminded, 0 occurrences created, 0 task reminders, "
            "0 overdue-tasks digests.\ncreditbot replied in the thread, in #sales\n"
            "⏰ Reminder: Credit committee “Weekly credit committee” on Dec 1, 2026, 10:00 AM "
            "starts in 24 hours.\nThe agenda as it stands now:\n") in reminded

    assert ("creditbot replied in the thread, in #sales\n"
            "📝 Minutes of “Weekly credit committee” on Dec 1, 2026, 10:00 AM, recorded by "
            "@U02CREDITMG:\nDecisions\n> Acme Packaging's increase goes to the CFO.\n"
            "Action items\n• Call Acme Packaging about the Q1 plan · @U01SALESAMY · due Dec 3, "
            "2026 · Acme Packaging (C0002)\n") in out
    assert ("creditbot sent a direct message to @U01SALESAMY\n📌 @U02CREDITMG gave you an "
            "action item in the minutes of “Weekly credit committee” on Dec 1, 2026,\n10:00 "
            "AM: Call Acme Packaging about the Q1 plan · due Dec 3, 2026 · Acme Packaging "
            "(C0002). You are\nreminded on the due day; /credit tasks lists yours, with a "
            "Done button.\n") in out
    assert _after(out, "/credit tasks").splitlines() == [
        "creditbot (only you can see this)",
        "Your tasks: 1 open, 0 overdue; the most overdue first.",
        "Call Acme Packaging about the Q1 plan",
        "Due Dec 3, 2026 · from “Weekly credit committee” on Dec 1, 2026, 10:00 AM · Acme "
        "Packaging (C0002)",
        "     1  Done", ""]
    assert "Ran meetings: 0 meetings reminded, 1 occurrence created, 0 task reminders, " \
        "0 overdue-tasks digests.\ncreditbot posted in #sales\n" in out

    cancelled = out[out.index("U02CREDITMG in #credit> 2\n"):]
    assert cancelled.split("\n\n")[0].splitlines() == [
        "U02CREDITMG in #credit> 2", "… pressed “Cancel”", *CONFIRMED,
        "creditbot (only you can see this)",
        "🗑 Weekly credit committee on Dec 8, 2026, 10:00 (Asia/Shanghai time) is cancelled. "
        "Everyone invited", "is told."]
    assert ("creditbot posted in #sales\n❌ @U02CREDITMG cancelled Credit committee “Weekly "
            "credit committee” on Dec 8, 2026, 10:00 AM.\n") in cancelled
    assert re.search(r"\n📎 meeting-2-v2-cancelled\.ics — Remove from your calendar: Weekly "
                     r"credit committee \(\d\.\d KB, cancels\nthe event of 2026-12-08 02:00 "
                     r"UTC\)\n",
                     cancelled)
    # The organiser who cancelled it was answered above, not told again.
    assert _unwrapped(cancelled.strip().split("\n\n")[-2]) == (
        f"creditbot sent the same to {EVERYONE_ELSE.replace('@U02CREDITMG, ', '')}: ❌ "
        "@U02CREDITMG cancelled Credit committee “Weekly credit committee” on Dec 8, 2026, "
        "10:00 AM.")


# Slack's confirmation dialog before a meeting is cancelled, answered.
CONFIRMED = ["Cancel the meeting?", "Everyone invited is told that “Weekly credit "
             "committee” on this day is cancelled.", "y  Cancel it    n  Keep it", "y/n> y"]


def test_a_cancel_not_confirmed_sends_nothing(monkeypatch, still, tmp_path):
    """The sandbox cancelled a meeting for everyone at one keypress: Slack asks first."""
    script = tmp_path / "keep.txt"
    script.write_text(""":clock 2026-11-29 10:00
:as credit_manager
/credit meeting
title: Limits for Acme
departments: sales
date: 2026-12-01
time: 10:00
:submit
/credit meetings
2
n
2
/credit meetings
""", encoding="utf-8")
    monkeypatch.setenv("CREDITBOT_CONFIG", str(ROOT / "app.yaml"))
    monkeypatch.setenv("COLUMNS", "100")
    result = CliRunner().invoke(main, ["sandbox", "--script", str(script)])
    assert result.exit_code == 0, result.output
    out = "\n".join(line.rstrip() for line in result.stdout.splitlines())
    declined = out.split("U02CREDITMG in #sales> 2\n")[1:]
    dialog = ("… pressed “Cancel”\nCancel the meeting?\nEveryone invited is told that “Limits "
              "for Acme” on this day is cancelled.\ny  Cancel it    n  Keep it\n")
    kept = "“Keep it”: nothing was sent (type y to answer “Cancel it”).\n\n"
    assert declined[0].startswith(dialog + "y/n> n\n" + kept)
    # A script that goes on to a command leaves the dialog unanswered, and runs it.
    assert declined[1].startswith(dialog + "y/n> /credit meetings\n" + kept
                                  + "U02CREDITMG in #sales> /credit meetings\n")
    assert declined[1].endswith("Organiser: @U02CREDITMG · Invited: Sales\n 1  Reschedule    "
                                "2  Cancel\n")
    assert "is cancelled. Everyone" not in out


def test_a_copy_named_not_printed_is_pressed_in_ones_own_direct_message(monkeypatch, still,
                                                                       tmp_path):
    """A meeting of named attendees only: its card goes by direct message alone, the
    organiser's printed, the attendees' named; an attendee's press is on their own copy,
    and someone without one is still told whose message it is."""
    script = tmp_path / "attendees.txt"
    script.write_text(""":clock 2026-11-29 10:00
:as credit_manager
/credit meeting
title: Limits for Acme
attendees: U01SALESBEN, U03FINDIR01
date: 2026-12-01
time: 10:00
:submit
:as U03FINDIR01
1
:as U01SALESAMY
2
""", encoding="utf-8")
    monkeypatch.setenv("CREDITBOT_CONFIG", str(ROOT / "app.yaml"))
    monkeypatch.setenv("COLUMNS", "100")
    result = CliRunner().invoke(main, ["sandbox", "--script", str(script)])
    assert result.exit_code == 0, result.output
    out = "\n".join(line.rstrip() for line in result.stdout.replace("\u202f", " ")
                    .splitlines())
    assert ("creditbot sent the same to @U01SALESBEN, @U03FINDIR01: Invitation: Credit "
            "committee “Limits for\nAcme” on Dec 1, 2026, 10:00 AM\n") in out
    accepted = _after(out, "1")
    assert accepted.startswith(
        "… pressed “Accept”\ncreditbot (only you can see this)\n✅ You accepted. The "
        "organiser sees it on the invitation.\n")
    assert "Accepted: @U02CREDITMG, @U03FINDIR01\nNo answer yet: @U01SALESBEN\n" in accepted
    assert _after(out, "2").strip() == (
        "“Decline” is in a direct message to @U02CREDITMG: only they can press it. Type :as "
        "U02CREDITMG\nfirst.")


def test_a_buttons_reply_comes_before_what_it_queued_on_a_slow_machine(monkeypatch, still):
    """The Cancel's "is cancelled" reply was printed after the card edits it queued
    whenever its response_url post came late (a busy machine): the sandbox delivered the
    queue while the listener still worked."""
    import time

    from handlers.replies import Replier

    answer = Replier.__call__

    def slow(self, *args, **kwargs):
        time.sleep(0.3)
        return answer(self, *args, **kwargs)

    monkeypatch.setattr(Replier, "__call__", slow)
    out = _session(monkeypatch)
    cancelled = out[out.index("U02CREDITMG in #credit> 2\n"):]
    assert cancelled.split("\n\n")[0].splitlines() == [
        "U02CREDITMG in #credit> 2", "… pressed “Cancel”", *CONFIRMED,
        "creditbot (only you can see this)",
        "🗑 Weekly credit committee on Dec 8, 2026, 10:00 (Asia/Shanghai time) is cancelled. "
        "Everyone invited", "is told."]


def test_the_copies_are_named_as_the_readers_language_lists_them(monkeypatch, still,
                                                                tmp_path):
    # In Chinese the sandbox's line joined the places with ", " inside a Chinese sentence.
    script = (ROOT / "examples" / "sandbox-meetings.txt").read_text().replace(
        ":as U01SALESAMY\n", ":as U01SALESAMY\n:lang zh-CN\n", 1)
    (tmp_path / "zh.txt").write_text(script)
    monkeypatch.setenv("CREDITBOT_CONFIG", str(ROOT / "app.yaml"))
    monkeypatch.setenv("COLUMNS", "400")
    result = CliRunner().invoke(main, ["sandbox", "--script", str(tmp_path / "zh.txt")])
    assert result.exit_code == 0, result.output
    places = "、".join(p for p in EVERYONE_ELSE.split(", ") if p != "@U01SALESAMY")
    assert (f"creditbot 也在 {places} 中同样修改了消息：Invitation: Credit committee “Weekly "
            "credit committee” on Dec 1, 2026, 10:00\u202fAM") in result.stdout.splitlines()
