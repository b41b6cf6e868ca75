"""Trying a writing use case again when its optimistic lock lost a race.

A unit of work that finds its rows changed under it (a version no longer the stored one,
a unique key taken meanwhile) raises its capability's ``…Changed`` error and writes
nothing. Tried again, it reads what the winner committed: most often it then refuses
politely ("already decided by @x") or finds nothing left to do, never a 500."""

from __future__ import annotations

import functools
from collections.abc import Callable
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
