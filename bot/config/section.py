"""The base of every app.yaml section."""

import types
import typing
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError


def _admits_bool(annotation: Any) -> bool:
    """Whether ``annotation`` takes a yes/no anywhere: bool itself, Any, or a section
    (whose own fields decide)."""
    if annotation is bool or annotation is Any:
        return True
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return True
    return any(_admits_bool(arg) for arg in typing.get_args(annotation)
               if not isinstance(arg, str | int | float | types.NoneType))


def _has_bool(value: object, seen: set[int] | None = None) -> bool:
    if isinstance(value, bool):
        return True
    if not isinstance(value, list | tuple | dict):
        return False
    # Each container once: YAML's aliases make one list an entry of another many times
    # (nine levels of nine are a billion entries but nine lists).
    seen = set() if seen is None else seen
    if id(value) in seen:
        return False
    seen.add(id(value))
    entries = value.values() if isinstance(value, dict) else value
    return any(_has_bool(v, seen) for v in entries)


class Section(BaseModel):
    # A misspelt key is an error, not a silently ignored setting.
    model_config = ConfigDict(extra="forbid", frozen=True)

    @field_validator("*", mode="before")
    @classmethod
    def _no_yes_for_a_number(cls, value: object, info: ValidationInfo) -> object:
        """YAML reads yes, no, on and off as true and false, and pydantic would take
        them as 1 and 0 where a number belongs: ``days: yes`` meant something else."""
        field = cls.model_fields.get(info.field_name or "")
        if field is not None and _has_bool(value) and not _admits_bool(field.annotation):
            raise PydanticCustomError("bool_type_here", "a yes/no where none belongs")
        return value
