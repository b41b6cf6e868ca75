"""``/credit help`` (and a bare ``/credit``): what each subcommand does, with examples."""

from __future__ import annotations

from slack_bolt import BoltContext

from handlers.help.blocks import help_message, topic_message
from handlers.i18n import N_
from handlers.registry import Feature, Subcommand
from handlers.render import Message


def _help(context: BoltContext, rest: str) -> Message:
    if rest.strip():
        return topic_message(context["catalogue"], context["tr"], rest)
    return help_message(context["catalogue"], context["tr"])


FEATURE = Feature(
    name="help",
    subcommands=(Subcommand("help", N_("this list; followed by a command, that command's "
                                      "line alone"), "order", _help, aliases=("帮助",),
                            read_only=True),),
)
