"""How ``/credit request <customer> <amount> <reason…>`` is split."""

from __future__ import annotations

import re
from datetime import date

import pytest

from domain.errors import DomainError, SeveralProblems
from handlers.approvals.delegate_command import DelegateLineError, parse_delegation
from handlers.approvals.request_line import LineError, RequestLine, parse_request_line
from handlers.errors import explain, retyped
from handlers.i18n import translator


@pytest.fixture(autouse=True)
def examples_of_november(monkeypatch: pytest.MonkeyPatch) -> None:
    """The examples' days are next month's: these tests read them as of 30 November
    2026 (through 31 December), whatever the machine's date."""
    monkeypatch.setattr("domain.text.example_today", lambda: date(2026, 11, 30))


@pytest.mark.parametrize(("line", "expected"), [
    ("acme +100k larger Q1 orders", RequestLine("acme", "+100k", "larger Q1 orders")),
    ("acme packaging 250000 new warehouse", RequestLine("acme packaging", "250000",
                                                         "new warehouse")),
    ("acme USD 250k for Q1", RequestLine("acme", "USD 250k", "for Q1")),
    ("acme 250k USD for Q1", RequestLine("acme", "250k USD", "for Q1")),
    # "all" is a currency code (ALL) only when written in capitals after the amount.
    ("acme 250k all the orders", RequestLine("acme", "250k", "all the orders")),
    ("nobody at all +100k more", RequestLine("nobody at all", "+100k", "more")),
    ("cash for all 100k more", RequestLine("cash for all", "100k", "more")),
    ("acme usd 250k more", RequestLine("acme", "usd 250k", "more")),
    ("acme CHF 250k more", RequestLine("acme", "CHF 250k", "more")),
    ("华夏物流 +25万 春节备货", RequestLine("华夏物流", "+25万", "春节备货")),
    ("华夏物流　＋２５万　春节备货", RequestLine("华夏物流", "＋２５万", "春节备货")),
    # The first word is always the customer, even when it reads as an amount.
    ("3M +100k bigger orders", RequestLine("3M", "+100k", "bigger orders")),
    # Quoted: nothing of the name was read as the amount (a name is not checked for it).
    ('"Acme 2000 Ltd" +100k bigger orders', RequestLine("Acme 2000 Ltd", "+100k",
                                                         "bigger orders", quoted=True)),
    ("“Acme 2000 Ltd” 300k bigger orders", RequestLine("Acme 2000 Ltd", "300k",
                                                        "bigger orders", quoted=True)),
    ("acme +abc more", RequestLine("acme", "+abc", "more")),  # the use case says how
    ("acme +100k", RequestLine("acme", "+100k", "")),  # the use case asks for a reason
    ("  acme   +100k   many   spaces ", RequestLine("acme", "+100k", "many spaces")),
    # A temporary limit as a Chinese reader writes it: 至 (截至, 到…) and the day, joined
    # or not, in either form of a day; such a word before no day starts the reason.
    ("华夏物流 +5万 至 2027-01-31 临时", RequestLine("华夏物流", "+5万", "临时",
                                              date(2027, 1, 31))),
    ("华夏物流 +5万 截至2027年1月31日 春节", RequestLine("华夏物流", "+5万", "春节",
                                                date(2027, 1, 31))),
    ("acme +50k until 2027/1/31 xmas", RequestLine("acme", "+50k", "xmas",
                                                   date(2027, 1, 31))),
    ("华夏物流 +5万 到年底备货", RequestLine("华夏物流", "+5万", "到年底备货")),
    ("华夏物流 +5万 到 年底备货", RequestLine("华夏物流", "+5万", "到 年底备货")),
    ("acme +5k untilled land", RequestLine("acme", "+5k", "untilled land")),
    # "till", and German's "bis": a permanent increase with the reason "bis 2026-12-31
    # promo" before; before no day they start the reason.
    ("acme +10k bis 2026-12-31 promo", RequestLine("acme", "+10k", "promo",
                                                   date(2026, 12, 31))),
    ("acme +10k till 2026-12-31 promo", RequestLine("acme", "+10k", "promo",
                                                    date(2026, 12, 31))),
    ("acme +10k till further notice", RequestLine("acme", "+10k", "till further notice")),
    ("华夏物流 +5万 到 3号仓库 备货", RequestLine("华夏物流", "+5万", "到 3号仓库 备货")),
    # "temporary until …": a temporary limit, not a permanent increase whose reason it
    # was; "temporary" before anything else starts the reason.
    ("acme +20k temporary until 2026-12-10 promo", RequestLine("acme", "+20k", "promo",
                                                               date(2026, 12, 10))),
    ("华夏物流 +5万 临时 至2027-01-31 春节", RequestLine("华夏物流", "+5万", "春节",
                                                 date(2027, 1, 31))),
    ("acme +20k temporary workers for the season", RequestLine(
        "acme", "+20k", "temporary workers for the season")),
    # Joined as Chinese writes it, or with a comma, a colon, brackets, or no until.
    ("华夏物流 +5万 临时至2027-01-31 春节", RequestLine("华夏物流", "+5万", "春节",
                                                date(2027, 1, 31))),
    # In Traditional characters, as Taipei and Hong Kong write them (a permanent increase
    # was filed); the reason as written.
    ("華夏物流 +5萬 臨時 至2027-01-31 年貨", RequestLine("華夏物流", "+5萬", "年貨",
                                                 date(2027, 1, 31))),
    ("華夏物流 +5萬 暫時至2027-01-31 年貨", RequestLine("華夏物流", "+5萬", "年貨",
                                                date(2027, 1, 31))),
    ("华夏物流 +5万 至2027.1.31 春节", RequestLine("华夏物流", "+5万", "春节",
                                             date(2027, 1, 31))),
    ("acme +20k temporarily, until 2026-12-31 promo", RequestLine(
        "acme", "+20k", "promo", date(2026, 12, 31))),
    ("acme +20k (temporary) until 2026-12-31 promo", RequestLine(
        "acme", "+20k", "promo", date(2026, 12, 31))),
    ("acme +20k temporary 2026-12-31 promo", RequestLine("acme", "+20k", "promo",
                                                         date(2026, 12, 31))),
    ("acme +20k tempting offer", RequestLine("acme", "+20k", "tempting offer")),
    # A mark after the amount, as Chinese writes it, or a comma before a space: "+5万,春节
    # 备货" was no amount, and with a space before it the reason read "，春节备货". The
    # reason keeps its own marks; a comma between digits is the amount's.
    ("华夏物流 +5万，春节备货，订单增加", RequestLine("华夏物流", "+5万", "春节备货，订单增加")),
    ("华夏物流，+5万，春节备货", RequestLine("华夏物流", "+5万", "春节备货")),
    ("杭州 +10万：春节备货", RequestLine("杭州", "+10万", "春节备货")),
    ("华夏物流 +5万 ，春节备货", RequestLine("华夏物流", "+5万", "春节备货")),
    ("lakeside +50k, xmas stock", RequestLine("lakeside", "+50k", "xmas stock")),
    ("华夏物流 +120，000 春节", RequestLine("华夏物流", "+120，000", "春节")),
    ("acme +10k more, and faster", RequestLine("acme", "+10k", "more, and faster")),
    # A comma without a space after it, a Chinese one before a digit, and one after the
    # amount's currency: "250k EUR, more" was filed in dollars with the reason "EUR, more".
    ("华夏物流 +5万,春节备货", RequestLine("华夏物流", "+5万", "春节备货")),
    ("华夏物流 +5万，2027年春节备货", RequestLine("华夏物流", "+5万", "2027年春节备货")),
    ("acme 250k EUR, larger orders", RequestLine("acme", "250k EUR", "larger orders")),
    ("华夏物流 +5万 人民币，春节备货", RequestLine("华夏物流", "+5万 人民币", "春节备货")),
    # The reason straight after an amount that ends in a digit, as Chinese is typed.
    ("C8 +5000春节备货", RequestLine("C8", "+5000", "春节备货")),
    ("C8 ＋５０００春节备货", RequestLine("C8", "＋５０００", "春节备货")),
    # A whole amount is not cut ("整" is the amount's).
    ("C8 5千元整 备货", RequestLine("C8", "5千元整", "备货")),
    # After an amount with its unit, a reason may begin with one; English ones as written.
    ("acme +5k 万达 orders", RequestLine("acme", "+5k", "万达 orders")),
    ("C8 +5万 多个仓库备货", RequestLine("C8", "+5万", "多个仓库备货")),
    ("acme +50k k-line project", RequestLine("acme", "+50k", "k-line project")),
    ("acme 250k m&a deal", RequestLine("acme", "250k", "m&a deal")),
    # A mark after the amount settles where the reason starts, whatever it begins with.
    ("C8 +50000，多个新门店", RequestLine("C8", "+50000", "多个新门店")),
    ("C8 +50000，元旦备货", RequestLine("C8", "+50000", "元旦备货")),
    ("C8 +5000，万达订单", RequestLine("C8", "+5000", "万达订单")),
    ("C8 +5万，美元结算订单增加", RequestLine("C8", "+5万", "美元结算订单增加")),
    ("C8 +50000: 千岛湖项目", RequestLine("C8", "+50000", "千岛湖项目")),
    # A quoted name keeps its comma, and the mark after the amount still parts.
    ('"Forever 21, Inc" +10k, more stock', RequestLine("Forever 21, Inc", "+10k",
                                                       "more stock", quoted=True)),
    ('"Studio 54, LLC" +10k more stock', RequestLine("Studio 54, LLC", "+10k", "more stock",
                                                     quoted=True)),
    # The amount said with a verb, as Chinese is written: an increase, or a new total.
    ("厦门海岸 增加31万 春节备货", RequestLine("厦门海岸", "+31万", "春节备货")),
    ("厦门海岸 增加 31万，春节备货", RequestLine("厦门海岸", "+31万", "春节备货")),
    ("厦门海岸 提高到50万 春节备货", RequestLine("厦门海岸", "50万", "春节备货")),
    ("厦门海岸 调整为 50万 春节备货", RequestLine("厦门海岸", "50万", "春节备货")),
    ("C8 加５万 新门店", RequestLine("C8", "+５万", "新门店")),
    # Not in the reason, nor where no digits follow.
    ("C8 +5万 增加2个门店", RequestLine("C8", "+5万", "增加2个门店")),
    ("C8 50万 提高到年底", RequestLine("C8", "50万", "提高到年底")),
    ("华夏 加1号仓 +5万 备货", RequestLine("华夏 加1号仓", "+5万", "备货")),
    # A quoted name as typed, its digits no amount; a temporary limit's day before it.
    ('"华夏 增加1万 公司" 增加5万 备货', RequestLine("华夏 增加1万 公司", "+5万", "备货",
                                            quoted=True)),
    ('"Acme 2000 Ltd" 增加5万 备货', RequestLine("Acme 2000 Ltd", "+5万", "备货",
                                             quoted=True)),
    ("华夏物流 至 2027-01-31 增加5万 备货", RequestLine("华夏物流", "+5万", "备货",
                                                 date(2027, 1, 31))),
    # A bidi override inside the day is dropped, as everywhere text is compared.
    ("华夏物流 +5万 至 2027\u202e-01-31 x", RequestLine("华夏物流", "+5万", "x",
                                                   date(2027, 1, 31))),
])
def test_the_line_is_split_at_the_amount(line, expected):
    assert parse_request_line(line) == expected


USAGE = ("Give the customer, the new limit or the increase, and why: `{command} acme +100k "
         "larger Q1 orders` (a new total such as `250000` or `USD 250k`, or an increase "
         "such as `+100k`).")
QUOTED = '`{command} "Acme 2000 Ltd" +100k larger orders`.'


@pytest.mark.parametrize("line", [
    # A unit either side could take: "+3千万达订单" is +3,000 for 万达 as much as
    # +30,000,000, and was filed as the latter; "+5万元旦" dropped the 元 of 元旦.
    "C8 +5万春节备货", "C8 5万春节备货", "C0003 +3千万达订单", "华夏物流 +5万元旦备货",
    "C8 +5万k春节", "C8 +5百货", "C8 +5000元旦备货",
    # "Over" and "exactly" are the number's: 5000多万 is over fifty million.
    "C8 +5000多万备货", "C8 +5000整备货",
    # A temporary limit's day glued on: said, not "give a reason".
    "华夏物流 +5万至2027-01-31春节备货", "华夏物流 +5万到期前备货"])
def test_an_amount_run_together_with_its_reason_is_asked_apart_not_guessed(line):
    glued = line.split(maxsplit=1)[1]
    assert_refused_in_both(
        line,
        f"“{glued}” runs the amount and the reason together: put a space or “，” after the "
        "amount, e.g. `/credit request acme +50k larger orders`.",
        f"“{glued}”把金额和理由连在了一起：请在金额后加空格或“，”，例如 "
        "`/credit request acme +5万，春节备货`。")


@pytest.mark.parametrize("line", [
    # A unit typed apart, glued to the reason: filed as +5 with the reason "万春节备货".
    "C0003 +5 万春节备货", "C0002 +5 k春节", "C8 5000 多万备货", "C8 +5 万，春节备货",
    # A currency glued to the reason: filed in the customer's currency.
    "华夏物流 +50万 美元春节备货", "C0001 +5000 EUR春节"])
def test_a_unit_or_currency_between_the_amount_and_the_reason_is_asked_about(line):
    # With a space only, the unit or currency is the amount's as likely as the reason's.
    apart = line.split(maxsplit=1)[1]
    assert_refused_in_both(
        line,
        f"“{apart}” can be read two ways: write the amount with its unit and currency "
        "together, and put “，” after it, e.g. `/credit request acme +50k larger orders`.",
        f"“{apart}”可以有两种读法：请把金额和它的单位、货币写在一起，并在后面加“，”，例如 "
        "`/credit request acme +5万，春节备货`。")


def assert_refused_in_both(line: str, english: str, chinese: str) -> None:
    """``line`` is refused, with ``english`` to an English reader and ``chinese`` to a
    Chinese one, whole."""
    with pytest.raises(LineError) as refused:
        parse_request_line(line)
    assert explain(refused.value, translator("en-US")) == english
    assert explain(refused.value, translator("zh-CN")) == chinese


@pytest.mark.parametrize(("line", "says"), [
    ("acme larger orders", USAGE),
    ("acme", USAGE),
    ('"Acme 2000 Ltd +100k more', "The customer's name opens a quote that is not closed: "
                                  "write " + QUOTED),
    ('"" +100k more', "The quotes hold no customer name: write " + QUOTED),
    ('"Acme 2000 Ltd" bigger orders', "After the customer comes the new limit or the "
                                      "increase: `{command} acme +100k larger Q1 orders`."),
])
def test_a_line_without_an_amount_says_how_to_write_one(line, says):
    with pytest.raises(LineError) as refused:
        parse_request_line(line)
    assert explain(refused.value, translator("en")) == says.format(command="/credit request")
    # Retyped as the person wrote the command, in their language.
    assert explain(retyped(refused.value, "/credit 申请"), translator("en")) == says.format(
        command="/credit 申请")


@pytest.mark.parametrize(("line", "says"), [
    ("acme +10k XAU gold", "“XAU” right after the amount reads as its currency, and creditbot "
                           "knows no such code: write a currency it knows (e.g. USD, EUR, "
                           "CNY), or start the reason with another word, e.g. `{command} "
                           "acme +250k EUR larger orders`."),
    ("acme XYZ 100k more", "“XYZ” is not a currency code creditbot knows: write one it knows "
                           "(e.g. USD, EUR, CNY) or none for the customer's currency, e.g. "
                           "`{command} acme EUR 250k larger orders`."),
    ("acme +5k until", "Write the last day of the temporary limit after `until`: `{command} "
                       "acme +50k until 2026-12-31 Christmas season`."),
    # 至 alone (or 截至, 到) meant a temporary limit too: it was filed as an increase with
    # the reason "至".
    ("华夏物流 +5万 至", "Write the last day of the temporary limit after `至`: `{command} "
                     "acme +50k until 2026-12-31 Christmas season`."),
    ("华夏物流 +5万 截至", "Write the last day of the temporary limit after `截至`: "
                      "`{command} acme +50k until 2026-12-31 Christmas season`."),
])
def test_a_refusal_names_the_command_as_typed_and_its_example_reads_in_chinese(line, says):
    with pytest.raises(DomainError) as refused:
        parse_request_line(line)
    assert explain(refused.value, translator("en")) == says.format(command="/credit request")
    zh = explain(retyped(refused.value, "/credit 申请"), translator("zh-CN"))
    assert "`/credit 申请 acme " in zh and "/credit request" not in zh
    assert zh.endswith(("订单增加`。", "春节备货`。")), zh


def test_two_currencies_are_said_as_an_amount_field_says_them():
    with pytest.raises(DomainError) as refused:
        parse_request_line("acme +5000 CNY EUR more")
    assert explain(refused.value, translator("en")) == (
        "“+5000 CNY EUR” names two currencies, CNY and EUR: write one, e.g. +5,000 CNY or "
        "+5,000 EUR.")


def test_several_problems_are_each_retyped():
    with pytest.raises(SeveralProblems) as refused:
        parse_request_line("acme +5x until 2027-02-30 more")
    said = explain(retyped(refused.value, "/credit 申请"), translator("en"))
    assert "e.g. `/credit 申请 acme +50k until 2026-12-31 Christmas season`." in said, said
    assert "/credit request" not in said


@pytest.mark.parametrize(("line", "day"), [
    ("华夏物流 +5万 至 2027-02-30 临时", "2027-02-30"),
    ("华夏物流 +5万 至2027-02-30", "2027-02-30"),
    ("acme +5k until 2027-02-30 xmas", "2027-02-30"),
    # Written otherwise after 至, as after until: refused, never a permanent increase
    # with the day in its reason.
    ("华夏物流 +5万 至 31/12/2026 原因", "31/12/2026"), ("华夏物流 +5万 至 12月31日 x", "12月31日"),
    ("华夏物流 +5万 至 2027年 x", "2027年"), ("华夏物流 +5万 到 27/01/31 x", "27/01/31"),
])
def test_a_last_day_that_is_no_day_is_refused_not_read_as_the_reason(line, day):
    with pytest.raises(LineError) as refused:
        parse_request_line(line)
    assert explain(refused.value, translator("en-US")) == (
        f"“{day}” is not a date: write the temporary limit's last day as YYYY-MM-DD, "
        "e.g. `/credit request acme +50k until 2026-12-31 Christmas season`.")
    assert explain(refused.value, translator("zh-CN")) == (
        f"“{day}”不是日期：请把临时额度的最后一天写成 YYYY-MM-DD 或 YYYY年M月D日，例如 "
        "`/credit request acme +5万 至 2026-12-31 春节备货`。")


@pytest.mark.parametrize(("line", "who", "starts", "until"), [
    ("<@U02CREDITAN|an> until 2026-12-31", "U02CREDITAN", None, "2026-12-31"),
    ("<@U02CREDITAN> until 2026-12-31", "U02CREDITAN", None, "2026-12-31"),
    ("U02CREDITAN UNTIL 2026-12-31", "U02CREDITAN", None, "2026-12-31"),
    # Typed with an @ but not picked from Slack's list (and so in the sandbox), any case.
    ("@U02CREDITAN until 2026-12-31", "U02CREDITAN", None, "2026-12-31"),
    ("@u02creditan until 2026-12-31", "U02CREDITAN", None, "2026-12-31"),
    ("<@W0ENTERPRISE|x y> from 2026-12-01 until 2026-12-31", "W0ENTERPRISE", "2026-12-01",
     "2026-12-31"),
    # As a Chinese reader writes it, and the days as creditbot's Chinese messages show them.
    ("@U02CREDITAN 至 2026-12-31", "U02CREDITAN", None, "2026-12-31"),
    ("@U02CREDITAN 至2026年12月31日", "U02CREDITAN", None, "2026-12-31"),
    ("@U02CREDITAN 从 2026年12月1日 至 2026年12月31日", "U02CREDITAN", "2026-12-01",
     "2026-12-31"),
    ("@U02CREDITAN until 2026/12/31", "U02CREDITAN", None, "2026-12-31"),
    ("@U02CREDITAN 从2026/12/2至2027/12/1", "U02CREDITAN", "2026-12-02", "2027-12-01"),
    ("@U02CREDITAN 截至2026年12月31日", "U02CREDITAN", None, "2026-12-31"),
    # With points, as much of China writes a day (it was "not a date").
    ("@U02CREDITAN 至 2026.12.31", "U02CREDITAN", None, "2026-12-31"),
    # "until" left out: a person and a day say as much.
    ("<@U02CREDITAN> 2026-12-31", "U02CREDITAN", None, "2026-12-31"),
    ("@U02CREDITAN from 2026-12-20 2026-12-31", "U02CREDITAN", "2026-12-20", "2026-12-31"),
    # ... and "from" too: the first day was taken for the last ("until … is not needed").
    ("@U02CREDITAN 2026-12-20 until 2026-12-31", "U02CREDITAN", "2026-12-20", "2026-12-31"),
    ("@U02CREDITAN 2026-12-20 至 2026-12-31", "U02CREDITAN", "2026-12-20", "2026-12-31"),
    # Only the Chinese words are parted from a joined day: an id may hold "UNTIL".
    ("@U2UNTIL9X until 2026-12-31", "U2UNTIL9X", None, "2026-12-31"),
])
def test_a_delegation_names_a_person_by_id(line, who, starts, until):
    parsed = parse_delegation(line)
    assert (parsed[0], parsed[1] and parsed[1].isoformat(), parsed[2].isoformat()) == (
        who, starts, until)


WHO = ("I can't tell who “{}” is: pick the person from the list Slack shows as you type @, "
       "e.g. `/credit delegate @mei until DAY`.")
WHOM = ("Write whom and until when: `/credit delegate @mei until DAY` (pick the person from "
        "the list Slack shows as you type @).")
NOT_A_DATE = "“{}” is not a date: write it as YYYY-MM-DD, e.g. `/credit delegate @mei until DAY`."


@pytest.mark.parametrize(("line", "says"), [
    ("@mei until 2026-12-31", WHO.format("@mei")),
    # A name that starts as an id would is not one: ids hold a digit.
    ("@wonderland until 2026-12-31", WHO.format("@wonderland")),
    ("will until 2026-12-31", WHO.format("will")),
    ("<@U02CREDITAN> until", WHOM),
    ("<@U02CREDITAN> next friday", WHOM),
    ("<@U02CREDITAN> until 31/12/2026", NOT_A_DATE.format("31/12/2026")),
    ("<@U02CREDITAN> until 2026-02-30", NOT_A_DATE.format("2026-02-30")),
    ("<!channel> until 2026-12-31", WHO.format("&lt;!channel&gt;")),  # not a ping
])
def test_a_delegation_line_that_cannot_be_read_says_how_to_write_it(line, says):
    with pytest.raises(DelegateLineError) as refused:
        parse_delegation(line)
    # DAY: the example's day, the end of next month (it moves with the calendar).
    told = explain(refused.value, translator("en-US"))
    assert re.fullmatch(re.escape(says).replace("DAY", r"\d{4}-\d{2}-\d{2}"), told), told


@pytest.mark.parametrize("line", [
    "great lakes until 2026-12-31 +10k xmas",
    "great lakes +10k until 2026-12-31 xmas",
])
def test_until_and_its_day_read_before_the_amount_as_after_it(line: str) -> None:
    # It was "No customer is named “great lakes until”", and the example offered dropped
    # the until.
    read = parse_request_line(line)
    assert (read.customer, read.amount, read.until, read.reason) == (
        "great lakes", "+10k", date(2026, 12, 31), "xmas")


def test_a_reason_in_quotes_is_the_words_inside_them():
    # Quoted as the "both ways" refusal asks (+5000 "grand opening"), the quotes stayed
    # in the reason the approvers read.
    assert parse_request_line('acme +5000 "grand opening"').reason == "grand opening"
    assert parse_request_line("acme +5000 “grand opening” for Q1").reason == (
        "“grand opening” for Q1")
