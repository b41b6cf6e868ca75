"""How minutes and tasks read: what people typed cannot ping or format, overdue tasks
say so, the list keeps within Slack's 50 blocks, and Chinese readers read Chinese."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, timedelta

from domain.meetings.model import Meeting, MeetingKind, Minutes, Task
from domain.meetings.tasks import TaskLine
from domain.refs import CustomerRef
from handlers.i18n import translator
from handlers.meetings.followup_blocks import day_text, minutes_post, task_text, tasks_list

NOW = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
TODAY = NOW.date()
MEETING = Meeting(MeetingKind.CREDIT_COMMITTEE, "Credit *weekly*", "U0ORGANISE1",
                  NOW - timedelta(hours=1), 60, "UTC", id=7)
WHEN = (f"<!date^{int((NOW - timedelta(hours=1)).timestamp())}^{{date_short_pretty}} "
        "{time}|Dec 1, 2026, 9:00\u202fAM>")


def task(what: str, due: date, task_id: int = 1, customer: str | None = None) -> Task:
    return Task(what, "U0ANALYST01", due, "U0ORGANISE1", NOW, meeting_id=7,
                customer_id=customer, id=task_id)


def test_the_minutes_escape_what_people_typed() -> None:
    minutes = Minutes(7, "<!channel> raise *all* limits\nsecond line", "U0ORGANISE1", NOW,
                      id=3)
    text, blocks = minutes_post(translator("en-US"), MEETING, minutes,
                                [task("Ping <!here>", TODAY, customer="C<1>")], UTC)
    assert text == (f":memo: Minutes of “Credit ∗weekly∗” on {WHEN}, recorded by "
                    "<@U0ORGANISE1>:")
    assert [b["text"]["text"] for b in blocks or []][1:] == [
        "*Decisions*\n> &lt;!channel&gt; raise ∗all∗ limits\n> second line",
        f"*Action items*\n• Ping &lt;!here&gt; · <@U0ANALYST01> · due "
        f"{day_text(translator('en-US'), TODAY)} · `C&lt;1&gt;`"]


def test_overdue_first_and_said_and_the_list_fits_in_a_message() -> None:
    lines = [TaskLine(task(f"Item {n}", TODAY + timedelta(days=n - 2), n + 1), MEETING)
             for n in range(60)]
    text, blocks = tasks_list(translator("en-US"), lines, TODAY, UTC, note="Note")
    assert text == "60 open tasks"
    assert blocks is not None and len(blocks) == 50
    assert blocks[1]["text"]["text"] == (
        "*Your tasks*: 60 open, 2 overdue; the most overdue first.")
    # The meeting's title as typed, its asterisks no bold (∗).
    assert blocks[2]["text"]["text"] == (
        "*Item 0*\n:warning: Overdue: was due Nov 29, 2026 · from “Credit ∗weekly∗” on <!date^"
        f"{int(MEETING.starts_at.timestamp())}^{{date_short_pretty}} {{time}}|"
        "Dec 1, 2026, 9:00\u202fAM>")
    assert blocks[-1]["text"]["text"] == "and 13 more"


def test_others_tasks_follow_mine_with_their_owner_and_both_fit_in_a_message() -> None:
    mine = [TaskLine(task(f"Item {n}", TODAY + timedelta(days=n), n + 1), MEETING)
            for n in range(60)]
    others = [TaskLine(dataclasses.replace(task(f"Theirs {n}", TODAY - timedelta(days=1),
                                                100 + n), owner="U0SALES0001"), MEETING)
              for n in range(30)]
    text, blocks = tasks_list(translator("en-US"), mine, TODAY, UTC, others=others)
    assert text == "90 open tasks"
    assert blocks is not None and len(blocks) == 50
    headings = [b["text"]["text"] for b in blocks if "accessory" not in b]
    assert headings == ["*Your tasks*: 60 open, 0 overdue; the most overdue first.",
                        "and 24 more",
                        "*From meetings you may close tasks of*: 30 open, 30 overdue.",
                        "and 20 more"]
    assert blocks[39]["text"]["text"].endswith("\nOwner: <@U0SALES0001>")
    assert blocks[39]["accessory"]["value"] == '{"task":100}'
    # None of my own: said, then theirs.
    _, alone = tasks_list(translator("en-US"), [], TODAY, UTC, others=others[:1])
    assert [b["text"]["text"] for b in alone or []][:2] == [
        "You have no open tasks of your own.",
        "*From meetings you may close tasks of*: 1 open, 1 overdue."]


def test_the_list_in_chinese() -> None:
    tr = translator("zh-CN")
    text, blocks = tasks_list(tr, [], TODAY, UTC)
    assert text == "您没有未完成的任务。会议纪要中记录的行动项会出现在这里。"
    text, blocks = tasks_list(tr, [TaskLine(task("打电话", TODAY), None)], TODAY, UTC)
    assert text == "1 项未完成任务"
    assert blocks is not None and blocks[0]["text"]["text"] == (
        "*您的任务*：1 项未完成，0 项已逾期；逾期最久的在前。")
    assert blocks[1]["accessory"]["text"]["text"] == "完成"


def test_an_unclear_customer_in_the_minutes_form_says_how_to_write_it() -> None:
    from domain.errors import AmbiguousCustomer, CustomerNotFound
    from domain.errors import FieldProblem as Problem
    from domain.refs import CustomerRef
    from handlers.errors import explain
    from handlers.meetings.followup import _hinted

    en = translator("en-US")
    candidates = (CustomerRef("C0002", "Acme Packaging"), CustomerRef("C0007", "Acme Steel"))
    for error, said in (
        (CustomerNotFound("zzz"), "No customer matches “zzz”. Try part of the name or the "
                                  "customer id, e.g. `C0002`."),
        (AmbiguousCustomer("acme", candidates),
         "“acme” matches several customers: Acme Packaging (C0002), Acme Steel (C0007). "
         "Use the id, e.g. `C0002`.")):
        problem = Problem("customer_0", error.template, **error.params)
        problem.lookup = error
        assert explain(_hinted(problem), en) == said


def test_a_task_names_its_customer_as_its_reader_knows_it() -> None:
    """The minutes, the owner's note and /credit tasks said Qingdao Ocean Fisheries to a
    Chinese reader whose worklist and agenda said 青岛海洋渔业有限公司."""
    item = task("打电话", TODAY, customer="C0033")
    qingdao = CustomerRef("C0033", "Qingdao Ocean Fisheries", "青岛海洋渔业有限公司")
    assert task_text(translator("zh-CN"), item, qingdao, owner=False).endswith(
        " · *青岛海洋渔业有限公司*（`C0033`）")
    assert task_text(translator("en-US"), item, qingdao, owner=False).endswith(
        " · *Qingdao Ocean Fisheries* (`C0033`)")
    assert task_text(translator("zh-CN"), item, None, owner=False).endswith(" · `C0033`")
