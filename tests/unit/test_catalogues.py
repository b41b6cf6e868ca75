"""The language catalogues: every message a person can see has a Chinese translation
that keeps its placeholders, and the compiled catalogue shipped in the package says the
same as its source."""

from __future__ import annotations

import gettext
import re
from decimal import Decimal

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from babel.numbers import format_currency, get_currency_symbol
from hypothesis import given
from hypothesis import strategies as st

from domain.money import Money
from handlers.i18n import LOCALE_DIR, translator
from tests.conftest import ROOT

KEYWORDS = {"_": None, "N_": None, "ngettext": (1, 2)}
LANGUAGES = ["zh_Hans"]
PLACEHOLDER = re.compile(r"\{(\w*)\}")


def _source_messages() -> set[str]:
    """What pybabel would extract (babel.cfg): handlers, the domain, the sandbox."""
    found: set[str] = set()
    for folder in ("handlers", "domain", "bot/sandbox"):
        for _file, _line, message, _comments, _context in extract_from_dir(
                ROOT / folder, keywords=KEYWORDS, method_map=[("**.py", "python")]):
            found.add(message[0] if isinstance(message, tuple) else message)
    return found


def _catalogue(language: str):
    with open(LOCALE_DIR / language / "LC_MESSAGES" / "creditbot.po", "rb") as po:
        return read_po(po, locale=language)


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_message_in_the_code_has_a_translation(language):
    catalogue = _catalogue(language)
    translated = {(m.id[0] if isinstance(m.id, tuple) else m.id): m for m in catalogue if m.id}
    missing = sorted(_source_messages() - set(translated))
    assert missing == [], f"run pybabel extract/update (README, Languages): {missing}"
    untranslated = sorted(mid for mid, m in translated.items()
                          if "fuzzy" in m.flags or not all(
                              m.string if isinstance(m.string, tuple) else [m.string]))
    assert untranslated == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_translations_keep_every_placeholder(language):
    for message in _catalogue(language):
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        wanted = set(PLACEHOLDER.findall(ids[-1])) | set(PLACEHOLDER.findall(ids[0]))
        for string in strings:
            assert set(PLACEHOLDER.findall(string)) == wanted, (ids[0], string)


# Slack reads "<" as the start of a mention, a channel, a date or a link, in a code span
# too: "`/credit request C0002 +100k <reason>`" showed a broken link. A placeholder for
# the person to fill is written &lt;reason&gt;.
_BARE_ANGLE = re.compile(r"<(?![@#!]|\{)")


def test_no_message_holds_an_angle_bracket_slack_would_read_as_a_link():
    bare = sorted(m for m in _source_messages() if _BARE_ANGLE.search(m))
    assert bare == []
    for message in _catalogue("zh_Hans"):
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        assert not any(_BARE_ANGLE.search(s or "") for s in strings), message.id


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_compiled_catalogue_says_what_its_source_says(language):
    folder = LOCALE_DIR / language / "LC_MESSAGES"
    with open(folder / "creditbot.mo", "rb") as mo:
        compiled = gettext.GNUTranslations(mo)
    for message in _catalogue(language):
        if not message.id:
            continue
        if isinstance(message.id, tuple):
            assert compiled.ngettext(*message.id, 2) == message.string[0], message.id
        else:
            assert compiled.gettext(message.id) == message.string, message.id


def test_chinese_readers_get_chinese_and_others_fall_back_to_english():
    assert translator("zh-CN")._("Credit limit") == "信用额度"
    assert translator("zh")._("Credit limit") == "信用额度"
    # No Traditional catalogue yet: Simplified is closer than English for its readers.
    assert translator("zh-TW")._("Credit limit") == "信用额度"
    # ... written as those words are for everyone: ¥ is the yuan there, as for zh-CN (in
    # Taiwan's formats ¥ was the yen, and the yuan CN¥).
    for tag in ("zh-TW", "zh-HK"):
        reader = translator(tag)
        assert reader.money(Money(Decimal("890000"), "CNY")) == "¥890,000.00"
        assert reader.money(Money(Decimal("97000000"), "JPY")) == "JP¥97,000,000"
    # A language creditbot does not speak is English throughout, words and formats.
    german = translator("de-DE")
    assert german._("Credit limit") == "Credit limit"
    assert german.money(Money(Decimal("100000"), "USD")) == "$100,000.00"
    assert translator("ja-JP")._("Credit limit") == "Credit limit"
    assert translator("zh-CN").ngettext("{n} day", "{n} days", 30) == "30 天"


LOCALES = ["en-US", "zh-CN", "de-DE", "fr-FR", "ja-JP", "en-IN", "de-CH", "ar-EG", "pt-BR"]


@given(st.sampled_from(LOCALES), st.sampled_from(["USD", "CNY", "JPY", "EUR", "KWD", "INR"]),
       st.decimals(min_value=Decimal("-1e12"), max_value=Decimal("1e12"), places=4))
def test_money_is_written_exactly_as_babel_writes_it(tag, currency, amount):
    """As Babel writes it, but for CLDR's currency spacing, which Babel leaves out: a
    symbol ending in a letter (KWD, Babel's "KWD1,234.500") stands apart from the digits."""
    tr = translator(tag)
    money = Money(amount, currency)
    written = format_currency(money.rounded().amount, currency, locale=tr.locale)
    symbol = get_currency_symbol(currency, tr.locale)
    if symbol[-1].isalpha():
        written = re.sub(re.escape(symbol) + r"(?=\d)", symbol + "\u00a0", written, count=1)
    assert tr.money(money) == written


def test_a_currency_written_by_its_code_stands_apart_from_the_digits():
    # "SGD80,000.00" and "-DKK7,300.00" for an American reader (Babel's own).
    american = translator("en-US")
    assert [american.money(Money(Decimal(v), c)) for v, c in (
        ("80000", "SGD"), ("-7300", "DKK"), ("5", "USD"), ("5", "CNY"))] == [
        "SGD\u00a080,000.00", "-DKK\u00a07,300.00", "$5.00", "CN¥5.00"]


def test_no_translation_call_hides_inside_an_f_string():
    """pybabel cannot see a literal passed to ``_`` inside an f-string, so its text would
    never reach the catalogue (it happened to "Aging")."""
    hidden = re.compile(r"""f(["']).*\{[\w.]*_\((["'])""")
    offenders = [f"{path.relative_to(ROOT)}:{number}"
                 for folder in ("handlers", "domain", "bot")
                 for path in (ROOT / folder).rglob("*.py")
                 for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
                 if hidden.search(line)]
    assert offenders == []


def test_chinese_takes_no_space_after_a_value_that_ends_in_a_full_width_bracket():
    """"Acme（C0001） 的订单" and "信用经理（@mei） 须在": the bracket spaces it already."""
    zh = translator("zh-CN")
    who = "Acme（C0001）"
    assert zh.fill("{customer} 的订单", {"customer": who}) == "Acme（C0001）的订单"
    # A bare name keeps its space; so does a separator after the bracket, and English.
    assert zh.fill("{customer} 的订单", {"customer": "Acme"}) == "Acme 的订单"
    assert zh.fill("{customer} · {state}", {"customer": who, "state": "未结"}) == (
        "Acme（C0001） · 未结")
    assert translator("en-US").fill("{customer} 的", {"customer": who}) == "Acme（C0001） 的"


def test_chinese_runs_a_value_into_chinese_words_on_either_side():
    """"已为 深圳明亮之星（C001） 登记争议", "由 销售部 处理", "2026年12月1日 前支付": a
    space between two Chinese characters is a gap; beside Latin letters and digits it is
    the usual spacing, and inside `code` it separates a command's words."""
    zh = translator("zh-CN")
    template = "已为 {customer} 登记争议，由 {department} 处理，在 {day} 前支付"
    assert zh.fill(template, {"customer": "深圳明亮之星（C001）", "department": "销售部",
                              "day": "2026年12月1日"}) == (
        "已为深圳明亮之星（C001）登记争议，由销售部处理，在 2026年12月1日前支付")
    assert zh.fill(template, {"customer": "Acme (C001)", "department": "Sales",
                              "day": "Dec 1"}) == (
        "已为 Acme (C001) 登记争议，由 Sales 处理，在 Dec 1 前支付")
    assert zh.fill("提醒：{subject} 将在 {lead}后开始。", {
        "subject": "“12月逾期账户回顾”", "lead": "23 小时"}) == (
        "提醒：“12月逾期账户回顾”将在 23 小时后开始。")
    assert zh.fill("例如 `{command} 华夏物流 25万`。", {"command": "/credit 订单"}) == (
        "例如 `/credit 订单 华夏物流 25万`。")
    assert translator("en-US").fill("由 {department} 处理", {"department": "销售部"}) == (
        "由 销售部 处理")
    # A path or a link stays apart from the words: where it ends must show.
    assert zh.fill("按 {config} 的设置读取", {"config": "/tmp/信用配置"}) == (
        "按 /tmp/信用配置 的设置读取")
    assert zh.fill("见 {url} 页面", {"url": "https://例子.中国/帮助"}) == (
        "见 https://例子.中国/帮助 页面")
    assert zh.fill("由 {v} 处理", {"v": "上海/北京分公司"}) == "由上海/北京分公司处理"


def test_chinese_text_names_a_command_by_its_chinese_word():
    """A collector reading Chinese was told "`/credit collect` 会把它排在前面" when
    `/credit 催收` works as well and reads as the rest of the sentence."""
    from handlers.features import catalogue

    chinese = {sub.name: next(a for a in sub.aliases if not a.isascii())
               for sub in catalogue().subcommands if any(not a.isascii() for a in sub.aliases)}
    english = re.compile(r"`/credit (" + "|".join(map(re.escape, chinese)) + r")\b")
    named = sorted(f"{m.string} (write /credit {chinese[found[1]]})"
                   for m in _catalogue("zh_Hans") if m.id and isinstance(m.string, str)
                   for found in [english.search(m.string)] if found)
    assert named == []
