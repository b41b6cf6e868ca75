"""An account's collections in ``/credit history``: who collects it now, then what was
done, promised, disputed and taken to legal, newest first, one line each."""

from __future__ import annotations

from datetime import date, datetime, tzinfo

from domain.collections.model import (
    CollectionAction,
    Dispute,
    LegalCase,
    Promise,
    PromiseState,
)
from domain.collections.record import CollectionRecord
from domain.money import Money
from handlers.check.blocks import collecting
from handlers.collections.blocks import KINDS, PROMISE_STATES, invoices_text
from handlers.i18n import Translator
from handlers.render import SECTION_TEXT, fitting, person_text

TEXT_LENGTH = 300


def collections_section(record: CollectionRecord, tr: Translator, zone: tzinfo,
                        shown: int) -> tuple[str, int]:
    """The section's mrkdwn and how many records it leaves out: whole lines, at most
    ``shown``, as many as one section holds."""
    text = "*" + tr._("Collections") + "*\n"
    text += (collecting(record.assignment.collector, record.assignment.status, tr)
             if record.assignment is not None else tr._("Nobody collects it now."))
    lines = [line for _, line in sorted(_lines(record, tr, zone), key=lambda e: e[0],
                                         reverse=True)]
    kept = fitting(lines[:shown], SECTION_TEXT - len(text))
    return "\n".join([text, *lines[:kept]]), len(lines) - kept + record.unread


def _lines(record: CollectionRecord, tr: Translator,
           zone: tzinfo) -> list[tuple[datetime, str]]:
    return [*((a.at, _action(a, tr, zone)) for a in record.actions),
            *((p.made_at, _promise(p, tr, zone)) for p in record.promises),
            *((d.opened_at, _dispute(d, tr, zone)) for d in record.disputes),
            *((c.opened_at, _legal(c, tr, zone)) for c in record.legal_cases)]


def _action(action: CollectionAction, tr: Translator, zone: tzinfo) -> str:
    line = tr._("{when}: {kind} by <@{who}>: {outcome}", when=tr.moment(action.at, zone),
                kind=tr._(KINDS[action.kind]), who=action.by,
                outcome=person_text(action.outcome, TEXT_LENGTH) or tr._("no note"))
    if action.next_action_on is not None:
        line = tr._("{line}; next step on {day}", line=line, day=action.next_action_on)
    return "• " + line


def _promise(promise: Promise, tr: Translator, zone: tzinfo) -> str:
    state = tr._(PROMISE_STATES[promise.state.value])
    if promise.state is PromiseState.KEPT and promise.checked_at is not None:
        state = tr._("kept (seen paid on {day})", day=_day(promise.checked_at, zone))
    elif promise.state is PromiseState.BROKEN and promise.checked_at is not None:
        state = tr._("broken (seen unpaid on {day}, grace days included)",
                     day=_day(promise.checked_at, zone))
        if promise.paid_when_checked:  # a part came: the broken note said how much
            state = tr._("broken (seen on {day}, grace days included, with only {paid} of "
                         "it paid)", day=_day(promise.checked_at, zone),
                         paid=Money(promise.paid_when_checked, promise.amount.currency))
    when = tr.moment(promise.made_at, zone)
    if promise.invoice_ids:
        line = tr._("{when}: promise to pay {amount} by {day} for {invoices}, recorded by "
                    "<@{who}>: {state}", when=when, amount=promise.amount,
                    day=promise.due_on, invoices=invoices_text(promise.invoice_ids, tr),
                    who=promise.made_by, state=state)
    else:
        line = tr._("{when}: promise to pay {amount} by {day}, recorded by <@{who}>: "
                    "{state}", when=when, amount=promise.amount, day=promise.due_on,
                    who=promise.made_by, state=state)
    return "• " + line


def _day(moment: datetime, zone: tzinfo) -> date:
    return moment.astimezone(zone).date()


def _dispute(dispute: Dispute, tr: Translator, zone: tzinfo) -> str:
    params = {"when": tr.moment(dispute.opened_at, zone), "who": dispute.opened_by,
              "invoices": invoices_text(dispute.invoice_ids, tr),
              "reason": person_text(dispute.reason, TEXT_LENGTH)}
    if dispute.is_open:
        line = tr._("{when}: the customer disputes {invoices}: {reason}, recorded by "
                    "<@{who}> (still open)", **params)
    else:
        line = tr._("{when}: the customer disputed {invoices}: {reason}, recorded by "
                    "<@{who}> (resolved by <@{by}> on {resolved}: {outcome})", **params,
                    by=dispute.resolved_by or "", outcome=person_text(
                        dispute.outcome or "", TEXT_LENGTH) or tr._("no note"),
                    resolved=tr.moment(dispute.resolved_at or dispute.opened_at, zone))
    return "• " + line


def _legal(case: LegalCase, tr: Translator, zone: tzinfo) -> str:
    params = {"when": tr.moment(case.opened_at, zone), "who": case.opened_by,
              "note": person_text(case.note, TEXT_LENGTH) or tr._("no note")}
    if case.is_open:
        line = tr._("{when}: escalated to legal by <@{who}>: {note} (legal has not recorded "
                    "an outcome yet)", **params)
    else:
        params.update(closed=tr.moment(case.closed_at or case.opened_at, zone),
                      outcome=person_text(case.outcome or "", TEXT_LENGTH) or tr._("no note"))
        line = tr._("{when}: escalated to legal by <@{who}>: {note} (outcome recorded on "
                    "{closed}: {outcome})", **params) if case.closed_by is None else tr._(
            "{when}: escalated to legal by <@{who}>: {note} (outcome recorded by <@{by}> on "
            "{closed}: {outcome})", **params, by=case.closed_by)
    return "• " + line
