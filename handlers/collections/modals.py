"""The forms behind the worklist's buttons: Log action, Promise to pay, Dispute, Escalate
to legal, and the dispute's Resolve and the legal case's Record outcome. Each carries the
customer's id only (private_metadata); the use case checks the person again. A field
that is wrong gets its error beside it; a refusal of the use case replaces the form with
its reason."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, tzinfo
from typing import Any

from slack_bolt import BoltContext

from domain.amount_text import TWO_CURRENCIES, read_amount, sign_of, stands_for
from domain.amounts import AMOUNT_TOO_LARGE, AmountError, exact_money
from domain.collections.day import AccountForm
from domain.collections.model import ActionKind, Dispute
from domain.collections.recording import Logged
from domain.collections.refusals import (
    AMOUNT,
    DEPARTMENT,
    DUE,
    INVOICES,
    NEXT,
    OWNER,
    AlreadyRecorded,
    PromiseCurrency,
    UnknownDepartment,
)
from domain.days import upcoming_day_problem
from domain.errors import FormRefused
from domain.money import Money
from domain.text import as_written
from handlers.after_form import tell
from handlers.collections.blocks import (
    KINDS,
    OUTCOME_LENGTH,
    AccountFormValue,
    DisputeFormValue,
    DisputeValue,
    customer_label,
    invoices_text,
    replaced_text,
)
from handlers.deps import Deps
from handlers.errors import field_error
from handlers.i18n import Translator
from handlers.modals import date_input, modal, option, select, submitted, text_input, user_input
from handlers.registry import Submitted, View
from handlers.render import context, erp_text, person_text, section

LOG_VIEW, PROMISE_VIEW, DISPUTE_VIEW, LEGAL_VIEW = (
    "collect_log_form", "collect_promise_form", "collect_dispute_form", "collect_legal_form")
RESOLVE_VIEW, OUTCOME_VIEW = "collect_resolve_form", "collect_outcome_form"
# Block ids: Slack echoes them in the submission, and field errors name them.
# (AMOUNT, INVOICES, DEPARTMENT, OWNER, DUE and NEXT are the domain's: its problems name
# them.)
KIND, OUTCOME, REASON, NOTE = ("kind", "outcome", "reason", "note")


# Open invoices a promise or dispute form lists (oldest due first); the rest are counted.
INVOICES_LISTED = 25
# Slack's most for a text field: at 500 a dispute could name about 23 invoices, short of
# a shipment's worth.
INVOICE_IDS_LENGTH = 3000


def _title(tr: Translator, customer: str, name: str, local: str | None = None) -> Any:
    return section(tr._("Customer: {customer}",
                        customer=customer_label(tr.name_of(name, local), customer, tr)))


def _open_invoices(tr: Translator, form: AccountForm) -> Any:
    """The ids a promise or a dispute may name, with what each is and owes."""
    if not form.open_invoices:
        return context(tr._("No open invoices."))
    lines = [tr._("`{invoice}` {amount}, due {due}", invoice=erp_text(i.invoice_id, 64),
                  amount=i.open_amount, due=i.due_date)
             for i in form.open_invoices[:INVOICES_LISTED]]
    rest = len(form.open_invoices) - INVOICES_LISTED
    if rest > 0:
        lines.append(tr.ngettext("and {n} more", "and {n} more", rest))
    return section("*" + tr._("Open invoices") + "*\n" + "\n".join(lines))


def log_view(tr: Translator, form: AccountForm, viewer: str | None = None,
             channel: str | None = None) -> dict[str, Any]:
    """``channel``: where it was opened, for its answer (each view here takes it)."""
    kinds = [option(k.value, tr._(KINDS[k])) for k in ActionKind]
    customer = form.customer_id
    return modal(LOG_VIEW, AccountFormValue(customer=customer, channel=channel),
                 title=tr._("Log action"),
                 submit=tr._("Save"), close=tr._("Cancel"), blocks=[
                     _title(tr, customer, form.name, form.name_local),
                     select(KIND, tr._("What you did"), kinds, initial=ActionKind.CALL.value),
                     text_input(OUTCOME, tr._("Outcome"), multiline=True, max_length=2000,
                                placeholder=tr._("e.g. spoke to their AP clerk; payment "
                                                 "run on Friday")),
                     date_input(NEXT, tr._("Next action on"), optional=True,
                                hint=tr._("You are reminded on this day.")
                                if viewer in (None, form.collector)
                                else tr._("Its collector is reminded on this day.")),
                 ])


def promise_view(tr: Translator, form: AccountForm, channel: str | None = None
                 ) -> dict[str, Any]:
    customer = form.customer_id
    return modal(PROMISE_VIEW, AccountFormValue(customer=customer, channel=channel),
                 title=tr._("Promise to pay"),
                 submit=tr._("Save"), close=tr._("Cancel"), blocks=[
                     _title(tr, customer, form.name, form.name_local),
                     _open_invoices(tr, form),
                     text_input(AMOUNT, tr._("Amount"), max_length=40,
                                hint=_amount_hint(tr, form.currency)),
                     date_input(DUE, tr._("Pay by")),
                     text_input(INVOICES, tr._("Invoices"), optional=True,
                                max_length=INVOICE_IDS_LENGTH,
                                hint=tr._("Invoice ids separated by commas; empty for the "
                                          "account as a whole.")),
                 ])


def _amount_hint(tr: Translator, currency: str | None) -> str:
    # The customer's own currency in the example: "USD 25k" on a CNY account was
    # suggested, then refused.
    if currency is None:
        return tr._("e.g. 25000 or 25k, in the customer's currency.")
    return tr._("e.g. 25000, 25k or {currency} 25k; in {currency} when none is given.",
                currency=currency)


def dispute_view(tr: Translator, form: AccountForm, departments: dict[str, str],
                 channel: str | None = None) -> dict[str, Any]:
    customer = form.customer_id
    choices = [option(key, name) for key, name in departments.items()]
    blocks = [
        _title(tr, customer, form.name, form.name_local),
        _open_invoices(tr, form),
        text_input(INVOICES, tr._("Disputed invoices"), max_length=INVOICE_IDS_LENGTH,
                   hint=tr._("Invoice ids separated by commas.")),
        text_input(REASON, tr._("Reason"), multiline=True, max_length=2000,
                   placeholder=tr._("e.g. goods damaged on delivery")),
    ]
    if choices:
        blocks.append(select(DEPARTMENT, tr._("Department that resolves it"), choices))
    blocks.append(user_input(OWNER, tr._("Owner in that department"), optional=True))
    return modal(DISPUTE_VIEW, AccountFormValue(customer=customer, channel=channel),
                 title=tr._("Dispute"),
                 submit=tr._("Open dispute"), close=tr._("Cancel"), blocks=blocks)


def legal_view(tr: Translator, form: AccountForm, channel: str | None = None
               ) -> dict[str, Any]:
    customer = form.customer_id
    return modal(LEGAL_VIEW, AccountFormValue(customer=customer, channel=channel),
                 title=tr._("Escalate to legal"),
                 submit=tr._("Escalate"), close=tr._("Cancel"), blocks=[
                     _title(tr, customer, form.name, form.name_local),
                     section(tr._("The account's history goes to the legal channel and "
                                  "legal takes the account over.")),
                     text_input(NOTE, tr._("Note for legal"), multiline=True,
                                max_length=2000),
                 ])


def resolve_view(tr: Translator, value: DisputeFormValue, name: tuple[str, str | None],
                 dispute: Dispute, zone: tzinfo) -> dict[str, Any]:
    # Pressed on the worklist, which of the account's disputes it is was nowhere said.
    which = tr._("Dispute over {invoices}, opened on {day} by <@{who}>: {reason}",
                 invoices=invoices_text(dispute.invoice_ids, tr),
                 day=dispute.opened_at.astimezone(zone).date(), who=dispute.opened_by,
                 reason=person_text(dispute.reason, OUTCOME_LENGTH))
    return modal(RESOLVE_VIEW, value, title=tr._("Resolve dispute"), submit=tr._("Resolve"),
                 close=tr._("Cancel"), blocks=[
                     _title(tr, value.customer, *name), section(which),
                     text_input(OUTCOME, tr._("Outcome"), multiline=True, max_length=2000,
                                placeholder=tr._("e.g. credit note issued for 2 pallets")),
                 ])


def outcome_view(tr: Translator, customer: str, name: tuple[str, str | None],
                 channel: str | None = None) -> dict[str, Any]:
    return modal(OUTCOME_VIEW, AccountFormValue(customer=customer, channel=channel),
                 title=tr._("Legal outcome"), submit=tr._("Record"), close=tr._("Cancel"),
                 blocks=[_title(tr, customer, *name),
                         text_input(OUTCOME, tr._("Outcome"), multiline=True,
                                    max_length=2000,
                                    placeholder=tr._("e.g. settled for 80%, paid in full"))])


def _day(raw: str | None) -> date | None:
    try:
        return date.fromisoformat(raw) if raw else None
    except ValueError:
        return None


def _invoices(raw: str | None) -> list[str]:
    # An id copied from the form's list, look-alikes and all, is the ERP's. Pieces are
    # kept in order, empty and twice-typed ones too: the domain joins again those that
    # make an id with commas in it (`A,,B`, `A,`), drops the empty rest and counts an
    # invoice named twice once.
    # 、 as Chinese lists them (creditbot's own Chinese lists them so): "INV-6、INV-3" was
    # refused as one id that is no open invoice.
    typed = as_written((raw or "").replace("，", ",").replace("、", ","))
    pieces = typed.split(",")
    return pieces if any(p.strip() for p in pieces) else []


def _submission(kind: str, view: dict[str, Any]) -> str | None:
    """The form's key: Slack keeps a view's id across its submissions (a double click,
    a corrected field), and no two forms share one."""
    view_id = view.get("id")
    return f"collections.{kind}:{view_id}" if isinstance(view_id, str) and view_id else None


def _named(deps: Deps, customer_id: str, tr: Translator) -> str:
    """The customer as confirmations name it: by the name the reader knows, and id."""
    return customer_label(tr.name_of(*deps.collecting.customer_names(customer_id)),
                          customer_id, tr)


def _done(context: BoltContext, text: str) -> Callable[[], None]:
    """The confirmation once the form closed: beside where it was opened, else (or
    when the bot is not there) by direct message."""
    return lambda: tell(context, text, beside=context["metadata"].channel)


def submit_log(view: dict[str, Any], context: BoltContext) -> Submitted:
    deps: Deps = context["deps"]
    tr: Translator = context["tr"]
    customer = context["metadata"].customer
    values = submitted(view)
    errors: dict[str, str] = {}
    try:
        kind = ActionKind(values.get(KIND) or "")
    except ValueError:
        errors[KIND] = tr._("Pick what you did: call, email, visit or note.")
        kind = ActionKind.NOTE
    outcome = values.get(OUTCOME)
    if not outcome:
        errors[OUTCOME] = tr._("Say what came of it, e.g. will pay on Friday.")
    next_on = _day(values.get(NEXT))
    if values.get(NEXT) and next_on is None:
        errors[NEXT] = tr._("Pick the day in the calendar.")
    elif next_on is not None and (
            wrong := upcoming_day_problem(NEXT, next_on, deps.collecting.today())):
        errors[NEXT] = field_error(wrong, tr)
    if errors:
        return errors
    try:
        logged = deps.collecting.log_action(context["member"], customer, kind, outcome or "",
                                            next_on, submission=_submission("log", view))
    except AlreadyRecorded:
        return None  # the same form sent twice: the first one is the record
    except FormRefused as refused:
        return {where: field_error(problem, tr)
                for where, problem in refused.by_field().items()}
    return _done(context, _logged_text(tr, logged, _named(deps, customer, tr),
                                       tr._(KINDS[kind]), next_on is not None,
                                       logged.collector == context["member"].user_id))


def _logged_text(tr: Translator, logged: Logged, named: str, what: str, dated: bool,
                 mine: bool) -> str:
    """The confirmation of an action logged: its next step, and whose reminder comes
    when (``dated``: the form gave a day; ``mine``: the one logging collects it, else
    the lead logged on a collector's account, whose reminder it is)."""
    day, when, collector = logged.next_action_on, logged.reminded_on, logged.collector
    if day is None:
        return tr._("Logged: {kind} for {customer}. No next-step date was given, so no "
                    "reminder is set.", kind=what, customer=named)
    if not dated:
        return tr._("Logged: {kind} for {customer}. The next step stays due on {day}; give "
                    "a new date with Log action when you know it.", kind=what,
                    customer=named, day=day)
    if day <= logged.logged_on:
        # The day's reminders may have gone already: none is promised for today.
        return tr._("Logged: {kind} for {customer}. The next step is due today; "
                    "`/credit collect` lists it among the first.", kind=what,
                    customer=named) if mine else tr._(
            "Logged: {kind} for {customer}. The next step is due today; it is among the "
            "first in <@{collector}>'s `/credit collect`.", kind=what, customer=named,
            collector=collector)
    if when is not None and when != day:
        # A weekend or a holiday: the collections job does not run that day.
        return tr._("Logged: {kind} for {customer}. Next step on {day}, when no reminders "
                    "go out: you are reminded on {when}.", kind=what, customer=named,
                    day=day, when=when) if mine else tr._(
            "Logged: {kind} for {customer}. Next step on {day}, when no reminders go out: "
            "<@{collector}>, who collects it, is reminded on {when}.", kind=what,
            customer=named, day=day, when=when, collector=collector)
    return tr._("Logged: {kind} for {customer}. Next step on {day}: you are reminded that "
                "day.", kind=what, customer=named, day=day) if mine else tr._(
        "Logged: {kind} for {customer}. Next step on {day}: <@{collector}>, who collects "
        "it, is reminded that day.", kind=what, customer=named, day=day, collector=collector)


def submit_promise(view: dict[str, Any], context: BoltContext) -> Submitted:
    deps: Deps = context["deps"]
    tr: Translator = context["tr"]
    customer = context["metadata"].customer
    values = submitted(view)
    errors: dict[str, str] = {}
    amount: Money | None = None
    try:
        written = values.get(AMOUNT) or ""
        billed = deps.collecting.currency_of(customer)
        # "$5,000" or "US$5,000" for an account billed in USD: the sign as its code.
        typed = read_amount(written, AMOUNT_TOO_LARGE, implied=billed, customers=billed)
        amount = exact_money(written, typed.value, typed.currency or billed)
    except AmountError as wrong:
        sign = sign_of(written)
        # "$25k" for an account billed in GBP: no dollar is taken, so its code is not
        # suggested either (it would be refused next): the account's currency is.
        # "$50k EUR" names two currencies, which is what is said of it (it was "billed
        # in EUR, not $" of an amount that says EUR).
        errors[AMOUNT] = field_error(
            PromiseCurrency(customer, sign, [billed])
            if sign is not None and not stands_for(sign, billed)
            and wrong.template != TWO_CURRENCIES else wrong, tr)
    due = _day(values.get(DUE))
    if due is None:
        errors[DUE] = tr._("Pick the day the customer promised to pay by.")
    invoices = _invoices(values.get(INVOICES))
    if errors or amount is None or due is None:
        # Every problem in one round: the day, the invoices and the amount are checked too.
        for problem in deps.collecting.promise_problems(context["member"], customer, amount,
                                                        invoices, due):
            errors.setdefault(problem.where, field_error(problem, tr))
        return errors
    try:
        promised = deps.collecting.promise(context["member"], customer, amount, due, invoices,
                                           submission=_submission("promise", view))
    except AlreadyRecorded:
        return None  # the same form sent twice: the first one is the record
    except FormRefused as refused:
        return {where: field_error(problem, tr)
                for where, problem in refused.by_field().items()}
    named = promised.promise.invoice_ids
    done = tr._("Promise recorded: {customer} pays {amount} by {day} for {invoices}.",
                customer=_named(deps, customer, tr), amount=amount, day=due,
                invoices=invoices_text(named, tr)) if named else tr._(
        "Promise recorded: {customer} pays {amount} by {day}.",
        customer=_named(deps, customer, tr), amount=amount, day=due)
    if promised.replaced:
        # Said, so that a promise recorded twice, or one renegotiated, shows what went.
        done = tr.sentences(done, replaced_text(promised.replaced, tr,
                                                deps.collecting.date_of,
                                                promised.paid_towards_replaced))
    if promised.step_moved_from is not None:
        done = tr.sentences(done, tr._(
            "Your next step on {planned} moves to the promise's day, {day}.",
            planned=promised.step_moved_from, day=due))
    return _done(context, done)


def submit_dispute(view: dict[str, Any], context: BoltContext) -> Submitted:
    deps: Deps = context["deps"]
    tr: Translator = context["tr"]
    customer = context["metadata"].customer
    values = submitted(view)
    errors: dict[str, str] = {}
    invoices = _invoices(values.get(INVOICES))
    if not invoices:
        errors[INVOICES] = tr._("Name the disputed invoices, separated by commas, e.g. "
                                "INV-1001, INV-1002.")
    reason = values.get(REASON)
    if not reason:
        errors[REASON] = tr._("Say what the customer disputes, e.g. goods damaged on "
                              "delivery.")
    if errors:
        return errors
    try:
        dispute = deps.collecting.dispute(context["member"], customer, invoices, reason or "",
                                          values.get(DEPARTMENT), values.get(OWNER),
                                          submission=_submission("dispute", view))
    except AlreadyRecorded:
        return None
    except FormRefused as refused:
        # app.yaml's department names in a field error (plain text): not escaped like
        # what was typed.
        return {where: tr._(problem.template, **problem.params)
                if isinstance(problem, UnknownDepartment) else field_error(problem, tr)
                for where, problem in refused.by_field().items()}
    named = _named(deps, customer, tr)
    listed = tr.listing(erp_text(i, 64) for i in dispute.invoice_ids)
    channel = deps.collecting.channels.get(dispute.department or "")
    if channel is None:
        return _done(context, tr._("Dispute opened for {customer}: {invoices}. Reminders for "
                                   "these invoices are paused until it is resolved.",
                                   customer=named, invoices=listed))
    department = deps.collecting.departments.get(dispute.department or "",
                                                 dispute.department)
    return _done(context, tr._("Dispute opened for {customer}: {invoices}. It is posted in "
                               "<#{channel}> for {department} to resolve; reminders for these "
                               "invoices are paused until then.", customer=named,
                               invoices=listed, channel=channel, department=department))


def submit_legal(view: dict[str, Any], context: BoltContext) -> Submitted:
    deps: Deps = context["deps"]
    tr: Translator = context["tr"]
    customer = context["metadata"].customer
    note = submitted(view).get(NOTE)
    if not note:
        return {NOTE: tr._("Tell legal why, e.g. no payment after three promises.")}
    try:
        deps.collecting.escalate_to_legal(context["member"], customer, note,
                                          submission=_submission("legal", view))
    except AlreadyRecorded:
        return None
    channel = deps.collecting.channels.get(deps.collecting.legal_department)
    if channel is None:
        return _done(context, tr._("{customer} is escalated to legal.",
                                   customer=_named(deps, customer, tr)))
    return _done(context, tr._("{customer} is escalated to legal: the case is posted in "
                               "<#{channel}> with the account's history, and legal has the "
                               "account from now on.", customer=_named(deps, customer, tr),
                               channel=channel))


def submit_resolve(view: dict[str, Any], context: BoltContext) -> Submitted:
    deps: Deps = context["deps"]
    tr: Translator = context["tr"]
    value: DisputeValue = context["metadata"]
    outcome = submitted(view).get(OUTCOME)
    if not outcome:
        return {OUTCOME: tr._("Say how it was resolved, e.g. credit note issued.")}
    try:
        deps.collecting.resolve_dispute(context["member"], value.dispute, value.customer,
                                        outcome, submission=_submission("resolve", view))
    except AlreadyRecorded:
        return None
    return _done(context, tr._("Dispute resolved for {customer}.",
                               customer=_named(deps, value.customer, tr)))


def submit_outcome(view: dict[str, Any], context: BoltContext) -> Submitted:
    deps: Deps = context["deps"]
    tr: Translator = context["tr"]
    customer = context["metadata"].customer
    outcome = submitted(view).get(OUTCOME)
    if not outcome:
        return {OUTCOME: tr._("Say what legal achieved, e.g. settled for 80%.")}
    try:
        deps.collecting.record_legal_outcome(context["member"], customer, outcome,
                                             submission=_submission("outcome", view))
    except AlreadyRecorded:
        return None
    return _done(context, tr._("Legal outcome recorded for {customer}.",
                               customer=_named(deps, customer, tr)))


VIEWS = (
    View(LOG_VIEW, AccountFormValue, submit_log),
    View(PROMISE_VIEW, AccountFormValue, submit_promise),
    View(DISPUTE_VIEW, AccountFormValue, submit_dispute),
    View(LEGAL_VIEW, AccountFormValue, submit_legal),
    View(RESOLVE_VIEW, DisputeFormValue, submit_resolve),
    View(OUTCOME_VIEW, AccountFormValue, submit_outcome),
)
