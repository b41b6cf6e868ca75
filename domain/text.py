"""Marking text that people read, so the Slack side can show it in their language.

The domain writes English with ``{named}`` placeholders and wraps it in ``N_`` where it
is defined; ``pybabel extract`` finds ``N_`` calls, and ``handlers.i18n`` translates the
template and fills in the values as the reader's locale writes them. ``N_`` itself does
nothing at run time.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any, Self

from domain.chinese_variants import simplified_chinese

# Every format character (Unicode category Cf: soft hyphen, zero-width spaces and
# joiners, bidi controls, BOM, interlinear and tag characters…) and the combining
# grapheme joiner: nothing a reader sees, all of it able to make two equal-looking
# texts differ ("PO-7" and "PO\u00ad-7") or to reorder a line.
INVISIBLE = ("\u00ad\u034f\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u180e"
             "\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb"
             "\U000110bd\U000110cd\U00013430-\U0001343f\U0001bca0-\U0001bca3"
             "\U0001d173-\U0001d17a\U000e0001\U000e0020-\U000e007f")
_INVISIBLE = re.compile(f"[{INVISIBLE}]")


def without_invisible(text: str) -> str:
    """``text`` with every invisible character (``INVISIBLE``) dropped, not spaced:
    "Ze\u200bro" is "Zero"."""
    return _INVISIBLE.sub("", text)


# The zero-width (non-)joiners shape letters (Persian) and join emoji (👨‍👩‍👧): what a
# person types keeps them where they join something; every other invisible character goes.
INVISIBLE_BUT_JOINERS = re.compile(f"(?![\u200c\u200d])[{INVISIBLE}]")
# A joiner that joins nothing: at either end, beside a space, or beside an ASCII
# character, which no joiner shapes ("un\u200dtil" is "until", and "C0002\u200d" C0002).
LONE_JOINER = re.compile(r"(?:^|(?<=[\x00-\x7f\s]))[\u200c\u200d]+"
                         r"|[\u200c\u200d]+(?=[\x00-\x7f\s]|$)")
# Characters that show as nothing though they are not format characters: the Hangul
# fillers, the blank Braille pattern, variation selectors on their own.
BLANK_LOOKING = "\u115f\u1160\u3164\uffa0\u2800\ufe00-\ufe0f"
_BLANK = re.compile(f"[{INVISIBLE}{BLANK_LOOKING}\\s]+")


def as_typed(text: str) -> str:
    """What a person typed, as it reads: invisible characters dropped (a zero-width space
    glued to "until" or "EUR" hid the word from every parser), the joiners kept where
    they join two characters."""
    return LONE_JOINER.sub("", INVISIBLE_BUT_JOINERS.sub("", text))


# Slack's mrkdwn has no escape for its formatting characters: messages show them as
# look-alikes that format nothing (``handlers.render``). The way back: a value copied
# from a message (an id typed into a command or a form) reads as it was written.
_AS_WRITTEN = str.maketrans({"∗": "*", "＿": "_", "∼": "~", "ˋ": "`", "∶": ":"})


def as_written(text: str) -> str:
    """``text`` with the look-alikes messages show for ``* _ ~ ` `` and an emoji code's
    colon turned back."""
    return text.translate(_AS_WRITTEN)


def looks_blank(text: str) -> bool:
    """Whether ``text`` shows nothing: spaces, invisible and blank-looking characters
    only (a reason of "ㅤ" passed "required" and read as empty)."""
    return not _BLANK.sub("", text)


# C0 and C1 controls and DEL: in a terminal ESC starts an escape sequence (clearing the
# screen, setting the window's title), so a value quoted back never carries one as is;
# nor what a terminal does not show but obeys: the bidi controls (U+202E shows "Bidi
# exe.live" as "Bidi evil.exe") and the line and paragraph separators.
_UNSEEN = re.compile(r"[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
                     r"\u2028\u2029]")


def shown_controls(text: str) -> str:
    """``text`` with each control character written as its code (``\x1b``, ``\u202e``),
    for a message that quotes a value back to a terminal or a log: what was wrong stays
    visible, and inert."""
    return _UNSEEN.sub(_code, text)


def _code(found: re.Match[str]) -> str:
    point = ord(found.group())
    return f"\\x{point:02x}" if point < 0x100 else f"\\u{point:04x}"


# Letters of other alphabets that read as a Latin letter (Cyrillic С, Greek Ο, Lisu ꓚ,
# Cherokee Ꮯ...): the common ones of Unicode's confusables, by the Latin letter they
# read as. Lower-case forms that look like small capitals count too (Cyrillic к, т).
_READ_AS_LATIN = {
    "a": "АаΑαꓮ", "b": "ВвΒβꓐᏴ", "c": "СсϹϲꓚᏟ", "d": "ԁꓓᎠ", "e": "ЕеΕꓰᎬ", "f": "ꓝ",
    "g": "ꓖᏀ", "h": "НнһΗՀհꓧᎻ", "i": "ІіΙιӀӏꓲᏆ", "j": "ЈјꓙᎫ", "k": "КкΚκꓗᏦ",
    "l": "ꓡᏞ", "m": "МмΜꓟᎷ", "n": "Νոꓠ", "o": "ОоΟοՕօꓳ", "p": "РрΡρꓑᏢ", "q": "ԛզ",
    "r": "ꓣᏒ", "s": "ЅѕꓢᏚ", "t": "ТтΤτꓔᎢ", "u": "ս", "v": "νꓦᏙ", "w": "ԜԝꓪᎳ",
    "x": "ХхΧχꓫ", "y": "УуҮүΥꓬ", "z": "ΖꓜᏃ",
}
_AS_LATIN = str.maketrans({look: latin for latin, looks in _READ_AS_LATIN.items()
                           for look in looks})


def reads_as(text: str) -> str:
    """What ``text`` reads as, whatever its letters' case, width or alphabet: "С0001"
    with a Cyrillic Es, "c0001" and the full-width "Ｃ0001" all read as C0001. A key for
    telling people about ids that read the same, never for finding what they typed."""
    # Before NFKC too: it turns some look-alikes into letters that look like none (the
    # lunate Ϲ into Σ), and after it, for the compatibility forms it unfolds.
    return unicodedata.normalize("NFKC", text.translate(_AS_LATIN)).translate(
        _AS_LATIN).casefold()


def N_(message: str) -> str:
    return message


class Listed(tuple[str, ...]):
    """Items a message lists, joined as the reader's language joins them ("A, B" in
    English, "A、B" in Chinese). Each item is a value of its own: renderers escape the
    items one by one, as they would a single value."""

    def shown_by(self, tr: Any) -> str:
        return str(tr.listing(self))

    def map(self, show: Callable[[str], str]) -> Listed:
        return Listed(show(item) for item in self)

    def __str__(self) -> str:
        return ", ".join(self)


class CompanyName(str):
    """A customer's name as the ERP gives it, with its legal name in the local script
    when there is one: each reader is shown the one they read (a Chinese reader the local
    one), escaped as any text from the ERP. A refusal that named the customer in English
    to a Chinese reader, right after its card had named it in Chinese, confused two
    names for two companies."""

    local: str | None

    def __new__(cls, name: str, local: str | None = None) -> Self:
        made = super().__new__(cls, name)
        made.local = local
        return made

    def shown_by(self, tr: Any) -> str:
        return str(tr.name_of(str(self), self.local))

    def map(self, show: Callable[[str], str]) -> CompanyName:
        return CompanyName(show(str(self)), show(self.local) if self.local else None)


class AccountName(CompanyName):
    """A customer named with its id, ``Acme Packaging (C0002)``: its name as each reader
    knows it (a Chinese reader the local one, in their brackets), the id as the ERP
    writes it; both escaped as ERP text. A refusal built "name (id)" in the domain named
    the account in English to a Chinese reader."""

    customer_id: str

    def __new__(cls, customer_id: str, name: str | None = None,
                local: str | None = None) -> Self:
        made = super().__new__(cls, name or customer_id, local)
        made.customer_id = customer_id
        return made

    def shown_by(self, tr: Any) -> str:
        name = str(tr.name_of(str(self), self.local))
        if name == self.customer_id:
            return name
        return str(tr._("{name} ({id})", name=name, id=self.customer_id))

    def __format__(self, spec: str) -> str:
        # The English of ``str(error)`` (the CLI, the log), as a reader's would say it.
        name = str(self)
        return name if name == self.customer_id else f"{name} ({self.customer_id})"

    def map(self, show: Callable[[str], str]) -> AccountName:
        return AccountName(show(self.customer_id), show(str(self)),
                           show(self.local) if self.local else None)


def map_texts(params: Mapping[str, Any], show: Callable[[str, str], str]
              ) -> dict[str, Any]:
    """``params`` with ``show(name, text)`` applied to each text people or the ERP wrote:
    a plain string, each item of a ``Listed`` and both names of a ``CompanyName``.
    creditbot's own words (a ``Phrase``, a role: anything a translator shows by a name of
    its own), amounts and days are kept."""
    return {k: v.map(functools.partial(show, k)) if isinstance(v, Listed | CompanyName)
            else show(k, v) if isinstance(v, str) and not hasattr(v, "shown_by") else v
            for k, v in params.items()}


class People(tuple[str, ...]):
    """Slack user ids a message names as whom to ask: mentions joined with "or", or, when
    there is nobody, ``otherwise`` (the reader's language's words for it). ``plain``: as a
    form's field error writes a person (``@U0123ABCDE``), Slack showing no mention there."""

    otherwise = N_("your credit manager")

    def shown_by(self, tr: Any, plain: bool = False) -> str:
        if not self:
            return str(tr._(self.otherwise))
        return str(tr._(" or ")).join(("@" if plain else "<@") + user + ("" if plain else ">")
                                      for user in self)

    def __str__(self) -> str:
        return ", ".join(self) or self.otherwise


class Phrase(str):
    """Marked text given as a message's value (an example line, a list of formats): the
    translator shows it in the reader's language, where a plain string stays English."""

    def shown_by(self, tr: Any) -> str:
        return str(tr._(str(self)))


def example_period(today: date) -> tuple[date, date]:
    """The first and last day of the month after ``today``'s: a period to write in an
    example, always ahead and within a year (the checks refuse a day already past)."""
    start = (today.replace(day=1) + timedelta(days=32)).replace(day=1)
    until = (start + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    return start, until


def _now() -> datetime:
    return datetime.now(UTC)


# What examples take for now: the machine's clock, or the sandbox's once it is moved
# (``examples_follow``), where an example written for the real day was already past.
_example_clock: Callable[[], datetime] = _now


def examples_follow(clock: Callable[[], datetime] | None) -> None:
    """Examples are written for ``clock``'s day from now on (the sandbox's clock);
    ``None``: the machine's again."""
    global _example_clock
    _example_clock = clock or _now


def example_today() -> date:
    """The day examples are written for (in UTC: a day either way makes no difference
    to a period a month ahead)."""
    return _example_clock().astimezone(UTC).date()


class DatedPhrase(Phrase):
    """A ``Phrase`` naming days, ``{start}`` and ``{until}``, filled when it is shown
    with ``example_period`` of the day: an example written with a fixed day ("until
    2026-12-31") would be refused by its own check once that day passed."""

    @staticmethod
    def _days() -> dict[str, str]:
        start, until = example_period(example_today())
        return {"start": start.isoformat(), "until": until.isoformat()}

    def shown_by(self, tr: Any) -> str:
        return str(tr._(str.__str__(self), **self._days()))

    def filled(self) -> str:
        """In English, as written."""
        return str.__str__(self).format(**self._days())

    def generic(self) -> str:
        """With the days as their format (a text that outlives the day it was made,
        like the app manifest's usage hint)."""
        return str.__str__(self).format(start="YYYY-MM-DD", until="YYYY-MM-DD")

    def __format__(self, spec: str) -> str:
        return format(self.filled(), spec)


class CommandExample(str):
    """A command to copy whose last words are a ``Phrase`` (an example reason): shown
    with them in the reader's language and the command's own words as they are, so that
    a handler can name the command as the person typed it (``/credit 申请 …``)."""

    def __new__(cls, command: str, after: Phrase) -> CommandExample:
        made = super().__new__(cls, f"{command} {after}")
        made.command, made.after = command, after
        return made

    command: str
    after: Phrase

    def shown_by(self, tr: Any) -> str:
        return f"{self.command} {self.after.shown_by(tr)}"


class CommandName(str):
    """A creditbot command a message names (``/credit requests``). Shown as the person
    wrote their own command, ``/credit 我的申请`` after a Chinese one, by the handler that
    knows how they wrote it; as its English name elsewhere."""

    def __new__(cls, name: str) -> CommandName:
        made = super().__new__(cls, f"/credit {name}")
        made.name = name
        return made

    name: str


def simplified(words: str) -> str:
    """Creditbot's own Chinese command words (subcommands, 从/至/结束 in a delegation) as
    Taiwan or Hong Kong type them, in Simplified: `/credit 申請`, `檢查`, `委託 結束` read
    as `/credit 申请`, `检查`, `委托 结束` (a table of a dozen characters missed 檢 and 記).
    Only what creditbot reads as commands is folded; names and reasons stay as typed."""
    return simplified_chinese(words)
