"""Messages the bot sends on its own initiative (digests, cards, reminders, invitations).

A use case does not talk to Slack: it queues an ``OutgoingMessage`` through
``uow.outbox`` in the same transaction as the change that caused it. If the
transaction rolls back, the message was never queued; once it commits, the delivery
side sends it, retrying until Slack takes it (``storage/outbox.py``,
``handlers/delivery/``).
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from domain.people import is_channel_id, is_user_id

# What a queued message is called by the messages that refer to it (a thread reply,
# an edit): the id the outbox gave it when it was added.
MessageId = int

_KIND = re.compile(r"[a-z][a-z0-9_.\-]{0,63}")
_FILENAME = re.compile(r"[\w][\w.\-]{0,99}")
# The outbox row carries the bytes (base64 in its JSON payload); charts are tens of KB.
MAX_FILE_BYTES = 2_000_000


@dataclass(frozen=True)
class Attachment:
    """A file shared with a message (a chart), uploaded by the sender with Slack's
    files.getUploadURLExternal / completeUploadExternal (what ``files_upload_v2`` does).
    ``alt_text`` is what a screen reader says instead of the image."""

    filename: str
    title: str
    content: bytes
    alt_text: str = ""

    def __post_init__(self) -> None:
        if not _FILENAME.fullmatch(self.filename):
            raise ValueError(f"a file name is letters, digits, '.', '-', '_', got "
                             f"{self.filename!r}")
        if not 0 < len(self.content) <= MAX_FILE_BYTES:
            raise ValueError(f"a file is 1 to {MAX_FILE_BYTES} bytes, got {len(self.content)}")

    def stored(self) -> dict[str, str]:
        return {"filename": self.filename, "title": self.title, "alt_text": self.alt_text,
                "content": base64.b64encode(self.content).decode("ascii")}

    @classmethod
    def from_stored(cls, stored: dict[str, Any]) -> Attachment:
        return cls(filename=str(stored["filename"]), title=str(stored.get("title", "")),
                   content=base64.b64decode(stored["content"]),
                   alt_text=str(stored.get("alt_text", "")))


@dataclass(frozen=True, kw_only=True)
class OutgoingMessage:
    """One Slack message to post, or an edit of one posted earlier.

    ``channel`` is a channel id, or a user id for a direct message. ``kind`` names what
    the message is (``alerts.digest``, ``approvals.card``) for logs and failure reports.
    ``dedup_key``: a second message with the same key is never queued (one digest per
    run, one card per request). ``thread_of``: post as a reply under that queued
    message. ``update_of``: replace the text and blocks of that queued message instead
    of posting a new one (it goes where that message went, whatever ``channel`` says).
    ``files``: shared in one post with ``text`` as its comment (Slack's file shares take
    no blocks); such a message cannot be edited, and later messages cannot reply under it.
    In a direct message too: the sender opens the conversation and shares into it.
    """

    channel: str
    kind: str
    text: str
    blocks: list[dict[str, Any]] = field(default_factory=list)
    dedup_key: str | None = None
    thread_of: MessageId | None = None
    update_of: MessageId | None = None
    files: tuple[Attachment, ...] = ()

    def __post_init__(self) -> None:
        if not (is_channel_id(self.channel) or is_user_id(self.channel)):
            raise ValueError(f"a message goes to a Slack channel or user id, got {self.channel!r}")
        if not _KIND.fullmatch(self.kind):
            raise ValueError(f"a message kind is a short lower-case name, got {self.kind!r}")
        # Slack shows the text in notifications and where blocks cannot be shown.
        if not self.text.strip():
            raise ValueError("a message needs a text, even when it has blocks")
        if self.thread_of is not None and self.update_of is not None:
            raise ValueError("a message either replies in a thread or edits a message, not both")
        if self.dedup_key is not None and not 0 < len(self.dedup_key) <= 200:
            raise ValueError("a dedup_key is 1 to 200 characters")
        if self.files and (self.blocks or self.update_of is not None):
            raise ValueError("a message with files has a text comment only, and is never "
                             "an edit")

    @property
    def is_direct(self) -> bool:
        """Sent to a person: the sender opens the direct message first."""
        return is_user_id(self.channel)

    def payload(self) -> dict[str, Any]:
        """What the outbox stores: text, blocks and the thread it replies in."""
        body: dict[str, Any] = {"text": self.text, "blocks": self.blocks}
        if self.thread_of is not None:
            body["thread_of"] = self.thread_of
        if self.files:
            body["files"] = [f.stored() for f in self.files]
        return body


# The start of a queued message's last_error when nobody knows whether Slack took the
# last attempt (a timeout, a connection closed unanswered, a sender that died while
# posting): before posting again, the sender looks for it in the channel.
UNCERTAIN = "unknown:"


@dataclass(frozen=True)
class QueuedMessage:
    """A queued message as the sender sees it: what to send, and how far it got."""

    id: MessageId
    created_at: datetime
    channel: str
    kind: str
    text: str
    blocks: list[dict[str, Any]]
    thread_of: MessageId | None
    update_of: MessageId | None
    attempts: int
    last_error: str | None
    files: tuple[Attachment, ...] = ()

    @property
    def is_direct(self) -> bool:
        return is_user_id(self.channel)

    @property
    def may_have_been_posted(self) -> bool:
        return (self.last_error or "").startswith(UNCERTAIN)


@dataclass(frozen=True)
class PostedMessage:
    """Where a queued message went, as far as the outbox knows: what an edit or a
    thread reply needs."""

    id: MessageId
    channel: str
    sent_channel: str | None
    ts: str | None
    failed: bool

    @property
    def sent(self) -> bool:
        return self.ts is not None
