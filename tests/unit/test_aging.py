from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.aging import AgingBuckets, days_past_due

BUCKETS = AgingBuckets()


def test_default_labels():
    assert BUCKETS.labels == ("current", "1-30", "31-60", "61-90", "90+")
    assert AgingBuckets((15, 45)).labels == ("current", "1-15", "16-45", "45+")


@pytest.mark.parametrize(
    ("days", "label"),
    [(-10, "current"), (0, "current"), (1, "1-30"), (30, "1-30"), (31, "31-60"),
     (60, "31-60"), (61, "61-90"), (90, "61-90"), (91, "90+"), (4000, "90+")],
)
def test_bucket_edges(days, label):
    assert BUCKETS.labels[BUCKETS.index_of(days)] == label


def test_due_today_is_current_not_overdue():
    as_of = date(2026, 3, 15)
    assert BUCKETS.index_of(days_past_due(as_of, as_of)) == 0


def test_leap_day_counts_as_a_day():
    # 2024 is a leap year: from 2024-02-28 to 2024-03-01 is two days, not one.
    assert days_past_due(date(2024, 2, 28), date(2024, 3, 1)) == 2
    assert days_past_due(date(2024, 2, 29), date(2024, 3, 30)) == 30
    assert BUCKETS.labels[BUCKETS.index_of(days_past_due(date(2024, 1, 31),
                                                          date(2024, 3, 1)))] == "1-30"
    # 2023 is not: the same calendar span is one day shorter.
    assert BUCKETS.labels[BUCKETS.index_of(days_past_due(date(2023, 1, 31),
                                                          date(2023, 3, 2)))] == "1-30"
    assert BUCKETS.labels[BUCKETS.index_of(days_past_due(date(2023, 1, 31),
                                                          date(2023, 3, 3)))] == "31-60"


def test_due_date_bounds_for_an_as_of_date():
    as_of = date(2026, 3, 31)
    ranges = BUCKETS.due_date_bounds(as_of)
    assert [(r.earliest, r.latest) for r in ranges] == [
        (as_of, None),
        (date(2026, 3, 1), date(2026, 3, 30)),
        (date(2026, 1, 30), date(2026, 2, 28)),
        (date(2025, 12, 31), date(2026, 1, 29)),
        (None, date(2025, 12, 30)),
    ]


@given(
    as_of=st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 1, 1)),
    offset=st.integers(min_value=-400, max_value=400),
    edges=st.lists(st.integers(1, 200), min_size=1, max_size=6, unique=True).map(sorted),
)
def test_date_bounds_agree_with_day_counting(as_of, offset, edges):
    """The SQL path (date ranges) and the Python path (day counts) bucket alike."""
    buckets = AgingBuckets(tuple(edges))
    due = as_of - timedelta(days=offset)
    containing = [i for i, r in enumerate(buckets.due_date_bounds(as_of))
                  if (r.earliest is None or due >= r.earliest)
                  and (r.latest is None or due <= r.latest)]
    assert containing == [buckets.index_of(days_past_due(due, as_of))]


@pytest.mark.parametrize("edges", [(), (30, 30), (60, 30), (0, 30), (-5,)])
def test_invalid_edges_are_refused(edges):
    with pytest.raises(ValueError):
        AgingBuckets(edges)
