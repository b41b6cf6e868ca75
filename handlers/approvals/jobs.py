"""The ``approvals`` job: every quarter of an hour, open temporary-limit requests past
their last day close as expired, levels near their deadline are reminded, levels past
it escalate (or are reminded as overdue), temporary limits that ended are announced, and
a stand-in whose delegation starts gets the cards waiting for the delegator
(``domain.approvals.deadlines``)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from domain.approvals.deadlines import Deadlines
from domain.approvals.use_cases import CreditRequests
from domain.people import CREDIT_DEPARTMENT
from handlers.approvals.deadline_notes import DeadlineNotes
from handlers.i18n import N_
from handlers.registry import Job

# Deadlines are hours long and reminders come hours before them: a quarter of an hour
# late is the most a reminder or an escalation waits.
SCHEDULE = "*/15 * * * *"
# The department whose channel hears of a limit whose account has no owner.


def deadlines(requests: CreditRequests, config: Any,
              locale_of: Callable[[str], str]) -> Deadlines:
    """The deadlines use case bound as ``requests`` is (its unit of work, clock, policy,
    roster and cards), with the job's own notes in ``locale_of``'s language for each
    destination (the cards' own: a person's as Slack said, not app.yaml's alone);
    ``config``: app.yaml (bot.config)."""
    organisation = config.organisation
    credit = config.departments.get(CREDIT_DEPARTMENT)
    # The notes of accounts nobody owns carry the account's figures: not to a channel
    # closed to them (config check does not refuse one: nothing else makes it go there).
    # The admins' channel is judged only against share_channels written out.
    listed = config.access.credit_data.share_channels
    admin = organisation.admin_channel
    stand_in = (credit.channel if config.open_to_credit_data(CREDIT_DEPARTMENT) else None) \
        if credit is not None else (admin if listed is None or admin in listed else None)
    notes = DeadlineNotes(locale_of, organisation.zone, stand_in,
                          config.department_channels())
    return Deadlines(requests.unit_of_work, requests.policy, requests.roster,
                     requests.clock, requests.zone, requests.notices, notes,
                     requests.standing, requests.access)


def run_deadlines(context: Mapping[str, Any]) -> dict[str, int]:
    requests: CreditRequests = context["requests"]
    job = deadlines(requests, context["config"], context["locale_of"])
    # Expired first (a request whose last day passed is closed, not reminded), when its
    # requester may be told: its DM came at 00:05 on a Saturday.
    expired = len(requests.expire()) if job.telling_time(requests.clock()) else 0
    counts = job.run()
    return {"reminded": counts["reminded"], "escalated": counts["escalated"],
            "expired": expired, "reverted": counts["reverted"],
            "stand_in_cards": counts["stand_in_cards"]}


JOB = Job("approvals", N_("reminds approvers before a level's deadline, escalates after it, "
          "closes temporary-limit requests past their last day, tells account owners "
          "when a temporary limit ends and sends stand-ins whose delegation starts the "
          "cards waiting for them"), SCHEDULE, run_deadlines)
