"""The wall clock a meeting's times are typed on: the person's Slack time zone."""

from __future__ import annotations

from slack_bolt import BoltContext


def zone_of(context: BoltContext, user_id: str) -> str:
    """The person's Slack time zone (cached), else the organisation's."""
    return str(context["deps"].languages.zone_of(user_id, context.client))


def drawn_zone(context: BoltContext, drawn: str | None) -> str:
    """The zone a form was drawn in: its hint named it and the person typed on that
    clock. Looked up again, an expired cache and a slow Slack moved a Berlin organiser's
    10:00 to Shanghai's. A form drawn before forms carried it is read on today's."""
    return drawn or zone_of(context, context["member"].user_id)
