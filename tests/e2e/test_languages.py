"""Each person in their own language: a zh-CN person and an en-US person in the same
channel, through signed HTTP and the emulator's users.info."""

from __future__ import annotations

import json
import re
import time

import pytest

from bot.sandbox.driver import Reply
from domain.positions import customer_position
from handlers.i18n import translator
from tests.e2e.conftest import CREDIT_MANAGER, SALES, SALES_CHANNEL
from tests.e2e.test_credit_requests import mrkdwn

ZH = CREDIT_MANAGER  # a credit manager whose Slack is set to Chinese
zh = translator("zh-CN")
en = translator("en-US")


@pytest.fixture
def bilingual(world):
    world.emulator.users[ZH].locale = "zh-CN"
    return world


def _expected(world, query):
    with world.services.uow() as uow:
        return customer_position(uow, query, world.services.today(), world.services.policy)


def test_a_chinese_reader_gets_help_in_chinese(bilingual):
    reply = bilingual.slack.slash(ZH, SALES_CHANNEL, "/credit help")
    text = reply.all_text()
    assert ("• `/credit check`（也可用 `/credit 查询`、`/credit 检查`） — "
            "客户或客户集团的信用状况：额度、敞口、可用额度、逾期和账龄\n"
            "      例如 `/credit check acme`") in text
    assert "*`/credit` 能做什么*" in text
    # Its notification is the title: "试试 `/credit help`。" read as a refusal.
    assert reply.text == "/credit 能做什么"


def test_the_same_card_in_chinese_and_in_english_in_one_channel(bilingual):
    customer, position = _expected(bilingual, "C0013")
    chinese = bilingual.slack.slash(ZH, SALES_CHANNEL, "/credit 查询 C0013")
    english = bilingual.slack.slash(SALES, SALES_CHANNEL, "/credit check C0013")
    m = zh.money
    assert [f["text"] for f in chinese.blocks[1]["fields"]] == [
        f"*客户*\nC0013 · 负责人 <@{customer.owner_slack_id}>",
        f"*信用额度*\n{m(position.limit)}",
        f"*风险敞口*\n{m(position.exposure)}\n发票 {m(position.open_invoices)} + 订单 "
        f"{m(position.open_orders)}",
        f"*可用额度*\n:red_circle: *{m(position.available)}* — 已超出额度",
        f"*逾期*\n{m(position.aging.overdue)}\n最早一笔已逾期 "
        f"{position.aging.oldest_overdue_days} 天",
        f"*付款期限*\n{customer.payment_terms_days} 天",
    ]
    amounts = [m(a) for a in position.aging.amounts]
    assert chinese.blocks[2]["text"]["text"] == (
        f"*账龄*  `未到期` {amounts[0]}  ·  `1-30 天` {amounts[1]}  ·  `31-60 天` {amounts[2]}  ·  "
        f"`61-90 天` {amounts[3]}  ·  `90+ 天` {amounts[4]}")
    assert chinese.blocks[3]["elements"][0]["text"] == (
        f"截至 2026年11月29日（北京时间）  ·  {position.invoice_count} 张未结发票  ·  "
        f"{position.order_count} 笔未结订单  ·  已用额度 {zh.percent(position.utilisation)}")
    # A credit manager may assign the account to a collector from the card.
    assert [b["text"]["text"] for b in chinese.buttons()] == ["分享到频道", "申请更多额度",
                                                              "分配催收员"]
    assert chinese.text == (f"{customer.name}：可用 {m(position.available)}（额度 "
                            f"{m(position.limit)}），逾期 {m(position.aging.overdue)}")
    # Chinese number formatting: US dollars are US$ for a Chinese reader, $ for an American
    assert m(position.limit) == "US$35,000.00" and en.money(position.limit) == "$35,000.00"
    assert english.blocks[1]["fields"][1]["text"] == "*Credit limit*\n$35,000.00"
    assert english.text.startswith(f"{customer.name}: available ")


def test_a_chinese_name_finds_the_customer_and_errors_are_in_chinese(bilingual):
    card = bilingual.slack.slash(ZH, SALES_CHANNEL, "/credit 查询 华夏物流")
    assert card.blocks[0]["text"]["text"] == "华夏物流有限公司"
    unknown = bilingual.slack.slash(ZH, SALES_CHANNEL, "/credit 查询 qqqqzzzzxx")
    # Every example as the command was typed (`/credit 查询`, not check).
    assert unknown.text == ("没有与“qqqqzzzzxx”匹配的客户。请尝试输入部分名称或客户编号，例如 "
                            "`/credit 查询 C0001`。")
    # The example is the line typed, with the id in the name's place.
    assert bilingual.slack.slash(ZH, SALES_CHANNEL, "/credit 订单 华夏 5万").text == (
        "“华夏”匹配到多个客户：华夏建材贸易有限公司 (C0028)、华夏机械制造有限公司 (C0026)、"
        "华夏物流有限公司 (C0027)。请使用编号，例如 `/credit 订单 C0028 5万`。")
    assert bilingual.slack.slash(ZH, SALES_CHANNEL, "/credit 订单 华夏").text == (
        "“华夏”后缺少金额。先写客户，再写金额，例如 `/credit 订单 acme 120k`、`/credit 订单 "
        "华夏物流 25万 CNY PO-2026-118`（金额后可跟币种和您的订单编号；"
        "名称中带数字的客户请加引号）。")
    # An order in another currency than the limit's: its value in the limit's currency
    # in full-width brackets (it was "CN¥50,000.00 (US$…)").
    converted = bilingual.slack.slash(ZH, SALES_CHANNEL, "/credit 订单 C0001 5万 CNY")
    assert re.search(r"¥50,000\.00（US\$[\d,]+\.\d\d）", converted.all_text())
    assert bilingual.slack.slash(ZH, SALES_CHANNEL, "/credit 订单 华夏物流 5k USD EUR").text == (
        "“5k USD EUR”写了两种货币，USD 和 EUR：请只写一种，例如 5,000 USD 或 5,000 EUR。")
    assert bilingual.slack.slash(ZH, SALES_CHANNEL, "/credit 查询 华夏物流 5k USD EUR").text == (
        "“5k USD EUR”写了两种货币，USD 和 EUR：请只写一种，例如 5,000 USD 或 5,000 EUR。")
    assert bilingual.slack.slash(ZH, SALES_CHANNEL, "/credit 分配 华夏物流").text == (
        "“华夏物流”中没有指定催收员：请在客户之后输入 @ 并从 Slack 的列表中选择此人，例如 "
        "`/credit 分配 acme @maria`，或填写其 Slack 用户 ID，例如 U0123ABCDE。")
    which = bilingual.slack.slash(ZH, SALES_CHANNEL, "/credit 查询 acme")
    assert which.text == "“acme”匹配到多个客户。您指的是哪一个？"
    picked = bilingual.slack.click(ZH, which, "Acme Packaging")
    assert picked.blocks[1]["fields"][1]["text"].startswith("*信用额度*\n")
    missing = bilingual.slack.slash(ZH, SALES_CHANNEL, "/credit 查询")
    # As typed: 查询, not check.
    assert missing.text == ("`/credit 查询` 需要客户编号或名称：`/credit 查询 acme`"
                            "试试 `/credit 帮助`。")
    assert missing.blocks[0]["text"]["text"] == (
        ":warning: `/credit 查询` 需要客户编号或名称：`/credit 查询 acme`\n"
        "`/credit 查询` — 客户或客户集团的信用状况：额度、敞口、可用额度、逾期和账龄\n"
        "试试 `/credit 帮助`。")
    wrong = bilingual.slack.slash(ZH, SALES_CHANNEL, "/credit chek acme")
    assert wrong.text == (
        "无法识别命令 `/credit chek`。您是不是想用 `/credit check`？试试 `/credit help`。")
    # The approvals' subcommands have Chinese names too (they were "我不认识").
    # Each named as it was typed: `/credit 委托 … 结束` for who wrote 委托.
    assert bilingual.slack.slash(ZH, SALES_CHANNEL, "/credit 委托").all_text() == (
        "委托：您委托出 0 项，受托 0 项\n目前没有您委托出或受托的有效委托。\n"
        "用 `/credit 委托 @mei 至 2026-12-31` 把您的审批委托给代理人；`/credit 委托 结束` "
        "结束您的委托。")
    assert bilingual.slack.slash(ZH, SALES_CHANNEL, "/credit delegate").all_text() == (
        "委托：您委托出 0 项，受托 0 项\n目前没有您委托出或受托的有效委托。\n"
        "用 `/credit delegate @mei 至 2026-12-31` 把您的审批委托给代理人；"
        "`/credit delegate end` 结束您的委托。")
    # The same list either way, each naming /credit request as its reader wrote theirs.
    assert bilingual.slack.slash(ZH, SALES_CHANNEL, "/credit 我的申请").all_text() == (
        bilingual.slack.slash(ZH, SALES_CHANNEL, "/credit requests").all_text().replace(
            "/credit request", "/credit 申请"))
    history = bilingual.slack.slash(ZH, SALES_CHANNEL, "/credit 历史 C0002").all_text()
    assert "无法识别命令" not in history and history == bilingual.slack.slash(
        ZH, SALES_CHANNEL, "/credit history C0002").all_text().replace(
            "/credit request", "/credit 申请")
    # Examples with words read in Chinese too, in the help and in a refusal.
    helped = bilingual.slack.slash(ZH, SALES_CHANNEL, "/credit 帮助").all_text()
    assert "例如 `/credit delegate @mei 至 2026-12-31`" in helped
    assert "例如 `/credit request acme +10万 第一季度订单增加`" in helped
    assert bilingual.slack.slash(ZH, SALES_CHANNEL, "/credit 委托 @U02X").all_text() == (
        "请写委托给谁、到哪天：`/credit 委托 @mei 至 2026-12-31`（输入 @ 时从 Slack 显示的"
        "列表中选择此人）。")
    assert bilingual.slack.slash(ZH, SALES_CHANNEL, "/credit 委托 某人 至 明天").all_text() == (
        "无法识别“某人”是谁：请在输入 @ 时从 Slack 显示的列表中选择此人，例如 "
        "`/credit 委托 @mei 至 2026-12-31`。")
    past = bilingual.slack.slash(ZH, SALES_CHANNEL, "/credit 委托 @U02CREDITAN 至 2025-12-31")
    assert past.all_text() == (
        "最后一天 2025年12月31日已经过去：委托须持续到今天或之后的某一天，例如 "
        "`/credit 委托 @mei 至 2026-12-31`。")
    no_day = bilingual.slack.slash(ZH, SALES_CHANNEL, "/credit 委托 @U02CREDITAN 至 明天")
    assert no_day.all_text() == (
        "“明天”不是日期：请写成 YYYY-MM-DD 或 YYYY年M月D日，例如 "
        "`/credit 委托 @mei 至 2026-12-31`。")
    reversed_ = bilingual.slack.slash(ZH, SALES_CHANNEL,
                                      "/credit 委托 @U02CREDITAN 从2026/12/31至2026/12/20")
    assert reversed_.all_text() == (
        "第一天 2026年12月31日晚于最后一天 2026年12月20日：“从”的日期不能晚于“至”的日期，例如 "
        "`/credit 委托 @mei 从 2026-12-01 至 2026-12-31`。")
    # Typed in Traditional characters (委託, 從, 結束, 訂單): read the same, answered in
    # Simplified (they were "not something I know" and "write whom to, until when").
    assert bilingual.slack.slash(
        ZH, SALES_CHANNEL, "/credit 委託 @U02CREDITAN 從2026/12/31至2026/12/20").all_text() == (
        reversed_.all_text())
    assert bilingual.slack.slash(ZH, SALES_CHANNEL, "/credit 委託 結束").all_text() == (
        bilingual.slack.slash(ZH, SALES_CHANNEL, "/credit 委托 结束").all_text())
    assert bilingual.slack.slash(ZH, SALES_CHANNEL, "/credit 幫助 訂單").all_text() == (
        bilingual.slack.slash(ZH, SALES_CHANNEL, "/credit 帮助 订单").all_text())
    assert "订单" in bilingual.slack.slash(ZH, SALES_CHANNEL, "/credit 帮助 订单").all_text()
    # 檢查, 記錄 and Taiwan's 紀錄 were "我不认识" (a dozen characters were folded).
    for traditional, simplified in (("檢查 C0002", "检查 C0002"), ("記錄 C0002", "记录 C0002"),
                                    ("紀錄 C0002", "记录 C0002")):
        answer = bilingual.slack.slash(ZH, SALES_CHANNEL, f"/credit {traditional}").all_text()
        assert "无法识别命令" not in answer and answer == bilingual.slack.slash(
            ZH, SALES_CHANNEL, f"/credit {simplified}").all_text(), traditional
    # A word that is no command is quoted as typed, not half converted (历史記錄).
    unknown = bilingual.slack.slash(ZH, SALES_CHANNEL, "/credit 歷史記錄").all_text()
    assert unknown.startswith("无法识别命令 `/credit 歷史記錄`。试试 `/credit 帮助`。\n")
    # A request line's refusals name the command as typed, their examples in Chinese.
    assert bilingual.slack.slash(ZH, SALES_CHANNEL, "/credit 申请 C0002 备货").all_text() == (
        "请写客户、新额度或增加额以及理由：`/credit 申请 acme +10万 第一季度订单增加`（新的总额如 "
        "`25万` 或 `USD 250k`，增加额如 `+10万`）。")
    assert bilingual.slack.slash(
        ZH, SALES_CHANNEL, "/credit 申请 C0002 +5000 人民币 EUR 备货").all_text() == (
        "“+5000 人民币 EUR”写了两种货币，CNY 和 EUR：请只写一种，例如 +5,000 CNY 或 +5,000 EUR。")
    assert bilingual.slack.slash(
        ZH, SALES_CHANNEL, "/credit 申请 C0002 +5x 至 2027-02-30 备货").all_text() == (
        "“+5x”不是有效金额：请按以下格式填写：120000、120,000、120000.50、120k、1.2m、12万、"
        "1.5亿、USD 120k 或 120k EUR。“2027-02-30”不是日期：请把临时额度的最后一天写成 "
        "YYYY-MM-DD 或 YYYY年M月D日，例如 `/credit 申请 acme +5万 至 2026-12-31 春节备货`。")
    # (This person is the only credit manager: the request is refused, either way.)
    line = "C0002 +5万 至 2027-01-31 备货"
    filed = bilingual.slack.slash(ZH, SALES_CHANNEL, f"/credit 申请 {line}").all_text()
    assert filed.startswith("本申请第 1 级（信用经理）无人可以审批") and filed == (
        bilingual.slack.slash(ZH, SALES_CHANNEL, f"/credit request {line}").all_text())


def test_a_share_speaks_the_channels_language_and_thanks_the_sharer_in_theirs(bilingual):
    reply = bilingual.slack.slash(ZH, SALES_CHANNEL, "/credit check C0001")
    mine = bilingual.slack.click(ZH, reply, "分享到频道")
    posted = bilingual.emulator.wait_for("chat.postMessage")[0]
    assert posted.blocks[1]["fields"][1]["text"].startswith("*Credit limit*\n$")
    # when it was shared: a Slack date token, each reader's own time zone, with a
    # fallback in the organisation's (10:00 in Shanghai in these tests)
    assert re.fullmatch(rf"Shared by <@{ZH}> · <!date\^\d+\^{{date_short_pretty}} {{time}}"
                        r"\|Nov 29, 2026, 10:0\d\u202fAM>",
                        posted.blocks[-1]["elements"][0]["text"])
    assert mine.blocks[-1]["elements"][0]["text"] == f"您已将此卡片分享到 <#{SALES_CHANNEL}>。"


def test_slack_is_asked_for_a_persons_language_once_and_again_when_they_change_it(bilingual):
    for _ in range(3):
        bilingual.slack.slash(ZH, SALES_CHANNEL, "/credit help")
    asked = [c for c in bilingual.emulator.calls_to("users.info") if c.args.get("user") == ZH]
    assert len(asked) == 1
    bilingual.emulator.users[ZH].locale = "en-US"
    bilingual.slack.event({"type": "user_change", "user": {"id": ZH, "locale": "en-US"}})

    def asked() -> int:
        return len([c for c in bilingual.emulator.calls_to("users.info")
                    if c.args.get("user") == ZH])

    # The event is handled after its acknowledgement: the bot asks Slack at once, before
    # the person types anything (so that what it queues for them reads in English).
    deadline = time.monotonic() + 5
    while asked() < 2:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    time.sleep(0.2)  # Slack answered; the bot stores the answer a moment later
    again = bilingual.slack.slash(ZH, SALES_CHANNEL, "/credit help")
    assert "*What `/credit` can do*" in again.all_text()
    assert asked() == 2


def test_a_slack_that_cannot_say_the_language_costs_one_short_try_not_retries(bilingual):
    bilingual.emulator.fail("users.info", "close", times=10)
    started = time.monotonic()
    reply = bilingual.slack.slash(ZH, SALES_CHANNEL, "/credit help")
    assert time.monotonic() - started < 1.5
    assert "*What `/credit` can do*" in reply.all_text()  # the organisation's language
    assert len(bilingual.emulator.calls_to("users.info")) == 1
    bilingual.slack.slash(ZH, SALES_CHANNEL, "/credit help")  # asked again only later
    assert len(bilingual.emulator.calls_to("users.info")) == 1


def test_lists_and_refusals_name_other_commands_as_the_reader_writes_theirs(bilingual):
    # After a Chinese command, the commands an answer points to were English.
    def said(line: str) -> str:  # what the message says: its blocks' text
        return "\n".join(b["text"]["text"] for b in bilingual.slack.slash(
            ZH, SALES_CHANNEL, line).blocks if b["type"] == "section")

    assert bilingual.slack.slash(ZH, SALES_CHANNEL, "/credit 我的申请").all_text().endswith(
        "您还没有提交过信用申请。可用 `/credit 申请 acme +10万 第一季度订单增加` 提交，或用 "
        "`/credit 申请` 打开表单。")
    assert said("/credit 会议列表") == "您没有即将举行的会议。`/credit 会议` 可安排会议。"
    assert said("/credit 纪要") == (
        "最近两周没有您可以记录纪要的会议。`/credit 纪要 &lt;编号&gt;` 可记录更早会议的纪要。")
    assert said("/credit 催收") == (
        "您没有要催收的账户。账户通过 `/credit 分配 &lt;客户&gt; @催收员` 分配。")
    assert said("/credit 催收 @maria") == (
        "“@maria”没有指向任何人：请输入 @ 并从 Slack 的列表中选择催收员，或给出其用户 ID，例如 "
        "`/credit 催收 U0123ABCDE`。")
    assert bilingual.slack.slash(ZH, SALES_CHANNEL, "/credit 历史 C0002").all_text().endswith(
        "此客户尚无信用申请。可用 `/credit 申请 C0002 +100k &lt;理由&gt;` 提交。")
    # A day is written as the reader writes days (it was 2026-01-31 in Chinese).
    assert bilingual.slack.slash(ZH, SALES_CHANNEL, "/credit 申请 C0002 +5万 至 2026-01-31 备货"
                                 ).text == ("临时额度须持续到今天（2026年11月29日）或以后；"
                                            "2026年1月31日已经过去。")
    # Typed in English, in English.
    assert said("/credit meetings") == (
        "您没有即将举行的会议。`/credit meeting` 可安排会议。")


def test_a_form_opened_by_a_button_names_commands_in_the_readers_language(bilingual):
    # "申请更多额度" on a Chinese card opened a form whose errors and confirmation named
    # `/credit requests` (a button carries no typed word): the reader's language decides.
    bilingual.emulator.users[SALES].locale = "zh-CN"
    card = bilingual.slack.slash(SALES, SALES_CHANNEL, "/credit check acme packaging")
    bilingual.slack.click(SALES, card, "申请更多额度", wait=False)
    view = bilingual.slack.modal(SALES)
    assert json.loads(view["private_metadata"]) == {"channel": SALES_CHANNEL,
                                                   "typed": "申请"}
    assert bilingual.slack.submit(SALES, view, {"amount": "+20k", "reason": "新产品线"}
                                  ).body == ""
    [posted] = bilingual.emulator.wait_for("chat.postEphemeral")
    shown = Reply(SALES_CHANNEL, posted.text, posted.blocks, True)
    assert mrkdwn(shown).splitlines()[-1] == (
        "`/credit 我的申请` 可查看进度；申请待审批时可在那里撤销。")
    # An English reader's form keeps the English commands.
    other = "U01SALESCHO"
    english = bilingual.slack.slash(other, SALES_CHANNEL, "/credit check acme packaging")
    bilingual.slack.click(other, english, "Request more credit", wait=False)
    assert json.loads(bilingual.slack.modal(other)["private_metadata"]) == {
        "channel": SALES_CHANNEL}
