"""A refusal quotes names from the ERP and what people typed: they never format, ping
or link anything in it, as on every card."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from domain.collections.refusals import NotYourAccount
from domain.errors import DomainError
from domain.money import Money
from domain.orders.model import OrderCheck, OrderSource, OrderState
from domain.orders.use_cases import RepeatedOrder
from handlers.errors import explain
from handlers.i18n import translator

HOSTILE = "Acme *bold* `x` ~s~ _i_ <!channel> <https://evil.example|click> &amp;"
SHOWN = ("Acme ∗bold∗ ˋxˋ ∼s∼ ＿i＿ &lt;!channel&gt; &lt;https://evil.example|click&gt; "
         "&amp;amp;")


def test_a_repeated_order_quotes_the_erp_name_without_its_formatting():
    placed = OrderCheck(OrderSource.SLACK, "CB-1", "C1", HOSTILE, Money(Decimal(20_000), "USD"),
                        date(2026, 12, 1), OrderState.PASSED, (),
                        datetime(2026, 12, 1, 2, 0, tzinfo=UTC), "U0REP00001",
                        reference="PO-*7*")
    assert explain(RepeatedOrder(placed), translator("en-US")) == (
        f"“PO-∗7∗” is already order CB-1 of {SHOWN} ($20,000.00, Dec 1, 2026), OK to ship. "
        "An order is placed once; give a new order a reference of its own.")


def test_an_account_someone_else_collects_is_named_without_formatting():
    refusal = NotYourAccount("C1", "U04COLLECT1", HOSTILE)
    assert explain(refusal, translator("en-US")) == (
        f"{SHOWN} (C1) is collected by <@U04COLLECT1>; only they or the collections lead "
        "can record against it.")


def test_a_command_to_copy_keeps_the_id_as_it_is_typed():
    # The id goes inside a code span: look-alike underscores would break the copy.
    refusal = NotYourAccount("C_01*", None, "Acme_Co")
    assert explain(refusal, translator("en-US")) == (
        "Nobody collects Acme_Co (C_01∗) now: assign a collector first with `/credit assign "
        "C_01* @someone`.")


def test_whom_to_ask_is_mentioned_in_the_readers_language():
    from domain.text import People
    from handlers.errors import field_error

    refusal = NotYourAccount("C1", None, HOSTILE, People(("U0MGR00001", "U0MGR00002")))
    assert explain(refusal, translator("en-US")) == (
        f"Nobody collects {SHOWN} (C1) now: ask <@U0MGR00001> or <@U0MGR00002> to "
        "assign a collector.")
    assert explain(refusal, translator("zh-CN")) == (
        f"{SHOWN}（C1）目前没有催收员：请联系 <@U0MGR00001> 或 <@U0MGR00002> 分配一位。")
    # A form shows its field's error as plain text, where a mention would show as typed.
    assert field_error(refusal, translator("en-US")) == (
        f"Nobody collects {HOSTILE} (C1) now: ask @U0MGR00001 or @U0MGR00002 to assign "
        "a collector.")
    nobody = NotYourAccount("C1", None, "Acme", People(()))
    assert explain(nobody, translator("zh-CN")) == (
        "Acme（C1）目前没有催收员：请联系您的信用经理分配一位。")


def test_an_underscore_inside_an_id_stays_so_that_the_id_can_be_copied():
    # Slack starts and ends italics only at a word's edge: INV_2026_001 cannot format,
    # and with a look-alike "＿" in it a search in the ERP found nothing.
    from handlers.render import erp_text, unformatted

    assert erp_text("INV_2026_001", 64) == "INV_2026_001"
    assert unformatted("华夏_物流") == "华夏_物流"
    # At a word's edge it could open or close italics: a look-alike.
    assert unformatted("_sale_ of SO__7 x_ _y") == "＿sale＿ of SO＿＿7 x＿ ＿y"
    assert unformatted("*x*_y_") == "∗x∗＿y＿"


def test_beside_a_form_field_values_read_as_typed():
    # Slack shows a field's error as plain text: an escape or a look-alike would show.
    from domain.errors import CustomerNotFound
    from handlers.errors import field_error

    error = CustomerNotFound("Smith & Sons_x *a* <b>")
    assert field_error(error, translator("en-US")) == (
        "No customer matches “Smith & Sons_x *a* <b>”.")
    assert explain(error, translator("en-US")) == (
        "No customer matches “Smith &amp; Sons_x ∗a∗ &lt;b&gt;”.")


def test_the_check_quotes_an_unknown_query_without_formatting_it():
    from domain.errors import CustomerNotFound
    from handlers.check.blocks import which_customer

    text, _blocks = which_customer(CustomerNotFound("zzz_*q* <!here>"), translator("en-US"))
    assert text == ("No customer matches “zzz＿∗q∗ &lt;!here&gt;”. Try part of the name or the "
                    "customer id, e.g. `/credit check C0001`.")


def test_a_list_in_a_refusal_is_joined_as_the_readers_language_lists_each_item_escaped():
    from domain.errors import AmbiguousCustomer
    from domain.refs import CustomerRef
    from handlers.errors import field_error

    error = AmbiguousCustomer("acme", [CustomerRef("C1", HOSTILE), CustomerRef("C2", "Acme, Ltd")])
    assert explain(error, translator("en-US")) == (
        f"“acme” matches several customers: {SHOWN} (C1), Acme, Ltd (C2). Which one?")
    assert explain(error, translator("zh-CN")) == (
        f"“acme”匹配到多个客户：{SHOWN} (C1)、Acme, Ltd (C2)。您指的是哪一个？")
    # Beside a form field, as typed: nothing escaped, still the reader's separator.
    assert field_error(error, translator("zh-CN")) == (
        f"“acme”匹配到多个客户：{HOSTILE} (C1)、Acme, Ltd (C2)。您指的是哪一个？")


def test_chinese_numerals_are_refused_with_digits_to_write_in_the_readers_language():
    from domain.amount_text import read_amount

    for typed in ("五万", "+五万", "5万五千"):
        try:
            read_amount(typed, increase=True)
        except DomainError as refused:
            assert explain(refused, translator("zh-CN")) == (
                f"“{typed}”用的是中文数字：请用阿拉伯数字填写，例如 5万或50000。")
            assert explain(refused, translator("en-US")) == (
                f"“{typed}” is written in Chinese numerals: write the number in digits, "
                "e.g. 5万 or 50000.")
        else:
            raise AssertionError(f"{typed} was read as an amount")


def test_a_customers_local_name_is_quoted_to_a_chinese_reader_without_its_formatting():
    # Both names come from the ERP: the local one, shown to a Chinese reader, is escaped
    # as the other is.
    placed = OrderCheck(OrderSource.SLACK, "CB-1", "C1", "Acme", Money(Decimal(20_000), "USD"),
                        date(2026, 12, 1), OrderState.PASSED, (),
                        datetime(2026, 12, 1, 2, 0, tzinfo=UTC), "U0REP00001",
                        reference="PO-7", customer_name_local=HOSTILE)
    assert explain(RepeatedOrder(placed), translator("zh-CN")) == (
        f"“PO-7”已是 {SHOWN} 的订单 CB-1（US$20,000.00，2026年12月1日），可以发货。同一订单只下"
        "一次；新订单请使用新的参考号。")
    assert explain(RepeatedOrder(placed), translator("en-US")) == (
        "“PO-7” is already order CB-1 of Acme ($20,000.00, Dec 1, 2026), OK to ship. An "
        "order is placed once; give a new order a reference of its own.")


def test_a_question_over_a_part_of_the_candidates_says_how_many_there_are():
    # Ten buttons for a thousand 华联: the person is told the rest exist and how to narrow.
    from domain.errors import AmbiguousCustomer
    from domain.refs import CustomerRef
    from handlers.check.blocks import which_customer

    shown = [CustomerRef(f"S{n}", f"第{n}号华联便利店") for n in range(10)]
    error = AmbiguousCustomer("华联", shown, total=1003)
    assert which_customer(error, translator("zh-CN"))[0] == (
        "“华联”匹配到 1,003 个客户，下面列出其中 10 个。请多输入一些名称，或使用编号。")
    text, blocks = which_customer(error, translator("en-US"))
    assert text == ("“华联” matches 1,003 customers; here are 10 of them. Type more of the "
                    "name, or use the id.")
    assert len(blocks[1]["elements"]) == 10


def test_a_meeting_that_does_not_exist_is_named_as_the_lists_number_it():
    # "There is no meeting 2,147,483,647": grouped like an amount, where the minutes'
    # refusal of the same thing wrote "#2147483647".
    from domain.meetings.use_cases import MeetingNotFound

    assert explain(MeetingNotFound(2147483647), translator("en-US")) == (
        "There is no meeting #2147483647; /credit meetings lists the upcoming ones.")
    assert explain(MeetingNotFound(12), translator("zh-CN")) == (
        "没有 #12 号会议；/credit meetings 列出即将举行的会议。")


def test_an_account_is_named_to_each_reader_by_the_name_they_know_it_by():
    # Built as "name (id)" in the domain, the refusal named the account in English to a
    # Chinese reader whose worklist and card had named it in Chinese.
    from domain.collections.refusals import NotYourDispute
    from domain.text import People

    theirs = NotYourAccount("C0033", "U04COLLECT1", "Qingdao Ocean Fisheries", None,
                            "青岛海洋渔业有限公司")
    assert explain(theirs, translator("en-US")) == (
        "Qingdao Ocean Fisheries (C0033) is collected by <@U04COLLECT1>; only they or the "
        "collections lead can record against it.")
    assert explain(theirs, translator("zh-CN")).startswith("青岛海洋渔业有限公司（C0033）")
    dispute = NotYourDispute("C0033", "Logistics", "Qingdao Ocean Fisheries",
                             People(("U04COLLECT1",)), "青岛海洋渔业有限公司")
    assert explain(dispute, translator("zh-CN")) == (
        "只有Logistics部门、争议负责人、该账户的催收员或催收主管（<@U04COLLECT1>）可以解决"
        "青岛海洋渔业有限公司（C0033）的这项争议。")
    # The English of the error itself (the CLI, the log) names both.
    assert str(theirs).startswith("Qingdao Ocean Fisheries (C0033) is collected by")
