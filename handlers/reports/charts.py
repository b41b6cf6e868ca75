"""The weekly report's charts, drawn with matplotlib as PNG bytes.

- **Aging**: open receivables per days-past-due bucket, in the base currency.
- **DSO trend**: count-back DSO per month over the recent months, with Best Possible
  DSO beside it (as the report figures it, the simple way: the gap between the two is
  roughly what collections can still win, not the ADD the report computes).

Deterministic: the same figures give the same bytes (fixed size and dpi, the Agg
backend, no date or software version in the PNG's metadata, fonts bundled with
matplotlib), so a re-rendered chart is identical and tests can compare sizes.

Language-neutral: matplotlib's bundled font (DejaVu Sans) has no Chinese glyphs and no
CJK font can be counted on on a server, so a chart carries only numbers, bucket edges
(``≤0``, ``1-30``, ``90+``), ISO months (``2026-07``), currency codes and the acronyms
DSO / BPDSO; the words (titles, what each chart shows) are in the message text, in the
channel's language.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from typing import TYPE_CHECKING

from domain.aging import CURRENT

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

# 8 x 4.5 inches at 100 dpi: 800 x 450 pixels, legible in Slack's preview and full size.
SIZE_INCHES = (8.0, 4.5)
DPI = 100
WIDTH, HEIGHT = round(SIZE_INCHES[0] * DPI), round(SIZE_INCHES[1] * DPI)
# PNG text chunks matplotlib would write (Software: matplotlib version…): none.
_METADATA: dict[str, str | None] = {"Software": None}
_BAR = "#3b6ea8"
_LATE = "#c0504d"
_BEST = "#9bbb59"


@dataclass(frozen=True)
class AgingBar:
    """One bucket: its label as domain.aging names it (``current``, ``1-30``, ``90+``)
    and the open amount in the base currency."""

    bucket: str
    amount: Decimal


@dataclass(frozen=True)
class DsoPoint:
    """One month: its first day, count-back DSO and Best Possible DSO in days (None
    where the month had no sales to count back over)."""

    month: date
    dso: Decimal | None
    best_possible: Decimal | None
    # The receivables outlasted the year counted back: the DSO is more than ``dso``.
    longer: bool = False


def bucket_label(bucket: str) -> str:
    """A bucket as the chart shows it: days past due, no words."""
    return "≤0" if bucket == CURRENT else bucket


def aging_chart(bars: Sequence[AgingBar], currency: str) -> bytes:
    """Bars of the open amount per bucket; overdue buckets in red, with their amounts."""
    figure = _figure()
    axes = figure.add_subplot()
    labels = [bucket_label(b.bucket) for b in bars]
    values = [float(b.amount) for b in bars]
    colours = [_BAR if b.bucket == CURRENT else _LATE for b in bars]
    drawn = axes.bar(labels, values, color=colours, width=0.6)
    axes.bar_label(drawn, labels=[_short(v) for v in values], padding=3, fontsize=9)
    axes.set_ylabel(currency)
    from matplotlib.ticker import FuncFormatter

    axes.yaxis.set_major_formatter(FuncFormatter(lambda v, _: _short(v)))
    axes.set_ylim(0, max([*values, 1.0]) * 1.15)
    _tidy(axes)
    return _png(figure)


def dso_chart(points: Sequence[DsoPoint]) -> bytes:
    """Lines of count-back DSO and Best Possible DSO per month, in days."""
    figure = _figure()
    axes = figure.add_subplot()
    months = [p.month.strftime("%Y-%m") for p in points]
    dso = [float(p.dso) if p.dso is not None else float("nan") for p in points]
    best = [float(p.best_possible) if p.best_possible is not None else float("nan")
            for p in points]
    axes.plot(months, dso, marker="o", color=_BAR, label="DSO")
    axes.plot(months, best, marker="s", linestyle="--", color=_BEST, label="BPDSO")
    for x, y, shown, above in point_labels(points):
        axes.annotate(shown, (x, y), textcoords="offset points",
                      xytext=(0, 6 if above else -13), ha="center", fontsize=9)
    finite = [v for v in (*dso, *best) if v == v]
    axes.set_ylim(0, max([*finite, 10.0]) * 1.2)
    axes.set_ylabel("d")
    axes.legend(loc="upper left", frameon=False)
    _tidy(axes)
    return _png(figure)


def point_labels(points: Sequence[DsoPoint]) -> list[tuple[str, float, str, bool]]:
    """Each point's figure as the chart writes it beside the point (month, value, text,
    above it): to the tenth, rounded half up as the card and the post write days, ">" for
    "more than". The higher of a month's two points is labelled above it and the lower
    below, so the two labels never meet: Best Possible DSO is counted the simple way
    and the line the count-back way, so after a month without sales the dashes can run
    above the line (the two labels were printed over each other there)."""
    labels = []
    for point in points:
        month = point.month.strftime("%Y-%m")
        dso_above = point.best_possible is None or point.dso is None or \
            point.dso >= point.best_possible
        if point.dso is not None:
            labels.append((month, float(point.dso), (">" if point.longer else "") + str(
                point.dso.quantize(Decimal("0.1"), ROUND_HALF_UP)), dso_above))
        if point.best_possible is not None:
            labels.append((month, float(point.best_possible), str(
                point.best_possible.quantize(Decimal("0.1"), ROUND_HALF_UP)),
                not dso_above))
    return labels


def _figure() -> Figure:
    # A Figure without pyplot: no global state shared between threads or runs.
    return _matplotlib()(figsize=SIZE_INCHES, dpi=DPI)


@cache
def _matplotlib() -> type[Figure]:
    """matplotlib's Figure, imported on the first chart rather than with this module: it
    took about half a second of every process (each command-line start, each server
    worker), though only the weekly report draws."""
    import matplotlib
    from matplotlib.figure import Figure

    # Straight to PNG, without pyplot; Agg also keeps any pyplot use elsewhere in the
    # process from looking for a display.
    matplotlib.use("Agg")
    return Figure


def _tidy(axes: Axes) -> None:
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    axes.grid(axis="y", alpha=0.3)
    axes.set_axisbelow(True)


def _png(figure: Figure) -> bytes:
    figure.tight_layout()
    out = io.BytesIO()
    figure.savefig(out, format="png", dpi=DPI, metadata=_METADATA)
    return out.getvalue()


def _short(value: float) -> str:
    """1234567 → 1.2M, 25300 → 25.3k: the chart's axes and bar labels, any language."""
    for size, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= size:
            return f"{value / size:.1f}".rstrip("0").rstrip(".") + suffix
    return f"{value:.0f}"
