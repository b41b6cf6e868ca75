"""`/credit history`'s collections section: who collects the account now, then every
action, promise, dispute and legal case, newest first, as its reader reads them."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from domain.collections.model import (
    ActionKind,
    Assignment,
    AssignmentStatus,
    CollectionAction,
    Dispute,
    LegalCase,
    Promise,
    PromiseState,
)
from domain.collections.record import CollectionRecord
from domain.money import Money
from handlers.collections.history_lines import collections_section
from handlers.i18n import translator

ZONE = ZoneInfo("Asia/Shanghai")
DAY = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)
COLLECTOR = "U0COLLECT1"


def _at(moment: datetime, tag: str = "en-US") -> str:
    return translator(tag).moment(moment, ZONE)


def _assignment(status: AssignmentStatus, collector: str = COLLECTOR) -> Assignment:
    return Assignment("C1", collector, status, "U0LEAD0001", DAY)


def _promise(state: PromiseState, hours: int, invoices: tuple[str, ...] = ()) -> Promise:
    return Promise("C1", Money(Decimal("1250.5"), "EUR"), date(2026, 12, 1), invoices,
                   state, COLLECTOR, DAY + timedelta(hours=hours))


def test_the_collector_and_every_record_newest_first():
    call = CollectionAction("C1", ActionKind.CALL, "AP pays Friday", COLLECTOR, DAY,
                            next_action_on=date(2026, 11, 27))
    replaced = _promise(PromiseState.REPLACED, 1)
    promise = _promise(PromiseState.OPEN, 3, ("INV-1", "INV-2"))
    dispute = Dispute("C1", ("INV-3",), "short delivery", "sales", "U0OWNER001", COLLECTOR,
                      DAY + timedelta(hours=2))
    record = CollectionRecord(_assignment(AssignmentStatus.PROMISED), (call,),
                              (promise, replaced), (dispute,), ())
    assert collections_section(record, translator("en-US"), ZONE, 12) == (
        "*Collections*\n"
        f"Collector: <@{COLLECTOR}> · payment promised\n"
        f"• {_at(promise.made_at)}: promise to pay €1,250.50 by Dec 1, 2026 for INV-1, INV-2, "
        f"recorded by <@{COLLECTOR}>: open\n"
        f"• {_at(dispute.opened_at)}: the customer disputes INV-3: short delivery, recorded "
        f"by <@{COLLECTOR}> (still open)\n"
        f"• {_at(replaced.made_at)}: promise to pay €1,250.50 by Dec 1, 2026, recorded by "
        f"<@{COLLECTOR}>: replaced by a later promise\n"
        f"• {_at(DAY)}: call by <@{COLLECTOR}>: AP pays Friday; next step on Nov 27, 2026",
        0)


def test_legal_and_a_resolved_dispute_say_how_they_ended():
    closed = DAY + timedelta(days=3)
    case = LegalCase("C1", COLLECTOR, DAY, "", outcome="settled for 80%", closed_at=closed)
    dispute = Dispute("C1", ("INV-3",), "price", None, None, COLLECTOR, DAY - timedelta(days=1),
                      resolved_at=DAY, resolved_by="U0OWNER001", outcome="")
    record = CollectionRecord(None, (), (), (dispute,), (case,))
    assert collections_section(record, translator("en-US"), ZONE, 12) == (
        "*Collections*\n"
        "Nobody collects it now.\n"
        f"• {_at(DAY)}: escalated to legal by <@{COLLECTOR}>: no note (outcome recorded on "
        f"{_at(closed)}: settled for 80%)\n"
        f"• {_at(dispute.opened_at)}: the customer disputed INV-3: price, recorded by "
        f"<@{COLLECTOR}> (resolved by <@U0OWNER001> on {_at(DAY)}: no note)", 0)
    # Open, in Chinese: legal holds it and has not answered yet.
    open_case = LegalCase("C1", COLLECTOR, DAY, "三次违约")
    record = CollectionRecord(_assignment(AssignmentStatus.ESCALATED, "U0LAWYER01"), (), (),
                              (), (open_case,))
    zh = translator("zh-CN")
    assert collections_section(record, zh, ZONE, 12) == (
        "*催收*\n"
        "法务处理中：<@U0LAWYER01>\n"
        f"• {_at(DAY, 'zh-CN')}：<@{COLLECTOR}> 移交法务：三次违约（法务尚未记录结果）", 0)


def test_hostile_text_pings_and_formats_nothing():
    call = CollectionAction("C1", ActionKind.NOTE, "<!channel> *pay* now", COLLECTOR, DAY)
    promise = _promise(PromiseState.BROKEN, 1, ("<@U0BOSS0001>", "`INV`"))
    text, left = collections_section(CollectionRecord(None, (call,), (promise,), (), ()),
                                     translator("en-US"), ZONE, 12)
    assert text == (
        "*Collections*\n"
        "Nobody collects it now.\n"
        f"• {_at(promise.made_at)}: promise to pay €1,250.50 by Dec 1, 2026 for "
        f"&lt;@U0BOSS0001&gt;, ˋINVˋ, recorded by <@{COLLECTOR}>: broken\n"
        f"• {_at(DAY)}: note by <@{COLLECTOR}>: &lt;!channel&gt; ∗pay∗ now")
    assert left == 0


def test_the_latest_records_fit_and_the_rest_are_counted():
    actions = tuple(CollectionAction("C1", ActionKind.CALL, f"call {n} " + "x" * 250,
                                     COLLECTOR, DAY - timedelta(hours=n)) for n in range(30))
    text, left = collections_section(CollectionRecord(None, actions, (), (), ()),
                                     translator("en-US"), ZONE, 12)
    lines = text.split("\n")[2:]
    # Whole lines only, within one section's 3,000 characters, newest first.
    assert len(text) <= 3000
    assert [line.split(": ")[2].split(" ")[:2] for line in lines] == [
        ["call", str(n)] for n in range(len(lines))]
    assert left == 30 - len(lines)
    assert 0 < len(lines) <= 12


def test_actions_not_read_are_counted_among_the_earlier_ones():
    # The history reads the latest 13 actions of 20: the 8 not shown are counted, not 1.
    actions = tuple(CollectionAction("C1", ActionKind.CALL, f"call {n}", COLLECTOR,
                                     DAY - timedelta(hours=n)) for n in range(13))
    record = CollectionRecord(_assignment(AssignmentStatus.OPEN), actions, (), (), (),
                              action_count=20)
    text, left = collections_section(record, translator("en-US"), ZONE, 12)
    assert len(text.split("\n")) == 2 + 12
    assert left == 8


def test_legal_s_outcome_names_who_recorded_it_when_known():
    closed = DAY + timedelta(days=3)
    case = LegalCase("C1", COLLECTOR, DAY, "", outcome="settled", closed_at=closed,
                     closed_by="U0LAWYER01")
    text, _ = collections_section(CollectionRecord(None, (), (), (), (case,)),
                                  translator("en-US"), ZONE, 12)
    assert text.splitlines()[2] == (
        f"• {_at(DAY)}: escalated to legal by <@{COLLECTOR}>: no note (outcome recorded by "
        f"<@U0LAWYER01> on {_at(closed)}: settled)")


def test_a_promise_checked_says_when_it_was_seen_kept_or_broken():
    from dataclasses import replace

    checked = datetime(2026, 12, 4, 23, 30, tzinfo=UTC)  # Dec 5 in the organisation's zone
    kept = replace(_promise(PromiseState.KEPT, 1), checked_at=checked)
    broken = replace(_promise(PromiseState.BROKEN, 2, ("INV-9",)), checked_at=checked)
    record = CollectionRecord(None, (), (broken, kept), (), ())
    assert collections_section(record, translator("en-US"), ZONE, 12)[0].splitlines()[2:] == [
        f"• {_at(broken.made_at)}: promise to pay €1,250.50 by Dec 1, 2026 for INV-9, "
        f"recorded by <@{COLLECTOR}>: broken (seen unpaid on Dec 5, 2026, grace days "
        "included)",
        f"• {_at(kept.made_at)}: promise to pay €1,250.50 by Dec 1, 2026, recorded by "
        f"<@{COLLECTOR}>: kept (seen paid on Dec 5, 2026)"]
    zh = collections_section(record, translator("zh-CN"), ZONE, 12)[0].splitlines()
    assert zh[2].endswith("：已违约（2026年12月5日确认未付，已含宽限期）")
    assert zh[3].endswith("：已履行（2026年12月5日确认到账）")
    # Broken after a part payment: how much came, as the broken note said.
    part = replace(broken, paid_when_checked=Decimal("250.50"))
    shown = collections_section(CollectionRecord(None, (), (part,), (), ()),
                                translator("en-US"), ZONE, 12)[0].splitlines()[2]
    assert shown == (
        f"• {_at(broken.made_at)}: promise to pay €1,250.50 by Dec 1, 2026 for INV-9, "
        f"recorded by <@{COLLECTOR}>: broken (seen on Dec 5, 2026, grace days included, "
        "with only €250.50 of it paid)")
