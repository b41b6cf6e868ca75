"""A meeting's agenda in one reader's language: a section per topic, one line per item
with the figure that put it there, "and N more" where the cap left some out. Items
name their customer by name and id; ``/credit check <id>`` opens the card (the hint
under the agenda says so). The same lines, without Slack formatting, are the ``.ics``
file's DESCRIPTION."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import tzinfo

from domain.approvals.model import KIND_TITLES, RequestKind
from domain.collections.model import AssignmentStatus
from domain.meetings.agenda import (
    ACTION,
    ASSIGNMENT,
    POSITION,
    REQUEST,
    Agenda,
    AgendaItem,
    Topic,
    topics_of,
)
from domain.meetings.model import Meeting
from domain.text import N_, as_written
from handlers.check.blocks import bucket_label
from handlers.i18n import Translator
from handlers.render import (
    BLOCKS_PER_MESSAGE,
    SECTION_TEXT,
    Block,
    context,
    erp_text,
    fitting,
    header,
    mention,
    person_text,
    section,
)

NAME = 200
ID = 64
REASON = 300

TOPICS: dict[Topic, str] = {
    Topic.PENDING_APPROVALS: N_("Pending approvals"),
    Topic.OVER_LIMIT: N_("Exposures above their limit"),
    Topic.OVERDUE_90: N_("Accounts in the oldest aging bucket"),
    Topic.CONTRACTS_EXPIRING: N_("Contracts ending"),
    Topic.REVIEWS_DUE: N_("Reviews due"),
    Topic.BROKEN_PROMISES: N_("Broken promises to pay"),
    Topic.OVERDUE_BY_COLLECTOR: N_("Largest overdue balances by collector"),
    Topic.OPEN_DISPUTES: N_("Open disputes, oldest first"),
    Topic.CUSTOMER: N_("Customers to discuss"),
}
STATUSES: dict[str, str] = {
    AssignmentStatus.OPEN.value: N_("being worked"),
    AssignmentStatus.PROMISED.value: N_("promised to pay"),
    AssignmentStatus.DISPUTED.value: N_("disputed"),
    AssignmentStatus.ESCALATED.value: N_("with legal"),
    AssignmentStatus.CLOSED.value: N_("closed"),
}


def _customer(item: AgendaItem, tr: Translator) -> str:
    cid = erp_text(item.customer_id or "", ID)
    name = erp_text(tr.name_of(item.label, item.label_local), NAME)
    return tr._("{name} ({id})", name=f"*{name}*", id=f"`{cid}`")


def _request_kind(tr: Translator, value: str) -> str:
    try:
        return tr._(KIND_TITLES[RequestKind(value)])
    except ValueError:
        return erp_text(value, ID)


def line(tr: Translator, item: AgendaItem) -> str:
    """One item as a line of mrkdwn."""
    topic = item.topic
    who = _customer(item, tr)
    if topic is Topic.PENDING_APPROVALS:
        number = (item.ref or "").partition(":")[2]
        text = tr._("Request #{request}: {customer}, {kind}", request=number, customer=who,
                    kind=_request_kind(tr, item.detail))
        if item.amount is not None:
            text += " " + tr._("to {amount}", amount=item.amount)
        return text + " · " + tr.ngettext("waiting {n} day", "waiting {n} days",
                                          item.days or 0) \
            + (" · " + tr._("by {who}", who=mention(item.person)) if item.person else "")
    if topic is Topic.OVER_LIMIT and item.amount is not None and item.limit is not None:
        return tr._("{customer}: exposure {exposure} against a limit of {limit}, {over} over",
                    customer=who, exposure=item.amount, limit=item.limit,
                    over=item.amount - item.limit)
    if topic is Topic.OVERDUE_90:
        text = tr._("{customer}: {amount} in the {bucket} bucket", customer=who,
                    amount=item.amount or "-", bucket=bucket_label(item.detail, tr))
        if item.days:
            text += " · " + tr.ngettext("oldest {n} day past due",
                                        "oldest {n} days past due", item.days)
        return text
    if topic is Topic.CONTRACTS_EXPIRING:
        contract = erp_text(item.detail, ID)
        # "ends in 0 days" read oddly: the day itself is said so.
        text = tr._("{customer}: contract {contract} ends today", customer=who,
                    contract=contract) if not item.days else tr.ngettext(
            "{customer}: contract {contract} ends in {n} day",
            "{customer}: contract {contract} ends in {n} days", item.days, customer=who,
            contract=contract)
        if item.amount is not None:
            text += " · " + tr._("its limit {limit}", limit=item.amount)
        return text
    if topic is Topic.BROKEN_PROMISES:
        return tr.ngettext("{customer}: promised {amount}, due {n} day ago, not kept",
                           "{customer}: promised {amount}, due {n} days ago, not kept",
                           item.days or 0, customer=who, amount=item.amount or "-") \
            + (" · " + tr._("collector {who}", who=mention(item.person)) if item.person
               else "")
    if topic is Topic.OVERDUE_BY_COLLECTOR:
        text = tr._("{collector}: {customer}, {amount} overdue",
                    collector=mention(item.person or ""), customer=who,
                    amount=item.amount or "-")
        if item.days:
            text += " · " + tr.ngettext("oldest {n} day past due",
                                        "oldest {n} days past due", item.days)
        return text
    if topic is Topic.OPEN_DISPUTES:
        text = tr.ngettext("{customer}: open for {n} day", "{customer}: open for {n} days",
                           item.days or 0, customer=who)
        if item.person:
            text += " · " + tr._("with {who}", who=mention(item.person))
        return text + " · “" + person_text(item.detail, REASON) + "”"
    return _customer_line(tr, item)


def _customer_line(tr: Translator, item: AgendaItem) -> str:
    ref = item.ref or ""
    if ref == POSITION:
        if item.detail == "missing":
            return tr._("{customer}: no longer in the ERP's data", customer=_customer(item, tr))
        if item.amount is None or item.limit is None:
            return tr._("{customer}: the position can't be shown (an exchange rate is "
                        "missing)", customer=_customer(item, tr))
        text = tr._("{customer}: exposure {exposure} against a limit of {limit}",
                    customer=_customer(item, tr), exposure=item.amount, limit=item.limit)
        if item.days:
            text += " · " + tr.ngettext("oldest {n} day past due",
                                        "oldest {n} days past due", item.days)
        return text
    if ref.startswith(REQUEST + ":"):
        text = "    " + tr._("Open request #{request}: {kind}", request=ref.partition(":")[2],
                             kind=_request_kind(tr, item.detail))
        if item.amount is not None:
            text += " " + tr._("to {amount}", amount=item.amount)
        return text + (" · " + tr._("by {who}", who=mention(item.person))
                       if item.person else "")
    if ref == ASSIGNMENT:
        status = STATUSES.get(item.detail)
        return "    " + tr._("Collector: {who} ({status})", who=mention(item.person or ""),
                             status=tr._(status) if status else erp_text(item.detail, ID))
    if ref.startswith(ACTION + ":"):
        return "    " + tr.ngettext("{who}, {n} day ago: “{outcome}”",
                                    "{who}, {n} days ago: “{outcome}”", item.days or 0,
                                    who=mention(item.person or ""),
                                    outcome=person_text(item.detail, REASON))
    return _customer(item, tr)


def _topics(agenda: Agenda, meeting: Meeting) -> list[Topic]:
    shown = list(topics_of(meeting.kind))
    if meeting.customers or agenda.of(Topic.CUSTOMER):
        shown.append(Topic.CUSTOMER)
    return shown


def blocks(tr: Translator, agenda: Agenda, meeting: Meeting, heading: str,
           zone: tzinfo) -> list[Block]:
    """The agenda's blocks under ``heading``, within Block Kit's limits: a topic's lines
    share one section (clipped at 3,000 characters with the rest counted)."""
    out: list[Block] = [header(heading)]
    topics = _topics(agenda, meeting)
    if not topics:
        out.append(section(tr._("Nothing from the data for this kind of meeting.")))
    for topic in topics:
        lines = [line(tr, item) for item in agenda.of(topic)]
        more = agenda.more_of(topic)
        if not lines:
            lines = ["_" + _nothing(tr, agenda, topic) + "_"]
        text, left = _fit(lines)
        if more or left:
            text += "\n" + tr._("and {n} more", n=more + left)
        out.append(section(f"*{tr._(TOPICS[topic])}*\n{text}"))
    out.append(context(tr._("Built from the data at {when}. Type `/credit check` and a "
                            "customer id (e.g. `/credit check C0001`) for its card.",
                            when=tr.moment(agenda.built_at, zone))))
    return out[:BLOCKS_PER_MESSAGE]


def _nothing(tr: Translator, agenda: Agenda, topic: Topic) -> str:
    """What an empty topic says: nothing to discuss, unless it is empty for want of
    collectors."""
    if topic is Topic.OVERDUE_BY_COLLECTOR and agenda.nobody_collects:
        return tr._("no account with money overdue has a collector yet (/credit assign, or "
                    "the morning alerts' assignment rules, give them one)")
    return tr._("nothing to discuss")


def _fit(lines: Sequence[str]) -> tuple[str, int]:
    """As many whole lines as fit a section with room for "and N more"."""
    kept = fitting(lines, SECTION_TEXT - 100)
    return "\n".join(lines[:kept]), len(lines) - kept


def plain_text(tr: Translator, agenda: Agenda, meeting: Meeting) -> str:
    """The agenda for a calendar's description: the same lines without Slack's
    formatting (the .ics library escapes what RFC 5545 needs)."""
    parts: list[str] = []
    for topic in _topics(agenda, meeting):
        # A Chinese reader's colon is the full-width one.
        parts.append(tr._("{heading}:", heading=tr._(TOPICS[topic])))
        lines = [_unformatted(line(tr, item)) for item in agenda.of(topic)]
        parts.extend(f"- {text.strip()}" for text in lines or [_nothing(tr, agenda, topic)])
        if agenda.more_of(topic):
            parts.append("- " + tr._("and {n} more", n=agenda.more_of(topic)))
    return "\n".join(parts)


def _unformatted(text: str) -> str:
    text = re.sub(r"<@([A-Z0-9]+)>", r"@\1", text)
    text = re.sub(r"<!date\^\d+\^[^|]*\|([^>]*)>", r"\1", text)
    # Then the look-alikes that kept names from formatting in Slack are their own
    # characters again: a calendar shows text as it is.
    text = text.replace("*", "").replace("`", "").replace("&lt;", "<").replace(
        "&gt;", ">").replace("&amp;", "&")
    return as_written(text)
