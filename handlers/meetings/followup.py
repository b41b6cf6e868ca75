"""After the meeting: **Record minutes** (a button, or ``/credit minutes <meeting id>``)
opens the minutes form, and ``/credit minutes`` alone lists the meetings held lately
with that button; ``/credit tasks`` lists my open tasks with **Done**, which closes one
and redraws the list in place."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from typing import Any

from slack_bolt import BoltContext

from domain.errors import DomainError, FieldProblem
from domain.meetings.minutes import (
    ActionItem,
    AlreadyRecorded,
    MinutesRefused,
    item_field,
)
from domain.text import N_
from handlers.after_form import tell
from handlers.customer_hint import in_a_form
from handlers.deps import Deps
from handlers.errors import field_error
from handlers.errors import refused as refused_text
from handlers.i18n import Translator
from handlers.meetings import followup_blocks as blocks
from handlers.meetings.followup_payloads import (
    DONE,
    ITEM_ROWS,
    MINUTES_VIEW,
    RECORD_MINUTES,
    MinutesValue,
    TaskValue,
)
from handlers.modals import open_modal, submitted
from handlers.registry import Action, Subcommand, Submitted, View
from handlers.render import Message, message, section, user_text

_MEETING_ID = re.compile(r"#?(\d{1,30})")
# Meetings are numbered from 1 in a 32-bit column: a larger number names none.
_LAST_ID = 2**31 - 1


def _open_form(context: BoltContext, trigger_id: str, meeting_id: int) -> None:
    deps: Deps = context["deps"]
    tr: Translator = context["tr"]
    # Refused before the form: nobody types minutes only to be told they may not.
    meeting = deps.minutes.check(context["member"], meeting_id)
    so_far = deps.minutes.so_far([meeting.id]).get(meeting.id)
    open_modal(context, trigger_id, blocks.minutes_view(tr, meeting, deps.minutes.zone,
                                                        so_far))


def minutes_command(context: BoltContext, rest: str) -> Message:
    tr: Translator = context["tr"]
    if not rest.strip():
        deps: Deps = context["deps"]
        held = deps.minutes.recent(context["member"])
        return blocks.recent_meetings(tr, held, deps.minutes.zone,
                                      deps.minutes.so_far([m.id for m in held]),
                                      context["catalogue"].as_typed(context, "minutes"))
    found = _MEETING_ID.fullmatch(rest.strip())
    if found is not None and not 1 <= int(found.group(1)) <= _LAST_ID:
        # A number, but none a meeting has: said as such ("“0” is not a number" was not so).
        text = tr._("There is no meeting #{number}; `{minutes}` lists the meetings held "
                    "lately.", number=str(int(found.group(1))),
                    minutes=context["catalogue"].as_typed(context, "minutes"))
        return message(text, [section(text)])
    if found is None:
        text = tr._("`{command}` takes a meeting's number, e.g. `{command} 12`, or nothing "
                    "to list the meetings held lately; “{typed}” is not a number.",
                    typed=user_text(rest.strip(), 100),
                    command=context["catalogue"].as_typed(context, "minutes"))
        return message(text, [section(text)])
    _open_form(context, str(context.get("trigger_id") or ""), int(found.group(1)))
    return "", None


def on_record_minutes(body: dict[str, Any], context: BoltContext) -> None:
    value: MinutesValue = context["payload"]
    _open_form(context, str(body.get("trigger_id") or ""), value.meeting)


def _day(raw: str | None) -> date | None:
    try:
        return date.fromisoformat(raw) if raw else None
    except ValueError:
        return None


def _submission(view: dict[str, Any]) -> str | None:
    """The form's key: Slack keeps a view's id across its submissions."""
    view_id = view.get("id")
    return f"meetings.minutes:{view_id}" if isinstance(view_id, str) and view_id else None


def _hinted(problem: FieldProblem) -> DomainError:
    """An unknown or unclear customer, said with how to write one (an id or part of the
    name), in the words every command uses; other problems as they are."""
    return problem if problem.lookup is None else in_a_form(problem.lookup)


def submit_minutes(view: dict[str, Any], context: BoltContext) -> Submitted:
    deps: Deps = context["deps"]
    tr: Translator = context["tr"]
    meeting_id = context["metadata"].meeting
    values = submitted(view)
    items = [ActionItem(what=values.get(item_field("what", row)) or "",
                        owner=values.get(item_field("owner", row)),
                        due_on=_day(values.get(item_field("due", row))),
                        customer=values.get(item_field("customer", row)) or "")
             for row in range(ITEM_ROWS)]
    try:
        recorded = deps.minutes.record_minutes(context["member"], meeting_id,
                                               values.get("decisions") or "", items,
                                               submission=_submission(view))
    except AlreadyRecorded:
        return None  # the first submission answered; this one just closes the form
    except MinutesRefused as refused:
        # The problems name the form's block ids (``decisions``, ``due_2``…).
        return {where: field_error(_hinted(problem), tr)
                for where, problem in refused.by_field().items()}
    if not recorded.tasks:
        # "… with 0 action items; … each owner is told": there was nobody to tell.
        text = (tr._("Further minutes recorded for “{title}”, with no action items; they "
                     "are posted in the meeting's thread.", title=blocks.title(recorded.meeting))
                if recorded.further else
                tr._("Minutes recorded for “{title}”, with no action items; they are posted "
                     "in the meeting's thread.", title=blocks.title(recorded.meeting)))
        return _confirm(context, text)
    if recorded.further:
        text = tr.ngettext(
            "Further minutes recorded for “{title}” with {n} action item; they are posted "
            "in the meeting's thread and the owner is told.",
            "Further minutes recorded for “{title}” with {n} action items; they are posted "
            "in the meeting's thread and each owner is told.", len(recorded.tasks),
            title=blocks.title(recorded.meeting))
        return _confirm(context, text)
    text = tr.ngettext(
        "Minutes recorded for “{title}” with {n} action item; they are posted in the "
        "meeting's thread and the owner is told.",
        "Minutes recorded for “{title}” with {n} action items; they are posted in the "
        "meeting's thread and each owner is told.", len(recorded.tasks),
        title=blocks.title(recorded.meeting))
    return _confirm(context, text)


def _confirm(context: BoltContext, text: str) -> Callable[[], None]:
    """The confirmation, by direct message once the form closed."""
    return lambda: tell(context, text, [section(text)])


def _my_list(deps: Deps, tr: Translator, user_id: str, note: str | None = None) -> Message:
    tasks = deps.tasks
    return blocks.tasks_list(tr, tasks.mine(user_id), tasks.today(), tasks.zone, note,
                             others=tasks.others_to_close(user_id))


def tasks_command(context: BoltContext, _rest: str) -> Message:
    return _my_list(context["deps"], context["tr"], context["member"].user_id)


def on_done(body: dict[str, Any], context: BoltContext) -> None:
    deps: Deps = context["deps"]
    tr: Translator = context["tr"]
    value: TaskValue = context["payload"]
    user = context["member"].user_id
    try:
        done = deps.tasks.complete(user, value.task)
    except DomainError as refused:
        # Refused (not theirs, gone): told to them alone; the list they pressed on stays
        # as it was (it may be someone else's: it must not become theirs).
        context["reply"](refused_text(refused, tr))
        return
    note = blocks.done_note(tr, done.line, done.already, deps.tasks.zone)
    context["reply"](*_my_list(deps, tr, user, note), replace_original=True)


SUBCOMMANDS: tuple[Subcommand, ...] = (
    Subcommand("minutes", N_("record a meeting's minutes: decisions and action items, "
                             "which become tasks; alone, lists the meetings held lately"),
               "12", minutes_command, aliases=("纪要",)),
    Subcommand("tasks", N_("your open action items from meetings, the most overdue first, "
                           "each with a Done button; then those of the meetings you "
                           "organised"), "", tasks_command, aliases=("任务",),
               shows=True, takes_nothing=True),
)
ACTIONS: tuple[Action, ...] = (
    Action(RECORD_MINUTES, on_record_minutes, MinutesValue),
    Action(DONE, on_done, TaskValue),
)
VIEWS: tuple[View, ...] = (View(MINUTES_VIEW, MinutesValue, submit_minutes),)
