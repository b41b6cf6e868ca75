"""app.yaml written to hurt: keys written twice, aliases that multiply, nesting without
end. config check answers each in one line, quickly, and never keeps the last of two
keys without a word."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from bot.config import ConfigError, load_config
from tests.conftest import ROOT
from tests.unit.test_config import GOOD, line_of, problems


def test_a_key_written_twice_is_reported_with_both_lines(tmp_path: Path):
    text = GOOD.replace("  credit_manager: [U02CREDITMG]\n",
                        "  credit_manager: [U02CREDITMG]\n  credit_manager: [U0HACKER001]\n")
    first = line_of(text, "credit_manager: [U02CREDITMG]")
    assert problems(tmp_path, text) == [
        f"line {first + 1}: \"credit_manager\" is written twice in one section (first on "
        f"line {first}); YAML would keep only the last, so write it once"]


def test_aliases_that_multiply_are_answered_at_once(tmp_path: Path):
    bomb = ['a: &a ["x", "x", "x", "x", "x", "x", "x", "x", "x"]']
    for level in "bcdefghi":
        previous = chr(ord(level) - 1)
        bomb.append(f"{level}: &{level} [" + ", ".join([f"*{previous}"] * 9) + "]")
    text = GOOD.split("\nalerts:")[0] + "\nbomb:\n" + "\n".join(
        "  " + line for line in bomb) + "\nalerts:\n  routes: *i\n"
    started = time.monotonic()
    found = problems(tmp_path, text)
    assert time.monotonic() - started < 5
    assert found[0].startswith(f"line {line_of(text, 'bomb:')}: bomb: is not a setting")
    assert all(len(message) < 600 for message in found)


def test_nesting_without_end_is_one_line(tmp_path: Path):
    assert problems(tmp_path, GOOD + "\ndeep: " + "[" * 5000 + "]" * 5000 + "\n") == [
        "nested too deeply to be a configuration"]


def test_a_good_file_is_read_by_libyaml_and_a_broken_one_explained_by_pyyaml(
        tmp_path: Path, monkeypatch):
    """The pure-Python parser took a fortieth of a second for app.yaml, at every
    command's start and in every test; it is kept for the files libyaml refuses, whose
    messages are its words (libyaml says less of what it expected)."""
    import yaml

    from bot.config import loader

    assert yaml.__with_libyaml__, "PyYAML without libyaml: reinstall it from its wheel"
    parsed: list[str] = []
    real = loader._read

    def read(text, nodes, data):  # type: ignore[no-untyped-def]
        parsed.append(nodes.__name__)
        return real(text, nodes, data)

    monkeypatch.setattr(loader, "_read", read)
    good = tmp_path / "app.yaml"
    good.write_text(GOOD, encoding="utf-8")
    loader.load_config(good)
    assert parsed == ["CSafeLoader"]

    parsed.clear()
    assert problems(tmp_path, "roles:\n  cfo: [U0CFO00001,\n  legal: [U0LAW00001]\n") == [
        "line 2, column 8: not valid YAML: what starts here runs on to line 4, where YAML "
        "stopped (expected ',' or ']', but got '<stream end>'): a quote or a bracket on this "
        "line is likely not closed"]
    assert parsed == ["CSafeLoader", "SafeLoader"]
    # A file with a tab goes to PyYAML's parser at once: libyaml takes some tabs.
    parsed.clear()
    problems(tmp_path, "organisation:\n\tname: X\n")
    assert parsed == ["SafeLoader"]


def test_a_tab_between_tokens_is_refused_whichever_parser_is_installed(tmp_path: Path):
    """libyaml takes a tab after `key:` as a space, PyYAML refuses it: the verdict was
    "OK" or a refusal depending on how PyYAML was built."""
    assert problems(tmp_path, GOOD.replace("base_currency: USD", "base_currency:\tUSD")) == [
        "line 11, column 17: not valid YAML (found character '\\t' that cannot start any "
        "token; indent with spaces, YAML takes no tabs)"]


def test_values_of_the_wrong_shape_are_refused_not_crashed_on(tmp_path: Path):
    # A key YAML reads as a number, a list where an id belongs, a mapping where a user
    # belongs, a list where a role belongs: each was a TypeError traceback.
    assert problems(tmp_path, GOOD.replace("  legal: [U05LEGAL001]", "  1: [U05LEGAL001]")) == [
        "line 46: roles.1: 1 cannot be a key here: keys are names such as sales or "
        "credit_manager (put a number in quotes)"]
    assert problems(tmp_path, GOOD.replace("members: [U05LEGAL001]",
                                           "members: [[U05LEGAL001]]", 1)) == [
        'line 33: departments.legal.members.0: must be a Slack user id such as U0123ABCDE, '
        'got ["U05LEGAL001"]']
    assert problems(tmp_path, GOOD.replace("  legal: [U05LEGAL001]", "  legal: [{a: 1}]")) == [
        "line 46: roles.legal.0: must be a Slack user id such as U0123ABCDE, got a mapping"]
    assert problems(tmp_path, GOOD.replace("role: credit_manager", "role: [a]", 1)) == [
        'line 126: approvals.limit_increase.bands.0.levels.0.role: must be a role name listed '
        'under roles, e.g. credit_manager, got ["a"] (the same line counts for '
        'approvals.temporary_limit.bands.0.levels.0.role, '
        'approvals.first_limit.bands.0.levels.0.role)']


def test_a_mapping_merged_into_itself_or_a_number_too_long_is_one_line(tmp_path: Path):
    selfish = re.sub(r"  temporary_limit: .*", "  temporary_limit: &s {<<: *s}", GOOD, count=1)
    assert problems(tmp_path, selfish) == ["nested too deeply to be a configuration"]
    long_number = GOOD.replace("lease_seconds: 45", "lease_seconds: 1" + "0" * 5000)
    assert problems(tmp_path, long_number) == [
        "holds a number thousands of digits long: no setting takes one"]


def test_holidays_that_alias_a_billion_entries_are_refused_at_once(tmp_path: Path):
    """Each entry was written out in full to be checked: nine levels of nine took a minute
    and 400 MB."""
    laughs = "x_laughs:\n  a: &a [" + ", ".join(['"lol"'] * 9) + "]\n" + "".join(
        f"  {name}: &{name} [" + ", ".join([f"*{inner}"] * 9) + "]\n"
        for inner, name in zip("abcdefgh", "bcdefghi", strict=True))
    started = time.monotonic()
    said = problems(tmp_path, laughs + GOOD.replace("holidays: []", "holidays: *i"))
    assert time.monotonic() - started < 5
    assert said[0] == (
        "line 1: x_laughs: is not a setting creditbot knows (misspelt?); the settings here "
        "are: organisation, departments, roles, aging, access, people, schedules, scheduler, "
        "alerts, approvals, orders, collections, reports, meetings")
    assert said[1].startswith(f"line {11 + GOOD[:GOOD.index('holidays: []')].count(chr(10))}: "
                              "approvals.working_time.holidays: ")
    assert len(said) == 2 and len(said[1]) < 3000


@pytest.mark.parametrize("text", ["", "# only a comment\n"], ids=["empty", "comments"])
def test_an_empty_file_says_it_is_empty(tmp_path: Path, text: str):
    assert problems(tmp_path, text) == [
        "is empty (or only comments): start from the app.yaml that comes with creditbot and "
        "fill in your organisation"]
    assert problems(tmp_path, "- a\n- b\n") == [
        "must be a mapping with organisation, departments, roles…"]


@pytest.mark.parametrize(("character", "code"), [("\x00", "0000"), ("\x9b", "009b")])
def test_a_character_yaml_refuses_is_placed_on_its_line_in_one_line(
        tmp_path: Path, character: str, code: str):
    """PyYAML's own words ran over two lines and counted characters from the start."""
    assert problems(tmp_path, f"organisation:\n  name: A{character}B\n") == [
        f"line 2: holds a character YAML does not allow (#x{code}, special characters are "
        "not allowed): remove it, or write it as an escape in a quoted value"]


def test_a_value_a_hash_turned_into_a_comment_says_so(tmp_path):
    # `channel: #sales`: YAML reads the key alone, and "got nothing" left the operator
    # looking at a value that is plainly there.
    path = tmp_path / "app.yaml"
    path.write_text((ROOT / "app.yaml").read_text(encoding="utf-8").replace(
        "channel: C01SALES000", "channel: #sales"), encoding="utf-8")
    with pytest.raises(ConfigError) as refused:
        load_config(path)
    assert [p.split(": ", 2)[-1] for p in refused.value.problems] == [
        "must be a Slack channel id such as C0123ABCDE, got nothing (a # after the colon "
        "starts a YAML comment: nothing after it was read)"]
