"""Collections in Slack. Assignments (``assign*``): ``/credit assign``, ``/credit
unassign``, the *Assign collector* button and its modal, and the direct messages an
assignment sends; the automatic assignment runs in the alerts job."""

from __future__ import annotations

from handlers.check.payloads import ASSIGN_COLLECTOR, SubjectValue
from handlers.collections.actions import ACTIONS as DAY_ACTIONS
from handlers.collections.assign import (
    ASSIGN_MODAL,
    AssignForm,
    assign,
    on_assign_collector,
    submit_assign,
    unassign,
)
from handlers.collections.collect import collect
from handlers.collections.jobs import JOB as COLLECTIONS_JOB
from handlers.collections.modals import VIEWS as DAY_VIEWS
from handlers.i18n import N_
from handlers.registry import Action, Feature, Subcommand, View

ASSIGN_SUBCOMMANDS = (
    Subcommand("assign", N_("make someone responsible for collecting an account; they get "
                            "its card by direct message"),
               "acme @maria", assign, aliases=("分配",),
               needs_argument=N_("a customer and a person")),
    Subcommand("unassign", N_("take an account off its collector"), "acme", unassign,
               aliases=("取消分配",), needs_argument=N_("a customer")),
)

# The collector's day (D2): /credit collect, the worklist's buttons and forms, the job.
DAY_SUBCOMMANDS = (
    Subcommand("collect", N_("your accounts to collect, most urgent first, with buttons to "
                             "log an action, record a promise to pay or a dispute, or "
                             "escalate to legal; a number shows that page, and the "
                             "collections lead names a collector (@maria) to see theirs"),
               "2", collect,
               aliases=("催收",), shows=True,
               done_by=("promise", "promises", "dispute", "disputes", "escalate", "legal",
                        "dunning", "承诺", "付款承诺", "争议", "法务", "升级")),
)

FEATURE = Feature(
    name="collections",
    subcommands=(*ASSIGN_SUBCOMMANDS, *DAY_SUBCOMMANDS),
    actions=(Action(ASSIGN_COLLECTOR, on_assign_collector, SubjectValue), *DAY_ACTIONS),
    views=(View(ASSIGN_MODAL, AssignForm, submit_assign), *DAY_VIEWS),
    jobs=(COLLECTIONS_JOB,),
    # chat:write: the collectors' direct messages (the outbox sender posts them;
    # handlers.delivery declares im:write, which opens them).
    scopes=("commands", "chat:write"),
)

__all__ = ["FEATURE"]
