"""Files carried by an outgoing message: what the outbox stores and what it refuses."""

from __future__ import annotations

import pytest

from domain.messages import MAX_FILE_BYTES, Attachment, OutgoingMessage

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
CHART = Attachment("aging-2026-W48.png", "Aging", PNG, "open amount per bucket")


def test_the_payload_carries_the_files_bytes_and_reads_back_the_same() -> None:
    message = OutgoingMessage(channel="C02FINANCE0", kind="reports.charts", text="Charts",
                              files=(CHART,))
    payload = message.payload()
    assert payload["text"] == "Charts" and payload["blocks"] == []
    [stored] = payload["files"]
    assert stored["filename"] == "aging-2026-W48.png" and stored["title"] == "Aging"
    assert Attachment.from_stored(stored) == CHART


def test_a_message_without_files_stores_no_files_key() -> None:
    message = OutgoingMessage(channel="C02FINANCE0", kind="reports.summary", text="Summary")
    assert "files" not in message.payload()


@pytest.mark.parametrize("kwargs, problem", [
    ({"blocks": [{"type": "divider"}]}, "a message with files has a text comment only"),
    ({"update_of": 3}, "a message with files has a text comment only"),
])
def test_a_message_with_files_is_a_channel_post_with_a_text(kwargs: dict[str, object],
                                                            problem: str) -> None:
    options: dict[str, object] = {"channel": "C02FINANCE0", "kind": "reports.charts",
                                  "text": "Charts", "files": (CHART,)}
    options.update(kwargs)
    with pytest.raises(ValueError, match=problem):
        OutgoingMessage(**options)  # type: ignore[arg-type]


def test_a_direct_message_may_carry_files() -> None:
    """The meeting invitation's .ics goes to each person too: the sender opens the
    direct message and shares the file into it."""
    message = OutgoingMessage(channel="U01SALESAMY", kind="meetings.ics", text="Calendar",
                              files=(CHART,))
    assert message.is_direct
    assert message.payload()["files"][0]["filename"] == CHART.filename


@pytest.mark.parametrize("filename, content, problem", [
    ("", PNG, "a file name is letters, digits"),
    ("../etc/passwd", PNG, "a file name is letters, digits"),
    ("empty.png", b"", f"a file is 1 to {MAX_FILE_BYTES} bytes, got 0"),
    ("huge.png", b"x" * (MAX_FILE_BYTES + 1),
     f"a file is 1 to {MAX_FILE_BYTES} bytes, got {MAX_FILE_BYTES + 1}"),
])
def test_a_file_has_a_plain_name_and_a_bounded_size(filename: str, content: bytes,
                                                    problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        Attachment(filename, "title", content)
