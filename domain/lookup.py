"""Finding the customer a person means: by id, or by either of its names (the ERP's
``name`` or its local-script ``name_local``): exact, unique prefix, or close match.

The directory (a repository) answers the cheap indexed questions; only when they fail
do we rank every name with rapidfuzz, which stays in the low milliseconds for tens of
thousands of customers.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from typing import Protocol

from rapidfuzz import fuzz, process

from domain.chinese_variants import simplified_chinese
from domain.errors import AmbiguousCustomer, CustomerNotFound, DomainError
from domain.refs import CustomerRef, GroupRef
from domain.text import N_, as_written, without_invisible

MAX_CANDIDATES = 10
# A close match is taken without asking only when it is both good and clearly the best.
CONFIDENT_SCORE = 82.0
CONFIDENT_MARGIN = 12.0
SUGGESTION_SCORE = 50.0
# A word of four Latin letters or fewer shares half its letters with many names' starts
# ("here" with Evergreen, Harborview, Meridian, Bergmann …): three of four, at least.
SHORT_QUERY, SHORT_SUGGESTION_SCORE = 4, 70.0
# What Slack sends for a mention typed where a customer goes (@here, @amy, #finance): no
# customer, and nothing like one to offer.
_MENTION = re.compile(r"<[@#!][^<>]*>")
# How many close matches an unknown name lists.
CLOSEST = 5

_PUNCTUATION = re.compile(r"[^\w\s]")
# The accents of Latin, Greek and Cyrillic letters (Unicode's Combining Diacritical
# Marks), and the letters with a stroke or a ligature that Unicode does not decompose
# (Đồng Nai typed "dong nai", Øresund "oresund"). Not every combining mark: kana's
# voicing marks (U+3099) make another syllable.
_ACCENTS = re.compile("[\u0300-\u036f]")
_STROKES = str.maketrans({"đ": "d", "ð": "d", "ø": "o", "ł": "l", "ı": "i", "ħ": "h",
                          "ŧ": "t", "æ": "ae", "œ": "oe"})


def normalize_name(name: str) -> str:
    """Case-, width-, accent-, space- and punctuation-insensitive key: "ACME, Inc.",
    "acme inc" and the full-width "ＡＣＭＥ　Inc" typed by a Chinese input method all meet
    (NFKC), and so do "Ferretería López" and "ferreteria lopez" as a rep types them, and
    "華夏物流" and "华夏物流" as Taipei and Shanghai write them (Traditional characters as
    Simplified). Invisible format characters (zero-width spaces and joiners, a BOM, bidi controls)
    are dropped, not turned into word breaks: "Ze\u200bro" is "zero"."""
    folded = without_invisible(unicodedata.normalize("NFKC", name)).casefold()
    bare = simplified_chinese(unicodedata.normalize("NFC", _ACCENTS.sub(
        "", unicodedata.normalize("NFD", folded))).translate(_STROKES))
    return " ".join(_PUNCTUATION.sub(" ", bare).split())


# A space between two Chinese characters, which Chinese writing has none of: typed by
# habit or an input method between the parts of a name (华夏 物流, 华夏　物流).
_HAN_GAP = re.compile(r"(?<=[\u3400-\u9fff]) (?=[\u3400-\u9fff])")


def query_keys(query: str) -> list[str]:
    """The keys a typed name may mean: as typed, and without its spaces between Chinese
    characters (华夏 物流 is 华夏物流) when it has any."""
    key = normalize_name(normalize_query(query))
    return list(dict.fromkeys((key, _HAN_GAP.sub("", key)))) if key else []


def _name_key(query: str, directory: CustomerDirectory) -> str:
    """``query``'s name key, with its spaces between Chinese characters left out when the
    key as typed names no customer and starts no name, and the key without them does
    (华夏 物流 found nothing of 华夏物流有限公司); a name stored with such a space is
    still found as typed."""
    key = normalize_name(query)
    joined = _HAN_GAP.sub("", key)
    if joined != key and not directory.by_name_key(key) \
            and not directory.by_name_prefix(key, 1) \
            and (directory.by_name_key(joined) or directory.by_name_prefix(joined, 1)):
        return joined
    # Else as typed: the close matches of 物流 华夏 are ranked by its words, not 物流华夏.
    return key


def normalize_query(query: str) -> str:
    """What a person typed, with full-width letters and digits folded (NFKC) and each run
    of spaces and line breaks as one space (a slash command may hold line breaks, which
    no customer's name or id has, and a message quoting the query would show them)."""
    return " ".join(unicodedata.normalize("NFKC", query).split())


class CustomerDirectory(Protocol):
    """A customer has a ``name`` and may have a ``name_local`` (its legal name in the
    local script); each has its key (``normalize_name``) and a person may type either.
    The refs returned carry both names."""

    def by_ids(self, customer_ids: Sequence[str]) -> list[CustomerRef]: ...

    def by_name_key(self, name_key: str) -> list[CustomerRef]:
        """Customers either of whose keys is ``name_key``, each once."""
        ...

    def by_name_prefix(self, key_prefix: str, limit: int) -> list[CustomerRef]:
        """Up to ``limit`` customers either of whose keys starts with ``key_prefix``, each
        once (fewer than ``limit`` means these are all)."""
        ...

    def all_name_keys(self) -> Sequence[tuple[CustomerRef, str]]:
        """(customer, key) for every key: a customer with a local name appears twice."""
        ...

    def group_named(self, group_ids: Sequence[str]) -> str | None:
        """The group id among ``group_ids`` that has members, if any (exact spelling)."""
        ...


def resolve_customer(query: str, directory: CustomerDirectory, *,
                     close: bool = True) -> CustomerRef:
    """The one customer ``query`` means, or an error that lists the candidates.
    ``close``: a name close to one customer's (a typo: "acme packging") is taken as it;
    a command that records something passes False, so that the closest are offered and
    the person names one (an order placed on a near-namesake is hard to see and undo)."""
    typed, query = query, _required(query)
    return _by_id(typed, directory) or _by_name(query, directory, close, typed)


def resolve_subject(query: str, directory: CustomerDirectory, *,
                    close: bool = True) -> CustomerRef | GroupRef:
    """Like ``resolve_customer``, but a customer group's id names the group. A customer
    whose id is the same as a group's wins: ids are what the ERP guarantees unique."""
    typed, query = query, _required(query)
    found = _by_id(typed, directory)
    if found is not None:
        return found
    group = directory.group_named(_id_spellings(typed))
    if group is not None:
        return GroupRef(group)
    return _by_name(query, directory, close, typed)


def names_plainly(query: str, directory: CustomerDirectory) -> CustomerRef | None:
    """The customer ``query`` names by its id, its whole name or a unique start of it;
    ``None`` otherwise, and never by a close match. ``/credit check Studio 54`` asks
    this before reading ``54`` as an order amount: a name that ends in a number stays a
    name, while ``acme 120k`` (no customer is called that) stays a check with an
    amount."""
    found = _by_id(query, directory)
    if found is not None:
        return found
    key = _name_key(query, directory)
    if not key:
        return None
    for matches in (directory.by_name_key(key), directory.by_name_prefix(key, 2)):
        if matches:
            return matches[0] if len(matches) == 1 else None
    # "C 0003" and "0003" for C0003: else read as a customer "C" and an amount, or an
    # amount with no customer named. Without separators the id is looked up by its index;
    # digits alone are looked for among all ids, which only a line of digits costs.
    bare = _id_key(query)
    # Letters and digits apart ("C 0003"), not digits alone: "100 5" is customer 100
    # and an amount of 5 where ids are numbers, not customer 1005.
    # One number, as an id holds: "C1 5" is C1 and an amount, never the id C15.
    if bare != query.strip() and _one_number(query) and any(c.isdigit() for c in bare):
        found = _by_id(bare, directory)
        if found is not None:
            return found
    if _one_number(query) and (shape := _LETTERS_DIGITS.fullmatch(bare)) is not None:
        # "C3" for C0003: its padded spellings looked up by the ids' index, not by
        # reading every name.
        padded = directory.by_ids([shape[1] + shape[2].zfill(width)
                                   for width in range(len(shape[2]) + 1, _WIDEST_ID + 1)])
        return padded[0] if len(padded) == 1 else None
    if bare.isdigit():
        loose = _by_loose_id(query, directory.all_name_keys())
        return loose[0] if len(loose) == 1 else None
    return None


def _required(query: str) -> str:
    query = normalize_query(query)
    if not query:
        raise DomainError(N_("Which customer? Give an id or a name, for example `acme`."))
    return query


def _id_spellings(typed: str) -> list[str]:
    """The id exactly as typed, then with full-width letters and digits folded, then in
    capitals; the first that names a customer wins. The ERP may hold ids that differ
    only so (``ｃ０００１`` beside ``c0001``, kept apart by the import): folded first, the
    one typed exactly was never reached, and an order went to the other."""
    exact, folded = typed.strip(), normalize_query(typed)
    # An id copied from a card, where ``B`2`` shows as ``Bˋ2``: after the id as typed,
    # which may itself hold a look-alike (the ERP kept ``Y＿`` apart from ``Y_``).
    copied = as_written(exact)
    return list(dict.fromkeys(s for s in (exact, copied, folded, folded.upper(),
                                          normalize_query(copied),
                                          normalize_query(copied).upper()) if s))


def _by_id(typed: str, directory: CustomerDirectory) -> CustomerRef | None:
    candidates = _id_spellings(typed)
    found = {ref.customer_id: ref for ref in directory.by_ids(candidates)}
    return next((found[c] for c in candidates if c in found), None)


def _by_name(query: str, directory: CustomerDirectory, close: bool = True,
             typed: str = "") -> CustomerRef:
    key = _name_key(query, directory)
    if not key:
        raise CustomerNotFound(query)
    # Quoted back as it was typed: 华联超市（上海） came back as 华联超市(上海), the very
    # difference that made it ambiguous.
    asked = " ".join(unicodedata.normalize("NFC", typed).split()) or query
    whole = directory.by_name_key(key)
    if len(whole) > 1:
        whole = _as_typed(typed, whole) or whole
    matches = whole or directory.by_name_prefix(key, MAX_CANDIDATES + 1)
    # A unique start is the customer (京东方 is 京东方贸易, though 北京东方贸易 holds those
    # characters across its words); a start several share asks among those holding it too.
    if len(matches) > 1 and not whole and _is_wide(key):
        matches, total = _with_those_holding(key, matches, directory)
        if total is not None and total > MAX_CANDIDATES:
            raise AmbiguousCustomer(asked, matches, total)
    if len(matches) == 1:
        return matches[0]
    if len(matches) > MAX_CANDIDATES:
        # by_name_prefix stopped there: "matches several" of 300 said nothing of the
        # other 290, so they are counted.
        starting = {ref.customer_id for ref, name_key in directory.all_name_keys()
                    if name_key.startswith(key)}
        raise AmbiguousCustomer(asked, sorted(matches, key=lambda r: r.name)[:MAX_CANDIDATES],
                                len(starting))
    if matches:
        raise AmbiguousCustomer(asked, sorted(matches, key=lambda r: r.name))
    names = directory.all_name_keys()
    inside = _containing(key, names)
    if len(inside) == 1:
        return inside[0]
    if 1 < len(inside) <= MAX_CANDIDATES:
        raise AmbiguousCustomer(asked, sorted(inside, key=lambda r: r.name))
    if inside and not close:
        # More hold it than can be listed: "matches N customers", with the closest of
        # them (a guess may take one where a look may).
        raise _held_by_many(asked, key, inside, names)
    loose = _by_loose_id(query, names)
    if len(loose) == 1 and close:
        return loose[0]
    if loose:  # offered, not taken, where a guess is not: as a close name is
        raise CustomerNotFound(query, sorted(loose, key=lambda r: r.customer_id)[
            :MAX_CANDIDATES])
    if _MENTION.search(typed or query):
        raise CustomerNotFound(query)
    try:
        return _closest(query, key, names, close)
    except CustomerNotFound:
        if inside:  # not "no customer matches" of a part that 300 names hold
            raise _held_by_many(asked, key, inside, names) from None
        raise


def _held_by_many(asked: str, key: str, inside: list[CustomerRef],
                  names: Sequence[tuple[CustomerRef, str]]) -> AmbiguousCustomer:
    """``key`` is in more names than a list holds: how many, and the closest of them."""
    held = {ref.customer_id for ref in inside}
    closest = [ref for ref, _ in _ranked(key, [n for n in names if n[0].customer_id in held])]
    return AmbiguousCustomer(asked, closest or sorted(
        inside, key=lambda r: r.name)[:MAX_CANDIDATES], len(inside))


_NOT_IN_ID = re.compile(r"[\W_]+")
_ID_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _id_key(text: str) -> str:
    return _NOT_IN_ID.sub("", normalize_query(text)).upper()


def _by_loose_id(query: str, names: Sequence[tuple[CustomerRef, str]]
                 ) -> list[CustomerRef]:
    """Customers whose id is ``query`` written loosely: with other separators or none
    (``c-0003``, ``C 0003`` for C0003), without the zeros that pad its number (``C3``,
    ``c-3``), or its digits without the letters before them (``0003``), as a rep copies
    it from an invoice or reads it out. Asked only once no name matched."""
    key = _id_key(query)
    if not key.isascii() or not any(c.isdigit() for c in key):
        return []
    if key.isdigit() and len(normalize_query(query).split()) > 1:
        return []  # "100 5": customer 100 and an amount where ids are numbers, not 1005
    numbers = _numbers(query)
    found = {ref.customer_id: ref for ref, _ in names
             if _loosely(key, ref.customer_id, numbers)}
    return list(found.values())


# Zeros that pad an id's number: C0002 is "C2" as read out, or typed in haste.
_PADDING = re.compile(r"(?<!\d)0+(?=\d)")
_LETTERS_DIGITS = re.compile(r"([A-Z]+)([1-9]\d*)")
_ONE_NUMBER = re.compile(r"[^\W\d_]+[\W_]*\d+")
_WIDEST_ID = 12


def _loosely(key: str, customer_id: str, numbers: tuple[str, ...]) -> bool:
    """Whether ``key`` (``_id_key`` of what was typed, whose numbers are ``numbers``) is
    ``customer_id``: its separators aside, and the zeros that pad its numbers. The
    numbers must be the id's, one for one: "C1 5" is C1 and an amount, never C15 (nor
    C0015); "AB 12 34" is AB-12-34."""
    own = _id_key(customer_id)
    if key.isdigit():
        return own == key or own.lstrip(_ID_LETTERS) == key
    return _PADDING.sub("", own) == _PADDING.sub("", key) and numbers == tuple(
        n.lstrip("0") or "0" for n in re.findall(r"\d+", normalize_query(customer_id)))


def _numbers(query: str) -> tuple[str, ...]:
    """The numbers in ``query``, as ``_loosely`` compares them (without padding)."""
    return tuple(n.lstrip("0") or "0" for n in re.findall(r"\d+", normalize_query(query)))


def _one_number(query: str) -> bool:
    """Letters, a separator or none, and one number: an id as typed (``C2``, ``c-2``,
    ``C 2``), not an id and an amount (``C1 5``)."""
    return _ONE_NUMBER.fullmatch(normalize_query(query)) is not None


def loosely_the_id(query: str, customer_id: str) -> bool:
    """Whether ``query`` is ``customer_id`` written loosely (see ``_by_loose_id``)."""
    key = _id_key(query)
    return bool(key) and _loosely(key, customer_id, _numbers(query))


def _as_typed(typed: str, found: Sequence[CustomerRef]) -> list[CustomerRef]:
    """Of customers whose names fold to one key, the one whose name is exactly as typed:
    华联超市（上海）有限公司 beside 华联超市(上海)有限公司, told apart only by the width of
    their brackets. Empty when none or several are."""
    written = _as_seen(typed)
    # Each name as it shows: what is typed or pasted has lost its invisible characters,
    # so 华\u200b夏物流 (shown as 华夏物流) is as exact as 华夏物流, and they are asked about.
    exact = [ref for ref in found if written and written in (
        _as_seen(name) for name in (ref.name, ref.name_local) if name)]
    return exact if len(exact) == 1 else []


def _as_seen(text: str) -> str:
    return " ".join(without_invisible(unicodedata.normalize("NFC", text)).split())


def _with_those_holding(key: str, starting: list[CustomerRef], directory: CustomerDirectory
                        ) -> tuple[list[CustomerRef], int | None]:
    """The customers whose names start with a Chinese ``key`` and those that hold it
    further in (such names open with a place: 上海华联贸易有限公司, so 华联 is as likely
    that one as 华联超市), and how many they are. More than a list holds: those starting
    with it first, then the others by name, MAX_CANDIDATES of them (dropping the others
    without a word lost the very customer meant). No count (None) for a key too short to
    be looked for inside names."""
    held = _containing(key, directory.all_name_keys())
    if not held:
        return starting, None
    together = {ref.customer_id: ref for ref in (*starting, *held)}
    if len(together) <= MAX_CANDIDATES:
        return list(together.values()), len(together)
    first = sorted(starting, key=lambda r: r.name)[:MAX_CANDIDATES]
    rest = sorted((r for r in together.values() if r not in first), key=lambda r: r.name)
    # by_name_prefix stopped at MAX_CANDIDATES + 1: a start that many may be more.
    return [*first, *rest][:MAX_CANDIDATES], len(together)


def _is_wide(key: str) -> bool:
    return any(unicodedata.east_asian_width(c) == "W" for c in key)


def _containing(key: str, names: Sequence[tuple[CustomerRef, str]]) -> list[CustomerRef]:
    """Customers whose name holds ``key`` whole: Chinese company names open with a city
    (上海东方贸易有限公司), and people type the part after it (东方贸易). Only for keys long
    enough to mean something: two Chinese characters, or four letters."""
    if len(key) < (2 if _is_wide(key) else 4):
        return []
    found = {ref.customer_id: ref for ref, name_key in names if key in name_key}
    return list(found.values())


def named_without_guessing(query: str, customer_id: str, names: Sequence[str | None]
                           ) -> bool:
    """Whether ``query`` surely named the customer found for it (``/credit check``'s
    remembered look-up), so that a command that records need not look it up again to
    refuse a guess: by its id, a name or a name's start. A start is unique when it found
    a customer (several are "which one?" before anything else is tried); a part inside
    a name is not (held by more than a few, the look-up goes on to close matches), so it
    is looked up again."""
    if customer_id in _id_spellings(query):
        return True
    return any(normalize_name(name).startswith(key) for key in query_keys(query)
               for name in names if name)


def names_exactly(query: str, customer: CustomerRef) -> bool:
    """Whether ``query`` is the customer's id or one of its whole names (not a start):
    what a line holding nothing but money (``USD 5k``) must be to name a customer, since
    ``USD`` also begins "USD Logistics"."""
    if customer.customer_id in _id_spellings(query):
        return True
    return any(normalize_name(name) in query_keys(query)
               for name in (customer.name, customer.name_local) if name)


def _score(query: str, name: str, **_: object) -> float:
    """Whole-name similarity ignoring word order, or a typo in the name's first letters
    ("fenwik" for "Fenwick Retail Group"), whichever is better. rapidfuzz's WRatio
    over-rewards short fragments: "co" made every "… Co., Ltd." a candidate."""
    return max(fuzz.token_set_ratio(query, name), fuzz.ratio(query, name[: len(query)]))


def _ranked(key: str, names: Sequence[tuple[CustomerRef, str]]
            ) -> list[tuple[CustomerRef, float]]:
    """The CLOSEST customers to ``key`` above the suggestion score, best first."""
    # A customer has up to two keys; twice the places keeps CLOSEST customers in view
    # after each customer's weaker key is dropped.
    ranked = process.extract(
        key,
        [name_key for _, name_key in names],
        scorer=_score,
        limit=2 * CLOSEST,
        # Not four Chinese characters: a name's worth, two of them a real likeness.
        score_cutoff=SHORT_SUGGESTION_SCORE if len(key) <= SHORT_QUERY and key.isascii()
        else SUGGESTION_SCORE,
    )
    best: dict[str, tuple[CustomerRef, float]] = {}
    for _, score, index in ranked:  # best first, so a customer's first score is its best
        ref = names[index][0]
        best.setdefault(ref.customer_id, (ref, score))
    return list(best.values())[:CLOSEST]


def _closest(query: str, key: str, names: Sequence[tuple[CustomerRef, str]],
             take: bool = True) -> CustomerRef:
    closest = _ranked(key, names)
    if not closest:
        raise CustomerNotFound(query)
    # The runner-up is another customer: a customer's own two names must not count as
    # rivals, or a close match on one would never be taken.
    best_score = closest[0][1]
    runner_up = closest[1][1] if len(closest) > 1 else 0.0
    if take and best_score >= CONFIDENT_SCORE and best_score - runner_up >= CONFIDENT_MARGIN:
        return closest[0][0]
    raise CustomerNotFound(query, [ref for ref, _ in closest])
