"""The worklist's buttons, the dispute post's *Resolve* and the legal case's *Record
outcome*: each opens its form (handlers.collections.modals) for whoever pressed it."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from slack_bolt import BoltContext

from domain.collections.day import AccountForm
from domain.collections.model import Dispute
from handlers.collections import modals
from handlers.collections.blocks import (
    DISPUTE,
    LEGAL,
    LOG,
    MORE,
    OUTCOME,
    PROMISE,
    RESOLVE,
    RESOLVE_OLDEST,
    AccountValue,
    DisputeFormValue,
    DisputeValue,
    PageValue,
)
from handlers.collections.collect import on_more
from handlers.deps import Deps
from handlers.modals import open_modal
from handlers.payloads import opened_in
from handlers.registry import Action


def _open(body: dict[str, Any], context: BoltContext, view: dict[str, Any]) -> None:
    open_modal(context, str(body.get("trigger_id") or ""), view)


def _account(context: BoltContext) -> AccountForm:
    """The account the pressed button names, refused before its form opens for whoever
    may not record against it (credit data is confidential too)."""
    deps: Deps = context["deps"]
    return deps.collecting.account_form(context["member"], context["payload"].customer)


def on_log(body: dict[str, Any], context: BoltContext) -> None:
    _open(body, context, modals.log_view(context["tr"], _account(context),
                                         context["member"].user_id, opened_in(body)))


def on_promise(body: dict[str, Any], context: BoltContext) -> None:
    _open(body, context, modals.promise_view(context["tr"], _account(context),
                                             opened_in(body)))


def on_dispute(body: dict[str, Any], context: BoltContext) -> None:
    deps: Deps = context["deps"]
    _open(body, context, modals.dispute_view(context["tr"], _account(context),
                                             deps.collecting.dispute_departments(),
                                             opened_in(body)))


def on_legal(body: dict[str, Any], context: BoltContext) -> None:
    _open(body, context, modals.legal_view(context["tr"], _account(context),
                                           opened_in(body)))


def on_resolve(body: dict[str, Any], context: BoltContext) -> None:
    deps: Deps = context["deps"]
    value: DisputeValue = context["payload"]
    # Refused before the form: nobody types an outcome only to be told it isn't theirs.
    _resolve_form(body, context, deps.collecting.may_resolve(
        context["member"], value.dispute, value.customer))


def on_resolve_oldest(body: dict[str, Any], context: BoltContext) -> None:
    deps: Deps = context["deps"]
    _resolve_form(body, context, deps.collecting.oldest_open_dispute(
        context["member"], context["payload"].customer))


def _resolve_form(body: dict[str, Any], context: BoltContext, dispute: Dispute) -> None:
    deps: Deps = context["deps"]
    value = DisputeFormValue(customer=dispute.customer_id, dispute=dispute.id,
                             channel=opened_in(body))
    _open(body, context, modals.resolve_view(
        context["tr"], value, deps.collecting.customer_names(dispute.customer_id), dispute,
        ZoneInfo(deps.timezone)))


def on_outcome(body: dict[str, Any], context: BoltContext) -> None:
    deps: Deps = context["deps"]
    customer = context["payload"].customer
    deps.collecting.may_record_legal_outcome(context["member"], customer)
    _open(body, context, modals.outcome_view(
        context["tr"], customer, deps.collecting.customer_names(customer), opened_in(body)))


ACTIONS = (
    Action(LOG, on_log, AccountValue),
    Action(PROMISE, on_promise, AccountValue),
    Action(DISPUTE, on_dispute, AccountValue),
    Action(LEGAL, on_legal, AccountValue),
    Action(MORE, on_more, PageValue),
    Action(RESOLVE, on_resolve, DisputeValue),
    Action(RESOLVE_OLDEST, on_resolve_oldest, AccountValue),
    Action(OUTCOME, on_outcome, AccountValue),
)
