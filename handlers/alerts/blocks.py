"""A digest in Block Kit, in the language of the channel or person it goes to.

The first page is what people see in the channel: a summary, then the first lines in
full with their buttons. Everything else goes in its thread, several lines to a block
and no buttons, so that a run with thousands of alerts is tens of messages, not
thousands.

Slack refuses a message whose blocks are too long in all (``msg_blocks_too_long``, at
about 13,000 characters; not documented, reported in slackapi/bolt-js#2509), besides
the 50 blocks and 3,000 characters a text. So each page is held to a budget, and a page
that would go over it is written shorter (names clipped harder, fewer lines with
buttons, then only ids and amounts) rather than split.

How many pages a digest takes depends on its number of lines alone: answering a line
re-renders the digest and edits each page in place, which only works if the pages are
the same ones.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from datetime import date, datetime, tzinfo
from decimal import Decimal, InvalidOperation
from enum import Enum
from zoneinfo import ZoneInfo

from pydantic import ValidationError

from domain.alerts.dedup import Announcement
from domain.alerts.digest import DigestLine, Followed, Page
from domain.alerts.model import (
    SEVERITY_TITLES,
    TYPE_TITLES,
    Alert,
    AlertState,
    AlertType,
    Change,
    Severity,
)
from domain.alerts.use_cases import NAMED_MISSING
from domain.collections.model import AssignmentStatus
from domain.model import Customer
from domain.money import Money
from domain.people import is_user_id
from handlers.alerts.payloads import (
    ACKNOWLEDGE,
    CREDIT_CHECK,
    SNOOZE_DAY,
    SNOOZE_WEEK,
    AlertValue,
    SnoozeValue,
)
from handlers.check.blocks import bucket_label, collecting_stage
from handlers.check.payloads import ASSIGN_COLLECTOR, SubjectValue
from handlers.i18n import Translator, translator
from handlers.render import (
    MESSAGE_BUDGET,
    SECTION_TEXT,
    Block,
    actions,
    button,
    clip,
    context,
    erp_text,
    header,
    mention,
    message,
    section,
    size,
)
from handlers.sharing.payloads import share_menu

# Lines shown in full, with buttons, on the first page: what a person reads in the
# channel without opening the thread.
DETAILED = 10
# Thread pages: compact lines per page, and per section block.
LINES_PER_PAGE = 100
LINES_PER_SECTION = 8
# Every compact line and group heading is at most this long, so that a full section
# block stays within Slack's 3,000 characters whatever the ERP's names hold.
COMPACT_LINE = 260
GROUP_HEADING = 100
assert LINES_PER_SECTION * (GROUP_HEADING + 1 + COMPACT_LINE + 1) <= SECTION_TEXT

NAME = 60          # characters of a customer name in a compact line
SHORT_NAME = 24
DETAILED_NAME = 200
ID = 40
SHORT_ID = 16

# The first page's layouts, tried in turn until one fits the budget: (lines with
# buttons, characters of their names). The first lines without buttons are compact.
FIRST_PAGE_LAYOUTS = ((DETAILED, DETAILED_NAME), (DETAILED, NAME), (6, NAME), (3, NAME),
                      (0, NAME))

SEVERITY_EMOJI = {Severity.CRITICAL: ":red_circle:", Severity.WARNING: ":large_orange_circle:",
                  Severity.INFO: ":large_blue_circle:"}


Group = tuple[Severity, AlertType]


class Form(Enum):
    """How much of a line a thread page has room for (see MESSAGE_BUDGET)."""

    FULL = "full"        # name, id, figures, what changed, answers
    SHORT = "short"      # a shorter name, id, figures
    MINIMAL = "minimal"  # id and amount: fits whatever the ERP's names and ids hold


def number_pages(lines: int) -> int:
    """Pages of a digest of ``lines`` lines: the first, then the thread's."""
    rest = max(0, lines - DETAILED)
    return 1 + -(-rest // LINES_PER_PAGE)


class DigestBlocks:
    """``domain.alerts.digest.DigestRenderer`` for Slack. ``locale_of`` says which
    language a channel or person reads; ``zone`` is the organisation's time zone (the
    date in the header, the fallback of dates Slack shows in each reader's own);
    ``base_currency`` the one lines are ordered by, shown beside an amount in another."""

    def __init__(self, locale_of: Callable[[str], str | None], zone: tzinfo | str,
                 base_currency: str | None = None) -> None:
        self.locale_of = locale_of
        self.zone = ZoneInfo(zone) if isinstance(zone, str) else zone
        self.base_currency = base_currency

    def render(self, destination: str, digest_id: int, lines: Sequence[DigestLine],
               at: datetime) -> list[Page]:
        tr = translator(self.locale_of(destination))
        day = at.astimezone(self.zone).date()
        groups = Counter((line.announcement.alert.severity, line.announcement.alert.type)
                         for line in lines)
        pages = [self._first(tr, day, digest_id, lines, groups)]
        for start in range(DETAILED, len(lines), LINES_PER_PAGE):
            pages.append(self._thread_page(tr, day, lines, start, groups))
        assert len(pages) == number_pages(len(lines))
        return pages

    def page_of(self, index: int, count: int) -> int:
        return 0 if index < DETAILED else 1 + (index - DETAILED) // LINES_PER_PAGE

    def left_out(self, destination: str, customers: Sequence[Customer],
                 rates: Sequence[tuple[str, str]], day: date) -> Page:
        tr = translator(self.locale_of(destination))
        named = [tr._("{name} ({id})", name=erp_text(tr.name_of(c.name, c.name_local), NAME),
                      id=erp_text(c.customer_id, 64))
                 for c in sorted(customers, key=lambda c: c.customer_id)[:NAMED_MISSING]]
        if len(customers) > NAMED_MISSING:
            named.append(tr._("and {n} more", n=len(customers) - NAMED_MISSING))
        wanted = tr.listing(tr._("{currency} to {base}", currency=currency, base=base)
                            for currency, base in rates) or "?"
        text = tr.ngettext(
            ":warning: The alerts of {day} left out {n} customer for want of an exchange "
            "rate ({rates}): {customers}. Its overdue and limit alerts wait until the rate "
            "is imported (`creditbot import rates FILE.csv`).",
            ":warning: The alerts of {day} left out {n} customers for want of an exchange "
            "rate ({rates}): {customers}. Their overdue and limit alerts wait until the "
            "rates are imported (`creditbot import rates FILE.csv`).",
            len(customers), day=day, rates=wanted, customers=tr.listing(named))
        return Page(clip(text, 3000), [section(text)])

    def render_page(self, destination: str, digest_id: int, lines: Sequence[DigestLine],
                    at: datetime, number: int) -> Page:
        if not 0 <= number < number_pages(len(lines)):
            raise ValueError(f"a digest of {len(lines)} lines has no page {number}")
        tr = translator(self.locale_of(destination))
        day = at.astimezone(self.zone).date()
        groups = Counter((line.announcement.alert.severity, line.announcement.alert.type)
                         for line in lines)
        if number == 0:
            return self._first(tr, day, digest_id, lines, groups)
        return self._thread_page(tr, day, lines, DETAILED + (number - 1) * LINES_PER_PAGE,
                                 groups)

    # -- the first page -----------------------------------------------------------------

    def _first(self, tr: Translator, day: date, digest_id: int, lines: Sequence[DigestLine],
               groups: Counter[Group]) -> Page:
        title = tr._("Credit alerts · {day}", day=day)
        fallback = tr._("{title}: {summary}", title=title, summary=_summary(tr, lines))
        top: list[Block] = [header(title), context(_summary(tr, lines, emoji=True))]
        rest = len(lines) - min(len(lines), DETAILED)
        more = [context(":thread: " + tr.ngettext(
            "{n} more alert in the thread of this message.",
            "{n} more alerts in the thread of this message.", rest))] if rest else []
        blocks: list[Block] = []
        for (detailed, name), (assign, share) in ((layout, extras)
                                                  for layout in FIRST_PAGE_LAYOUTS
                                                  for extras in _extras(layout[0])):
            blocks = top + self._first_lines(tr, digest_id, lines[:DETAILED], groups,
                                             detailed, name, assign, share) + more
            if size(blocks) <= MESSAGE_BUDGET:
                break
        return _page(fallback, blocks)

    def _first_lines(self, tr: Translator, digest_id: int, lines: Sequence[DigestLine],
                     groups: Counter[Group], detailed: int, name: int,
                     assign: int = DETAILED, share: int = DETAILED) -> list[Block]:
        blocks: list[Block] = []
        previous: Group | None = None
        for index, line in enumerate(lines[:detailed]):
            alert = line.announcement.alert
            group = (alert.severity, alert.type)
            if group != previous:
                blocks.append(section(_heading(tr, *group, groups[group])))
                previous = group
            blocks.append(section(self._detailed(tr, line, name)))
            buttons = _buttons(tr, digest_id, line, index < assign, index < share)
            if buttons:
                blocks.append(actions(f"alert_{index}", *buttons))
        for first in range(detailed, len(lines), LINES_PER_SECTION):
            part = lines[first:first + LINES_PER_SECTION]
            blocks.append(section(self._compact_lines(tr, part, groups, previous, Form.FULL)))
            last = part[-1].announcement.alert
            previous = (last.severity, last.type)
        return blocks

    def _detailed(self, tr: Translator, line: DigestLine, name: int) -> str:
        announcement = line.announcement
        alert = announcement.alert
        who = f"*{_name(tr, alert, name)}* · {erp_text(alert.subject.customer_id, ID)}"
        collecting = _collecting(tr, alert)
        if collecting:
            who += " · " + collecting
        parts = [who, _figures(tr, alert, detailed=True, base=self.base_currency)]
        if not _resolved(line):  # "New" beside "no longer found" says two things at once
            parts.append(_change(tr, announcement))
        better = _better(tr, line, self.base_currency)
        if better:
            parts.append(better)
        answered = answers(tr, line.state, self.zone)
        if answered:
            parts.append(answered)
        return "\n".join(parts)

    # -- thread pages -------------------------------------------------------------------

    def _thread_page(self, tr: Translator, day: date, lines: Sequence[DigestLine],
                     start: int, groups: Counter[Group]) -> Page:
        chunk = lines[start:start + LINES_PER_PAGE]
        title = tr._("Credit alerts · {day} · {first}–{last} of {total}", day=day,
                     first=start + 1, last=start + len(chunk), total=len(lines))
        blocks: list[Block] = []
        for form in Form:
            blocks = [context(title)]
            # Each page says which group it goes on with: a thread page is read alone.
            previous: Group | None = None
            for first in range(0, len(chunk), LINES_PER_SECTION):
                part = chunk[first:first + LINES_PER_SECTION]
                blocks.append(section(self._compact_lines(tr, part, groups, previous, form)))
                last = part[-1].announcement.alert
                previous = (last.severity, last.type)
            if size(blocks) <= MESSAGE_BUDGET:
                break
        return _page(title, blocks)

    def _compact_lines(self, tr: Translator, lines: Sequence[DigestLine],
                       groups: Counter[Group], previous: Group | None, form: Form) -> str:
        """Lines for one section block, each group's heading before its first line."""
        entries = []
        for line in lines:
            alert = line.announcement.alert
            group = (alert.severity, alert.type)
            text = compact(tr, line, self.zone, form, self.base_currency)
            if group != previous:
                text = clip(_heading(tr, *group, groups[group]), GROUP_HEADING) + "\n" + text
                previous = group
            entries.append(text)
        return "\n".join(entries)


def _extras(detailed: int) -> Iterator[tuple[int, int]]:
    """(lines keeping *Assign collector*, lines keeping the Share menu), most first: a
    crowded page gives up the Share menus first, then *Assign collector*, each from its
    last lines up, so that the most severe and largest lines keep them longest."""
    yield from ((detailed, share) for share in range(detailed, -1, -1))
    yield from ((assign, 0) for assign in range(detailed - 1, -1, -1))


def _page(fallback: str, blocks: list[Block]) -> Page:
    text, kept = message(fallback, blocks)
    return Page(text, kept or [])


# -- pieces ----------------------------------------------------------------------------

def _name(tr: Translator, alert: Alert, limit: int) -> str:
    """The customer as the reader knows it (the local-script name for a Chinese one)."""
    subject = alert.subject
    return (erp_text(tr.name_of(subject.name, subject.name_local), limit)
            or erp_text(subject.customer_id, ID))


def _summary(tr: Translator, lines: Sequence[DigestLine], emoji: bool = False) -> str:
    severities = Counter(line.announcement.alert.severity for line in lines)
    # Literal ids, one call each: pybabel extracts nothing from variables.
    counts = {Severity.CRITICAL: tr.ngettext("{n} critical", "{n} critical",
                                             severities[Severity.CRITICAL]),
              Severity.WARNING: tr.ngettext("{n} warning", "{n} warnings",
                                            severities[Severity.WARNING]),
              Severity.INFO: tr.ngettext("{n} info", "{n} info", severities[Severity.INFO])}
    parts = [tr.ngettext("{n} alert", "{n} alerts", len(lines))]
    for severity in sorted(severities, reverse=True):
        count = counts[severity]
        parts.append(f"{SEVERITY_EMOJI[severity]} {count}" if emoji else count)
    # Each line counted once: a resolved line is resolved, whatever was answered before,
    # so that the counts add up to what is left to do.
    open_ = [line.state for line in lines if line.state and not _resolved(line)]
    acknowledged = sum(1 for state in open_ if state.acknowledged_by)
    # A line acknowledged and snoozed counts once, as acknowledged ("3 alerts · 2
    # acknowledged · 2 snoozed" added up to more than there were).
    snoozed = sum(1 for state in open_ if state.snoozed_until and not state.acknowledged_by)
    resolved = sum(1 for line in lines if _resolved(line))
    if resolved:
        parts.append(tr.ngettext("{n} resolved", "{n} resolved", resolved))
    if acknowledged:
        parts.append(tr.ngettext("{n} acknowledged", "{n} acknowledged", acknowledged))
    if snoozed:
        parts.append(tr.ngettext("{n} snoozed", "{n} snoozed", snoozed))
    return "  ·  ".join(parts)


def _resolved(line: DigestLine) -> bool:
    """The line's condition was no longer found since the digest was posted."""
    return line.state is not None and line.state.resolved_at is not None


def _heading(tr: Translator, severity: Severity, kind: AlertType, count: int) -> str:
    title = f"*{tr._(SEVERITY_TITLES[severity])} · {tr._(TYPE_TITLES[kind])}*"
    # Chinese writes the count in full-width brackets.
    return f"{SEVERITY_EMOJI[severity]} " + tr._("{title} ({n})", title=title,
                                                 n=tr.number(count))


def _money(alert: Alert, fact: str) -> Money | None:
    """An amount among the alert's facts, in the alert's currency (facts are text)."""
    raw = alert.facts.get(fact)
    if raw is None or alert.amount is None:
        return None
    try:
        return Money(Decimal(raw), alert.amount.currency)
    except (InvalidOperation, ValueError):
        return None


def _share(alert: Alert | None) -> Decimal | None:
    raw = alert.facts.get("utilisation") if alert is not None else None
    try:
        return Decimal(raw) if raw is not None else None
    except InvalidOperation:
        return None


def _day(raw: str | None) -> date | None:
    try:
        return date.fromisoformat(raw) if raw else None
    except ValueError:
        return None


def _figures(tr: Translator, alert: Alert, detailed: bool = False,
             base: str | None = None) -> str:
    """The amount, days and facts of an alert, as one line. ``base``: the currency the
    digest orders by, shown beside an amount in another ("€95,000.00 (≈ $103,550.00)"
    after "$98,000.00" is why it comes first)."""
    amount = tr.money(alert.amount) if alert.amount is not None else None
    in_base = _in_base(tr, alert, base)
    days = alert.days
    parts: list[str] = []
    if alert.type is AlertType.OVERDUE:
        parts.append(tr._("{amount} overdue", amount=amount or "?") + in_base)
        if days is not None:
            parts.append(tr.ngettext("oldest {n} day past due", "oldest {n} days past due",
                                     days))
        exposure = _money(alert, "exposure")
        if detailed and exposure is not None:
            parts.append(tr._("exposure {amount}", amount=exposure))
    elif alert.type is AlertType.UTILISATION:
        limit, share = _money(alert, "limit"), _share(alert)
        if share is None or limit is None:
            parts.append(tr._("exposure {amount} with no credit limit",
                              amount=(amount or "?") + in_base))
        else:
            parts.append(tr._("exposure {amount} of a {limit} limit ({share} used)",
                              amount=(amount or "?") + in_base, limit=limit,
                              share=tr.percent(share)))
        over = _money(alert, "over_by")
        if over is not None:
            parts.append(tr._("over the limit by {amount}", amount=over))
    elif alert.type is AlertType.LARGE_INVOICE:
        parts.append(tr._("invoice {invoice}: {amount} open",
                          invoice=erp_text(alert.facts.get("invoice", alert.key), ID),
                          amount=amount or "?") + in_base)
        due = _day(alert.facts.get("due"))
        if due is not None:
            parts.append(tr._("due {day}", day=due))
        if days is not None:
            parts.append(tr.ngettext("{n} day past due", "{n} days past due", days))
    else:
        ends = _day(alert.facts.get("ends"))
        contract = erp_text(alert.facts.get("contract", alert.key), ID)
        parts.append(tr._("contract {contract} ends {day}", contract=contract, day=ends)
                     if ends is not None else tr._("contract {contract} ends soon",
                                                   contract=contract))
        if days is not None:
            parts.append(tr._("today") if days == 0 else
                         tr.ngettext("in {n} day", "in {n} days", days))
        if detailed and amount is not None:
            parts.append(tr._("credit limit {amount}", amount=amount))
    return " · ".join(parts)


def _in_base(tr: Translator, alert: Alert, base: str | None) -> str:
    """The amount an alert in another currency is ordered by, to follow its amount:
    " (≈ $103,550.00)", or " (no USD rate)" when there was none to convert it."""
    if base is None or alert.amount is None or alert.amount.currency == base \
            or alert.type is AlertType.CONTRACT_EXPIRING:  # a limit, never converted
        return ""
    if alert.amount_in_base is None:
        # Last of its group, and nothing said why (the rate is the operator's to import).
        return tr._(" (no {currency} rate)", currency=base)
    converted = Money(alert.amount_in_base, base).rounded()
    # Not "(≈ $0.00)" beside a few dong: too little to say anything of the order. The
    # space is the translation's: Chinese puts none before its bracket.
    return tr._(" (≈ {amount})", amount=tr.money(converted)) if converted.amount > 0 else ""


def _change(tr: Translator, announcement: Announcement) -> str:
    change, alert, before = announcement.change, announcement.alert, announcement.before
    if change is Change.NEW:
        return tr._("New")
    if change is Change.BACK:
        return tr._("Back again")
    if change is Change.SNOOZE_ENDED:
        return tr._("Snooze ended")
    was = before.facts.get("bucket") if before is not None else None
    now = alert.facts.get("bucket")
    if alert.type is AlertType.OVERDUE and was and now:
        return tr._("Moved from {before} to {now}",
                    before=bucket_label(erp_text(was, 20), tr),
                    now=bucket_label(erp_text(now, 20), tr))
    share = _share(before)
    if alert.type is AlertType.UTILISATION and share is not None:
        return tr._("Up from {share} of the limit", share=tr.percent(share))
    if alert.type is AlertType.CONTRACT_EXPIRING:
        return tr._("Nearer its end than when last announced")
    return tr._("Worse than when last announced")


def _better(tr: Translator, line: DigestLine, base: str | None = None) -> str | None:
    """What an open condition is now, when it is better than its line says (paid down
    from 90+ days to 20, the line stayed "90+" for good); or, the line no longer being
    followed where it is, that it is not, without the figures of now (credit data may be
    closed there since)."""
    state, shown = line.state, line.announcement.alert
    if state is None or not state.is_open:
        return None
    if line.followed is Followed.AGAIN:
        # The later line says why (worse, its snooze ended): "it changed" was said of a
        # line back from its snooze unchanged.
        return ":arrow_right: " + tr._("Announced again since, in a later digest, which "
                                       "says why.")
    if line.followed is Followed.LEFT:
        return ":arrow_right: " + tr._("No longer followed here: it changed since this line.")
    if state.last is None or state.last.level >= shown.level:
        return None
    return ":arrow_down: " + tr._("Better now: {figures}",
                                  figures=_figures(tr, state.last, base=base))


def _who(user_id: str | None) -> str:
    return mention(user_id) if user_id and is_user_id(user_id) else "?"


def _resolved_text(tr: Translator, state: AlertState, day: date) -> str:
    """Why the line was closed on ``day``. A contract the scan no longer finds because its
    end date passed has ended, not been resolved (renewed, it has a later end date)."""
    ends = state.last.facts.get("ends") if state.last is not None and \
        state.type is AlertType.CONTRACT_EXPIRING else None
    if ends is not None and date.fromisoformat(str(ends)) < day:
        return tr._("Contract ended on {day}", day=date.fromisoformat(str(ends)))
    return tr._("Resolved: no longer found on {day}", day=tr.date(day))


def answers(tr: Translator, state: AlertState | None, zone: tzinfo,
             moment: bool = True) -> str:
    """What people answered: acknowledged, snoozed (both may be true). ``moment``: the
    snooze's end as a time Slack shows in the reader's zone, else as a date in ours."""
    if state is None:
        return ""
    parts = []
    if state.resolved_at is not None:
        parts.append(":heavy_check_mark: " + _resolved_text(
            tr, state, state.resolved_at.astimezone(zone).date()))
    if state.acknowledged_by:
        parts.append(":white_check_mark: " + tr._("Acknowledged by {who}",
                                                  who=_who(state.acknowledged_by)))
    if state.snoozed_until is not None:
        parts.append(":zzz: " + tr._("Snoozed until {when} by {who}",
                                     when=tr.moment(state.snoozed_until, zone) if moment
                                     else tr.date(state.snoozed_until.astimezone(zone).date()),
                                     who=_who(state.snoozed_by)))
    return "  ".join(parts)


def compact(tr: Translator, line: DigestLine, zone: tzinfo, form: Form = Form.FULL,
            base: str | None = None) -> str:
    """One line of a thread page: who, how much, what changed, what people answered.
    ``base``: the currency the lines are ordered by, shown beside an amount in another
    while the line has room for it."""
    alert = line.announcement.alert
    if form is Form.MINIMAL:
        amount = tr.money(alert.amount) if alert.amount is not None else "—"
        return f"• {erp_text(alert.subject.customer_id, SHORT_ID)} — {amount}"
    def body(name: int, id_: int, tail: str) -> str:
        # The reader's brackets: （C0027） for a Chinese reader, as the digest's top has.
        return "• " + tr._("{name} ({id})", name=f"*{_name(tr, alert, name)}*",
                           id=erp_text(alert.subject.customer_id, id_)) + f" — {tail}"

    if form is Form.SHORT:
        return clip(body(SHORT_NAME, SHORT_ID, _figures(tr, alert)), COMPACT_LINE)
    change = None if _resolved(line) else _change(tr, line.announcement)

    def tail_with(figures: str) -> str:
        return " · ".join(part for part in (figures, _collecting(tr, alert), change) if part)

    tail = tail_with(_figures(tr, alert))
    tails = dict.fromkeys((tail_with(_figures(tr, alert, base=base)), tail))
    answered = " ".join(part for part in (_better(tr, line, base),
                                          answers(tr, line.state, zone, moment=False)) if part)
    # A long name and id give way before what the line says of the account; the base
    # currency's amount, before the name.
    for name, id_ in ((NAME, ID), (SHORT_NAME, ID), (SHORT_NAME, SHORT_ID)):
        for shown in tails:
            text = body(name, id_, shown)
            if answered:
                text = f"{text}  {answered}"
            if len(text) <= COMPACT_LINE:
                return text
    # Only a translation far longer than English gets here.
    shortest = body(SHORT_NAME, SHORT_ID, tail)
    return clip(shortest, COMPACT_LINE - len(answered) - 2) + ("  " + answered
                                                               if answered else "")


def open_alert(tr: Translator, alert: Alert) -> str:
    """An open alert on a person's Home: severity, type, customer, figures."""
    who = tr._("{name} ({id})", name=_name(tr, alert, NAME),
               id=erp_text(alert.subject.customer_id, ID))
    return (f"{SEVERITY_EMOJI[alert.severity]} *{tr._(TYPE_TITLES[alert.type])}* — "
            + tr._("{who}: {figures}", who=who, figures=_figures(tr, alert)))


# The alerts a collector is assigned from: money owed, past due.
ASSIGNABLE = (AlertType.OVERDUE, AlertType.LARGE_INVOICE)


def _collecting(tr: Translator, alert: Alert) -> str | None:
    """How far collecting the line's account has gone, if someone collects it, whatever
    the alert (its limit's use too: a promise or legal matters to whoever reads that). Not
    naming the collector: a mention in a channel post notifies, every morning, for every
    line (their own list comes by direct message)."""
    if not alert.subject.collector:
        return None
    status = alert.subject.collection or ""
    if status == AssignmentStatus.ESCALATED:
        return tr._("with legal")
    assigned, stage = tr._("collector assigned"), collecting_stage(status, tr)
    return f"{assigned} · {stage}" if stage else assigned


def _buttons(tr: Translator, digest_id: int, line: DigestLine, assign: bool = True,
             share: bool = True) -> list[Block]:
    alert = line.announcement.alert
    try:
        answer = AlertValue(digest=digest_id, condition=alert.condition)
        subject = SubjectValue(kind="customer", id=alert.subject.customer_id)
    except ValidationError:  # an id our own values refuse: no button rather than a 400
        return []
    found: list[Block] = []
    # A resolved condition has nothing left to acknowledge or snooze, nor one no longer
    # followed in this line's destination; its card stays.
    resolved = (line.state is not None and not line.state.is_open) or \
        line.followed is not Followed.HERE
    if not (line.state and line.state.acknowledged_by) and not resolved:
        found.append({**button(tr._("Acknowledge"), ACKNOWLEDGE, answer.encode()),
                      "style": "primary"})
    if not resolved:
        found.append(button(tr._("Snooze 1 day"), SNOOZE_DAY,
                            SnoozeValue(**answer.model_dump(), days=1).encode()))
        found.append(button(tr._("Snooze 7 days"), SNOOZE_WEEK,
                            SnoozeValue(**answer.model_dump(), days=7).encode()))
    found.append(button(tr._("Credit check"), CREDIT_CHECK, subject.encode()))
    if assign and alert.type in ASSIGNABLE and not alert.subject.collector and not resolved:
        # An account someone collects says who on its line (reassigning is the check
        # card's and /credit assign's).
        # Without the optional "emoji" flag: ten of these are what a page can least spare.
        assign_button = button(tr._("Assign collector"), ASSIGN_COLLECTOR, subject.encode())
        assign_button["text"].pop("emoji")
        found.append(assign_button)
    menu = share_menu(tr._("Share with another department…"), "alert",
                      alert.condition) if share else None
    if menu is not None:
        found.append(menu)
    return found
