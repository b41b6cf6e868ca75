"""Reads app.yaml and reports every problem with its key path and line."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from bot.config.schema import AppConfig


class ConfigError(Exception):
    def __init__(self, path: Path, problems: list[str]) -> None:
        self.path = path
        self.problems = problems
        super().__init__(f"{path}: " + "; ".join(problems))


def load_config(path: Path) -> AppConfig:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(path, ["no such file (set CREDITBOT_CONFIG or pass the path)"]) from None
    except UnicodeDecodeError:
        raise ConfigError(path, ["is not UTF-8 text"]) from None
    try:
        root = yaml.compose(text)
        data = yaml.safe_load(text)
    except yaml.YAMLError as problem:
        mark = getattr(problem, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        reason = getattr(problem, "problem", None) or str(problem)
        raise ConfigError(path, [f"{where}not valid YAML ({reason})"]) from None
    if not isinstance(data, dict):
        raise ConfigError(path, ["must be a mapping with organisation, departments, roles…"])
    try:
        return AppConfig.model_validate(data)
    except ValidationError as invalid:
        raise ConfigError(path, [_describe(e, root) for e in invalid.errors()]) from None


def _describe(error: Any, root: yaml.Node | None) -> str:
    loc = tuple(str(part) for part in error["loc"])
    key = ".".join(loc)
    message = error["msg"]
    if error["type"] == "missing":
        message = "is required but missing"
    elif error["type"] == "extra_forbidden":
        message = "is not a setting creditbot knows (misspelt?)"
    line = _line_of(root, loc)
    prefix = f"line {line}: " if line else ""
    return f"{prefix}{key}: {message}" if key else f"{prefix}{message}"


def _line_of(node: yaml.Node | None, loc: tuple[str, ...]) -> int | None:
    """The line where the deepest existing part of ``loc`` is written."""
    line = None
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            match = next(((k, v) for k, v in node.value if str(k.value) == part), None)
            if match is None:
                break
            line = match[0].start_mark.line + 1
            node = match[1]
        elif isinstance(node, yaml.SequenceNode) and part.isdigit() and int(part) < len(node.value):
            node = node.value[int(part)]
            line = node.start_mark.line + 1
        else:
            break
    return line
