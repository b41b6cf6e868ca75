from datetime import date
from decimal import Decimal

from domain.collections.worklist import WorkItem, ordered, page_of

TODAY = date(2026, 11, 30)


def _item(cid: str, weight: int, *, promise: date | None = None,
          next_on: date | None = None) -> WorkItem:
    return WorkItem(customer_id=cid, name=cid, overdue=(), weight=Decimal(weight),
                    status="open", promise_due=promise, next_action_on=next_on)


def test_promises_due_first_then_actions_due_then_amount_times_days() -> None:
    items = [
        _item("C1", 900_000),
        _item("C2", 10, next_on=date(2026, 11, 29)),
        _item("C3", 5, promise=TODAY),
        _item("C4", 50, next_on=TODAY),
        _item("C5", 7, promise=date(2026, 11, 20)),
        _item("C6", 1_000_000, promise=date(2026, 12, 5), next_on=date(2026, 12, 1)),
        _item("C7", 20, next_on=date(2026, 11, 29)),
    ]
    assert [it.customer_id for it in ordered(items, TODAY)] == [
        "C5", "C3",        # promises due: earliest first
        "C7", "C2", "C4",  # actions due: earliest date, then the larger amount × days
        "C6", "C1",        # the rest by amount × days
    ]


def test_ties_go_by_customer_id_whatever_the_input_order() -> None:
    items = [_item("C9", 100), _item("C3", 100), _item("C5", 100)]
    assert [it.customer_id for it in ordered(items, TODAY)] == ["C3", "C5", "C9"]
    assert ordered(list(reversed(items)), TODAY) == ordered(items, TODAY)


def test_pages() -> None:
    items = [_item(f"C{i:03}", 0) for i in range(23)]
    first = page_of(items, 1, 10)
    assert (first.number, first.pages, first.total, first.has_more) == (1, 3, 23, True)
    last = page_of(items, 9, 10)
    assert last.number == 3 and not last.has_more
    assert [it.customer_id for it in last.items] == ["C020", "C021", "C022"]
    assert page_of([], 1).pages == 1
