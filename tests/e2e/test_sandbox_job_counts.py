"""`:run`'s summary line in the person's language, with the plural each count takes."""

from __future__ import annotations

from bot.sandbox.job_counts import COUNTS, count_text
from handlers.i18n import translator
from tests.e2e.test_sandbox_alerts import sandbox, still

__all__ = ["still"]


def test_run_says_its_counts_in_chinese(monkeypatch, still):
    answers = sandbox(monkeypatch, ":lang zh-CN", ":run report", ":run report",
                      ":run approvals", ":run housekeeping")
    assert [printed[0] for _, printed in answers[1:3]] == [
        "已运行 report：已发布 1 份，0 份此前已发布。",
        "已运行 report：已发布 0 份，1 份此前已发布。"]
    assert answers[3][1] == [
        "已运行 approvals：已提醒 0 项，已升级 0 项，已到期 0 项，已恢复 0 项，",
        "向代理人发送卡片 0 张。"]
    assert answers[4][1] == [
        "已运行 housekeeping：0 条已处理请求，0 条任务运行记录，0 次中断的运行。"]


def test_counts_take_their_plural_in_english():
    tr = translator("en-US")
    assert [count_text(key, n, tr) for key, n in (
        ("attempts", 1), ("attempts", 2), ("promises_kept", 1), ("promises_kept", 3),
        ("missing_rate", 1), ("missing_rate", 2), ("customers", 1), ("something_new", 2),
        ("holiday", 1), ("promises_skipped", 2))] == [
        "1 attempt", "2 attempts", "1 promise kept", "3 promises kept",
        "1 customer lacking a rate", "2 customers lacking a rate",
        "1 customer",
        "2 something new",
        # The collections job's day off said as such, not "1 holiday".
        "a holiday: nothing sent, the next run catches up (--on-holiday after the job's "
        "name runs it all the same)",
        "2 promises left for the next run"]
    # Every key has words in Chinese, not the English ones.
    zh = translator("zh-CN")
    assert [key for key in COUNTS if count_text(key, 2, zh) == count_text(key, 2, tr)] == []


def test_the_jobs_are_described_in_chinese_and_wrap_whole(monkeypatch, still):
    # They were English under a Chinese heading, and Chinese was cut short with "…".
    answers = dict(sandbox(monkeypatch, ":lang zh-CN", ":run"))
    listed = answers[":run"]
    assert listed[0] == "定时任务（:run 名称 可按沙盒时间立即运行其中一个）："
    assert listed[1:3] == [
        "  alerts        查找逾期账户、额度将用尽的客户、大额逾期发票和即将到期的合同；每",
        "                个频道发布一份汇总，只列新出现或变严重的情况"]
    assert not any("…" in line for line in listed)


def test_a_job_on_a_holiday_runs_when_told_to(monkeypatch, still):
    # The sandbox's day a holiday: the only way to see the alerts was to move the clock.
    from datetime import date

    from bot.config.schema import AppConfig

    monkeypatch.setattr(AppConfig, "holidays", lambda self: frozenset({date(2026, 11, 29)}))
    answers = sandbox(monkeypatch, ":run alerts", ":run alerts --on-holiday",
                      ":run housekeeping --on-holiday")
    assert answers[0][1] == [
        "Ran alerts: a holiday: nothing sent, the next run catches up (--on-holiday after",
        "the job's name runs it all the same)."]
    assert answers[1][1][0].startswith("Ran alerts: 50 customers, 64 conditions, 64 announced")
    # As the CLI: not accepted in silence by a job that runs on holidays anyway.
    assert answers[2][1] == ["housekeeping runs on holidays as on any other day: "
                             "--on-holiday is for alerts,", "collections."]
