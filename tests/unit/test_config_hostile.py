"""app.yaml written to hurt: keys written twice, aliases that multiply, nesting without
end. config check answers each in one line, quickly, and never keeps the last of two
keys without a word."""

from __future__ import annotations

import time
from pathlib import Path

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
    """The pure-Python parser took a tenth of a second for app.yaml, at every command's
    start and in every test; it is kept for the files libyaml refuses, whose messages
    are its words (libyaml says nothing of a tab)."""
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
    assert problems(tmp_path, "organisation:\n\tname: X\n") == [
        "line 2, column 1: not valid YAML (found character '\\t' that cannot start any "
        "token; indent with spaces, YAML takes no tabs)"]
    assert parsed == ["CSafeLoader", "SafeLoader"]
