"""Reading ``/credit request <customer> <amount> <reason…>``.

Customer names have spaces and the reason is free text, so the line is split at the
amount: the first word after the first that starts with ``+`` or reads as an amount
(``domain.amounts``: ``250000``, ``100k``, ``25万``, ``USD 250k``, ``250k USD``) ends the
customer; the rest is the reason. A name that itself holds a number (``Acme 2000
Ltd``) is written in quotes: ``"Acme 2000 Ltd" +100k bigger orders``. ``until
YYYY-MM-DD`` right after the amount (or right before it) asks for a temporary limit
through that day.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from typing import NoReturn

from domain.amount_text import read_amount
from domain.amounts import AmountError, fold, parse_amount
from domain.chinese_variants import simplified_chinese
from domain.days import UNTIL_WORDS, looks_like_day, read_day
from domain.errors import DomainError, SeveralProblems
from domain.orders.typed import (
    LowerCaseCode,
    UnknownCurrency,
    amount_parted,
    as_written,
    currency_word,
    is_code,
    join_signs,
    join_units,
    looks_like_code,
    lower_case_code,
    numeric,
    two_currencies,
    unquoted,
)
from domain.text import N_, CommandExample, DatedPhrase, Phrase

# Opening quote → its closing one (a Chinese input method types the curly and corner ones).
_QUOTES = {'"': '"', "“": "”", "'": "'", "‘": "’", "「": "」", "『": "』"}

# The command is the handler's to name as the person typed it (`/credit 申请`): each
# refusal carries it as a value, and its example the words after it.
COMMAND = "/credit request"
USAGE = Phrase(N_("acme +100k larger Q1 orders"))
QUOTED = Phrase(N_("\"Acme 2000 Ltd\" +100k larger orders"))
# An example's reason, in the reader's words.
LARGER_ORDERS = Phrase(N_("larger orders"))
# The amount and the reason apart, as a Chinese reader writes them (with "，").
GLUED_EXAMPLE = Phrase(N_("acme +50k larger orders"))


GIVE_EVERYTHING = N_("Give the customer, the new limit or the increase, and why: "
                     "`{command} {example}` (a new total such as `250000` or `USD 250k`, "
                     "or an increase such as `+100k`).")


class LineError(DomainError):
    """The line cannot be read; the message shows how to write it."""


@dataclass(frozen=True)
class RequestLine:
    customer: str
    amount: str
    reason: str
    # The last day of a temporary limit (``until YYYY-MM-DD`` after the amount).
    until: date | None = None
    # The name was in quotes: nothing of it can have been read as the amount.
    quoted: bool = False
    # What followed the customer, as typed (the amount, the reason): an example of the
    # line with the customer's id in its place is the person's own line.
    after: str = field(default="", compare=False)


# The amount said with a verb, as Chinese is written: "增加31万" an increase (+31万),
# "提高到50万" a new total (50万). A word of its own, before the first amount only (a
# reason's "增加2个门店" stays as written), and right before digits.
_VERB = re.compile(r"(?<=\s)(?:(提高到|提高至|增加到|增加至|上调到|上调至|调整到|调整为|调整至|"
                   r"调到|调至|改为|改成|增至|加到|加至)|(增加|提高|上调|增|加))\s*(?=[0-9０-９])")


def _verb_as_sign(text: str) -> str:
    # A quoted name is as typed ("华夏 增加1万 公司"), and its digits are no amount.
    head, body, first = "", text, 1
    closing = _QUOTES.get(text[:1])
    if closing is not None and (end := text.find(closing, 1)) > 0:
        head, body, first = text[:end + 1], text[end + 1:], 0
    found = _VERB.search(body)
    # An amount before the verb was the amount; a temporary limit's day is none.
    before = [word for word in body[:found.start()].split() if not looks_like_day(word)
              and unicodedata.normalize("NFKC", word).lower() not in UNTIL_WORDS] \
        if found is not None else []
    if found is None or _amount_at(before, first) is not None:
        return text
    # "华夏 加1号仓 +5万": a name's word, not an amount.
    said = re.split(r"[,，。;；:：]", body[found.end():].split(maxsplit=1)[0])[0]
    if not _strictly_amount(said):
        return text
    return head + body[:found.start()] + ("" if found[1] else "+") + body[found.end():]


def parse_request_line(text: str) -> RequestLine:
    # "+5万，春节备货": the reason after the mark (orders read theirs so).
    written, text = text, " ".join(amount_parted(_verb_as_sign(text), _reads_as_amount).split())
    opened = text[:1]
    if opened in _QUOTES:
        end = text.find(_QUOTES[opened], 1)
        if end < 0:
            raise LineError(N_("The customer's name opens a quote that is not closed: write "
                               "`{command} {example}`."), command=COMMAND, example=QUOTED)
        customer = text[1:end].strip()
        words = _reason_unglued(join_signs(text[end + 1:].split()), 0, written)
        if not customer:
            raise LineError(N_("The quotes hold no customer name: write `{command} "
                               "{example}`."), command=COMMAND, example=QUOTED)
    else:
        words = _until_after_amount(_reason_unglued(join_signs(text.split()), 1, written))
        start = _amount_at(words, 1)
        if start is None:
            raise LineError(GIVE_EVERYTHING, command=COMMAND, example=USAGE)
        if start >= 2 and looks_like_code(words[start - 1]) and not is_code(
                words[start - 1]) and not words[start].startswith(("+", "＋")):
            # "acme XYZ 100k": meant as the amount's currency, not the name's end.
            raise UnknownCurrency(words[start - 1], CommandExample(
                f"{COMMAND} acme EUR 250k", LARGER_ORDERS))
        # The customer as written: an id may hold an ideographic or a double space.
        customer = as_written(written, [p for w in words[:start] for p in fold(w).split()])
        words = words[start:]
    amount, reason = _take_amount(words) if words and _amount_at(words, 0) == 0 else ("", "")
    figures = unicodedata.normalize("NFKC", amount).lstrip("+").strip()
    # No amount, or a sign with none after it ("acme +", "acme + USD": that was answered
    # "say why").
    if not figures or is_code(figures):
        raise LineError(N_("After the customer comes the new limit or the increase: "
                           "`{command} {example}`."), command=COMMAND, example=USAGE)
    _no_unknown_code_after(amount, reason)
    try:
        until, reason = _take_until(reason)
    except LineError as bad_day:
        # An unreadable amount is said with the unreadable day, not on the next try.
        try:
            read_amount(amount, increase=True)
        except AmountError as bad_amount:
            raise SeveralProblems([bad_amount, bad_day]) from None
        raise
    # A reason in quotes (as a refusal asks for words that begin like a unit: +5000
    # "grand opening") is the words inside them.
    return RequestLine(customer, amount, unquoted(reason), until, quoted=opened in _QUOTES,
                       after=" ".join(words))


def _no_unknown_code_after(amount: str, reason: str) -> None:
    """"+10k XAU gold": three capitals after an amount that names no currency are meant
    as its currency, as ``/credit order`` reads them; filed in the customer's currency
    with "XAU gold" as the reason, the request would ask for what nobody typed."""
    first = reason.split(maxsplit=1)[0] if reason else ""
    if first and currency_word(first):
        try:
            named = read_amount(amount, increase=True).currency
        except AmountError:
            return  # said of the amount when it is read
        if named is not None:
            # "+5000 人民币 EUR": filed in CNY with "EUR" as the reason, nobody's request.
            raise two_currencies(f"{amount} {first}", CommandExample(
                f"{COMMAND} acme +250k EUR", LARGER_ORDERS), increase=True)
        return
    if not first or not looks_like_code(first) or is_code(first):
        return
    try:
        named = read_amount(amount, increase=True).currency
    except AmountError:
        return  # said of the amount when it is read
    if named is None:
        # Said as what it was read as: "+10k CEO approved" never meant a currency.
        raise LineError(N_("“{code}” right after the amount reads as its currency, and "
                           "creditbot knows no such code: write a currency it knows (e.g. "
                           "USD, EUR, CNY), or start the reason with another word, e.g. "
                           "`{command} {example}`."), code=first, command=COMMAND,
                        example=Phrase(N_("acme +250k EUR larger orders")))


TEMPORARY_USAGE = DatedPhrase(N_("acme +50k until {until} Christmas season"))


# Words that say a limit is temporary, written before its until: "+20k temporary until
# 2026-12-10 promo" was filed as a permanent increase, "temporary until …" its reason.
# Before anything else they start the reason ("temporary workers for the season").
_TEMPORARY_WORDS = frozenset({"temporary", "temporarily", "temp", "临时", "暂时"})


def _take_until(reason: str) -> tuple[date | None, str]:
    """``until YYYY-MM-DD`` at the start of the reason: the temporary limit's last day.
    A Chinese reader writes 至 (截至, 到…) and may join it to the day (``至2027-01-31``);
    those words start a reason too ("到年底备货"), so they count only before a day. A
    word saying it is temporary may come first ("temporary until 2026-12-10")."""
    words = reason.split(maxsplit=2)
    if not words:
        return None, reason
    after_word = _after_temporary(reason)
    if after_word:
        last_day, after = _take_until(after_word)
        if last_day is None and looks_like_day(after_word.split()[0]):
            last_day, after = _take_until("until " + after_word)  # "temporary 2026-12-31"
        if last_day is not None:
            return last_day, after
    word = unicodedata.normalize("NFKC", words[0]).lower()
    until, joined = next(((w, word[len(w):]) for w in UNTIL_WORDS
                          if word.startswith(w) and len(word) > len(w)), (None, None))
    if joined is not None and (looks_like_day(joined) or _a_day_after(until, joined)):
        return _last_day(joined), " ".join(words[1:])
    if word in UNTIL_WORDS and len(words) < 2:
        # "+5k 至" meant a temporary limit as much as "+5k until" did; filed as an
        # increase whose reason is "至", it asked for what nobody meant.
        raise LineError(N_("Write the last day of the temporary limit after `{word}`: "
                           "`{command} {example}`."), word=words[0], command=COMMAND,
                        example=TEMPORARY_USAGE)
    # Apart from the word after it, "至" says a last day follows as "until" does: "+5万 至
    # 明天 年底促销" was a permanent increase whose reason began "至 明天". "till", "bis"
    # and "到" start reasons too ("till further notice", "到 3号仓库"), unless a day, or
    # a word for one other than "到"'s ("到 年底备货"), follows.
    if word not in UNTIL_WORDS or not (word in _ALWAYS_UNTIL or looks_like_day(words[1])
                                       or _a_day_after(word, words[1])):
        return None, reason
    return _last_day(words[1]), words[2] if len(words) > 2 else ""


_ALWAYS_UNTIL = frozenset({"until", "至", "截至", "截止", "直到"})
# Words for a day that are not a date ("至 明天", "至本月底", "till Friday", "bis
# morgen"): asked for as a date, not read into the reason. A Chinese one must be the
# whole word (至 is joined to it: "截至本月已回款" and "至少每星期" are reasons), the others
# whole words ("till endorsed", "till the CFO signs" are reasons).
_RELATIVE_CJK = re.compile(
    r"明天|后天|明日|春节|节后|元旦|国庆|中秋|周末"
    r"|(?:本|今|明|这个?|下个?|下下个?)?(?:年|月|周|星期)(?:底|末|初|中|[一二三四五六日天])?"
    r"|(?:年|月)(?:底|末|初)|周[一二三四五六日]|星期[一二三四五六日天]")
_RELATIVE_WORDS = frozenset({
    "tomorrow", "today", "tonight", "next", "end", "year-end", "month-end", "eom", "eoy",
    "xmas", "christmas", "easter", "mid",
    "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
    "january", "february", "march", "april", "may", "june", "july", "august", "september",
    "october", "november", "december", "jan", "feb", "mar", "apr", "jun", "jul", "aug",
    "sep", "sept", "oct", "nov", "dec",
    "morgen", "übermorgen", "ende", "mitte", "monatsende", "jahresende", "nächste",
    "nächsten", "montag", "dienstag", "mittwoch", "donnerstag", "freitag", "samstag",
    "sonntag", "weihnachten", "ostern"})


def _a_day_after(until: str | None, word: str) -> bool:
    """Whether ``word`` after ``until`` is a word for a day that is not a date: asked
    for as one. Not after 到 ("to"): "到年底备货" is "stock up for the year's end"."""
    return until != "到" and _relative(word)


def _relative(word: str) -> bool:
    # 春節, 週五 as Taipei writes them: filed as a permanent limit with the day as reason.
    folded = simplified_chinese(unicodedata.normalize("NFKC", word).lower().strip(".,;:"))
    return folded in _RELATIVE_WORDS or folded.split("-")[0] in _RELATIVE_WORDS \
        or _RELATIVE_CJK.fullmatch(folded) is not None


def _after_temporary(reason: str) -> str | None:
    """The reason after a first word saying the limit is temporary, written with a
    comma, a colon or brackets, or joined as Chinese joins it ("临时至2027-01-31")."""
    first, _, rest = unicodedata.normalize("NFKC", reason).partition(" ")
    word = first.lower().lstrip("(")
    # 臨時, 暫時 as Taipei and Hong Kong write them: a permanent increase was filed. Read
    # in Simplified, cut where it reads (one character for one), kept as written.
    read = simplified_chinese(word)
    for temporary in sorted(_TEMPORARY_WORDS, key=len, reverse=True):
        if read.startswith(temporary):
            joined = word[len(temporary):].lstrip(",:;)")
            after = " ".join(filter(None, (joined, rest.strip())))
            return after or None
    return None


def _last_day(text: str) -> date:
    try:
        return read_day(text)
    except ValueError:
        raise LineError(N_("“{day}” is not a date: write the temporary limit's last day "
                           "as YYYY-MM-DD, e.g. `{command} {example}`."),
                        day=text[:40], command=COMMAND, example=TEMPORARY_USAGE) from None


_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def _reason_unglued(words: list[str], first: int, written: str) -> list[str]:
    """A Chinese reason written straight after the amount, as Chinese is typed. Read
    apart only where the boundary is plain: the amount ends in a digit and the reason
    starts with no character an amount takes ("+5000春节备货"). Where a unit could be
    either's ("+5万春节备货"; "+3千万达订单" is +3,000 for 万达 as much as +30,000,000;
    "+5万元旦" +5万 for 元旦), the person is asked to put a space or "，" after the amount
    rather than filed ten thousand times too much. Only where the amount would be: the
    first word meant as one, else the first that starts with one and its unit ("2号仓库"
    is a name's)."""
    meant = next((i for i in range(first, len(words)) if _reads_as_amount(words[i])), None)
    for index in ([meant] if meant is not None else range(first, len(words))):
        word = words[index]
        if _strictly_amount(word):
            following = words[index + 1] if index + 1 < len(words) else ""
            # A mark after the amount ("+50000，千岛湖项目") settles where the reason starts.
            marked = re.search(re.escape(word) + r"\s*[，,、：:；;]", written) is not None
            if not marked and _unit_or_currency_glued(word, following):
                # "+5 万春节备货" was filed as +5 with the reason "万春节备货"; "+50万
                # 美元春节备货" in the customer's yuan with the reason "美元春节备货".
                raise LineError(N_("“{word}” can be read two ways: write the amount with its "
                                   "unit and currency together, and put “，” after it, e.g. "
                                   "`{command} {example}`."), word=f"{word} {following}",
                                command=COMMAND, example=GLUED_EXAMPLE)
            return words
        cuts = [(word[:cut], word[cut:]) for cut in range(len(word) - 1, 0, -1)
                if _HAN.match(word[cut:]) and _strictly_amount(word[:cut])
                and (word[:1] in ("+", "＋") or _UNIT.search(word[:cut]))]
        if not cuts:
            continue
        head, tail = cuts[0]
        if len(cuts) == 1 and not _SIZES.match(tail) and not _UNIT.search(head[-1]) \
                and not any(tail.startswith(w) for w in UNTIL_WORDS):
            return [*words[:index], head, tail, *words[index + 1:]]
        _refuse_glued(word)
    return words


def _refuse_glued(word: str) -> NoReturn:
    # Not the line cut somewhere as an example: "+5万元，旦备货" would be copied.
    raise LineError(N_("“{word}” runs the amount and the reason together: put a space or "
                       "“，” after the amount, e.g. `{command} {example}`."),
                    word=word, command=COMMAND, example=GLUED_EXAMPLE)


def _unit_or_currency_glued(amount: str, word: str) -> bool:
    """Whether ``word``, after ``amount``, starts with what the amount may take, joined to
    more: after bare digits, a unit or a word for its size ("+5 万春节", "5000 多万") or a
    letter unit glued to Chinese ("+5 k春节"; not "k-line"); after any amount, a currency
    glued to Chinese ("+50万 美元春节"). After "+5k" or "+5万", "万达" and "多个仓库" are the
    reason's; a unit or currency standing alone is the amount's."""
    folded = unicodedata.normalize("NFKC", word)
    if len(folded) < 2 or _strictly_amount(amount + word):
        return False  # "+5 万美元": the unit and currency are the amount's, typed apart
    if unicodedata.normalize("NFKC", amount)[-1:].isdigit() and (
            _SIZES.match(folded) or (folded[0] in "kKmMwW" and _HAN.match(folded[1:]))):
        return True
    return any(currency_word(folded[:end]) and _HAN.match(folded[end:])
               for end in range(1, len(folded)))


_UNIT = re.compile(r"[万萬亿億千仟百佰元圆圓块塊kKmM]")
# What may follow a number as part of its size: a unit, or "over" (5000多万, 5000余万:
# over fifty million), or "exactly" (5000整).
_SIZES = re.compile(r"[万萬亿億千仟百佰元圆圓块塊多余餘来來整]")


def _strictly_amount(word: str) -> bool:
    try:
        read_amount(word, increase=True)
    except AmountError:
        return False
    return True


def _reads_as_amount(word: str) -> bool:
    folded = unicodedata.normalize("NFKC", word)
    if folded.startswith("+") or numeric(folded):
        return True  # meant as the amount, even mistyped (its error says how to write it)
    try:
        parse_amount(folded)
    except AmountError:
        return False
    return True


def _code_before(word: str, following: str) -> bool:
    """A currency code before an amount: in capitals, or a common one in lower case
    (``COMMON_CODES``), so that "at all 250k" keeps its "all" (the lek's code)."""
    # An increase is "+100k" alone; "USD +100k" is not an amount.
    return not following.startswith(("+", "＋")) and currency_word(word)


def _amount_at(words: list[str], first: int) -> int | None:
    """Where the amount starts, looking from ``first``: a currency code directly before
    an amount belongs to it."""
    for i in range(first, len(words)):
        if (i + 1 < len(words) and _code_before(words[i], words[i + 1])
                and _reads_as_amount(words[i + 1])):
            return i
        if _reads_as_amount(words[i]):
            return i
    return None


def _until_after_amount(words: list[str]) -> list[str]:
    """``until YYYY-MM-DD`` written before the amount ("great lakes until 2026-12-31
    +10k xmas") put after it, where it is read: the customer was "great lakes until"
    else, and the example offered dropped the until."""
    for index in range(1, len(words) - 2):
        word = unicodedata.normalize("NFKC", words[index]).lower()
        if word in UNTIL_WORDS and looks_like_day(words[index + 1]) \
                and _amount_at(words, index + 2) == index + 2:
            amount, reason = _take_amount(words[index + 2:])
            return [*words[:index], *amount.split(), *words[index:index + 2],
                    *reason.split()]
    return words


def _take_amount(words: list[str]) -> tuple[str, str]:
    """(the amount's words, the reason) from words that start with the amount."""
    # "10 k", "USD 10 k"; and "10 000", "5 mn" as one word that is no amount, so that
    # "+10 000 bigger orders" is refused rather than filed as +10.
    words = [*join_units(words[:6]), *words[6:]]
    if len(words) > 2 and words[0] in ("+", "＋") and _code_before(words[1], words[2]):
        words = [words[0] + words[1], *words[2:]]  # "+ USD 50k", as "+USD 50k"
    taken = 2 if len(words) > 1 and (
        _code_before(words[0], words[1])
        # "+USD 50k": an increase in USD (its "50k" is not the reason's first word)
        or (words[0][:1] in ("+", "＋") and _code_before(words[0][1:], words[1])
            and _reads_as_amount(words[1]))) else 1
    if taken == 1 and len(words) > 1 and currency_word(words[1]):
        # "250k USD", "2.5m usd"; "250k all orders" keeps its "all"
        taken = 2
    elif taken == 1 and len(words) > 1 and lower_case_code(words[1]):
        # "+5k cad more stock" was an increase in the customer's currency.
        raise LowerCaseCode(words[1], f"/credit request acme +50k {words[1].upper()} "
                                      "larger orders")
    return " ".join(words[:taken]), " ".join(words[taken:])
