"""What people type after ``/credit order`` and ``/credit check``: a customer (whose
name may have spaces), an amount, maybe a currency, maybe a reference.

``order <customer> <amount> [currency] [reference]``: the first word after the
customer's first word that reads as an amount (``domain.amounts``: ``120k``, ``25万``,
``USD 250k``) ends the customer; a currency code may follow it, and the rest is the
reference. ``check <customer> <amount> [currency]``: the trailing word(s) that read as an
amount (with a currency code before or after it) are the amount. A customer whose name
has a number in it is written by its id or in quotes: ``"Plant 7" 20k``.

A unit typed apart from its number (``10 k``, ``25 万``) belongs to it; a word in capitals
that looks like a currency code right after the amount but is none creditbot knows
(``10k XYZ``) is refused rather than read as the reference or dropped.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

from domain.amount_text import SIGN, read_amount
from domain.amounts import (
    MINUS_SIGNS,
    MULTIPLIERS,
    UNIT_WORDS,
    AmountError,
    fold,
    in_chinese_numerals,
    parse_amount,
)
from domain.currencies import (
    ENGLISH_NAMES,
    NAME_ENDINGS,
    canonical,
    currency_code,
    is_currency_name,
)
from domain.errors import DomainError
from domain.text import N_

# A sign and currency signs a number may start with: meant as the amount even when more
# than one ("$-5k", "$$5k"), so that the answer is about the amount, not a missing one.
_SIGNED = rf"[{re.escape('+' + MINUS_SIGNS)}]?(?:(?i:{SIGN})[{re.escape(MINUS_SIGNS)}]?)*"
_CURRENCY_SIGN = re.compile(rf"(?i:{SIGN})")
_SIGN_CHARS = "$€£¥₹₩"
_NUMERIC = re.compile(rf"{_SIGNED}[\d.,]*\d")
_QUOTES = {'"': '"', "“": "”", "'": "'", "‘": "’", "「": "」", "『": "』", "«": "»"}
# A multiplier (with or without 元) typed as a word of its own after a number.
# 元 as it is also written (块, 块钱, 元整: ``domain.amounts``): "5万 块" apart was $50,000
# with the reference "块", where "5万块" is CN¥50,000.
_YUAN = ("元", "元整", "块", "块钱", "塊", "塊錢", "圆", "圓")
_UNITS = frozenset({*(u for u in MULTIPLIERS if u), *_YUAN,
                    *(u + y for u in MULTIPLIERS for y in _YUAN)})
_CODE_LIKE = re.compile(r"[A-Z]{3}")
_MINUS = tuple(MINUS_SIGNS)
# Thousands grouped by spaces (10 000, 1 200 000): a number of one to three digits, maybe
# signed, then groups of three.
_GROUPED = re.compile(rf"{_SIGNED}\d{{1,3}}( \d{{3}})*")
# A group of three, the last one maybe with decimals ("50 000,00", "1 234.56"): read
# apart, "000,00" was the order's reference and "$50.00" its amount.
# Whatever is glued to it: a sign ("50 000 €": 000€ once joined), a unit or a currency
# ("5 000k", "250 000元" were $5.00 and $250.00 with the rest as the reference).
_GROUP = re.compile(r"\d{3}(?!\d)\S*")
# Units people write that creditbot does not take (it takes k, m, 万, 亿): "20 TEUR" was
# €20 with the reference "TEUR", "50 grand" $50. With "mil" (a million or a thousand)
# and currencies' slang, said as no amount.
_OTHER_UNITS = frozenset(UNIT_WORDS) | {"mil", "quid", "fr", "fr."}
# What may follow a word in a sentence (full-width ones are folded to these first).
_PUNCTUATION = ",.;:!?)。、"


class TwoAmounts(DomainError):
    """``name_words``: how many of the line's words were read as the customer, before the
    first amount (“plant 7 5k”: one, where “7” may be the name's)."""

    def __init__(self, typed: str, name_words: int = 0) -> None:
        super().__init__(N_("“{typed}” is two amounts: an order has one, e.g. "
                            "`{example}`."), typed=typed,
                         example="/credit order acme 120k EUR PO-2026-118")
        self.name_words = name_words


class UnknownCurrency(DomainError):
    """A currency code creditbot does not know, where a currency belongs."""

    def __init__(self, code: str, example: str) -> None:
        super().__init__(N_("“{code}” is not a currency code creditbot knows: write one it "
                            "knows (e.g. USD, EUR, CNY) or none for the customer's "
                            "currency, e.g. `{example}`."), code=code, example=example)


class MeantCurrency(UnknownCurrency):
    """A word after an order's amount that reads as a currency (``yen``, ``usdd``) but
    is none creditbot reads: said, with how to keep it as the reference instead (in
    quotes, which keep a reference as written)."""

    def __init__(self, code: str, meant: str, example: str, as_reference: str) -> None:
        DomainError.__init__(self, N_(
            "“{code}” is no currency code: for {meant}, write its code, e.g. `{example}`; to "
            "give “{code}” as the order's reference, put it in quotes: `{as_reference}`."),
            code=code, meant=meant, example=example, as_reference=as_reference)


class LowerCaseCode(DomainError):
    """A currency code in lower case alone after an order's amount (``5k cad``): taken
    as the reference, the order was booked in the customer's currency under "OK to
    ship". Only the common codes count in lower case (``COMMON_CODES``), so it is asked
    about, with how to write each."""

    def __init__(self, code: str, example: str, as_reference: str | None = None) -> None:
        template = N_(
            "“{code}” after the amount: for {upper}, write the code in capitals, e.g. "
            "`{example}`; to give “{code}” as the order's reference, put it in quotes: "
            "`{as_reference}`.") if as_reference is not None else N_(
            # A check, which has no reference.
            "“{code}” after the amount: for {upper}, write the code in capitals, e.g. "
            "`{example}`.")
        super().__init__(template, code=code, upper=code.upper(), example=example,
                         **({"as_reference": as_reference} if as_reference else {}))


# Codes that are English words too: a reference of its own ("5k all", "5k top").
_WORD_CODES = frozenset({"all", "try", "bob", "cup", "top", "mop", "pen", "gel", "sos",
                         "mad", "bam", "cop", "rub"})


def lower_case_code(word: str) -> bool:
    """A code not in capitals (``cad``, ``Cad``) that only capitals make a currency."""
    folded = unicodedata.normalize("NFKC", word)
    return len(folded) == 3 and folded.isascii() and not folded.isupper() \
        and is_code(folded) and folded.lower() not in COMMON_CODES | _WORD_CODES


def _thousands_of(word: str) -> bool:
    """German shorthand for thousands of a currency: TEUR, TUSD, TCNY."""
    folded = unicodedata.normalize("NFKC", word)
    return len(folded) == 4 and folded[:1] in "tT" and is_code(folded[1:].upper())


def _unit_and_code(word: str) -> bool:
    """A unit with a currency after it (``kusd``, ``mEUR``, ``万美元``, ``万元人民币``)."""
    folded = unicodedata.normalize("NFKC", word)
    for length in (2, 1):  # 百万 and 千万 before 百 and 千
        unit, rest = folded[:length], folded[length:]
        if is_unit(unit) and rest and (is_code(rest) or is_code(rest.removeprefix("元"))):
            return True
    return False


def is_unit(word: str) -> bool:
    """``k``, ``m``, ``万``, ``亿`` (and with ``元``) typed apart from their number."""
    return unicodedata.normalize("NFKC", word).lower() in _UNITS


def looks_like_code(word: str) -> bool:
    """Three capitals, or a Chinese word ending as a currency's name does (澳门元,
    卢比): meant as a currency where one may stand."""
    folded = unicodedata.normalize("NFKC", word)
    return bool(_CODE_LIKE.fullmatch(folded)) or (
        2 <= len(folded) <= 7 and all("\u4e00" <= c <= "\u9fff" for c in folded)
        and folded.endswith(NAME_ENDINGS))


def _typos(code: str) -> set[str]:
    """A code typed with a letter doubled (``usdd``) or two letters next to each other
    swapped (``uds``): slips of the keyboard, unlike ``nyc`` or ``USDA``, words of their
    own that happen to hold a code's letters."""
    doubled = {code[:i] + code[i] + code[i:] for i in range(len(code))}
    swapped = {code[:i] + code[i + 1] + code[i] + code[i + 2:] for i in range(len(code) - 1)}
    return (doubled | swapped) - {code}


def meant_currency(word: str) -> str | None:
    """The code a word typed where a currency may stand most likely means, when it is
    no currency creditbot reads but is meant as one: a currency's English name (``yen``)
    or a common code mistyped (``_typos``). Taken as the reference, it booked the order
    in the customer's currency under "OK to ship"."""
    folded = unicodedata.normalize("NFKC", word).lower()
    return ENGLISH_NAMES.get(folded) or _MISTYPED.get(folded)


def _is_sign(word: str) -> bool:
    """A currency sign alone (``€``, ``US$``, ``+$``)."""
    return bool(_CURRENCY_SIGN.fullmatch(unicodedata.normalize("NFKC", word).lstrip("+")))


def _is_sign_word(word: str) -> bool:
    """A word with a currency sign in it and no number (``US$``, ``€``, ``USD$``)."""
    return any(symbol in word for symbol in _SIGN_CHARS) and not numeric(word)


def _minus_code(word: str) -> bool:
    """A minus sign on a currency code (``-USD``), a number to follow."""
    return len(word) == 4 and word[0] in _MINUS and word[1:].isascii() \
        and word[1:].isalpha()


def join_signs(words: list[str]) -> list[str]:
    """The words with each lone currency sign joined to the number beside it (``€ 12``,
    ``12 €``), and a minus sign to the number after it (``- 5k``, ``-USD 5`` as ``-5
    USD``): read apart, the sign would go into the name or the reason, and the amount
    count in the limit's currency unseen, or above zero."""
    joined: list[str] = []
    for word in words:
        before = joined[-1].lstrip("+＋") if joined else ""
        if (before and _is_sign(word) and numeric(before)) or \
                (joined and (_is_sign(joined[-1]) or joined[-1] in (*_MINUS, "+", "＋"))
                 and numeric(word)):
            joined[-1] += word
        elif joined and _minus_code(joined[-1]) and numeric(word):
            joined[-1:] = [joined[-1][0] + word, joined[-1][1:]]
        else:
            joined.append(word)
    return joined


def join_units(words: list[str]) -> list[str]:
    """The words with lone signs joined (``join_signs``), and each lone unit joined to
    the number before it. Digits grouped by spaces (``10 000``) and a unit creditbot does
    not take (``5 mn``) stay with their number too, as one word that is no amount: read
    apart, ``10`` would be the amount and ``000`` the reference, an order of 10."""
    joined: list[str] = []
    for word in join_signs(words):
        before = joined[-1].lstrip("+＋") if joined else ""
        # "50 k, PO-62", "50 grand，PO-44": a sentence's comma or stop after the unit left
        # it the reference's, and the order was of $50.00. Joined, it is refused.
        bare = unicodedata.normalize("NFKC", word).lower().rstrip(_PUNCTUATION)
        if before and numeric(before) and (is_unit(bare) or _unit_and_code(word)):
            joined[-1] += word  # "10 k", "5 kusd"
        elif before and numeric(before) and (
                (_GROUP.fullmatch(word) and _GROUPED.fullmatch(before))
                or bare in _OTHER_UNITS
                or _thousands_of(word)
                or _is_sign_word(word)):  # "5k US$": its currency, written with a sign
            joined[-1] += " " + word
        else:
            joined.append(word)
    return joined


@dataclass(frozen=True)
class TypedOrder:
    customer: str
    amount: str
    currency: str | None = None
    reference: str | None = None


def amount_read(typed: TypedOrder) -> str | None:
    """What a check with an amount read as the amount, as typed (``55``, ``5k EUR``),
    when it is an amount; ``None`` for words the order rules will refuse anyway."""
    return " ".join(filter(None, (typed.amount, typed.currency))) if _is_amount(
        typed.amount) else None


def _is_amount(word: str) -> bool:
    try:
        parse_amount(word)
    except AmountError:
        return False
    return True


def numeric(word: str) -> bool:
    """Meant as a number even if it is not one creditbot takes (-5, 1e9999, 12..5):
    read as the amount, so that the person hears what is wrong with it."""
    return bool(_NUMERIC.match(word) or in_chinese_numerals(word))


def is_code(word: str) -> bool:
    """A currency code creditbot knows, in any case and width, or a currency's Chinese
    name (人民币)."""
    folded = unicodedata.normalize("NFKC", word)
    return (len(folded) == 3 and folded.isascii() and folded.isalpha()
            and currency_code(folded) is not None) or is_currency_name(folded)


# Codes people type in lower case; any other code counts as a currency only in capitals,
# so that "5k try again", "5k all" and "Uncle Bob 5k" keep their words (the lira's, the
# lek's and the boliviano's codes).
COMMON_CODES = frozenset({"usd", "eur", "cny", "rmb", "gbp", "jpy", "hkd", "sgd", "chf"})
# The common codes as people mistype them (``meant_currency``).
_MISTYPED = {typo: code.upper() for code in COMMON_CODES - {"rmb"} for typo in _typos(code)}


def currency_word(word: str) -> bool:
    """A currency as typed where one may stand: a code in capitals, a common one in
    lower case, or a Chinese name."""
    folded = unicodedata.normalize("NFKC", word)
    return is_code(folded) and (folded.isupper() or folded.lower() in COMMON_CODES
                                or is_currency_name(folded))


NAME_THE_CUSTOMER = N_("Name the customer, e.g. `{command} acme 120k`.")  # order or check


class NoCustomer(DomainError):
    """A line with an amount and nothing where the customer goes but quotes around
    nothing or currencies (``€ $ 5k``, ``CNY 5k``), once no customer is found by them (a
    customer may be named ``AMD`` or ``5k``). ``command`` is the handler's to name as
    typed."""

    def __init__(self, command: str) -> None:
        super().__init__(NAME_THE_CUSTOMER, command=command)


def leading_amount(text: str) -> str | None:
    """The amount ``text`` starts with, with a currency before it if any (``5k`` of
    ``5k PO-1``, ``€5k``, ``USD 5k``, ``$5k``), else ``None``. A name may read as one too
    (``3M``): the caller looks it up before saying no customer is named."""
    words = order_words(text)
    first = 1 if len(words) >= 2 and currency_word(words[0]) else 0
    if first >= len(words):
        return None
    # A sign is read without the customer's currency it may stand for: "$5k" is an
    # amount whichever dollar it is.
    amount = _CURRENCY_SIGN.sub("", words[first]) or words[first]
    if not (_is_amount(amount) or numeric(amount)):
        return None
    return " ".join(words[:first + 1])


def money_only(text: str) -> bool:
    """Whether ``text`` is nothing but an amount and currencies (``€ $ 5k``, ``CNY 5k``,
    ``5k USD``): what is left of a line whose customer was not found."""
    words = order_words(text)
    return bool(words) and any(_CURRENCY_SIGN.sub("", w) and (
        _is_amount(_CURRENCY_SIGN.sub("", w)) or numeric(w)) for w in words) and all(
        _CURRENCY_SIGN.fullmatch(w) or currency_word(w) or _is_amount(
            _CURRENCY_SIGN.sub("", w) or w) or numeric(w) for w in words)


def only_currencies(name: str) -> bool:
    """Whether ``name`` is nothing but currency signs and codes (``€``, ``$ EUR``)."""
    words = name.split()
    return bool(words) and all(_CURRENCY_SIGN.fullmatch(w) or currency_word(w)
                               for w in words)


class TwoCurrencies(DomainError):
    def __init__(self, typed: str, example: str) -> None:
        super().__init__(N_("“{typed}” names two currencies: write one, e.g. `{example}`."),
                         typed=typed, example=example)


def two_currencies(typed: str, example: str, increase: bool = False) -> DomainError:
    """The refusal of ``typed``, an amount with a currency and another one after it: as
    an amount field says it (“5k USD EUR” names two currencies, USD and EUR: write one,
    e.g. 5,000 USD or 5,000 EUR.), else with the command's ``example``."""
    try:
        read_amount(typed, increase=increase)
    except AmountError as said:
        return said
    return TwoCurrencies(typed, example)


def _currency_of(amount: str) -> str | None:
    """The currency written in the amount itself (``usd5k``, ``5kEUR``), if any."""
    try:
        return parse_amount(amount).currency
    except AmountError:
        return None


def _quoted(text: str) -> tuple[str, str] | None:
    """The quoted customer at the start and the rest, when the text starts with a quote."""
    text = text.strip()
    close = _QUOTES.get(text[:1])
    if close is None:
        return None
    end = text.find(close, 1)
    if end < 0:
        return None
    return text[1:end].strip(), text[end + 1:].strip()


def unquoted(text: str) -> str:
    """``text`` without the quotes around all of it: a reference pasted from mail or a
    document as “PO-7” is PO-7 (else the same order placed again passed for another)."""
    quoted = _quoted(text)
    return quoted[0] if quoted is not None and not quoted[1] else text


def names_nothing(text: str) -> bool:
    """Whether ``text`` is empty or only quotes around nothing (``""``, ``“ ”``)."""
    return not text.strip() or _quoted(text) == ("", "")


def starts_quoted(text: str) -> bool:
    """Whether ``text`` names its customer in quotes (``"Plant 7" 20k``)."""
    return _quoted(text) is not None


def names_no_customer(text: str) -> bool:
    """Whether ``text`` starts with quotes around nothing (``"" 5k``): no customer named,
    whatever follows."""
    quoted = _quoted(text)
    return quoted is not None and not quoted[0].strip()


def order_words(text: str) -> list[str]:
    """``text``'s words as an order line is read: a sign or a unit joined to its number
    (``− 5k`` is ``−5k``), so that the customer's words are counted off them alike."""
    return join_units(fold(text).split())


# A Chinese writer parts a line's items with ， (恒生貿易，5萬港幣，PO-2): read as spaces,
# but between two digits, where an input method's ， groups thousands (120，000).
_CHINESE_COMMA = re.compile(r"(?<!\d)，|，(?!\d)")


def parted(text: str) -> str:
    """``text`` with a Chinese writer's ， between items read as spaces."""
    return _CHINESE_COMMA.sub(" ", text)


# A mark after the amount, before what follows it ("+5万，春节备货", "+5万,春节备货",
# "+10万：备货", "5k, PO-1"): anywhere but between two digits, where it groups thousands
# (120,000; 120，000).
_MARK = re.compile(r"(?<![\d０-９])[，：、；,:]|[，：、；,:](?![\d０-９])")


def amount_parted(text: str, is_amount: Callable[[str], bool]) -> str:
    """``text`` with the mark after its amount (the first word after the customer that
    ``is_amount``, or the currency right after it) read as a space, and a Chinese comma
    before it too: "+5万,春节备货" was no amount, and "250k EUR, more" was filed in
    dollars with the reason "EUR, more". What follows keeps its own marks (a reason's
    commas), and so does a customer's name in quotes."""
    head, rest, first = "", text, 1
    if text[:1] in _QUOTES and (end := text.find(_QUOTES[text[0]], 1)) > 0:
        head, rest, first = text[:end + 1] + " ", text[end + 1:], 0
    for mark in _MARK.finditer(rest):
        words = parted(rest[:mark.start()]).split()
        if len(words) <= first:
            continue
        last = len(words) - 1
        if not is_amount(words[last]) and currency_word(words[last]) and last > first \
                and is_amount(words[last - 1]):
            last -= 1  # "250k EUR,": the code is the amount's
        if not is_amount(words[last]):
            continue
        if any(is_amount(word) for word in words[first:last]):
            return text  # past the amount: a date's comma in the reference (Dec 31, …)
        return head + " ".join(words) + " " + rest[mark.end():].lstrip()
    return text


def _amount_word(word: str) -> bool:
    return _is_amount(word) or numeric(word)


def split_order(text: str) -> TypedOrder | None:
    """``None`` when no amount follows a customer."""
    text = parted(amount_parted(text, _amount_word))
    quoted = _quoted(text)
    if quoted is not None:
        customer, after = quoted
        words = order_words(after)
        start = 0
    else:
        words = order_words(text)
        customer, start = "", 1
    for index in range(start, len(words)):
        word = words[index]
        currency = None
        if currency_word(word) and index + 1 < len(words) and (
                _is_amount(words[index + 1]) or numeric(words[index + 1])) \
                and (index >= 1 or quoted is not None):
            currency, amount_at = canonical(word), index + 1
        elif _is_amount(word) or numeric(word):
            amount_at = index
        else:
            continue
        name = customer if quoted is not None else as_written(text, words[:index])
        if not name:
            return None
        rest = words[amount_at + 1:]
        written = currency or _currency_of(words[amount_at])
        # "5k USD EUR": the second currency is no reference (the order was placed in
        # euros as "PO EUR" before, or in dollars for who meant euros).
        second = 1 if written is None and rest and currency_word(rest[0]) else 0
        if len(rest) > second and currency_word(rest[second]) and (written or second):
            if canonical(rest[second]) != (written or canonical(rest[0])):
                raise two_currencies(" ".join(words[index:amount_at + 2 + second]),
                                    "/credit order acme 120k EUR PO-2026-118")
            rest = rest[:second] + rest[second + 1:]  # one currency written twice
        if currency is None and rest and currency_word(rest[0]):
            currency, rest = canonical(rest[0]), rest[1:]
        elif currency is None and rest and looks_like_code(rest[0]):
            raise UnknownCurrency(rest[0], "/credit order acme 120k EUR PO-2026-118")
        elif currency is None and written is None and rest and (
                meant := meant_currency(rest[0])) is not None \
                and not _CURRENCY_SIGN.search(words[amount_at]):
            raise MeantCurrency(rest[0], meant, f"/credit order acme 120k {meant}",
                                f"/credit order acme 120k \"{rest[0]}\"")
        elif currency is None and written is None and rest and lower_case_code(rest[0]):
            raise LowerCaseCode(rest[0], f"/credit order acme 120k {rest[0].upper()}",
                                f"/credit order acme 120k \"{rest[0]}\"")
        if rest and _is_amount(rest[0]) and not rest[0].isdigit():
            # "5k 10k", "1000 EUR 5k": a second amount, not a reference ("12345", a PO
            # number, is one).
            second_at = len(words) - len(rest)
            raise TwoAmounts(" ".join(words[amount_at:second_at + 1]),
                             index if quoted is None else 0)
        return TypedOrder(name, words[amount_at], currency, _as_typed(text, rest))
    return None


def _as_typed(text: str, rest: list[str]) -> str | None:
    """The reference's words as typed: "SO - 0002 - 901", read with each minus joined to
    the number after it, was kept as "SO -0002 -901". The fewest last words of ``text``
    that read as ``rest``; ``rest`` rejoined when none do (a currency written twice was
    taken out of it)."""
    if not rest:
        return None
    typed = fold(text).split()
    for count in range(len(rest), len(typed) + 1):
        tail = typed[len(typed) - count:]
        if join_units(tail) == rest:
            return " ".join(tail)
    return " ".join(rest)


def split_check(text: str) -> TypedOrder | None:
    """A check with an amount at its end, else ``None`` (a plain check). A mark after the
    amount is read as the order's is (``acme 5k,`` was "not an amount" where ``/credit
    order acme 5k, PO-1`` placed the order)."""
    text = parted(amount_parted(text, _amount_word))
    quoted = _quoted(text)
    if quoted is not None:
        customer, rest = quoted
        words = order_words(rest)
        if not words:
            return None
        found = _trailing(words)
        if found is None or found[0] != 0:
            return None
        return TypedOrder(customer, found[1], found[2])
    words = order_words(text)
    found = _trailing(words)
    if found is None or found[0] < 1:
        return None
    return TypedOrder(as_written(text, words[:found[0]]), found[1], found[2])


_WORD = re.compile(r"\S+")


def as_written(text: str, name_words: list[str]) -> str:
    """The customer's words as ``text`` has them: the words are read folded (full-width
    digits are digits), but an id is looked up exactly as typed first (``ｃ０００１`` and
    ``c0001`` may be two customers). The folded words when no start of ``text`` folds
    to them (a character NFKC splits into several words)."""
    seen = 0
    for word in _WORD.finditer(text):
        parts = fold(word.group()).split()
        if parts != name_words[seen:seen + len(parts)]:
            break
        seen += len(parts)
        if seen == len(name_words):
            # As written between its first and last word: an id may hold an ideographic
            # space or two spaces ("ＡＣＭＥ　Ｆｕｌｌ"), which a rejoin would change.
            return text[:word.end()].strip()
    return " ".join(name_words)


def _trailing(words: list[str]) -> tuple[int, str, str | None] | None:
    """Where the trailing amount starts, the amount and its currency code."""
    if not words:
        return None
    last = words[-1]
    if len(words) >= 3 and currency_word(last) and currency_word(words[-2]) and (
            _is_amount(words[-3]) or numeric(words[-3])):
        # "5k USD EUR": one currency too many (the name never ends in two codes); "5k USD
        # USD" is one currency written twice.
        if canonical(last) != canonical(words[-2]):
            raise two_currencies(" ".join(words[-3:]), "/credit check acme 120k EUR")
        words = words[:-1]
        last = words[-1]
    if len(words) >= 2 and looks_like_code(last) and not is_code(last) and (
            _is_amount(words[-2]) or numeric(words[-2])):
        raise UnknownCurrency(last, "/credit check acme 120k EUR")
    if len(words) >= 3 and (meant := meant_currency(last)) is not None and (
            _is_amount(words[-2]) or numeric(words[-2])) \
            and not _CURRENCY_SIGN.search(words[-2]):
        raise UnknownCurrency(last, f"/credit check acme 120k {meant}")
    if len(words) >= 3 and lower_case_code(last) and (
            _is_amount(words[-2]) or numeric(words[-2])) \
            and not _CURRENCY_SIGN.search(words[-2]):
        # "acme 5k cad": the whole line was looked up as a customer's name.
        raise LowerCaseCode(last, f"/credit check acme 120k {last.upper()}")
    if len(words) >= 2 and currency_word(last) and (
            _is_amount(words[-2]) or numeric(words[-2])):
        # numeric: "$12 EUR" is an amount to answer about, not part of the name.
        code_before = len(words) >= 3 and currency_word(words[-3])
        before = _currency_of(words[-2]) or (canonical(words[-3]) if code_before else None)
        if before is not None and before != canonical(last):
            raise two_currencies(" ".join(words[-3:] if code_before else words[-2:]),
                                "/credit check acme 120k EUR")
        # "USD 5k USD": the code before the amount is the amount's, not the name's.
        start = len(words) - 3 if code_before and before is not None else len(words) - 2
        return start, words[-2], canonical(last)
    if _is_amount(last) or numeric(last):
        if len(words) >= 2 and currency_word(words[-2]):
            return len(words) - 2, last, canonical(words[-2])
        return len(words) - 1, last, None
    return None
