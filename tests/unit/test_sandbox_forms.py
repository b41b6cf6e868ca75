"""Any modal as a sandbox form: every kind of input Slack has, typed as text, and the
submission's state; drawing it; the answers the bot gives a submission."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from bot.config import load_config
from bot.sandbox import chat
from bot.sandbox.driver import HttpResult
from bot.sandbox.forms import BadAnswer, fill, form_of
from bot.sandbox.render import render_form
from handlers.i18n import translator
from tests.conftest import ROOT

PEOPLE = {"U01SALESAMY": "u01salesamy", "U02CREDITMG": "u02creditmg"}


def _text(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text}


def _option(value: str, label: str) -> dict[str, Any]:
    return {"text": _text(label), "value": value}


def _input(block_id: str, label: str, element: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"type": "input", "block_id": block_id, "label": _text(label),
            "element": {"action_id": "pick", **element}, **extra}


CHANNELS = [_option("sms", "Text message"), _option("mail", "Letter"), _option("call", "Call")]
VIEW = {
    "type": "modal", "callback_id": "log_action", "private_metadata": "{}",
    "title": _text("Log action"), "submit": _text("Save"), "close": _text("Cancel"),
    "blocks": [
        {"type": "section", "text": {"type": "mrkdwn", "text": "*Acme Packaging* · C0002"}},
        _input("how", "How", {"type": "radio_buttons", "options": CHANNELS,
                              "initial_option": CHANNELS[2]}),
        _input("invoices", "Invoices", {"type": "checkboxes", "options": [
            _option("I1", "INV-1"), _option("I2", "INV-2")]}, optional=True),
        _input("tags", "Tags", {"type": "multi_static_select", "option_groups": [
            {"label": _text("Mood"), "options": [_option("calm", "Calm"),
                                                 _option("angry", "Angry")]}]},
               optional=True, hint=_text("Pick any")),
        _input("who", "Collector", {"type": "users_select", "initial_user": "U02CREDITMG"}),
        _input("cc", "Copy to", {"type": "multi_users_select"}, optional=True),
        _input("at", "At", {"type": "timepicker"}, optional=True),
        _input("count", "Calls made", {"type": "number_input", "is_decimal_allowed": False}),
        _input("note", "Note", {"type": "plain_text_input", "multiline": True,
                                "initial_value": "first line"}),
        _input("where", "Channel", {"type": "channels_select"}, optional=True),
    ],
}


def test_every_kind_of_input_is_read_from_the_view_with_its_initial_value():
    form = form_of(VIEW)
    assert (form.title, form.submit, form.close) == ("Log action", "Save", "Cancel")
    assert [(f.block_id, f.kind, f.label, f.optional) for f in form.fields] == [
        ("how", "radio_buttons", "How", False), ("invoices", "checkboxes", "Invoices", True),
        ("tags", "multi_static_select", "Tags", True), ("who", "users_select", "Collector", False),
        ("cc", "multi_users_select", "Copy to", True), ("at", "timepicker", "At", True),
        ("count", "number_input", "Calls made", False), ("note", "plain_text_input", "Note", False),
        ("where", "channels_select", "Channel", True)]
    assert form.state() == {
        "how": {"type": "radio_buttons", "selected_option": CHANNELS[2]},
        "invoices": {"type": "checkboxes", "selected_options": []},
        "tags": {"type": "multi_static_select", "selected_options": []},
        "who": {"type": "users_select", "selected_user": "U02CREDITMG"},
        "cc": {"type": "multi_users_select", "selected_users": []},
        "at": {"type": "timepicker", "selected_time": None},
        "count": {"type": "number_input", "value": None},
        "note": {"type": "plain_text_input", "value": "first line"},
        "where": {"type": "channels_select", "value": None}}


def test_a_chinese_reader_names_a_field_by_two_characters_and_parts_items_as_chinese_does():
    # 金额 started no label (three characters at least), and 信用管理部，销售部 was one item.
    import copy

    view = copy.deepcopy(VIEW)
    labels = {"tags": "标签（可多选）", "note": "备注"}
    for block in view["blocks"]:
        if block.get("block_id") in labels:
            block["label"]["text"] = labels[block["block_id"]]
    form = form_of(view)
    tags = form.find("标签")
    assert tags is not None and tags.block_id == "tags"
    fill(tags, "angry，calm", PEOPLE)
    assert [o["value"] for o in form.state()["tags"]["selected_options"]] == ["angry", "calm"]
    assert form.find("备") is None  # one character starts too much


def test_answers_typed_as_text_become_what_slack_sends():
    form = form_of(VIEW)
    for name, answer in [("how", "letter"), ("2", "1, INV-2"), ("tags", "angry,calm"),
                         ("Collector", "@U01SALESAMY"), ("cc", "<@U02CREDITMG>, u01salesamy"),
                         ("at", "09:30"), ("count", "3"), ("note", "called\\nno answer")]:
        found = form.find(name)
        assert found is not None, name
        fill(found, answer, PEOPLE)
    state = form.state()
    assert state["how"]["selected_option"] == CHANNELS[1]
    assert state["invoices"]["selected_options"] == [_option("I1", "INV-1"),
                                                     _option("I2", "INV-2")]
    assert [o["value"] for o in state["tags"]["selected_options"]] == ["angry", "calm"]
    assert state["who"]["selected_user"] == "U01SALESAMY"
    assert state["cc"]["selected_users"] == ["U02CREDITMG", "U01SALESAMY"]
    assert state["at"]["selected_time"] == "09:30"
    assert state["count"]["value"] == "3"
    assert state["note"]["value"] == "called\nno answer"
    # Typed as a Chinese input method writes it, or without the colon.
    for typed in ("１５：００", "1500", "15.00"):
        fill(form.find("at"), typed, PEOPLE)  # type: ignore[arg-type]
        assert form.state()["at"]["selected_time"] == "15:00"
    fill(form.find("at"), "9:05", PEOPLE)  # type: ignore[arg-type]
    assert form.state()["at"]["selected_time"] == "09:05"
    fill(form.fields[0], "", PEOPLE)  # an empty answer empties the field
    fill(form.fields[1], "", PEOPLE)
    assert form.state()["how"]["selected_option"] is None
    assert form.state()["invoices"]["selected_options"] == []


@pytest.mark.parametrize(("name", "answer", "message"), [
    ("how", "4", "“4” is not one of the choices of “How”: write its number or its label "
                 "(1 Text message, 2 Letter, 3 Call)."),
    ("invoices", "1, INV-9", "“INV-9” is not one of the choices of “Invoices”: write its "
                             "number or its label (1 INV-1, 2 INV-2)."),
    ("who", "@maria", "No one called “@maria”: write @ and a user id, e.g. @u01salesamy "
                      "(:who lists them)."),
    ("at", "9h30", "“9h30” is not a time: write it as HH:MM, e.g. 09:30."),
    ("at", "24:00", "“24:00” is not a time: write it as HH:MM, e.g. 09:30."),
    ("where", "#sales", "The sandbox can't fill a field of type channels_select; leave it "
                        "empty."),
])
def test_an_answer_that_does_not_fit_says_how_to_write_it_and_changes_nothing(
        name, answer, message):
    form = form_of(VIEW)
    field = form.find(name)
    assert field is not None
    before = form.state()
    with pytest.raises(BadAnswer) as bad:
        fill(field, answer, PEOPLE)
    assert translator("en-US")._(bad.value.template, **bad.value.params) == message
    assert form.state() == before


def test_the_form_is_drawn_with_its_blocks_fields_choices_and_errors():
    form = form_of(VIEW)
    form.fields[3].error = "Pick a collector who may see credit data."
    console = Console(record=True, width=100)
    render_form(console, form, lambda slack_id: slack_id, PEOPLE, translator("en-US"))
    drawn = "\n".join(line.rstrip() for line in console.export_text().splitlines())
    assert drawn == """ Log action  (a form)
Acme Packaging · C0002
1. How [how]
    ○ 1) Text message   ○ 2) Letter   ● 3) Call
2. Invoices [invoices]  (optional)
    ○ 1) INV-1   ○ 2) INV-2
3. Tags [tags]  (optional)
    ○ 1) Calm   ○ 2) Angry
    Pick any
4. Collector [who]
    @u02creditmg
    ⚠ Pick a collector who may see credit data.
5. Copy to [cc]  (optional)
    empty
6. At [at]  (optional)
    empty
7. Calls made [count]
    empty
8. Note [note]
    first line
9. Channel [where]  (optional)
    empty
    The sandbox can't fill a field of type channels_select; leave it empty.
 Save     Cancel"""


class ScriptedDriver:
    """Answers each submission with the next of ``answers``, recording what was sent."""

    def __init__(self, answers: list[str]) -> None:
        self.answers = answers
        self.sent: list[dict[str, Any]] = []

    def submit(self, user: str, view: dict[str, Any], values: dict[str, Any]) -> HttpResult:
        self.sent.append(values)
        return HttpResult(200, self.answers.pop(0))


def test_errors_then_an_updated_view_then_a_note_are_each_shown_next(tmp_path: Path):
    import json

    note = {"type": "modal", "title": _text("Log action"), "close": _text("OK"),
            "blocks": [{"type": "section", "text": {"type": "mrkdwn",
                                                    "text": "Someone logged it first."}}]}
    second = {**VIEW, "title": _text("Next step"), "blocks": [
        _input("step", "Next step", {"type": "plain_text_input"})]}
    driver = ScriptedDriver([
        json.dumps({"response_action": "errors",
                    "errors": {"count": "Write a whole number.", "ghost": "Gone."}}),
        json.dumps({"response_action": "update", "view": second}),
        json.dumps({"response_action": "update", "view": note}),
    ])
    console = Console(record=True, width=120)
    sandbox = chat.Sandbox(load_config(ROOT / "app.yaml"), console, tmp_path)
    sandbox._feed = iter([":submit", "count: x", "count: 2", ":submit", "count: 3", ":submit",
                          "step: call again", ":submit"])
    state = chat.ChatState(chat.Person("U01SALESAMY", "U01SALESAMY (sales)"), "C01SALES000")
    sandbox._form(VIEW, state, driver)  # type: ignore[arg-type]
    text = console.export_text()
    # Slack's client keeps the form on a required field left empty, and on what is no
    # number in a number field: the bot gets neither.
    assert ("7. Calls made [count]\n    empty\n    ⚠ Please complete this required field.\n"
            in text)
    assert "form> count: x\n“x” is not a number: write digits only, e.g. 60.\n" in text
    assert "    ⚠ Write a whole number.\n" in text
    assert "ghost: Gone." in text  # an error for no field of the form is said anyway
    assert [sent["count"]["value"] for sent in driver.sent[:2]] == ["2", "3"]
    assert driver.sent[2] == {"step": {"type": "plain_text_input", "value": "call again"}}
    assert " Next step  (a form)\n1. Next step [step]\n" in text
    assert text.rstrip().endswith(" Log action  (a form)\nSomeone logged it first.\n OK")


def test_a_field_is_found_by_the_start_of_its_label_when_only_one_starts_so():
    # "next action: 15/12/2026" for *Next action on* was "fills in no field of this form",
    # so the wrong date was never checked and the next step silently kept its old date.
    form = form_of(VIEW)

    def found(name: str) -> str | None:
        field = form.find(name)
        return None if field is None else field.block_id

    assert [found(n) for n in ("calls", "  Copy ", "col", "cha", "INVO")] == [
        "count", "cc", "who", "where", "invoices"]
    # Too short to tell, or the start of no label.
    assert [found(n) for n in ("co", "c", "calls made twice", "mood")] == [None] * 4
