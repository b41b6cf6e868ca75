"""``/credit assign <customer> @person``, ``/credit unassign <customer>`` and the
*Assign collector* button (check card, alert digest line) with its modal: parse, call
the assignment use case, answer what happened."""

from __future__ import annotations

import re
from typing import Any

from pydantic import Field
from slack_bolt import BoltContext

from domain.access import AccessDenied
from domain.collections.use_cases import Assigned, AssignRefused, NotAnAssigner
from domain.errors import CustomerLookupError, DomainError
from domain.people import TYPED_USER_ID
from handlers.after_form import tell
from handlers.check.blocks import names
from handlers.customer_hint import which_customer
from handlers.deps import Deps
from handlers.errors import explain
from handlers.i18n import N_, Translator
from handlers.modals import modal, open_modal, submitted, user_input
from handlers.payloads import CHANNEL_ID, ERP_ID, ActionValue, opened_in
from handlers.registry import Submitted
from handlers.render import Message, erp_text, mention, message, section

ASSIGN_MODAL = "collections_assign"
COLLECTOR = "collector"
NAME = 200

USAGE = N_("Write the customer, then the collector, e.g. `{command} acme @maria` "
           "(or their Slack user id, `{command} C0002 U0123ABCDE`).")
# What Slack sends for a picked person (``<@U…|name>``, ``<@U…>``), or a bare user id
# typed at the end, with or without an @.
_MENTION = re.compile(r"^(?P<customer>.*?)\s*<@(?P<user>[UW][A-Z0-9]{2,})(?:\|[^>]*)?>\s*$",
                      re.DOTALL)
_BARE = re.compile(rf"^(?P<customer>.*?)\s+@?(?P<user>{TYPED_USER_ID})\s*$",
                   re.DOTALL | re.IGNORECASE)
# Every person named anywhere in the text: more than one is refused, not the last taken.
_PEOPLE = re.compile(rf"<@[UW][A-Z0-9]{{2,}}(?:\|[^>]*)?>|(?<!\S)@?{TYPED_USER_ID}(?!\S)",
                     re.IGNORECASE)
# Text after ``assign`` with no person in it: the customer alone, or a name Slack did not
# make a mention of ("maria" without the @).
NO_COLLECTOR = N_("“{typed}” names no collector: after the customer, type @ and pick the "
                  "person from Slack's list, e.g. `{command} acme @maria`, or give their "
                  "Slack user id such as U0123ABCDE.")
ONE_PERSON = N_("Name one person: an account has one collector, e.g. `{command} acme "
                "@maria`.")
# Someone typed "@maria" and Slack did not turn it into a mention (unknown name).
_TYPED = re.compile(r"^(?P<customer>.*?)\s+(?P<user>@\S+)\s*$", re.DOTALL)


def split_assign(text: str) -> tuple[str, str] | None:
    """(customer, collector) from what was typed after ``assign``; None without both."""
    for pattern in (_MENTION, _BARE, _TYPED):
        found = pattern.match(text.strip())
        if found and found["customer"].strip():
            user = found["user"]
            return found["customer"].strip(), user if user.startswith("@") else user.upper()
    return None


def several_people(text: str) -> bool:
    return len(_PEOPLE.findall(text)) > 1


def people_in(text: str) -> tuple[list[str], str]:
    """The user ids of everyone ``text`` names (a person picked from Slack's list, or a
    typed id), and the text without them."""
    found = []
    for token in _PEOPLE.findall(text):
        user = token[2:-1].split("|")[0] if token.startswith("<@") else token.lstrip("@")
        found.append(user.upper())
    return found, _PEOPLE.sub(" ", text)


def answer(done: Assigned, tr: Translator, unassign: str = "/credit unassign") -> Message:
    """What was assigned; ``unassign``: that command as the person would write it (the
    Chinese alias for who typed `/credit 分配`)."""
    customer = done.customer
    name = erp_text(names(customer, tr)[0], NAME)
    cid = erp_text(customer.customer_id, 64)
    collector = mention(done.assignment.collector)
    if done.previous:
        text = tr._("{name} ({id}) is now collected by {collector} instead of {previous}; "
                    "both were told by direct message.", name=name, id=cid,
                    collector=collector, previous=mention(done.previous))
    else:
        text = tr._("{name} ({id}) is now collected by {collector}, who was told by direct "
                    "message with the account's card.", name=name, id=cid,
                    collector=collector)
    if done.nothing_overdue:
        text = tr.sentences(text, tr._("Nothing of it is overdue now: `{command} {id}` "
                                       "takes it off their list if it was a slip.",
                                       command=unassign, id=cid))
    return message(text, [section(text)])


def assign(context: BoltContext, text: str) -> Message:
    deps: Deps = context["deps"]
    tr: Translator = context["tr"]
    # Examples as the command was typed: `/credit 分配 acme @maria` after 分配.
    command = context["catalogue"].as_typed(context, "assign")
    if several_people(text):
        refusal = tr._(ONE_PERSON, command=command)
        return message(refusal, [section(refusal)])
    typed = split_assign(text)
    if typed is None:
        usage = explain(AssignRefused(NO_COLLECTOR, typed=text.strip()[:100],
                                      command=command), tr) \
            if text.strip() else tr._(USAGE, command=command)
        return message(usage, [section(usage)])
    try:
        done = deps.assignments.assign(context["member"], *typed)
    except NotAnAssigner as refused:
        reply = explain(refused, tr)
        return message(reply, [section(reply)])
    except CustomerLookupError as unclear:
        raise which_customer(unclear, context["catalogue"].typed_name(context, "assign"),
                             "@maria") from None
    return answer(done, tr, context["catalogue"].as_typed(context, "unassign"))


def unassign(context: BoltContext, text: str) -> Message:
    deps: Deps = context["deps"]
    tr: Translator = context["tr"]
    assign_command = context["catalogue"].as_typed(context, "assign")
    try:
        done = deps.assignments.unassign(context["member"], text.strip())
    except NotAnAssigner as refused:
        reply = explain(refused, tr)
        return message(reply, [section(reply)])
    except CustomerLookupError as unclear:
        raise which_customer(unclear, context["catalogue"].typed_name(context, "unassign")
                             ) from None
    name = erp_text(names(done.customer, tr)[0], NAME)
    reply = tr._("Nobody collects {name} ({id}) now; {collector} was told. The morning "
                 "alerts leave it unassigned until one of its invoices falls due again; "
                 "`{command}` gives it a collector before that.", name=name,
                 command=assign_command, id=erp_text(done.customer.customer_id, 64),
                 collector=mention(done.previous or done.assignment.collector))
    return message(reply, [section(reply)])


class AssignForm(ActionValue):
    """The customer the modal assigns, and where it was opened (for the answer). Never
    trusted for access: the use case checks the person again."""

    customer: str = Field(pattern=ERP_ID)
    channel: str | None = Field(default=None, pattern=CHANNEL_ID)


def assign_view(tr: Translator, form: AssignForm, customer_name: str,
                current: str | None = None) -> dict[str, Any]:
    # Who collects it now, so a reassignment is made knowingly.
    now = tr._("Collected now by {collector}.", collector=mention(current)) if current \
        else tr._("Nobody collects it yet.")
    blocks = [
        section(tr._("Who collects *{name}* ({id}) from now on? They get the account's "
                     "card by direct message.", name=erp_text(customer_name, NAME),
                     id=erp_text(form.customer, 64)) + "\n" + now),
        user_input(COLLECTOR, tr._("Collector")),
    ]
    return modal(ASSIGN_MODAL, form, title=tr._("Assign collector"), submit=tr._("Assign"),
                 close=tr._("Cancel"), blocks=blocks)


def on_assign_collector(body: dict[str, Any], context: BoltContext) -> None:
    """*Assign collector*: the modal with a person picker, for the pressed customer.
    Someone who may not assign is told so instead of getting a form they cannot use."""
    deps: Deps = context["deps"]
    tr: Translator = context["tr"]
    member = context["member"]
    if not deps.assignments.may_assign(member):
        deps.access.require(member)
        context["reply"](explain(NotAnAssigner(tuple(sorted(
            deps.assignments.rules.assigners))), tr))
        return
    customer_id = context["payload"].id
    channel = opened_in(body)
    customer = deps.assignments.customer(member, customer_id)
    form = AssignForm(customer=customer.customer_id, channel=channel)
    current = deps.assignments.assignment_of(member, customer.customer_id)
    open_modal(context, str(body.get("trigger_id") or ""),
               assign_view(tr, form, names(customer, tr)[0],
                           current.collector if current else None))


def submit_assign(view: dict[str, Any], context: BoltContext) -> Submitted:
    tr: Translator = context["tr"]
    deps: Deps = context["deps"]
    form: AssignForm = context["metadata"]
    collector = submitted(view).get(COLLECTOR)
    if not collector:
        return {COLLECTOR: tr._("Pick the person who collects this account.")}
    try:
        done = deps.assignments.assign(context["member"], form.customer, collector)
    except AccessDenied:
        raise
    except DomainError as refused:
        return {COLLECTOR: explain(refused, tr)}
    return lambda: confirm(context, form.channel, done)


def confirm(context: BoltContext, channel: str | None, done: Assigned) -> None:
    """The answer, beside where the modal was opened, else by direct message."""
    text, blocks = answer(done, context["tr"])
    tell(context, text, blocks, beside=channel)
