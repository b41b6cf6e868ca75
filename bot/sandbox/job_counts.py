"""A job's counts as the sandbox's `:run` says them, in the person's language: "1
attempt", "3 promises kept" (a job returns bare keys such as ``promises_kept``)."""

from __future__ import annotations

from collections.abc import Callable

from handlers.i18n import Translator

# Per count key, its words (literal ngettext calls, which the catalogue extracts). A key
# not here (a job added later) is shown as its name.
COUNTS: dict[str, Callable[[Translator, int], str]] = {
    # alerts
    "customers": lambda tr, n: tr.ngettext("{n} customer", "{n} customers", n),
    "conditions": lambda tr, n: tr.ngettext("{n} condition", "{n} conditions", n),
    "announced": lambda tr, n: tr.ngettext("{n} announced", "{n} announced", n),
    "resolved": lambda tr, n: tr.ngettext("{n} resolved", "{n} resolved", n),
    "unrouted": lambda tr, n: tr.ngettext("{n} unrouted", "{n} unrouted", n),
    "digests": lambda tr, n: tr.ngettext("{n} digest", "{n} digests", n),
    "messages": lambda tr, n: tr.ngettext("{n} message", "{n} messages", n),
    "missing_rate": lambda tr, n: tr.ngettext("{n} customer lacking a rate",
                                              "{n} customers lacking a rate", n),
    "assigned": lambda tr, n: tr.ngettext("{n} assigned", "{n} assigned", n),
    "told_anew": lambda tr, n: tr.ngettext(
        "{n} alert told where it was not yet (a new route, or a message Slack refused)",
        "{n} alerts told where they were not yet (a new route, or a message Slack refused)",
        n),
    "large_invoices_capped": lambda tr, n: tr.ngettext(
        "only the largest overdue invoice announced: raise alerts.large_invoice",
        "only the {n} largest overdue invoices announced: raise alerts.large_invoice", n),
    "attempts": lambda tr, n: tr.ngettext("{n} attempt", "{n} attempts", n),
    # approvals
    "reminded": lambda tr, n: tr.ngettext("{n} reminded", "{n} reminded", n),
    "escalated": lambda tr, n: tr.ngettext("{n} escalated", "{n} escalated", n),
    "expired": lambda tr, n: tr.ngettext("{n} expired", "{n} expired", n),
    "reverted": lambda tr, n: tr.ngettext("{n} reverted", "{n} reverted", n),
    "stand_in_cards": lambda tr, n: tr.ngettext("{n} card for a stand-in",
                                                "{n} cards for stand-ins", n),
    # orders
    "reviewed": lambda tr, n: tr.ngettext("{n} reviewed", "{n} reviewed", n),
    "held": lambda tr, n: tr.ngettext("{n} held", "{n} held", n),
    "released": lambda tr, n: tr.ngettext("{n} released", "{n} released", n),
    # housekeeping
    "processed_requests": lambda tr, n: tr.ngettext("{n} processed request",
                                                    "{n} processed requests", n),
    "job_runs": lambda tr, n: tr.ngettext("{n} job run", "{n} job runs", n),
    "abandoned_runs": lambda tr, n: tr.ngettext("{n} abandoned run", "{n} abandoned runs", n),
    # report
    "posted": lambda tr, n: tr.ngettext("{n} posted", "{n} posted", n),
    "already_posted": lambda tr, n: tr.ngettext("{n} already posted", "{n} already posted", n),
    # collections
    "promises_kept": lambda tr, n: tr.ngettext("{n} promise kept", "{n} promises kept", n),
    "promises_broken": lambda tr, n: tr.ngettext("{n} promise broken", "{n} promises broken", n),
    "nudged": lambda tr, n: tr.ngettext("{n} nudged", "{n} nudged", n),
    "flagged": lambda tr, n: tr.ngettext("{n} flagged", "{n} flagged", n),
    "promises_skipped": lambda tr, n: tr.ngettext(
        "{n} promise left for the next run", "{n} promises left for the next run", n),
    "holiday": lambda tr, n: tr._("a holiday: nothing sent, the next run catches up "
                                  "(--on-holiday after the job's name runs it all the "
                                  "same)"),
    # meetings
    "reminders": lambda tr, n: tr.ngettext("{n} meeting reminded", "{n} meetings reminded", n),
    "occurrences": lambda tr, n: tr.ngettext("{n} occurrence created",
                                             "{n} occurrences created", n),
    "task_reminders": lambda tr, n: tr.ngettext("{n} task reminder", "{n} task reminders",
                                                n),
    "overdue_digests": lambda tr, n: tr.ngettext("{n} overdue-tasks digest",
                                                 "{n} overdue-tasks digests", n),
    # people
    "asked": lambda tr, n: tr.ngettext("{n} person asked", "{n} people asked", n),
    "learnt": lambda tr, n: tr.ngettext("{n} person's language learnt",
                                        "{n} people's languages learnt", n),
    "unknown": lambda tr, n: tr.ngettext("{n} not answered", "{n} not answered", n),
    "left": lambda tr, n: tr.ngettext("{n} left for the next run", "{n} left for the next run",
                                      n),
}


def count_text(key: str, value: int, tr: Translator) -> str:
    known = COUNTS.get(key)
    if known is None:
        return f"{tr.number(value)} {key.replace('_', ' ')}"
    return known(tr, value)
