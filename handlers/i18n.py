"""Each person's language: gettext catalogues for the words, Babel for numbers, money and
dates.

English is the source language: message ids are the English text with ``{named}``
placeholders, so a missing translation falls back to English, never to an id. Catalogues
live in ``handlers/locale/<lang>/LC_MESSAGES/creditbot.po`` (and the compiled ``.mo``,
shipped in the package); ``pybabel extract/update/compile`` maintain them (README,
"Languages").
"""

from __future__ import annotations

import gettext
import logging
import re
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from functools import cache, lru_cache
from pathlib import Path
from typing import Any, Protocol

from babel import Locale, UnknownLocaleError
from babel.core import get_global
from babel.dates import (
    format_date,
    format_datetime,
    format_time,
    get_datetime_format,
    get_timezone_name,
)
from babel.numbers import (
    format_currency,
    format_decimal,
    format_percent,
    get_currency_precision,
    get_currency_symbol,
    get_decimal_symbol,
    get_group_symbol,
)
from slack_sdk import WebClient

from domain.money import Money
from domain.zones import is_zone_name

log = logging.getLogger("creditbot.i18n")
# The SDK logs a failed request at ERROR before raising; the lookup handles it and says
# so in its own INFO line (the default language will do), so the SDK's own is noise.
_LOOKUP_SDK_LOG = logging.getLogger("creditbot.i18n.lookup")
_LOOKUP_SDK_LOG.setLevel(logging.CRITICAL)

LOCALE_DIR = Path(__file__).parent / "locale"
# How long a command may wait for Slack to say which language a person reads.
LOOKUP_TIMEOUT_SECONDS = 1
DOMAIN = "creditbot"
DEFAULT_LOCALE = "en-US"


# Punctuation that ends a sentence in Chinese (and Japanese): no space follows it.
_FULL_WIDTH_STOPS = frozenset("。！？；：）」』")
# A template's space between a value and a Chinese character, either side (a space
# before a separator such as · stays): kept beside Latin letters and digits
# ("在 2026年12月1日 前", "C0001 的"), dropped where the value's own edge is Chinese too
# ("由销售部处理", "已为深圳明亮之星（C001）登记").
_SPACED_VALUE = re.compile(r"(\{(\w+)\}) (?=[\u3400-\u9fff])")
_VALUE_SPACED = re.compile(r"(?<=[\u3400-\u9fff]) (\{(\w+)\})")
_HAN = re.compile(r"[\u3400-\u9fff]")
# Chinese text's brackets and quotes: they show where a value ends, so never a space.
_FULL_WIDTH_EDGES = frozenset("（「『【“）」』】”")


# A value that is a path, a link or a piece of code keeps its spaces: run into the words
# beside it, `/tmp/信用配置的设置` cannot be told from the sentence, nor copied whole. A
# name with a slash in it (上海/北京分公司) is prose.
_NOT_PROSE = re.compile(r"^[/~.]|[\\`<>]|://")


def _runs_on(value: str, edge: str) -> bool:
    """Whether ``value``, whose character beside the space is ``edge``, takes no space."""
    if edge in _FULL_WIDTH_EDGES:
        return True
    return bool(_HAN.match(edge)) and not _NOT_PROSE.search(value)


def _unspaced(template: str, values: Mapping[str, str]) -> str:
    """``template`` without the spaces ``_runs_on`` drops, outside `code` (its spaces
    are a command's: `/credit 订单 华夏物流`)."""
    def after(found: re.Match[str]) -> str:
        value = values.get(found[2], "")
        return found[1] if _runs_on(value, value[-1:]) else found[0]

    def before(found: re.Match[str]) -> str:
        value = values.get(found[2], "")
        return found[1] if _runs_on(value, value[:1]) else found[0]

    parts = template.split("`")
    parts[::2] = [_VALUE_SPACED.sub(before, _SPACED_VALUE.sub(after, part))
                  for part in parts[::2]]
    return "`".join(parts)


def babel_locale(tag: str) -> Locale:
    """``zh-CN``, ``zh_CN``, ``en-US``, ``ja``… as Babel knows them; unknown → en_US."""
    try:
        return Locale.parse(tag.replace("-", "_"))
    except (UnknownLocaleError, ValueError, TypeError):
        return Locale.parse("en_US")


# As China says it (CLDR's 中国时间 is what a map would say).
_ZONES_IN_CHINESE = {"Asia/Shanghai": "北京时间", "Asia/Chongqing": "北京时间",
                     "Asia/Harbin": "北京时间", "PRC": "北京时间"}


@cache
def _zone_in_chinese(zone: str) -> str:
    if zone in _ZONES_IN_CHINESE:
        return _ZONES_IN_CHINESE[zone]
    try:
        named = get_timezone_name(zone, locale="zh_Hans_CN")
    except (LookupError, ValueError):
        return zone
    return zone if "未知" in named else named


@dataclass(frozen=True)
class Translator:
    """The words and formats of one locale. ``_`` and ``ngettext`` are the names pybabel
    extracts; placeholders are ``{named}`` and filled after translation."""

    tag: str
    locale: Locale
    catalogue: gettext.NullTranslations
    # Compiled money formats by currency (see _money_format).
    formats: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def _(self, message: str, **params: Any) -> str:
        text = self.catalogue.gettext(message)
        return self.fill(text, params) if params else text

    def ngettext(self, singular: str, plural: str, n: int, **params: Any) -> str:
        text = self.catalogue.ngettext(singular, plural, n)
        return self.fill(text, {"n": n, **params})

    @staticmethod
    def sentences(*parts: str) -> str:
        """Sentences one after another: a space between them, but none after a
        full-width stop (Chinese runs "驳回。订单…" on, "驳回。 订单" shows a gap)."""
        text = ""
        for part in parts:
            if text and part:
                text += "" if text[-1] in _FULL_WIDTH_STOPS else " "
            text += part
        return text

    def zone_name(self, zone: str) -> str:
        """A time zone as this reader names it: 北京时间 or 香港时间 for a Chinese reader
        ("截至 2026年12月6日（Asia/Shanghai）" read as a setting), its IANA name for
        everyone else (what app.yaml and the admins write)."""
        if self.locale.language != "zh":
            return zone
        return _zone_in_chinese(zone)

    def name_of(self, name: str, local: str | None) -> str:
        """A company as this reader knows it: its legal name in the local script
        (青岛海洋渔业有限公司) for a Chinese reader when the ERP has one, else its name."""
        return local if local and self.locale.language == "zh" else name

    def listing(self, items: Iterable[Any]) -> str:
        """Items one after another as this language lists them: "A, B" in English,
        "A、B" in Chinese."""
        return self._(", ").join(self.value(item) for item in items)

    def fill(self, text: str, params: Mapping[str, Any]) -> str:
        # ``zone`` is a time zone's IANA name wherever a message takes one.
        values = {k: self.zone_name(v) if k == "zone" and isinstance(v, str) else self.value(v)
                  for k, v in params.items()}
        if self.locale.language == "zh":
            text = _unspaced(text, values)
        return text.format(**values)

    def value(self, value: Any) -> str:
        """A parameter as this locale writes it."""
        if isinstance(value, Money):
            return self.money(value)
        if isinstance(value, bool):
            return str(value)
        if isinstance(value, int | Decimal):
            return self.number(value)
        if isinstance(value, datetime):
            return format_datetime(value, format="medium", locale=self.locale)
        if isinstance(value, date):
            return self.date(value)
        shown_by = getattr(value, "shown_by", None)
        if callable(shown_by):  # a word the reader's language has a name for (a role)
            return str(shown_by(self))
        return str(value)

    def money(self, amount: Money) -> str:
        """Symbol, placement, grouping and decimals as the reader's locale writes them
        (``$1,234.50``, ``US$1,234.50``, ``¥1,234.50``, ``JP¥1,235``)."""
        write = self.formats.get(amount.currency)
        if write is None:
            write = self.formats[amount.currency] = _money_format(str(self.locale),
                                                                  amount.currency)
        return write(amount.rounded().amount)

    def number(self, value: int | Decimal, places: int | None = None) -> str:
        """``places``: exactly that many decimals (``90.0``, not ``90``, beside ``90.1``)."""
        if places is None:
            return format_decimal(value, locale=self.locale)
        pattern = "#,##0." + "0" * places if places else "#,##0"
        return format_decimal(value, format=pattern, locale=self.locale,
                              decimal_quantization=True)

    def tenths(self, value: Decimal) -> str:
        """To one decimal, rounded half up as a reader rounds (Decimal's default, half
        even, shows 45.25 as 45.2), and always shown: 90.0 beside 90.1, not 90."""
        return self.number(value.quantize(Decimal("0.1"), ROUND_HALF_UP), 1)

    def percent(self, fraction: Decimal) -> str:
        """A share of the limit as a whole percentage, rounded toward zero as the
        terminal's portfolio shows it: 99.6 % used is not "100%" (the limit is not
        reached), and 79.6 % is not "80%" beside no 80 % alert. Over the limit by less
        than a percent is "over 100%", not "100%" beside "over the limit"."""
        shown = fraction.quantize(Decimal("0.01"), rounding=ROUND_DOWN)
        if fraction > 1 and shown == 1:
            return self._("over {share}", share=format_percent(shown, locale=self.locale))
        return format_percent(shown, locale=self.locale)

    def date(self, day: date) -> str:
        return format_date(day, format="medium", locale=self.locale)

    def moment(self, when: datetime, zone: Any) -> str:
        """A point in time shown in the *reader's* time zone by Slack, with a fallback in
        ``zone`` (the organisation's) for clients that cannot render the token."""
        local = when.astimezone(zone)
        # To the minute, as Slack's own {time} shows it: a deadline's seconds are noise.
        fallback = str(get_datetime_format("medium", locale=self.locale)).replace(
            "{1}", format_date(local, format="medium", locale=self.locale)).replace(
            "{0}", format_time(local, format="short", locale=self.locale))
        return f"<!date^{int(when.timestamp())}^{{date_short_pretty}} {{time}}|{fallback}>"

    def clock(self, when: datetime, zone: Any) -> str:
        """A time of day, as ``moment`` shows one: in the reader's zone by Slack, the
        fallback in ``zone`` in the language's own format ("4:00 PM", "16:00")."""
        local = format_time(when.astimezone(zone), format="short", locale=self.locale)
        return f"<!date^{int(when.timestamp())}^{{time}}|{local}>"


@lru_cache(maxsize=512)
def _money_format(locale_name: str, currency: str) -> Any:
    """Babel's format (see ``_unspaced_format``), with CLDR's currency spacing, which
    Babel leaves out: a symbol that ends in a letter stands apart from the digits
    ("SGD 80,000.00", not "SGD80,000.00"; "US$80,000.00" as it was)."""
    write = _unspaced_format(locale_name, currency)
    symbol = get_currency_symbol(currency, Locale.parse(locale_name))
    if not symbol[-1:].isalpha():
        return write
    touching = re.compile(re.escape(symbol) + r"(?=\d)")

    def spaced(value: Decimal) -> str:
        return touching.sub(symbol + "\u00a0", write(value), count=1)

    return spaced


def _unspaced_format(locale_name: str, currency: str) -> Any:
    """Babel's currency format for one locale and currency, compiled once.

    Babel parses and applies its pattern on every call (~20 µs); a card shows a dozen
    amounts. For the usual patterns (groups of three, the symbol before or after the
    number) the same text comes from Python's own formatting with the symbols swapped;
    anything else falls back to Babel. The tests hold the two equal.
    """
    locale = Locale.parse(locale_name)
    pattern = locale.currency_formats["standard"]
    places = get_currency_precision(currency)

    def babel(value: Decimal) -> str:
        return format_currency(value, currency, locale=locale)

    if pattern.grouping != (3, 3) or len(pattern.prefix) != 2 or len(pattern.suffix) != 2:
        return babel
    symbol = get_currency_symbol(currency, locale)
    group, point = get_group_symbol(locale), get_decimal_symbol(locale)
    swap = str.maketrans({",": group, ".": point})
    (prefix, negative_prefix), (suffix, negative_suffix) = pattern.prefix, pattern.suffix
    if "¤¤" in prefix + suffix or "'" in prefix + suffix:
        return babel
    prefix, negative_prefix, suffix, negative_suffix = (
        part.replace("¤", symbol) for part in (prefix, negative_prefix, suffix,
                                               negative_suffix))

    plain = group == "," and point == "."

    def fast(value: Decimal) -> str:
        digits = f"{abs(value):,.{places}f}"
        if not plain:
            digits = digits.translate(swap)
        if value < 0:
            return f"{negative_prefix}{digits}{negative_suffix}"
        return f"{prefix}{digits}{suffix}"

    # Some locales add rules of their own (minimum grouping, other signs): keep the
    # shortcut only where it writes exactly what Babel writes.
    samples = (Decimal("0"), Decimal("7.5"), Decimal("-1234.5"), Decimal("1234567.891"),
               Decimal("-98765432.1"))
    return fast if all(fast(v) == babel(v) for v in samples) else babel


class NamesACustomer(Protocol):
    """A record that kept its customer's names (a credit request, an order's check)."""

    @property
    def customer_name(self) -> str: ...

    @property
    def customer_name_local(self) -> str | None: ...


def known_as(tr: Translator, record: NamesACustomer) -> str:
    """The customer a request or an order is for, as ``tr``'s reader knows it."""
    return tr.name_of(record.customer_name, record.customer_name_local)


@lru_cache(maxsize=64)
def translator(tag: str | None) -> Translator:
    """The translator for a locale tag such as Slack's ``zh-CN``; cached per tag.

    A Traditional Chinese reader (zh-TW, zh-HK) gets the Simplified catalogue: closer
    than English; and its formats, so that ¥ in those words is the yuan it is for every
    other reader of them (Taiwan's ¥ is the yen). A language creditbot does not speak
    gets English throughout, words and formats alike, rather than English words with,
    say, German numbers."""
    locale = babel_locale(tag or DEFAULT_LOCALE)
    names = [n for n in _candidates(locale) if _has_mo(n)]
    if not names and locale.language == "zh":
        names = [n for n in ("zh_Hans",) if _has_mo(n)]
        if names:
            locale = babel_locale("zh-CN")
    if not names and locale.language != "en":
        locale = babel_locale(DEFAULT_LOCALE)
    catalogue = gettext.translation(DOMAIN, LOCALE_DIR, languages=names or ["en"],
                                    fallback=True)
    return Translator(tag or DEFAULT_LOCALE, locale, catalogue)


def speaks(tag: str) -> bool:
    """Whether creditbot has words for this language (English is its own source)."""
    try:
        locale = Locale.parse(tag.replace("-", "_"))
    except (UnknownLocaleError, ValueError, TypeError):
        return False
    return locale.language == "en" or any(_has_mo(name) for name in (
        *_candidates(locale), *(("zh_Hans",) if locale.language == "zh" else ())))


def _has_mo(name: str) -> bool:
    return (LOCALE_DIR / name / "LC_MESSAGES" / f"{DOMAIN}.mo").exists()


def _candidates(locale: Locale) -> list[str]:
    """Catalogue names from the most to the least specific: zh_Hans_CN, zh_Hans, zh. A
    script is never dropped when the locale has one: a zh_Hant reader does not get the
    Simplified catalogue by way of plain ``zh``."""
    names = [str(locale)]
    script = locale.script
    if script is None:  # a bare "zh" means the script its speakers mostly write
        likely = get_global("likely_subtags").get(locale.language, "")
        script = next((part for part in likely.split("_")[1:] if len(part) == 4), None)
    names.append(f"{locale.language}_{script}" if script else locale.language)
    return names





def N_(message: str) -> str:
    """Marks text for extraction where it is defined, to be translated where it is shown."""
    return message


# A person's Slack locale as the bot last learnt it (storage.slack_locales), or None.
Remembered = Callable[[str], str | None]


class DestinationLocales:
    """``locale_of(destination)`` for what creditbot sends on its own (cards, notes,
    digests), where no Slack lookup may run (inside a transaction, in a job's process):
    app.yaml's override for the person or channel, else the locale Slack last reported
    for the person (``remembered``), else the organisation's."""

    def __init__(self, default: str, overrides: Mapping[str, str],
                 remembered: Remembered | None = None) -> None:
        self.default = default
        self.overrides = dict(overrides)
        self.remembered = remembered

    def __call__(self, destination: str) -> str:
        if destination in self.overrides:
            return self.overrides[destination]
        learnt = self.remembered(destination) if self.remembered is not None else None
        return learnt or self.default


class Languages:
    """Whose language: app.yaml's override for the person, else the locale Slack reports
    for them (``users.info``, cached for ``ttl`` seconds and dropped when Slack says the
    person changed), else the organisation's. Channel posts use the channel's language
    from app.yaml, else the organisation's."""

    def __init__(self, default: str, people: Mapping[str, str] | None = None,
                 channels: Mapping[str, str] | None = None, ttl: float = 3600.0,
                 retry_after: float = 300.0, clock: Any = None,
                 remember: Callable[[str, str], None] | None = None,
                 zone: str = "UTC") -> None:
        self.default = default
        # The organisation's time zone: a person's when Slack does not say theirs.
        self.zone = zone
        # users.info answers the time zone with the locale: cached alike (meetings).
        self._zones: dict[str, tuple[str | None, float]] = {}
        # Told each locale Slack reports that differs from the one known before, so that
        # messages queued elsewhere (DestinationLocales) follow the person's Slack.
        self.remember = remember
        self.people = dict(people or {})
        self.channels = dict(channels or {})
        self.ttl = ttl
        self.retry_after = retry_after
        self._clock = clock or time.monotonic
        self._known: dict[str, tuple[str | None, float]] = {}
        self._lock = threading.Lock()

    def __deepcopy__(self, memo: dict[int, object]) -> Languages:
        # Bolt deep-copies the context for lazy listeners; the cache is shared.
        return self

    def for_channel(self, channel: str | None) -> Translator:
        return translator(self.channels.get(channel or "", self.default))

    def tag_of(self, user_id: str, client: Any) -> str:
        if user_id in self.people:
            return self.people[user_id]
        now = self._clock()
        with self._lock:
            known = self._known.get(user_id)
        if known is not None and known[1] > now:
            return known[0] or self.default
        tag, good_for = self._ask_slack(user_id, client)
        with self._lock:
            self._known[user_id] = (tag, now + good_for)
        if tag and self.remember is not None and (known is None or known[0] != tag):
            self.remember(user_id, tag)
        return tag or self.default

    def for_person(self, user_id: str | None, client: Any) -> Translator:
        return translator(self.tag_of(user_id, client) if user_id else self.default)

    def forget(self, user_id: str) -> None:
        with self._lock:
            self._known.pop(user_id, None)
            self._zones.pop(user_id, None)

    def zone_of(self, user_id: str, client: Any) -> str:
        """The IANA time zone Slack reports for the person, else the organisation's."""
        now = self._clock()
        with self._lock:
            known = self._zones.get(user_id)
        if known is None or known[1] <= now:
            self._ask_slack(user_id, client)
            with self._lock:
                known = self._zones.get(user_id)
        return (known[0] if known else None) or self.zone

    def _ask_slack(self, user_id: str, client: Any) -> tuple[str | None, float]:
        # On the request path: one short try, none of the client's retries. A slow or
        # absent Slack costs a person at most LOOKUP_TIMEOUT once a minute, not seconds
        # on every command.
        quick = client
        if isinstance(client, WebClient):
            quick = WebClient(token=client.token, base_url=client.base_url,
                              timeout=LOOKUP_TIMEOUT_SECONDS, retry_handlers=[],
                              logger=_LOOKUP_SDK_LOG)
        try:
            answer = quick.users_info(user=user_id, include_locale=True)
            user = answer.get("user") or {}
            self._remember_zone(user_id, user.get("tz"), self.ttl)
            return user.get("locale"), self.ttl
        except Exception as problem:  # Slack down or the scope missing: the default will do
            log.info(
                "no locale for %s from Slack (%s); using %s for %.0f s", user_id,
                type(problem).__name__, self.default, self.retry_after)
            self._remember_zone(user_id, None, self.retry_after)
            return None, self.retry_after

    def _remember_zone(self, user_id: str, zone: object, good_for: float) -> None:
        valid = zone if isinstance(zone, str) and is_zone_name(zone) else None
        with self._lock:
            self._zones[user_id] = (valid, self._clock() + good_for)



