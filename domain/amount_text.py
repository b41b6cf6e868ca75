"""An amount a person typed for an order, a credit limit or a promise to pay, with the
refusals that name what is wrong with it: one set of texts for ``/credit order``,
``/credit check``, ``/credit request`` and the collector's Promise to pay form.

``domain.amounts`` reads the amount; before it, this reads a currency sign (``US$5k``,
``€12``, ``£5,000``; ``$5k`` and ``¥5000`` in the currency the amount is in anyway, when
it is one they stand for) and tells apart what ``domain.amounts`` would only call "not
an amount": a minus sign (not greater than zero), a sign that could be several
currencies (written as its code instead), an exponent (``1e14``: too large, or written
out), and a value above what creditbot takes."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from domain.amounts import (
    MAX_AMOUNT,
    MINUS_SIGNS,
    NOT_POSITIVE,
    AmountError,
    TypedAmount,
    exact_money,
    fold,
    parse_amount,
)
from domain.currencies import currency_code
from domain.money import Money
from domain.text import N_

# The most creditbot takes for one order or one limit: far above any real one, and within
# what the database's numeric columns hold (domain.amounts, where amounts are read).
MOST = MAX_AMOUNT
# Signs that name one currency wherever they are typed: what creditbot itself writes
# (US$ in Chinese, CA$, HK$, €…) is read back.
NAMED_SIGNS = {"US$": "USD", "CA$": "CAD", "A$": "AUD", "AU$": "AUD", "HK$": "HKD",
               "NZ$": "NZD", "NT$": "TWD", "MX$": "MXN", "S$": "SGD", "SG$": "SGD",
               "JP¥": "JPY", "CN¥": "CNY", "€": "EUR", "£": "GBP", "₹": "INR", "₩": "KRW"}
# Signs several currencies write: the one the amount is in anyway (the customer's) when
# it is among them, else the person is asked for the code.
SHARED_SIGNS = {"$": frozenset({"USD", "CAD", "AUD", "NZD", "HKD", "SGD", "TWD", "MXN"}),
                "¥": frozenset({"CNY", "JPY"})}
# The code suggested for a shared sign that stands for none of the customer's currencies.
_SUGGESTED = {"$": "USD", "¥": "CNY"}
# A currency sign, named or shared, as a regular expression (letters in any case).
SIGN = "|".join(re.escape(sign) for sign in sorted({*NAMED_SIGNS, *SHARED_SIGNS},
                                                     key=len, reverse=True))
_SIGN_BEFORE = re.compile(rf"(?P<sign>(?i:{SIGN}))(?P<number>.*)")
_SIGN_AFTER = re.compile(rf"(?P<number>.*?)(?P<sign>(?i:{SIGN}))")
_EXPONENT = re.compile(r"\d+(?:\.\d+)?e[+-]?\d+", re.IGNORECASE)

TOO_LARGE = N_("“{text}” is more than creditbot takes for one order (at most {most}): "
               "write it like {examples}.")
LIMIT_TOO_LARGE = N_("“{text}” is more than creditbot takes for a credit limit (at most "
                     "{most}): write it like {examples}.")
# Typed within bounds, converted into the limit's currency (yen) it may not be.
COMES_TO_TOO_MUCH = N_("“{text}” comes to {converted}: more than creditbot takes for one "
                       "order (at most {most}).")
LIMIT_COMES_TO_TOO_MUCH = N_("“{text}” comes to {converted}: more than creditbot takes for "
                             "a credit limit (at most {most}).")


def within_most(text: str, converted: Money, too_much: str = COMES_TO_TOO_MUCH) -> None:
    """Refuses ``text`` when what it ``converted`` to is above ``MOST``: the exposure, the
    card and the alerts would carry a figure nobody meant, and SQLite's integer columns
    could not keep it."""
    if converted.amount > MOST:
        raise AmountError(text, too_much, converted=str(converted.rounded()),
                          most=f"{MOST:,}")



def read_amount(text: str, too_large: str = TOO_LARGE, *, increase: bool = False,
                implied: str | None = None, base: str | None = None,
                customers: str | None = None) -> TypedAmount:
    """The amount ``text`` names, or an ``AmountError`` that says what is wrong with it
    (quoting ``text`` whole). ``increase``: ``text`` may start with ``+`` (read without it).
    ``implied``: the currency the amount is in when it names none (the customer's), which
    ``$`` or ``¥`` then stand for if they can (``$5k`` for a customer billed in USD);
    a sign that names one currency (``US$``, ``€``, ``£``) is read as it anywhere.
    ``base``: the organisation's base currency, when ``implied`` is only the customer's:
    a sign both write (``$`` for a USD company's customer billed in MXN) is asked about,
    not taken for either (a rep's "$10k" for a peso customer was MX$10,000, $550).
    ``customers``: the customer's own currency, when none was given beside the amount:
    元 is asked about for a customer billed in HKD, TWD or MOP."""
    typed = _read(text, too_large, increase, implied)
    if customers in _YUAN_TOO and typed.currency == "CNY" and _YUAN_ALONE.search(text) \
            and not _RENMINBI_NAMED.search(text):
        # 元 (块) is the renminbi as mainland China writes it, but Hong Kong, Taiwan and
        # Macau write their own dollars so too: a Hong Kong rep's 5万块 was CN¥50,000.
        raise AmountError(text, N_("“{text}”: 元 is the renminbi in mainland China, and "
                                   "the dollar where {customers}, the customer's currency, "
                                   "is spent; write the currency's code after the amount "
                                   "instead, e.g. {amount} {customers} or {amount} CNY."),
                          customers=customers, amount=_example(text, typed.value))
    symbol = sign_of(text)
    if (base is not None and implied is not None and symbol in SHARED_SIGNS
            and typed.currency == implied != base
            and base in SHARED_SIGNS[symbol] and not _names_code(text, symbol)):
        raise AmountError(text, N_("“{text}”: {sign} is both {customers} (the customer's "
                                   "currency) and {base}; write the currency's code after "
                                   "the amount instead, e.g. {amount} {customers} or "
                                   "{amount} {base}."),
                          sign=symbol, customers=implied, base=base,
                          amount=_example(text, typed.value))
    return typed


def _example(text: str, value: Decimal) -> str:
    """``value`` as the ways to write it show it: whole when it is, grouped, with the +
    typed before it."""
    whole = value.quantize(Decimal(1)) if value == value.to_integral_value() else value
    return ("+" if text.strip().startswith("+") else "") + f"{whole:,f}"


# The currencies written with 元 (块) where they are spent, besides the renminbi.
_YUAN_TOO = frozenset({"HKD", "TWD", "MOP"})
_YUAN_ALONE = re.compile("[元块圆圓塊]")
_RENMINBI_NAMED = re.compile("(?i)cny|rmb|人民币|人民幣|[¥￥]")


def _names_code(text: str, symbol: str) -> bool:
    """Whether ``text`` names its currency's code too ("$5k MXN")."""
    signed = _signed(fold(text).strip().lstrip("+").strip())
    return signed is not None and signed[0] == symbol and _currency_in(signed[1]) is not None


def one_currency(text: str, typed: TypedAmount, given: str | None) -> None:
    """Refuses an amount whose own currency (``+€100k``, ``100k EUR``) is not the one
    ``given`` beside it (a form's currency field): neither is taken over the other."""
    if typed.currency is not None and given is not None and typed.currency != given:
        raise AmountError(text, N_("“{text}” is in {typed}, and the currency given is "
                                   "{given}: give the currency once, in the amount or as "
                                   "the currency."), typed=typed.currency, given=given)


def has_sign(text: str) -> bool:
    """Whether ``text`` starts or ends with a currency sign ($, US$, €, £, ¥…)."""
    return sign_of(text) is not None


def sign_of(text: str) -> str | None:
    """The currency sign ``text`` starts or ends with (``US$``, ``$``, ``€``…), if any."""
    signed = _signed(fold(text).strip().lstrip("+").strip())
    return signed[0] if signed is not None else None


def stands_for(sign: str, currency: str) -> bool:
    """Whether ``sign`` can be written for ``currency`` ($ for USD or CAD, € for EUR)."""
    return _sign_names(sign, currency) == currency


def _signed(folded: str) -> tuple[str, str] | None:
    """The sign ``folded`` starts or ends with, and the rest, stripped."""
    match = _SIGN_BEFORE.fullmatch(folded) or _SIGN_AFTER.fullmatch(folded)
    return None if match is None else (match["sign"].upper(), match["number"].strip())


def _sign_names(sign: str, implied: str | None) -> str | None:
    """The currency ``sign`` names, when it names one: a shared sign only when
    ``implied``, the currency the amount is in anyway, is one of its own."""
    if sign in NAMED_SIGNS:
        return NAMED_SIGNS[sign]
    return implied if implied in SHARED_SIGNS.get(sign, ()) else None


def _as_typed(text: str, wrong: AmountError, **params: str) -> AmountError:
    """``wrong`` (about a part of ``text``) said of ``text`` as the person typed it."""
    kept = {k: v for k, v in wrong.params.items() if k not in ("text", "examples")}
    return AmountError(text, wrong.template, **{**kept, **params})


def _after_sign(text: str, number: str, symbol: str, sign: str, too_large: str) -> AmountError:
    """What to say of an amount typed with a currency sign: the same amount with the
    currency's code, once the amount itself is one creditbot takes as suggested."""
    try:
        typed = _read(number, too_large, False, None)
    except AmountError as wrong:  # too large, an exponent, not an amount at all
        if "written" in wrong.params:  # "$1e5": its digits, with the code
            return _after_sign(text, wrong.params["written"], symbol, sign, too_large)
        if "large" in wrong.params:
            # "+1.500 Mio. ¥": read two ways, in a currency the sign does not say; its
            # ways without the + and a currency were a total in the customer's.
            return AmountError(text)
        return _as_typed(text, wrong)
    if typed.currency is not None:  # "$12 EUR"; "12 USD$" is no way of writing dollars
        return (AmountError(text) if _sign_names(symbol, typed.currency)
                else _two_currencies(text, symbol, typed, sign))
    # ¥ names the yen only when the amount is whole yen: ``¥5.5`` is yuan, and
    # suggesting ``5.5 JPY`` would suggest what is refused next.
    whole_yen = Money(typed.value, "JPY").rounded().amount == typed.value
    code = _SUGGESTED[symbol]
    try:
        exact_money(text, typed.value, code, sign)
    except AmountError as wrong:  # finer than the currency: suggested rounded, with code
        if "rounded" not in wrong.params:
            return _as_typed(text, wrong)
        return _as_typed(text, wrong, rounded=f"{wrong.params['rounded']} {code}", **(
            {"down": f"{wrong.params['down']} {code}"} if "down" in wrong.params else {}))
    written = sign + number
    if symbol == "¥" and whole_yen:
        return AmountError(text, N_("“{text}”: ¥ is both the yuan and the yen; write the "
                                    "currency's code after the amount instead, e.g. "
                                    "{amount} CNY or {amount} JPY."), amount=written)
    return AmountError(text, N_("“{text}”: write the currency's code after the amount "
                                "instead of its sign, e.g. {amount} {code}."),
                       code=code, amount=written)


def _with_sign(text: str, number: str, code: str, too_large: str, sign: str,
               symbol: str) -> TypedAmount:
    """``number``, typed with ``symbol``, a sign that names ``code``: what is wrong with
    it is said of ``text`` as typed."""
    if _signed(number) is not None:  # "US$US$5", "€€5k": one sign, not two
        raise AmountError(text)
    try:
        typed = _read(number, too_large, False, None)
    except AmountError as wrong:
        # "+50 000 €", "+€1,5 Mio.": each way suggested with its + and its code.
        ways = {key: _signed_way(wrong.params[key], sign, code)
                for key in SUGGESTIONS if key in wrong.params}
        if None in ways.values():  # "$5 TEUR": two currencies, neither suggested
            raise AmountError(text) from None
        raise _as_typed(text, wrong, **{k: v for k, v in ways.items() if v}) from None
    if typed.currency not in (None, code):  # "US$5k EUR"
        # A shared sign ("$5k EUR") is named as typed, as where nothing implies its
        # currency: only the way suggested for it is the customer's dollar.
        raise _two_currencies(text, symbol if symbol in SHARED_SIGNS else code, typed, sign,
                              suggested=code)
    return TypedAmount(typed.value, code)


TWO_CURRENCIES = N_("“{text}” names two currencies, {first} and {second}: write one, e.g. "
                    "{one} or {other}.")


def _two_currencies(text: str, first: str, typed: TypedAmount, sign: str,
                    suggested: str | None = None) -> AmountError:
    """``text`` names ``first`` (a code, or a sign that could be several) and then
    ``typed``'s currency: neither is taken over the other, and both ways are shown
    (``first``'s in ``suggested``, by default the code a sign is taken for)."""
    value = typed.value
    # "5k" as 5,000 rather than 5E+3; "1,234.50" keeps its cents.
    number = sign + format(value.quantize(Decimal(1)) if value == value.to_integral_value()
                           else value, ",f")
    ways: list[str] = []
    wrong: list[AmountError] = []
    for code in (suggested or _SUGGESTED.get(first, first), str(typed.currency)):
        try:
            exact_money(text, value, code, sign)
            ways.append(f"{number} {code}")
        except AmountError as refused:
            wrong.append(refused)
            # "1.5 USD JPY": the yen's way rounded, as a yen amount is written.
            ways.append(f"{refused.params.get('rounded', number)} {code}")
    if len(wrong) == 2:
        # Wrong in either currency ("$1.500 EUR"): that is said first.
        return wrong[-1]
    return AmountError(text, TWO_CURRENCIES, first=first, second=str(typed.currency),
                       one=ways[0], other=ways[1])


def _after_code(folded: str, sign: str) -> AmountError | None:
    """"5k USD EUR", "USD 5k 人民币": an amount with its currency, then another one (the
    refusal that says so), where ``domain.amounts`` would only say "not an amount"."""
    words = folded.rsplit(maxsplit=1)
    last = currency_code(words[-1]) if len(words) == 2 else None
    if last is None:
        return None
    try:
        typed = parse_amount(words[0])
    except AmountError:
        return None
    if typed.currency is None or typed.currency == last:
        return None
    return _two_currencies(sign + folded, typed.currency, TypedAmount(typed.value, last), sign)


def _read(text: str, too_large: str, increase: bool, implied: str | None) -> TypedAmount:
    folded = fold(text).strip()
    sign = ""
    if increase and folded.startswith("+"):
        sign, folded = "+", folded[1:].strip()
    elif folded.startswith("+") and len(folded) > 1:
        # An order's, a check's or a promise's amount is an amount, never an increase:
        # said so, rather than "not an amount" beside examples the rest already follows.
        try:
            _read(folded[1:], too_large, False, implied)
        except AmountError as wrong:
            raise _as_typed(text, wrong) from None
        raise AmountError(text, N_("“{text}”: an amount here is written without +, e.g. "
                                   "{written}."), written=folded[1:].strip())
    if folded[:1] and folded[:1] in MINUS_SIGNS:
        raise AmountError(text, NOT_POSITIVE)
    signed = _signed(folded)
    if signed is not None:
        symbol, number = signed
        if _signed(number) is not None:  # "US$US$5", "$$$…$5": one sign, not several
            raise AmountError(text)
        # "$5k CAD": the dollars named after it, whatever the customer is billed in.
        code = _sign_names(symbol, _currency_in(number)) if folded.upper().startswith(
            symbol) else None
        code = code or _sign_names(symbol, implied)
        if code is not None:
            return _with_sign(text, number, code, too_large, sign, symbol)
        raise _after_sign(text, number, symbol, sign, too_large)
    if _EXPONENT.fullmatch(folded):
        try:
            value = Decimal(folded)
        except InvalidOperation:
            value = MOST + 1
        if value > MOST:
            raise AmountError(text, too_large, most=f"{MOST:,}")
        # Read, not taken: an exponent is a spreadsheet's way of writing, and a slip in
        # it (1e9 for 1e6) is a thousandfold error; the person confirms the digits.
        raise AmountError(text, N_("“{text}” is written with an exponent: write the "
                                   "digits out, e.g. {written}."),
                          written=sign + format(value.normalize(), "f"))
    try:
        typed = parse_amount(folded)
    except AmountError as wrong:
        if "most" in wrong.params:  # too large: said as an order's or a limit's
            raise AmountError(text, too_large, most=f"{MOST:,}") from None
        two = _after_code(folded, sign)
        if two is not None:
            raise _as_typed(text, two) from None
        params = {k: v for k, v in wrong.params.items() if k not in ("text", "examples")}
        for written in SUGGESTIONS:  # a suggestion keeps the + it was typed with
            if written in params:
                params[written] = sign + params[written]
        raise AmountError(text, wrong.template, **params) from None
    if typed.value > MOST:
        raise AmountError(text, too_large, most=f"{MOST:,}")
    return typed


# The ways of writing an amount a refusal suggests (``domain.amounts``): each keeps the
# + and the currency the amount was typed with.
SUGGESTIONS = ("written", "short", "wan", "large", "small", "plain")


def _signed_way(suggested: str, sign: str, code: str) -> str | None:
    """A way of writing an amount typed with ``code``'s sign: ``suggested`` with the
    code after it, unless it names it already; ``None`` when it names another."""
    named = _currency_in(suggested)
    if named is None:
        return f"{sign}{suggested} {code}"
    return sign + suggested if named == code else None


def _currency_in(number: str) -> str | None:
    """The currency written in ``number`` itself (``5k CAD``), if it reads as an amount."""
    try:
        return parse_amount(number).currency
    except AmountError:
        return None
