"""app.yaml on the audit record: recorded when it changed, not at every start."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

from domain.config_in_force import record_in_force
from domain.model import AuditEntry
from tests.fakes import FakeUnitOfWork

NOW = datetime(2026, 12, 5, 1, 0, tzinfo=UTC)
FIRST = "organisation:\n  name: Northwind\n"
SECOND = "organisation:\n  name: Northwind Trading\n"


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def test_a_start_records_the_text_only_when_it_changed():
    uow = FakeUnitOfWork([])
    starts = [(FIRST, "serve"), (FIRST, "scheduler"), (SECOND, "serve"), (FIRST, "serve")]
    recorded = [record_in_force(uow, NOW + timedelta(hours=i), text, path="/etc/app.yaml",
                                host="vm-1", started=started).recorded
                for i, (text, started) in enumerate(starts)]
    assert recorded == [True, False, True, True]

    def entry(hours: int, text: str, previous: str | None) -> AuditEntry:
        return AuditEntry(NOW + timedelta(hours=hours), "creditbot", "config.in_force",
                          "app.yaml", {"sha256": _sha(text), "previous_sha256": previous,
                                       "path": "/etc/app.yaml", "host": "vm-1",
                                       "started": "serve", "text": text})

    # Going back to an earlier text is a change too: the record says what ran when.
    assert uow.audit.entries == [entry(0, FIRST, None), entry(2, SECOND, _sha(FIRST)),
                                 entry(3, FIRST, _sha(SECOND))]


def test_a_start_under_another_text_than_another_hosts_names_that_host():
    # Two hosts of one deployment ran two app.yaml files, and nothing said so.
    uow = FakeUnitOfWork([])
    first = record_in_force(uow, NOW, FIRST, path="/etc/app.yaml", host="vm-1",
                            started="serve")
    assert first.recorded and first.other_host is None
    same = record_in_force(uow, NOW, FIRST, path="/etc/app.yaml", host="vm-2",
                           started="serve")
    assert (same.recorded, same.other_host) == (False, None)
    other = record_in_force(uow, NOW + timedelta(hours=1), SECOND, path="/etc/app.yaml",
                            host="vm-2", started="serve")
    assert other.recorded and other.other_host == uow.audit.entries[0]
    # The same host editing its own file is no disagreement.
    again = record_in_force(uow, NOW + timedelta(hours=2), FIRST, path="/etc/app.yaml",
                            host="vm-2", started="serve")
    assert again.recorded and again.other_host is None
