"""The outbox table on SQLite and PostgreSQL: queued with the transaction, claimed by
one sender at a time, in order per channel, given back when a claim runs out."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, func, select

from domain.messages import OutgoingMessage
from storage.models import OutboxRow
from storage.outbox import CLAIM_EXPIRED, OutboxStore
from storage.unit_of_work import SqlUnitOfWork, unit_of_work_factory

CHANNEL = "C0ALERTS01"
OTHER = "C0OTHER001"
ADMINS = "C0ADMINS01"
LEASE = timedelta(seconds=60)


def message(text: str = "hello", channel: str = CHANNEL, **kwargs: object) -> OutgoingMessage:
    return OutgoingMessage(channel=channel, kind="test.note", text=text, **kwargs)  # type: ignore[arg-type]


def later(seconds: float = 1) -> datetime:
    return datetime.now(UTC) + timedelta(seconds=seconds)


def rows(engine: Engine) -> list[OutboxRow]:
    from sqlalchemy.orm import Session

    with Session(engine) as session:
        return list(session.scalars(select(OutboxRow).order_by(OutboxRow.id)))


def uow(engine: Engine) -> SqlUnitOfWork:
    return SqlUnitOfWork(unit_of_work_factory(engine))


def test_a_message_is_queued_only_when_its_transaction_commits(engine):
    with uow(engine) as work:
        work.outbox.add(message("rolled back"))
    with uow(engine) as work:
        work.outbox.add(message("also rolled back"))
        work.rollback()
    with uow(engine) as work:
        queued = work.outbox.add(message("committed", blocks=[{"type": "divider"}]))
        work.commit()
    [row] = rows(engine)
    assert row.id == queued
    assert row.payload == {"text": "committed", "blocks": [{"type": "divider"}]}
    assert (row.channel, row.kind, row.attempts, row.sent_at, row.failed_at) == (
        CHANNEL, "test.note", 0, None, None)
    assert row.next_attempt_at <= datetime.now(UTC)


def test_a_repeated_dedup_key_is_ignored_and_names_the_first_message(engine):
    with uow(engine) as work:
        first = work.outbox.add(message("digest", dedup_key="digest:2026-11-30"))
        work.commit()
    with uow(engine) as work:
        again = work.outbox.add(message("digest again", dedup_key="digest:2026-11-30"))
        other = work.outbox.add(message("no key"))
        same_no_key = work.outbox.add(message("no key"))
        assert work.outbox.id_of("digest:2026-11-30") == first
        assert work.outbox.id_of("nothing") is None
        work.commit()
    assert again == first
    assert len({first, other, same_no_key}) == 3
    assert [r.payload["text"] for r in rows(engine)] == ["digest", "no key", "no key"]


def test_messages_are_found_by_the_start_of_their_key_exactly(engine):
    # A level's cards, wherever they went: "%" and "_" in a key are no wildcards, case
    # counts (SQLite's LIKE ignores it) and 1:1: is not 1:10:.
    keys = ["card:1:1:C0CREDIT01", "card:1:1:U0FINDIR01", "card:1:10:C0CREDIT01",
            "CARD:1:1:C0CREDIT01", "card:1:1", "card:2:1:U0FINDIR01", "c%rd:1:1:X",
            "card_1:1:Y"]
    with uow(engine) as work:
        ids = {key: work.outbox.add(message(key, dedup_key=key)) for key in keys}
        work.commit()
    with uow(engine) as work:
        assert work.outbox.keyed("card:1:1:") == [
            ("card:1:1:C0CREDIT01", ids["card:1:1:C0CREDIT01"]),
            ("card:1:1:U0FINDIR01", ids["card:1:1:U0FINDIR01"])]
        assert work.outbox.keyed("c%rd:") == [("c%rd:1:1:X", ids["c%rd:1:1:X"])]
        assert work.outbox.keyed("card_") == [("card_1:1:Y", ids["card_1:1:Y"])]
        assert work.outbox.keyed("card:3:") == []


def test_add_new_queues_only_the_first_of_a_key_and_waits_for_one_being_queued(engine):
    # Two runs of the weekly report at once: only the one whose post goes in counts it.
    with uow(engine) as work:
        first = work.outbox.add_new(message("week 50", dedup_key="weekly:C1:2026-W50"))
        assert first is not None
        assert work.outbox.add_new(message("again", dedup_key="weekly:C1:2026-W50")) is None
        work.commit()
    began, answers = threading.Event(), []

    def other_run() -> None:
        began.set()
        with uow(engine) as other:
            other.begin_write()
            answers.append(other.outbox.add_new(message("w51", dedup_key="weekly:C1:2026-W51")))
            other.commit()

    with uow(engine) as work:
        work.begin_write()
        queued = work.outbox.add_new(message("w51", dedup_key="weekly:C1:2026-W51"))
        thread = threading.Thread(target=other_run)
        thread.start()
        began.wait()
        work.commit()
    thread.join(10)
    assert queued is not None and answers == [None]
    assert [r.payload["text"] for r in rows(engine)] == ["week 50", "w51"]
    with uow(engine) as work, pytest.raises(ValueError):
        work.outbox.add_new(message("no key"))


def test_an_edit_or_reply_is_queued_in_the_channel_of_its_message(engine):
    with uow(engine) as work:
        card = work.outbox.add(message("card", channel="U01SALESAMY"))
        edit = work.outbox.add(message("card, decided", channel=OTHER, update_of=card))
        reply = work.outbox.add(message("reminder", channel=OTHER, thread_of=card))
        with pytest.raises(ValueError, match="not in the outbox"):
            work.outbox.add(message("orphan", update_of=9999))
        work.commit()
    by_id = {r.id: r for r in rows(engine)}
    assert by_id[edit].channel == by_id[reply].channel == "U01SALESAMY"
    assert by_id[edit].update_of == card and by_id[reply].payload["thread_of"] == card


def test_a_claim_takes_due_rows_once_until_it_expires(engine):
    store = OutboxStore(engine)
    ids = [store.queue(message(f"m{i}", channel=c)) for i, c in enumerate([CHANNEL, OTHER] * 3)]
    third = store.queue(message("m6", channel=ADMINS))
    now = later()
    first = store.claim("a", 4, now, LEASE)
    assert [d.id for d in first] == ids[:4]
    assert [d.channel for d in first] == [CHANNEL, OTHER] * 2
    # The channels a claims are a's until it is done: their later rows wait for it, so
    # a channel's messages keep their order and its pace is kept by one sender.
    assert [d.id for d in store.claim("b", 10, now, LEASE)] == [third]
    assert store.claim("c", 10, now, LEASE) == []
    # Claims ran out (the senders died): the rows come back, marked as possibly sent.
    again = store.claim("c", 10, now + LEASE, LEASE)
    assert [d.id for d in again] == [*ids, third]
    # Rows that were claimed may have reached Slack; the two never claimed cannot have.
    assert [d.last_error for d in again] == [CLAIM_EXPIRED] * 4 + [None] * 2 + [CLAIM_EXPIRED]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_the_sender_waits_its_turn_behind_an_import_past_a_clicks_wait(engine, monkeypatch):
    # Given up after a click's 2 s, every import's merge failed a delivery pass and the
    # log called it an error.
    from storage import write_gate
    from tests.storage.test_write_gate import held_by_an_import

    store = OutboxStore(engine)
    queued = store.queue(message("m"))
    monkeypatch.setattr(write_gate, "WAIT_SECONDS", 0.1)  # a click's wait, shortened
    with held_by_an_import(engine, seconds=0.5):
        assert [d.id for d in store.claim("a", 1, later(), LEASE)] == [queued]


def test_a_row_waiting_for_a_retry_holds_back_its_channel_only(engine):
    store = OutboxStore(engine)
    first, second = store.queue(message("1")), store.queue(message("2"))
    elsewhere = store.queue(message("3", channel=OTHER))
    now = later()
    [claimed] = store.claim("a", 1, now, LEASE)
    assert claimed.id == first
    assert store.retry_at(first, "a", now + timedelta(seconds=30), "http 500")
    # The second row of the channel must not overtake the first.
    assert [d.id for d in store.claim("a", 10, now, LEASE)] == [elsewhere]
    assert [d.id for d in store.claim("a", 10, now + timedelta(seconds=30), LEASE)] == [
        first, second]


def test_outcomes_are_recorded_only_by_the_claim_holder_except_sent(engine):
    store = OutboxStore(engine)
    one = store.queue(message("1"))
    now = later()
    store.claim("a", 1, now, LEASE)
    assert not store.retry_at(one, "b", now, "not mine")
    assert not store.mark_failed(one, "b", "not_in_channel", now)
    # Slack took it from whoever posted it: that is recorded regardless.
    assert store.mark_sent(one, CHANNEL, "1700000000.000100", now)
    assert not store.mark_sent(one, CHANNEL, "1700000000.000200", now)
    posted = store.posted(one)
    assert posted is not None and (posted.sent_channel, posted.ts) == (CHANNEL, "1700000000.000100")
    assert store.claim("a", 10, now + LEASE * 2, LEASE) == []


def test_a_failure_queues_its_report_in_the_same_transaction_once_per_cause(engine):
    store = OutboxStore(engine)
    one, two = store.queue(message("1")), store.queue(message("2", channel=OTHER))
    now = later()
    store.claim("a", 10, now, LEASE)

    def report() -> OutgoingMessage:
        return OutgoingMessage(channel=ADMINS, kind="delivery.failed", text="invite me",
                               dedup_key=f"delivery.failed:{CHANNEL}:not_in_channel")

    assert store.mark_failed(one, "a", "not_in_channel", now, report())
    assert store.mark_failed(two, "a", "not_in_channel", now, report())
    all_rows = rows(engine)
    assert [r.channel for r in all_rows] == [CHANNEL, OTHER, ADMINS]
    assert all_rows[0].failed_at is not None and all_rows[0].last_error == "not_in_channel"
    assert store.posted(one).failed  # type: ignore[union-attr]


def test_two_claimers_racing_never_share_a_row(engine):
    store = OutboxStore(engine)
    with engine.begin() as conn:
        conn.execute(OutboxRow.__table__.insert(), [  # type: ignore[attr-defined]
            {"created_at": datetime.now(UTC), "channel": f"C0RACE{i % 20:04d}",
             "kind": "test.note", "payload": {"text": str(i), "blocks": []}, "attempts": 0,
             "next_attempt_at": datetime.now(UTC)} for i in range(200)])
    taken: dict[str, list[int]] = {"a": [], "b": []}
    now = later()

    def claim(owner: str) -> None:
        while True:
            try:
                got = store.claim(owner, 7, now, LEASE)
            except Exception as problem:  # SQLite's lock wait may run out: try again
                if "locked" in str(problem):
                    continue
                raise
            if not got:
                return
            taken[owner] += [d.id for d in got]
            for d in got:
                store.mark_sent(d.id, d.channel, f"{d.id}.0", now)

    threads = [threading.Thread(target=claim, args=(o,)) for o in taken]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    everything = taken["a"] + taken["b"]
    assert len(everything) == len(set(everything)) == 200
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(OutboxRow)
                            .where(OutboxRow.sent_at.is_(None))).scalar() == 0


def test_a_message_commits_with_the_audit_entry_and_event_of_its_use_case(engine):
    # A use case that appends an audit entry and queues a message: on SQLite the unit of
    # work writes appends in a fresh write transaction, which must not drop the message.
    from domain.model import AuditEntry

    with uow(engine) as work:
        work.customers.get("C0001")  # a read first, as use cases do
        work.audit.append(AuditEntry(at=datetime.now(UTC), actor="U01SALESAMY",
                                     action="credit.requested", subject="C0001"))
        queued = work.outbox.add(message("Request for C0001"))
        work.commit()
    assert [r.id for r in rows(engine)] == [queued]
    with uow(engine) as work:
        work.audit.append(AuditEntry(at=datetime.now(UTC), actor="U01SALESAMY",
                                     action="credit.requested", subject="C0002"))
        work.outbox.add(message("rolled back with its audit entry"))
    assert [r.id for r in rows(engine)] == [queued]


def test_the_next_try_of_new_messages_is_the_one_holding_their_channel(engine: Engine):
    """`jobs run` said "about one a second per channel" for minutes while a job's
    messages waited behind an earlier job's, retried in ten minutes after Slack failed."""
    from storage.outbox_progress import next_try

    store = OutboxStore(engine)
    earlier = store.queue(message("an earlier job's"))
    [claimed] = store.claim("sender-1", 10, datetime.now(UTC), LEASE)
    retry = later(600).replace(microsecond=0)
    assert store.retry_at(claimed.id, "sender-1", retry, "URLError: Connection refused")
    ours = store.queue(message("this job's"))
    store.queue(message("this job's, elsewhere", channel=OTHER))
    # The other channel's message is due now: that is the next try of this job's.
    upcoming = next_try(engine, earlier)
    assert upcoming is not None and upcoming.last_error is None
    assert upcoming.at <= datetime.now(UTC)
    # This job's message in the held channel alone waits for the earlier one's retry.
    upcoming = next_try(engine, earlier, ours)
    assert upcoming is not None
    assert (upcoming.at, upcoming.last_error) == (retry, "URLError: Connection refused")
    assert next_try(engine, ours + 1) is None
