"""The ``⋯`` menus of the bot's messages in the sandbox: their options are lettered
(a, b, …) apart from the numbered buttons, and picking one sends Slack's overflow
payload. A sales rep shares a check card into the finance channel with a note."""

from __future__ import annotations

from click.testing import CliRunner

from bot.cli import main
from bot.sandbox.render import letter
from tests.conftest import ROOT
from tests.e2e.test_sandbox_alerts import still

__all__ = ["still"]


def _run(monkeypatch, tmp_path, lines: str) -> str:
    monkeypatch.setenv("CREDITBOT_CONFIG", str(ROOT / "app.yaml"))
    monkeypatch.setenv("COLUMNS", "100")
    script = tmp_path / "session.txt"
    script.write_text(lines, encoding="utf-8")
    result = CliRunner().invoke(main, ["sandbox", "--script", str(script)])
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output, result.output
    return "\n".join(line.rstrip() for line in result.stdout.splitlines())


def _between(out: str, start: str, end: str) -> list[str]:
    begin = out.index(start)
    return out[begin:out.index(end, begin)].splitlines()


CARD = [
    "Acme Industrial Supply",
    "Customer                              Credit limit",
    "C0001 · owner @U01SALESBEN            $1,700,000.00",
    "Exposure                              Available credit",
    "$338,022.72                           $1,361,977.28",
    "invoices $338,022.72 + orders $0.00",
    "Overdue                               Payment terms",
    "$0.00                                 60 days",
    "Aging  current $338,022.72  ·  1-30 days $0.00  ·  31-60 days $0.00  ·  61-90 days $0.00  "
    "·  90+",
    "days $0.00",
]


def test_a_check_card_is_shared_into_finance_through_its_menu(monkeypatch, still, tmp_path):
    out = _run(monkeypatch, tmp_path, """:as U01SALESAMY
/credit check C0001
b
a
channel: Finance & Accounts Receivable
note: For *Thursday's* committee
:submit
""")
    card = _between(out, "U01SALESAMY in #sales> /credit check C0001",
                    "U01SALESAMY in #sales> b")
    assert card == [
        "U01SALESAMY in #sales> /credit check C0001",
        "creditbot (only you can see this)", *CARD,
        "as of Nov 29, 2026 (Asia/Shanghai)  ·  5 open invoices  ·  0 open orders  ·  19% of the "
        "limit used",
        # The menu beside the buttons, lettered: the buttons keep their numbers.
        " 1  Share in channel    2  Request more credit   ⋯  a  Share with another department…",
        ""]
    # Only one option: b picks nothing and says how menus are lettered.
    assert _between(out, "U01SALESAMY in #sales> b", "U01SALESAMY in #sales> a") == [
        "U01SALESAMY in #sales> b",
        "No such menu option in the last message: its ⋯ menus' options are lettered a, b, …."]
    shared = out[out.index("U01SALESAMY in #sales> a"):].splitlines()
    assert shared[:3] == ["U01SALESAMY in #sales> a",
                          "… chose “Share with another department…”",
                          "creditbot (opened a form, only you can see it)"]
    assert shared[3] == " Share card  (a form)"
    after = shared[shared.index("form> :submit"):]
    assert after == [
        "form> :submit",
        "… pressed “Share”",
        "The form closed.",
        "creditbot (only you can see this, in #sales)",
        "You shared this card in #finance.",
        "",
        "creditbot posted in #finance", *CARD,
        "as of Nov 29, 2026 (Asia/Shanghai)  ·  5 open invoices  ·  0 open orders  ·  19% of the "
        "limit used",
        "Shared by @U01SALESAMY: For ∗Thursday's∗ committee"]


def test_help_says_how_menus_are_picked(monkeypatch, still, tmp_path):
    out = _run(monkeypatch, tmp_path, ":help\n")
    assert "  a, b, …            pick that option of a ⋯ menu of the last message" in (
        out.splitlines())


def test_letters_run_on_past_z():
    assert [letter(i) for i in (0, 1, 25, 26, 27, 51, 52)] == [
        "a", "b", "z", "aa", "ab", "az", "ba"]


def test_an_edited_card_with_only_a_menu_leaves_the_lists_buttons_pressable(
        monkeypatch, still, tmp_path):
    # The approver rejected #1 from the list; the card edited in #credit has only its ⋯
    # menu. The list's buttons were lost ("No such button …"): in Slack they stay.
    out = _run(monkeypatch, tmp_path, """:as sales
/credit request acme packaging +50k spring
/credit request summit +10k spring
:as U02CREDITMG
/credit requests
2
comment: no
:submit
1
4
:cancel
""")
    after = [line for line in out[out.index("U02CREDITMG in #sales> 1"):].splitlines()
             if line]
    assert after[:4] == [
        "U02CREDITMG in #sales> 1",
        "… pressed “Approve”",
        "creditbot (only you can see this)",
        "⛔ Level 1 of request #1 was already rejected by @U02CREDITMG."]
    assert after[4:8] == [
        "U02CREDITMG in #sales> 4",
        "… pressed “Approve”",
        "creditbot (opened a form, only you can see it)",
        " Approve  (a form)"]
    assert "No such button" not in out
