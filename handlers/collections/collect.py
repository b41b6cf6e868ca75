"""``/credit collect [@collector] [page]``: the collector's worklist, and its *More*
button. The collections lead and those who assign accounts may name a collector to see
their list."""

from __future__ import annotations

from typing import Any

from slack_bolt import BoltContext

from domain.collections.refusals import NotAnOverseer
from handlers.collections.assign import people_in
from handlers.collections.blocks import PageValue, worklist
from handlers.deps import Deps
from handlers.errors import explained
from handlers.i18n import Translator
from handlers.render import Message, message, section, user_text


def _page(words: list[str]) -> int | None:
    """The page number ``words`` are, if they are one (none at all: the first)."""
    if not words:
        return 1
    if len(words) == 1 and words[0].isdigit() and 0 < int(words[0]) < 10_000:
        return int(words[0])
    return None


def collect(context: BoltContext, rest: str) -> Message:
    tr: Translator = context["tr"]
    people, others = people_in(rest)
    words = others.split()
    typed = next((word for word in words if word.startswith("@")), None)
    if typed is not None:
        # "@maria" that Slack did not make a mention of: a name nobody picked.
        text = tr._("“{typed}” names nobody: type @ and pick the collector from Slack's "
                    "list, or give their user id, e.g. `{command} U0123ABCDE`.",
                    typed=user_text(typed, 100),
                    command=context["catalogue"].as_typed(context, "collect"))
        return message(text, [section(text)])
    page = _page(words)
    if page is None or len(people) > 1:
        text = tr._("`{command}` takes a page number or nothing, e.g. `{command} 2`; the "
                    "collections lead names a collector too, e.g. `{command} @maria`. "
                    "“{typed}” is not one.", typed=user_text(rest.strip(), 100),
                    command=context["catalogue"].as_typed(context, "collect"))
        return message(text, [section(text)])
    return _listed(context, page, people[0] if people else None)


def _listed(context: BoltContext, page: int, collector: str | None) -> Message:
    deps: Deps = context["deps"]
    tr: Translator = context["tr"]
    try:
        listed = deps.collecting.worklist(context["member"], page, collector)
    except NotAnOverseer as refused:
        text = explained(refused, context)
        return message(text, [section(text)])
    shown = listed.page
    # Past the end, the last page is shown, and said to be the last.
    note = tr.ngettext("There is only {n} page; here it is.",
                       "There are only {n} pages; here is the last.", shown.pages
                       ) if page > shown.number and shown.total else None
    return worklist(listed, tr, note, may_assign=deps.assignments.may_assign(
        context["member"]), viewer=context["member"].user_id,
        assign=context["catalogue"].as_typed(context, "assign"))


def on_more(body: dict[str, Any], context: BoltContext) -> None:
    value: PageValue = context["payload"]
    context["reply"](*_listed(context, value.page, value.collector), replace_original=True)
