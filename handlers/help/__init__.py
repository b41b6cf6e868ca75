"""``/credit help`` (and a bare ``/credit``): what each subcommand does, with examples."""

from __future__ import annotations

from slack_bolt import BoltContext

from handlers.help.blocks import help_message
from handlers.i18n import N_
from handlers.registry import Feature, Subcommand
from handlers.render import Message


def _help(context: BoltContext, _rest: str) -> Message:
    return help_message(context["catalogue"], context["tr"])


FEATURE = Feature(
    name="help",
    subcommands=(Subcommand("help", N_("this list"), "", _help, aliases=("帮助",),
                            read_only=True),),
)
