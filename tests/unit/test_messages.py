"""OutgoingMessage and the in-memory outbox of the fake unit of work."""

from __future__ import annotations

import pytest

from domain.messages import OutgoingMessage
from tests.fakes import FakeUnitOfWork


def note(text: str = "hi", channel: str = "C0ALERTS01", **kwargs: object) -> OutgoingMessage:
    return OutgoingMessage(channel=channel, kind="alerts.digest", text=text, **kwargs)  # type: ignore[arg-type]


def test_a_message_goes_to_a_channel_or_a_person():
    assert not note().is_direct
    assert note(channel="U01SALESAMY").is_direct
    with pytest.raises(ValueError, match="channel or user id"):
        note(channel="#sales")


@pytest.mark.parametrize("kwargs, problem", [
    ({"text": "  "}, "needs a text"),
    ({"thread_of": 1, "update_of": 2}, "not both"),
    ({"dedup_key": ""}, "1 to 200"),
    ({"dedup_key": "x" * 201}, "1 to 200"),
])
def test_a_message_that_could_not_be_delivered_is_refused_when_built(kwargs, problem):
    with pytest.raises(ValueError, match=problem):
        note(**kwargs)
    with pytest.raises(ValueError, match="kind"):
        OutgoingMessage(channel="C0ALERTS01", kind="Alerts Digest", text="x")


def test_the_payload_carries_text_blocks_and_the_thread():
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "*hi*"}}]
    assert note(blocks=blocks).payload() == {"text": "hi", "blocks": blocks}
    assert note(thread_of=7).payload() == {"text": "hi", "blocks": [], "thread_of": 7}


def test_the_fake_outbox_keeps_messages_only_on_commit_and_ignores_repeated_keys():
    uow = FakeUnitOfWork([])
    with uow:
        uow.outbox.add(note("dropped"))
    assert uow.outbox.messages == []
    with uow:
        first = uow.outbox.add(note("digest", dedup_key="d1"))
        reply = uow.outbox.add(note("more", thread_of=first))
        assert uow.outbox.add(note("digest again", dedup_key="d1")) == first
        uow.commit()
    assert [m.text for m in uow.outbox.messages] == ["digest", "more"]
    assert uow.outbox.id_of("d1") == first and reply != first
    with uow, pytest.raises(ValueError, match="not in the outbox"):
        uow.outbox.add(note("edit", update_of=99))
