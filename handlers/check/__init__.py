"""Checking credit in Slack: ``/credit check``, the card, its buttons."""

from handlers.check.command import check, on_pick
from handlers.check.payloads import PICK, SHARE, SubjectValue
from handlers.check.share import on_share
from handlers.i18n import N_
from handlers.registry import Action, Feature, Subcommand

FEATURE = Feature(
    name="check",
    subcommands=(
        Subcommand("check", N_("credit position of a customer or customer group: limit, "
                               "exposure, available credit, overdue and aging"), "acme",
                   check, aliases=("查询", "检查"), needs_argument=N_("a customer id or name"),
                   read_only=True),
    ),
    actions=(
        Action(PICK, on_pick, SubjectValue, numbered=True),
        Action(SHARE, on_share, SubjectValue),
    ),
    # chat:write for shared cards; chat:write.public to share into a public channel
    # the bot was never invited to.
    scopes=("commands", "chat:write", "chat:write.public"),
)
