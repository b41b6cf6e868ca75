"""`/credit check` as people use it: signed HTTP -> bot -> Slack emulator."""

from __future__ import annotations

import time
import urllib.request

import pytest

from domain.positions import customer_position
from handlers.i18n import translator
from tests.e2e.conftest import CREDIT_MANAGER, SALES, SALES_CHANNEL, STRANGER


def expected(world, query):
    with world.services.uow() as uow:
        return customer_position(uow, query, world.services.today(), world.services.policy)


@pytest.mark.parametrize("line", ["/credit", "/credit help", "/credit HELP"])
def test_help_lists_the_subcommands_with_examples(world, line):
    reply = world.slack.slash(SALES, SALES_CHANNEL, line)
    text = reply.all_text()
    assert ("• `/credit check` (also `/credit 查询`, `/credit 检查`) — credit position of a "
            "customer or "
            "customer group: limit, exposure, available credit, overdue and aging\n"
            "      e.g. `/credit check acme`") in text
    assert ("• `/credit help` (also `/credit 帮助`) — this list; followed by a command, "
            "that command's line alone\n      e.g. `/credit help order`") in text
    assert ("• `/credit requests` (also `/credit 我的申请`, `/credit 申请列表`) — credit "
            "requests waiting for your decision, and yours, with their state; cancel yours "
            "while open") in text
    assert reply.ephemeral


@pytest.mark.parametrize(("line", "title"), [
    ("/credit help order", "*What `/credit order` can do*"),
    ("/credit HELP /credit Order", "*What `/credit order` can do*"),
    # As the word was typed: a Chinese word is answered with the Chinese command.
    ("/credit 帮助 订单", "*What `/credit 订单` can do*"),
])
def test_help_followed_by_a_command_shows_that_command_alone(world, line, title):
    reply = world.slack.slash(SALES, SALES_CHANNEL, line)
    entry = ("• `/credit order` (also `/credit 订单`) — can I ship this? an order checked "
             "against the order rules (limit, overdue, holds, contract); held when one "
             "fails\n      e.g. `/credit order acme 120k USD PO-2026-118`")
    assert reply.blocks == [{"type": "section", "text": {"type": "mrkdwn",
                                                         "text": f"{title}\n{entry}"}}]
    assert reply.text == entry.removeprefix("• ")
    assert reply.ephemeral


def test_help_followed_by_the_command_itself_is_the_whole_list(world):
    # It answered "`/credit /credit` is not something I know."
    assert world.slack.slash(SALES, SALES_CHANNEL, "/credit help /credit").blocks == (
        world.slack.slash(SALES, SALES_CHANNEL, "/credit help").blocks)


def test_help_followed_by_no_command_says_so_with_the_whole_list(world):
    reply = world.slack.slash(SALES, SALES_CHANNEL, "/credit help histroy")
    assert reply.text == ("`/credit histroy` is not something I know. Did you mean "
                          "`/credit history`? Try `/credit help`.")
    # The line of what was meant, not the whole list again.
    assert "• `/credit check` (also `/credit 查询`, `/credit 检查`)" not in reply.all_text()
    assert reply.blocks[2] == {"type": "context", "elements": [
        {"type": "mrkdwn", "text": "`/credit help` lists everything I can do."}]}
    nothing_close = world.slack.slash(SALES, SALES_CHANNEL, "/credit help zzzz")
    assert "• `/credit check` (also `/credit 查询`, `/credit 检查`)" in nothing_close.all_text()


@pytest.mark.parametrize(("line", "answer"), [
    # These lists were shown whole, the words after them ignored without a word.
    ("/credit meetings next week", "`/credit meetings` takes nothing after it; “next "
                                   "week” is not needed."),
    ("/credit 会议列表 下周", "`/credit 会议列表` takes nothing after it; “下周” is not "
                             "needed."),
    ("/credit requests all", "`/credit requests` takes nothing after it; “all” is not "
                             "needed."),
    ("/credit 我的申请 全部", "`/credit 我的申请` takes nothing after it; “全部” is not "
                             "needed."),
    # The alias as typed, not the first Chinese one.
    ("/credit 申请列表 abc", "`/credit 申请列表` takes nothing after it; “abc” is not "
                            "needed."),
    # Typed text is shown as typed, not as formatting (∗ for *).
    ("/credit tasks *mine*", "`/credit tasks` takes nothing after it; “∗mine∗” is not "
                             "needed."),
])
def test_a_list_of_ones_own_refuses_words_after_it(world, line, answer):
    reply = world.slack.slash(SALES, SALES_CHANNEL, line)
    assert reply.text == answer
    assert reply.blocks == [{"type": "section", "text": {"type": "mrkdwn", "text": answer}}]


def test_an_unknown_subcommand_gets_a_friendly_usage_line(world):
    reply = world.slack.slash(SALES, SALES_CHANNEL, "/credit chek acme")
    assert reply.text == ("`/credit chek` is not something I know. Did you mean `/credit "
                          "check`? Try `/credit help`.")
    assert reply.blocks[0]["text"]["text"] == (
        ":warning: `/credit chek` is not something I know. Did you mean `/credit check`?")
    # Then the line of what was likely meant, not the whole list again (60 lines on a
    # phone for one letter left out), and where the whole list is.
    history = world.slack.slash(SALES, SALES_CHANNEL, "/credit help check")
    assert reply.blocks[1:] == [
        {"type": "section", "text": {"type": "mrkdwn", "text": "• " + history.text}},
        {"type": "context", "elements": [
            {"type": "mrkdwn", "text": "`/credit help` lists everything I can do."}]}]
    assert history.text == (
        "`/credit check` (also `/credit 查询`, `/credit 检查`) — credit position of a customer or "
        "customer "
        "group: limit, exposure, available credit, overdue and aging\n      e.g. `/credit "
        "check acme`")
    # With nothing close to guess, the whole list, as `/credit help` shows it: in one
    # section with the line above, Slack's 3,000 characters cut its last line.
    unknown = world.slack.slash(SALES, SALES_CHANNEL, "/credit zzzz")
    whole = world.slack.slash(SALES, SALES_CHANNEL, "/credit help")
    assert unknown.blocks[1:] == whole.blocks
    listed = [b["text"]["text"] for b in whole.blocks if b["type"] == "section"]
    assert all(len(text) <= 3000 and not text.endswith("…") for text in listed)
    assert listed[-1].endswith(
        "• `/credit tasks` (also `/credit 任务`) — your open action items from meetings, "
        "the most overdue first, each with a Done button; then those of the meetings you "
        "organised")


@pytest.mark.parametrize(("line", "answer"), [
    # Nothing close: no guess.
    ("/credit zzzz", "`/credit zzzz` is not something I know. Try `/credit help`."),
    # The start of one subcommand, in either language.
    ("/credit col", "`/credit col` is not something I know. Did you mean `/credit collect`? "
                    "Try `/credit help`."),
    # Pointed to the help as the word was written (`/credit 帮助` after a Chinese word).
    ("/credit 催", "`/credit 催` is not something I know. Did you mean `/credit 催收`? Try "
                  "`/credit 帮助`."),
    # One character off in Chinese, as an input method picks a like-sounding one.
    ("/credit 查徇 acme", "`/credit 查徇` is not something I know. Did you mean `/credit "
                        "查询`? Try `/credit 帮助`."),
    # The start of two or three: each of them (`meet` got no hint at all).
    ("/credit c", "`/credit c` is not something I know. Did you mean `/credit check` or "
                  "`/credit collect`? Try `/credit help`."),
    ("/credit meet", "`/credit meet` is not something I know. Did you mean `/credit "
                     "meeting` or `/credit meetings`? Try `/credit help`."),
    # What a button of the worklist does, typed as a command, points to the worklist.
    ("/credit promise C1 500", "`/credit promise` is not something I know. Did you mean "
                               "`/credit collect`? Try `/credit help`."),
    ("/credit 争议 C1", "`/credit 争议` is not something I know. Did you mean `/credit 催收`? "
                      "Try `/credit 帮助`."),
    # Without its argument, a subcommand's usage as typed: `/credit 分配` was answered
    # with the English form `/credit assign acme @maria`.
    ("/credit 分配", "`/credit 分配` needs a customer and a person: `/credit 分配 acme "
                    "@maria` Try `/credit 帮助`."),
    ("/credit CHECK", "`/credit check` needs a customer id or name: `/credit check acme` "
                      "Try `/credit help`."),
])
def test_a_word_that_is_no_command_or_lacks_its_argument_is_answered_so(world, line, answer):
    assert world.slack.slash(SALES, SALES_CHANNEL, line).text == answer


@pytest.mark.parametrize("line", ["/credit check", '/credit check ""', "/credit check “ ”"])
def test_check_without_a_customer_says_how_to_write_it(world, line):
    text = world.slack.slash(SALES, SALES_CHANNEL, line).all_text()
    assert "needs a customer id or name: `/credit check acme`" in text


def test_check_by_id_shows_the_whole_card(world):
    customer, position = expected(world, "C0013")
    en = translator("en-US")
    money = en.money
    reply = world.slack.slash(SALES, SALES_CHANNEL, "/credit check C0013")
    assert reply.ephemeral
    assert reply.blocks[0] == {"type": "header", "text": {"type": "plain_text",
                                                          "text": customer.name, "emoji": False}}
    assert [f["text"] for f in reply.blocks[1]["fields"]] == [
        f"*Customer*\nC0013 · owner <@{customer.owner_slack_id}>",
        f"*Credit limit*\n{money(position.limit)}",
        f"*Exposure*\n{money(position.exposure)}\ninvoices {money(position.open_invoices)} + "
        f"orders {money(position.open_orders)}",
        f"*Available credit*\n:red_circle: *{money(position.available)}* — over the limit",
        f"*Overdue*\n{money(position.aging.overdue)}\noldest "
        f"{position.aging.oldest_overdue_days} days past due",
        f"*Payment terms*\n{customer.payment_terms_days} days",
    ]
    amounts = [money(a) for a in position.aging.amounts]
    assert reply.blocks[2]["text"]["text"] == (
        f"*Aging*  `current` {amounts[0]}  ·  `1-30 days` {amounts[1]}  ·  `31-60 days` "
        f"{amounts[2]}  ·  `61-90 days` {amounts[3]}  ·  `90+ days` {amounts[4]}")
    assert reply.blocks[3]["elements"][0]["text"] == (
        f"as of Nov 29, 2026 (Asia/Shanghai)  ·  {position.invoice_count} open invoices  ·  "
        f"{position.order_count} open order{'s' if position.order_count != 1 else ''}  ·  "
        f"{en.percent(position.utilisation)} of the limit used")
    assert reply.text == (f"{customer.name}: available {money(position.available)} of "
                          f"{money(position.limit)}, overdue {money(position.aging.overdue)}")
    assert money(position.limit) == "$35,000.00" and position.over_limit


def test_open_credit_notes_are_named_on_the_card_not_counted(world, tmp_path):
    # Owed to the customer and left out of the exposure until the ERP applies them: the
    # card's figures read higher than the ERP's balance, and said nothing of why.
    from domain.imports import KINDS
    from storage.csv_source import CsvFile
    from storage.importer import CsvImporter

    _, before = expected(world, "C0013")
    path = tmp_path / "invoices.csv"
    path.write_text("invoice_id,customer_id,issue_date,due_date,amount,currency\n"
                    "CN-1,C0013,2026-11-20,2026-11-20,-300.00,USD\n"
                    "CN-2,C0013,2026-11-21,2026-11-21,-45.50,USD\n"
                    "CN-3,C0013,2026-11-21,2026-11-21,-20.00,EUR\n", encoding="utf-8")
    with CsvFile(path) as source:
        assert CsvImporter(world.services.engine).run(KINDS["invoices"], source).committed
    reply = world.slack.slash(SALES, SALES_CHANNEL, "/credit check C0013")
    _, after = expected(world, "C0013")
    assert after.exposure == before.exposure
    [note] = [b["elements"][0]["text"] for b in reply.blocks if b["type"] == "context"
              and "credit notes" in b["elements"][0]["text"]]
    assert note == ("Open credit notes: $345.50, €20.00 owed to the customer, not counted "
                    "here until the ERP applies them to invoices.")
    # The customer's own currency first; just above the card's footer.
    assert reply.blocks.index(next(b for b in reply.blocks if b["type"] == "context"
                                   and b["elements"][0]["text"] == note)) == 3


@pytest.mark.parametrize(("query", "customer_id"), [
    ("acme pack", "C0002"),             # unique prefix
    ("SUMMIT OUTDOOR GEAR", "C0050"),   # exact name, any case
    ("sumit outdor gear", "C0050"),     # close match
    ("华夏物流", "C0027"),               # prefix in Chinese
])
def test_check_finds_the_customer_a_person_means(world, query, customer_id):
    customer, _ = expected(world, customer_id)
    reply = world.slack.slash(SALES, SALES_CHANNEL, f"/credit check {query}")
    assert reply.blocks[0]["text"]["text"] == customer.name
    # A close match says so under the name (it was shown as if named exactly); what
    # named the customer (its id, name, a start or part of it) adds nothing.
    notes = [e["text"] for b in reply.blocks[1:2] if b["type"] == "context"
             for e in b["elements"]]
    if query == "sumit outdor gear":
        assert notes == [f":mag: No customer is named “{query}”: this is the closest, "
                         f"{customer.name} ({customer_id})."]
    else:
        assert notes == []


def test_history_says_when_it_shows_the_closest_customer(world):
    reply = world.slack.slash(SALES, SALES_CHANNEL, "/credit history lakesde")
    assert reply.blocks[1] == {"type": "context", "elements": [{"type": "mrkdwn", "text": (
        ":mag: No customer is named “lakesde”: this is the closest, Lakeside Furniture "
        "Outlet (C0013).")}]}
    named = world.slack.slash(SALES, SALES_CHANNEL, "/credit history lakeside")
    assert [b["type"] for b in named.blocks[:2]] == ["header", "section"]


@pytest.mark.parametrize("quoted", ["'lakesde'", '"lakesde"', "“lakesde”", "「lakesde」"])
def test_a_name_in_quotes_is_the_name_without_them(world, quoted):
    # Pasted from a mail or a document: the quotes are not part of what is looked up or
    # said back.
    note = {"type": "context", "elements": [{"type": "mrkdwn", "text": (
        ":mag: No customer is named “lakesde”: this is the closest, Lakeside Furniture "
        "Outlet (C0013).")}]}
    check = world.slack.slash(SALES, SALES_CHANNEL, f"/credit check {quoted}")
    assert check.blocks[0]["text"]["text"] == "Lakeside Furniture Outlet"
    assert check.blocks[1] == note
    history = world.slack.slash(SALES, SALES_CHANNEL, f"/credit history {quoted}")
    assert history.blocks[1] == note
    unclear = world.slack.slash(SALES, SALES_CHANNEL, "/credit check 'acme'")
    assert unclear.blocks[0]["text"]["text"] == "“acme” matches several customers. Which one?"


def test_an_ambiguous_name_offers_the_candidates_as_buttons(world):
    reply = world.slack.slash(SALES, SALES_CHANNEL, "/credit check acme")
    assert "“acme” matches several customers" in reply.all_text()
    labels = [b["text"]["text"] for b in reply.buttons()]
    assert labels == ["Acme Industrial Supply (C0001)", "Acme Packaging (C0002)"]
    card = world.slack.click(SALES, reply, "Acme Packaging")
    assert card.raw.get("replace_original") is True
    assert card.blocks[0]["text"]["text"] == "Acme Packaging"


def test_history_of_an_ambiguous_name_offers_the_candidates_as_buttons(world):
    reply = world.slack.slash(SALES, SALES_CHANNEL, "/credit history acme")
    assert reply.all_text() == "\n".join([
        "“acme” matches several customers. Which one?",  # the notification text
        "“acme” matches several customers. Which one?",
        "Acme Industrial Supply (C0001)", "Acme Packaging (C0002)"])
    assert [b["text"]["text"] for b in reply.buttons()] == [
        "Acme Industrial Supply (C0001)", "Acme Packaging (C0002)"]
    shown = world.slack.click(SALES, reply, "Acme Packaging")
    assert shown.raw.get("replace_original") is True
    assert shown.blocks[0]["text"]["text"] == "History of Acme Packaging (C0002)"
    # A click from someone who may not see credit data shows them nothing.
    refused = world.slack.click(STRANGER, reply, "Acme Industrial Supply")
    assert refused.all_text().startswith(":lock: Credit data is confidential")


def test_an_unknown_name_gets_the_closest_names(world):
    reply = world.slack.slash(SALES, SALES_CHANNEL, "/credit check harbour foodz")
    assert "No customer matches “harbour foodz”" in reply.all_text()
    assert "Blue Harbor Foods (C0003)" in [b["text"]["text"] for b in reply.buttons()]
    nothing = world.slack.slash(SALES, SALES_CHANNEL, "/credit check qqqqzzzzxx")
    assert "No customer matches “qqqqzzzzxx”" in nothing.all_text()
    assert nothing.buttons() == []


def test_sharing_posts_the_card_into_the_channel(world):
    reply = world.slack.slash(SALES, SALES_CHANNEL, "/credit check C0001")
    mine = world.slack.click(SALES, reply, "Share in channel")
    posted = world.emulator.wait_for("chat.postMessage")[0]
    assert posted.args["channel"] == SALES_CHANNEL
    shared = world.emulator.channels[SALES_CHANNEL][-1]
    shared_text = str(shared["blocks"])
    assert "Acme Industrial Supply" in shared_text and f"Shared by <@{SALES}>" in shared_text
    assert "Share in channel" not in shared_text  # the channel copy has no share button
    assert mine.raw["replace_original"] is True
    assert f"You shared this in <#{SALES_CHANNEL}>" in mine.all_text()


def test_sharing_where_the_bot_is_not_invited_says_how_to_fix_it(world):
    world.emulator.closed_channels.add(SALES_CHANNEL)
    reply = world.slack.slash(SALES, SALES_CHANNEL, "/credit check C0001")
    answer = world.slack.click(SALES, reply, "Share in channel")
    assert "`/invite @creditbot`" in answer.all_text()
    assert world.emulator.channels[SALES_CHANNEL] == []


def test_people_outside_the_configuration_are_refused_politely(world):
    reply = world.slack.slash(STRANGER, SALES_CHANNEL, "/credit check acme industrial")
    text = reply.all_text()
    assert "Credit data is confidential" in text and f"<@{CREDIT_MANAGER}>" in text
    assert "Acme" not in text and "USD" not in text


def test_user_text_is_escaped_so_it_pings_nobody(world):
    text = world.slack.slash(SALES, SALES_CHANNEL, "/credit check <!channel> & co").all_text()
    assert "&lt;!channel&gt; &amp; co" in text
    assert "<!channel>" not in text


@pytest.mark.parametrize("tamper", ["unsigned", "wrong", "stale"])
def test_bad_signatures_get_401_and_change_nothing(world, tamper):
    body, _ = world.slack.slash_body(SALES, SALES_CHANNEL, "/credit check acme")
    if tamper == "unsigned":
        result = world.slack.post(body, signature="")
    elif tamper == "wrong":
        result = world.slack.post(body, signature="v0=" + "0" * 64)
    else:
        result = world.slack.post(body, timestamp=int(time.time()) - 6 * 60)
    assert result.status == 401
    time.sleep(0.3)
    assert world.emulator.calls == []  # not even auth.test: the bot makes no call at start


def test_a_check_is_answered_in_the_http_response_itself(world):
    body, _ = world.slack.slash_body(SALES, SALES_CHANNEL, "/credit check C0001")
    result = world.slack.post(body)
    assert result.status == 200
    message = result.json()
    assert message["response_type"] == "ephemeral"
    assert message["blocks"][0]["text"]["text"] == "Acme Industrial Supply"
    time.sleep(0.3)
    assert world.emulator.calls_to("response_url") == []  # no second round trip


def candidates(world):
    return world.slack.slash(SALES, SALES_CHANNEL, "/credit check acme")


def test_a_slack_500_while_replying_ends_in_an_apology_not_a_crash(world):
    reply = candidates(world)
    world.emulator.fail("response_url", "http500", times=3)
    world.slack.click(SALES, reply, "Acme Packaging", wait=False)
    apology = world.emulator.wait_for("chat.postEphemeral", timeout=10)[0]
    assert apology.args["user"] == SALES and apology.args["channel"] == SALES_CHANNEL
    assert apology.text.startswith("Sorry — Slack did not accept my answer")
    assert [c.status for c in world.emulator.calls_to("response_url")] == [500, 500, 500]
    # the worker is fine: the next command is answered
    assert "/credit check" in world.slack.slash(SALES, SALES_CHANNEL, "/credit help").all_text()


def test_a_429_while_replying_is_retried_after_retry_after(world):
    reply = candidates(world)
    world.emulator.fail("response_url", "ratelimited", times=1, retry_after=1)
    started = time.monotonic()
    card = world.slack.click(SALES, reply, "Acme Packaging", timeout=10)
    assert card.blocks[0]["text"]["text"] == "Acme Packaging"
    assert [c.status for c in world.emulator.calls_to("response_url")] == [429, 200]
    assert time.monotonic() - started >= 1.0


def test_the_ack_is_immediate_even_when_slack_is_slow_to_take_the_answer(world):
    reply = candidates(world)
    world.emulator.fail("response_url", "slow", delay=3.5)
    started = time.monotonic()
    world.slack.click(SALES, reply, "Acme Packaging", wait=False)
    assert time.monotonic() - started < 1.0
    assert world.emulator.wait_for("response_url", timeout=10)[0].blocks


def test_healthz(world, caplog):
    caplog.set_level("INFO")
    for _ in range(3):
        with urllib.request.urlopen(world.url + "/healthz", timeout=5) as answer:
            assert answer.status == 200
    # A load balancer's probes log nothing (Alembic said its dialect twice a probe).
    assert [r.getMessage() for r in caplog.records if r.name.startswith("alembic")] == []


def test_slack_refusing_the_shared_post_says_what_became_of_the_card(world):
    # It said "Slack did not accept my answer, so I could not show it": the share had
    # failed, not the answer, and the person could not tell whether the card was posted;
    # nor could an auditor: nothing was recorded.
    reply = world.slack.slash(SALES, SALES_CHANNEL, "/credit check C0001")
    world.emulator.fail("chat.postMessage", "http500", times=3)
    answer = world.slack.click(SALES, reply, "Share in channel", timeout=15)
    assert answer.all_text() == (
        "Slack did not confirm the card, so it may already be in the channel. Look "
        "there before you share it again.")
    from tests.e2e.alerts_world import audit

    [shared] = audit(world.services.engine, "credit.card_shared")
    assert shared.details["confirmed"] is False
    # Not retried: a 500 may hide a post that went through, and a card posted twice
    # is worse than an apology.
    assert [c.status for c in world.emulator.calls_to("chat.postMessage")] == [500]
    assert world.emulator.channels[SALES_CHANNEL] == []


def test_a_share_slack_keeps_rate_limiting_says_nothing_was_posted(world):
    reply = world.slack.slash(SALES, SALES_CHANNEL, "/credit check C0001")
    world.emulator.fail("chat.postMessage", "ratelimited", times=5, retry_after=1)
    answer = world.slack.click(SALES, reply, "Share in channel", timeout=15)
    assert answer.all_text() == (
        f"Slack asked creditbot to slow down and did not take the card: nothing was posted "
        f"in <#{SALES_CHANNEL}>. Share it again in a minute.")
    assert world.emulator.channels[SALES_CHANNEL] == []
    tries = len(world.emulator.calls_to("chat.postMessage"))
    assert 1 < tries < 5  # the rate limit waited out, a few times, then given up
    world.emulator.heal("chat.postMessage")
    # Nothing was posted, so the button shares again.
    again = world.slack.click(SALES, reply, "Share in channel", timeout=15)
    assert again.all_text().startswith("Acme")
    assert len(world.emulator.channels[SALES_CHANNEL]) == 1


def test_a_customer_without_an_owner_says_so(world):
    """It said "owner nobody assigned"."""
    from sqlalchemy import text

    with world.services.engine.begin() as conn:
        conn.execute(text("UPDATE customers SET owner_slack_id = NULL "
                          "WHERE customer_id = 'C0013'"))
    reply = world.slack.slash(SALES, SALES_CHANNEL, "/credit check C0013")
    assert reply.blocks[1]["fields"][0]["text"] == "*Customer*\nC0013 · no owner"
