"""Talks to the bot exactly as Slack does: form-encoded slash commands and ``payload=``
interactions, signed with the app's signing secret, with response_urls that point at the
emulator. Tests and the sandbox read like a person using Slack:

    reply = slack.slash("U01SALESAMY", "C01SALES000", "/credit check acme")
    slack.click("U01SALESAMY", reply, "Share in channel")

Modals. A slash command or a button that opens one answers with no message (``slash``
returns an empty reply with the view in ``raw["view"]``); the modal is the last
``views.open`` the bot made with a trigger_id of that person's act, and
``submit`` sends it back as Slack does, with what the person entered by block_id:

    slack.slash("U01SALESAMY", "C01SALES000", "/credit request", wait=False)
    view = slack.modal("U01SALESAMY")          # waits for the bot's views.open
    result = slack.submit("U01SALESAMY", view, {"reason": "Q1 orders", "kind": "increase"})
    assert result.json() == {"response_action": "errors",
                             "errors": {"amount": "Write an amount, e.g. +100k"}}
    # result.body == "" when the modal closed; a forged metadata: result.status == 400
    slack.submit("U01SALESAMY", view, {...}, private_metadata="forged")

A value is the input's text, a select's option value, a date ``YYYY-MM-DD`` or a user
id; fields not given keep their initial value (Slack sends those too) or are empty.
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
from urllib.parse import parse_qs, urlencode, urlparse

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

    def __post_init__(self) -> None:
        if self.ts is None and self.ephemeral:
            # Slack gives an ephemeral message a ts of its own too, sent as the
            # container's message_ts with each press of its buttons.
            self.ts = f"{time.time():.6f}"

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
        self._acted: dict[str, str] = {}  # trigger_id → who acted
        # Each person's latest command or press: the act a modal asked for next opens.
        self._latest_act: dict[str, str] = {}

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
            # Slack waits 3 s; the bot answers in milliseconds. The margin is for a test
            # machine loaded by a parallel run, where a press took more than 10 s.
            with urllib.request.urlopen(request, timeout=30) as answer:
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
            "response_url": response_url, "trigger_id": self._trigger(user, act=True),
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
        trigger = parse_qs(body.decode()).get("trigger_id", [""])[0]
        opened = [view for used, view in self.emulator.views if used == trigger]
        if opened:  # the answer was a modal (Slack shows no message)
            return Reply(channel, "", [], True, raw={"view": opened[-1]})
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

    def choose(self, user: str, reply: Reply, label: str, wait: bool = True,
               timeout: float = 5.0) -> Reply | None:
        """Picks the option labelled ``label`` in one of the message's ``⋯`` menus."""
        for block in reply.blocks:
            elements = block.get("elements", []) if block.get("type") == "actions" else []
            accessory = block.get("accessory")
            for element in [*elements, *([accessory] if accessory else [])]:
                if element.get("type") != "overflow":
                    continue
                for option in element.get("options", []):
                    if option["text"]["text"] == label:
                        result, response_url = self.press(
                            user, reply.channel, {"action_id": element["action_id"],
                                                  "block_id": block.get("block_id"),
                                                  "selected_option": option}, reply)
                        if result.status != 200:
                            raise AssertionError(f"the bot answered HTTP {result.status}")
                        return self.reply_at(response_url, reply.channel,
                                             timeout) if wait else None
        raise AssertionError(f"no menu option labelled {label!r}")

    def press(self, user: str, channel: str, button: dict[str, Any],
              reply: Reply | None = None) -> tuple[HttpResult, str]:
        """Sends the block_actions payload of ``button`` (any action id and value, as a
        forger would too); returns Slack's view of the answer and the response_url."""
        response_url = self.emulator.new_response_url()
        ephemeral = reply.ephemeral if reply else True
        action: dict[str, Any] = {"action_id": button["action_id"],
                                  "block_id": button.get("block_id") or "b",
                                  "action_ts": f"{time.time():.6f}"}
        if "selected_option" in button:  # a menu (overflow) sends the option chosen
            action.update(type="overflow", selected_option=button["selected_option"])
        else:
            action.update(type="button", value=button.get("value", ""),
                          text=button.get("text") or {"type": "plain_text", "text": "?"})
        payload: dict[str, Any] = {
            "type": "block_actions",
            "user": {"id": user, "username": self._name(user), "team_id": TEAM_ID},
            "api_app_id": APP_ID,
            "token": "sandbox-verification-token",
            "container": {"type": "message",
                          "message_ts": (reply.ts if reply else None) or f"{time.time():.6f}",
                          "channel_id": channel, "is_ephemeral": ephemeral},
            "trigger_id": self._trigger(user, act=True),
            "team": {"id": TEAM_ID, "domain": "sandbox"},
            "channel": {"id": channel, "name": channel.lower()},
            "response_url": response_url,
            "actions": [action],
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

    def modal(self, user: str, timeout: float = 5.0) -> dict[str, Any]:
        """The modal the bot opened for ``user``'s latest command or press, waiting up to
        ``timeout`` for it (a modal opened for an earlier act was taken for it when the
        bot had not opened the new one yet); after that, the last one opened for them."""
        deadline = time.monotonic() + timeout
        while True:
            opened = [(trigger, view) for trigger, view in self.emulator.views
                      if self._acted.get(trigger) == user]
            latest = self._latest_act.get(user)
            # Triggers are numbered in order: a modal of the latest act, or of a form
            # submitted since (views.push), is at least as new as it.
            if opened and (latest is None or _order(opened[-1][0]) >= _order(latest)
                           or time.monotonic() > deadline):
                return opened[-1][1]
            if time.monotonic() > deadline:
                raise AssertionError(f"the bot opened no modal for {user}; views.open calls:"
                                     f" {self.emulator.calls_to('views.open')}")
            time.sleep(0.02)

    def submit(self, user: str, view: dict[str, Any], values: dict[str, Any] | None = None,
               private_metadata: str | None = None) -> HttpResult:
        """Presses the modal's submit button as ``user``, having entered ``values``
        (block_id → value; a dict is sent as the element's state as it is, to forge
        one). Returns the bot's HTTP answer: empty when the modal closes,
        ``{"response_action": "errors", ...}`` for field errors."""
        payload = {
            "type": "view_submission",
            "team": {"id": TEAM_ID, "domain": "sandbox"},
            "user": {"id": user, "username": self._name(user), "name": self._name(user),
                     "team_id": TEAM_ID},
            "api_app_id": APP_ID, "token": "sandbox-verification-token",
            "trigger_id": self._trigger(user),
            "view": {**view, "state": {"values": view_state(view, values or {})},
                     "private_metadata": (view.get("private_metadata", "")
                                          if private_metadata is None else private_metadata),
                     "hash": f"{time.time():.6f}.sandbox", "app_id": APP_ID,
                     "root_view_id": view.get("id"), "previous_view_id": None},
            "response_urls": [], "is_enterprise_install": False,
        }
        return self.post(urlencode({"payload": json.dumps(payload)}).encode())

    def _trigger(self, user: str | None = None, act: bool = False) -> str:
        trigger = f"{next(self._triggers)}.{int(time.time())}.sandbox"
        self.emulator.issue_trigger(trigger)
        if user is not None:
            self._acted[trigger] = user
            if act:
                self._latest_act[user] = trigger
        return trigger

    def _name(self, user: str) -> str:
        known = self.emulator.users.get(user)
        return known.name if known else user.lower()


def view_state(view: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
    """``view.state.values`` as Slack sends it: every input block's element by
    block_id and action_id, with what was entered (or its initial value)."""
    state: dict[str, Any] = {}
    for block in view.get("blocks") or []:
        element = block.get("element") if block.get("type") == "input" else None
        if not element:
            continue
        block_id, kind = block.get("block_id"), element.get("type")
        given = values.get(block_id)
        if isinstance(given, dict):
            state[block_id] = {element["action_id"]: given}
            continue
        entry: dict[str, Any] = {"type": kind}
        if kind == "static_select":
            options = element.get("options") or []
            chosen = (next((o for o in options if o["value"] == given), None)
                      or {"text": {"type": "plain_text", "text": str(given)},
                          "value": str(given)}) if given is not None else \
                element.get("initial_option")
            entry["selected_option"] = chosen
        elif kind == "datepicker":
            entry["selected_date"] = given if given is not None else element.get(
                "initial_date")
        elif kind == "users_select":
            entry["selected_user"] = given if given is not None else element.get(
                "initial_user")
        else:
            entry["value"] = given if given is not None else element.get("initial_value")
        state[block_id] = {element["action_id"]: entry}
    unknown = set(values) - set(state)
    if unknown:
        raise AssertionError(f"the modal has no input block {sorted(unknown)}")
    return state


def _order(trigger: str) -> int:
    """Where a trigger_id the driver made comes in the order they were made."""
    number = trigger.partition(".")[0]
    return int(number) if number.isdigit() else -1
