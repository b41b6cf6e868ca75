"""`/credit check` by a customer's local-script name (the demo's Chinese customers that
the ERP knows by an English name carry their Chinese legal name too)."""

from __future__ import annotations

from tests.e2e.conftest import SALES, SALES_CHANNEL

BRIGHTSTAR = "C0029"
BRIGHTSTAR_LABEL = "Shenzhen Brightstar Electronics / 深圳明亮之星电子有限公司 (C0029)"


def _customer(world, customer_id):
    with world.services.uow() as uow:
        customer = uow.customers.get(customer_id)
    assert customer is not None
    return customer


def test_a_unique_start_of_the_local_name_finds_the_customer(world):
    customer = _customer(world, BRIGHTSTAR)
    assert (customer.name, customer.name_local) == ("Shenzhen Brightstar Electronics",
                                                    "深圳明亮之星电子有限公司")
    reply = world.slack.slash(SALES, SALES_CHANNEL, "/credit check 深圳明亮")
    assert reply.blocks[0]["type"] == "header"
    assert reply.blocks[0]["text"]["text"] == customer.name


def test_a_typo_in_the_local_name_still_finds_the_customer(world):
    customer = _customer(world, BRIGHTSTAR)
    # 之心 for 之星: what a pinyin input method gives for zhīxīn.
    reply = world.slack.slash(SALES, SALES_CHANNEL, "/credit check 深圳明亮之心电子有限公司")
    labels = [b["text"]["text"] for b in reply.buttons()]
    if reply.blocks[0]["type"] == "header":
        assert reply.blocks[0]["text"]["text"] == customer.name
    else:
        assert BRIGHTSTAR_LABEL in labels, labels


def test_the_part_of_a_chinese_name_after_the_city_finds_the_customer(world):
    # 青岛海洋渔业有限公司 without its city: neither a prefix nor a close match.
    card = world.slack.slash(SALES, SALES_CHANNEL, "/credit check 海洋渔业")
    assert card.blocks[0]["text"]["text"] == "Qingdao Ocean Fisheries"


def test_candidates_are_labelled_with_both_names(world):
    # "有限公司" (Co., Ltd.) is in every Chinese legal name: which one?
    reply = world.slack.slash(SALES, SALES_CHANNEL, "/credit check 有限公司")
    labels = [b["text"]["text"] for b in reply.buttons()]
    assert "Qingdao Ocean Fisheries / 青岛海洋渔业有限公司 (C0033)" in labels, labels
    card = world.slack.click(SALES, reply, "Qingdao Ocean Fisheries / 青岛海洋渔业有限公司 (C0033)")
    assert card.blocks[0]["text"]["text"] == "Qingdao Ocean Fisheries"


def test_a_chinese_reader_sees_the_chinese_legal_name_first(world):
    world.emulator.users[SALES].locale = "zh-CN"
    chinese = world.slack.slash(SALES, SALES_CHANNEL, "/credit 查询 C0029")
    assert chinese.blocks[0]["text"]["text"] == "深圳明亮之星电子有限公司"
    assert chinese.blocks[1]["fields"][0]["text"].startswith(
        "*客户*\nShenzhen Brightstar Electronics\nC0029 · 负责人 <@")
    assert chinese.text.startswith("深圳明亮之星电子有限公司：可用 ")


def test_an_english_reader_sees_the_erp_name_first_and_the_local_name_under_it(world):
    english = world.slack.slash(SALES, SALES_CHANNEL, "/credit check C0029")
    assert english.blocks[0]["text"]["text"] == "Shenzhen Brightstar Electronics"
    assert english.blocks[1]["fields"][0]["text"].startswith(
        "*Customer*\n深圳明亮之星电子有限公司\nC0029 · owner <@")


def test_a_chinese_collector_works_the_account_under_its_chinese_name(world):
    # The worklist, its forms and their confirmations named it in English for a Chinese
    # reader, while the check card and the assignment note used the Chinese name.
    from bot.sandbox.emulator import User
    from tests.e2e.conftest import CREDIT_MANAGER
    from tests.e2e.test_collector_lists import COLLECTOR

    world.slack.slash(CREDIT_MANAGER, SALES_CHANNEL, f"/credit assign C0029 <@{COLLECTOR}>")
    world.emulator.users[COLLECTOR] = User(COLLECTOR, "maria", locale="zh-CN")
    worklist = world.slack.slash(COLLECTOR, SALES_CHANNEL, "/credit 催收")
    lines = [b["text"]["text"] for b in worklist.blocks if b.get("type") == "section"]
    assert any(line.startswith("*深圳明亮之星电子有限公司*（C0029） · ") for line in lines), lines


def test_a_chinese_reader_sees_the_chinese_name_on_requests_and_held_orders(world):
    # The check card and the order's answer used it, while the request's confirmation,
    # `/credit requests` and the owner's note of a hold named it in English.
    from bot.sandbox.emulator import User
    from tests.e2e.test_orders import deliver, direct_messages

    owner = _customer(world, BRIGHTSTAR).owner_slack_id
    assert owner is not None
    world.emulator.users[owner] = User(owner, "cho", locale="zh-CN")
    world.slack.slash(owner, SALES_CHANNEL, "/credit 查询 C0029")  # the bot learns it
    world.emulator.users[SALES].locale = "zh-CN"
    filed = world.slack.slash(SALES, SALES_CHANNEL, "/credit 申请 C0029 +10k 备货")
    assert filed.text == "已提交申请 #1：深圳明亮之星电子有限公司（C0029）的提高额度"
    listed = world.slack.slash(SALES, SALES_CHANNEL, "/credit 我的申请")
    mine = [b["text"]["text"] for b in listed.blocks if b.get("accessory")]
    assert [line.split("\n")[0] for line in mine] == [
        "*#1* 深圳明亮之星电子有限公司（C0029） · 提高额度"]
    world.slack.slash(SALES, SALES_CHANNEL, "/credit 订单 C0029 50m PO-7")
    deliver(world)
    assert direct_messages(world, owner) == [
        f":no_entry: <@{SALES}> 下的深圳明亮之星电子有限公司（C0029）订单 CB-1（PO-7），金额 "
        "¥50,000,000.00，已暂停发货：放行之前不得发货。"]
    orders = world.slack.slash(SALES, SALES_CHANNEL, "/credit 我的订单")
    assert [b["text"]["text"] for b in orders.blocks if b.get("type") == "section"] == [
        "*您的订单*，最新的在前",
        "*CB-1（PO-7）* · 深圳明亮之星电子有限公司（C0029） · ¥50,000,000.00 · 2026年11月29日："
        "已暂停：放行之前不得发货"]
    # The credit manager, whose Slack is English, sees the ERP's name on the same request.
    from tests.e2e.conftest import CREDIT_MANAGER

    english = world.slack.slash(CREDIT_MANAGER, SALES_CHANNEL, "/credit requests")
    assert [b["text"]["text"].split("\n")[0] for b in english.blocks
            if b.get("text", {}).get("text", "").startswith("*#1*")] == [
        "*#1* Shenzhen Brightstar Electronics (C0029) · limit increase"]


def test_chinese_names_typed_without_their_place_or_with_their_own_brackets(
        world, monkeypatch, tmp_path):
    # A Shanghai credit manager's customers: 华联 found only the two supermarkets, and the
    # full-width brackets of one were folded into the other's, so neither could be named.
    from click.testing import CliRunner

    from bot.cli import main
    from tests.conftest import ROOT

    monkeypatch.setenv("DATABASE_URL", world.services.settings.database_url)
    monkeypatch.setenv("CREDITBOT_CONFIG", str(ROOT / "app.yaml"))
    path = tmp_path / "customers.csv"
    path.write_text("customer_id,name,currency,credit_limit,payment_terms_days\n"
                    "H001,上海华联贸易有限公司,CNY,1000000,30\n"
                    "H002,华联超市（上海）有限公司,CNY,500000,30\n"
                    "H003,华联超市(上海)有限公司,CNY,500000,30\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["import", "customers", str(path)],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    for typed in ("华联超市（上海）有限公司", "华联超市(上海)有限公司"):
        card = world.slack.slash(SALES, SALES_CHANNEL, f"/credit check {typed}")
        assert card.blocks[0]["text"]["text"] == typed
    which = world.slack.slash(SALES, SALES_CHANNEL, "/credit check 华联")
    assert [b["text"]["text"] for b in which.buttons()] == [
        "上海华联贸易有限公司 (H001)", "华联超市(上海)有限公司 (H003)",
        "华联超市（上海）有限公司 (H002)"]


def test_a_chinese_reader_is_refused_under_the_customers_chinese_name(world):
    # A request already open, an order's reference used twice: the refusals named the
    # customer in English, a moment after the confirmation had named it in Chinese.
    world.emulator.users[SALES].locale = "zh-CN"
    world.slack.slash(SALES, SALES_CHANNEL, "/credit 申请 C0029 +10k 备货")
    again = world.slack.slash(SALES, SALES_CHANNEL, "/credit 申请 C0029 +20k 再来")
    assert again.text == (
        "您已为深圳明亮之星电子有限公司提交了一条待审批的提高额度申请（#1）：须先审批完成或撤销"
        "（`/credit 我的申请` 可查看）。")
    world.slack.slash(SALES, SALES_CHANNEL, "/credit 订单 C0029 5k PO-ZH-1")
    twice = world.slack.slash(SALES, SALES_CHANNEL, "/credit 订单 C0029 5k PO-ZH-1")
    assert twice.text == (
        "“PO-ZH-1”已是深圳明亮之星电子有限公司的订单 CB-1（¥5,000.00，2026年11月29日），已暂停"
        "发货。请用下方按钮申请放行，或为新订单使用新的参考号。")
    # The English reader of the same refusal reads the ERP's name.
    from tests.e2e.conftest import CREDIT_MANAGER

    english = world.slack.slash(CREDIT_MANAGER, SALES_CHANNEL, "/credit order C0029 5k PO-ZH-1")
    assert english.text == (
        "“PO-ZH-1” is already order CB-1 of Shenzhen Brightstar Electronics (CN¥5,000.00, "
        "Nov 29, 2026), which is held. Ask for its release with the button below, or give a "
        "new order a reference of its own.")
