"""Dates in an order's reference: a rep's order is dated the day it is placed, and a
reference with a date in it never meets the ERP's order of that reference."""

from __future__ import annotations

import re

# What a rep may type after the amount meaning a date ("on 31/12/2026", "by 2026-12-31",
# "PO-8 2026-12-31", "12月31日", "tomorrow"), which would otherwise be kept as (part of)
# the order's reference, and then never meet the ERP's order of that reference.
# A day and a month without a year too ("ship 12/31", "Lieferung 15.12.", "Dec 31, 2026",
# "12.31发货", "2026年12月"): taken as the reference, each was an order that never met
# the ERP's and counted twice. Only where it can be nothing else: a day and month that
# exist, and "12/31" alone or after a word of dates ("ship 12/31"), since "part 1/2",
# "KW 12/26" and "24/7" are references; "12.31" before 发货 (not "2.5吨").
_DATE = r"(?:\d{4}[/.-]\d{1,2}[/.-]\d{1,2}|\d{1,2}[/.-]\d{1,2}[/.-]\d{4})"
_MONTH = (r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
          r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?"
          r"|märz?|mrz|mai|okt(?:ober)?|dez(?:ember)?)\.?")
_ORDINAL = r"\d{1,2}(?:st|nd|rd|th|\.)?"
_NAMED_MONTH = (rf"{_MONTH}[\s-]*{_ORDINAL},?(?:[\s-]*\d{{4}})?"
                rf"|{_ORDINAL}[\s-]*{_MONTH}(?:[\s-]*\d{{4}})?")
# What a quantity is counted in: "for 2.5 tons", "by 1-2 business days" are no days
# ("T-shirts" is no tonne: "by 12/31 T-shirts" is a date).
_COUNTED_IN = (r"(?:t|mt|tons?|tonnes?|tonnen|kg|lbs?|cbm|m3|lit(?:er|re)s?|pcs|pieces|"
               r"units|pallets|boxes|cartons|containers|(?:business\s+|working\s+)?days?|"
               r"weeks?|months?|hours?|%|吨|件|箱)(?![\w-])")
# Numbering before "1.2." makes it no date: "Pos. 1.2.", "Abschnitt 2.3.", "Ref 3.4.".
_NUMBERED = re.compile(r"(?:^|\s)(?:pos|position|item|ref|sec|section|abschnitt|kapitel|"
                       r"ziffer|ziff|punkt|nr|no|art|para|version|rev|step|schritt)\.?\s*$",
                       re.IGNORECASE)
_DATE_INSIDE = re.compile(
    rf"(?<!\S)(?:(?:on|by|for|until|due|dated?)\s+\d{{1,4}}[/.-]\d{{1,2}}(?:[/.-]\d{{1,4}})?"
    rf"(?!\s+{_COUNTED_IN})"
    rf"|{_DATE}|{_NAMED_MONTH}|today|tomorrow)(?!\S)|\d{{1,2}}月\d{{1,2}}[日号]|今天|明天|后天"
    rf"|\d{{2,4}}年\d{{1,2}}月(?:\d{{1,2}}[日号])?"
    # A day named, not dated, before what happens on it: "周五发货", "下周一前", "月底交货".
    rf"|(?:下?周|星期)[一二三四五六日天](?=发货|交货|到货|送货|前)"
    rf"|(?:本|下个?)?(?:月|年)(?:底|末|初)(?=发货|交货|到货|送货|前)",
    re.IGNORECASE)
_DATE_WORDS = ("ship|shipping|shipment|delivery|deliver|eta|etd|date|deadline|before|"
               "lieferung|liefertermin|versand|fällig|vom|am|zum|till|bis")
_DAY_AND_MONTH = (
    re.compile(r"^(?P<date>(\d{1,2})/(\d{1,2}))$"),
    re.compile(rf"(?:^|(?<=\s))(?:{_DATE_WORDS}):?\s+(?P<date>(\d{{1,2}})[/.-](\d{{1,2}}))"
               r"(?!\S)", re.IGNORECASE),
    re.compile(r"(?<!\S)(?P<date>(\d{1,2})[/.](\d{1,2})[/.]\d{2})(?!\S)"),
    # Not glued to a letter: "V1.2." is a version.
    re.compile(r"(?<![\w.])(?P<date>(\d{1,2})\.(\d{1,2})\.)(?!\d)"),
    re.compile(r"(?<![\d./])(?P<date>(\d{1,2})[./](\d{1,2}))(?=发货|交货|到货|送货|前|日|号)"))


def date_in(reference: str) -> str | None:
    """The date ``reference`` is or has in it, as written, if any."""
    found = _DATE_INSIDE.search(reference)
    if found is not None:
        return found[0]
    for pattern in _DAY_AND_MONTH:
        for match in pattern.finditer(reference):
            if _NUMBERED.search(reference[:match.start()]):
                continue
            first, second = int(match[2]), int(match[3])
            # A day and a month either way round (12/31, 31/12), both of them real; a
            # small fraction ("shipment 1/2", "Lieferung 2/3") is a part, not 2 January.
            fraction = "/" in match["date"] and first < second <= 9
            if 1 <= first <= 31 and 1 <= second <= 31 and min(first, second) <= 12 \
                    and not fraction:
                return match["date"]
    return None
