"""Who a meeting invites: the members of its departments, its extra attendees and the
organiser; and the departments' channels the invitation is posted in. The departments
come from app.yaml through the wiring (the domain does not read the configuration)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from domain.meetings.model import Meeting


@dataclass(frozen=True)
class Department:
    name: str
    channel: str
    members: tuple[str, ...] = ()


@dataclass(frozen=True)
class Invitees:
    """app.yaml's departments by key, as meetings read them."""

    departments: Mapping[str, Department] = field(default_factory=dict)

    def people(self, meeting: Meeting) -> tuple[str, ...]:
        """Everyone invited, once each: the organiser, then department members (in
        app.yaml's order), then the extra attendees."""
        found = [meeting.organiser]
        for key in meeting.departments:
            department = self.departments.get(key)
            if department is not None:
                found.extend(department.members)
        found.extend(meeting.attendees)
        return tuple(dict.fromkeys(found))

    def channels(self, meeting: Meeting) -> tuple[str, ...]:
        """The invited departments' channels, once each (a department app.yaml no longer
        has is skipped)."""
        return tuple(dict.fromkeys(
            self.departments[key].channel for key in meeting.departments
            if key in self.departments))

    def unknown(self, keys: Sequence[str]) -> list[str]:
        return [key for key in keys if key not in self.departments]

    def name_of(self, key: str) -> str:
        department = self.departments.get(key)
        return department.name if department is not None else key
