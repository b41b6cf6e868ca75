"""Amounts as people type them, in English or Chinese.

``120000``, ``120,000``, ``120000.50``, ``120k``, ``1.2m``, ``12万``, ``1.5亿``,
``12万元``, ``5千``, ``3百万``, ``1.5千万``, ``12萬``, ``2百萬``, ``1.5億``, ``12万5千``, full-width
digits and the full-width comma ``，`` (a Chinese input method types them), and an optional ISO
4217 code before or after (``USD 120k``, ``120k EUR``). The value is exact: ``1.2m`` is
Decimal("1200000"), never a float.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal, InvalidOperation
from itertools import groupby

from domain.currencies import NAMES, canonical, is_currency, minor_units
from domain.errors import DomainError
from domain.money import Money
from domain.text import N_, Phrase

# Chinese units in both scripts (萬 and 億 are 万 and 亿 as Hong Kong and Taiwan write them).
MULTIPLIERS = {"": 1, "k": 10**3, "m": 10**6, "千": 10**3, "万": 10**4, "萬": 10**4,
               "百万": 10**6, "百萬": 10**6, "千万": 10**7, "千萬": 10**7, "亿": 10**8,
               "億": 10**8, "万亿": 10**12, "萬億": 10**12, "百": 10**2}
# Marked, so that a reader sees them in their language wherever an amount is refused
# (万 and 亿 are read from anyone, but offered as examples to Chinese readers only).
EXAMPLES = Phrase(N_("120000, 120,000, 120000.50, 120k, 1.2m, USD 120k or 120k EUR"))
# Ten trillion: above any credit limit or order, and within what both databases store
# exactly (NUMERIC(18,4) on PostgreSQL, integer ten-thousandths on SQLite).
MAX_AMOUNT = Decimal(10) ** 13
# One to three digits, a point, three digits: 1.500 (not 1.500.000, 1,234.567).
_THOUSANDS_POINT = re.compile(r"(?<![\d.,])(\d{1,3})\.(\d{3})(?![\d.,])")
_UNIT_AFTER = re.compile(r"\d\s*[kKmM千万萬亿億百](?![A-Za-z])")
# What people type for a minus: the hyphen-minus, the minus sign, and the dashes a
# phone or a Mac puts in their place ("– 5k"); NFKC leaves them apart.
MINUS_SIGNS = "-\u2212\u2010\u2011\u2012\u2013\u2014\u2015"
# A minus sign starting a word: "-5", "- 5k", "USD -5" (not "12-5").
_MINUS_WORD = re.compile(rf"(?:^|(?<=\s))[{re.escape(MINUS_SIGNS)}]\s*(?=\S)")
AMOUNT_TOO_LARGE = N_("“{text}” is too large: creditbot takes amounts up to {most}.")
NOT_POSITIVE = N_("“{text}” is not an amount greater than zero: write it like {examples}.")
# Decimals after a comma, as much of Europe writes them (12.000,50, 1,5k): a comma
# followed by one or two digits is never a thousands separator, so it is not guessed at
# but pointed out. Group 1 the whole part (thousands points allowed), 2 the decimals.
_DECIMAL_COMMA = re.compile(r"(?<![\d.,])(\d{1,3}(?:\.\d{3})+|\d+),(\d{1,2})(?![\d.,])")

# An optional currency code, digits in groups of three with "," (or none), optional
# decimals, a multiplier, an optional 元, an optional currency code (or name: 人民币).
# 元 as it is also written: 块 (块钱) as people say it, 元整 as invoices and contracts
# write a round sum ("5万元整"); both were "not an amount".
_CODE = "[a-z]{3}|" + "|".join(sorted(NAMES, key=len, reverse=True))
_AMOUNT = re.compile(
    rf"(?P<before>{_CODE})?\s*(?P<digits>\d{{1,3}}(?:,\d{{3}})+|\d+)(?:\.(?P<decimals>\d+))?"
    rf"\s*(?P<unit>[百千][万萬]|万亿|萬億|[km千万萬亿億百]?)\s*(?P<yuan>[元圆圓]整?|[块塊][钱錢]?)?\s*(?P<after>{_CODE})?"
    # A round sum after the currency's name too, as a cheque writes it: 5000港元整.
    rf"(?:(?<=[\u4e00-\u9fff])整)?",
    re.IGNORECASE)


# An amount in Chinese numerals (五万, 十二万元, 三百万): meant as an amount, though
# creditbot takes digits (5万). A unit is required, so that a name such as 三一 stays one.
# Also the capitals finance writes on cheques and contracts (叁拾万, 壹佰万元).
CHINESE_DIGITS = "零〇一二两三四五六七八九十壹贰貳叁參肆伍陆陸柒捌玖拾"
_CHINESE_NUMERAL = re.compile(rf"[\d{CHINESE_DIGITS}]*[十拾百佰千仟万萬亿億]"
                              rf"[\d{CHINESE_DIGITS}百佰千仟万萬亿億]*(?:[元圆圓]整?)?")
_CHINESE_DIGIT = re.compile(rf"[{CHINESE_DIGITS}]")
# Thousands grouped by spaces, the decimals after a comma or a point: 50 000,00.
_SPACE_GROUPED = re.compile(r"(?<![\d.,])\d{1,3}(?: \d{3})+(?P<decimals>[.,]\d+)?(?![\d])")
# Units people write that creditbot does not read, with what they stand for, so that
# "1,5 Mio. EUR" is told to write 1500000 EUR, not "1.5 Mio. EUR" (refused in its turn).
# German also writes thousands of a currency as one word: TEUR, TUSD.
# Not "mil": a million in English, a thousand in Spanish.
_THOUSAND = ("thousand", "thousands", "t", "t.", "tsd", "tsd.", "tausend", "thou", "ths",
             "tys", "mille", "grand", "g", "k.", "ke")
_MILLION = ("mn", "mln", "mio", "mio.", "mm", "million", "millions", "m.")
_BILLION = ("bn", "bln", "b", "billion", "billions", "mrd", "mrd.", "md", "bil")
UNIT_WORDS: dict[str, int] = {
    **dict.fromkeys(_THOUSAND, 10**3), **dict.fromkeys(_MILLION, 10**6),
    **dict.fromkeys(_BILLION, 10**9), **dict.fromkeys(("lakh", "lakhs", "lac", "lacs"), 10**5),
    **dict.fromkeys(("crore", "crores"), 10**7), "w": 10**4}
# Everyday words and letters too: "+5000 grand opening", "5000 T shirts", "5000 mm
# bolts" were a reason or a reference, not 5 million. Asked about, not multiplied out.
_ALSO_WORDS = frozenset({"t", "t.", "g", "b", "mm", "grand", "mille", "ke", "thou"})
_WITH_UNIT_WORD = re.compile(
    rf"(?P<before>{_CODE})?\s*(?P<number>\d[\d.,]*)(?P<space>\s*)(?P<unit>[A-Za-z]+\.?)"
    rf"\s*(?P<yuan>元)?\s*(?P<after>{_CODE})?", re.IGNORECASE)
_THOUSANDS_OF = re.compile(r"[tT][A-Za-z]{3}")
_PLAIN_NUMBER = re.compile(r"(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?")


# Digits with Chinese units of falling size, as Chinese writes and says an amount:
# 12万5千 (125,000), 1万2千5百, 3千5百万 (35,000,000), 3亿5000万, 12万5000 (the places
# under 万 filled), 12万零500 (零: places skipped). No spaces inside: apart, they are words.
_CN_SPAN = re.compile(r"(?<![\d.,])\d+[亿億万萬千百][\d亿億万萬千百零]*(?![\d.,亿億万萬千百零])")
_CN_TOKEN = re.compile(r"\d+|万亿|萬億|[亿億万萬千百零]")
# They multiply what comes before them; 万亿 is a trillion (10万亿 within the cap).
_SECTIONS = {"万亿": 12, "萬億": 12, "亿": 8, "億": 8, "万": 4, "萬": 4}
# A multiplier after the number written out: 12万5千k is no amount (it was 125 million).
_MULTIPLIED_AGAIN = re.compile(r"\s*[kKmM](?![A-Za-z])")
_WITHIN = {"千": 3, "百": 2}  # within a section, after one digit


@dataclass(frozen=True)
class _Compound:
    value: int  # without the trailing digits
    places: int  # below the last unit: 4 after 万, 3 after 千
    tail: str  # the digits after the last unit
    skipped: bool  # 零 before them
    # 1亿5千 as said (150,000,000): the last section's digits under the place below its
    # section unit, as 1亿零5千 would be written for 100,005,000.
    said: int | None = None


def _fills(digits: str, places: int, skipped: bool) -> bool:
    """Digits after a unit fill the places under it (12万5000, 1千250万), or fewer
    follow 零 (12万零500)."""
    return len(digits) == places or (skipped and len(digits) < places)


def _compound(span: str) -> _Compound | None:
    """``span`` read as Chinese writes a number, or None when it is none (12万15千,
    5千12万) or a plain unit amount that ``_AMOUNT`` reads (12万, 5千万)."""
    total = section = units = 0
    marker = small = places = 99  # the places of the last section unit, the last unit
    digits = ""
    skipped = False
    top, gap = 99, False  # the last section's first unit, and whether 零 came before it
    for token in _CN_TOKEN.findall(span):
        if token.isdigit():
            digits = token
        elif token == "零":
            if digits or skipped or units == 0:
                return None
            skipped = True
        elif token in _WITHIN:
            places = _WITHIN[token]
            if len(digits) != 1 or digits == "0" or places >= small:
                return None
            if small == 99:
                top, gap = places, skipped
            section, small, digits, skipped, units = \
                section + int(digits) * 10**places, places, "", False, units + 1
        else:
            places = _SECTIONS[token]
            if digits and small != 99 and not _fills(digits, small, skipped):
                return None  # 5千12万: 12 does not fit under 千
            section += int(digits or 0)
            if (section == 0 and not digits) or places >= marker or (
                    marker != 99 and section >= 10 ** (marker - places)):
                return None
            total, section, marker, small, digits, skipped, units = \
                total + section * 10**places, 0, places, 99, "", False, units + 1
            top = 99
    if (units < 2 and not digits and not skipped) or (skipped and not digits):
        return None
    if marker != 99 and top != 99 and not gap and top != marker - 1:
        # 1亿5千, 1万5百: places skipped without 零, which Chinese writes there. As said,
        # 1亿5千 (5百) is 1亿5千万 (5百万), the 万 left unsaid; 1万5百 is 1万5千.
        if digits and not skipped:
            return None  # 1亿5千3: no reading to offer
        extra = int(digits or 0)  # 1亿5千零3: the 3 either way
        lifted = section * 10 ** (4 if marker == 8 else marker - 1 - top)
        return _Compound(total + section + extra, places, "", False,
                         said=total + lifted + extra)
    return _Compound(total + section, places, digits, skipped)


def _chinese_amount(text: str, folded: str) -> str | None:
    """``folded`` with a number written as Chinese writes it (``_CN_SPAN``) in digits, its
    currency kept: 12万5千元 is 125000元. Trailing digits fill the places under the last
    unit (12万5000), or follow 零 (12万零500); fewer without 零 (12万5: 125,000 as said,
    120,005 as written) is asked about."""
    found = _CN_SPAN.search(folded)
    number = _compound(found[0]) if found is not None else None
    if found is None or number is None:
        return None
    before, after = folded[:found.start()], folded[found.end():]
    if _MULTIPLIED_AGAIN.match(after):
        raise AmountError(text)
    if number.said is not None:
        raise AmountError(text, N_("“{text}” could be {large} or {small}: write the one "
                                   "you mean."), large=before + str(number.said) + after,
                          small=before + str(number.value) + after)
    tail = number.tail
    small = number.value + int(tail or 0)
    if not tail or _fills(tail, number.places, number.skipped):
        return before + str(small) + after
    if len(tail) < number.places:
        large = number.value + int(tail.ljust(number.places, "0"))
        if large == small:  # 12万00: zeros, either way
            return before + str(small) + after
        raise AmountError(text, N_("“{text}” could be {large} or {small}: write the one "
                                   "you mean."),
                          large=before + str(large) + after, small=before + str(small) + after)
    return None


def in_chinese_numerals(word: str) -> bool:
    """五万, 十二万元, and mixed with digits (5万五千): at least one Chinese digit."""
    return bool(_CHINESE_NUMERAL.fullmatch(word)) and bool(_CHINESE_DIGIT.search(word))


class AmountError(DomainError):
    def __init__(self, text: str,
                 template: str = N_("“{text}” is not an amount: write it like {examples}."),
                 **params: str) -> None:
        self.text = text
        super().__init__(template, text=text, examples=EXAMPLES, **params)

    def in_a_field(self) -> AmountError:
        """As a form's amount field says it: words after the amount have no place there
        (a reason is a field of its own), so "+50 grand" is told its amount alone."""
        if self.template != UNIT_OR_WORDS:
            return self
        return AmountError(self.text, N_("“{text}”: creditbot does not read “{unit}” in an "
                                         "amount. For {written}, write it so."),
                           unit=str(self.params["unit"]),
                           written=str(self.params["written"]))


@dataclass(frozen=True)
class TypedAmount:
    value: Decimal
    currency: str | None  # None: the person did not say; the caller picks the default


def fold(text: str) -> str:
    """``text`` as amounts are read: NFKC folds full-width digits, letters, "，" and "．"
    to their ASCII forms, but a superscript, subscript, circled number or fraction
    (Unicode's "other numbers") is kept as it is, never read as a digit: folded, "5²k"
    would be 52,000."""
    # NFKC on the runs between them, so that letters and their accents still compose.
    return "".join("".join(run) if other else unicodedata.normalize("NFKC", "".join(run))
                   for other, run in groupby(text, lambda c: unicodedata.category(c) == "No"))


def _unit_word(text: str, folded: str) -> AmountError | None:
    """"1,5 Mio. EUR", "2 lakh": a unit creditbot does not read, refused with the amount
    it stands for written in digits and in k or m (``UNIT_WORDS``); None for anything
    else, and for what is not plainly a number and a unit (``_ALSO_WORDS``, a number that
    multiplies out to more decimals than a currency has)."""
    match = _WITH_UNIT_WORD.fullmatch(folded)
    named = [canonical(code) for code in (match["before"], match["after"]) if code] \
        if match else []
    if match is None or not all(is_currency(code) for code in named):
        return None
    word, code = match["unit"], ""
    unit = UNIT_WORDS.get(word.lower())
    # Everyday words and letters ("+5000 grand opening", "5000 T shirts", "5000 W
    # heaters": 5w is 5万): a unit, or the start of the words after the amount. Both
    # ways are said, neither taken.
    everyday = word.lower() in _ALSO_WORDS or (
        word.lower() == "w" and (word == "W" or bool(match["space"])))
    if everyday:
        return _unit_or_words(text, folded, match, word, unit)
    if unit is None and _THOUSANDS_OF.fullmatch(word) and is_currency(word[1:].upper()):
        # German: 20 TEUR; "1,5 TEUR EUR" names its euros twice, "1,5 TEUR USD" two
        # currencies (not "has a decimal comma: … like 1.5 TEUR USD").
        if any(other != word[1:].upper() for other in named):
            return AmountError(text)
        unit, code = 10**3, "" if named else " " + word[1:].upper()
    if unit is None:
        return None
    number = match["number"]
    if _THOUSANDS_POINT.fullmatch(number):
        number = number.replace(".", "")  # "1.500 Mio.": 1500 or 1.5 of them?
        ambiguous = True
    elif (comma := _DECIMAL_COMMA.fullmatch(number)) is not None:
        number, ambiguous = comma[1].replace(".", "") + "." + comma[2], False
    elif _PLAIN_NUMBER.fullmatch(number):
        number, ambiguous = number.replace(",", ""), False
    else:
        return None  # "1.500.000 mn": not a number to multiply
    value = Decimal(number) * unit
    if value > MAX_AMOUNT:
        return AmountError(text, AMOUNT_TOO_LARGE, most="10,000,000,000,000")
    if value <= 0 or value.quantize(Decimal("0.01")) != value:
        return None  # 0.001, 1234.5678: refused again as written out
    if ambiguous:
        return AmountError(text, N_("“{text}” could be {large} or {small}: write the one "
                                    "you mean."), unit=word,
                           large=_way(folded, match, code, value),
                           small=_way(folded, match, code, value / 1000))
    step, letter = (10**6, "m") if value >= 10**6 else (10**3, "k")
    if word.lower() == "w":
        # Shorthand for 万 (wan): its own character is read, and said so.
        return AmountError(text, N_("“{text}” uses “{unit}”, which creditbot does not read: "
                                    "write the amount with 万, in digits or with k or m, "
                                    "like {wan}, {written} or {short}."),
                           unit=word, wan=_way(folded, match, code, value / 10**4, "万"),
                           written=_way(folded, match, code, value),
                           short=_way(folded, match, code, value / step, letter))
    if value < step:
        return AmountError(text, N_("“{text}” uses “{unit}”, which creditbot does not "
                                    "read: write the amount in digits, like {written}."),
                           unit=word, written=_way(folded, match, code, value))
    return AmountError(text, N_("“{text}” uses “{unit}”, which creditbot does not read: "
                                "write the amount in digits or with k or m, like {written} "
                                "or {short}."),
                       unit=word, written=_way(folded, match, code, value),
                       short=_way(folded, match, code, value / step, letter))


UNIT_OR_WORDS = N_("“{text}”: creditbot does not read “{unit}” in an amount. For {written}, "
                   "write it so; if “{unit}” begins the words after the amount, put them in "
                   "quotes: {plain} \"{unit} …\".")


def _unit_or_words(text: str, folded: str, match: re.Match[str], word: str,
                   unit: int | None) -> AmountError | None:
    """"+5000 grand": the amount it stands for, and the amount alone with the words after
    it in quotes, which keep them as the reason or the reference."""
    number = match["number"]
    if unit is None or not _PLAIN_NUMBER.fullmatch(number):
        return None
    value = Decimal(number.replace(",", "")) * unit
    if value > MAX_AMOUNT or value.quantize(Decimal("0.01")) != value or value <= 0:
        return None
    plain = (folded[:match.start("space")] + folded[match.end("unit"):]).strip()
    return AmountError(text, UNIT_OR_WORDS, unit=word,
                       written=_way(folded, match, "", value), plain=plain)


def _way(folded: str, match: re.Match[str], code: str, value: Decimal, letter: str = ""
         ) -> str:
    """``folded`` with its number and unit word written as ``value`` (and ``letter``,
    k or m), the currency kept where it was typed."""
    return folded[:match.start("number")] + format(value.normalize(), "f") + letter + \
        code + folded[match.end("unit"):]


def parse_amount(text: str) -> TypedAmount:
    """The amount in ``text``, or AmountError saying how to write one."""
    folded = fold(text).strip()
    match = _AMOUNT.fullmatch(folded)
    if match is None and (signed := _MINUS_WORD.search(folded)) is not None and \
            _AMOUNT.fullmatch(" ".join((folded[:signed.start()] + " "
                                        + folded[signed.end():]).split())):
        raise AmountError(text, NOT_POSITIVE)  # "-5", "USD -5": amounts, below zero
    if (spelled := _unit_word(text, folded)) is not None:
        raise spelled  # before the code: "5 mio" is not an amount in the currency MIO
    if match is None and (digits := _chinese_amount(text, folded)) is not None:
        folded, match = digits, _AMOUNT.fullmatch(digits)
    if match is None and in_chinese_numerals(folded):
        # Not "written": that is a suggestion the + of an increase is put before.
        raise AmountError(text, N_("“{text}” is written in Chinese numerals: write the number "
                                   "in digits, e.g. {digits}."),
                          digits=Phrase(N_("5万 or 50000")))
    if match is None and (grouped := _SPACE_GROUPED.search(folded)) is not None:
        # "50 000,00" as much of Europe writes it: said what it is, and written so that
        # creditbot reads it (a point before the decimals, no space or point between
        # thousands), not "like 50 000.00", refused in its turn.
        joined = grouped[0].replace(" ", "")
        if grouped["decimals"]:
            joined = joined[:-len(grouped["decimals"])].replace(".", "").replace(",", "") \
                + "." + grouped["decimals"][1:]
        written = folded[:grouped.start()] + joined + folded[grouped.end():]
        raise AmountError(text, N_("“{text}” groups its digits with spaces: write it without "
                                   "them, like {written}."), written=written)
    if match is None or (match["before"] and match["after"]):
        comma = _DECIMAL_COMMA.search(folded)
        if comma is not None:
            point = comma[1].replace(".", "") + "." + comma[2]
            written = folded[:comma.start()] + point + folded[comma.end():]
            if "." not in comma[1]:
                # "1,5k" has no point between thousands to take out: not said.
                raise AmountError(text, N_("“{text}” has a decimal comma: write decimals "
                                           "after a point, like {written}."), written=written)
            raise AmountError(text, N_("“{text}” has a decimal comma: write decimals after "
                                       "a point and no point between thousands, like "
                                       "{written}."), written=written)
        raise AmountError(text)
    currency = canonical(match["before"] or match["after"] or "") or None
    if match["yuan"]:
        # 元 alone is the renminbi, as mainland China writes it: "5万元" for a customer
        # billed in dollars is CN¥50,000 converted, not $50,000. With another currency
        # named ("5000元 USD") it is two.
        if currency not in (None, "CNY"):
            raise AmountError(text)
        currency = "CNY"
    if currency is not None and not is_currency(currency):
        raise AmountError(text, N_("“{text}” is not an amount in a currency creditbot knows "
                                   "({code} is not an ISO 4217 code): write it like "
                                   "{examples}."), code=currency)
    digits = match["digits"].replace(",", "")
    number = Decimal(f"{digits}.{match['decimals']}" if match["decimals"] else digits)
    value = number * MULTIPLIERS[match["unit"].lower()]
    if value > MAX_AMOUNT:
        # Before any arithmetic: 10**30 overflows the decimal context's precision.
        raise AmountError(text, AMOUNT_TOO_LARGE, most="10,000,000,000,000")
    if value <= 0:
        raise AmountError(text, NOT_POSITIVE)
    try:
        if value == value.to_integral_value():
            value = value.quantize(Decimal(1))
    except InvalidOperation:  # more decimals than the context holds: not an amount
        raise AmountError(text) from None
    return TypedAmount(value, currency)


def exact_money(text: str, value: Decimal, code: str, sign: str = "") -> Money:
    """``value`` as an amount of ``code``, refused rather than rounded behind the
    person's back when typed with more decimals than the currency has (``100.001`` USD,
    ``5.5`` JPY), as the ERP imports refuse them; an amount below the currency's
    smallest one is refused as not an amount at all. ``code`` must be an ISO 4217 code;
    ``sign``: what the amount was typed after (``+`` for an increase), kept in the
    suggestion so that following it does not change what is asked."""
    money = Money(value, code)
    rounded = money.rounded()
    if rounded.amount <= 0:
        # 0.00001 would be recorded as 0.00: not an order, not a limit.
        raise AmountError(text, N_("“{text}” is less than the smallest amount in {code}: "
                                   "write it like {examples}."), code=code)
    folded = fold(text)
    point = _THOUSANDS_POINT.search(folded)
    if point is not None and rounded == money and minor_units(code) == 2 \
            and not _UNIT_AFTER.search(folded) and value == Decimal(f"{point[1]}.{point[2]}"):
        # "1.500", "2.000": a thousands point as much of Europe writes it, or 1.5 with a
        # zero too many; read either way behind the person's back, a thousandfold wrong.
        raise AmountError(text, N_("“{text}” could be {large} or {small}: write {large} "
                                   "without the point, or {small}."), code=code,
                          large=sign + point[1] + point[2], small=sign + str(rounded.amount))
    if rounded != money:
        # The suggestion as it would be typed: a number, no currency sign. Rounded up,
        # the figure cut short is offered first: ¥1,000,000.50 typed out of habit for
        # cents was told to write 1000001, a yen more than meant.
        down = money.amount.quantize(rounded.amount, ROUND_DOWN)
        if 0 < down != rounded.amount:  # 0.005 USD: 0.00 is no amount to offer
            raise AmountError(text, N_("“{text}” has more decimals than {code} has: write "
                                       "it like {down} or {rounded}."), code=code,
                              down=sign + str(down), rounded=sign + str(rounded.amount))
        raise AmountError(text, N_("“{text}” has more decimals than {code} has: write it "
                                   "like {rounded}."), code=code,
                          rounded=sign + str(rounded.amount))
    return money
