"""A digest: the alerts of one run for one channel or person, in one message (and its
thread when they do not fit). The domain decides what goes in and in which order; a
renderer (Slack's Block Kit, in handlers) decides how it looks and how much fits."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any, Protocol

from domain.alerts.dedup import Announcement
from domain.alerts.model import AlertState, AlertType
from domain.model import Customer

_TYPE_ORDER = {kind: i for i, kind in enumerate(AlertType)}


class Followed(Enum):
    HERE = "here"      # the destination's latest line of the condition
    AGAIN = "again"    # announced again there since, in a later digest
    LEFT = "left"      # no route sends the condition there any more


@dataclass(frozen=True)
class DigestLine:
    """An announced alert, and what people have answered since (None: nothing yet).
    ``followed``: whether the line is its destination's latest of the condition, which
    routes still send there; else it is shown closed (no buttons, no figures of now)."""

    announcement: Announcement
    state: AlertState | None = None
    followed: Followed = Followed.HERE

    @property
    def condition(self) -> str:
        return self.announcement.alert.condition


@dataclass(frozen=True)
class Page:
    """One Slack message of a digest: the first is posted, the others in its thread."""

    text: str
    blocks: list[dict[str, Any]]


class DigestRenderer(Protocol):
    def render(self, destination: str, digest_id: int, lines: Sequence[DigestLine],
               at: datetime) -> list[Page]:
        """The digest as messages, lines in the order given. ``destination`` is the
        channel or person (its language); ``digest_id`` goes into the buttons. The
        number of pages depends on the number of lines alone."""
        ...

    def left_out(self, destination: str, customers: Sequence[Customer],
                 rates: Sequence[tuple[str, str]], day: date) -> Page:
        """The admins' notice (to ``destination``, in its language) that ``day``'s run
        left ``customers`` out for want of ``rates`` (currency, base): their alerts wait
        for the rates."""
        ...

    def page_of(self, index: int, count: int) -> int:
        """Which page (0: the first) shows line ``index`` of a digest of ``count``."""
        ...

    def render_page(self, destination: str, digest_id: int, lines: Sequence[DigestLine],
                    at: datetime, number: int) -> Page:
        """Page ``number`` of ``render``'s pages, alone (an answer edits only the pages
        it changes)."""
        ...


def ordered(lines: Iterable[DigestLine]) -> list[DigestLine]:
    """Grouped by severity (critical first) and type, each group by amount in the base
    currency, largest first (lines without one last), then by customer name."""
    def key(line: DigestLine) -> tuple[int, int, int, Decimal, str]:
        alert = line.announcement.alert
        amount = alert.amount_in_base
        return (-alert.severity, _TYPE_ORDER[alert.type], amount is None,
                -(amount or Decimal(0)), alert.subject.name.casefold())
    return sorted(lines, key=key)


def by_destination(routed: Iterable[tuple[Announcement, Sequence[str]]]
                   ) -> dict[str, list[DigestLine]]:
    """One digest per destination, its lines ordered."""
    found: dict[str, list[DigestLine]] = defaultdict(list)
    for announcement, destinations in routed:
        for destination in destinations:
            found[destination].append(DigestLine(announcement))
    return {destination: ordered(lines) for destination, lines in found.items()}
