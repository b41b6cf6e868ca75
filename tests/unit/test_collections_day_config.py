"""The collector's day settings in app.yaml's collections section, as `creditbot config
check` reports them."""

from __future__ import annotations

from bot.config import load_config
from domain.collections.dunning import Step
from tests.conftest import ROOT
from tests.unit.test_config import line_of, problems

# app.yaml without its own collections section, which the tests write their way.
GOOD = (ROOT / "app.yaml").read_text(encoding="utf-8").split("\ncollections:\n")[0]
DAY = """
collections:
  dunning:
    - {days: 1, step: reminder}
    - {days: 20, step: phone_call}
    - {days: 60, step: legal}
  promise_grace_days: 5
  stale_after_days: 10
  lead: U02CREDITMG
  legal_department: legal
"""


def test_the_settings_make_the_policy(tmp_path):
    path = tmp_path / "app.yaml"
    path.write_text(GOOD + DAY, encoding="utf-8")
    policy = load_config(path).collections.work_policy()
    assert [(lv.level, lv.from_days, lv.step) for lv in policy.dunning.levels] == [
        (1, 1, Step.REMINDER), (2, 20, Step.PHONE_CALL), (3, 60, Step.LEGAL)]
    assert (policy.grace_days, policy.stale_after_days, policy.lead) == (5, 10, "U02CREDITMG")


def test_defaults_without_the_section(tmp_path):
    path = tmp_path / "app.yaml"
    path.write_text(GOOD, encoding="utf-8")
    policy = load_config(path).collections.work_policy()
    assert [lv.step for lv in policy.dunning.levels] == [
        Step.REMINDER, Step.PHONE_CALL, Step.STOP_SUPPLY, Step.LEGAL]
    assert (policy.grace_days, policy.stale_after_days, policy.lead) == (3, 14, None)


def test_bad_settings_are_named_with_their_line(tmp_path):
    text = GOOD + (DAY.replace("{days: 20, step: phone_call}", "{days: 20, step: flowers}")
                   .replace("legal_department: legal", "legal_department: lawyers")
                   .replace("lead: U02CREDITMG", "lead: U0NOBODY001"))
    found = problems(tmp_path, text)
    assert found == [
        f"line {line_of(text, 'flowers')}: collections.dunning.1.step: must be the suggested "
        "step: one of reminder, phone_call, final_notice, stop_supply, legal, got \"flowers\"",
        f"line {line_of(text, 'U0NOBODY001')}: collections.lead: U0NOBODY001 is not listed "
        "under departments or roles, so may not see credit data; list them there first",
        f"line {line_of(text, 'lawyers')}: collections.legal_department: \"lawyers\" is not a "
        "department; use a key under departments (sales, credit, finance, legal, logistics)"]


def test_days_that_do_not_increase_are_refused(tmp_path):
    text = GOOD + DAY.replace("{days: 60, step: legal}", "{days: 20, step: legal}")
    found = problems(tmp_path, text)
    assert found == [
        f"line {line_of(text, 'dunning:')}: collections.dunning: the levels' days must "
        "increase from one level to the next, e.g. [{days: 1, step: reminder}, {days: 15, "
        "step: phone_call}], got days 1, 20, 20"]
