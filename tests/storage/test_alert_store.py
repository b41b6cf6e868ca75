"""The alert store on SQLite and PostgreSQL: states survive the round trip exactly,
two writers of one state cannot both win, digests keep their lines and pages, and the
narrow selections of a scan find what they should."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import Engine, insert

from domain.alerts.dedup import Announcement
from domain.alerts.digest import DigestLine
from domain.alerts.model import Alert, AlertState, AlertType, Change, Severity, Subject
from domain.alerts.use_cases import AlertChanged
from domain.money import Money
from storage.models import ContractRow, CustomerRow, InvoiceRow
from storage.unit_of_work import SqlUnitOfWork, unit_of_work_factory

NOW = datetime(2026, 11, 30, 0, 0, tzinfo=UTC)
TODAY = date(2026, 11, 30)
# Hostile text from the ERP must come back exactly as it went in.
NAME = "ACME <!channel> *Ltd* 株式会社 \u202e"


def uow(engine: Engine) -> SqlUnitOfWork:
    return SqlUnitOfWork(unit_of_work_factory(engine))


def alert(level: int = 1, key: str = "C1") -> Alert:
    return Alert(AlertType.OVERDUE, key, Subject(key, NAME, "U0OWNER001", "sales", "G1", "CN"),
                 Severity.WARNING, level, Money(Decimal("1234.5678"), "JPY"),
                 Decimal("8.1234"), 45, {"bucket": "31-60", "exposure": "99.00"})


def state(level: int = 1, **changes: object) -> AlertState:
    found = alert(level)
    base = AlertState(found.condition, found.type, "C1", level, found.severity, level,
                      first_seen=NOW, last_announced_at=NOW, last=found)
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


def test_a_state_comes_back_exactly_and_each_save_moves_its_version(engine):
    with uow(engine) as work:
        work.alerts.save([state()])
        work.commit()
    with uow(engine) as work:
        stored = work.alerts.open_states()
    assert list(stored) == ["overdue:C1"]
    assert stored["overdue:C1"] == dataclasses.replace(state(), version=1)
    answered = dataclasses.replace(stored["overdue:C1"], acknowledged_by="U0MANAGER1",
                                   acknowledged_at=NOW + timedelta(hours=1),
                                   snoozed_until=NOW + timedelta(days=7), snoozed_by="U0X1234567")
    with uow(engine) as work:
        work.alerts.save([answered])
        work.commit()
    with uow(engine) as work:
        assert work.alerts.states(["overdue:C1", "overdue:nobody"]) == {
            "overdue:C1": dataclasses.replace(answered, version=2)}


def test_who_collects_the_account_and_how_far_it_has_gone_come_back(engine):
    # A digest is drawn again from what was stored on every click: the line's "with
    # legal" must survive the trip.
    subject = dataclasses.replace(alert().subject, collector="U04COLLECT1",
                                  collection="escalated")
    collected = dataclasses.replace(state(), last=dataclasses.replace(alert(),
                                                                      subject=subject))
    with uow(engine) as work:
        work.alerts.save([collected])
        work.commit()
    with uow(engine) as work:
        stored = work.alerts.open_states()["overdue:C1"]
    assert stored.last is not None and stored.last.subject == subject


def test_a_save_based_on_a_stale_version_is_refused_and_writes_nothing(engine):
    with uow(engine) as work:
        work.alerts.save([state()])
        work.commit()
    with uow(engine) as work:
        first = work.alerts.open_states()["overdue:C1"]
    with uow(engine) as work:
        work.alerts.save([dataclasses.replace(first, acknowledged_by="U0FIRST001")])
        work.commit()
    with uow(engine) as work, pytest.raises(AlertChanged):
        work.alerts.save([dataclasses.replace(first, snoozed_by="U0SECOND01",
                                              snoozed_until=NOW)])
    with uow(engine) as work:
        now = work.alerts.open_states()["overdue:C1"]
    assert (now.acknowledged_by, now.snoozed_by, now.version) == ("U0FIRST001", None, 2)


def test_resolved_states_are_not_open_but_still_known(engine):
    with uow(engine) as work:
        work.alerts.save([state(resolved_at=NOW)])
        work.commit()
    with uow(engine) as work:
        assert work.alerts.open_states() == {}
        assert list(work.alerts.states(["overdue:C1"])) == ["overdue:C1"]


def test_a_digest_keeps_its_lines_and_pages_and_is_found_by_run_and_condition(engine):
    lines = [DigestLine(Announcement(alert(2), Change.WORSE, alert(1))),
             DigestLine(Announcement(alert(1, "C2"), Change.NEW))]
    with uow(engine) as work:
        first = work.alerts.add_digest(NOW, "C0SALES000", lines)
        other = work.alerts.add_digest(NOW, "U0MANAGER1", lines[1:])
        work.alerts.add_digest(NOW + timedelta(days=1), "C0SALES000", lines)
        work.alerts.set_pages(first, [7, 8])
        work.commit()
    with uow(engine) as work:
        digest = work.alerts.digest(first)
        assert digest is not None
        assert (digest.destination, digest.run_at, digest.pages, digest.lines) == (
            "C0SALES000", NOW, [7, 8], lines)
        assert [d.id for d in work.alerts.digests_with("overdue:C2", NOW)] == [first, other]
        assert [d.id for d in work.alerts.digests_with("overdue:C1", NOW)] == [first]
        assert work.alerts.digest(999) is None


def _portfolio(engine: Engine) -> None:
    customers = [{"customer_id": c, "name": c, "name_key": c.lower(), "currency": "USD",
                  "credit_limit": Decimal(1000), "payment_terms_days": 30}
                 for c in ("C1", "C2")]
    invoice = {"issue_date": TODAY - timedelta(days=90), "status": "open"}
    invoices = [
        {"invoice_id": "I-big-eur", "customer_id": "C1", "due_date": TODAY - timedelta(days=1),
         "amount": Decimal(900), "open_amount": Decimal("900.0001"), "currency": "EUR"},
        {"invoice_id": "I-small-eur", "customer_id": "C1", "due_date": TODAY - timedelta(days=5),
         "amount": Decimal(900), "open_amount": Decimal(899), "currency": "EUR"},
        {"invoice_id": "I-not-due", "customer_id": "C1", "due_date": TODAY,
         "amount": Decimal(5000), "open_amount": Decimal(5000), "currency": "USD"},
        {"invoice_id": "I-usd", "customer_id": "C2", "due_date": TODAY - timedelta(days=100),
         "amount": Decimal(5000), "open_amount": Decimal(4000), "currency": "USD"},
        {"invoice_id": "I-paid", "customer_id": "C2", "due_date": TODAY - timedelta(days=100),
         "amount": Decimal(5000), "open_amount": Decimal(0), "currency": "USD",
         "status": "paid"},
        {"invoice_id": "I-gbp", "customer_id": "C2", "due_date": TODAY - timedelta(days=100),
         "amount": Decimal(5000), "open_amount": Decimal(5000), "currency": "GBP"},
    ]
    contracts = [{"contract_id": k, "customer_id": "C1", "start_date": date(2025, 1, 1),
                  "end_date": end, "payment_terms_days": 30, "credit_limit": limit,
                  "currency": "USD" if limit else None}
                 for k, end, limit in (("K-in", TODAY + timedelta(days=30), Decimal(10)),
                                       ("K-today", TODAY, None),
                                       ("K-out", TODAY + timedelta(days=31), None),
                                       ("K-past", TODAY - timedelta(days=1), None))]
    with engine.begin() as conn:
        conn.execute(insert(CustomerRow.__table__), customers)
        conn.execute(insert(InvoiceRow.__table__), [{**invoice, **row} for row in invoices])
        conn.execute(insert(ContractRow.__table__), contracts)


def test_large_overdue_invoices_are_selected_per_currency_largest_first(engine):
    _portfolio(engine)
    with uow(engine) as work:
        found = work.alerts.large_overdue_invoices(
            TODAY, {"EUR": Decimal(900), "USD": Decimal(1000)}, limit=10)
        capped = work.alerts.large_overdue_invoices(
            TODAY, {"EUR": Decimal(900), "USD": Decimal(1000)}, limit=1)
        assert work.alerts.large_overdue_invoices(TODAY, {}, limit=10) == []
    assert [(i.invoice_id, i.open_amount, i.due_date) for i in found] == [
        ("I-usd", Money(Decimal(4000), "USD"), TODAY - timedelta(days=100)),
        ("I-big-eur", Money(Decimal("900.0001"), "EUR"), TODAY - timedelta(days=1))]
    assert [i.invoice_id for i in capped] == ["I-usd"]


def test_contracts_ending_within_the_notice_period(engine):
    _portfolio(engine)
    with uow(engine) as work:
        found = work.alerts.contracts_ending(TODAY, TODAY + timedelta(days=30))
    assert [(c.contract_id, c.end_date, c.credit_limit) for c in found] == [
        ("K-today", TODAY, None),
        ("K-in", TODAY + timedelta(days=30), Money(Decimal(10), "USD"))]


def test_a_unit_of_work_that_writes_what_it_read_is_not_undone_by_a_writer_meanwhile(engine):
    """SQLite: a transaction that reads and then writes fails at its first write if
    another connection wrote in between; ``begin_write`` takes the lock before the read,
    so the other writer waits a moment instead (PostgreSQL: both simply commit)."""
    from sqlalchemy import func, select

    from storage.models import AuditRow

    other: list[BaseException | None] = []

    def write_meanwhile() -> None:
        try:
            with engine.begin() as conn:
                conn.execute(insert(AuditRow.__table__).values(
                    at=NOW, actor="U0OTHER001", action="credit.checked", subject="C9",
                    details={}))
            other.append(None)
        except BaseException as problem:
            other.append(problem)

    import threading
    import time

    with uow(engine) as work:
        work.begin_write()
        assert work.alerts.open_states() == {}
        writer = threading.Thread(target=write_meanwhile)
        writer.start()
        time.sleep(0.3)
        work.alerts.save([state()])
        work.commit()
    writer.join(5)
    assert other == [None]
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(AuditRow.__table__)).scalar() == 1
    with uow(engine) as work:
        assert list(work.alerts.open_states()) == ["overdue:C1"]


def test_a_new_state_another_scan_inserted_first_is_a_change_not_a_crash(engine):
    with uow(engine) as first, uow(engine) as second:
        first.alerts.save([state()])
        first.commit()
        with pytest.raises(AlertChanged):
            second.alerts.save([state()])
    with uow(engine) as work:
        assert list(work.alerts.open_states()) == ["overdue:C1"]


def test_an_alert_keeps_its_customers_local_name_and_reads_one_stored_before_it():
    from storage.alerts import alert_from_json, alert_to_json

    alert = Alert(AlertType.OVERDUE, "C0033", Subject("C0033", "Qingdao Ocean Fisheries",
                                                      name_local="青岛海洋渔业有限公司"),
                  Severity.WARNING, 1, Money(Decimal("10"), "USD"), Decimal("10"), 5, {})
    assert alert_from_json(alert_to_json(alert)) == alert
    # One stored by a release before the local name was kept has none.
    older = alert_to_json(alert)
    del older["subject"]["name_local"]
    assert alert_from_json(older).subject.name_local is None
    assert "name_local" not in alert_to_json(dataclasses.replace(
        alert, subject=Subject("C1", "Acme")))["subject"]


def test_large_overdue_invoices_beyond_the_cap_are_the_smallest_in_the_base_currency(engine):
    # 20,000,000 JPY (about $130k) came before 1,000,000 USD by their figures, and a
    # capped scan left the dollar millions out.
    _portfolio(engine)
    due = TODAY - timedelta(days=40)
    with engine.begin() as conn:
        conn.execute(insert(InvoiceRow.__table__), [
            {"invoice_id": f"I-{currency}-{n}", "customer_id": "C2", "issue_date": due,
             "due_date": due, "amount": amount, "open_amount": amount - n,
             "currency": currency, "status": "open"}
            for currency, amount in (("JPY", Decimal(20_000_000)), ("USD", Decimal(1_000_000)))
            for n in range(3)])
    # The threshold, $100,000, in each currency (at 0.0065 USD per yen).
    minimum = {"USD": Decimal(100_000), "JPY": Decimal("15384615.3846")}
    with uow(engine) as work:
        capped = work.alerts.large_overdue_invoices(TODAY, minimum, limit=4)
    assert [i.invoice_id for i in capped] == ["I-USD-0", "I-USD-1", "I-USD-2", "I-JPY-0"]


def test_still_overdue_is_the_open_invoices_due_before_the_day(engine):
    _portfolio(engine)
    with uow(engine) as work:
        assert work.alerts.still_overdue(
            ["I-usd", "I-paid", "I-not-due", "I-gone"], TODAY) == {"I-usd"}
        assert work.alerts.still_overdue([], TODAY) == set()
