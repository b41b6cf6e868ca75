"""``reports.post_to``: the department whose channel gets the weekly report."""

from __future__ import annotations

from pathlib import Path

from bot.config import load_config
from tests.unit.test_config import GOOD, line_of, problems

BASE = GOOD.split("\nreports:")[0]


def _loaded(tmp_path: Path, text: str):  # type: ignore[no-untyped-def]
    path = tmp_path / "app.yaml"
    path.write_text(text, encoding="utf-8")
    return load_config(path)


def test_the_weekly_report_goes_to_finance_unless_app_yaml_says_otherwise(tmp_path):
    assert _loaded(tmp_path, BASE).reports.post_to == "finance"
    assert _loaded(tmp_path, BASE + "\nreports:\n  post_to: credit\n").reports.post_to == "credit"


def test_a_department_that_does_not_exist_is_named_with_the_ones_that_do(tmp_path):
    text = BASE + "\nreports:\n  post_to: treasury\n"
    assert problems(tmp_path, text) == [
        f"line {line_of(text, 'post_to: treasury')}: reports.post_to: \"treasury\" is not a "
        "department; use a key under departments: sales, credit, finance, legal, logistics"]
