"""Credit requests on SQLite and PostgreSQL: requests, decisions, delegations and limit
changes survive the round trip exactly; a stale version, a second decision of a level,
a second open request about one subject are refused; and twenty approvers deciding the
same level at the same moment through the real use case give one decision, one audit
entry, one limit change and nineteen polite refusals."""

from __future__ import annotations

import dataclasses
import threading
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, func, insert, select

from domain.access import CreditDataAccess, Member
from domain.approvals.context import Roster
from domain.approvals.filing import Filing
from domain.approvals.model import (
    ChangeKind,
    CreditRequest,
    Decision,
    Delegation,
    Level,
    LimitChange,
    Outcome,
    Question,
    RequestKind,
    RequestState,
)
from domain.approvals.policy import ApprovalPolicy
from domain.approvals.rules import AlreadyDecided, RequestChanged
from domain.approvals.use_cases import CreditRequests
from domain.errors import DomainError
from domain.lookup import normalize_name
from domain.money import Money
from storage.models import (
    AuditRow,
    CustomerRow,
    LimitChangeRow,
    OrderRow,
    RequestDecisionRow,
)
from storage.unit_of_work import SqlUnitOfWork, unit_of_work_factory

NOW = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)
TODAY = date(2026, 11, 30)
# Hostile text must come back exactly as it went in.
REASON = "Q1 <!channel> *orders* 订单 \u202e"
REP = "U0REP00001"
MANAGERS = [f"U0CM{n:06d}" for n in range(20)]


def uow(engine: Engine) -> SqlUnitOfWork:
    return SqlUnitOfWork(unit_of_work_factory(engine))


def usd(amount: str) -> Money:
    return Money(Decimal(amount), "USD")


def request(**changes: object) -> CreditRequest:
    base = CreditRequest(
        RequestKind.TEMPORARY_LIMIT, "C1", "Acme 株式会社", REP, NOW, REASON,
        usd("150000.00"), (Level("credit_manager", 24),
                           Level("finance_director", 48, escalate_to="cfo",
                                 post_to="finance")),
        current_limit=Money(Decimal("100000.1234"), "EUR"),
        new_limit=Money(Decimal("150000"), "EUR"), increase=Money(Decimal("49999.8766"), "EUR"),
        expires_on=date(2027, 1, 31), level_since=NOW)
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


def seed(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(insert(CustomerRow.__table__), [
            {"customer_id": "C1", "name": "Acme", "name_key": normalize_name("Acme"),
             "currency": "USD", "credit_limit": Decimal(20_000), "payment_terms_days": 30}])
        conn.execute(insert(OrderRow.__table__), [
            {"order_id": "SO-1", "customer_id": "C1", "order_date": TODAY,
             "amount": Decimal("1234.5"), "currency": "USD"}])


def test_a_request_and_its_decisions_come_back_exactly(engine):
    with uow(engine) as work:
        stored = work.credit_requests.add(request())
        work.commit()
    assert (stored.id, stored.version) == (1, 1)
    with uow(engine) as work:
        assert work.credit_requests.get(1) == stored
        assert work.credit_requests.find_open(stored.open_key) == stored
        moved = work.credit_requests.save(dataclasses.replace(stored, level=2,
                                                              level_since=NOW))
        decision = Decision(1, 1, "credit_manager", Outcome.APPROVED, "U0CM000001", NOW,
                            "ok <b>", "U0FD000001")
        work.credit_requests.add_decision(decision)
        work.commit()
    with uow(engine) as work:
        assert work.credit_requests.get(1) == moved
        assert moved.version == 2
        assert work.credit_requests.decisions([1, 2]) == {1: [decision]}
        assert work.credit_requests.open_requests() == [moved]
        assert work.credit_requests.filed_by(REP, 5) == [moved]
        assert work.credit_requests.of_customer("C1", 5) == [moved]
        assert work.credit_requests.filed_by("U0NOBODY01", 5) == []


def test_a_stale_version_a_second_decision_and_a_second_open_request_are_refused(engine):
    with uow(engine) as work:
        stored = work.credit_requests.add(request())
        work.commit()
    with uow(engine) as work:
        work.credit_requests.save(dataclasses.replace(stored, level=2))
        work.commit()
    with uow(engine) as work, pytest.raises(RequestChanged):
        work.credit_requests.save(dataclasses.replace(stored, state=RequestState.CANCELLED))
    decision = Decision(1, 1, "credit_manager", Outcome.APPROVED, "U0CM000001", NOW)
    with uow(engine) as work:
        work.credit_requests.add_decision(decision)
        work.commit()
    with uow(engine) as work, pytest.raises(RequestChanged):
        work.credit_requests.add_decision(dataclasses.replace(decision, decided_by="U0X0000001"))
    with uow(engine) as work, pytest.raises(RequestChanged):
        work.credit_requests.add(request(kind=RequestKind.LIMIT_INCREASE))
    # Once closed, its subject is free again.
    with uow(engine) as work:
        current = work.credit_requests.get(1)
        assert current is not None
        work.credit_requests.save(dataclasses.replace(current, state=RequestState.CANCELLED))
        again = work.credit_requests.add(request())
        work.commit()
    with uow(engine) as work:
        assert work.credit_requests.open_requests() == [again]


def test_limit_changes_and_the_limit_in_force(engine):
    # Each change stands on the ERP's limit it replaced (C1's is $20,000).
    seed(engine)
    with uow(engine) as work:
        for _ in range(3):
            work.credit_requests.add(request(kind=RequestKind.ORDER_RELEASE,
                                             order_id=f"SO-{_}"))
        permanent = work.credit_requests.add_limit_change(LimitChange(
            "C1", ChangeKind.PERMANENT, usd("120000.5"), usd("20000"), NOW, "U0FD000001", 1))
        temporary = work.credit_requests.add_limit_change(LimitChange(
            "C1", ChangeKind.TEMPORARY, usd("200000"), usd("20000"),
            NOW + timedelta(hours=1), "U0FD000001", 2, date(2026, 12, 31)))
        work.commit()
    # PostgreSQL aborts a transaction at a refused insert: the use case starts afresh.
    with uow(engine) as work, pytest.raises(RequestChanged):
        work.credit_requests.add_limit_change(dataclasses.replace(permanent, id=0))
    with uow(engine) as work:
        store = work.credit_requests
        assert store.limit_changes("C1") == [permanent, temporary]
        assert store.effective_limits(None, date(2026, 12, 31)) == {"C1": temporary}
        assert store.effective_limits(["C1", "C2"], date(2027, 1, 1)) == {"C1": permanent}
        assert store.effective_limits(["C2"], TODAY) == {}


def test_delegations_and_orders(engine):
    seed(engine)
    with uow(engine) as work:
        first = work.credit_requests.add_delegation(Delegation(
            "U0FD000001", "U0STANDIN1", TODAY, date(2026, 12, 5), NOW))
        work.commit()
    with uow(engine) as work:
        assert work.credit_requests.delegations("U0STANDIN1") == [first]
        assert work.credit_requests.delegations("U0FD000001") == [first]
        # One whose last day is past ended then: not ended again, nor counted.
        past = work.credit_requests.add_delegation(Delegation(
            "U0FD000001", "U0STANDIN2", TODAY - timedelta(days=9), TODAY - timedelta(days=1),
            NOW - timedelta(days=9)))
        assert work.credit_requests.end_delegations("U0FD000001", NOW, TODAY) == 1
        assert work.credit_requests.end_delegations("U0FD000001", NOW, TODAY) == 0
        work.commit()
    with uow(engine) as work:
        assert work.credit_requests.delegations("U0STANDIN1") == []
        assert work.credit_requests.delegations("U0STANDIN2") == [past]
        order = work.credit_requests.order("SO-1")
        assert order is not None
        assert (order.customer_id, order.amount) == ("C1", usd("1234.5"))
        assert work.credit_requests.order("SO-404") is None


def _filed(engine: Engine) -> tuple[CreditRequests, Roster, CreditRequest]:
    """The seeded database's Acme asked +60k by the rep, one credit manager deciding."""
    seed(engine)
    requests = _requests(engine, MANAGERS[:1])
    roster = requests.roster
    return requests, roster, requests.file(roster.member(REP), Filing(
        "acme", RequestKind.LIMIT_INCREASE, REASON, "+60k"))


def _requests(engine: Engine, managers: list[str]) -> CreditRequests:
    roster = Roster({"sales": [REP], "credit_manager": managers,
                     "finance_director": ["U0FD000001"]})
    return CreditRequests(lambda: uow(engine), CreditDataAccess(), ApprovalPolicy("USD"),
                          roster, lambda: NOW, ZoneInfo("Asia/Shanghai"))


def test_the_whole_path_through_the_real_unit_of_work(engine):
    requests, roster, filed = _filed(engine)
    assert (filed.new_limit, filed.measured, len(filed.route)) == (
        usd("80000.00"), usd("80000.00"), 2)
    requests.decide(roster.member(MANAGERS[0]), filed.id, 1, Outcome.APPROVED)
    done = requests.decide(roster.member("U0FD000001"), filed.id, 2, Outcome.APPROVED,
                           "fine")
    assert done.request.state is RequestState.APPROVED
    with uow(engine) as work:
        assert work.credit_requests.effective_limits(["C1"], TODAY)["C1"].limit == \
            usd("80000")
        assert work.customers.get("C1").credit_limit == usd("20000")  # type: ignore[union-attr]
        actions = [e.action for e in work.audit.recent()]
    assert actions == ["limits.changed", "requests.approved", "requests.approved",
                       "requests.filed"]


def test_a_question_asked_comes_back_in_the_history(engine):
    requests, roster, filed = _filed(engine)
    requests.ask_info(roster.member(MANAGERS[0]), filed.id, 1, f"  {REASON}\nwhy now?  ")
    with uow(engine) as work:
        work.credit_requests.add_question(Question(filed.id, 2, "U0FD000001",
                                                   NOW + timedelta(hours=1), "and 2?"))
        work.commit()
    found = requests.history(roster.member(MANAGERS[0]), "C1")
    asked = (Question(filed.id, 1, MANAGERS[0], NOW, f"{REASON}\nwhy now?", id=1),
             Question(filed.id, 2, "U0FD000001", NOW + timedelta(hours=1), "and 2?", id=2))
    assert [r.questions for r in found.requests] == [asked]
    with uow(engine) as work:
        assert work.credit_requests.questions([filed.id + 1]) == {}
    # The requester's list reads them too: one may wait for an answer.
    assert [r.questions for r in requests.mine(roster.member(REP))] == [asked]


def test_a_question_is_answered_once(engine):
    requests, roster, filed = _filed(engine)
    requests.ask_info(roster.member(MANAGERS[0]), filed.id, 1, "Which orders?")
    with uow(engine) as work:
        work.credit_requests.answer_question(1, "PO-7 and PO-9", NOW + timedelta(hours=2))
        work.commit()
    with uow(engine) as work:
        assert work.credit_requests.question(1) == Question(
            filed.id, 1, MANAGERS[0], NOW, "Which orders?", id=1, answer="PO-7 and PO-9",
            answered_at=NOW + timedelta(hours=2))
        assert work.credit_requests.question(2) is None
        # Another answer written after the first (a double submission) is refused.
        with pytest.raises(RequestChanged):
            work.credit_requests.answer_question(1, "again", NOW + timedelta(hours=3))


def test_the_upgrade_copies_the_questions_asked_from_the_audit_log(engine):
    from alembic import command

    from storage.credit_requests import _R, _request_values
    from storage.db import alembic_config, upgrade

    command.downgrade(alembic_config(engine), "0024")
    seed(engine)
    # As the code of revision 0024 stored it: without the columns added since.
    with engine.begin() as conn:
        values = {**_request_values(request()), "version": 1}
        del values["customer_name_local"], values["asked_limit"]  # added by 0031, 0039
        stored = dataclasses.replace(request(), id=conn.execute(
            insert(_R).values(**values).returning(_R.c.id)).scalar_one())
    question = f"{REASON}\nand why?"
    entries = [("requests.info_asked", {"request": stored.id, "level": 1,
                                        "question": question}),
               ("requests.info_asked", {"request": 99, "level": 1, "question": "gone"}),
               ("requests.info_asked", {"request": stored.id, "level": "1",
                                        "question": "odd"}),
               ("requests.approved", {"request": stored.id, "level": 1, "question": "no"}),
               ("requests.info_asked", {"request": stored.id, "level": 2, "question": "2?"})]
    # What a hand, or a release that recorded something else, may have left: each was a
    # traceback that stopped the upgrade (or a line the history could not show).
    odd: list[object] = [
        ["request", stored.id], "just a string", None,
        {"request": [stored.id], "level": 1, "question": "x"},
        {"request": str(stored.id), "level": 1, "question": "x"},
        {"request": True, "level": 1, "question": "x"},
        {"request": stored.id, "level": 1_099_511_627_776, "question": "x"},
        {"request": stored.id, "level": 3, "question": "past its two levels"},
        {"request": stored.id, "level": 0, "question": "x"},
        {"request": stored.id, "level": True, "question": "x"},
        {"request": stored.id, "level": 1, "question": "   "},
        {"request": stored.id, "level": 1, "question": ["x"]}]
    entries += [("requests.info_asked", details) for details in odd]
    with engine.begin() as conn:
        conn.execute(insert(AuditRow.__table__), [
            {"at": NOW + timedelta(minutes=n), "actor": "U0CM000001", "action": action,
             "subject": "C1", "details": details}
            for n, (action, details) in enumerate(entries)])
    upgrade(engine)
    with uow(engine) as work:
        assert work.credit_requests.questions([stored.id]) == {stored.id: [
            Question(stored.id, 1, "U0CM000001", NOW, question, id=1),
            Question(stored.id, 2, "U0CM000001", NOW + timedelta(minutes=4), "2?", id=2)]}


def _count(engine: Engine, table: object, *where: object) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)  # type: ignore[arg-type]
                                .where(*where)).scalar_one())


def test_twenty_approvers_at_once_give_one_decision(engine):
    seed(engine)
    requests = _requests(engine, MANAGERS)
    roster = requests.roster
    filed = requests.file(roster.member(REP), Filing("C1", RequestKind.LIMIT_INCREASE,
                                                     "season", "+10k"))
    assert len(filed.route) == 1
    start = threading.Barrier(len(MANAGERS))
    outcomes: dict[str, object] = {}

    def click(user: str) -> None:
        start.wait()
        try:
            outcomes[user] = requests.decide(roster.member(user), filed.id, 1,
                                             Outcome.APPROVED)
        except BaseException as problem:  # every outcome is asserted below
            outcomes[user] = problem

    threads = [threading.Thread(target=click, args=(user,)) for user in MANAGERS]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    winners = [user for user, result in outcomes.items() if not isinstance(result, BaseException)]
    assert len(winners) == 1, outcomes
    refusals = [result for result in outcomes.values() if isinstance(result, BaseException)]
    assert all(isinstance(r, AlreadyDecided) for r in refusals), refusals
    assert {str(r) for r in refusals} == {
        f"Level 1 of request #{filed.id} was already approved by <@{winners[0]}>."}
    assert len(refusals) == 19
    assert _count(engine, RequestDecisionRow.__table__) == 1
    assert _count(engine, LimitChangeRow.__table__) == 1
    assert _count(engine, AuditRow.__table__, AuditRow.action == "requests.approved") == 1
    assert _count(engine, AuditRow.__table__, AuditRow.action == "limits.changed") == 1


def test_a_request_submitted_many_times_at_once_is_filed_once(engine):
    seed(engine)
    requests = _requests(engine, MANAGERS[:1])
    rep = requests.roster.member(REP)
    start = threading.Barrier(8)
    outcomes: list[object] = []

    def submit() -> None:
        start.wait()
        try:
            outcomes.append(requests.file(rep, Filing("C1", RequestKind.LIMIT_INCREASE,
                                                      "season", "+10k")))
        except DomainError as problem:
            outcomes.append(problem)

    threads = [threading.Thread(target=submit) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    filed = [o for o in outcomes if isinstance(o, CreditRequest)]
    assert len(filed) == 1, outcomes
    assert {str(o) for o in outcomes if not isinstance(o, CreditRequest)} == {
        f"You already filed an open limit increase request for Acme (#{filed[0].id}): it "
        "must be decided or cancelled first (`/credit requests` lists it)."}
    assert _count(engine, AuditRow.__table__, AuditRow.action == "requests.filed") == 1


def test_a_member_is_built_from_the_roster():
    roster = Roster({"credit_manager": ["U0CM000001"]}, {"credit": ["U0CM000001"]})
    assert roster.member("U0CM000001") == Member(
        "U0CM000001", frozenset({"credit_manager"}), frozenset({"credit"}))


def test_a_request_keeps_the_customers_local_name_and_the_upgrade_fills_it_in(engine):
    from alembic import command
    from sqlalchemy import update

    from storage.credit_requests import _R, _request_values
    from storage.db import alembic_config, upgrade

    with uow(engine) as work:
        kept = work.credit_requests.add(request(customer_name_local="アクメ株式会社"))
        work.commit()
    with uow(engine) as work:
        assert work.credit_requests.get(kept.id) == kept
    # Those filed before the name was kept take the customer's, as the ERP has it now.
    command.downgrade(alembic_config(engine), "0030")
    seed(engine)
    with engine.begin() as conn:
        conn.execute(update(CustomerRow.__table__).values(name_local="艾克美"))
        values = {**_request_values(request()), "version": 1}
        del values["customer_name_local"], values["asked_limit"]  # added by 0031, 0039
        values["open_key"] = "C1:another"
        older = conn.execute(insert(_R).values(**values).returning(_R.c.id)).scalar_one()
    upgrade(engine)
    with uow(engine) as work:
        assert [work.credit_requests.get(i).customer_name_local  # type: ignore[union-attr]
                for i in (kept.id, older)] == ["艾克美", "艾克美"]


def test_a_request_read_locked_holds_off_a_change_until_the_reader_commits(engine):
    # The approvals job deals a level's missing cards under this lock: a decision at the
    # same moment waits, then finds those cards to edit (on PostgreSQL it wrote its edit
    # first and a dealt card kept its buttons).
    with uow(engine) as work:
        stored = work.credit_requests.add(request())
        work.commit()
    locked, order = threading.Event(), []

    def job() -> None:
        with uow(engine) as work:
            work.begin_write()
            assert work.credit_requests.get(stored.id, lock=True) == stored
            locked.set()
            threading.Event().wait(0.5)
            order.append("job commits")
            work.commit()

    def decision() -> None:
        assert locked.wait(5)
        with uow(engine) as work:
            work.begin_write()
            current = work.credit_requests.get(stored.id)
            assert current is not None
            work.credit_requests.save(dataclasses.replace(current, level=2))
            order.append("decision saved")
            work.commit()

    threads = [threading.Thread(target=job), threading.Thread(target=decision)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert order == ["job commits", "decision saved"]


def test_a_limit_request_and_an_order_release_never_share_a_key(engine):
    # Customer "C1:order:9"'s limit and customer C1's order "9:limit" had one key
    # ("C1:order:9:limit"): the order's release was refused as asked for already.
    from alembic import command

    from storage.credit_requests import _R
    from storage.db import alembic_config

    limit = request(customer_id="C1:order:9")
    release = request(kind=RequestKind.ORDER_RELEASE, order_id="9:limit", expires_on=None)
    with uow(engine) as work:
        filed = [work.credit_requests.add(r) for r in (limit, release)]
        work.commit()
    with uow(engine) as work:
        assert [work.credit_requests.find_open(r.open_key) for r in (limit, release)] == filed
    # A downgrade cannot keep both keys: the later request is left without one.
    command.downgrade(alembic_config(engine), "0035")
    with engine.connect() as conn:
        assert conn.execute(select(_R.c.id, _R.c.open_key).order_by(_R.c.id)).all() == [
            (filed[0].id, "C1:order:9:limit"), (filed[1].id, None)]


def test_the_upgrade_rewrites_the_open_requests_keys(engine):
    from alembic import command

    from storage.credit_requests import _R
    from storage.db import alembic_config, upgrade

    limit = request()
    release = request(kind=RequestKind.ORDER_RELEASE, order_id="SO-1", expires_on=None)
    with uow(engine) as work:
        filed = [work.credit_requests.add(r) for r in (limit, release)]
        work.commit()
    command.downgrade(alembic_config(engine), "0035")
    with engine.connect() as conn:
        assert sorted(conn.execute(select(_R.c.open_key)).scalars()) == [
            "C1:limit", "C1:order:SO-1"]
    # Requests open before the upgrade are found by their new keys after it.
    upgrade(engine)
    with uow(engine) as work:
        assert [work.credit_requests.find_open(r.open_key) for r in (limit, release)] == filed
