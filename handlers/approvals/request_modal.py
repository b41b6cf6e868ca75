"""The request modal: opened by ``/credit request`` alone and by the check card's
*Request more credit* button; submitted, it files through the same use case as the
command line. Field errors come back beside their field, in the person's language; on
success the modal closes and the confirmation goes where the modal was opened from
(ephemeral in that channel, else a direct message)."""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import Field
from slack_bolt import BoltContext

from domain.access import AccessDenied
from domain.amount_text import LIMIT_TOO_LARGE, has_sign, one_currency, read_amount
from domain.amounts import AmountError
from domain.approvals.filing import MAX_REASON, Filing, FilingRefused
from domain.approvals.model import KIND_TITLES, LIMIT_KINDS, CreditRequest, RequestKind
from domain.currencies import canonical, is_currency
from domain.errors import (
    CurrencyError,
    CustomerLookupError,
    DomainError,
    MissingRate,
    SeveralProblems,
)
from handlers.after_form import tell
from handlers.approvals.request_render import filed, kind_title
from handlers.customer_hint import in_a_form
from handlers.deps import Deps
from handlers.errors import commands_as_typed, field_error
from handlers.i18n import Translator
from handlers.modals import (
    date_input,
    modal,
    open_modal,
    option,
    select,
    submitted,
    text_input,
)
from handlers.payloads import CHANNEL_ID, ActionValue, opened_in
from handlers.registry import Submitted
from handlers.render import section

REQUEST_MODAL = "credit_request"

# Block ids, which Slack echoes in the submission and field errors name.
CUSTOMER, KIND, AMOUNT, CURRENCY, EXPIRES = "customer", "kind", "amount", "currency", "expires"
ORDER, TERMS, REASON = "order", "terms", "reason"


class RequestForm(ActionValue):
    """Where the modal was opened, for the confirmation (never trusted for access:
    the use case checks the person again)."""

    channel: str | None = Field(default=None, pattern=CHANNEL_ID)
    # The word the form's command was typed as (申请): the commands its errors and its
    # confirmation name are written the same way (`/credit 我的申请`).
    typed: str | None = Field(default=None, max_length=40)
    # A held order's *Request release*: the customer and the order are known, and the
    # form asks only for the reason (eight fields were seven too many on a phone).
    customer: str | None = Field(default=None, max_length=64)
    order: str | None = Field(default=None, max_length=64)

    def encode(self) -> str:
        return self.model_dump_json(exclude_none=True)  # a button's form has no word


def request_view(tr: Translator, *, channel: str | None, customer: str | None = None,
                 kind: RequestKind = RequestKind.LIMIT_INCREASE, order: str | None = None,
                 typed: str | None = None) -> dict[str, Any]:
    """The form, filled in with what the place it is opened from knows (``typed``: the
    word of the command that opened it)."""
    kinds = [option(k.value, tr._(KIND_TITLES[k])) for k in RequestKind]
    blocks = [
        text_input(CUSTOMER, tr._("Customer"), initial=customer, max_length=200,
                   placeholder=tr._("id or name, e.g. acme")),
        select(KIND, tr._("Kind of request"), kinds, initial=kind.value),
        text_input(AMOUNT, tr._("New limit or increase"), optional=True, max_length=40,
                   hint=tr._("A new total such as 250000 or USD 250k, or an increase such "
                             "as +100k. For limit requests.")),
        text_input(CURRENCY, tr._("Currency"), optional=True, max_length=3,
                   hint=tr._("ISO code such as USD or CNY; the customer's limit currency "
                             "when empty.")),
        date_input(EXPIRES, tr._("Last day of a temporary limit"), optional=True,
                   hint=tr._("Only for a temporary limit.")),
        text_input(ORDER, tr._("Order id"), optional=True, max_length=64, initial=order,
                   hint=tr._("Only for an order release: the held order's id (CB-…) or "
                             "the reference it was placed under.")),
        text_input(TERMS, tr._("New payment terms (days)"), optional=True, max_length=3,
                   hint=tr._("Only for a payment terms change, e.g. 60.")),
        text_input(REASON, tr._("Reason"), multiline=True, max_length=MAX_REASON,
                   placeholder=tr._("why the customer needs it, e.g. larger orders for "
                                    "the Q1 season")),
    ]
    return modal(REQUEST_MODAL, RequestForm(channel=channel, typed=typed),
                 title=tr._("Request credit"),
                 submit=tr._("File request"), close=tr._("Cancel"), blocks=blocks)


def release_view(tr: Translator, *, channel: str | None, customer: str, shown: str,
                 order: str, typed: str | None = None) -> dict[str, Any]:
    """The form of an order release for a known held order: what is asked for, said,
    and the reason to write."""
    return modal(REQUEST_MODAL, RequestForm(channel=channel, typed=typed, customer=customer,
                                            order=order),
                 title=tr._("Request release"), submit=tr._("File request"),
                 close=tr._("Cancel"), blocks=[
                     section(tr._("Release order {order} of {customer}: the approvers its "
                                  "amount calls for decide.", order=order, customer=shown)),
                     text_input(REASON, tr._("Reason"), multiline=True, max_length=MAX_REASON,
                                placeholder=tr._("why it should ship, e.g. the customer "
                                                 "pays on delivery"))])


def open_request_modal(context: BoltContext, trigger_id: str, *, channel: str | None,
                       customer: str | None = None) -> None:
    deps: Deps = context["deps"]
    # Credit data is confidential: the form is no use to someone who may not file.
    deps.access.require(context["member"])
    open_modal(context, trigger_id, request_view(
        context["tr"], channel=channel, customer=customer, typed=form_word(context)))


def form_word(context: BoltContext) -> str | None:
    """The word the form keeps for the commands it names: the one its command was typed
    as when not the English one (`/credit 申请`); opened by a button, the Chinese one for
    a reader of Chinese, who was shown `/credit requests` in a Chinese form."""
    typed = str(context.get("typed_word") or "")
    if typed:
        return typed[:40] if not typed.isascii() else None
    tr: Translator = context["tr"]
    # Any word not in ASCII makes the commands named Chinese (Catalogue.written_like).
    return None if tr.locale.language == "en" else "申请"


def on_request_more(body: dict[str, Any], context: BoltContext) -> None:
    """The check card's *Request more credit*: the modal, with the card's customer."""
    channel = opened_in(body)
    open_request_modal(context, str(body.get("trigger_id") or ""), channel=channel,
                       customer=context["payload"].id)


def submit_request(view: dict[str, Any], context: BoltContext) -> Submitted:
    form: RequestForm = context["metadata"]
    if form.typed:
        context["typed_word"] = form.typed
    values = submitted(view)
    if form.order is not None:
        values = {**values, CUSTOMER: form.customer, KIND: RequestKind.ORDER_RELEASE.value,
                  ORDER: form.order}
    errors, made = _file(context, values)
    if made is None:
        if form.order is not None:
            # The release form shows the reason alone: what is wrong is said beside it.
            return {REASON: " ".join(dict.fromkeys(errors.values()))}
        return errors
    return lambda: confirm(context, form.channel, made)


def _file(context: BoltContext, values: dict[str, str | None]
          ) -> tuple[dict[str, str], CreditRequest | None]:
    """Files the request the fields describe; else the error beside each field that is
    wrong."""
    tr: Translator = context["tr"]
    deps: Deps = context["deps"]
    errors, filing = read_filing(values, tr, deps.requests.today())
    customer = values.get(CUSTOMER)
    if customer and CUSTOMER not in errors:
        # Checked with the others, so that every wrong field is shown at once: the
        # customer, whether the amount's currency has a rate to convert it with, and
        # what filing would refuse of the fields the form found nothing wrong with.
        _check(context, values, errors)
    if errors:
        return errors, None
    assert filing is not None
    try:
        return errors, deps.requests.file(context["member"], filing)
    except AccessDenied:
        raise
    except DomainError as refused:
        _beside(refused, errors, context)
        return errors, None


def _check(context: BoltContext, values: dict[str, str | None],
           errors: dict[str, str]) -> None:
    """Adds beside each field what filing would refuse of it, unless the form already
    says what is wrong there."""
    deps: Deps = context["deps"]
    tr: Translator = context["tr"]
    customer = values.get(CUSTOMER) or ""
    try:
        kind = RequestKind(values.get(KIND) or "")
    except ValueError:
        kind = None

    def kept(field: str) -> str | None:
        return None if field in errors else values.get(field)

    raw_day, raw_terms = kept(EXPIRES), kept(TERMS)
    try:
        if kind is None:
            deps.requests.customer(context["member"], customer)
        else:
            deps.requests.check(context["member"], Filing(
                customer=customer, kind=kind, reason=values.get(REASON) or "",
                amount=kept(AMOUNT), currency=canonical(kept(CURRENCY) or "") or None,
                expires_on=date.fromisoformat(raw_day) if raw_day else None,
                order_id=kept(ORDER),
                terms_days=int(raw_terms) if raw_terms and raw_terms.isdecimal() else None))
    except CustomerLookupError as unclear:
        errors[CUSTOMER] = field_error(in_a_form(unclear), tr)
    except MissingRate as missing:
        errors.setdefault(_currency_of(values)[1], field_error(missing, tr))
    except AccessDenied:
        raise
    except DomainError as refused:
        _beside(refused, errors, context)


def _beside(refused: DomainError, errors: dict[str, str], context: BoltContext) -> None:
    """Each of the refusal's problems beside its field, where the form has none yet; the
    commands they name as the form's own command was typed."""
    catalogue = context["catalogue"]
    commands_as_typed(refused, lambda name: catalogue.as_typed(context, name))
    problems = refused.problems if isinstance(refused, SeveralProblems) else (refused,)
    for problem in problems:
        errors.setdefault(_field_of(problem), field_error(problem, context["tr"]))


def read_filing(values: dict[str, str | None], tr: Translator, today: date
                ) -> tuple[dict[str, str], Filing | None]:
    """The filing the fields describe, or an error beside each field that is wrong."""
    errors: dict[str, str] = {}
    customer = values.get(CUSTOMER)
    if not customer:
        errors[CUSTOMER] = tr._("Which customer? Give an id or a name, e.g. acme.")
    try:
        kind = RequestKind(values.get(KIND) or "")
    except ValueError:
        errors[KIND] = tr._("Pick the kind of request.")
        kind = RequestKind.LIMIT_INCREASE
    amount = values.get(AMOUNT)
    # RMB and the like read as their ISO code (domain.currencies.ALIASES).
    currency = canonical(values.get(CURRENCY) or "") or None
    if kind in LIMIT_KINDS and not amount:
        errors[AMOUNT] = tr._("Give the new limit or the increase, e.g. 250000 or +100k.")
    elif kind in LIMIT_KINDS and amount and (currency is not None or not has_sign(amount)):
        # "$250k" with no currency given: what $ stands for is the customer's currency,
        # which the use case reads (its refusal comes back beside this field).
        try:
            one_currency(amount, read_amount(amount, LIMIT_TOO_LARGE, increase=True,
                                             implied=currency), currency)
        except AmountError as wrong:
            errors[AMOUNT] = field_error(wrong, tr)
    if currency is not None and not is_currency(currency):
        # "XYZ" is three letters too: what is wrong is that creditbot knows no such code.
        errors[CURRENCY] = tr._("“{code}” is not a currency code creditbot knows: write "
                                "one such as USD, EUR or CNY, or leave it empty.",
                                code=currency)
    expires = None
    raw_day = values.get(EXPIRES)
    if raw_day:
        try:
            expires = date.fromisoformat(raw_day)
        except ValueError:
            errors[EXPIRES] = tr._("Pick the last day in the calendar.")
    if kind is RequestKind.TEMPORARY_LIMIT and expires is None and EXPIRES not in errors:
        errors[EXPIRES] = tr._("A temporary limit needs its last day: pick it here.")
    elif raw_day and kind is not RequestKind.TEMPORARY_LIMIT and KIND not in errors:
        # Filed without it, the limit meant for a few days would be raised for good.
        errors[EXPIRES] = tr._("A last day is only for a temporary limit: pick “{kind}” as "
                               "the kind, or clear the last day.",
                               kind=kind_title(RequestKind.TEMPORARY_LIMIT, tr))
    elif expires is not None and expires < today and kind is RequestKind.TEMPORARY_LIMIT:
        # The words of every form's day to come (domain.days.upcoming_day_problem).
        errors[EXPIRES] = tr._("{day} has passed (today is {today}): pick today or a later "
                               "day.", day=expires, today=today)
    order = values.get(ORDER)
    if kind is RequestKind.ORDER_RELEASE and not order:
        errors[ORDER] = tr._("An order release needs the held order's id (CB-…) or its reference.")
    terms = None
    raw_terms = values.get(TERMS)
    if kind is RequestKind.TERMS_CHANGE:
        # isdecimal, not isdigit: "²" is a digit int() cannot read.
        if raw_terms is None or not raw_terms.strip().isdecimal():
            errors[TERMS] = tr._("Write the new payment terms as a whole number of days, "
                                 "e.g. 60.")
        else:
            terms = int(raw_terms.strip())
    reason = values.get(REASON)
    if not reason:
        errors[REASON] = tr._("Say why: a release needs a reason, e.g. the customer pays "
                              "on delivery.") if kind is RequestKind.ORDER_RELEASE else tr._(
            "Say why: a request needs a reason, e.g. larger orders for the Q1 season.")
    if errors:
        return errors, None
    return {}, Filing(customer=customer or "", kind=kind, reason=reason or "", amount=amount,
                      currency=currency, expires_on=expires, order_id=order,
                      terms_days=terms)


def _currency_of(values: dict[str, str | None]) -> tuple[str | None, str]:
    """The currency a limit is asked in and the field that says so: the currency
    field's, else the amount's own (``+€50k``, ``EUR 200k``); None for the customer's."""
    if values.get(KIND) not in {kind.value for kind in LIMIT_KINDS}:
        return None, CURRENCY  # the other kinds convert nothing
    given = canonical(values.get(CURRENCY) or "") or None
    amount = values.get(AMOUNT)
    if given is not None or not amount:
        return given, CURRENCY
    try:
        return read_amount(amount, LIMIT_TOO_LARGE, increase=True).currency, AMOUNT
    except AmountError:
        return None, AMOUNT


def _field_of(refused: DomainError) -> str:
    """The field a refusal of the use case is about (its parameters tell which)."""
    params = set(refused.params)
    if isinstance(refused, CustomerLookupError):
        return CUSTOMER
    if isinstance(refused, AmountError):
        return AMOUNT
    if isinstance(refused, MissingRate | CurrencyError):
        return CURRENCY
    if isinstance(refused, FilingRefused):
        if params & {"day", "example"}:
            return EXPIRES
        if "order" in params:
            return ORDER
        if params & {"low", "days"}:
            return TERMS
        if params == {"customer", "current"}:
            return KIND  # a first limit for a customer that has one
        if params == {"level", "role"}:
            # Nobody could decide a level of its route: the amount chose the route (it
            # showed beside the customer, who has nothing to do with it).
            return AMOUNT
        if params & {"new", "current"} or (not params and "limit" in refused.template):
            return AMOUNT
        if "limit" in params or not params:
            return REASON
    return CUSTOMER  # an open request about the same thing, a customer gone


def confirm(context: BoltContext, channel: str | None, made: CreditRequest) -> None:
    """The filing's confirmation, beside where the modal was opened, else by DM."""
    deps: Deps = context["deps"]
    text, blocks = filed(made, deps.requests, context["tr"],
                         context["catalogue"].as_typed(context, "requests"))
    tell(context, text, blocks, beside=channel)

