"""What the bot posted or edited since the last look, printed channel by channel: a
message sent alike to several places printed once and its copies named."""

from __future__ import annotations

import json
from typing import Any

from rich.markup import escape as rich_escape

from bot.sandbox.driver import Reply
from bot.sandbox.emulator import SlackEmulator
from bot.sandbox.render import mrkdwn_to_rich, render_files, render_message
from bot.sandbox.session import ChatState, Pressable, SandboxBase, keep_controls
from handlers.i18n import N_

FILES_HINT = N_(":files saves them to the current folder.")
# After "creditbot", before the first line of a message printed above: where its copies
# went (#channels, @people by direct message).
COPIES = N_("sent the same to {places}:")
COPIES_EDITED = N_("edited the same in {places}:")


class SlackChanges(SandboxBase):
    """Print what changed in the emulator's channels and direct messages."""

    def _show_slack_changes(self, state: ChatState, emulator: SlackEmulator) -> None:
        """Prints the messages the bot posted or edited in channels and direct messages
        since the last look, channel by channel; their buttons become the ones numbers
        press, numbered on across the messages."""
        own = state.answered and not state.held_over  # the answer's controls
        shown: list[Pressable] = list(state.buttons) if own else []
        chosen: list[Pressable] = list(state.choices) if own else []
        # First what was shown to this person alone (a form's confirmation).
        calls = emulator.calls_to("chat.postEphemeral")
        for call in calls[state.ephemeral_seen:]:
            channel = str(call.args.get("channel", ""))
            if call.args.get("user") != state.user.user_id or call.status != 200:
                continue
            if channel.startswith("D"):  # a form filed from a button in a direct message
                where = self.tr._("(only you can see this, in your direct messages)")
            else:
                where = self.tr._("(only you can see this, in {place})",
                                  place="#" + self.channels.get(channel, channel))
            self.console.print("[bold magenta]creditbot[/] [dim]" + rich_escape(where)
                               + "[/dim]")
            posted = Reply(channel, call.text, call.blocks, ephemeral=True)
            keep_controls(render_message(self.console, posted.blocks, posted.text, self._name,
                                 numbered=len(shown), lettered=len(chosen)),
                  posted, shown, chosen, state.user.user_id)
            self.console.print()
        state.ephemeral_seen = len(calls)
        # What this look printed, by how it looks: a meeting's invitation goes to three
        # channels and every member alike; its copies are named in a line at the end
        # instead of reprinted (their buttons do what the printed one's do).
        copies: dict[str, list[str]] = {}
        firsts: dict[str, tuple[str, bool]] = {}
        for channel, messages in list(emulator.channels.items()):
            for message in list(messages):
                key = (channel, str(message["ts"]))
                looks = json.dumps([message["text"], message["blocks"]], sort_keys=True)
                before = state.seen.get(key)
                if before == looks:
                    continue
                state.seen[key] = looks
                where = self._where(channel, emulator, message, edited=before is not None)
                # A file's copy looks alike too (its name and title), though its id differs.
                same = looks + json.dumps([[f.get("name"), f.get("title")]
                                           for f in message.get("files") or []])
                if same in copies:
                    copies[same].append(self._place(channel, emulator))
                    continue
                copies[same] = []
                firsts[same] = (str(message.get("text") or ""), before is not None)
                self.console.print(f"[bold magenta]creditbot[/] [dim]{rich_escape(where)}[/dim]")
                posted = Reply(channel, message["text"], message["blocks"], ephemeral=False,
                               ts=str(message["ts"]))
                keep_controls(render_message(self.console, posted.blocks, posted.text, self._name,
                                     numbered=len(shown), lettered=len(chosen)),
                      posted, shown, chosen)
                if message.get("files"):
                    render_files(self.console, message["files"], self._file_content, self.tr)
                    self.console.print("[dim]" + rich_escape(self.tr._(FILES_HINT)) + "[/dim]")
                self.console.print()
        for same, places in copies.items():
            if places:
                text, edited = firsts[same]
                summary = self.tr._(COPIES_EDITED if edited else COPIES,
                                    places=self.tr.listing(places))
                # No space after a full-width colon ("发送了同样的消息：Invitation…").
                gap = "" if summary.endswith("：") else " "
                self.console.print("[bold magenta]creditbot[/] [dim]" + rich_escape(summary)
                                   + "[/dim]" + gap + mrkdwn_to_rich(text.split("\n")[0],
                                                                self._name))
                self.console.print()
        # A look that brought only a menu (an edited card) leaves the earlier buttons
        # pressable, and one with only buttons the earlier menus: as in Slack, an older
        # message's controls stay where they were (they were numbered from 1 and a, as
        # the new ones are, so only one kind is replaced at a time).
        if own or shown:
            state.buttons = shown
        if own or chosen:
            state.choices = chosen

    @staticmethod
    def _own_copy(message: Reply, user: str, emulator: SlackEmulator) -> Reply | None:
        """The same message in ``user``'s own direct message, if the bot sent one."""
        for channel, person in list(emulator.direct_messages.items()):
            if user not in person.split(","):
                continue
            for sent in list(emulator.channels.get(channel, [])):
                if sent["text"] == message.text and sent["blocks"] == message.blocks:
                    return Reply(channel, sent["text"], sent["blocks"], ephemeral=False,
                                 ts=str(sent["ts"]))
        return None

    def _place(self, channel: str, emulator: SlackEmulator) -> str:
        person = emulator.direct_messages.get(channel)
        return "@" + person if person is not None else "#" + self.channels.get(channel,
                                                                               channel)

    def _where(self, channel: str, emulator: SlackEmulator, message: dict[str, Any],
               edited: bool) -> str:
        person = emulator.direct_messages.get(channel)
        if person is not None:
            place = self.tr._("a direct message to @{person}", person=person)
        else:
            place = "#" + self.channels.get(channel, channel)
        if edited:
            return self.tr._("edited its message in {place}", place=place)
        if message.get("thread_ts"):
            return self.tr._("replied in the thread, in {place}", place=place)
        if person is not None:
            return self.tr._("sent a direct message to @{person}", person=person)
        return self.tr._("posted in #{channel}", channel=self.channels.get(channel, channel))
