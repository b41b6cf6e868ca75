"""The files the bot shares (the weekly report's charts), as a new user meets them in
the sandbox: each shown under its message, and `:files` saving them where the person
can open them after the sandbox (and its working folder) is gone."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from handlers.i18n import translator
from tests.e2e.test_sandbox_alerts import message_after, sandbox, still

__all__ = ["still"]


def _kb(size: int) -> str:
    # As a person reads it: 23.4, and 23 for 23.0 (which the size fell on one day).
    return translator("en-US").number(
        (Decimal(size) / 1024).quantize(Decimal("0.1"), ROUND_HALF_UP))


def test_the_weekly_report_shows_its_charts_and_files_saves_them(monkeypatch, still,
                                                                  tmp_path):
    monkeypatch.chdir(tmp_path)
    answers = [lines for _, lines in sandbox(monkeypatch, ":files", ":run report",
                                             ":files charts", ":files")]
    assert answers[0] == [
        "The bot has shared no files yet (:run report posts the weekly charts)."]
    shown = answers[1]
    saved = tmp_path / "charts"
    aging, dso = saved / "aging-2026-W48.png", saved / "dso-2026-W48.png"
    assert answers[2] == [f"Saved {aging}", f"Saved {dso}"]
    assert aging.read_bytes()[:8] == dso.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    post = message_after(shown, "creditbot posted in #finance")
    assert post[-3:] == [
        f"📎 aging-2026-W48.png — Aging ({_kb(aging.stat().st_size)} KB, 800×450 px)",
        f"📎 dso-2026-W48.png — DSO trend ({_kb(dso.stat().st_size)} KB, 800×450 px)",
        ":files saves them to the current folder."]
    # Without a folder: the current one.
    assert answers[3] == [f"Saved {tmp_path / 'aging-2026-W48.png'}",
                          f"Saved {tmp_path / 'dso-2026-W48.png'}"]
    assert (tmp_path / "aging-2026-W48.png").read_bytes() == aging.read_bytes()
