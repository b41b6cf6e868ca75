"""How the sandbox prints a message in a terminal."""

from __future__ import annotations

import io

from rich.console import Console

from bot.sandbox.render import render_message


def test_a_chinese_list_line_wraps_whole_and_never_loses_a_figure():
    """A digest line's day count was cut to "4…" in an 80-column terminal."""
    line = ("• Shenzhen Brightstar Electronics (C0029) — 逾期 ¥272,058.60 · 最早一笔已逾期 "
            "46 天 · 新增")
    out = io.StringIO()
    console = Console(file=out, width=80, color_system=None)
    render_message(console, [{"type": "section", "text": {"type": "mrkdwn", "text": line}}],
                   "", lambda user: user)
    printed = " ".join(part.strip() for part in out.getvalue().splitlines())
    assert "…" not in printed
    assert printed == ("• Shenzhen Brightstar Electronics (C0029) — 逾期 ¥272,058.60 · "
                       "最早一笔已逾期 46 天 · 新增")
