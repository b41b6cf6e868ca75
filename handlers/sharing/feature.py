"""The sharing capability's declaration (kept out of the package's ``__init__`` so that
the cards that carry a Share menu can import its payloads without importing it)."""

from handlers.registry import Action, Feature, View
from handlers.sharing.payloads import SHARE_CARD, SHARE_VIEW, CardValue, ShareForm
from handlers.sharing.share import on_share_card, submit_share

FEATURE = Feature(
    name="sharing",
    actions=(Action(SHARE_CARD, on_share_card, CardValue),),
    views=(View(SHARE_VIEW, ShareForm, submit_share),),
    # chat:write.public: a department's public channel the bot was never invited to.
    scopes=("chat:write", "chat:write.public"),
)
