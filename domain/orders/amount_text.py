"""An amount a person typed for an order or a credit limit, with the refusals that name
what is wrong with it: one set of texts for ``/credit order``, ``/credit check`` and
``/credit request``.

``domain.amounts`` reads the amount; before it, this tells apart what it would only call
"not an amount": a minus sign (not greater than zero), a currency symbol (written as its
code instead), an exponent (``1e14``: too large, or written out), and a value above what
creditbot takes."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from domain.amounts import (
    EXAMPLES,
    MINUS_SIGNS,
    NOT_POSITIVE,
    AmountError,
    TypedAmount,
    exact_money,
    fold,
    parse_amount,
)
from domain.money import Money
from domain.text import N_, Phrase

# The most creditbot takes for one order or one limit: far above any real one, and within
# what the database's numeric columns hold.
MOST = Decimal(10) ** 13
SYMBOLS = {"$": "USD", "€": "EUR", "£": "GBP", "¥": "CNY"}
_EXPONENT = re.compile(r"\d+(?:\.\d+)?e[+-]?\d+", re.IGNORECASE)

TOO_LARGE = N_("“{text}” is more than creditbot takes for one order (at most {most}): "
               "write it like {examples}.")
LIMIT_TOO_LARGE = N_("“{text}” is more than creditbot takes for a credit limit (at most "
                     "{most}): write it like {examples}.")


# domain.amounts' examples, marked here so that a reader sees them in their language.
_EXAMPLES = Phrase(N_("120000, 120,000, 120000.50, 120k, 1.2m, 12万, 1.5亿, USD 120k or 120k "
                      "EUR"))


def read_amount(text: str, too_large: str = TOO_LARGE, *,
                increase: bool = False) -> TypedAmount:
    """The amount ``text`` names, or an ``AmountError`` that says what is wrong with it
    (quoting ``text`` whole). ``increase``: ``text`` may start with ``+`` (read without it)."""
    try:
        return _read(text, too_large, increase)
    except AmountError as wrong:
        if wrong.params.get("examples") == EXAMPLES:
            wrong.params["examples"] = _EXAMPLES
        raise


def has_sign(text: str) -> bool:
    """Whether ``text`` starts or ends with a currency sign ($, €, £, ¥)."""
    folded = fold(text).strip().lstrip("+")
    return folded[:1] in SYMBOLS or folded[-1:] in SYMBOLS


def _as_typed(text: str, wrong: AmountError, **params: str) -> AmountError:
    """``wrong`` (about a part of ``text``) said of ``text`` as the person typed it."""
    kept = {k: v for k, v in wrong.params.items() if k not in ("text", "examples")}
    return AmountError(text, wrong.template, **{**kept, **params})


def _after_sign(text: str, number: str, symbol: str, sign: str, too_large: str) -> AmountError:
    """What to say of an amount typed with a currency sign: the same amount with the
    currency's code, once the amount itself is one creditbot takes as suggested."""
    try:
        typed = _read(number, too_large, False)
    except AmountError as wrong:  # too large, an exponent, not an amount at all
        if "written" in wrong.params:  # "$1e5": its digits, with the code
            return _after_sign(text, wrong.params["written"], symbol, sign, too_large)
        return _as_typed(text, wrong)
    if typed.currency is not None:  # "$12 EUR": two currencies, no one suggestion
        return AmountError(text)
    # ¥ names the yen only when the amount is whole yen: ``¥5.5`` is yuan, and
    # suggesting ``5.5 JPY`` would suggest what is refused next.
    whole_yen = Money(typed.value, "JPY").rounded().amount == typed.value
    code = "CNY" if symbol == "¥" else SYMBOLS[symbol]
    try:
        exact_money(text, typed.value, code, sign)
    except AmountError as wrong:  # finer than the currency: suggested rounded, with code
        if "rounded" not in wrong.params:
            return _as_typed(text, wrong)
        return _as_typed(text, wrong, rounded=f"{wrong.params['rounded']} {code}")
    written = sign + number
    if symbol == "¥" and whole_yen:
        return AmountError(text, N_("“{text}”: ¥ is both the yuan and the yen; write the "
                                    "currency's code after the amount instead, e.g. "
                                    "{amount} CNY or {amount} JPY."), amount=written)
    return AmountError(text, N_("“{text}”: write the currency's code after the amount "
                                "instead of its sign, e.g. {amount} {code}."),
                       code=code, amount=written)


def _read(text: str, too_large: str, increase: bool) -> TypedAmount:
    folded = fold(text).strip()
    sign = ""
    if increase and folded.startswith("+"):
        sign, folded = "+", folded[1:].strip()
    if folded[:1] and folded[:1] in MINUS_SIGNS:
        raise AmountError(text, NOT_POSITIVE)
    symbol = folded[:1] if folded[:1] in SYMBOLS else folded[-1:]
    if symbol in SYMBOLS:
        raise _after_sign(text, folded.strip("".join(SYMBOLS)).strip(), symbol, sign,
                          too_large)
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
        params = {k: v for k, v in wrong.params.items() if k not in ("text", "examples")}
        raise AmountError(text, wrong.template, **params) from None
    if typed.value > MOST:
        raise AmountError(text, too_large, most=f"{MOST:,}")
    return typed
