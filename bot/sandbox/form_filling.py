"""A form the bot opened, filled in at the terminal (or from a script's FIELD: VALUE
lines) and submitted as Slack would, until it closes."""

from __future__ import annotations

import itertools
import re
from typing import Any

from rich.markup import escape as rich_escape

from bot.sandbox.driver import SlackDriver
from bot.sandbox.forms import REQUIRED, BadAnswer, Form, fill, fillable, form_of, shown_value
from bot.sandbox.forms import Field as FormField
from bot.sandbox.render import render_form
from bot.sandbox.session import ANSWER_SECONDS, ChatState, SandboxBase
from handlers.i18n import N_

# A field's name as a script writes it before its colon ("amount: 10k", "金额：10k"), in
# any script, not a sentence's start ("Customer says: pays Friday").
_NAME = re.compile(r"[^\W\d][\w-]{0,30}")
# The colon after it: a Chinese input method types the full-width one.
_COLON = re.compile(r"([:：])")

SCRIPT_FORM = N_("Fill it in with lines FIELD: VALUE (the field's number, the id in "
                 "brackets or its label), then :submit; :cancel closes it.")
ASK_FORM = N_("Answer each field: Enter keeps its value, - empties it, :submit sends the "
              "form as it is, :cancel closes it.")


class FormFilling(SandboxBase):
    """Show, fill in and submit the modals the bot opens."""

    def _form(self, view: dict[str, Any], state: ChatState, driver: SlackDriver) -> None:
        """Shows the modal the bot opened as a form, has it filled in and submits it as
        Slack would, until it closes: field errors are shown beside their fields and
        asked again; a view the bot answers with (``response_action: update``) is the
        next form."""
        user = state.user.user_id
        form = form_of(view)
        only_errors = False
        while True:
            self.console.print("[bold magenta]creditbot[/] [dim]" + self.tr._(
                "(opened a form, only you can see it)") + "[/dim]")
            render_form(self.console, form, self._name, self._people(), self.tr)
            self.console.print()
            if not form.submit:  # a note: the person can only close it
                return
            action = self._fill(form, only_errors)
            if action is None:
                self.console.print("[yellow]" + self.tr._(
                    "The input ended with the form open: nothing was submitted.")
                    + "[/yellow]")
                return
            if action == ":cancel":
                self.console.print("[dim]" + self.tr._("You closed the form without "
                                                       "submitting it.") + "[/dim]")
                return
            self.console.print("[dim]" + self.tr._("… pressed “{label}”",
                                                   label=rich_escape(form.submit)) + "[/dim]")
            unfilled = form.unfilled()
            if unfilled:
                for f in unfilled:
                    f.error = self.tr._(REQUIRED)
                only_errors = True
                continue
            result = driver.submit(user, form.view, form.state())
            if result.status != 200:
                raise AssertionError(f"the bot answered HTTP {result.status}: {result.body}")
            answer: dict[str, Any] = (result.json() if result.body.strip().startswith("{")
                                      else None) or {}
            kind = answer.get("response_action")
            if kind == "errors":
                self._mark_errors(form, answer.get("errors") or {})
                only_errors = True
            elif kind in {"update", "push"} and isinstance(answer.get("view"), dict):
                form, only_errors = form_of(answer["view"]), False
            else:  # closed (an empty answer, or response_action: clear)
                self.console.print("[dim]" + self.tr._("The form closed.") + "[/dim]")
                # What the submission does after Slack's answer (a confirmation) is
                # shown with this line's other news.
                self.background.settle(ANSWER_SECONDS)
                return

    def _mark_errors(self, form: Form, errors: dict[str, str]) -> None:
        for f in form.fields:
            f.error = errors.get(f.block_id)
        known = {f.block_id for f in form.fields}
        for block_id, error in errors.items():
            if block_id not in known:  # Slack would show it nowhere: say so here
                self.console.print("[red]" + rich_escape(f"{block_id}: {error}") + "[/red]")

    def _fill(self, form: Form, only_errors: bool) -> str | None:
        """Fills the form in: ":submit", ":cancel", or None when the input ended."""
        people = self._people()
        if self._feed is not None:
            self.console.print("[dim]" + rich_escape(self.tr._(SCRIPT_FORM)) + "[/dim]")
            while True:
                line = self._next_line(self.tr._("form") + "> ")
                if line is None or line in {":submit", ":cancel"}:
                    return line
                if line.startswith(("/", ":")):
                    # A command, not a field: the script went on past a form the bot
                    # refused. The form is closed and the command runs, rather than every
                    # line after it being taken for a field.
                    self.console.print("[yellow]" + rich_escape(self.tr._(
                        "“{line}” is a command, not a field: the form is closed without "
                        "being submitted, and the command runs.", line=line)) + "[/yellow]")
                    self._feed = itertools.chain([line], self._feed)
                    return ":cancel"
                name, colon, typed = _COLON.split(line, 1) if _COLON.search(line) \
                    else (line, "", "")
                found = form.find(name) if colon and name.strip() else None
                fillables = [f for f in form.fields if fillable(f)]
                if found is None and len(fillables) == 1:
                    # One field to fill (a release's reason): the line is its value.
                    found, typed = fillables[0], line
                    if colon and _NAME.fullmatch(name.strip()):
                        # "amount: 10k" in a form that asks the reason alone was taken
                        # as the reason, silently: a script's author thought it set.
                        self.console.print("[yellow]" + rich_escape(self.tr._(
                            "This form has no field “{name}”: its one field is {label} "
                            "[{field}], so the whole line is taken as its value.",
                            name=name.strip(), label=found.label,
                            field=found.block_id)) + "[/yellow]")
                if found is None:
                    self.console.print("[yellow]" + rich_escape(self.tr._(
                        "“{line}” fills in no field of this form: write FIELD: VALUE (the "
                        "field's number, the id in brackets or its label), :submit or "
                        ":cancel.", line=line)) + "[/yellow]")
                    continue
                self._answer(found, typed, people)
        self.console.print("[dim]" + rich_escape(self.tr._(ASK_FORM)) + "[/dim]")
        for f in form.fields:
            if not fillable(f) or (only_errors and not f.error):
                continue
            while True:
                shown = shown_value(f, people).replace("\n", " ⏎ ")
                prompt = f.label + (" " + self.tr._("(optional)") if f.optional else "") + (
                    f" [{shown}]" if shown else "") + ": "
                answer = self._next_line(prompt)
                if answer is None:  # Ctrl-C or Ctrl-D: as Slack's Cancel
                    return ":cancel"
                if answer in {":submit", ":cancel"}:
                    return answer
                if not answer or self._answer(f, "" if answer == "-" else answer, people):
                    break
        return ":submit"

    def _answer(self, f: FormField, answer: str, people: dict[str, str]) -> bool:
        try:
            fill(f, answer, people)
        except BadAnswer as bad:
            self.console.print("[yellow]" + rich_escape(self.tr._(bad.template, **bad.params))
                               + "[/yellow]")
            return False
        return True
