"""Answering a slash command in its own HTTP response when the answer is ready in time.

Slack shows the body of the acknowledgement as the reply, which saves a second round
trip per command. The work runs on the background executor while the request thread
waits at most ``budget`` seconds for it: work that overruns does not hold the request
open, the acknowledgement goes out empty and the answer follows through the
response_url when it is ready.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Executor, Future
from concurrent.futures import TimeoutError as Overran
from typing import Any

from slack_bolt import Ack, BoltContext

from handlers.errors import message_for

Message = tuple[str, list[dict[str, Any]] | None]
# Slack waits 3 s for the acknowledgement, network included.
ACK_BUDGET_SECONDS = 2.0


def answer(ack: Ack, context: BoltContext, work: Callable[[], Message],
           budget: float = ACK_BUDGET_SECONDS) -> None:
    def safely() -> Message:
        try:
            return work()
        except Exception as error:
            return (message_for(error, context), None)

    executor: Executor = context["deps"].background
    future = executor.submit(safely)
    try:
        text, blocks = future.result(timeout=budget)
    except Overran:
        ack()

        def follow_up(done: Future[Message]) -> None:
            # A future that finished in the meantime runs its callback at once, on this
            # request thread; the reply (and any wait on Slack) belongs on the executor.
            text, blocks = done.result()
            if text or blocks:  # a modal opened late has nothing to add
                executor.submit(context["reply"], text, blocks)

        future.add_done_callback(follow_up)
        return
    if not text and not blocks:
        ack()  # nothing to say (e.g. a modal was opened instead): an empty 200
        return
    ack(text=text, blocks=blocks, response_type="ephemeral")
