"""Talks to the bot exactly as Slack does: form-encoded slash commands and ``payload=``
interactions, signed with the app's signing secret, with response_urls that point at the
emulator. Tests and the sandbox read like a person using Slack:

    reply = slack.slash("U01SALESAMY", "C01SALES000", "/credit check acme")
    slack.click("U01SALESAMY", reply, "Share in channel")
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode, urlparse

from bot.sandbox import blockkit
from bot.sandbox.emulator import TEAM_ID, Call, SlackEmulator

APP_ID = "A0CREDITBOT"


def sign(secret: str, timestamp: str, body: bytes) -> str:
    base = b"v0:" + timestamp.encode() + b":" + body
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


@dataclass
class HttpResult:
    status: int
    body: str

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


@dataclass
class Reply:
    """A message the bot showed a person: through a response_url, or posted to a channel."""

    channel: str
    text: str
    blocks: list[dict[str, Any]]
    ephemeral: bool
    ts: str | None = None
    raw: dict[str, Any] = field(default_factory=dict)

    def buttons(self) -> list[dict[str, Any]]:
        found = []
        for block in self.blocks:
            elements = block.get("elements", []) if block.get("type") == "actions" else []
            accessory = block.get("accessory")
            for element in [*elements, *([accessory] if accessory else [])]:
                if element.get("type") == "button":
                    found.append({**element, "block_id": block.get("block_id")})
        return found

    def texts(self, kind: str | None = None) -> list[str]:
        """The top-level text and every text object of the blocks (only those of
        ``kind``, e.g. "mrkdwn", the ones Slack turns into pings and links)."""
        parts = [self.text]

        def walk(node: Any) -> None:
            if isinstance(node, dict):
                if isinstance(node.get("text"), str) and kind in (None, node.get("type")):
                    parts.append(node["text"])
                for value in node.values():
                    walk(value)
            elif isinstance(node, list):
                for item in node:
                    walk(item)

        walk(self.blocks)
        return parts

    def all_text(self) -> str:
        """Every piece of text in the message, for assertions."""
        return "\n".join(self.texts())


class SlackDriver:
    def __init__(self, bot_url: str, signing_secret: str, emulator: SlackEmulator,
                 clock: Callable[[], float] = time.time) -> None:
        self.bot_url = bot_url.rstrip("/") + "/slack/events"
        self.secret = signing_secret
        self.emulator = emulator
        # The bot checks request timestamps against its own clock.
        self.clock = clock
        self._triggers = itertools.count(1)

    def post(self, body: bytes, content_type: str = "application/x-www-form-urlencoded",
             timestamp: int | None = None, signature: str | None = None) -> HttpResult:
        stamp = str(int(self.clock()) if timestamp is None else timestamp)
        headers = {
            "Content-Type": content_type,
            "X-Slack-Request-Timestamp": stamp,
            "X-Slack-Signature": signature if signature is not None else sign(self.secret,
                                                                              stamp, body),
        }
        request = urllib.request.Request(self.bot_url, data=body, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=10) as answer:
                return HttpResult(answer.status, answer.read().decode())
        except urllib.error.HTTPError as refused:
            return HttpResult(refused.code, refused.read().decode())

    def slash_body(self, user: str, channel: str, line: str) -> tuple[bytes, str]:
        command, _, text = line.strip().partition(" ")
        response_url = self.emulator.new_response_url()
        form = {
            "token": "sandbox-verification-token", "team_id": TEAM_ID,
            "team_domain": "sandbox", "channel_id": channel, "channel_name": channel.lower(),
            "user_id": user, "user_name": self._name(user), "command": command,
            # Slack sends these three as entities in command text.
            "text": text.strip().replace("&", "&amp;").replace("<", "&lt;")
            .replace(">", "&gt;"), "api_app_id": APP_ID, "is_enterprise_install": "false",
            "response_url": response_url, "trigger_id": self._trigger(),
        }
        return urlencode(form).encode(), response_url

    def slash(self, user: str, channel: str, line: str, wait: bool = True,
              timeout: float = 5.0) -> Reply:
        """Types ``line`` (e.g. "/credit check acme") and returns the bot's answer."""
        body, response_url = self.slash_body(user, channel, line)
        result = self.post(body)
        if result.status != 200:
            raise AssertionError(f"the bot answered HTTP {result.status}: {result.body}")
        immediate = result.json() if result.body.strip().startswith("{") else None
        if immediate and (immediate.get("text") or immediate.get("blocks")):
            invalid = blockkit.problems(immediate.get("blocks"))
            if invalid:  # Slack would show the person nothing
                raise AssertionError(f"Slack would refuse this answer: {invalid}")
            return Reply(channel, immediate.get("text", ""), immediate.get("blocks", []),
                         ephemeral=immediate.get("response_type") != "in_channel",
                         raw=immediate)
        if not wait:
            return Reply(channel, "", [], True, raw={"response_url": response_url})
        return self.reply_at(response_url, channel, timeout)

    def reply_at(self, response_url: str, channel: str, timeout: float = 5.0) -> Reply:
        call = self.emulator.wait_for("response_url", path=urlparse(response_url).path,
                                      timeout=timeout)[-1]
        return self.reply_from(call, channel)

    @staticmethod
    def reply_from(call: Call, channel: str) -> Reply:
        return Reply(channel, call.text, call.blocks,
                     ephemeral=call.args.get("response_type") != "in_channel", raw=call.args)

    def click(self, user: str, reply: Reply, label: str, wait: bool = True,
              timeout: float = 5.0) -> Reply | None:
        """Presses the button whose label is ``label`` (or starts with it)."""
        buttons = reply.buttons()
        button = next((b for b in buttons if b["text"]["text"] == label), None) or next(
            (b for b in buttons if b["text"]["text"].startswith(label)), None)
        if button is None:
            labels = [b["text"]["text"] for b in buttons]
            raise AssertionError(f"no button labelled {label!r}; the message has {labels}")
        result, response_url = self.press(user, reply.channel, button, reply)
        if result.status != 200:
            raise AssertionError(f"the bot answered HTTP {result.status}: {result.body}")
        if not wait:
            return None
        return self.reply_at(response_url, reply.channel, timeout)

    def press(self, user: str, channel: str, button: dict[str, Any],
              reply: Reply | None = None) -> tuple[HttpResult, str]:
        """Sends the block_actions payload of ``button`` (any action id and value, as a
        forger would too); returns Slack's view of the answer and the response_url."""
        response_url = self.emulator.new_response_url()
        ephemeral = reply.ephemeral if reply else True
        payload: dict[str, Any] = {
            "type": "block_actions",
            "user": {"id": user, "username": self._name(user), "team_id": TEAM_ID},
            "api_app_id": APP_ID,
            "token": "sandbox-verification-token",
            "container": {"type": "message",
                          "message_ts": (reply.ts if reply else None) or f"{time.time():.6f}",
                          "channel_id": channel, "is_ephemeral": ephemeral},
            "trigger_id": self._trigger(),
            "team": {"id": TEAM_ID, "domain": "sandbox"},
            "channel": {"id": channel, "name": channel.lower()},
            "response_url": response_url,
            "actions": [{"action_id": button["action_id"],
                         "block_id": button.get("block_id") or "b",
                         "text": button.get("text") or {"type": "plain_text", "text": "?"},
                         "value": button.get("value", ""),
                         "type": "button", "action_ts": f"{time.time():.6f}"}],
        }
        if reply is not None and not ephemeral:
            payload["message"] = {"type": "message", "ts": reply.ts, "text": reply.text,
                                  "blocks": reply.blocks}
        return self.post(urlencode({"payload": json.dumps(payload)}).encode()), response_url

    def event(self, event: dict[str, Any]) -> HttpResult:
        """Delivers an Events API callback, as Slack does (JSON, signed)."""
        envelope = {"token": "sandbox-verification-token", "team_id": TEAM_ID,
                    "api_app_id": APP_ID, "event": event, "type": "event_callback",
                    "event_id": f"Ev{next(self._triggers):08d}",
                    "event_time": int(time.time())}
        return self.post(json.dumps(envelope).encode(), content_type="application/json")

    def _trigger(self) -> str:
        return f"{next(self._triggers)}.{int(time.time())}.sandbox"

    def _name(self, user: str) -> str:
        known = self.emulator.users.get(user)
        return known.name if known else user.lower()
