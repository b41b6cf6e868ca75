"""What a new user found in ``/credit request``, ``/credit order``, ``/credit check``,
``/credit history`` and ``/credit delegate``: each answer as the person reads it, through
signed HTTP -> bot -> the Slack emulator (the demo organisation, today 2026-11-29)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import select, update

from domain.approvals.model import Outcome, RequestKind
from domain.money import Money
from handlers.i18n import translator
from storage.models import CreditRequestRow, OutboxRow
from tests.e2e.conftest import CREDIT_MANAGER, SALES, SALES_CHANNEL, World
from tests.e2e.test_credit_requests import (
    ANALYST,
    EN,
    ZONE,
    add_customer,
    audit,
    deadline,
    errors,
    mrkdwn,
    open_form,
    requests_of,
    shown,
    speaks_chinese,
    then,
)
from tests.e2e.test_orders import OWNER_C0002, checks, deliver, direct_messages, sections

FINANCE_DIRECTOR = "U03FINDIR01"
ZH = translator("zh-CN")


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
        f"{deadline(request)}.{then(world, request, 'level 2 (finance director)')}\n"
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
        "A temporary limit must last until today (Nov 29, 2026) or later; Jan 31, 2026 is "
        "already past.")
    # What else is wrong is said in the same answer, not on the next try.
    amount = ("“+abc” is not an amount: write it like 120000, 120,000, 120000.50, 120k, "
              "1.2m, USD 120k or 120k EUR.")
    assert said(world, "/credit request lakeside +abc until 31/12/2026 for xmas") == (
        f"{amount} “31/12/2026” is not a date: write the temporary limit's last day as "
        "YYYY-MM-DD, e.g. `/credit request acme +50k until 2026-12-31 Christmas season`.")
    assert said(world, "/credit request lakeside +abc until 2027-01-01") == (
        f"{amount} Say why: a request needs a reason, e.g. “larger orders for the Q1 "
        "season”.")
    assert said(world, "/credit request lakeside 5k until 2026-01-31") == (
        "$5,000.00 is not above the current limit of $35,000.00: a temporary limit must "
        "raise it. For an increase of that much, write +5k. A temporary limit must last "
        "until today (Nov 29, 2026) or later; Jan 31, 2026 is already past. Say why: a "
        "request needs a "
        "reason, e.g. “larger orders for the Q1 season”.")
    # 至 apart from a word for a day that is no date (or joined to one): it filed a
    # permanent increase, "至 明天" read into the reason. "到" still starts one.
    for line, day in (("+5万 至 明天 年底促销", "明天"), ("+5万 至明天 年底促销", "明天"),
                      ("+5万 截至 月底", "月底"), ("+5万 至 春节", "春节"),
                      ("+5k bis morgen Aktion", "morgen"), ("+5k till tomorrow", "tomorrow"),
                      ("+5万 至本月底 促销", "本月底"), ("+5万 至周五", "周五"),
                      ("+5k till Friday promo", "Friday"), ("+5k till Dec 31 stock", "Dec"),
                      ("+5k temporary till Friday promo", "Friday"),
                      # As Taipei and Hong Kong write them: filed as permanent increases.
                      ("+5萬 至春節 年貨", "春節"), ("+5萬 至週五", "週五"),
                      ("+5萬 臨時 至 下週五", "下週五")):
        assert said(world, f"/credit request lakeside {line}") == (
            f"“{day}” is not a date: write the temporary limit's last day as YYYY-MM-DD, "
            "e.g. `/credit request acme +50k until 2026-12-31 Christmas season`."), line
    assert requests_of(world) == []
    said(world, "/credit request lakeside +5万 到 3号仓库 备货")
    [filed] = requests_of(world)
    assert (filed.kind, filed.reason) == (RequestKind.LIMIT_INCREASE, "到 3号仓库 备货")
    # Words that only start like one stay the reason ("end…", 至少: "at least").
    from handlers.approvals.request_line import parse_request_line
    for line in ("lakeside +5k till endorsed by the CFO", "lakeside +5万 至少三个月的备货",
                 "lakeside +5k till the CFO signs off", "lakeside +5万 至少每星期发货两次",
                 "lakeside +5万 截至本月已回款80万"):
        assert parse_request_line(line).until is None, line


# -- a unit apart from its number, an unknown currency ------------------------------------

def test_a_unit_typed_apart_belongs_to_its_number(world):
    reply = world.slack.slash(SALES, SALES_CHANNEL, "/credit order Acme Industrial 20 k PO-9")
    [row] = checks(world).values()
    assert (row.amount, row.currency, row.reference) == (Decimal("20000.00"), "USD", "PO-9")
    assert sections(reply) == [
        ":white_check_mark: *OK to ship*: order CB-1 (PO-9) of $20,000.00 for Acme "
        "Industrial Supply (C0001).\nAvailable credit after this order: $1,341,977.28 (limit "
        "$1,700,000.00, exposure before it $338,022.72)."]
    world.slack.slash(SALES, SALES_CHANNEL, "/credit request acme packaging +50 k more")
    [request] = requests_of(world)
    assert request.new_limit.amount == Decimal("150000.00") and request.reason == "more"
    check = world.slack.slash(SALES, SALES_CHANNEL, "/credit check acme packaging 10 k")
    assert check.all_text() == (
        ":no_entry: *Not OK to ship*: an order of $10,000.00 for Acme Packaging (C0002) "
        "would be held.\n:no_entry: *Not OK to ship*: an order of $10,000.00 for Acme "
        "Packaging (C0002) would be held.\n• An invoice is 31 days overdue, more than the "
        "30 days allowed ($8,721.98 overdue in all).")


def test_an_unknown_currency_code_is_refused_not_dropped(world):
    assert said(world, "/credit order acme packaging 10k XYZ") == (
        "“XYZ” is not a currency code creditbot knows: write one it knows (e.g. USD, EUR, "
        "CNY) or none for the customer's currency, e.g. `/credit order acme 120k EUR "
        "PO-2026-118`.")
    assert said(world, "/credit check acme packaging 10k XYZ") == (
        "“XYZ” is not a currency code creditbot knows: write one it knows (e.g. USD, EUR, "
        "CNY) or none for the customer's currency, e.g. `/credit check acme 120k EUR`.")
    assert said(world, "/credit request acme packaging XYZ 100k made up currency") == (
        "“XYZ” is not a currency code creditbot knows: write one it knows (e.g. USD, EUR, "
        "CNY) or none for the customer's currency, e.g. `/credit request acme EUR 250k "
        "larger orders`.")
    # After the amount as before it: "+10k XAU gold" was filed as +$10,000 with the
    # reason "XAU gold".
    for line in ("/credit request harborview +10k XAU gold",
                 "/credit request harborview 90k ABC unknown",
                 "/credit request harborview +10k CEO approved"):
        code = line.split()[-2]
        assert said(world, line) == (
            f"“{code}” right after the amount reads as its currency, and creditbot knows "
            "no such code: write a currency it knows (e.g. USD, EUR, CNY), or start the "
            "reason with another word, e.g. `/credit request acme +250k EUR larger "
            "orders`."), line
    assert checks(world) == {} and requests_of(world) == []


def test_a_limit_that_converts_to_more_than_creditbot_takes_is_refused(world):
    # Aoyama Precision's limit is in yen: a typed amount within bounds came to more than
    # SQLite's integers hold (a 500 and a stack trace); in euros on a dollar limit it
    # was filed above the stated maximum.
    for line, typed in (("/credit request aoyama +9999999999999 USD huge",
                         "+9999999999999 USD"),
                        ("/credit request lakeside furniture +9999999999999 EUR near max",
                         "+9999999999999 EUR")):
        answer = said(world, line)
        head, converted, tail = answer.partition(" comes to ")[0], *answer.partition(
            " comes to ")[2].split(": ", 1)
        assert head == f"“{typed}”", answer
        assert tail == "more than creditbot takes for a credit limit (at most " \
                       "10,000,000,000,000).", answer
        code, figure = converted.split(" ")
        assert code == ("JPY" if "aoyama" in line else "USD")
        assert Decimal(figure.replace(",", "")) > 10 ** 13
    assert requests_of(world) == []
    # An order likewise: €9,000,000,000,000 for a customer in yen was held as
    # ¥1,487,144,744,588,508, and its release put that on the card and in the alerts.
    for line in ("/credit order aoyama 9000000000000 EUR PO-1",
                 "/credit check aoyama 9000000000000 EUR"):
        answer = said(world, line)
        head, converted, tail = answer.partition(" comes to ")[0], *answer.partition(
            " comes to ")[2].split(": ", 1)
        assert head == "“EUR 9,000,000,000,000.00”", answer
        assert tail == "more than creditbot takes for one order (at most " \
                       "10,000,000,000,000).", answer
        code, figure = converted.split(" ")
        assert code == "JPY" and Decimal(figure.replace(",", "")) > 10 ** 13, answer
    assert checks(world) == {}


def test_a_name_ending_in_capitals_without_an_amount_is_still_a_name(world):
    add_customer(world, "C9XYZ", "Harbor XYZ", "50000")
    assert said(world, "/credit check Harbor XYZ").startswith(
        "Harbor XYZ: available $50,000.00 of $50,000.00, overdue $0.00\n")
    assert said(world, "/credit history Harbor XYZ") == (
        "History of Harbor XYZ (C9XYZ)\nHistory of Harbor XYZ (C9XYZ)\nNo credit request "
        "was filed for this customer yet. File one with `/credit request C9XYZ +100k "
        "&lt;reason&gt;`.")
    world.slack.slash(SALES, SALES_CHANNEL, "/credit request Harbor XYZ +10k more")
    [request] = requests_of(world)
    assert request.customer_id == "C9XYZ"


# -- one order, one amount ----------------------------------------------------------------

def test_the_rep_and_the_owner_read_the_same_amount_of_an_order_in_another_currency(world):
    reply = world.slack.slash(SALES, SALES_CHANNEL, "/credit order acme packaging 10k GBP ref-1")
    assert sections(reply)[0] == (
        ":no_entry: *Held*: order CB-1 (ref-1) of £10,000.00 ($12,601.27) for Acme Packaging "
        "(C0002) is not OK to ship. It is recorded as held; the account owner is told.")
    deliver(world)
    assert direct_messages(world, OWNER_C0002) == [
        ":no_entry: Order CB-1 (ref-1) of £10,000.00 ($12,601.27) for Acme Packaging (C0002), "
        f"placed by <@{SALES}>, is held: it is not to ship until it is released."]
    same = world.slack.slash(SALES, SALES_CHANNEL, "/credit order acme packaging 10k ref-2")
    assert sections(same)[0] == (
        ":no_entry: *Held*: order CB-2 (ref-2) of $10,000.00 for Acme Packaging (C0002) is not "
        "OK to ship. It is recorded as held; the account owner is told.")


# -- precise amount refusals ------------------------------------------------------------

WRITE = "write it like 120000, 120,000, 120000.50, 120k, 1.2m, USD 120k or 120k EUR."


def test_a_request_names_what_is_wrong_with_its_amount_as_an_order_does(world):
    def request(amount: str) -> str:
        return said(world, f"/credit request acme packaging {amount} more orders")

    def order(amount: str) -> str:
        return said(world, f"/credit order acme packaging {amount} PO-1")

    for amount, refusal in [
            ("-50k", f"“-50k” is not an amount greater than zero: {WRITE}"),
            ("0", f"“0” is not an amount greater than zero: {WRITE}"),
            ("100kk", f"“100kk” is not an amount: {WRITE}"),
            ("¥250k", "“¥250k”: ¥ is both the yuan and the yen; write the currency's code "
                      "after the amount instead, e.g. 250k CNY or 250k JPY."),
            # Decimals the yen does not have: only the yuan is suggested.
            ("¥5.5", "“¥5.5”: write the currency's code after the amount instead of its "
                     "sign, e.g. 5.5 CNY."),
            # More decimals than the currency has: refused, never rounded unseen.
            ("100000.001", "“100000.001” has more decimals than USD has: write it like "
                           "100000.00.")]:
        assert request(amount) == refusal
        assert order(amount) == refusal
    # The suggestion keeps the + of an increase: following it asks for the same thing.
    assert request("+100000.001") == (
        "“+100000.001” has more decimals than USD has: write it like +100000.00.")
    # A sign typed apart is the amount's: never left in the reason with the increase
    # filed in the limit's currency. A dollar for a customer billed in pounds is asked.
    assert said(world, "/credit request fenwick +$ 100k more orders") == (
        "“+$100k”: write the currency's code after the amount instead of its sign, e.g. "
        "+100k USD.")
    assert said(world, "/credit request fenwick +12k $ more orders") == (
        "“+12k$”: write the currency's code after the amount instead of its sign, e.g. "
        "+12k USD.")
    assert said(world, "/credit order fenwick $ 12 PO-1") == (
        "“$12”: write the currency's code after the amount instead of its sign, e.g. 12 USD.")
    # So is a minus typed apart (a trial's "- 5k" was filed as a total of 5,000).
    # Thousands grouped by a space: refused, never +10 with "000" in the reason.
    assert request("5 mn") == ("“5 mn” uses “mn”, which creditbot does not read: write the "
                               "amount in digits or with k or m, like 5000000 or 5m.")
    # With decimals after a comma too: "+150 000,00 for Q1" was +150 with the reason
    # "000,00 for Q1".
    for grouped, quoted, written in (
            ("10 000", "10 000", "10000"), ("+10 000", "+10 000", "+10000"),
            ("+150 000,00", "+150 000,00", "+150000.00"),
            ("+50 000 €", "+50 000€", "+50000 EUR"), ("+1 000m", "+1 000m", "+1000m")):
        assert request(grouped) == (f"“{quoted}” groups its digits with spaces: write it "
                                    f"without them, like {written}.")
    assert order("10 000") == (
        "“10 000” groups its digits with spaces: write it without them, like 10000.")
    # A code not in capitals: an increase in the customer's currency, "cad more stock"
    # its reason.
    assert request("+5k cad") == (
        "“cad” after the amount: for CAD, write the code in capitals, e.g. `/credit "
        "request acme +50k CAD larger orders`.")
    for apart, filed, placed in (("- 5k", "-5k", "-5k"), ("− 5k", "−5k", "−5k"),
                                 ("– 5k", "–5k", "–5k"), ("-USD 5", "-5 USD", "-5")):
        assert request(apart) == f"“{filed}” is not an amount greater than zero: {WRITE}"
        assert order(apart) == f"“{placed}” is not an amount greater than zero: {WRITE}"
    for amount in ("1e14", "1e9999"):
        assert request(amount) == (
            f"“{amount}” is more than creditbot takes for a credit limit (at most "
            f"10,000,000,000,000): {WRITE}")
        assert order(amount) == (
            f"“{amount}” is more than creditbot takes for one order (at most "
            f"10,000,000,000,000): {WRITE}")
    assert requests_of(world) == [] and checks(world) == {}


def test_a_common_code_in_lower_case_after_the_amount_is_its_currency(world):
    # "2.5m usd larger orders" was filed as €2,500,000 with "usd larger orders" for a
    # reason, where /credit order reads the usd; and "+ 5k" was "“+” is not an amount".
    said(world, "/credit request bergmann maschinenbau 2.5m usd larger orders")
    said(world, "/credit request acme packaging + 5k growth")
    usd, increase = sorted(requests_of(world), key=lambda r: r.id)
    assert (usd.reason, usd.new_limit.currency) == ("larger orders", "EUR")
    assert usd.new_limit != Money(Decimal(2_500_000), "EUR")  # 2.5m USD, converted
    assert (increase.reason, increase.increase) == ("growth", Money(Decimal(5000), "USD"))


def test_an_order_without_an_amount_says_the_amount_is_missing(world):
    assert world.slack.slash(SALES, SALES_CHANNEL, "/credit order acme packaging").text == (
        "The amount is missing after “acme packaging”. Write the customer, then the amount, "
        "e.g. `/credit order acme 120k`, `/credit order 华夏物流 25万 CNY PO-2026-118` (a "
        "currency and your order reference may follow the amount; a name with a number in "
        "it goes in quotes).")


# -- an unknown or unclear customer -----------------------------------------------------

def test_an_unknown_or_unclear_customer_gets_the_hint_with_that_commands_example(world):
    # The example is the line typed, with an id in the name's place.
    for command, typed in (("request", " +10k more"), ("order", " 10k"), ("history", "")):
        after = typed
        assert said(world, f"/credit {command} nosuchco{typed}") == (
            "No customer matches “nosuchco”. Try part of the name or the customer id, e.g. "
            f"`/credit {command} C0001{after}`.")
        if command == "history":  # read-only: the candidates are buttons, as the check's
            continue
        assert said(world, f"/credit {command} acme{typed}") == (
            "“acme” matches several customers: Acme Industrial Supply (C0001), Acme "
            f"Packaging (C0002). Use the id, e.g. `/credit {command} C0001{after}`.")
    assert requests_of(world) == [] and checks(world) == {}


# -- /credit delegate ---------------------------------------------------------------------

def test_delegate_reads_full_width_dates_lowercase_ids_and_end_now(world):
    def say(line: str) -> str:
        return shown(world.slack.slash(CREDIT_MANAGER, SALES_CHANNEL, f"/credit delegate {line}"))

    assert say("u02creditan until ２０２６－１２－３１") == (
        ":white_check_mark: <@U02CREDITAN> decides your credit requests from Nov 29, 2026 "
        "through Dec 31, 2026. `/credit delegate end` ends it sooner.")
    assert say(f"<@{FINANCE_DIRECTOR}> until 2026-12-15") == (
        f":white_check_mark: <@{FINANCE_DIRECTOR}> decides your credit requests from Nov 29, "
        "2026 through Dec 15, 2026. `/credit delegate end` ends it sooner. Note: "
        f"<@{FINANCE_DIRECTOR}> also decides a later level of some requests (as finance "
        "director); one person decides one level of a request, so on those they can only "
        "reject your level, not approve it: a stand-in who decides no later level can "
        "approve them all. This replaces your delegation to <@U02CREDITAN> until Dec 31, "
        "2026.")
    assert say("end now") == (
        ":white_check_mark: Your delegation has ended: your credit requests come to you "
        "again.")
    assert say("end now") == "You have no delegation in force, so there is nothing to end."


def test_each_wrong_delegation_date_is_named(world):
    def say(line: str) -> str:
        return shown(world.slack.slash(CREDIT_MANAGER, SALES_CHANNEL, f"/credit delegate {line}"))

    assert say(f"<@{ANALYST}> until 2026-11-01") == (
        "The last day Nov 1, 2026 is already past: a delegation runs up to today or a later "
        "day, e.g. `/credit delegate @mei until 2026-12-31`.")
    assert say(f"<@{ANALYST}> from 2026-11-01 until 2026-12-31") == (
        "The first day Nov 1, 2026 is already past: a delegation starts today or later, e.g. "
        "`/credit delegate @mei until 2026-12-31`.")
    assert say(f"<@{ANALYST}> from 2026-12-31 until 2026-12-01") == (
        "The first day Dec 31, 2026 comes after the last day Dec 1, 2026: write `from` a day "
        "no later than `until`, e.g. `/credit delegate @mei from 2026-12-01 until "
        "2026-12-31`.")
    assert audit(world, "delegations.granted") == []


# -- creditbot itself, not a mention ------------------------------------------------------

def test_history_names_creditbot_plainly_when_it_closed_a_request(world):
    said(world, "/credit request lakeside +50k until 2026-11-30 for the weekend")
    [request] = requests_of(world)
    with world.services.engine.begin() as conn:
        conn.execute(update(CreditRequestRow).where(CreditRequestRow.id == request.id)
                     .values(expires_on=date(2026, 11, 28)))
    [expired] = world.services.requests.expire()
    # Filed and expired may fall in different seconds: each is read from its own record.
    filed, when = EN.moment(request.filed_at, ZONE), EN.moment(expired.closed_at, ZONE)
    assert said(world, "/credit history lakeside") == (
        "History of Lakeside Furniture Outlet (C0013)\n"
        "History of Lakeside Furniture Outlet (C0013)\n*Credit requests*\n"
        f"*#{request.id}* temporary limit · $35,000.00 → $85,000.00 through Nov 28, 2026 · "
        f"expired\nfiled by <@{SALES}> on {filed}:\n> for the weekend\n"
        f"expired by creditbot on {when}\n*Approved limit changes*\nNone yet.")
    # In Chinese the state comes first, who and when after it (not "由 creditbot 已过期").
    speaks_chinese(world, CREDIT_MANAGER)
    assert said(world, "/credit history lakeside", CREDIT_MANAGER).split("\n")[-3] == (
        f"已过期（creditbot，{ZH.moment(expired.closed_at, ZONE)}）")


# -- Chinese throughout -------------------------------------------------------------------

def test_a_chinese_reader_gets_roles_examples_and_formats_in_chinese(world):
    speaks_chinese(world, SALES)
    assert said(world, "/credit request acme packaging +abc more") == (
        "“+abc”不是有效金额：请按以下格式填写：120000、120,000、120000.50、120k、1.2m、12万、"
        "1.5亿、USD 120k 或 120k EUR。")
    # The example of a request for an unclear customer: its reason too.
    assert said(world, "/credit request 华下物留 +5万 理由") == (
        "没有名为“华下物留”的客户。最接近的：华夏物流有限公司 (C0027)。请使用编号，例如 "
        "`/credit request C0027 +5万 理由`。")
    # An order's amount read by the order grammar: its examples were left in English.
    assert said(world, "/credit 订单 华夏物流 5xx") == (
        "“5xx”不是有效金额：请按以下格式填写：120000、120,000、120000.50、120k、1.2m、12万、"
        "1.5亿、USD 120k 或 120k EUR。")
    assert said(world, "/credit 订单 华夏物流 五万") == (
        "“五万”用的是中文数字：请用阿拉伯数字填写，例如 5万或50000。")
    assert said(world, "/credit request acme packaging") == (
        "请写客户、新额度或增加额以及理由：`/credit request acme +10万 第一季度订单增加`"
        "（新的总额如 `25万` 或 `USD 250k`，增加额如 `+10万`）。")
    reply = world.slack.slash(SALES, SALES_CHANNEL, "/credit request C0002 +100k 春节备货")
    [request] = requests_of(world)
    assert mrkdwn(reply) == (
        f":inbox_tray: *已提交申请 #{request.id}：Acme Packaging（C0002）的提高额度*\n"
        "US$100,000.00 → US$200,000.00\n"
        "当前等待：第 1 级（共 2 级）：信用经理（<@U02CREDITMG>）须在 "
        f"{ZH.moment(request.deadline(), ZONE)} 前审批。之后是第 2 级（财务总监）；若每级都用"
        "满时限，最后一级最迟于 "
        f"{ZH.moment(world.services.requests.latest_decision(request), ZONE)} 审批。\n"
        "理由：春节备货\n`/credit requests` 可查看进度；申请待审批时可在那里撤销。")


# -- the request form: every wrong field at once ------------------------------------------

def test_the_form_reports_every_wrong_field_in_one_round(world):
    view = open_form(world)
    assert errors(world.slack.submit(SALES, view, {
        "customer": "nosuch", "kind": "temporary_limit", "amount": "abc"})) == {
        # How to name it, as everywhere (it ended on "(C0015)", without a full stop).
        "customer": "No customer is named “nosuch”. Closest: Northstar Agricultural Co-op "
                    "(C0015). Use the id, e.g. C0015.",
        "amount": "“abc” is not an amount: write it like 120000, 120,000, 120000.50, 120k, "
                  "1.2m, USD 120k or 120k EUR.",
        "expires": "A temporary limit needs its last day: pick it here.",
        "reason": "Say why: a request needs a reason, e.g. larger orders for the Q1 season."}
    assert errors(world.slack.submit(SALES, view, {
        "customer": "acme", "amount": "+10k", "reason": "more"})) == {
        "customer": "“acme” matches several customers: Acme Industrial Supply (C0001), Acme "
                    "Packaging (C0002). Use the id, e.g. C0001."}
    assert requests_of(world) == [] and world.emulator.calls_to("chat.postEphemeral") == []


# -- smaller ------------------------------------------------------------------------------

def test_a_subcommand_without_its_argument_shows_only_its_own_usage(world):
    reply = world.slack.slash(SALES, SALES_CHANNEL, "/credit order")
    assert reply.text == (
        "`/credit order` needs a customer and an amount: `/credit order acme 120k USD "
        "PO-2026-118` Try `/credit help`.")
    assert mrkdwn_all(reply) == (
        ":warning: `/credit order` needs a customer and an amount: `/credit order acme 120k "
        "USD PO-2026-118`\n`/credit order` — can I ship this? an order checked against the "
        "order rules (limit, overdue, holds, contract); held when one fails\n"
        "Try `/credit help`.")
    history = world.slack.slash(SALES, SALES_CHANNEL, "/credit history")
    assert mrkdwn_all(history) == (
        ":warning: `/credit history` needs a customer id or name: `/credit history acme`\n"
        "`/credit history` — a customer's credit requests and decisions, held orders, "
        "collections and approved limit changes\nTry `/credit help`.")


def mrkdwn_all(reply) -> str:
    return "\n".join(b["text"]["text"] for b in reply.blocks)


def test_a_missing_exchange_rate_sends_the_rep_to_the_credit_team(world, caplog):
    assert said(world, "/credit order acme packaging 10k CHF PO-1") == (
        "No exchange rate for CHF (to USD) on or before Nov 29, 2026: ask the credit team to "
        "import the exchange rates.")
    assert "`creditbot import rates FILE.csv`" in caplog.text
    assert checks(world) == {}


# -- the bot's own messages follow the person's Slack language ----------------------------

def test_a_person_whose_slack_is_chinese_gets_the_bots_dms_in_chinese(world):
    speaks_chinese(world, OWNER_C0002)
    # Any command teaches the bot the owner's Slack locale (users.info), remembered.
    world.slack.slash(OWNER_C0002, SALES_CHANNEL, "/credit check acme packaging")
    world.slack.slash(SALES, SALES_CHANNEL, "/credit order acme packaging 10k PO-1")
    deliver(world)
    [order] = checks(world)
    assert direct_messages(world, OWNER_C0002) == [
        f":no_entry: <@{SALES}> 下的 Acme Packaging（C0002）订单 {order}（PO-1），金额 "
        "US$10,000.00，已暂停发货：放行之前不得发货。"]
    # The rep's Slack is English: their reply stayed English.
    assert direct_messages(world, SALES) == []


def test_a_refusal_names_the_request_kind_in_the_readers_language(world):
    speaks_chinese(world, SALES)
    assert said(world, "/credit request C0002 CNY 50000 smaller") == (
        # "提高额度必须提高额度" said the same word twice.
        "US$6,873.62 不高于当前额度 US$100,000.00：提高额度申请的新额度须高于当前额度。如要增加"
        "这么多，请写 +CNY 50000。")


def test_an_approver_whose_slack_is_chinese_gets_the_card_in_chinese(world):
    speaks_chinese(world, FINANCE_DIRECTOR)
    world.slack.slash(FINANCE_DIRECTOR, SALES_CHANNEL, "/credit requests")  # learnt here
    said(world, "/credit request acme packaging +100k larger Q1 orders")
    [request] = requests_of(world)
    roster = world.services.config.roster()
    world.services.requests.decide(roster.member(CREDIT_MANAGER), request.id, 1,
                                   Outcome.APPROVED)
    with world.services.engine.connect() as conn:
        [card] = [r for r in conn.execute(select(OutboxRow).where(
            OutboxRow.channel == FINANCE_DIRECTOR))]
    assert card.payload["text"] == (
        f"信用申请 #{request.id} · 提高额度 · Acme Packaging：US$200,000.00（现为 "
        "US$100,000.00，+US$100,000.00） · 第 2 级（共 2 级），等待审批")


def test_a_plus_with_no_amount_after_it_says_the_amount_is_missing(world):
    # "acme packaging +" was answered "Say why: a request needs a reason".
    for line in ("/credit request acme packaging +", "/credit request acme packaging + USD",
                 "/credit request acme packaging + for the fair"):
        assert said(world, line) == (
            "After the customer comes the new limit or the increase: `/credit request acme "
            "+100k larger Q1 orders`."), line
    assert requests_of(world) == []


def test_an_id_written_without_its_letter_or_with_a_dash_finds_the_customer(world):
    # "/credit check 0002" read the id's digits as an amount and said "Name the
    # customer"; "c-0002" was "No customer matches".
    for query in ("0002", "c-0002", "C 0002"):
        card = world.slack.slash(SALES, SALES_CHANNEL, f"/credit check {query}")
        assert card.text == (
            "Acme Packaging: available $64,871.08 of $100,000.00, overdue $8,721.98"), query
        assert card.blocks[1] == {"type": "context", "elements": [{"type": "mrkdwn", "text": (
            f":mag: No customer has the id “{query}”: this is C0002, Acme Packaging.")}]}
    # An order, which is recorded, is offered the customer to name instead.
    assert said(world, "/credit order 0002 5k PO-1") == (
        "No customer is named “0002”. Closest: Acme Packaging (C0002). Use the id, e.g. "
        "`/credit order C0002 5k PO-1`.")
    # The id with a space after its letter was "“0002 5k” is two amounts".
    assert said(world, "/credit order c 0002 5k PO-1") == (
        "“c 0002” is the id C0002 with a space in it: write it as one word, e.g. "
        "`/credit order C0002 5k PO-1`.")
    assert checks(world) == {}
    # A request alike: "C 2 +5k" was "“C” matches several customers", its example a
    # request of a limit of 2 for the first customer starting with C.
    for typed in ("C 2", "c 0002"):
        assert said(world, f"/credit request {typed} +5k bigger orders") == (
            f"“{typed}” is the id C0002 with a space in it: write it as one word, e.g. "
            "`/credit request C0002 +5k bigger orders`.")
    # Its example as the command was typed.
    assert said(world, "/credit 申请 C 2 +5k 订单增加") == (
        "“C 2” is the id C0002 with a space in it: write it as one word, e.g. `/credit 申请 "
        "C0002 +5k 订单增加`.")
    assert requests_of(world) == []


def test_a_recording_command_offers_a_close_name_instead_of_taking_it(world):
    # "acme packging" filed a request for Acme Packaging and placed an order on it: a
    # typo close to another customer's name would have recorded on that one.
    closest = ("No customer is named “acme packging”. Closest: Acme Packaging (C0002), Acme "
               "Industrial Supply (C0001). Use the id, e.g. ")
    # The example is the person's own line with the id in the name's place.
    assert said(world, "/credit request acme packging +50k typo") == (
        closest + "`/credit request C0002 +50k typo`.")
    assert said(world, "/credit order acme packging 5k PO-1") == (
        closest + "`/credit order C0002 5k PO-1`.")
    assigned = world.slack.slash(CREDIT_MANAGER, "C03CREDIT00",
                                 "/credit assign acme packging <@U04COLLECT1>").all_text()
    assert assigned == closest + "`/credit assign C0002 @maria`."
    assert requests_of(world) == [] and checks(world) == {}
    with world.services.uow() as uow:
        assert uow.collections.open_assignment("C0002") is None
    # A look records nothing: it still shows the closest customer's card.
    assert world.slack.slash(SALES, SALES_CHANNEL, "/credit check acme packging").text == (
        "Acme Packaging: available $64,871.08 of $100,000.00, overdue $8,721.98")
    # A unique start of a name is not a typo: still taken.
    assert said(world, "/credit order acme pack 5k PO-2").startswith(
        ":no_entry: *Held*: order CB-1 (PO-2) of $5,000.00 for Acme Packaging (C0002)")


def test_a_temporary_limit_ending_before_its_levels_may_decide_says_so_when_filed(world):
    # Filed through Dec 1 with two levels (24 h, then 48 h): it expired undecided, and
    # nothing had said it could.
    reply = world.slack.slash(SALES, SALES_CHANNEL,
                              "/credit request lakeside +50k until 2026-12-01 fair")
    [request] = requests_of(world)
    latest = world.services.requests.latest_decision(request)
    # In working time (9:00-18:00 on weekdays): filed on a Sunday, level 1's 24 hours end
    # on Wednesday at 15:00, level 2's 48 a week later at 18:00. Not from level 1's
    # deadline as capped by the last day (the end of Dec 1): that named the cap as the
    # levels' full time.
    assert request.deadline() == datetime(2026, 12, 2, tzinfo=ZONE)
    assert latest == datetime(2026, 12, 9, 18, tzinfo=ZONE)
    assert latest.astimezone(ZONE).date() > date(2026, 12, 1)
    assert mrkdwn(reply).split("\n")[3] == (
        ":warning: Its last day, Dec 1, 2026, may come first: if each of the 2 levels left "
        f"takes its full time, the last decides by {EN.moment(latest, ZONE)}. Undecided by the "
        "end of Dec 1, 2026, the request expires; ask the approvers to decide sooner, or "
        "ask for a later day.")
    # Time enough: nothing said.
    world.services.requests.cancel(world.services.config.roster().member(SALES), request.id)
    later = world.slack.slash(SALES, SALES_CHANNEL,
                              "/credit request lakeside +50k until 2026-12-31 xmas")
    assert ":warning:" not in mrkdwn(later)


def test_an_order_is_not_placed_on_a_guess_when_a_name_part_is_held_by_many(world):
    # Eleven customers hold 东方贸易 inside their names, so the look-up goes on to close
    # matches and the check shows 京东方贸易's card: an order took that guess.
    cities = ("上海", "北京", "广州", "深圳", "天津", "重庆", "杭州", "南京", "武汉", "西安",
              "成都")
    for n, city in enumerate(cities):
        add_customer(world, f"D{n:03d}", f"{city}东方贸易有限公司", "100000")
    add_customer(world, "D999", "京东方贸易", "100000")
    assert world.slack.slash(SALES, SALES_CHANNEL, "/credit check 东方贸易").text.startswith(
        "京东方贸易: available")
    # The closest five, best first: the ones that hold it whole, in their order.
    # "No customer matches" was untrue: twelve do.
    assert said(world, "/credit order 东方贸易 1000 PO-1") == (
        "“东方贸易” matches several customers: 京东方贸易 (D999), 上海东方贸易有限公司 "
        "(D000), 北京东方贸易有限公司 (D001), 广州东方贸易有限公司 (D002), 深圳东方贸易有限公司 "
        "(D003). Use the id, e.g. `/credit order D999 1000 PO-1`.")
    assert checks(world) == {}
    # A name's start is still enough, and found without a second look-up.
    placed = said(world, "/credit order 京东方 1000 PO-2")
    assert placed.startswith(":white_check_mark: *OK to ship*: order CB-1 (PO-2) of $1,000.00 "
                             "for 京东方贸易 (D999)."), placed


def test_an_unclear_customers_example_repeats_only_a_line_short_enough(world):
    # A long reason, pasted from a mail, is not repeated in the hint: the command's own
    # example stands in. A backtick typed stays inside the code span to copy.
    reason = "larger orders " * 10
    assert said(world, f"/credit request acme +10k {reason}") == (
        "“acme” matches several customers: Acme Industrial Supply (C0001), Acme "
        "Packaging (C0002). Use the id, e.g. `/credit request C0001 +100k larger orders`.")
    assert said(world, "/credit order acme 5k EUR `PO-7`") == (
        "“acme” matches several customers: Acme Industrial Supply (C0001), Acme "
        "Packaging (C0002). Use the id, e.g. `/credit order C0001 5k EUR 'PO-7'`.")
    assert requests_of(world) == [] and checks(world) == {}


def test_an_unclear_customers_example_keeps_a_reason_when_the_line_had_none(world):
    # "acme packaging more stock +5k": the reason read into the name, the example
    # `/credit request C0002 +5k` was refused in turn ("Say why").
    assert said(world, "/credit request acme packaging more stock +5k") == (
        "No customer is named “acme packaging more stock”. Closest: Acme Packaging (C0002). "
        "Use the id, e.g. `/credit request C0002 +100k larger orders`.")
    assert requests_of(world) == []


def test_an_id_typed_exactly_names_its_customer_beside_ids_differing_in_width(world):
    # The ERP holds c0001 and ｃ０００１ apart (the import keeps them, with a warning);
    # typed exactly, ｃ０００１ checked, ordered and requested on c0001.
    add_customer(world, "c0001", "Lower Acme", "50000")
    add_customer(world, "ｃ０００１", "Wide Acme", "50000")
    card = world.slack.slash(SALES, SALES_CHANNEL, "/credit check ｃ０００１")
    assert card.blocks[0]["text"]["text"] == "Wide Acme"
    # Named exactly, not guessed: no "No customer is named “ｃ０００１”" over it.
    assert card.blocks[1]["type"] == "section"
    world.slack.slash(SALES, SALES_CHANNEL, "/credit order ｃ０００１ 500 width test")
    assert [(c.customer_id, c.reference) for c in checks(world).values()] == [
        ("ｃ０００１", "width test")]
    world.slack.slash(SALES, SALES_CHANNEL, "/credit request ｃ０００１ +1k width req")
    assert [(r.customer_id, r.reason) for r in requests_of(world)] == [
        ("ｃ０００１", "width req")]
    # The others by their own ids.
    assert world.slack.slash(SALES, SALES_CHANNEL, "/credit check c0001").blocks[0][
        "text"]["text"] == "Lower Acme"
    assert world.slack.slash(SALES, SALES_CHANNEL, "/credit check C0001").blocks[0][
        "text"]["text"] == "Acme Industrial Supply"


def test_a_chinese_readers_history_names_the_customer_with_full_width_brackets(world):
    # As everywhere else in Chinese: "Lakeside Furniture Outlet (C0013) 的记录" had
    # ASCII brackets beside the worklist's and the report's full-width ones.
    speaks_chinese(world, SALES)
    reply = world.slack.slash(SALES, SALES_CHANNEL, "/credit history lakeside")
    assert reply.blocks[0]["text"]["text"] == "Lakeside Furniture Outlet（C0013）的记录"
    # 记录, the word a Chinese reader reaches for (the help calls it so), is history too.
    again = world.slack.slash(SALES, SALES_CHANNEL, "/credit 记录 lakeside")
    assert again.blocks[0] == reply.blocks[0]
    # Typed in Chinese, the commands it names are written so.
    assert again.blocks[1]["text"]["text"] == (
        "此客户尚无信用申请。可用 `/credit 申请 C0013 +100k &lt;理由&gt;` 提交。")


def test_an_id_with_an_ideographic_space_is_ordered_and_requested_as_written(world):
    # Rejoined with an ASCII space, "ＡＣＭＥ　Ｆｕｌｌ" named nobody, and the hint
    # offered C0001 instead.
    add_customer(world, "ＡＣＭＥ　Ｆｕｌｌ", "Fullwidth Trading", "50000")
    world.slack.slash(SALES, SALES_CHANNEL, "/credit order ＡＣＭＥ　Ｆｕｌｌ 5k PO-7")
    assert [(c.customer_id, c.reference) for c in checks(world).values()] == [
        ("ＡＣＭＥ　Ｆｕｌｌ", "PO-7")]
    world.slack.slash(SALES, SALES_CHANNEL, "/credit request ＡＣＭＥ　Ｆｕｌｌ +5k reason")
    assert [r.customer_id for r in requests_of(world)] == ["ＡＣＭＥ　Ｆｕｌｌ"]
    verdict = world.slack.slash(SALES, SALES_CHANNEL, "/credit check ＡＣＭＥ　Ｆｕｌｌ 5k")
    assert "Fullwidth Trading" in verdict.all_text()


def test_an_example_naming_an_id_with_a_space_quotes_it_so_that_it_works_copied(world):
    # "Use the id, e.g. `/credit order A&B 01 5k PO-1`" read "01 5k" as two amounts.
    add_customer(world, "A&B 01", "Ambig One", "50000")
    add_customer(world, "A&B 02", "Ambig Two", "50000")
    assert said(world, "/credit order ambig 5k PO-1") == (
        "“ambig” matches several customers: Ambig One (A&amp;B 01), Ambig Two (A&amp;B 02). "
        "Use the id, e.g. `/credit order \"A&amp;B 01\" 5k PO-1`.")
    world.slack.slash(SALES, SALES_CHANNEL, '/credit order "A&B 01" 5k PO-1')
    assert [(c.customer_id, c.reference) for c in checks(world).values()] == [
        ("A&B 01", "PO-1")]


def test_a_chinese_reader_hears_an_orders_verdict_under_the_customers_chinese_name(world):
    # The card said 深圳明亮之星电子有限公司 and the verdict Shenzhen Brightstar Electronics.
    speaks_chinese(world, SALES)
    reply = world.slack.slash(SALES, SALES_CHANNEL, "/credit 查询 深圳明亮之星 50万")
    assert reply.blocks[0]["text"]["text"] == (
        ":no_entry: *不能发货*：深圳明亮之星电子有限公司（C0029）的一笔 ¥500,000.00 的订单将被"
        "暂停发货。")
    english = world.slack.slash(CREDIT_MANAGER, SALES_CHANNEL, "/credit check C0029 50万")
    assert english.blocks[0]["text"]["text"] == (
        ":no_entry: *Not OK to ship*: an order of CN¥500,000.00 for Shenzhen Brightstar "
        "Electronics (C0029) would be held.")


def test_digits_two_ids_end_in_ask_which_customer_and_digit_ids_keep_their_amount(world):
    # "0002" for C0002 and K0002 was read as an amount: "Name the customer". And with
    # ids that are numbers, "100 5" was customer 1005, not customer 100 and 5.
    from decimal import Decimal as D

    from storage.models import CustomerRow

    with world.services.engine.begin() as conn:
        for cid, name in (("K0002", "Kestrel Holdings"), ("100", "Numeric Hundred"),
                          ("1005", "Numeric ThousandFive")):
            conn.execute(CustomerRow.__table__.insert().values(
                customer_id=cid, name=name, name_key=name.lower(), currency="USD",
                credit_limit=D(1000), payment_terms_days=30))
    asked = world.slack.slash(SALES, SALES_CHANNEL, "/credit check 0002")
    assert asked.text == "No customer matches “0002”. Did you mean one of these?"
    assert [b["text"]["text"] for b in asked.buttons()] == [
        "Acme Packaging (C0002)", "Kestrel Holdings (K0002)"]
    order = world.slack.slash(SALES, SALES_CHANNEL, "/credit check 100 5")
    assert order.text == (":white_check_mark: *OK to ship*: an order of $5.00 for Numeric "
                          "Hundred (100) passes the order rules.")


def test_a_reasons_first_word_read_as_a_currency_without_a_rate_says_so(world):
    # "+5k ALL orders for Q1": ALL is the lek; "No exchange rate for ALL" was all the rep
    # heard, and could not see that the reason's first word was taken for a currency.
    assert said(world, "/credit request C0001 +5k ALL orders for Q1") == (
        "No exchange rate for ALL (to USD): “ALL” right after the amount reads as its "
        "currency. If it begins the reason, start the reason with another word, e.g. "
        "`/credit request acme +250k larger orders`; if it is the currency, ask the credit "
        "team to import its rate.")
    # Typed as the amount's currency alone, no reason after it: the rate is what is missing.
    assert said(world, "/credit request C0001 ALL 5k").startswith(
        "No exchange rate for ALL (to USD) on or before ")
    assert requests_of(world) == []
