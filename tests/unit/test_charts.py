"""The weekly report's charts: valid PNGs of a fixed size, the same bytes for the same
figures, and different bytes when the figures change."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

from PIL import Image

from handlers.reports.charts import (
    HEIGHT,
    WIDTH,
    AgingBar,
    DsoPoint,
    aging_chart,
    bucket_label,
    dso_chart,
    point_labels,
)

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
BARS = [AgingBar("current", Decimal("1250000")), AgingBar("1-30", Decimal("340000")),
        AgingBar("31-60", Decimal("120500")), AgingBar("61-90", Decimal("0")),
        AgingBar("90+", Decimal("45000"))]
POINTS = [DsoPoint(date(2026, m, 1), Decimal(40 + m), Decimal("30.5")) for m in range(6, 12)]


def decoded(png: bytes) -> Image.Image:
    assert png.startswith(PNG_SIGNATURE)
    image = Image.open(io.BytesIO(png))
    image.load()  # decodes every pixel: a truncated or corrupt PNG fails here
    return image


def test_the_aging_chart_is_an_800_by_450_png_with_no_software_or_date_in_it() -> None:
    png = aging_chart(BARS, "USD")
    image = decoded(png)
    assert (image.format, image.size) == ("PNG", (WIDTH, HEIGHT)) == ("PNG", (800, 450))
    assert not {"Software", "Creation Time", "date:create"} & set(image.info)
    assert b"matplotlib" not in png


def test_the_same_figures_draw_the_same_bytes_and_other_figures_others() -> None:
    assert aging_chart(BARS, "USD") == aging_chart(list(BARS), "USD")
    assert dso_chart(POINTS) == dso_chart(list(POINTS))
    assert aging_chart(BARS, "USD") != aging_chart(BARS[:-1], "USD")
    assert dso_chart(POINTS) != dso_chart(POINTS[1:])


def test_the_dso_chart_draws_months_without_sales_as_gaps() -> None:
    gap = [*POINTS, DsoPoint(date(2026, 12, 1), None, None)]
    assert decoded(dso_chart(gap)).size == (800, 450)
    assert decoded(dso_chart([])).size == (800, 450)


def test_an_empty_portfolio_still_draws_an_aging_chart() -> None:
    empty = [AgingBar(b.bucket, Decimal(0)) for b in BARS]
    assert decoded(aging_chart(empty, "CNY")).size == (800, 450)


def test_buckets_are_shown_as_days_past_due_without_words() -> None:
    assert [bucket_label(b.bucket) for b in BARS] == ["≤0", "1-30", "31-60", "61-90", "90+"]


def test_both_lines_carry_their_figures_to_the_tenth() -> None:
    # Only the DSO points carried theirs; the README says the chart's points do.
    points = [DsoPoint(date(2026, 10, 1), Decimal("118.05"), Decimal("47.55")),
              DsoPoint(date(2026, 11, 1), Decimal("370"), None, longer=True),
              DsoPoint(date(2026, 12, 1), None, None)]
    assert point_labels(points) == [
        ("2026-10", 118.05, "118.1", True), ("2026-10", 47.55, "47.6", False),
        ("2026-11", 370.0, ">370.0", True)]


def test_the_higher_of_a_months_two_points_is_labelled_above_the_lower_below() -> None:
    # After a month without sales the simple Best Possible DSO ran above the count-back
    # DSO: its label below its point and DSO's above its own were printed over each other.
    points = [DsoPoint(date(2026, 9, 1), Decimal("48.2"), Decimal("54.9")),
              DsoPoint(date(2026, 10, 1), Decimal("67.3"), Decimal("30.15")),
              DsoPoint(date(2026, 11, 1), Decimal("40"), Decimal("40"))]
    assert point_labels(points) == [
        ("2026-09", 48.2, "48.2", False), ("2026-09", 54.9, "54.9", True),
        ("2026-10", 67.3, "67.3", True), ("2026-10", 30.15, "30.2", False),
        ("2026-11", 40.0, "40.0", True), ("2026-11", 40.0, "40.0", False)]
