"""How the sandbox prints a message in a terminal."""

from __future__ import annotations

import io

from rich.console import Console

from bot.sandbox.render import mrkdwn_to_rich, render_message


def printed(text: str) -> str:
    """A section of ``text`` as an 80-column terminal shows it."""
    out = io.StringIO()
    console = Console(file=out, width=80, color_system=None)
    render_message(console, [{"type": "section", "text": {"type": "mrkdwn", "text": text}}],
                   "", lambda user: user)
    return out.getvalue()


def test_a_chinese_list_line_wraps_whole_and_never_loses_a_figure():
    """A digest line's day count was cut to "4…" in an 80-column terminal."""
    line = ("• Shenzhen Brightstar Electronics (C0029) — 逾期 ¥272,058.60 · 最早一笔已逾期 "
            "46 天 · 新增")
    shown = " ".join(part.strip() for part in printed(line).splitlines())
    assert "…" not in shown
    assert shown == ("• Shenzhen Brightstar Electronics (C0029) — 逾期 ¥272,058.60 · "
                       "最早一笔已逾期 46 天 · 新增")


def test_a_chinese_line_breaks_between_characters_never_inside_a_number_and_its_measure():
    # rich breaks only at spaces: "共 3" ended a line and "页。先列…" ran on past it.
    from rich.cells import cell_len
    from rich.text import Text

    from bot.sandbox.render import cjk_lines

    line = ("您的催收：21 个账户，第 1 页，共 3 页。先列付款承诺到期的，再列下一步已到期的，"
            "其余按逾期金额 × 逾期天数排序。")
    lines = [part.plain for part in cjk_lines(Text(line), 80)]
    assert lines == ["您的催收：21 个账户，第 1 页，共 3 页。先列付款承诺到期的，"
                     "再列下一步已到期的，", "其余按逾期金额 × 逾期天数排序。"]
    narrow = [part.plain for part in cjk_lines(Text(line), 30)]
    assert all(cell_len(part) <= 30 for part in narrow)
    assert "".join(narrow) == line
    # No line starts with closing punctuation, none ends between a number and 页/个.
    assert not any(part[0] in "，。：" for part in narrow)
    assert not any(part.endswith(("21", " 1", " 3")) for part in narrow), narrow


def test_a_message_in_chinese_is_printed_within_the_terminal():
    text = ("您现在负责催收 21 个逾期账户（由未匹配任何分配规则时的负荷最少轮换分配）；"
            "下一步均为今天到期：")
    assert printed(text).splitlines() == [
        "您现在负责催收 21 个逾期账户（由未匹配任何分配规则时的负荷最少轮换分配）；下一步",
        "均为今天到期："]


def test_chinese_list_lines_break_as_plain_lines_do():
    # The list's column folded anywhere: "（250000、US" then "D" on a line of its own.
    out = io.StringIO()
    console = Console(file=out, width=40, color_system=None)
    item = ("• /credit request — 申请更多信用额度：新的额度（250000、USD 250k）或增加额"
            "（+100k），然后写理由")
    render_message(console, [{"type": "section", "text": {"type": "mrkdwn", "text": item}}],
                   "", lambda user: user)
    lines = [line.rstrip() for line in out.getvalue().splitlines()]
    from rich.cells import cell_len

    assert all(cell_len(line) <= 40 for line in lines) and len(lines) == 3
    assert all("USD" in line or "US" not in line for line in lines), lines
    assert not any(line[2:].startswith(("）", "，")) for line in lines), lines
    assert "".join(line[2:] for line in lines).replace(" ", "") == item[2:].replace(" ", "")


def test_a_figure_stays_with_what_it_counts():
    from rich.text import Text

    from bot.sandbox.render import cjk_lines

    lines = [p.plain for p in cjk_lines(Text("61-90 天 ¥167,441.88  ·  90+ 天 ¥511,757.56"), 28)]
    assert lines == ["61-90 天 ¥167,441.88  ·", "90+ 天 ¥511,757.56"]


def test_a_code_span_shows_its_characters_as_slack_does():
    # A backslash ending a span escaped its closing tag ("PO-1 [/cyan]."), and bold and
    # italics were applied inside it.
    shown = printed("e.g. `/credit order C0001 5k PO-1 \\`. And `5k *bold* _it_` *bold*")
    assert shown.strip() == "e.g. /credit order C0001 5k PO-1 \\. And 5k *bold* _it_ bold"


def test_bold_around_a_code_span_is_bold_without_its_asterisks():
    # The help's heading showed as "*What /credit can do*": each side of the span was
    # formatted alone, neither with both asterisks.
    assert mrkdwn_to_rich("*What `/credit` can do* and `*a*`", str) == (
        "[bold]What [cyan]/credit[/cyan] can do[/bold] and [cyan]*a*[/cyan]")
    assert printed("*What `/credit` can do*").strip() == "What /credit can do"


def test_a_decision_line_of_a_history_wraps_under_its_text():
    # "  ↳ level 1 … approved by @x on …" wrapped to the margin, as if a new line.
    shown = [line.rstrip() for line in printed(
        "  ↳ level 2 (finance director) approved by @U02CREDITAN for @U03FINDIR01 on Dec 7, "
        "2026, 10:00 AM (escalated: its deadline had passed)\n"
        "• a bullet after it keeps its own indent, whatever the width of the terminal "
        "here").splitlines()]
    assert shown == [
        "  ↳ level 2 (finance director) approved by @U02CREDITAN for @U03FINDIR01 on Dec",
        "    7, 2026, 10:00 AM (escalated: its deadline had passed)",
        "• a bullet after it keeps its own indent, whatever the width of the terminal",
        "  here"]


def test_a_header_shows_an_emoji_code_as_written_where_slack_would():
    # A customer named "Alarm :rotating_light: Foods": Slack shows a header with
    # "emoji": false as written; the sandbox drew 🚨.
    out = io.StringIO()
    render_message(Console(file=out, width=80, color_system=None), [
        {"type": "header", "text": {"type": "plain_text", "emoji": False,
                                    "text": "Alarm :rotating_light: Foods"}},
        {"type": "header", "text": {"type": "plain_text", "text": "Done :white_check_mark:"}}],
        "", lambda user: user)
    assert out.getvalue().splitlines() == ["Alarm :rotating_light: Foods", "Done ✅"]
