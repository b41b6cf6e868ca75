"""The collector's day in app.yaml's ``collections`` section: the dunning policy, the
promise grace days, when an account counts as stale, who the collections lead is and
which department takes legal cases.

```yaml
collections:
  dunning:                      # days past due -> level -> suggested step
    - {days: 1, step: reminder}
    - {days: 15, step: phone_call}
    - {days: 30, step: final_notice}
    - {days: 45, step: stop_supply}
    - {days: 90, step: legal}
  promise_grace_days: 3         # a promise is broken when unpaid this many days after its date
  stale_after_days: 14          # no action for this long: the lead is told
  lead: U0123ABCDE              # the collections lead
  legal_department: legal       # a key under departments: legal cases go to its channel
```

The steps are ``reminder``, ``phone_call``, ``final_notice``, ``stop_supply`` and
``legal`` (each translated where it is shown). Levels are numbered in the order given.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from itertools import pairwise

from pydantic import Field, field_validator
from pydantic_core import PydanticCustomError

from bot.config.fields import UserId
from bot.config.section import Section
from domain.collections.day import WorkPolicy
from domain.collections.dunning import DEFAULT_POLICY, DunningPolicy, Step

_STEPS = ", ".join(s.value for s in Step)


class DunningLevelSetting(Section):
    days: int = Field(ge=1, description="days past due at which the level starts, e.g. 15")
    step: Step = Field(description=f"the suggested step: one of {_STEPS}")


class CollectorsDaySettings(Section):
    dunning: list[DunningLevelSetting] = Field(
        default=[DunningLevelSetting(days=lv.from_days, step=lv.step)
                 for lv in DEFAULT_POLICY.levels],
        description="a list of levels, each with days and step, e.g. "
                    "[{days: 1, step: reminder}, {days: 15, step: phone_call}]",
        json_schema_extra={"items": ["a section with days and step"]})
    promise_grace_days: int = Field(default=3, ge=0, le=60,
                                    description="whole days, e.g. 3")
    stale_after_days: int = Field(default=14, ge=1, le=365,
                                  description="whole days, e.g. 14")
    lead: UserId | None = Field(default=None,
                                description="the Slack user id of the collections lead")
    legal_department: str = Field(default="legal",
                                  description="a department key, e.g. legal")

    @field_validator("dunning")
    @classmethod
    def _increasing(cls, levels: list[DunningLevelSetting]) -> list[DunningLevelSetting]:
        days = [lv.days for lv in levels]
        if not levels or any(b <= a for a, b in pairwise(days)):
            raise PydanticCustomError(
                "dunning", "the levels' days must increase from one level to the next, e.g. "
                "{example}, got days {days}",
                {"example": "[{days: 1, step: reminder}, {days: 15, step: phone_call}]",
                 "days": ", ".join(map(str, days)) or "none"})
        return levels

    def work_policy(self, holidays: Iterable[date] = ()) -> WorkPolicy:
        """``holidays``: the organisation's (approvals.working_time's), on which the
        collections job sends nothing."""
        return WorkPolicy(DunningPolicy.of((lv.days, lv.step) for lv in self.dunning),
                          self.promise_grace_days, self.stale_after_days, self.lead,
                          frozenset(holidays))
