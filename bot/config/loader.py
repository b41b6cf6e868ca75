"""Reads app.yaml and reports every problem with its line and key path, in plain words."""

from __future__ import annotations

import difflib
import re
import stat
import types
import typing
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, RootModel, ValidationError
from pydantic.fields import FieldInfo

from bot.config.alerts import route_problems
from bot.config.approvals import base_amount_problems, policy_problems
from bot.config.closed_channels import closed_channel_problems
from bot.config.collections import collection_problems
from bot.config.fields import OWN_ERRORS, is_role_name, shown
from bot.config.reports import post_to_problems, provision_problems
from bot.config.schema import STANDARD_ROLES, AppConfig, Problem, cross_section_problems
from domain.access import CreditDataAccess, Member


def _dates_as_written(base: type[yaml.SafeLoader]) -> type[yaml.SafeLoader]:
    """``base`` with YAML's dates left as written: PyYAML's own reading of one stops the
    whole file with a traceback on an impossible date (2027-02-30), where the setting
    that reads it can say what is wrong, on its line."""
    loader: type[yaml.SafeLoader] = type(f"DatesAsWritten{base.__name__}", (base,), {})
    loader.add_constructor(
        "tag:yaml.org,2002:timestamp",
        lambda loader, node: loader.construct_scalar(node))  # type: ignore[arg-type]
    loader.add_constructor("tag:yaml.org,2002:float", _decimal)
    return loader


_DECIMAL_TEXT = re.compile(r"[-+]?\d+\.\d*")


def _decimal(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> Any:
    """A number with a point as written, a Decimal: read as a float, "25.000" was 25 and
    its three decimals, which say a thousands point, were gone."""
    text = loader.construct_scalar(node)
    if isinstance(text, str) and _DECIMAL_TEXT.fullmatch(text):
        return Decimal(text)
    return loader.construct_yaml_float(node)


# libyaml's parser when PyYAML was built with it (its wheels are): it reads app.yaml in
# about 1.5 ms where the pure-Python one took 25, paid by every command and every test.
# It says less about a mistake (no word of a tab, not what it expected), so a file it
# refuses is read again by the pure-Python one, whose words the messages build on.
_FAST: tuple[type[yaml.SafeLoader], ...] = (
    (yaml.CSafeLoader, _dates_as_written(yaml.CSafeLoader))
    if getattr(yaml, "__with_libyaml__", False) else ())
_EXPLAINING = (yaml.SafeLoader, _dates_as_written(yaml.SafeLoader))


class ConfigError(Exception):
    def __init__(self, path: Path, problems: list[str]) -> None:
        self.path = path
        self.problems = problems
        super().__init__(f"{path}: " + "; ".join(problems))


# app.yaml is a few kilobytes; a file far larger is the wrong file (a log, an export),
# which YAML would take minutes to read before saying so.
MAX_BYTES = 1_000_000


def _open_quote(text: str, first: int, last: int) -> int | None:
    """The first line from ``first`` to ``last`` (0-based) whose quotes do not pair up:
    where a value's quote was left open (a comment's quotes aside)."""
    lines = text.splitlines()
    for number in range(first, min(last, len(lines) - 1) + 1):
        line = lines[number].split(" #")[0]
        if line.count('"') % 2 or (line.count("'") % 2 and ": '" in line):
            return number
    return None


def _yaml_problem(problem: yaml.YAMLError, text: str = "") -> str:
    """Where YAML stopped, and where what it could not finish began: an unclosed quote on
    line 19 is found only at the end of the file, and that line is the one to fix."""
    if isinstance(problem, yaml.reader.ReaderError):
        # Its own words span two lines and count characters, not lines.
        line = text[:problem.position].count("\n") + 1
        shown_character = (f"#x{problem.character:04x}" if isinstance(problem.character, int)
                           else repr(problem.character))
        return (f"line {line}: holds a character YAML does not allow ({shown_character}, "
                f"{problem.reason}): remove it, or write it as an escape in a quoted value")
    mark = getattr(problem, "problem_mark", None)
    where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
    reason = getattr(problem, "problem", None) or str(problem)
    if "'\\t'" in reason or "\t" in reason:
        reason += "; indent with spaces, YAML takes no tabs"
    context, started = getattr(problem, "context", None), getattr(problem, "context_mark", None)
    if context and started is not None and mark is not None and started.line != mark.line:
        head = f"line {started.line + 1}, column {started.column + 1}: not valid YAML: "
        opened = _open_quote(text, started.line, mark.line)
        if opened is not None and "quoted scalar" not in context:
            # The block holding it is where YAML's context starts; the quote's own line
            # is the one to fix.
            return (f"line {opened + 1}: not valid YAML: a quote on this line is not "
                    f"closed, so YAML read on to line {mark.line + 1} ({reason})")
        if "quoted scalar" in context:
            return (head + f"a quoted value starts here and is not closed ({reason} at line "
                    f"{mark.line + 1})")
        return (head + f"what starts here runs on to line {mark.line + 1}, where YAML "
                f"stopped ({reason}): a quote or a bracket on this line is likely not closed")
    if mark is not None:
        # No span to search: a quote left open just above (schedules quote every value,
        # so it closes on the next line and YAML stumbles on what follows), or on the
        # line itself inside brackets.
        opened = _open_quote(text, max(mark.line - 1, 0), mark.line)
        if opened is not None:
            stopped = ("" if opened == mark.line
                       else f", so YAML read on to line {mark.line + 1}")
            return (f"line {opened + 1}: not valid YAML: a quote on this line is not "
                    f"closed{stopped} ({reason})")
    return f"{where}not valid YAML ({reason})"


def _parse(text: str) -> tuple[yaml.Node | None, Any]:
    """The document's node tree (for line numbers and repeated keys, read apart: making
    the data merges ``<<`` keys into it) and its data."""
    # A tab is refused by PyYAML anywhere but a value's inside; libyaml takes one as a
    # space between tokens. The file's verdict must not depend on which is installed.
    if _FAST and "\t" not in text:
        try:
            return _read(text, *_FAST)
        except yaml.YAMLError:
            pass
    return _read(text, *_EXPLAINING)


def _read(text: str, nodes: type[yaml.SafeLoader],
          data: type[yaml.SafeLoader]) -> tuple[yaml.Node | None, Any]:
    return yaml.compose(text, Loader=nodes), yaml.load(text, Loader=data)


UTF16 = "is UTF-16 text (what some editors call \"Unicode\"): save it as UTF-8"


def _utf16(raw: bytes) -> bool:
    # With or without its byte-order mark: ASCII in UTF-16 without one is valid UTF-8,
    # every other byte a NUL (one NUL alone is a character YAML refuses, said as such).
    sample = raw[:200]
    return raw.startswith((b"\xff\xfe", b"\xfe\xff")) or \
        (len(sample) >= 4 and sample.count(0) * 3 >= len(sample))


def _not_utf8(raw: bytes, wrong: UnicodeDecodeError) -> str:
    """Where the file stops being UTF-8, and how to save it so (an editor's "Unicode" is
    UTF-16; a Latin-1 "ü" is one byte)."""
    line = raw.count(b"\n", 0, wrong.start) + 1
    return (f"line {line}: byte 0x{raw[wrong.start]:02x} is not UTF-8 text: save the file "
            "as UTF-8 (an editor's \"UTF-8\" encoding, not ANSI, Latin-1 or GBK)")


def load_config(path: Path) -> AppConfig:
    try:
        found = path.stat()
        if path.exists() and not path.is_dir() and not stat.S_ISREG(found.st_mode):
            raise ConfigError(path, ["is not a regular file (a pipe or a device): give the "
                                     "path of app.yaml"])
        if stat.S_ISREG(found.st_mode) and found.st_size > MAX_BYTES:
            raise ConfigError(path, [f"is {found.st_size:,} bytes, where a configuration is "
                                     "a few thousand: is this app.yaml?"])
        # As the file's bytes say, line endings and all: the audit log's sha256 of it is
        # then the one `sha256sum app.yaml` prints.
        raw = path.read_bytes()
        if _utf16(raw):
            raise ConfigError(path, [UTF16])
        text = raw.decode("utf-8")
    except FileNotFoundError:
        raise ConfigError(path, ["no such file (set CREDITBOT_CONFIG or pass the path)"]) from None
    except IsADirectoryError:
        raise ConfigError(path, ["is a folder, not a file: give the path of app.yaml"]) from None
    except UnicodeDecodeError as wrong:
        raise ConfigError(path, [_not_utf8(raw, wrong)]) from None
    except OSError as problem:
        raise ConfigError(path, [f"cannot be read ({problem.strerror})"]) from None
    try:
        root, data = _parse(text)
        twice = _keys_written_twice(root)
    except yaml.YAMLError as problem:
        raise ConfigError(path, [_yaml_problem(problem, text)]) from None
    except RecursionError:
        raise ConfigError(path, ["nested too deeply to be a configuration"]) from None
    except ValueError as problem:
        # Python's own limit on a number's digits (4,300), met while reading the file.
        said = ("holds a number thousands of digits long: no setting takes one"
                if "digits" in str(problem) else f"not valid YAML ({problem})")
        raise ConfigError(path, [said]) from None
    if twice:
        # YAML keeps the last of two equal keys without a word: a second
        # credit_manager line would silently replace the first.
        raise ConfigError(path, twice)
    if not isinstance(data, dict):
        raise ConfigError(path, ["is empty (or only comments): start from the app.yaml "
                                 "that comes with creditbot and fill in your organisation"]
                          if data is None else
                          ["must be a mapping with organisation, departments, roles…"])
    problems = [(tuple(error["loc"]), _describe(error)) for error in _field_errors(data)]
    # Checks across sections run on what was written, so that a bad value in one
    # section does not hide a problem in another.
    problems += [(p.loc, p.message) for p in _cross_section(data)]
    if problems:
        try:
            lines = [_line_of(root, loc) for loc, _ in problems]
        except RecursionError:  # a merge key into its own mapping (`&s {<<: *s}`)
            raise ConfigError(path, ["nested too deeply to be a configuration"]) from None
        located = sorted(((line, loc, _commented_out(text, line, message))
                          for line, (loc, message) in zip(lines, problems, strict=True)),
                         key=lambda item: item[0] or 0)
        raise ConfigError(path, _once_per_line(located))
    return AppConfig.from_text(data, text)


def _commented_out(text: str, line: int | None, message: str) -> str:
    """``message``, and why a value written on ``line`` read as nothing: ``channel:
    #sales`` is a key and a YAML comment."""
    if line is None or not message.endswith("got nothing"):
        return message
    written = text.splitlines()[line - 1] if line <= len(text.splitlines()) else ""
    if re.search(r":\s+#", written):
        return message + " (a # after the colon starts a YAML comment: nothing after it was read)"
    return message


def _keys_written_twice(root: yaml.Node | None) -> list[str]:
    """Every key written twice in one mapping, where YAML silently keeps the last."""
    found: list[str] = []
    seen: set[int] = set()
    pending = [root] if root is not None else []
    while pending:
        node = pending.pop()
        # An alias is the same node again: walked once, however often it is used.
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            lines: dict[str, int] = {}
            for key, value in node.value:
                if isinstance(key, yaml.ScalarNode):
                    line = key.start_mark.line + 1
                    if key.value in lines:
                        found.append(f"line {line}: {shown(key.value)} is written twice in "
                                     f"one section (first on line {lines[key.value]}); YAML "
                                     "would keep only the last, so write it once")
                    else:
                        lines[key.value] = line
                pending.extend((key, value))
        elif isinstance(node, yaml.SequenceNode):
            pending.extend(node.value)
    return sorted(found, key=lambda message: int(message.split(":")[0].split()[1]))


def _field_errors(data: dict[str, Any]) -> list[Any]:
    try:
        AppConfig.model_validate(data)
    except ValidationError as invalid:
        # The model-level check is the cross-section one, repeated by _cross_section.
        return [e for e in invalid.errors() if e["type"] != "cross_section"]
    return []


def _mapping(value: object) -> dict[Any, Any]:
    """``value`` when app.yaml wrote a mapping there, else an empty one (its shape is
    the field checks' to report)."""
    return value if isinstance(value, dict) else {}


def _cross_section(data: dict[str, Any]) -> list[Problem]:
    def listed(value: object) -> list[Any]:
        return value if isinstance(value, list) else []

    channels = {str(key): channel if isinstance(channel := _mapping(department).get("channel"),
                                                str) else None
                for key, department in _mapping(data.get("departments")).items()}
    role_names = dict.fromkeys((*STANDARD_ROLES, *filter(is_role_name, map(
        str, _mapping(data.get("roles"))))))
    rule = _mapping(_mapping(data.get("access")).get("credit_data"))
    alerts = _mapping(data.get("alerts")).get("routes")
    clearance = _approval_clearance(data, channels)
    return cross_section_problems(channels, role_names, listed(rule.get("roles")),
                                  listed(rule.get("departments"))) + [
        Problem(loc, message) for loc, message in route_problems(
            alerts, channels, role_names, _listed_users(data),
            **{k: v for k, v in _clearance(data).items() if k != "legal_members"})
    ] + [Problem(loc, message) for loc, message in policy_problems(
        data.get("approvals"), _mapping(data.get("roles")), list(channels),
        **clearance)] + [
        Problem(loc, message) for loc, message in closed_channel_problems(
            data, channels, clearance.get("open_to_credit_data"),
            _written_list(rule.get("share_channels")))] + [
        Problem(loc, message) for loc, message in collection_problems(
            data.get("collections"), channels, role_names, _listed_users(data),
            **_clearance(data))] + [
        Problem(loc, message) for loc, message in provision_problems(
            data.get("reports"), _mapping(data.get("aging")).get("bucket_edges"))] + [
        Problem(loc, message) for loc, message in post_to_problems(data.get("reports"),
                                                                   channels)] + [
        Problem(loc, message) for loc, message in base_amount_problems(
            _mapping(data.get("organisation")).get("base_currency"),
            _mapping(data.get("alerts")).get("large_invoice"), data.get("approvals"))]


def _written_list(value: object) -> list[str] | None:
    """The strings of a list app.yaml writes, None when it writes none."""
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else None


def _clearance(data: dict[str, Any]) -> dict[str, Any]:
    """Who holds each role, each department's members and who access.credit_data lets
    see credit data (as domain.access decides), from what was written."""
    def strings(value: object) -> list[str]:
        return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []

    holders = {str(role): strings(users) for role, users in _mapping(data.get("roles")).items()}
    members = {str(key): strings(_mapping(d).get("members"))
               for key, d in _mapping(data.get("departments")).items()}
    rule = _mapping(_mapping(data.get("access")).get("credit_data"))
    access = CreditDataAccess(frozenset(strings(rule.get("roles"))),
                              frozenset(strings(rule.get("departments"))))
    if not access.roles <= {*STANDARD_ROLES, *holders} or not access.departments <= set(
            members):
        return {}  # the access rule itself is wrong (reported): who it clears is a guess

    def cleared(user: str) -> bool:
        return access.allows(Member(
            user, frozenset(r for r, users in holders.items() if user in users),
            frozenset(k for k, users in members.items() if user in users)))
    return {"cleared": cleared, "holders": holders, "legal_members": members}


def _approval_clearance(data: dict[str, Any], channels: dict[str, str | None]
                        ) -> dict[str, Any]:
    """Who may see credit data, and which departments' channels are open to it (as
    AppConfig.share_channels decides), for the approval levels' cards."""
    clearance = _clearance(data)
    cleared = clearance.get("cleared")
    if cleared is None:
        return {}
    shared = _mapping(_mapping(data.get("access")).get("credit_data")).get(
        "share_channels")
    members: dict[str, list[str]] = clearance["legal_members"]

    def open_to_credit_data(key: str) -> bool:
        if key not in members:
            return True  # no such department: reported on its own
        if isinstance(shared, list):
            return channels.get(key) in shared
        return all(cleared(user) for user in members[key])
    return {"cleared": cleared, "open_to_credit_data": open_to_credit_data}


def _listed_users(data: dict[str, Any]) -> set[str]:
    """Everyone app.yaml lists under departments or roles (as written, unchecked)."""
    def values(section: object) -> list[Any]:
        return list(section.values()) if isinstance(section, dict) else []

    # Only text: a list or a mapping where an id belongs is the field checks' to report.
    users = {u for d in values(data.get("departments")) if isinstance(d, dict)
             and isinstance(members := d.get("members"), list) for u in members
             if isinstance(u, str)}
    return users | {u for holders in values(data.get("roles")) if isinstance(holders, list)
                    for u in holders if isinstance(u, str)}


def _once_per_line(located: list[tuple[int | None, tuple[Any, ...], str]]) -> list[str]:
    """Each problem said once: a section used again through a YAML alias
    (``temporary_limit: *increase``) is one line to fix, said with the other places it
    counts for; the same problem on several lines (a misspelt role named by seven
    levels) is one entry listing its lines, not seven entries that bury the others."""
    by_message: dict[str, dict[int | None, list[tuple[Any, ...]]]] = {}
    for line, loc, message in located:
        by_message.setdefault(message, {}).setdefault(line, []).append(loc)
    said: list[tuple[int, str]] = []
    for message, lines in by_message.items():
        numbered = [line for line in lines if line is not None]
        rest = lines
        if len(numbered) > 1:
            places = [loc for line in numbered for loc in lines[line]]
            said.append((numbered[0], f"lines {_listed(numbered)}: {_pattern(places)}: "
                                      f"{message}"))
            rest = {None: lines[None]} if None in lines else {}
        for line, places in rest.items():
            if line is None or len(places) == 1:
                said += [(line or 0, _format(line, loc, message)) for loc in places]
                continue
            also = ", ".join(_key(loc) for loc in places[1:])
            said.append((line, _format(line, places[0], message)
                         + f" (the same line counts for {also})"))
    return [text for _, text in sorted(said, key=lambda item: item[0])]


# Lines named in one entry; the rest counted (400 bands naming one misspelt role gave an
# entry of 2,800 characters).
LINES_LISTED = 10


def _listed(lines: list[int]) -> str:
    if len(lines) > LINES_LISTED:
        return (", ".join(map(str, lines[:LINES_LISTED]))
                + f" and {len(lines) - LINES_LISTED} more")
    return ", ".join(map(str, lines[:-1])) + f" and {lines[-1]}"


def _pattern(places: list[tuple[Any, ...]]) -> str:
    """The places' common key with ``*`` where they differ
    (``approvals.*.bands.*.levels.0.role``); places in different sections, or of
    different shapes, named (a few) or the first and how many more ("and 1 more" hid
    that the other was in collections, not alerts)."""
    keys = [tuple(str(p) for p in loc if p != "[key]") for loc in places]
    if len({len(key) for key in keys}) > 1 or len({key[:1] for key in keys}) > 1:
        named = [".".join(key) for key in keys]
        if len(named) <= SECTIONS_NAMED:
            return ", ".join(named[:-1]) + f" and {named[-1]}"
        return f"{named[0]} and {len(named) - 1} more"
    return ".".join(parts[0] if len(set(parts)) == 1 else "*" for parts in zip(*keys, strict=True))


# Places in different sections named in one entry before the rest are counted.
SECTIONS_NAMED = 3


def _key(loc: tuple[Any, ...]) -> str:
    return ".".join(str(part) for part in loc if part != "[key]")


def _format(line: int | None, loc: tuple[Any, ...], message: str) -> str:
    key = _key(loc)
    prefix = f"line {line}: " if line else ""
    return f"{prefix}{key}: {message}" if key else f"{prefix}{message}"


def _describe(error: Any) -> str:
    """pydantic's error in words that say what is wrong and how to write it right."""
    kind = error["type"]
    loc = tuple(str(part) for part in error["loc"] if part != "[key]")
    if kind in OWN_ERRORS:
        return str(error["msg"])
    if kind == "invalid_key" or error["loc"][-1:] == ("[key]",):
        return (f"{shown(error.get('input'))} cannot be a key here: keys are names such as "
                "sales or credit_manager (put a number in quotes)")
    if kind == "extra_forbidden":
        fields = list(_model_at(loc[:-1]).model_fields)
        close = difflib.get_close_matches(loc[-1], fields, n=1, cutoff=0.8) if loc else []
        if close:
            return (f"is not a setting creditbot knows: did you mean {close[0]}? The "
                    f"settings here are: {', '.join(fields)}")
        return (f"is not a setting creditbot knows (misspelt?); the settings here are: "
                f"{', '.join(fields)}")
    expected = _expected(loc)
    if kind == "missing":
        return f"is required but missing; add it: {expected}" if expected else \
            "is required but missing"
    if kind == "string_too_short":
        return f"must not be empty; write {expected}" if expected else "must not be empty"
    if kind == "bool_type_here":
        return (f"must be {expected or 'a number'}, not a yes or no (YAML reads yes, no, "
                "on, off, true and false so)")
    if kind == "cron" and expected:  # what is wrong with it, after how to write it
        return f"must be {expected}, got {shown(error.get('input'))}: {error['msg']}"
    if expected:
        bound = _bound(kind, error.get("ctx") or {}, expected)
        return f"must be {expected}, got {shown(error.get('input'))}" + \
            (f": {bound}" if bound else "")
    return f"is not valid ({error['msg']}), got {shown(error.get('input'))}"


def _bound(kind: str, ctx: dict[str, Any], expected: str) -> str:
    """The limit a number broke, unless the description gives the range: "whole days,
    e.g. 3, got -1" did not say -1 was the trouble."""
    if re.search(r"\bfrom -?\d", expected):
        return ""
    said = {"greater_than_equal": ("the least is", "ge"),
            "greater_than": ("it must be more than", "gt"),
            "less_than_equal": ("the most is", "le"),
            "less_than": ("it must be less than", "lt")}.get(kind)
    return f"{said[0]} {ctx[said[1]]}" if said and said[1] in ctx else ""


def _expected(loc: tuple[str, ...]) -> str | None:
    """The description of what belongs at ``loc``: its field's, or its entry's."""
    field, depth = _field_at(loc)
    if field is None:
        return None
    if depth == 0:
        return field.description
    items = (field.json_schema_extra or {}).get("items") if isinstance(
        field.json_schema_extra, dict) else None
    if isinstance(items, list) and depth <= len(items):
        return str(items[depth - 1])
    return None


def _field_at(loc: tuple[str, ...]) -> tuple[FieldInfo | None, int]:
    """The field ``loc`` leads to, and how many list or mapping entries deep inside it."""
    annotation: Any = AppConfig
    field: FieldInfo | None = None
    depth = 0
    for part in loc:
        model = _section(annotation)
        if model is not None and part in model.model_fields:
            field = model.model_fields[part]
            annotation, depth = field.annotation, 0
            continue
        annotation = _entry(annotation)
        if annotation is None:
            return None, 0
        depth += 1
    return field, depth


def _model_at(loc: tuple[str, ...]) -> type[BaseModel]:
    field, depth = _field_at(loc)
    annotation: Any = AppConfig if field is None else field.annotation
    for _ in range(depth):
        annotation = _entry(annotation)
    model = _section(annotation)
    return model if model is not None else AppConfig


def _plain(annotation: Any) -> Any:
    """``annotation`` without Annotated metadata or ``| None``."""
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
        elif origin in (typing.Union, types.UnionType):
            annotation = next(a for a in typing.get_args(annotation) if a is not type(None))
        else:
            return annotation


def _section(annotation: Any) -> type[BaseModel] | None:
    annotation = _plain(annotation)
    if (isinstance(annotation, type) and issubclass(annotation, BaseModel)
            and not issubclass(annotation, RootModel)):
        return annotation
    return None


def _entry(annotation: Any) -> Any:
    """The type of one entry of a list or mapping annotation, or None."""
    annotation = _plain(annotation)
    if isinstance(annotation, type) and issubclass(annotation, RootModel):
        annotation = _plain(annotation.model_fields["root"].annotation)
    origin = typing.get_origin(annotation)
    if origin is list:
        return typing.get_args(annotation)[0]
    if origin is dict:
        return typing.get_args(annotation)[1]
    return None


MERGE_TAG = "tag:yaml.org,2002:merge"


def _written(node: yaml.MappingNode, key: str) -> tuple[yaml.Node, yaml.Node] | None:
    """``key`` and its value in ``node``: written there, else where a merge key (``<<:
    *level``) takes it from, so that a problem in a merged value is said at the line that
    holds it (and once, beside the other places it counts for)."""
    merged: list[yaml.Node] = []
    for k, v in node.value:
        if str(k.value) == key and k.tag != MERGE_TAG:
            return k, v
        if k.tag == MERGE_TAG:
            merged += v.value if isinstance(v, yaml.SequenceNode) else [v]
    # Written keys win over merged ones. Which of several merged mappings holding the key
    # wins is the loader's to say (PyYAML is not consistent about it): the merging line
    # is named then, as before.
    found = [f for source in merged if isinstance(source, yaml.MappingNode)
             and (f := _written(source, key)) is not None]
    return found[0] if len(found) == 1 else None


def _line_of(node: yaml.Node | None, loc: tuple[Any, ...]) -> int | None:
    """The line where the deepest existing part of ``loc`` is written."""
    line = None
    for part in (str(p) for p in loc if p != "[key]"):
        if isinstance(node, yaml.MappingNode):
            match = _written(node, part)
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
