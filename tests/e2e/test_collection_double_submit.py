"""The same promise or dispute form sent twice (a double click, Slack's retry) records
one promise, one dispute, one post; the second submission closes quietly. A form refused
beside a field can still be corrected and sent (the refusal claimed nothing)."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from tests.e2e.conftest import NOW
from tests.e2e.test_collection_fixes import assign, errors
from tests.e2e.test_collector_day import (
    COLLECTOR,
    SALES_CHANNEL,
    audit,
    deliver,
    invoices,
    posts,
    worklist,
)


def rows(world: Any, table: str) -> int:
    with Session(world.services.engine) as s:
        return int(s.execute(text(f"select count(*) from {table}")).scalar_one())


def form(world: Any, label: str) -> dict[str, Any]:
    world.slack.click(COLLECTOR, worklist(world), label, wait=False)
    view: dict[str, Any] = world.slack.modal(COLLECTOR)
    world.emulator.views.clear()
    return view


def twice_at_once(world: Any, view: dict[str, Any], values: dict[str, Any]) -> list[Any]:
    answers: list[Any] = []
    threads = [threading.Thread(target=lambda: answers.append(
        world.slack.submit(COLLECTOR, view, values))) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return answers


def test_a_promise_and_a_dispute_sent_twice_are_recorded_once(world):
    assign(world)
    oldest = invoices(world)[0]
    view = form(world, "Promise to pay")
    promise = {"amount": "GBP 50k", "due": str(NOW.date() + timedelta(days=2)),
               "invoices": oldest.invoice_id}
    # Refused beside the field first: the corrected form (same view) still goes through.
    assert set(errors(world.slack.submit(COLLECTOR, view, {**promise, "amount": "lots"}))) \
        == {"amount"}
    answers = twice_at_once(world, view, promise)
    assert sorted((a.status, a.body) for a in answers) == [(200, ""), (200, "")]
    assert rows(world, "collection_promises") == 1
    assert [a[0] for a in audit(world)].count("collections.promised") == 1

    view = form(world, "Dispute")
    dispute = {"invoices": oldest.invoice_id, "reason": "damaged", "department": "sales"}
    answers = twice_at_once(world, view, dispute)
    assert sorted(a.status for a in answers) == [200, 200]
    assert world.slack.submit(COLLECTOR, view, dispute).body == ""  # later, once more
    deliver(world)
    assert rows(world, "collection_disputes") == 1
    assert [a[0] for a in audit(world)].count("collections.disputed") == 1
    assert len([p for p in posts(world, SALES_CHANNEL) if "disputes" in p["text"]]) == 1


def test_a_log_an_escalation_and_a_legal_outcome_sent_twice_are_recorded_once(world):
    # A Log action sent twice logged two actions; an escalation or an outcome sent twice
    # answered the second with a refusal ("collected by <@legal>", "no open legal case")
    # in place of the form the person had just sent.
    from bot.sandbox.driver import Reply
    from tests.e2e.test_collector_day import LAWYER, LEGAL_CHANNEL

    assign(world)
    view = form(world, "Log action")
    answers = twice_at_once(world, view, {"kind": "call", "outcome": "AP away",
                                          "next": str(NOW.date() + timedelta(days=1))})
    assert sorted((a.status, a.body) for a in answers) == [(200, ""), (200, "")]
    assert rows(world, "collection_actions") == 1

    view = form(world, "Escalate to legal")
    answers = twice_at_once(world, view, {"note": "three promises broken"})
    assert sorted((a.status, a.body) for a in answers) == [(200, ""), (200, "")]
    assert rows(world, "legal_cases") == 1
    deliver(world)
    [case] = [p for p in posts(world, LEGAL_CHANNEL) if p["text"].startswith("Legal case")]

    world.slack.click(LAWYER, Reply(LEGAL_CHANNEL, case["text"], case["blocks"],
                                    ephemeral=False, ts="1.000200"),
                      "Record outcome", wait=False)
    view = world.slack.modal(LAWYER)
    answers = [world.slack.submit(LAWYER, view, {"outcome": "settled for 80%"})
               for _ in range(2)]
    assert [(a.status, a.body) for a in answers] == [(200, ""), (200, "")]
    assert [a[0] for a in audit(world)].count("collections.legal_outcome") == 1
    assert [a[0] for a in audit(world)].count("collections.action_logged") == 1
    assert [a[0] for a in audit(world)].count("collections.escalated") == 1
