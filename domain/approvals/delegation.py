"""When a delegation may run: from today or later, through a day no earlier than its
start, for a year at most. Each refusal names the day that is wrong."""

from __future__ import annotations

from datetime import date

from domain.days import year_after
from domain.errors import DomainError
from domain.text import N_, Phrase

# The command is the handler's to name as the person typed it (`/credit 委托`): each
# refusal carries it as ``command``, this spelling until the handler says otherwise.
COMMAND = "/credit delegate"
EXAMPLE = Phrase(N_("@mei until 2026-12-31"))
SPAN = Phrase(N_("@mei from 2026-12-01 until 2026-12-31"))


class DelegationRefused(DomainError):
    pass


def check_period(today: date, starts: date, until: date) -> None:
    """Refuses a period that ends before today, starts before today, or ends before it
    starts."""
    if until < today:
        raise DelegationRefused(N_("The last day {until} is already past: a delegation "
                                   "runs up to today or a later day, e.g. `{command} {example}`."),
                                until=until, command=COMMAND, example=EXAMPLE)
    if starts < today:
        raise DelegationRefused(N_("The first day {start} is already past: a delegation "
                                   "starts today or later, e.g. `{command} {example}`."),
                                start=starts, command=COMMAND, example=EXAMPLE)
    if starts > until:
        raise DelegationRefused(N_("The first day {start} comes after the last day {until}: "
                                   "write `from` a day no later than `until`, e.g. "
                                   "`{command} {example}`."),
                                start=starts, until=until, command=COMMAND, example=SPAN)
    # A stand-in covers an absence: a hand-over through 9999-12-31 would be a standing
    # grant of someone's approval powers that nobody reviews. Renewed if still needed.
    if starts >= year_after(today) or until >= year_after(starts):
        raise DelegationRefused(N_("A delegation runs for a year at most, starting within "
                                   "a year: {start} through {until} is longer or later. "
                                   "Hand your approvals over for the absence, e.g. "
                                   "`{command} {example}`, and again when it ends if need "
                                   "be."),
                                start=starts, until=until, command=COMMAND, example=EXAMPLE)
