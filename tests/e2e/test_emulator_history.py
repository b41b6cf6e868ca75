"""The Slack emulator reads channels back as Slack does: the bot looks there for a post
whose answer it never got (a timeout on a loaded machine posted a meeting's invitation
twice when the emulator could not be read)."""

from __future__ import annotations

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.sandbox.emulator import SlackEmulator
from tests.e2e.conftest import TOKEN

CHANNEL = "C0HISTORY"


def tagged(outbox_id: int) -> dict[str, object]:
    return {"event_type": "creditbot_outbox", "event_payload": {"outbox_id": outbox_id}}


def test_history_has_the_channels_posts_newest_first_with_their_metadata():
    with SlackEmulator(token=TOKEN) as emulator:
        client = WebClient(token=TOKEN, base_url=emulator.api_url)
        first = client.chat_postMessage(channel=CHANNEL, text="first", metadata=tagged(1))
        reply = client.chat_postMessage(channel=CHANNEL, text="in the thread",
                                        thread_ts=first["ts"], metadata=tagged(2))
        second = client.chat_postMessage(channel=CHANNEL, text="second")
        history = client.conversations_history(channel=CHANNEL, include_all_metadata=True)
        # A thread's replies are not in the channel's history, as on Slack.
        assert [(m["ts"], m["text"], m.get("metadata")) for m in history["messages"]] == [
            (second["ts"], "second", None), (first["ts"], "first", tagged(1))]
        thread = client.conversations_replies(channel=CHANNEL, ts=first["ts"],
                                              include_all_metadata=True)
        assert [(m["ts"], m.get("metadata")) for m in thread["messages"]] == [
            (first["ts"], tagged(1)), (reply["ts"], tagged(2))]
        # Metadata only when asked for, as on Slack.
        assert [m.get("metadata") for m in client.conversations_replies(
            channel=CHANNEL, ts=first["ts"])["messages"]] == [None, None]
        later = client.conversations_history(channel=CHANNEL, oldest=second["ts"])
        assert [m["text"] for m in later["messages"]] == ["second"]
        assert client.conversations_history(channel="C0EMPTY")["messages"] == []


def test_history_comes_a_page_at_a_time_as_slack_gives_it():
    with SlackEmulator(token=TOKEN) as emulator:
        client = WebClient(token=TOKEN, base_url=emulator.api_url)
        posted = [client.chat_postMessage(channel=CHANNEL, text=str(n))["ts"]
                  for n in range(5)]
        first = client.conversations_history(channel=CHANNEL, limit=2)
        assert ([m["ts"] for m in first["messages"]], first["has_more"]) == (
            [posted[4], posted[3]], True)
        second = client.conversations_history(
            channel=CHANNEL, limit=2, cursor=first["response_metadata"]["next_cursor"])
        third = client.conversations_history(
            channel=CHANNEL, limit=2, cursor=second["response_metadata"]["next_cursor"])
        assert [m["ts"] for m in second["messages"] + third["messages"]] == [
            posted[2], posted[1], posted[0]]
        assert (third["has_more"], third["response_metadata"]["next_cursor"]) == (False, "")


def test_without_the_history_scopes_reading_is_refused_as_slack_refuses_it():
    with SlackEmulator(token=TOKEN, history_scopes=False) as emulator:
        client = WebClient(token=TOKEN, base_url=emulator.api_url)
        posted = client.chat_postMessage(channel=CHANNEL, text="first")
        for read in (lambda: client.conversations_history(channel=CHANNEL),
                     lambda: client.conversations_replies(channel=CHANNEL, ts=posted["ts"])):
            with pytest.raises(SlackApiError) as refused:
                read()
            assert refused.value.response["error"] == "missing_scope"
