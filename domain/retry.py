"""Trying a use case again: a writing one whose optimistic lock lost a race, and a
scheduled job whose database was briefly away.

A unit of work that finds its rows changed under it (a version no longer the stored one,
a unique key taken meanwhile) raises its capability's ``…Changed`` error and writes
nothing. Tried again, it reads what the winner committed: most often it then refuses
politely ("already decided by @x") or finds nothing left to do, never a 500."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import ParamSpec, TypeVar

T = TypeVar("T")
P = ParamSpec("P")

# Two losses in a row are already rare; a third means something keeps changing the rows
# and the person is better told to try again.
TRIES = 3


def retried(attempt: Callable[[], T], conflict: type[Exception],
            tries: int = TRIES) -> T:
    """``attempt()``, tried up to ``tries`` times while it raises ``conflict``; the last
    conflict is raised."""
    for tried in range(1, tries + 1):
        try:
            return attempt()
        except conflict:
            if tried == tries:
                raise
    raise AssertionError("unreachable")  # the last try returns or raises


def retried_on(conflict: type[Exception], tries: int = TRIES
               ) -> Callable[[Callable[P, T]], Callable[P, T]]:
    """A use case method tried again as ``retried`` does: for those whose every write
    runs in the one unit of work the method opens."""
    def wrap(method: Callable[P, T]) -> Callable[P, T]:
        @functools.wraps(method)
        def run(*args: P.args, **kwargs: P.kwargs) -> T:
            return retried(lambda: method(*args, **kwargs), conflict, tries)
        return run
    return wrap


# Pauses before a scheduled job tries again when the database was briefly gone (a
# failover, a restart): a morning digest a few seconds late beats none until tomorrow,
# and a weekly report's next run is a week away.
OUTAGE_PAUSES = (2.0, 5.0)


def retried_after_pauses(attempt: Callable[[], T], failure: type[Exception],
                         warn: Callable[[int, float], None],
                         sleep: Callable[[float], None],
                         pauses: Sequence[float] | None = None) -> tuple[T, int]:
    """``attempt()``, tried again after each of ``pauses`` (``OUTAGE_PAUSES``, read when
    called) while it raises ``failure`` (``warn(try, pause)`` before each pause); the
    last failure is raised. Returns the result and how many tries it took."""
    for tried, pause in enumerate((*(OUTAGE_PAUSES if pauses is None else pauses), None), 1):
        try:
            return attempt(), tried
        except failure:
            if pause is None:
                raise
            warn(tried, pause)
            sleep(pause)
    raise AssertionError("unreachable")  # the last try returns or raises
