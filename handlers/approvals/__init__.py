"""Credit requests and approvals in Slack: ``/credit request`` and its modal,
``/credit requests``, the approval cards and their buttons, delegations, history."""

from __future__ import annotations

from domain.text import DatedPhrase
from handlers.approvals import answer, decide
from handlers.approvals.delegate_command import delegate
from handlers.approvals.history_command import PICK, history, on_pick
from handlers.approvals.jobs import JOB
from handlers.approvals.request_command import request
from handlers.approvals.request_modal import (
    REQUEST_MODAL,
    RequestForm,
    on_request_more,
    submit_request,
)
from handlers.approvals.requests_list import CANCEL, RequestValue, on_cancel, requests
from handlers.check.payloads import REQUEST_MORE, SubjectValue
from handlers.i18n import N_
from handlers.registry import Action, Feature, Subcommand, View

FEATURE = Feature(
    name="approvals",
    subcommands=(
        Subcommand("request", N_("ask for more credit: a new limit (250000, USD 250k) or an "
                                 "increase (+100k), then why; `until` and a day (YYYY-MM-DD) "
                                 "after the amount makes it a temporary limit through that "
                                 "day; a "
                                 "customer name with a number in it goes in quotes; alone, "
                                 "opens a form for every kind of request"),
                   N_("acme +100k larger Q1 orders"), request, aliases=("申请",)),
        Subcommand("requests", N_("credit requests waiting for your decision, and yours, "
                                  "with their state; cancel yours while open"), "", requests,
                   aliases=("我的申请", "申请列表"), shows=True, takes_nothing=True),
        Subcommand("delegate", N_("hand your approvals to a stand-in until a day; alone, "
                                  "shows delegations; `end` ends yours"),
                   DatedPhrase(N_("@mei until {until}")), delegate, aliases=("委托",)),
        Subcommand("history", N_("a customer's credit requests and decisions, held orders, "
                                 "collections and approved limit changes"), "acme", history,
                   aliases=("历史", "记录", "纪录"),
                   needs_argument=N_("a customer id or name"), shows=True),
    ),
    actions=(
        Action(REQUEST_MORE, on_request_more, SubjectValue),
        Action(CANCEL, on_cancel, RequestValue),
        Action(PICK, on_pick, SubjectValue, numbered=True),
        # The approval cards' buttons and their modals (handlers.approvals.decide), and
        # the requester's answer to a question (handlers.approvals.answer).
        *decide.ACTIONS,
        *answer.ACTIONS,
    ),
    views=(View(REQUEST_MODAL, RequestForm, submit_request), *decide.VIEWS, *answer.VIEWS),
    # chat:write: the approval cards and notes (the outbox sender posts and edits them)
    # and a request's confirmation. Its DM fallback needs im:write, which the outbox
    # sender's feature (handlers.delivery) declares already.
    scopes=("chat:write",),
    # Reminders, escalations, expiries and temporary limits' ends (handlers.approvals.jobs).
    jobs=(JOB,),
)

__all__ = ["FEATURE"]
