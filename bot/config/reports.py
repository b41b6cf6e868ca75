"""The ``reports`` section of app.yaml: the provision matrix's rates and how many months
the collection metrics look back over (``/credit report``, the weekly report).

```yaml
reports:
  post_to: finance           # the department whose channel gets the weekly report
  months: 3                  # N: CEI, the simple DSO's sales, the DSO trend
  provision_rates:           # percent of the open amount per aging bucket (aging.bucket_edges)
    current: 1
    1-30: 3
    31-60: 10
    61-90: 25
    90+: 50
```

Every bucket of the ``aging`` section needs a rate from 0 to 100; without the key, the
rates above serve the default buckets (other buckets must be given theirs).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Annotated, Any

from pydantic import Field

from bot.config.fields import shown
from bot.config.section import Section
from domain.aging import AgingBuckets
from domain.reports.use_cases import ReportSettings

DEFAULT_RATES: dict[str, Decimal] = {
    "current": Decimal(1), "1-30": Decimal(3), "31-60": Decimal(10), "61-90": Decimal(25),
    "90+": Decimal(50)}
_RATE = "a percentage from 0 to 100 with at most 2 decimals, e.g. 25"
Rate = Annotated[Decimal, Field(ge=0, le=100, decimal_places=2)]


class ReportsSettings(Section):
    post_to: str = Field(default="finance", min_length=1,
                         description="a department key from departments, e.g. finance")
    months: int = Field(default=3, ge=1, le=12,
                        description="a whole number of months from 1 to 12, e.g. 3")
    provision_rates: dict[str, Rate] | None = Field(
        default=None, description="a mapping from an aging bucket (current, 1-30, …, 90+) "
        "to its provision rate in percent, e.g. {current: 1, 1-30: 3, 90+: 50}",
        json_schema_extra={"items": [_RATE]})

    def settings(self, buckets: AgingBuckets) -> ReportSettings:
        rates = self.provision_rates if self.provision_rates is not None else DEFAULT_RATES
        return ReportSettings({label: Decimal(rates[label]) for label in buckets.labels},
                              self.months)


def post_to_problems(reports: object, departments: Mapping[Any, Any]
                     ) -> list[tuple[tuple[str | int, ...], str]]:
    """The weekly report's department, when app.yaml names one not under departments.
    The default (finance) is not checked here: a deployment without the weekly report
    need not have it; the job says so when it runs."""
    post_to = reports.get("post_to") if isinstance(reports, Mapping) else None
    if not isinstance(post_to, str) or not departments or post_to in departments:
        return []  # absent, not text (the field's own check), or no departments (theirs)
    known = f"use a key under departments: {', '.join(map(str, departments))}"
    return [(("reports", "post_to"), f"{shown(post_to)} is not a department; {known}")]


def provision_problems(reports: object, bucket_edges: object
                       ) -> list[tuple[tuple[str | int, ...], str]]:
    """Each aging bucket without a rate and each rate of a bucket that does not exist, as
    (key path, message); checked on what app.yaml says."""
    try:
        edges: Sequence[Any] = bucket_edges if isinstance(bucket_edges, list) else [30, 60, 90]
        labels = AgingBuckets(tuple(int(e) for e in edges)).labels
    except (TypeError, ValueError):
        return []  # the aging section's own check says what is wrong there
    rates = reports.get("provision_rates") if isinstance(reports, Mapping) else None
    where: tuple[str | int, ...] = ("reports", "provision_rates")
    if rates is None:
        if labels == AgingBuckets().labels:
            return []
        return [(("reports",), f"provision_rates is required when aging.bucket_edges is not "
                 f"the default: give a rate for each bucket ({', '.join(labels)}), e.g. "
                 f"provision_rates: {{{', '.join(f'{b}: …' for b in labels)}}}")]
    if not isinstance(rates, Mapping):
        return []  # the field's own check
    problems: list[tuple[tuple[str | int, ...], str]] = []
    missing = [label for label in labels if label not in rates]
    if missing:
        problems.append((where, f"every aging bucket needs a rate; {', '.join(missing)} "
                         f"{'has' if len(missing) == 1 else 'have'} none (the buckets are "
                         f"{', '.join(labels)})"))
    for key in rates:
        # A rate's own value is the field's to check (0 to 100).
        if str(key) not in labels:
            problems.append(((*where, str(key)), f"{shown(key)} is not an aging bucket; the "
                             f"buckets are {', '.join(labels)}"))
    return problems
