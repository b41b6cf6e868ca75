"""`creditbot sandbox --script` replays the demo tour through the real signed path."""

from __future__ import annotations

import csv
import re

import pytest
from click.testing import CliRunner

from bot.cli import main
from tests.conftest import ROOT
from tests.e2e.conftest import NOW


def test_the_demo_script_runs_end_to_end(monkeypatch, clock):
    monkeypatch.setenv("CREDITBOT_CONFIG", str(ROOT / "app.yaml"))
    monkeypatch.setenv("COLUMNS", "140")
    result = CliRunner().invoke(main, ["sandbox", "--script",
                                       str(ROOT / "examples" / "sandbox-demo.txt")])
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "What /credit can do" in out
    assert "“acme” matches several customers. Which one?" in out
    assert "… pressed “Acme Packaging (C0002)”" in out
    assert "… pressed “Share in channel”" in out
    assert "creditbot posted in #sales" in out and "Shared by @U01SALESAMY" in out
    assert "Lakeside Furniture Outlet" in out and "over the limit" in out
    refusal = out[out.index("U0VISITOR01 in #sales> /credit check acme packaging"):]
    assert "Credit data is confidential" in refusal and "USD" not in refusal


def test_the_sandbox_explains_mistakes_instead_of_failing(monkeypatch, clock, tmp_path):
    monkeypatch.setenv("CREDITBOT_CONFIG", str(ROOT / "app.yaml"))
    script = tmp_path / "oops.txt"
    script.write_text("7\n:as nobody-at-all\n:in #nowhere\n:bogus\n/credit check\n:submit\n")
    result = CliRunner().invoke(main, ["sandbox", "--script", str(script)])
    assert result.exit_code == 0, result.output
    assert "No such button in the last message with buttons." in result.stdout
    assert "No one called “nobody-at-all”" in result.stdout
    assert "No channel “nowhere”" in result.stdout
    assert "“:bogus” is not a sandbox command; :help lists them." in result.stdout
    assert "needs a customer id or name" in result.stdout
    # A form's command with no form open (it was "not a sandbox command").
    assert ("No form is open: :submit and :cancel work while you fill one in (a button "
            "or a command such as /credit request opens one).") in " ".join(
                result.stdout.split())


def _run(tmp_path, lines: str, *args: str):
    script = tmp_path / "session.txt"
    script.write_text(lines, encoding="utf-8")
    return CliRunner().invoke(main, ["sandbox", "--script", str(script), *args])


def _printed(monkeypatch, tmp_path, lines: str) -> str:
    """What the sandbox printed for the script ``lines``, wide enough not to wrap."""
    monkeypatch.setenv("CREDITBOT_CONFIG", str(ROOT / "app.yaml"))
    monkeypatch.setenv("COLUMNS", "200")
    result = _run(tmp_path, lines)
    assert result.exit_code == 0, result.output
    return result.stdout


def test_the_sandbox_answers_like_slack_and_says_what_it_does_not_know(monkeypatch, clock,
                                                                      tmp_path):
    monkeypatch.setenv("CREDITBOT_CONFIG", str(ROOT / "app.yaml"))
    monkeypatch.setenv("COLUMNS", "200")
    result = _run(tmp_path, "/remind me later\n:bogus\nhello there\n:home\n")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert ("“/remind” is not a valid command. In Slack, all messages that start with the "
            "“/” character are interpreted as commands.") in out
    assert "“:bogus” is not a sandbox command; :help lists them." in out
    assert "Type a slash command such as /credit help, the number of a button, or :help." in out
    home = out[out.index("(App Home)"):]
    assert "You may see customers' credit positions." in home
    assert "/credit check — credit position of a customer or customer group" in home


def _rows_outside_the_sandbox(url: str) -> dict[str, int]:
    """What a sandbox on a database of your own must leave as it was: its audit log,
    its outbox, its approved limits, orders and collectors."""
    from sqlalchemy import text

    from storage.db import make_engine

    engine = make_engine(url, read_only=True)
    with engine.connect() as conn:
        counts = {table: conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()
                  for table in ("audit_log", "outbox", "credit_requests", "limit_changes",
                                "order_checks", "collection_assignments")}
    engine.dispose()
    return counts


def test_the_sandbox_works_on_a_copy_of_your_own_database(monkeypatch, clock, tmp_path,
                                                          demo_url):
    """It used to act on the database itself: a sandbox session's made-up requests,
    approvals, orders and views landed in a real deployment's tables, and its messages
    in that deployment's outbox, for real people."""
    import re
    import sqlite3

    monkeypatch.setenv("CREDITBOT_CONFIG", str(ROOT / "app.yaml"))
    monkeypatch.setenv("COLUMNS", "400")
    path = demo_url.removeprefix("sqlite:///") if demo_url.startswith("sqlite") else None
    if path:  # opening it for the copy switched it to WAL: a change to its header
        with sqlite3.connect(path) as own:
            own.execute("PRAGMA journal_mode=DELETE")
    before = _rows_outside_the_sandbox(demo_url)
    result = _run(tmp_path, ":as U01SALESAMY\n/credit check C0002\n"
                  "/credit order acme packaging 900k\n/credit request acme packaging 50k "
                  "bigger orders\n", "--database", demo_url)
    assert result.exit_code == 0, result.output
    assert "Loading the demo portfolio" not in result.stdout
    assert "Acme Packaging" in result.stdout
    assert "could not write" not in result.output
    where = demo_url if demo_url.startswith("sqlite") else re.sub(r":[^:@/]*@", ":***@",
                                                                  demo_url)
    copied = [line for line in result.stdout.splitlines() if line.startswith("Copying ")]
    assert len(copied) == 1
    assert re.fullmatch(re.escape(f"Copying {where} into the sandbox (") + r"[\d,]+"
                        + re.escape(f" rows), read by the settings of {ROOT / 'app.yaml'}: "
                                    "what you do here never changes it or reaches its "
                                    "Slack."), copied[0]), copied
    # The demo's customers name the demo's departments and people: nothing to warn of.
    assert "does not list" not in result.stdout
    assert _rows_outside_the_sandbox(demo_url) == before
    if path:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as own:
            assert own.execute("PRAGMA journal_mode").fetchone() == ("delete",)


def test_a_database_of_another_organisation_is_named_against_the_app_yaml_read(
        monkeypatch, clock, tmp_path, demo_url):
    """Run without CREDITBOT_CONFIG, a Shenzhen database was read by the demo's app.yaml
    (another base currency, other people) without a word."""
    from sqlalchemy import text

    from storage.db import make_engine

    monkeypatch.setenv("CREDITBOT_CONFIG", str(ROOT / "app.yaml"))
    monkeypatch.setenv("COLUMNS", "400")
    engine = make_engine(demo_url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE customers SET owner_slack_id = 'U13WEIHEAD' "
                          "WHERE customer_id IN ('C0001', 'C0002', 'C0003')"))
        conn.execute(text("UPDATE customers SET department = 'collections' "
                          "WHERE customer_id = 'C0004'"))
        total = conn.execute(text("SELECT count(*) FROM customers")).scalar_one()
    engine.dispose()
    result = _run(tmp_path, ":quit\n", "--database", demo_url)
    assert result.exit_code == 0, result.output
    warned = [line for line in result.stdout.splitlines() if "does not list" in line]
    assert warned == [f"{ROOT / 'app.yaml'} does not list the department of 1 and the owner "
                      f"of 3 of its {total} customers: if that is not this organisation's "
                      "app.yaml, name yours in CREDITBOT_CONFIG."]


def test_ctrl_c_while_the_bot_answers_quits_quietly(monkeypatch, clock, tmp_path):
    from rich.console import Console

    from bot.config import load_config
    from bot.sandbox import chat

    def interrupted(*_args, **_kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(chat.SlackDriver, "slash", interrupted)
    console = Console(record=True, width=120)
    chat.Sandbox(load_config(ROOT / "app.yaml"), console, tmp_path).run(
        ["/credit help", "/credit check acme"])
    assert "Traceback" not in console.export_text()


def test_the_chinese_tour_switches_language_with_lang(monkeypatch, clock):
    monkeypatch.setenv("CREDITBOT_CONFIG", str(ROOT / "app.yaml"))
    monkeypatch.setenv("COLUMNS", "200")
    result = CliRunner().invoke(main, ["sandbox", "--script",
                                       str(ROOT / "examples" / "sandbox-zh.txt")])
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "您的 Slack 语言现为 zh-CN。" in out
    assert "/credit 能做什么" in out and "creditbot （仅您可见）" in out
    assert "华夏物流有限公司" in out and "最早一笔已逾期" in out and "¥" in out
    assert "……按下了“Acme Packaging (C0002)”" in out and "US$100,000.00" in out
    assert "Credit limit" not in out.split(":lang zh-CN")[1]


def test_who_are_you_asks_again_and_ctrl_d_there_quits(monkeypatch, clock, tmp_path):
    from rich.console import Console

    from bot.config import load_config
    from bot.sandbox import chat

    answers = iter(["99", "2"])

    def ask(prompt):
        try:
            return next(answers)
        except StopIteration:
            raise EOFError from None

    console = Console(record=True, width=160)
    chat.Sandbox(load_config(ROOT / "app.yaml"), console, tmp_path).run(ask=ask)
    text = console.export_text()
    assert "No one called “99”; :who lists them." in text
    assert "You are U02CREDITMG (credit_manager, credit)." in text
    quitting = Console(record=True, width=160)

    def eof(prompt):
        raise EOFError

    chat.Sandbox(load_config(ROOT / "app.yaml"), quitting, tmp_path).run(ask=eof)
    assert "in #sales>" not in quitting.export_text()  # quit before the chat began

    # At "Who are you?" the chat's own words work too (":quit" was "No one called").
    for typed, then in ((":quit", None), (":as U01SALESAMY", ":q")):
        said = Console(record=True, width=160)
        answers = iter([typed, then])
        chat.Sandbox(load_config(ROOT / "app.yaml"), said, tmp_path).run(
            ask=lambda prompt, answers=answers: next(answers))
        text = said.export_text()
        assert "No one called" not in text
        assert ("You are U01SALESAMY" in text) == (then is not None)


def test_piped_input_is_read_as_a_script(monkeypatch, clock):
    monkeypatch.setenv("CREDITBOT_CONFIG", str(ROOT / "app.yaml"))
    monkeypatch.setenv("COLUMNS", "200")
    result = CliRunner().invoke(main, ["sandbox"], input=":as U01SALESAMY\n/credit check C0002\n")
    assert result.exit_code == 0, result.output
    assert "Who are you?" not in result.stdout
    assert "Acme Packaging" in result.stdout


def test_buttons_number_on_from_the_answer_and_stay_with_whom_they_were_sent_to(
        monkeypatch, clock, tmp_path):
    """The owner's note of a held order took number 1 from the rep's own answer, so the
    rep pressed the owner's button; a Cancel beside a request was not drawn at all."""
    out = _printed(monkeypatch, tmp_path,
                   ":as U01SALESAMY\n:in sales\n/credit order lakeside 10k\n3\n1\n:cancel\n"
                   "/credit request acme packaging +100k Q1 stock\n/credit requests\n1\n")
    answer = out[out.index("U01SALESAMY in #sales> /credit order"):]
    assert " 1  Request release    2  Withdraw order" in answer
    note = answer[answer.index("creditbot sent a direct message to @U01SALESBEN"):]
    assert " 3  Request release" in note
    assert ("“Request release” is in a direct message to @U01SALESBEN: only they can press "
            "it. Type :as U01SALESBEN first.") in out
    form = out[out.index("U01SALESAMY in #sales> 1\n"):]
    assert form.startswith("U01SALESAMY in #sales> 1\n… pressed “Request release”\n"
                           "creditbot (opened a form, only you can see it)\n")
    listed = out[out.index("U01SALESAMY in #sales> /credit requests"):]
    assert " 1  Cancel request" in listed
    assert "… pressed “Cancel request”" in listed


def test_what_the_bot_logs_for_its_operator_comes_after_the_answer_and_says_it_is_a_log(
        monkeypatch, clock, tmp_path):
    # Python's last-resort handler wrote it to the terminal above the bot's answer,
    # unlabelled, as if creditbot had said it in Slack.
    monkeypatch.setenv("CREDITBOT_CONFIG", str(ROOT / "app.yaml"))
    monkeypatch.setenv("COLUMNS", "200")
    result = _run(tmp_path, ":as U01SALESAMY\n/credit request C0002 CHF 30m for Q1\n")
    assert result.exit_code == 0, result.output
    out = result.stdout
    answer = out.index("No exchange rate for CHF (to USD) on or before ")
    log = out.index("log: WARNING creditbot.errors: No exchange rate for CHF (to USD) on or "
                    "before ")
    assert answer < log
    line = out[log:out.index("\n", log)]
    day = line.split("on or before ")[1].split(":")[0]
    assert line == (f"log: WARNING creditbot.errors: No exchange rate for CHF (to USD) on or "
                    f"before {day}: import one with `creditbot import rates FILE.csv`.")
    assert result.stderr == ""


def test_a_refusal_only_you_see_leaves_the_cards_buttons_pressable(monkeypatch, clock,
                                                                   tmp_path):
    # The rep's own Approve was refused; the card stays in #credit, as in Slack, so the
    # credit manager presses its Approve next (it was "No such button" before).
    out = _printed(monkeypatch, tmp_path, ":as U01SALESAMY\n:in sales\n/credit request acme "
                   "packaging +100k Q1 stock\n1\n:as U02CREDITMG\n1\n")
    own = out[out.index("U01SALESAMY in #sales> 1\n"):]
    assert own.startswith("U01SALESAMY in #sales> 1\n… pressed “Approve”\n"
                          "creditbot (only you can see this)\n"
                          "⛔ You can't decide this request: you filed it. Someone else must "
                          "decide it.\n")
    manager = out[out.index("U02CREDITMG in #sales> 1\n"):]
    assert manager.startswith("U02CREDITMG in #sales> 1\n… pressed “Approve”\n"
                              "creditbot (opened a form, only you can see it)\n")
    assert "No such button" not in out


def test_a_card_only_one_person_saw_is_pressed_by_them_alone(monkeypatch, clock, tmp_path):
    # After :as, the manager pressed Amy's own check card and shared it in her name.
    out = _printed(monkeypatch, tmp_path, ":as U01SALESAMY\n/credit check acme packaging\n"
                   ":as U02CREDITMG\n/credit delegate\n1\n:as U01SALESAMY\n1\n")
    manager = out[out.index("U02CREDITMG in #sales> 1\n"):]
    assert manager.startswith(
        "U02CREDITMG in #sales> 1\n“Share in channel” was shown to @U01SALESAMY alone: only "
        "they can press it. Type :as U01SALESAMY first.\n")
    amy = out[out.index("U01SALESAMY in #sales> 1\n"):]
    assert amy.startswith("U01SALESAMY in #sales> 1\n… pressed “Share in channel”\n")
    assert "Shared by @U01SALESAMY" in amy and "Shared by @U02CREDITMG" not in out


def test_audit_shows_the_latest_entries_oldest_first_and_explains_a_bad_count(
        monkeypatch, clock, tmp_path):
    """The sandbox had no way to see the audit trail a check or a request leaves."""
    out = _printed(monkeypatch, tmp_path,
                   ":as U01SALESAMY\n/credit check C0002\n/credit request C0002 +10k Q1 "
                   f"stock\n:audit 2\n:audit 201\n:audit export {tmp_path / 'audit.csv'}\n"
                   ":lang zh-CN\n:audit x\n")
    shown = out[out.index("U01SALESAMY in #sales> :audit 2\n"):].split("\n")
    assert shown[1] == ("The audit log's latest 2 entries, oldest first (times in "
                        "Asia/Shanghai); :audit export FILE writes the whole log as CSV:")
    checked, filed = shown[2], shown[3]
    assert re.fullmatch(r"  2026-11-29 \d\d:\d\d:\d\d  U01SALESAMY  credit\.checked  C0002  "
                        r'\{"query": "C0002"\}', checked), checked
    # The details as recorded, cut at 300 characters (the export has them whole).
    assert re.fullmatch(r"  2026-11-29 \d\d:\d\d:\d\d  U01SALESAMY  requests\.filed  C0002  "
                        r'\{"asked_in": null, "current_limit": \{"amount": "100000\.0000", '
                        r'"currency": "USD"\}, .{217}…', filed), filed
    assert shown[4] == "U01SALESAMY in #sales> :audit 201"
    assert shown[5] == ("Write :audit for the latest 10 entries, :audit N for the latest N "
                        "(1 to 200), e.g. :audit 30, or :audit export FILE to write the whole "
                        "log as CSV.")
    # The sandbox's own log, which `creditbot audit export` cannot reach (it reads the
    # database, not the sandbox's copy), whole and as that command writes it.
    with open(tmp_path / "audit.csv", encoding="utf-8", newline="") as written:
        exported = list(csv.reader(written))
    assert exported[0] == ["time", "actor", "action", "subject", "details"]
    assert [row[1:3] for row in exported[-2:]] == [["U01SALESAMY", "credit.checked"],
                                                   ["U01SALESAMY", "requests.filed"]]
    assert exported[-1][4].endswith("}") and len(exported[-1][4]) > 300
    assert shown[7] == (f"Wrote {len(exported) - 1} entries of the sandbox's audit log to "
                        f"{tmp_path / 'audit.csv'}.")
    assert ("U01SALESAMY in #sales> :audit x\n输入 :audit 查看最近 10 条记录，输入 :audit N "
            "查看最近 N 条（1 到 200），例如 :audit 30；或输入 :audit export FILE 把全部日志写成 "
            "CSV。\n") in out


def test_everyone_in_the_sandbox_is_on_the_organisations_clock(monkeypatch, clock, tmp_path):
    """An organisation in Europe/Berlin saw its meeting form ask for Asia/Shanghai times:
    the emulator's people were on the demo's clock."""
    config = tmp_path / "app.yaml"
    config.write_text((ROOT / "app.yaml").read_text().replace(
        "timezone: Asia/Shanghai", "timezone: Europe/Berlin"), encoding="utf-8")
    monkeypatch.setenv("CREDITBOT_CONFIG", str(config))
    monkeypatch.setenv("COLUMNS", "200")
    result = _run(tmp_path, ":as credit_manager\n/credit meeting\n:cancel\n")
    assert result.exit_code == 0, result.output
    assert "In your time zone, Europe/Berlin." in result.stdout


def test_examples_are_written_for_the_sandboxs_day(monkeypatch, clock, tmp_path):
    # After `:clock 2027-03-01` the refusal's example was written for the real day
    # ("until 2026-12-31"), already past in the sandbox; the real day again after it.
    from domain.text import example_today

    printed = _printed(monkeypatch, tmp_path, ":clock 2027-03-01\n"
                       "/credit delegate @U02CREDITAN until 03/04/2027\n")
    assert ("“03/04/2027” is not a date: write it as YYYY-MM-DD, e.g. /credit delegate "
            "@mei until 2027-04-30.") in printed
    assert example_today() == NOW.date()


def test_lang_says_when_app_yaml_fixes_the_persons_language(monkeypatch, clock, tmp_path):
    # ":lang en-US" said "Your Slack language is now en-US", and every answer came in the
    # Chinese app.yaml's people: section fixes for that person.
    config = tmp_path / "app.yaml"
    config.write_text((ROOT / "app.yaml").read_text(encoding="utf-8")
                      + "people:\n  U01SALESAMY: {locale: zh-CN}\n", encoding="utf-8")
    monkeypatch.setenv("CREDITBOT_CONFIG", str(config))
    monkeypatch.setenv("COLUMNS", "200")
    result = _run(tmp_path, ":as U01SALESAMY\n:lang en-US\n")
    assert result.exit_code == 0, result.output
    assert ("您的 Slack 语言现为 en-US，但 app.yaml 的 people: 部分为 U01SALESAMY 固定了 zh-CN，"
            "creditbot 将以该语言回复。") in result.stdout


def test_a_field_a_one_field_form_does_not_have_is_said_not_taken_silently(
        monkeypatch, clock, tmp_path):
    """"amount: 10k" in the release form (which asks the reason alone) became the reason
    without a word: a script's author thought the amount set."""
    out = _printed(monkeypatch, tmp_path,
                   ":as U01SALESAMY\n:in sales\n/credit order lakeside 10k\n1\n"
                   "amount: 10k\nreason: pays friday\n:submit\n")
    assert ("This form has no field “amount”: its one field is Reason [reason], so the "
            "whole line is taken as its value.") in out
    # A sentence with a colon in it is a reason like any other, said nothing of.
    out = _printed(monkeypatch, tmp_path,
                   ":as U01SALESAMY\n:in sales\n/credit order lakeside 10k\n1\n"
                   "Customer says: pays Friday\n:submit\n")
    assert "This form has no field" not in out
    assert "Customer says: pays Friday" in out
    # In Chinese, a field named in Chinese, with the full-width colon a Chinese input
    # method types: "理由：金额: 10k" was filed without a word.
    out = _printed(monkeypatch, tmp_path,
                   ":as U01SALESAMY\n:lang zh-CN\n:in sales\n/credit order lakeside 10k\n1\n"
                   "金额：10k\n理由：周五付款\n:submit\n")
    assert "本表单没有“金额”字段：它唯一的字段是理由 [reason]，因此整行都作为该字段的值。" in out
    assert "理由：周五付款" in out


@pytest.mark.parametrize(("base", "lacking", "notice"), [
    ("EUR", 0, False),
    ("CHF", 50, True),
])
def test_the_demo_prices_its_rates_in_the_configured_base(monkeypatch, clock, tmp_path,
                                                         base, lacking, notice):
    config = tmp_path / "app.yaml"
    config.write_text(re.sub(r"(?m)^(\s*base_currency:\s*)USD", rf"\g<1>{base}",
                             (ROOT / "app.yaml").read_text(encoding="utf-8")),
                      encoding="utf-8")
    monkeypatch.setenv("CREDITBOT_CONFIG", str(config))
    monkeypatch.setenv("COLUMNS", "400")
    result = _run(tmp_path, ":run alerts\n:quit\n")
    assert result.exit_code == 0, result.output
    said = " ".join(result.stdout.split())
    assert re.search(r"\b(\d+) customers lacking a rate\b", said).group(1) == str(lacking)
    assert (f"The demo's exchange rates are priced in US dollars, not in your base currency "
            f"{base}, so its figures that need converting show as missing a rate. Its rates "
            "are in the base currency when organisation.base_currency is USD, EUR, GBP, CNY "
            "or JPY." in said) is notice
