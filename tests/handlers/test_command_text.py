"""What Slack sends as command text, read as people meant it."""

from __future__ import annotations

import pytest

from domain.text import simplified
from handlers.credit import split_command


@pytest.mark.parametrize(("text", "expected"), [
    ("check acme", ("check", "acme")),
    ("check\nacme", ("check", "acme")),
    ("check\tacme  ", ("check", "acme")),
    ("check\u00a0acme", ("check", "acme")),               # a no-break space
    ("ｃｈｅｃｋ\u3000ａｃｍｅ", ("check", "ａｃｍｅ")),   # full-width, ideographic space
    ("查询：华夏物流", ("查询", "华夏物流")),               # a full-width colon after the word
    ("check AT&amp;T", ("check", "AT&T")),                 # Slack's entities turned back once
    ("check &amp;lt;b&amp;gt;", ("check", "&lt;b&gt;")),   # what the person typed literally
    ("check &lt;!channel&gt;", ("check", "<!channel>")),    # escaped again where it is shown
    ("check ac\x00me\x1b[2J", ("check", "ac me [2J")),      # control characters never pass
    # Slack's escaping (the manifest's should_escape) of links and channels, undone;
    # a picked person stays a mention (/credit delegate reads the id)
    ("check <http://acme.com|acme.com>", ("check", "acme.com")),
    ("check <mailto:a@b.co|a@b.co> x", ("check", "a@b.co x")),
    ("check <https://x.example>", ("check", "https://x.example")),
    ("check <#C0123ABCDE|sales>", ("check", "sales")),
    ("delegate <@U02CREDITAN|an> until 2026-12-31",
     ("delegate", "<@U02CREDITAN|an> until 2026-12-31")),
    ("", ("", "")),
    ("   ", ("", "")),
    # Invisible characters go: glued to "until" or a currency they hid the word (a
    # temporary limit was filed as a permanent one, a euro order as dollars); inside an
    # id they made it another one; as a word of their own, they were a reason.
    ("request C0006 +10k until\u200b 2027-01-31 x", ("request", "C0006 +10k until 2027-01-31 x")),
    ("order C0003 5k \u200bEUR PO-3", ("order", "C0003 5k EUR PO-3")),
    ("che\u200bck C00\u2060\u202e02", ("check", "C0002")),
    ("request C0001 +10k \u200b\u2060", ("request", "C0001 +10k")),
    # Words that show nothing though they are not format characters.
    ("request C0001 +10k \u3164 \u2800 \ufe0f", ("request", "C0001 +10k")),
    # The joiners stay where they join: an emoji family, a Persian word.
    ("request C0001 +10k 👨\u200d👩\u200d👧 \u200d", ("request", "C0001 +10k 👨\u200d👩\u200d👧")),
    # Between ASCII letters a joiner joins nothing: "un‍til" filed a permanent limit.
    ("request C0006 +10k un\u200dtil 2027-01-31 x", ("request",
                                                    "C0006 +10k until 2027-01-31 x")),
    ("requ\u200cest C\u200d0006 +10k فروشگاه\u200cنو", ("request", "C0006 +10k فروشگاه\u200cنو")),
    # Traditional characters stay as typed here (the router reads the word in Simplified
    # when it is a command's): a name glued to the word by "：" was half converted.
    ("申請 C0002 +5k 備貨", ("申請", "C0002 +5k 備貨")),
    ("查詢：會通報務貿易", ("查詢", "會通報務貿易")),
])
def test_command_text_is_read_as_people_meant_it(text, expected):
    assert split_command(text) == expected


def test_every_chinese_subcommand_written_in_traditional_characters_is_known():
    from handlers import features

    catalogue = features.catalogue()
    traditional = str.maketrans("询请订单历托会议纪务帮报", "詢請訂單歷託會議紀務幫報")
    aliases = [(a, s.name) for s in catalogue.subcommands for a in s.aliases]
    assert len(aliases) >= 15
    for alias, name in aliases:
        word, _ = split_command(alias.translate(traditional) + " x")
        found = catalogue.subcommand(simplified(word))
        assert found is not None and found.name == name, alias


def test_check_is_also_its_word_for_word_translation():
    # /credit 检查 ("check") was "I don't know /credit 检查", with no suggestion.
    from handlers import features

    found = features.catalogue().subcommand("检查")
    assert found is not None and found.name == "check"


def test_a_route_nobody_could_decide_is_said_beside_the_amount_in_the_form():
    # It showed beside the Customer field, which has nothing to do with it; the amount
    # chose the route.
    from domain.approvals.filing import FilingRefused
    from domain.approvals.roles import Role
    from handlers.approvals.request_modal import AMOUNT, _field_of

    refused = FilingRefused("Nobody could decide level {level} ({role}) of this request",
                            level=2, role=Role("cfo"))
    assert _field_of(refused) == AMOUNT
