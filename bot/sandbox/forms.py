"""A Slack modal as a form the sandbox fills in: its input fields read from the view's
Block Kit (any modal, so a new form needs no sandbox change), answers typed as text
turned into what Slack would send, and the ``view.state`` of a submission.

Answers are typed the way a person would pick them: a select's option by its number or
label, a date as YYYY-MM-DD, a person as ``@name`` or a user id, several options or
people separated by commas.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from domain.days import read_day
from domain.text import Listed
from handlers.i18n import N_
from handlers.meetings.rsvp import parse_time

TEXT_KINDS = {"plain_text_input", "number_input", "email_text_input", "url_text_input",
              "rich_text_input"}
ONE_OPTION = {"static_select", "radio_buttons"}
MANY_OPTIONS = {"multi_static_select", "checkboxes"}
_MENTION = re.compile(r"^<@([A-Z0-9]+)(?:\|[^>]*)?>$")
_INTEGER = re.compile(r"^-?\d+$")
_DECIMAL = re.compile(r"^-?(\d+\.?\d*|\.\d+)$")
# What Slack's client says, without sending the form, of a required field left empty.
REQUIRED = N_("Please complete this required field.")


class BadAnswer(ValueError):
    """An answer that does not fit its field: a template to translate and its values."""

    def __init__(self, template: str, **params: Any) -> None:
        super().__init__(template)
        self.template = template
        self.params = params


@dataclass
class Field:
    block_id: str
    action_id: str
    kind: str
    label: str
    optional: bool
    hint: str | None = None
    placeholder: str | None = None
    multiline: bool = False
    max_length: int | None = None
    decimals: bool = False
    options: list[dict[str, Any]] = field(default_factory=list)
    # text, date, time or user id: a str; one option: its dict; several: a list
    value: Any = None
    error: str | None = None

    @property
    def empty(self) -> bool:
        return self.value in (None, "", [])


@dataclass
class Form:
    view: dict[str, Any]
    title: str
    submit: str | None
    close: str | None
    fields: list[Field]

    def find(self, name: str) -> Field | None:
        """A field by its number, its block id or its label (any case), or by the start
        of one field's label only (``next action`` for *Next action on*)."""
        name = name.strip()
        if name.isdigit() and 0 < int(name) <= len(self.fields):
            return self.fields[int(name) - 1]
        folded = " ".join(name.casefold().split())
        found = next((f for f in self.fields if f.block_id.casefold() == folded), None) or next(
            (f for f in self.fields if f.label.casefold() == folded), None)
        # Three letters at least start a label (two may start many); a Chinese label is
        # whole at two characters (金额, 类型), each a word.
        if found is not None or len(folded) < (2 if _wide(folded) else 3):
            return found
        starting = [f for f in self.fields if f.label.casefold().startswith(folded)]
        return starting[0] if len(starting) == 1 else None

    def unfilled(self) -> list[Field]:
        """The required fields left empty: Slack's client keeps the form open on them,
        marked, and sends the bot nothing."""
        return [f for f in self.fields if not f.optional and f.empty]

    def state(self) -> dict[str, Any]:
        """block_id → the element's state, as Slack sends it in ``view.state.values``
        (the driver passes a dict through as it is)."""
        return {f.block_id: _state_of(f) for f in self.fields}


def _wide(text: str) -> bool:
    return any("\u3400" <= c <= "\u9fff" for c in text)


def _plain(node: Any) -> str | None:
    if isinstance(node, dict) and isinstance(node.get("text"), str):
        return str(node["text"])
    return None


def form_of(view: Mapping[str, Any]) -> Form:
    fields = []
    for block in view.get("blocks") or []:
        element = block.get("element") if block.get("type") == "input" else None
        if not isinstance(element, dict):
            continue
        kind = str(element.get("type"))
        options = [o for group in element.get("option_groups") or []
                   for o in group.get("options") or []] or list(element.get("options") or [])
        found = Field(block_id=str(block.get("block_id")),
                      action_id=str(element.get("action_id") or "value"), kind=kind,
                      label=_plain(block.get("label")) or str(block.get("block_id")),
                      optional=bool(block.get("optional")), hint=_plain(block.get("hint")),
                      placeholder=_plain(element.get("placeholder")),
                      multiline=bool(element.get("multiline")),
                      max_length=element.get("max_length"),
                      decimals=bool(element.get("is_decimal_allowed")), options=options)
        found.value = _initial(element, kind)
        fields.append(found)
    return Form(view=dict(view), title=_plain(view.get("title")) or "",
                submit=_plain(view.get("submit")), close=_plain(view.get("close")),
                fields=fields)


def _initial(element: dict[str, Any], kind: str) -> Any:
    if kind in ONE_OPTION:
        return element.get("initial_option")
    if kind in MANY_OPTIONS:
        return list(element.get("initial_options") or [])
    if kind == "datepicker":
        return element.get("initial_date")
    if kind == "timepicker":
        return element.get("initial_time")
    if kind == "users_select":
        return element.get("initial_user")
    if kind == "multi_users_select":
        return list(element.get("initial_users") or [])
    return element.get("initial_value")


def _state_of(f: Field) -> dict[str, Any]:
    state: dict[str, Any] = {"type": f.kind}
    if f.kind in ONE_OPTION:
        state["selected_option"] = f.value
    elif f.kind in MANY_OPTIONS:
        state["selected_options"] = list(f.value or [])
    elif f.kind == "datepicker":
        state["selected_date"] = f.value
    elif f.kind == "timepicker":
        state["selected_time"] = f.value
    elif f.kind == "users_select":
        state["selected_user"] = f.value
    elif f.kind == "multi_users_select":
        state["selected_users"] = list(f.value or [])
    else:
        state["value"] = f.value
    return state


def fillable(f: Field) -> bool:
    return f.kind in TEXT_KINDS | ONE_OPTION | MANY_OPTIONS | {
        "datepicker", "timepicker", "users_select", "multi_users_select"}


def option_label(option: Mapping[str, Any]) -> str:
    return _plain(option.get("text")) or str(option.get("value"))


def shown_value(f: Field, name_of: Mapping[str, str]) -> str:
    """The field's value as the form shows it (empty: "")."""
    if f.empty:
        return ""
    if f.kind in ONE_OPTION:
        return option_label(f.value)
    if f.kind in MANY_OPTIONS:
        return ", ".join(option_label(o) for o in f.value)
    if f.kind == "users_select":
        return "@" + name_of.get(f.value, f.value)
    if f.kind == "multi_users_select":
        return ", ".join("@" + name_of.get(u, u) for u in f.value)
    return str(f.value)


def fill(f: Field, answer: str, people: Mapping[str, str]) -> None:
    """Sets the field from what was typed (``people``: user id → name); an empty answer
    empties it. Raises BadAnswer, leaving the field as it was, when the answer does not
    fit."""
    answer = answer.strip()
    if not answer:
        f.value = [] if f.kind in MANY_OPTIONS | {"multi_users_select"} else None
        f.error = None
        return
    if f.kind in ONE_OPTION:
        value: Any = _option(f, answer)
    elif f.kind in MANY_OPTIONS:
        value = [_option(f, part) for part in _parts(answer)]
    elif f.kind == "datepicker":
        value = _day(answer)
    elif f.kind == "timepicker":
        # As a Slack client takes it typed: 9:30, 0930, full-width from an IME (１５：００).
        at = parse_time(answer)
        if at is None:
            raise BadAnswer(N_("“{answer}” is not a time: write it as HH:MM, e.g. 09:30."),
                            answer=answer)
        value = at.strftime("%H:%M")
    elif f.kind == "users_select":
        value = _person(answer, people)
    elif f.kind == "multi_users_select":
        value = [_person(part, people) for part in _parts(answer)]
    elif f.kind in TEXT_KINDS:
        # One line of a script or a prompt: \n writes a line break in a multiline field.
        value = answer.replace("\\n", "\n") if f.multiline else answer
        # Slack's client checks these before the bot sees anything.
        if f.kind == "number_input" and not (_DECIMAL if f.decimals else _INTEGER).match(value):
            raise BadAnswer(N_("“{answer}” is not a number: write digits only, e.g. 60."),
                            answer=answer)
        if f.max_length and len(value) > f.max_length:
            raise BadAnswer(N_("That is {n} characters; this field takes at most {most}."),
                            n=len(value), most=f.max_length)
    else:
        raise BadAnswer(N_("The sandbox can't fill a field of type {kind}; leave it empty."),
                        kind=f.kind)
    f.value = value
    f.error = None


def _parts(answer: str) -> list[str]:
    # A Chinese input method types ， or 、 between the items.
    return [part.strip() for part in re.split("[,，、]", answer) if part.strip()]


def _option(f: Field, answer: str) -> dict[str, Any]:
    if answer.isdigit() and 0 < int(answer) <= len(f.options):
        return f.options[int(answer) - 1]
    folded = answer.casefold()
    for option in f.options:
        if folded in {option_label(option).casefold(), str(option.get("value")).casefold()}:
            return option
    choices = Listed(f"{i} {option_label(o)}" for i, o in enumerate(f.options, 1))
    raise BadAnswer(N_("“{answer}” is not one of the choices of “{field}”: write its number "
                       "or its label ({choices})."),
                    answer=answer, field=f.label, choices=choices)


def _day(answer: str) -> str:
    # Slack's date picker is a calendar; typed here, a day as the reader writes one
    # (2026年12月31日 too, as creditbot's Chinese messages show days).
    try:
        return read_day(answer).isoformat()
    except ValueError:
        raise BadAnswer(N_("“{answer}” is not a date: write it as YYYY-MM-DD, e.g. "
                           "2026-12-31."), answer=answer) from None


def _person(answer: str, people: Mapping[str, str]) -> str:
    mentioned = _MENTION.match(answer)
    wanted = (mentioned.group(1) if mentioned else answer.lstrip("@")).casefold()
    for user_id, name in people.items():
        if wanted in {user_id.casefold(), name.casefold()}:
            return user_id
    raise BadAnswer(N_("No one called “{answer}”: write @ and a user id, e.g. @{example} "
                       "(:who lists them)."),
                    answer=answer, example=next(iter(people.values()), "u01salesamy"))
