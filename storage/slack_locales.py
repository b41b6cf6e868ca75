"""People's Slack locales as the bot learnt them: written when a command's lookup
(``users.info``) finds a new one, read as a whole (a few hundred rows at most) by the
outbox renderers' ``locale_of``, which keep them in memory between reads."""

from __future__ import annotations

import itertools
import logging
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from storage.db import SQLITE_BEGIN
from storage.models import CustomerRow, SlackLocaleRow

log = logging.getLogger("creditbot.languages")

# Bumped on each write in this process: a reader here re-reads at once, one in another
# process within its refresh interval.
_written = itertools.count(1)
_generation = 0
_generation_lock = threading.Lock()


def _bump() -> None:
    global _generation
    with _generation_lock:
        _generation = next(_written)


class SlackLocales:
    def __init__(self, sessions: sessionmaker[Session],
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.sessions = sessions
        self.clock = clock

    def remember(self, user_id: str, locale: str) -> None:
        """Stores ``locale`` for ``user_id`` (a failure is logged: the language of a
        later message is not worth a command's answer)."""
        try:
            self._write(user_id, locale[:35])
        except SQLAlchemyError as problem:
            log.warning("could not remember %s's Slack locale: %s", user_id, problem)
            return
        _bump()

    def _write(self, user_id: str, locale: str) -> None:
        for _ in range(2):  # two first lookups at once: the second insert updates
            with self.sessions() as session, session.begin():
                # It reads, then writes: on SQLite a plain BEGIN would fail at the write
                # if anything (a job, an order) wrote in between (storage.db's begin hook).
                session.connection(execution_options={SQLITE_BEGIN: "IMMEDIATE"})
                row = session.get(SlackLocaleRow, user_id)
                if row is not None:
                    if row.locale != locale:
                        row.locale, row.updated_at = locale, self.clock()
                    return
                try:
                    session.add(SlackLocaleRow(user_id=user_id, locale=locale,
                                               updated_at=self.clock()))
                    session.flush()
                    return
                except IntegrityError:
                    session.rollback()

    def all(self) -> dict[str, str]:
        with self.sessions() as session:
            return dict(session.execute(select(SlackLocaleRow.user_id,
                                               SlackLocaleRow.locale)).tuples().all())

    def account_owners(self) -> set[str]:
        """The customers' owners (the ERP's owner ids): people creditbot writes to."""
        owner = CustomerRow.owner_slack_id
        with self.sessions() as session:
            return set(session.scalars(select(owner).where(owner.is_not(None)).distinct()))


class RememberedLocales:
    """``all()`` of a store, read again after ``refresh`` seconds or once this process
    wrote one: a message costs no query."""

    def __init__(self, store: SlackLocales, refresh: float = 60.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.store = store
        self.refresh = refresh
        self.clock = clock
        self._known: dict[str, str] = {}
        self._read_at: float | None = None
        self._generation = -1
        self._lock = threading.Lock()

    def get(self, user_id: str) -> str | None:
        now = self.clock()
        with self._lock:
            stale = (self._read_at is None or now - self._read_at >= self.refresh
                     or self._generation != _generation)
        if stale:
            generation = _generation
            try:
                known = self.store.all()
            except SQLAlchemyError as problem:
                log.warning("could not read the remembered Slack locales: %s", problem)
                known = self._known
            with self._lock:
                self._known, self._read_at, self._generation = known, now, generation
        return self._known.get(user_id)
