"""``/credit collect [page]``: the collector's worklist, and its *More* button."""

from __future__ import annotations

from typing import Any

from slack_bolt import BoltContext

from handlers.collections.blocks import PageValue, worklist
from handlers.deps import Deps
from handlers.render import Message


def collect(context: BoltContext, rest: str) -> Message:
    deps: Deps = context["deps"]
    words = rest.split()
    page = int(words[0]) if words and words[0].isdigit() else 1
    listed = deps.collecting.worklist(context["member"], page)
    return worklist(listed, context["tr"])


def on_more(body: dict[str, Any], context: BoltContext) -> None:
    deps: Deps = context["deps"]
    value: PageValue = context["payload"]
    listed = deps.collecting.worklist(context["member"], value.page)
    context["reply"](*worklist(listed, context["tr"]), replace_original=True)
