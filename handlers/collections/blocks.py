"""How the collector's day looks in Slack: the worklist (``/credit collect``) and the
words for steps, actions and statuses."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime
from itertools import groupby

from pydantic import Field

from domain.collections.dunning import Step
from domain.collections.model import ActionKind, AssignmentStatus, Promise
from domain.collections.work import Worklist
from domain.collections.worklist import WorkItem
from domain.model import Customer
from domain.money import Money
from domain.text import Listed
from handlers.check.blocks import bucket_label
from handlers.i18n import N_, Translator
from handlers.meetings.followup_blocks import worklist_tasks
from handlers.payloads import CHANNEL_ID, ERP_ID, ActionValue
from handlers.render import (
    SECTION_TEXT,
    Block,
    Message,
    actions,
    button,
    erp_text,
    fitting,
    mention,
    message,
    person_text,
    section,
)

LOG, PROMISE, DISPUTE, LEGAL, MORE = (
    "collect_log", "collect_promise", "collect_dispute", "collect_legal", "collect_more")
RESOLVE, OUTCOME = "collect_resolve", "collect_legal_outcome"
# The worklist's: the account's oldest open dispute as of the press.
RESOLVE_OLDEST = "collect_resolve_oldest"
NAME_LENGTH = 120
OUTCOME_LENGTH = 300
INVOICE_LENGTH = 64

STEPS = {
    Step.REMINDER: N_("send a reminder"),
    Step.PHONE_CALL: N_("phone call"),
    Step.FINAL_NOTICE: N_("final notice"),
    Step.STOP_SUPPLY: N_("stop supply"),
    Step.LEGAL: N_("legal"),
}
KINDS = {
    ActionKind.CALL: N_("call"),
    ActionKind.EMAIL: N_("email"),
    ActionKind.VISIT: N_("visit"),
    ActionKind.NOTE: N_("note"),
}
STATUSES = {
    "open": N_("open"),
    "promised": N_("promised"),
    "disputed": N_("disputed"),
    "escalated": N_("with legal"),
    "closed": N_("closed"),
}
PROMISE_STATES = {"open": N_("open"), "kept": N_("kept"), "broken": N_("broken"),
                  "replaced": N_("replaced by a later promise")}


class AccountValue(ActionValue):
    """A worklist line's buttons: the customer, by id only."""

    customer: str = Field(pattern=ERP_ID)


class DisputeValue(ActionValue):
    customer: str = Field(pattern=ERP_ID)
    dispute: int = Field(strict=True, ge=1, le=2**31 - 1)


class AccountFormValue(AccountValue):
    """A collections form's metadata: the account, and where the button that opened it
    was pressed (its answer goes there, else by direct message)."""

    channel: str | None = Field(default=None, pattern=CHANNEL_ID)


class DisputeFormValue(DisputeValue):
    """The *Resolve* form's metadata: the dispute, and where it was opened."""

    channel: str | None = Field(default=None, pattern=CHANNEL_ID)


class PageValue(ActionValue):
    page: int = Field(strict=True, ge=1, le=10_000)
    # Another collector's list, as the lead looks at it; None: the viewer's own.
    collector: str | None = Field(default=None, pattern=r"^[UW][A-Z0-9]{8,31}$")


# Accounts one message about several lists by name; the rest are counted.
LISTED = 20


def listed(title: str, lines: Sequence[str], total: int, tr: Translator, end: str = "") -> str:
    """``title``, as many of ``lines`` (the first of ``total`` accounts, 20 at most) as
    fit one section's text, a count of the rest, and ``end``: a long name from the ERP
    lists fewer accounts rather than have Slack cut the text mid-name."""
    shown = list(lines[:fitting(lines[:LISTED], SECTION_TEXT - len(title) - len(end) - 100)])
    if total > len(shown):
        shown.append(tr.ngettext("and {n} more", "and {n} more", total - len(shown)))
    return "\n".join([title, *shown, end] if end else [title, *shown])


def replaced_text(replaced: Sequence[Promise], tr: Translator,
                  date_of: Callable[[datetime], date], paid: Money | None = None) -> str:
    """What a new promise replaced, and that only the new one counts; with ``paid``,
    what was paid towards the replaced ones, which the new one does not count."""
    earlier = Listed(tr._("{amount} by {day} (recorded by <@{who}> on {when})",
                          amount=p.amount, day=p.due_on, who=p.made_by,
                          when=date_of(p.made_at))
                     for p in replaced)
    text = tr.ngettext(
        "It replaces the open promise of {promises}: only the new one is checked and "
        "counted.",
        "It replaces the open promises of {promises}: only the new one is checked and "
        "counted.", len(replaced), promises=earlier)
    if paid is None:
        return text
    return tr.sentences(text, tr._(
        "{paid} was paid towards it already; the new promise counts only money still to "
        "come: if the amount recorded includes that, record the promise again for the "
        "balance.",
        paid=paid))


def customer_label(name: str, customer_id: str, tr: Translator) -> str:
    """The account in bold with its id, as the reader's language brackets it."""
    return tr._("{name} ({id})", name=f"*{erp_text(name, NAME_LENGTH)}*",
                id=erp_text(customer_id, 64))


def account_label(customer: Customer, tr: Translator) -> str:
    """``customer_label`` of the name this reader knows the customer by."""
    return customer_label(tr.name_of(customer.name, customer.name_local),
                          customer.customer_id, tr)


def _overdue(item: WorkItem, tr: Translator) -> str:
    if not item.overdue:
        return tr._("Nothing overdue.")
    # A bucket owed in two currencies is one part: "31-60 days: €5,000.00 + $4,439.47".
    # The buckets count what the customer owes; the dunning level and the order leave
    # the disputed invoices out, so each bucket says how much of it is in dispute.
    disputed = {label: [amount for _label, amount in same]
                for label, same in groupby(item.disputed, key=lambda part: part[0])}

    def bucket(label: str, same: Iterable[tuple[str, Money]]) -> str:
        text = tr._("{bucket}: {amount}", bucket=bucket_label(label, tr),
                    amount=" + ".join(tr.money(amount) for _label, amount in same))
        if label in disputed:
            text = tr._("{parts} ({amount} of it disputed)", parts=text, amount=" + ".join(
                tr.money(amount) for amount in disputed[label]))
        return text

    parts = " · ".join(bucket(label, same)
                       for label, same in groupby(item.overdue, key=lambda part: part[0]))
    if item.unpriced:
        return tr._("Overdue: {parts} (no rate for {currencies}: listed last)",
                    parts=parts, currencies=tr.listing(item.unpriced))
    return tr._("Overdue: {parts}", parts=parts)


def _level(item: WorkItem, tr: Translator) -> str:
    if item.level is None:
        return tr._("no dunning level")
    return tr._("level {level}: {step}", level=item.level.level,
                step=tr._(STEPS[item.level.step]))


# Invoice ids a message names; the rest are counted. A dispute of 170 invoices (the form
# takes 3,000 characters of ids) cut its post short, the owner's mention with it.
INVOICES_NAMED = 20


def invoices_text(ids: Sequence[str], tr: Translator) -> str:
    """Invoice ids from the ERP, listed as the reader's language lists, the first
    INVOICES_NAMED of them and the rest counted."""
    named = [erp_text(i, INVOICE_LENGTH) for i in ids[:INVOICES_NAMED]]
    if len(ids) > INVOICES_NAMED:
        named.append(tr._("and {n} more", n=len(ids) - INVOICES_NAMED))
    return tr.listing(named)


def _last(item: WorkItem, tr: Translator) -> str:
    last = item.last_action
    if last is None:
        return tr._("No action recorded yet.")
    if last.kind == "promise_kept":
        return tr._("Last action: the promise to pay {amount} by {due} was kept (seen paid on "
                    "{day})", amount=last.promised, due=last.due, day=last.on)
    if last.promised is not None and last.broken_on is not None:
        # "Last action: promise to pay … by Dec 11" read as a promise still running.
        if last.paid is not None and last.paid.amount > 0:
            return tr._("Last action: promise to pay {amount} by {due}, recorded on {day} by "
                        "<@{who}>, broken on {broken} (only {paid} of it paid)",
                        amount=last.promised, due=last.due, day=last.on, who=last.by,
                        broken=last.broken_on, paid=last.paid)
        return tr._("Last action: promise to pay {amount} by {due}, recorded on {day} by "
                    "<@{who}>, broken on {broken} (nothing of it paid)",
                    amount=last.promised, due=last.due, day=last.on, who=last.by,
                    broken=last.broken_on)
    if last.promised is not None:
        return tr._("Last action: promise to pay {amount} by {due}, recorded on {day} by "
                    "<@{who}>", amount=last.promised, due=last.due, day=last.on, who=last.by)
    if last.kind == "escalated":
        return tr._("Last action: escalated to legal on {day} by <@{who}>: {note}",
                    day=last.on, who=last.by,
                    note=person_text(last.outcome, OUTCOME_LENGTH) or tr._("no note"))
    if last.kind == "dispute_opened":
        return tr._("Last action: dispute over {invoices} opened on {day} by <@{who}>: "
                    "{reason}", invoices=invoices_text(last.invoices, tr), day=last.on,
                    who=last.by, reason=person_text(last.outcome, OUTCOME_LENGTH))
    if last.kind == "dispute_resolved":
        return tr._("Last action: dispute over {invoices} resolved on {day} by <@{who}>: "
                    "{outcome}", invoices=invoices_text(last.invoices, tr), day=last.on,
                    who=last.by, outcome=person_text(last.outcome, OUTCOME_LENGTH)
                    or tr._("no note"))
    kind = tr._(KINDS[ActionKind(last.kind)]) if last.kind in set(ActionKind) else last.kind
    return tr._("Last action: {kind} on {day} by <@{who}>: {outcome}", kind=kind,
                day=last.on, who=last.by, outcome=person_text(last.outcome, OUTCOME_LENGTH))


def _next(item: WorkItem, tr: Translator, today: date | None = None) -> str:
    parts = []
    promise_day = item.promise_due is not None and item.next_action_on == item.promise_due
    late = ""
    if today is not None and item.next_action_on is not None \
            and item.next_action_on < today:
        # A step long past read like one to come: reminded once, then only the lead's
        # stale-account flag caught it. The space is the translation's: Chinese puts
        # none before its bracket.
        late = tr.ngettext(" ({n} day late)", " ({n} days late)",
                           (today - item.next_action_on).days)
    if item.status == AssignmentStatus.ESCALATED.value:
        # The dunning policy's "legal" step is taken: what is left is legal's outcome.
        parts.append(tr._("Next step: legal's outcome (Record outcome)"))
    elif promise_day:
        # Not "stop supply on Dec 10 · promise to pay due Dec 10", read as stopping their
        # supply on the day they promised to pay: that day's step is the promise.
        parts.append(tr._("Next step: see the promise to pay kept, due {day}",
                          day=item.next_action_on) + late)
    elif item.next_action_on is not None:
        parts.append(tr._("Next step: {step} on {day}",
                          step=tr._(STEPS[item.level.step]) if item.level else tr._("follow up"),
                          day=item.next_action_on) + late)
    elif item.level is not None:
        parts.append(tr._("Next step: {step}, no date set",
                          step=tr._(STEPS[item.level.step])))
    if item.promise_due is not None and not promise_day:
        parts.append(tr._("promise to pay due {day}", day=item.promise_due))
    if item.open_disputes and item.oldest_dispute_on is not None:
        parts.append(tr.ngettext("{n} open dispute, open since {day}",
                                 "{n} open disputes, the oldest open since {day}",
                                 item.open_disputes, day=item.oldest_dispute_on))
    if item.broken_promises:
        parts.append(tr.ngettext("{n} broken promise", "{n} broken promises",
                                 item.broken_promises))
    return " · ".join(parts) if parts else tr._("No next step set.")


def line(item: WorkItem, tr: Translator, today: date | None = None) -> str:
    """An account's lines; ``today``, when known, says how late a step past is."""
    head = tr._("{customer} · {status} · {level}",
                customer=customer_label(tr.name_of(item.name, item.name_local),
                                        item.customer_id, tr),
                status=tr._(STATUSES.get(item.status, item.status)), level=_level(item, tr))
    lines = [head, _overdue(item, tr), _last(item, tr), _next(item, tr, today)]
    if item.tasks:
        lines.append(worklist_tasks(tr, item.tasks))
    return "\n".join(lines)


def buttons(item: WorkItem, tr: Translator) -> Block:
    value = AccountValue(customer=item.customer_id).encode()
    block_id = f"collect:{item.customer_id}"[:255]
    logs = button(tr._("Log action"), LOG, value)
    # The oldest open dispute, resolved from here as from its post in the department's
    # channel (which the collector may not read, and later posts bury).
    resolve = [button(tr._("Resolve dispute"), RESOLVE_OLDEST, value)] \
        if item.open_disputes else []
    if item.status == AssignmentStatus.ESCALATED.value:
        # With legal: a promise, a dispute or another escalation is refused until legal
        # records its outcome; legal logs what it does, and records the outcome here as
        # from the case's post (which the channel's later posts may bury).
        return actions(block_id, logs, button(tr._("Record outcome"), OUTCOME, value),
                       *resolve)
    return actions(block_id, logs,
                   button(tr._("Promise to pay"), PROMISE, value),
                   button(tr._("Dispute"), DISPUTE, value),
                   button(tr._("Escalate to legal"), LEGAL, value), *resolve)


def worklist(listed: Worklist, tr: Translator, note: str | None = None,
             may_assign: bool = False, viewer: str | None = None,
             assign: str = "/credit assign") -> Message:
    """Two blocks per account (10 a page), a heading and the pager: ~25 blocks.
    ``viewer``: who looks, when it may be someone else's list (the lead's look);
    ``assign``: `/credit assign` as the person would write it (`/credit 分配`)."""
    if viewer is not None and listed.collector not in ("", viewer):
        return _theirs(listed, tr, note)
    page = listed.page
    blocks: list[Block] = []
    if note:
        blocks.append(section(note))
    if not page.total:
        # Only those who may assign are pointed at /credit assign: others would be refused.
        text = tr._("You have no accounts to collect. Accounts are assigned with "
                    "`{command} &lt;customer&gt; @collector`.", command=assign
                    ) if may_assign else tr._(
            "You have no accounts to collect. The credit managers or the collections lead "
            "assign accounts, and the morning alerts assign newly overdue ones.")
        return message(text, [*blocks, section(text)])
    heading = tr.ngettext(
        "*Your collections*: {n} account, page {page} of {pages}. Promises due come "
        "first, then next steps due, then overdue amount × days past due.",
        "*Your collections*: {n} accounts, page {page} of {pages}. Promises due come "
        "first, then next steps due, then overdue amount × days past due.",
        page.total, page=page.number, pages=page.pages)
    blocks.append(section(heading))
    for item in page.items:
        blocks.append(section(line(item, tr, listed.today)))
        blocks.append(buttons(item, tr))
    if page.has_more:
        blocks.append(actions("collect:pages", button(
            tr._("More ({page} of {pages})", page=page.number + 1, pages=page.pages),
            MORE, PageValue(page=page.number + 1).encode())))
    fallback = tr.ngettext("{n} account to collect", "{n} accounts to collect", page.total)
    return message(fallback, blocks)


def _theirs(listed: Worklist, tr: Translator, note: str | None = None) -> Message:
    """Another collector's list, as the lead or an assigner sees it: the same lines, with
    the buttons only for the lead, who may act on any account."""
    page, who = listed.page, mention(listed.collector)
    if not page.total:
        text = tr._("{who} has no accounts to collect.", who=who)
        return message(text, [section(text)])
    blocks: list[Block] = [section(note)] if note else []
    blocks += [section(tr.ngettext(
        "*Collections of {who}*: {n} account, page {page} of {pages}, in the order they see "
        "it.",
        "*Collections of {who}*: {n} accounts, page {page} of {pages}, in the order they see "
        "it.",
        page.total, who=who, page=page.number, pages=page.pages))]
    for item in page.items:
        blocks.append(section(line(item, tr, listed.today)))
        if listed.may_act:
            blocks.append(buttons(item, tr))
    if page.has_more:
        blocks.append(actions("collect:pages", button(
            tr._("More ({page} of {pages})", page=page.number + 1, pages=page.pages),
            MORE, PageValue(page=page.number + 1, collector=listed.collector).encode())))
    fallback = tr.ngettext("{who} has {n} account to collect",
                           "{who} has {n} accounts to collect", page.total, who=who)
    return message(fallback, blocks)
