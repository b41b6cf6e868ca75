"""Two actions at once, the second forced into the first's transaction: a method the
first runs inside its unit of work starts the second in another thread and waits for it
(a second at most) before going on, on SQLite and PostgreSQL. On SQLite the second waits
for the first's write lock and runs after it; on PostgreSQL, where each statement sees
what is committed, it ran between two of the first's reads, and people were told things
that were no longer true."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from sqlalchemy import select

from domain.approvals.filing import Filing
from domain.approvals.model import Outcome, RequestKind, RequestState
from domain.collections.recording import Recording
from domain.errors import DomainError
from domain.money import Money
from handlers.errors import explain
from handlers.i18n import translator
from storage.collections import SqlCollectionStore
from storage.credit_requests import SqlCreditRequestStore
from storage.models import OutboxRow
from tests.e2e.conftest import NOW, SALES, World
from tests.e2e.test_approval_deadlines import (
    CREDIT_MANAGER,
    FINANCE_DIRECTOR,
    Deadlines,
    approve_temporary_limit,
    member,
)
from tests.e2e.test_collection_fixes import assign
from tests.e2e.test_collector_day import COLLECTOR, CUSTOMER

OWNER = "U01SALESCHO"
COLLECTOR2 = "U04COLLECT2"


def inside(monkeypatch: pytest.MonkeyPatch, owner: type, name: str,
           second: Callable[[], Any], when: Callable[..., bool] = lambda *a: True
           ) -> Callable[[], None]:
    """The first call of ``owner.name`` matching ``when`` runs ``second`` in another
    thread and waits for it up to a second, then goes on; the function returned waits
    for ``second`` to end (and raises what it raised)."""
    original = getattr(owner, name)
    started: list[threading.Thread] = []
    failed: list[BaseException] = []

    def run() -> None:
        try:
            second()
        except BaseException as error:  # raised in the test's thread by ``settled``
            failed.append(error)

    def patched(self: Any, *args: Any, **kwargs: Any) -> Any:
        if not started and when(*args, **kwargs):
            thread = threading.Thread(target=run)
            started.append(thread)
            thread.start()
            thread.join(1)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(owner, name, patched)

    def settled() -> None:
        assert started, f"{owner.__name__}.{name} was not called"
        started[0].join(30)
        assert not started[0].is_alive()
        if failed:
            raise failed[0]
    return settled


def outbox(world: World) -> list[Any]:
    with world.services.engine.connect() as conn:
        return list(conn.execute(select(OutboxRow.__table__).order_by(OutboxRow.id)))


def test_a_temporary_limits_end_and_a_new_limit_approved_at_once_end_on_the_new_one(
        world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    # The end was worked out from the limits read before the approval committed, and
    # told after it: "The new limit of $200,000.00 applies now.", then "… its limit is
    # $100,000.00 again."
    deadlines = Deadlines(world)
    approve_temporary_limit(world, deadlines)  # $150,000 through 31 December
    requests = deadlines.requests
    filed = requests.file(member(world, SALES), Filing(
        "C0002", RequestKind.LIMIT_INCREASE, "permanent raise", amount="+100k"))
    requests.decide(member(world, CREDIT_MANAGER), filed.id, 1, Outcome.APPROVED)
    settled = inside(monkeypatch, SqlCreditRequestStore, "mark", lambda: requests.decide(
        member(world, FINANCE_DIRECTOR), filed.id, 2, Outcome.APPROVED, "ok"),
        when=lambda key, *_: key.startswith("revert:"))
    after = datetime(2027, 1, 1, 2, 0, tzinfo=UTC)
    with time_machine.travel(after, tick=True):
        deadlines.run(after)
        settled()
        deadlines.run(after + timedelta(minutes=1))
    told = [text for text in deadlines.dms(OWNER)
            if "Acme Packaging" in text and ("ended on" in text or "applies now" in text)]
    assert told[-1].endswith("The new limit of $200,000.00 applies now."), told
    [reverted] = deadlines.audit("limits.reverted")
    said = "its limit is now $100,000.00." in told[-2]
    assert Decimal(reverted.details["limit_now"]) == (100_000 if said else 200_000)


@pytest.mark.parametrize("close", ["cancel", "approve"])
def test_a_question_asked_as_the_request_closes_is_not_left_waiting_for_an_answer(
        world: World, monkeypatch: pytest.MonkeyPatch, close: str) -> None:
    # The question went on the closed request, its Answer button live, after the
    # requester heard it was cancelled or approved.
    requests = world.services.requests
    filed = requests.file(member(world, SALES), Filing(
        "C0002", RequestKind.LIMIT_INCREASE, "Q1", amount="+100k"))
    requests.decide(member(world, CREDIT_MANAGER), filed.id, 1, Outcome.APPROVED)
    closing: Callable[[], Any] = (
        (lambda: requests.cancel(member(world, SALES), filed.id)) if close == "cancel" else
        (lambda: requests.decide(member(world, FINANCE_DIRECTOR), filed.id, 2,
                                 Outcome.APPROVED, "yes")))
    settled = inside(monkeypatch, SqlCreditRequestStore, "add_question", closing)
    with contextlib.suppress(DomainError):  # asked after the close: refused, not asked
        requests.ask_info(member(world, FINANCE_DIRECTOR), filed.id, 2, "Which orders?")
    settled()
    with world.services.uow() as uow:
        request = uow.credit_requests.get(filed.id)
        questions = uow.credit_requests.questions([filed.id]).get(filed.id, [])
    assert request is not None and request.state in (RequestState.CANCELLED,
                                                     RequestState.APPROVED)
    rows = outbox(world)
    for question in questions:
        asking = next(r for r in rows if r.dedup_key == f"approvals.note:question:{question.id}")
        [closed] = [r for r in rows if r.update_of == asking.id]
        assert closed.payload["text"].endswith(
            f"Request #{filed.id} is closed: nothing waits for your answer any more.")
        assert [b["type"] for b in closed.payload["blocks"]] == ["section"]


def test_a_promise_recorded_as_the_account_is_reassigned_says_to_whom(
        world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    # The promise lost the race to the reassignment and its collector was told only
    # "Someone else changed this account's collection just now; try again.", which a
    # second try refused anyway.
    assign(world)
    lead = member(world, CREDIT_MANAGER)
    settled = inside(monkeypatch, SqlCollectionStore, "promises",
                     lambda: world.services.assignments.assign(lead, CUSTOMER, COLLECTOR2))
    collecting: Recording = world.services.collecting
    try:
        collecting.promise(member(world, COLLECTOR), CUSTOMER, Money(Decimal(5000), "GBP"),
                           NOW.date() + timedelta(days=3))
        said = None
    except DomainError as refused:
        said = explain(refused, translator("en-US"))
    settled()
    with world.services.uow() as uow:
        promises = uow.collections.promises(CUSTOMER)
        collector = uow.collections.open_assignment(CUSTOMER)
    assert collector is not None and collector.collector == COLLECTOR2
    if said is None:  # recorded first (SQLite: the reassignment waited for it)
        assert [p.made_by for p in promises] == [COLLECTOR]
    else:
        assert promises == []
        assert said == (f"Fenwick Retail Group (C0041) is collected by <@{COLLECTOR2}>; "
                        "only they or the collections lead can record against it.")
