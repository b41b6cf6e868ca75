"""Departments whose channel app.yaml sends credit data to while it is closed to it.

A department's channel is open to credit data when every member may see it (or when
``access.credit_data.share_channels`` lists it). The approval levels' ``post_to`` is
checked with the policy (bot.config.approvals); this module checks the other posts that
carry a customer's figures: the alert routes (written, or the defaults), the weekly
report's department and the legal department, where escalated accounts are posted with
their invoices. Each passed unchecked: a warehouse channel got the digests, and the
people there were then refused the very buttons under them."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from typing import Any

from bot.config.fields import shown
from domain.alerts.routing import DEFAULT_ROUTES, OWN_DEPARTMENT
from domain.people import is_channel_id

# Why a channel may be closed, as every such problem says it.
NOT_OPEN = ("is not open to credit data (some of its members may not see it, or "
            "access.credit_data.share_channels leaves it out)")
# How to open a department's channel: with share_channels written, that list is the
# one that leaves it out (its members' clearance then counts for nothing here).
_CLEAR_THEM = ("or let all its members see credit data (their department or roles in "
               "access.credit_data)")
_LIST_IT = ("or add its channel to access.credit_data.share_channels, if all its members "
            "may see the figures")

Problems = list[tuple[tuple[str | int, ...], str]]


def closed_channel_problems(data: Mapping[str, Any], channels: Mapping[str, str | None],
                            open_to_credit_data: Callable[[str], bool] | None,
                            share_channels: Collection[str] | None = None) -> Problems:
    """What app.yaml (``data``, as written) would post to a channel closed to credit
    data, as (key path, message); nothing when who is cleared is not known. ``channels``:
    each department's channel; ``share_channels``: the list app.yaml writes, if it does.
    What app.yaml names is said where it names it (a department's key, or a channel's
    id); what goes to a department by default is said once per department, at its
    channel."""
    if open_to_credit_data is None:
        return []
    by_channel = {channel: key for key, channel in channels.items() if channel}

    def closed(name: object) -> bool:
        """A department's key or a channel's id that is closed. A channel no department
        has is closed only when share_channels is written and leaves it out: its
        members are Slack's to know."""
        if not isinstance(name, str):
            return False
        key = name if name in channels else by_channel.get(name)
        if key is not None:
            return not open_to_credit_data(key)
        return share_channels is not None and is_channel_id(name) and name not in share_channels

    opening = _LIST_IT if share_channels is not None else _CLEAR_THEM
    alerts, reports, collections = (_section(data, name)
                                    for name in ("alerts", "reports", "collections"))
    problems: Problems = []
    by_default: dict[str, list[str]] = {}
    routes = alerts.get("routes")
    if routes is None:
        for route in DEFAULT_ROUTES:
            for key in route.channels:
                if key != OWN_DEPARTMENT and closed(key):
                    by_default.setdefault(key, []).append(_USES["alerts"])
    for index, route in enumerate(routes if isinstance(routes, list) else []):
        named = route.get("channels") if isinstance(route, Mapping) else None
        for position, key in enumerate(named if isinstance(named, list) else []):
            if closed(key):
                problems.append((("alerts", "routes", index, "channels", position),
                                 _said(key, _USES["alerts"], "route them to a department "
                                       "whose channel is", opening)))
    for section, field, default, use in (
            (reports, "post_to", "finance", "report"),
            (collections, "legal_department", "legal", "legal")):
        written = section.get(field)
        if written is None:
            if closed(default):
                by_default.setdefault(default, []).append(_USES[use])
        elif closed(written):
            problems.append(((_NAMES[use], field), _said(
                written, _USES[use], f"name in {_NAMES[use]}.{field} a department whose "
                "channel is", opening)))
    # Not judged here: organisation.admin_channel (the alerts no route sends anywhere go
    # there, but with the default routes or a catch-all none is unrouted, and refusing
    # an operators' channel for it stopped valid deployments) and the credit channel's
    # notes of accounts nobody owns (no setting moves them: the approvals job checks
    # that channel when it posts).
    for key, uses in by_default.items():
        problems.append((("departments", key, "channel"), _said(
            key, " and ".join(dict.fromkeys(uses)), "say where they go instead "
            "(alerts.routes, reports.post_to, collections.legal_department)", opening,
            default=True)))
    return problems


# What goes to a channel, and the section that says where.
_USES = {"alerts": "alerts", "report": "the weekly collections report",
         "legal": "legal cases, with their invoices"}
_NAMES = {"report": "reports", "legal": "collections"}


def _said(name: str, what: str, elsewhere: str, opening: str, default: bool = False) -> str:
    when = "by default " if default else ""
    return (f"the {shown(name)} channel {NOT_OPEN}, yet {when}{what} would be posted there "
            f"with the customers' figures; {elsewhere}, {opening}")


def _section(data: Mapping[str, Any], name: str) -> Mapping[str, Any]:
    value = data.get(name)
    return value if isinstance(value, Mapping) else {}
