"""The sandbox shows the modals the bot opens as forms and fills them in: from a
script's FIELD: VALUE lines or field by field, submitted through the real signed path."""

from __future__ import annotations

import re

from click.testing import CliRunner
from rich.console import Console

from bot.cli import main
from bot.config import load_config
from bot.sandbox import chat
from tests.conftest import ROOT


def _run(monkeypatch, tmp_path, lines: str):
    monkeypatch.setenv("CREDITBOT_CONFIG", str(ROOT / "app.yaml"))
    monkeypatch.setenv("COLUMNS", "200")
    script = tmp_path / "session.txt"
    script.write_text(lines, encoding="utf-8")
    result = CliRunner().invoke(main, ["sandbox", "--script", str(script)])
    assert result.exit_code == 0, result.output
    return _plain(result.stdout)


def _plain(text: str) -> str:
    # Rich pads the reverse-video labels and table cells: compare lines without it.
    return "\n".join(line.rstrip() for line in text.splitlines()).rstrip()


# Lines wider than the code's: the whole line as the terminal shows it.
HINT = ("Fill it in with lines FIELD: VALUE (the field's number, the id in brackets or its "
        "label), then :submit; :cancel closes it.")
KINDS = ("    ● 1) limit increase   ○ 2) temporary limit   ○ 3) first limit   "
         "○ 4) order release   ○ 5) payment terms change")
TEMPORARY = ("    ○ 1) limit increase   ● 2) temporary limit   ○ 3) first limit   "
             "○ 4) order release   ○ 5) payment terms change")
# Filed on Sunday at 10:00 in Shanghai: the 24 hours count working time (Monday to
# Friday, 09:00-18:00), 9 + 9 + 6, so the level ends on Wednesday at 15:00.
# Level 2's 48 working hours from then: 3 + 9 + 9, then 9 + 9 + 9 from Monday.
WAITING = (r"Now waiting for level 1 of 2: credit manager \(@U02CREDITMG\) decides by Dec 2, "
           r"2026, 3:00\sPM\. Then level 2 \(finance director\); if each takes its full time, "
           r"the last decides by Dec 9, 2026, 6:00\sPM\.")


REQUEST_FORM = """ Request credit  (a form)
1. Customer [customer]
    empty — id or name, e.g. acme
2. Kind of request [kind]
""" + KINDS + """
3. New limit or increase [amount]  (optional)
    empty
    A new total such as 250000 or USD 250k, or an increase such as +100k. For limit requests.
4. Currency [currency]  (optional)
    empty
    ISO code such as USD or CNY; the customer's limit currency when empty.
5. Last day of a temporary limit [expires]  (optional)
    empty
    Only for a temporary limit.
6. Order id [order]  (optional)
    empty
    Only for an order release: the held order's id (CB-…) or the reference it was placed under.
7. New payment terms (days) [terms]  (optional)
    empty
    Only for a payment terms change, e.g. 60.
8. Reason [reason]
    empty — why the customer needs it, e.g. larger orders for the Q1 season
 File request     Cancel

""" + HINT


def test_the_approvals_tour_files_decides_and_shows_the_new_limit(monkeypatch, clock):
    monkeypatch.setenv("CREDITBOT_CONFIG", str(ROOT / "app.yaml"))
    monkeypatch.setenv("COLUMNS", "200")
    result = CliRunner().invoke(main, ["sandbox", "--script",
                                       str(ROOT / "examples" / "sandbox-approvals.txt")])
    assert result.exit_code == 0, result.output
    out = _plain(result.stdout)
    # The credit manager's Approve opens a form with the request's summary.
    approve = out[out.index("U02CREDITMG in #sales> 1"):]
    assert approve.startswith("""U02CREDITMG in #sales> 1
… pressed “Approve”
creditbot (opened a form, only you can see it)
 Approve  (a form)
#1 · limit increase · Acme Packaging
$200,000.00 (now $100,000.00, +$100,000.00)
Level 1 of 2
Now: exposure $35,128.92, available credit $64,871.08
1. Approve a lower limit [lower]  (optional)
    empty
    The new limit to approve instead of $200,000.00, in USD, e.g. 150k. Empty: as asked.
2. Comment [comment]  (optional)
    empty
    The requester reads it.
 Approve     Cancel

""" + HINT + """
form> comment: Good payer for two years
form> :submit
… pressed “Approve”
The form closed.
creditbot edited its message in #credit
""")
    assert re.search(r"Level 1 of 2: credit manager\n✅ Approved by @U02CREDITMG on Nov 29, "
                     r"2026, 10:\d\d\sAM\n> Good payer for two years", approve)
    assert "creditbot sent a direct message to @U03FINDIR01" in approve
    # Reject without its required comment: Slack's client says so beside the field and
    # sends nothing; the form is closed.
    reject = out[out.index("U03FINDIR01 in #sales> 2"):]
    assert """form> :submit
… pressed “Reject”
creditbot (opened a form, only you can see it)
 Reject  (a form)
#1 · limit increase · Acme Packaging
$200,000.00 (now $100,000.00, +$100,000.00)
Level 2 of 2
Now: exposure $35,128.92, available credit $64,871.08
1. Why do you reject it? [comment]
    empty
    Required: the requester reads it.
    ⚠ Please complete this required field.
 Reject     Cancel

""" + HINT + """
form> :cancel
You closed the form without submitting it.
U03FINDIR01 in #sales> 1
… pressed “Approve”""" in reject
    assert re.search(r"✅ Your request #1 · limit increase · Acme Packaging is approved: "
                     r"@U03FINDIR01 approved its last level. The new limit of \$200,000.00 "
                     r"applies now.\n> OK for the season", reject)
    assert "Rejected by" not in reject
    assert "You can't" not in reject and "needs a comment" not in reject  # the bot saw nothing
    requests = out[out.index("U01SALESAMY in #sales> /credit requests"):]
    assert """Yours
#1 Acme Packaging (C0002) · limit increase
$100,000.00 → $200,000.00
approved just now""" in requests
    check = out[out.index("U01SALESAMY in #sales> /credit check acme packaging"):]
    assert re.search(r"C0002 · owner @U01SALESCHO +\$200,000.00\n", check)
    assert "Limit approved in creditbot on Nov 29, 2026 (ERP limit $100,000.00)" in check
    # The form for every kind: a temporary limit, filed, confirmed beside the channel.
    form = out[out.index("U01SALESAMY in #sales> /credit request\n"):]
    assert REQUEST_FORM in form
    assert re.search(r"""form> :submit
… pressed “File request”
The form closed.
creditbot \(only you can see this, in #sales\)
📥 Request #2 filed: temporary limit for Lakeside Furniture Outlet \(C0013\)
\$35,000.00 → \$55,000.00 through Mar 31, 2027
""" + WAITING + r"""
Reason: Spring promotion stock
/credit requests shows where it stands; you can cancel it there while it is open.
""", form)
    # The credit manager asks about it; the rep answers with the button under the
    # question, and the answer reaches the card's thread, her message and the asker.
    answered = out[out.index("form> answer: Garden furniture"):]
    assert re.search(r"""form> :submit
… pressed “Send”
The form closed.
creditbot replied in the thread, in #credit
💬 @U01SALESAMY answers @U02CREDITMG:
> Garden furniture for the spring catalogue

creditbot edited its message in a direct message to @U01SALESAMY
❓ @U02CREDITMG asks about your request #2 · temporary limit · Lakeside Furniture Outlet in the thread of its card in #credit:
> Which stock is the promotion for\?
✅ You answered on [^\n]+:
> Garden furniture for the spring catalogue

creditbot sent a direct message to @U02CREDITMG
💬 @U01SALESAMY answered your question about request #2 · temporary limit · Lakeside Furniture Outlet \(“Which stock is the promotion for\?”\):
> Garden furniture for the spring catalogue""", answered)  # noqa: E501


def test_bad_answers_are_explained_and_the_fields_asked_again(monkeypatch, clock, tmp_path):
    out = _run(monkeypatch, tmp_path, """:as U01SALESAMY
/credit request
kind: 9
kind: Temporary limit
expires: 31/12/2026
expires: 2027-02-30
oops
nonsense: 12
customer: acme packaging
4: +50k
4: abc
terms: 9999
reason: Christmas rush\\nthen back to normal
:submit
amount: +50k
currency:
expires: 2027-01-31
:submit
""")
    assert ("form> kind: 9\n“9” is not one of the choices of “Kind of request”: write its "
            "number or its label (1 limit increase, 2 temporary limit, 3 first limit, 4 order "
            "release, 5 payment terms change).\nform> kind: Temporary limit\n") in out
    assert ("form> expires: 31/12/2026\n“31/12/2026” is not a date: write it as YYYY-MM-DD, "
            "e.g. 2026-12-31.\nform> expires: 2027-02-30\n“2027-02-30” is not a date: write "
            "it as YYYY-MM-DD, e.g. 2026-12-31.\n") in out
    nothing = ("fills in no field of this form: write FIELD: VALUE (the field's number, the "
               "id in brackets or its label), :submit or :cancel.")
    assert f"form> oops\n“oops” {nothing}\nform> nonsense: 12\n“nonsense: 12” {nothing}" in out
    # Slack's client refuses what a field can't take (the currency, 3 characters).
    assert ("form> 4: +50k\nThat is 4 characters; this field takes at most 3.\nform> 4: abc\n"
            "form> terms: 9999\nThat is 4 characters; this field takes at most 3.\n"
            "form> reason:") in out
    # "4" is the currency field: abc is no currency code, which the bot says beside it.
    errors = out[out.index("form> :submit"):]
    assert """2. Kind of request [kind]
""" + TEMPORARY + """
3. New limit or increase [amount]  (optional)
    empty
    A new total such as 250000 or USD 250k, or an increase such as +100k. For limit requests.
    ⚠ Give the new limit or the increase, e.g. 250000 or +100k.
4. Currency [currency]  (optional)
    abc
    ISO code such as USD or CNY; the customer's limit currency when empty.
    ⚠ “ABC” is not a currency code creditbot knows: write one such as USD, EUR or CNY, or leave it empty.
5. Last day of a temporary limit [expires]  (optional)
    empty
    Only for a temporary limit.
    ⚠ A temporary limit needs its last day: pick it here.""" in errors  # noqa: E501 (as shown)
    assert "    ⚠ Say why" not in errors and "Please complete" not in errors
    fixed = errors[errors.index("form> amount: +50k"):]
    assert """form> :submit
… pressed “File request”
The form closed.
creditbot (only you can see this, in #sales)
📥 Request #1 filed: temporary limit for Acme Packaging (C0002)
$100,000.00 → $150,000.00 through Jan 31, 2027""" in fixed
    # The reason was typed with \\n, a line break; the bot keeps a reason on one line.
    assert "Reason: Christmas rush then back to normal\n" in fixed


def test_a_required_field_left_empty_is_refused_then_the_request_filed(monkeypatch, clock,
                                                                        tmp_path):
    out = _run(monkeypatch, tmp_path, """:as U01SALESAMY
/credit request
Customer: acme packaging
3: +100k
:submit
reason: larger Q1 orders
:submit
/credit requests
""")
    assert """8. Reason [reason]
    empty — why the customer needs it, e.g. larger orders for the Q1 season
    ⚠ Please complete this required field.""" in out
    assert "Say why" not in out  # Slack kept the form: the bot saw nothing
    assert re.search(r"""form> reason: larger Q1 orders
form> :submit
… pressed “File request”
The form closed.
creditbot \(only you can see this, in #sales\)
📥 Request #1 filed: limit increase for Acme Packaging \(C0002\)
\$100,000.00 → \$200,000.00
""" + WAITING + r"""
Reason: larger Q1 orders
""", out)
    assert "creditbot posted in #credit\nCredit request #1: limit increase" in out
    assert re.search(r"#1 Acme Packaging \(C0002\) · limit increase\n\$100,000.00 → \$200,000.00\n"
                     r"open, level 1 of 2: credit manager \(@U02CREDITMG\) decides by Dec 2, "
                     r"2026, 3:00\sPM\nfiled by @U01SALESAMY just now", out)


def test_cancel_closes_the_form_and_files_nothing(monkeypatch, clock, tmp_path):
    out = _run(monkeypatch, tmp_path, """:as U01SALESAMY
/credit request
customer: acme packaging
amount: +100k
reason: larger Q1 orders
:cancel
/credit requests
""")
    assert ("form> :cancel\nYou closed the form without submitting it.\nU01SALESAMY in #sales>"
            in out)
    assert "Request #1 filed" not in out
    assert out.endswith("Yours\nYou have filed no credit request. File one with /credit request "
                        "acme +100k larger Q1 orders, or /credit request for the form.")


def test_a_command_after_a_refused_form_closes_it_and_runs(monkeypatch, clock, tmp_path):
    # A new user's script: the form refused (no reason), and every line after it was
    # taken for a field ("fills in no field of this form") to the end of the script.
    out = _run(monkeypatch, tmp_path, """:as U01SALESAMY
/credit request
customer: acme packaging
amount: +100k
:submit
:clock 2026-12-04 17:00
/credit requests
""")
    assert ("form> :clock 2026-12-04 17:00\n“:clock 2026-12-04 17:00” is a command, not a "
            "field: the form is closed without being submitted, and the command runs.\nYou "
            "closed the form without submitting it.\n") in out
    assert "Request #1 filed" not in out
    assert out.endswith("Yours\nYou have filed no credit request. File one with /credit "
                        "request acme +100k larger Q1 orders, or /credit request for the "
                        "form.")


def test_a_script_that_ends_inside_a_form_submits_nothing(monkeypatch, clock, tmp_path):
    out = _run(monkeypatch, tmp_path, ":as U01SALESAMY\n/credit request\ncustomer: acme\n")
    assert out.endswith("form> customer: acme\nThe input ended with the form open: nothing "
                        "was submitted.")


ZH_HINT = ("逐行写 FIELD: VALUE 填写（FIELD 为字段编号、方括号中的 ID 或字段名称），"
           "然后 :submit 提交；:cancel 关闭表单。")
ZH_KIND = ("“9”不是“申请类型”的选项之一：请写选项的编号或名称（1 提高额度、2 临时额度、"
           "3 首次额度、4 订单放行、5 付款期限变更）。")
ZH_NOTHING = ("“oops”没有填写本表单的任何字段：请写 FIELD: VALUE（字段编号、方括号中的 ID "
              "或字段名称）、:submit 或 :cancel。")
ZH_WAITING = (r"当前等待：第 1 级（共 2 级）：信用经理（@U02CREDITMG）须在 "
              r"2026年12月2日 15:00 前审批。之后是第 2 级（财务总监）；若每级都用满时限，最后一级"
              r"最迟于 2026年12月9日 18:00 审批。")


def test_forms_in_chinese(monkeypatch, clock, tmp_path):
    out = _run(monkeypatch, tmp_path, """:as U01SALESAMY
:lang zh-CN
/credit request
kind: 9
expires: 31/12/2026
expires: 2026年12月31日
expires:
oops
customer: acme packaging
amount: +100k
currency: abc
:submit
reason: 第一季度订单增加
:submit
currency:
:submit
""")
    assert """creditbot （打开了一个表单，仅您可见）
 信用申请  （表单）
1. 客户 [customer]
    空 — 编号或名称，例如 acme
2. 申请类型 [kind]
    ● 1) 提高额度   ○ 2) 临时额度   ○ 3) 首次额度   ○ 4) 订单放行   ○ 5) 付款期限变更
3. 新额度或增加额 [amount]  （选填）
    空""" in out
    assert """ 提交申请     取消

""" + ZH_HINT + """
表单> kind: 9
""" + ZH_KIND + """
表单> expires: 31/12/2026
“31/12/2026”不是日期：请写成 YYYY-MM-DD 或 YYYY年M月D日，例如 2026-12-31 或 2026年12月31日。
表单> expires: 2026年12月31日
表单> expires:
表单> oops
""" + ZH_NOTHING in out
    assert ("8. 理由 [reason]\n    空 — 客户为何需要，例如第一季度订单增加\n"
            "    ⚠ 请填写此必填字段。") in out
    assert ("4. 币种 [currency]  （选填）\n    abc\n"
            "    ISO 代码，如 USD 或 CNY；留空则为客户额度的币种。\n"
            "    ⚠ “ABC”不是 creditbot 认识的货币代码：请写 USD、EUR 或 CNY 等代码，"
            "或留空。") in out
    assert re.search(r"""……按下了“提交申请”
表单已关闭。
creditbot （仅您可见，在 #sales）
📥 已提交申请 #1：Acme Packaging（C0002）的提高额度
US\$100,000.00 → US\$200,000.00
""" + ZH_WAITING + r"""
理由：第一季度订单增加
""", out)


def test_a_person_fills_a_form_field_by_field(monkeypatch, clock, tmp_path):
    """Interactive: each field asked in turn (Enter keeps it, - empties it); a bad answer
    asked again at once; after the bot's field errors only those fields."""
    answers = iter([
        "U01SALESAMY", "/credit request",
        "acme packaging",           # Customer
        "9", "",                    # Kind: no such choice, asked again; Enter keeps it
        "+100k",                    # amount
        "usd",                      # currency
        "tomorrow", "",             # last day: not a date, asked again; Enter: empty
        "", "",                     # order, terms
        "",                         # reason left empty: Slack's client says so
        "-",                        # asked again, only the reason: - leaves it empty
        "larger Q1 orders",         # and again
        "/credit requests",
    ])
    prompts: list[str] = []

    def ask(prompt: str) -> str:
        prompts.append(prompt)
        try:
            return next(answers)
        except StopIteration:
            raise EOFError from None

    console = Console(record=True, width=200)
    chat.Sandbox(load_config(ROOT / "app.yaml"), console, tmp_path).run(ask=ask)
    text = _plain(console.export_text())
    assert prompts[2:15] == [
        "Customer: ", "Kind of request [limit increase]: ", "Kind of request [limit increase]: ",
        "New limit or increase (optional): ", "Currency (optional): ",
        "Last day of a temporary limit (optional): ",
        "Last day of a temporary limit (optional): ", "Order id (optional): ",
        "New payment terms (days) (optional): ", "Reason: ", "Reason: ", "Reason: ",
        "U01SALESAMY in #sales> "]
    assert ("Answer each field: Enter keeps its value, - empties it, :submit sends the form as "
            "it is, :cancel closes it.") in text
    assert ("“9” is not one of the choices of “Kind of request”: write its number or its label "
            "(1 limit increase, 2 temporary limit, 3 first limit, 4 order release, 5 payment "
            "terms change).") in text
    assert "“tomorrow” is not a date: write it as YYYY-MM-DD, e.g. 2026-12-31." in text
    assert text.count("    ⚠ Please complete this required field.") == 2
    assert "📥 Request #1 filed: limit increase for Acme Packaging (C0002)" in text
    assert "#1 Acme Packaging (C0002) · limit increase\n$100,000.00 → $200,000.00" in text


def test_help_says_how_forms_are_filled(monkeypatch, clock, tmp_path):
    out = _run(monkeypatch, tmp_path, ":help\n")
    assert """  :run [JOB]         run a scheduled job now, e.g. :run alerts; :run lists them
  :import KIND FILE  import an ERP file as creditbot import does, e.g.
                     :import payments payments.csv (the sandbox's data only)
  :audit [N]         the audit log's latest N entries: who did what, when
  :audit export FILE the sandbox's whole audit log, as a CSV file
  in a form          answer each field (Enter keeps it, - empties it), or in a
                     script write FIELD: VALUE lines; then :submit, or :cancel
  a, b, …            pick that option of a ⋯ menu of the last message
  :files [FOLDER]    save the files the bot shared (charts) in FOLDER,
                     else here: they outlive the sandbox
  :help  :quit       (Ctrl-C or Ctrl-D quit too)""" in out


def test_ctrl_d_in_a_form_closes_it_unsubmitted(monkeypatch, clock, tmp_path):
    answers = iter(["U01SALESAMY", "/credit request", "acme packaging"])

    def ask(prompt: str) -> str:
        try:
            return next(answers)
        except StopIteration:
            raise EOFError from None

    console = Console(record=True, width=200)
    chat.Sandbox(load_config(ROOT / "app.yaml"), console, tmp_path).run(ask=ask)
    text = _plain(console.export_text())
    assert text.endswith("You closed the form without submitting it.")
    assert "filed" not in text


def test_a_form_filed_from_a_direct_message_is_confirmed_there(monkeypatch, clock,
                                                               tmp_path):
    # The confirmation said "(only you can see this, in #D01SALESBEN)": a raw DM id.
    # Opened in a direct message, it is a direct message, which stays when Slack reloads.
    out = _run(monkeypatch, tmp_path, """:as U01SALESAMY
/credit order lakeside 10k PO-1
:as U01SALESBEN
3
reason: customer pays friday
:submit
""")
    confirmed = out[out.index("form> :submit"):]
    assert confirmed.startswith("""form> :submit
… pressed “File request”
The form closed.
creditbot sent a direct message to @U01SALESBEN
📥 Request #1 filed: order release for Lakeside Furniture Outlet (C0013)""")


def test_a_release_form_asks_for_the_reason_alone_and_takes_a_bare_line_for_it(
        monkeypatch, clock, tmp_path):
    # The held order's Request release showed the eight fields of a credit request; and
    # a form with one field refused a line without "reason:" in front of it.
    out = _run(monkeypatch, tmp_path, """:as U01SALESAMY
/credit order lakeside 10k PO-9
1
trade fair: stock on consignment
:submit
""")
    assert (""" Request release  (a form)
Release order CB-33 of Lakeside Furniture Outlet (C0013): the approvers its amount calls for decide.
1. Reason [reason]
    empty — why it should ship, e.g. the customer pays on delivery
 File request     Cancel

""" + HINT + "\nform> trade fair: stock on consignment\nform> :submit\n") in out
    assert re.search(r"📥 Request #1 filed: order release for Lakeside Furniture Outlet "
                     r"\(C0013\)\norder CB-33 \(PO-9\) of \$10,000\.00\n.*\n"
                     r"Reason: trade fair: stock on consignment\n", out), out
