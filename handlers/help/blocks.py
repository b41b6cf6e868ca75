from __future__ import annotations

from typing import TYPE_CHECKING

from domain.text import simplified
from handlers.i18n import Translator
from handlers.render import Message, clip, context, escape, message, section, sections

if TYPE_CHECKING:
    from handlers.registry import Catalogue, Subcommand


def help_message(catalogue: Catalogue, tr: Translator, problem: str | None = None,
                 typed: str = "") -> Message:
    """Every subcommand with what it does, its aliases and an example. ``problem`` is
    already escaped and translated; ``typed``: the word that was no subcommand."""
    from handlers.registry import COMMAND

    title = tr._("What {command} can do", command=f"`{COMMAND}`")
    # The list runs over as many sections as it needs: in one, with a "did you mean"
    # above it, Slack's 3,000 characters cut its last line in English.
    blocks = [section(f":warning: {problem}")] if problem else []
    blocks += sections("\n".join([f"*{title}*", *(_line(sub, tr)
                                                  for sub in catalogue.subcommands)]))
    blocks.append(context(tr._(
        "Customers can be named by id, by name, by the start of the name, or roughly — "
        "creditbot asks when it is not sure. A customer group's id shows the whole group.")))
    if not problem:
        # The notification of the help asked for: "Try /credit help." read as a refusal.
        # Plain text there: a code span's backticks would show.
        return message(tr._("What {command} can do", command=COMMAND), blocks)
    hint = tr._("Try {command}.",
                command=f"`{COMMAND} {catalogue.written_like('help', typed)}`")
    # Sentences are joined with a space in English, with none in Chinese.
    return message(tr._("{problem} {hint}", problem=problem, hint=hint), blocks)


def topic_message(catalogue: Catalogue, tr: Translator, words: str) -> Message:
    """``/credit help order``: that subcommand's line alone (a word that is none is
    answered as ``/credit order`` would be: not known, with the whole list)."""
    from handlers.registry import COMMAND

    typed = words.split()
    if typed[0].lower() == COMMAND:  # /credit help /credit order
        if len(typed) == 1:
            return help_message(catalogue, tr)
        typed = typed[1:]
    word = simplified(typed[0])  # `/credit help 訂單` as `订单`
    sub = catalogue.subcommand(word.removeprefix("/"))
    if sub is None:
        return unknown_word(catalogue, tr, word)
    line = _line(sub, tr)
    title = tr._("What {command} can do",
                 command=f"`{COMMAND} {catalogue.written_like(sub.name, word)}`")
    return message(line.removeprefix("• "), [section(f"*{title}*\n{line}")])


def unknown_word(catalogue: Catalogue, tr: Translator, word: str) -> Message:
    """``/credit WORD`` for a word that is no subcommand: said so, the likeliest
    meant, then the whole list."""
    from handlers.registry import COMMAND

    problem = tr._("{command} is not something I know.",
                   command=f"`{COMMAND} {typed_word(word)}`")
    closest = catalogue.closest(word)
    meant = [f"`{COMMAND} {known}`" for known in closest]
    if len(meant) == 1:
        problem = tr.sentences(problem, tr._("Did you mean {command}?", command=meant[0]))
    elif meant:
        problem = tr.sentences(problem, tr._("Did you mean {commands} or {last}?",
                                             commands=tr.listing(meant[:-1]),
                                             last=meant[-1]))
    whole = help_message(catalogue, tr, problem=problem, typed=word)
    subs = [sub for sub in (catalogue.subcommand(known) for known in closest) if sub]
    if not subs:
        return whole
    # A typo, on a phone: the lines of what was likely meant, not the whole list again.
    text, _ = whole
    return message(text, [section(f":warning: {problem}"), section("\n".join(
        _line(sub, tr) for sub in subs)), context(tr._(
            "{command} lists everything I can do.",
            command=f"`{COMMAND} {catalogue.written_like('help', word)}`"))])


def typed_word(word: str) -> str:
    """A word as typed, safe inside backticks in a message."""
    return clip(escape(word.replace("`", "'")), 40)


def _line(sub: Subcommand, tr: Translator) -> str:
    from handlers.registry import COMMAND

    line = f"• `{COMMAND} {sub.name}`"
    if sub.aliases:
        line += tr._(" (also {aliases})", aliases=tr.listing(
            f"`{COMMAND} {alias}`" for alias in sub.aliases))
    line += f" — {tr._(sub.summary)}"
    if sub.example:
        line += "\n      " + tr._("e.g. {example}",
                                  # An example with words reads in the
                                  # reader's language ("+100k 第一季度订单增加").
                                  example=f"`{COMMAND} {sub.name} {_example(sub, tr)}`")
    return line


def _example(sub: Subcommand, tr: Translator) -> str:
    """A subcommand's example in the reader's language, its days filled in
    (``DatedPhrase``)."""
    shown_by = getattr(sub.example, "shown_by", None)
    return str(shown_by(tr)) if callable(shown_by) else tr._(sub.example)
