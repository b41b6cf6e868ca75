"""``creditbot config``: check the organisation configuration."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path

import click

from bot.cli.common import err, friendly_errors, out
from bot.config import AppConfig, ConfigError, load_config
from bot.config.alerts import default_routes_missing, unmatched_routes
from bot.settings import Settings
from domain.approvals.model import RequestKind
from domain.approvals.policy import DEFAULT_POLICIES


@click.group()
def config() -> None:
    """Check the organisation configuration (app.yaml)."""


@config.command("check")
@click.argument("path", required=False, type=click.Path(path_type=Path))
@friendly_errors  # a bad variable in the environment (PORT=99999): one line, no traceback
def config_check(path: Path | None) -> None:
    """Validate PATH (default: $CREDITBOT_CONFIG or app.yaml); list every problem."""
    path = path or Path(Settings().config_path)
    try:
        loaded = load_config(path)
    except ConfigError as problem:
        for line in problem.problems:
            err.print(f"{path}: {line}", soft_wrap=True, markup=False)
        err.print(f"{len(problem.problems)} problem(s) in {path}", markup=False)
        sys.exit(1)
    out.print(f"{path}: OK — {loaded.organisation.name}, {len(loaded.departments)} departments, "
              f"{len(loaded.known_users())} people, base currency "
              f"{loaded.organisation.base_currency}", markup=False, soft_wrap=True)
    missing = default_routes_missing(loaded.alerts, loaded.departments)
    if missing:
        # Valid, and easy to miss: a company without a "credit" department lost its limit
        # and contract alerts to the admin channel without a word.
        fate = ("goes to organisation.admin_channel" if loaded.organisation.admin_channel
                else "reaches nobody (organisation.admin_channel is not set either)")
        # Only what no other default route takes is lost: a critical overdue alert still
        # reaches the customer's department and finance without a legal department.
        out.print(f"{path}: note: alerts.routes is not given, and the default routes name "
                  f"departments you do not have ({', '.join(missing)}): nothing is posted "
                  f"for them, and an alert no other default route sends anywhere {fate}. "
                  "Give alerts.routes naming your own departments (README: Alerts, "
                  "Routing).", markup=False, soft_wrap=True)
    for note in unmatched_routes(loaded.alerts, loaded.aging.buckets):
        out.print(f"{path}: note: {note}", markup=False, soft_wrap=True)
    for note in _notes(loaded):
        out.print(f"{path}: note: {note}", markup=False, soft_wrap=True)


def _notes(loaded: AppConfig) -> list[str]:
    """What is valid and yet most likely not meant, each found out before only when it
    bit: a setting left out whose default names a department or a role app.yaml does not
    have (the weekly report failed, an account sent to legal stayed with its collector, a
    request was refused at filing), a time zone that is a rule, a person listed nowhere
    else, holidays with none ahead. (A written one that is not there is a problem of its
    own.)"""
    notes = []
    if loaded.reports.post_to not in loaded.departments:
        notes.append(f"reports.post_to is not given, and the weekly report goes to "
                     f"departments.{loaded.reports.post_to}, which you do not have: its run "
                     "fails every week; set reports.post_to to your department's key")
    # A kind left to the default policy, whose levels name roles nobody may hold here:
    # each such request is refused at filing ("Nobody could decide level 3 (CFO)").
    written = loaded.approvals.policy(loaded.organisation.base_currency,
                                      loaded.organisation.zone).kinds
    held = {role for role, users in loaded.roster().holders().items() if users}
    for kind in RequestKind:
        roles = dict.fromkeys(level.role for band in DEFAULT_POLICIES[kind].bands
                              for level in band.levels if level.role not in held)
        if kind not in written and roles:
            notes.append(f"approvals.{kind.value} is not given, and its default policy's "
                         f"levels name {', '.join(roles)}, which nobody holds: those "
                         "requests are refused when filed; write its bands, or name the "
                         "role's holders under roles")
    # CET, EST5EDT: IANA names of rules, not places; valid, and a card in July read
    # "as of Jul 1 (CET)" beside summer's hours.
    zone = loaded.organisation.timezone
    if "/" not in zone and zone.upper() not in ("UTC", "GMT"):
        notes.append(f"organisation.timezone {zone} names a rule, not a place: cards and "
                     f"meetings show “{zone}” in summer as in winter; write the zone of the "
                     "organisation's city, e.g. Europe/Berlin")
    # A person's language for someone app.yaml lists nowhere else: a mistyped id, most
    # likely (U01VKWEBR for U01VKWEBER), taken without a word.
    strangers = sorted(set(loaded.locale_overrides()) - loaded.known_users())
    if strangers:
        notes.append(f"people: {', '.join(strangers)} "
                     f"{'is' if len(strangers) == 1 else 'are'} listed under no department "
                     "or role; check the id (copied from their Slack profile)")
    # Holidays are days, not rules: a list with none still ahead counts none of next
    # year's, and nothing said so.
    today = datetime.now(loaded.organisation.zone).date()
    days = loaded.holidays()
    if days and max(days) < today:
        notes.append(f"approvals.working_time.holidays has no day after today (the last is "
                     f"{max(days).isoformat()}): deadlines and reminders count every working "
                     "day from now on; add the coming year's holidays")
    # Written out, the list is taken as it is: a warehouse's channel added to it (the way
    # a refusal to share says a channel is opened) showed its people every figure.
    opened = loaded.access.credit_data.share_channels
    for key, department in loaded.departments.items():
        barred = [user for user in department.members if not loaded.may_see_credit_data(user)]
        if opened is not None and department.channel in opened and barred:
            notes.append(f"access.credit_data.share_channels opens {department.channel}, the "
                         f"channel of departments.{key}, whose members {', '.join(barred)} "
                         "may not see credit data: the cards shared there, and the alerts, "
                         "agendas and cases posted there, show them the figures; take it "
                         "out of the list unless that is meant")
    legal = loaded.collections.legal_department
    if legal not in loaded.departments:
        notes.append(f"collections.legal_department is not given, and there is no "
                     f"departments.{legal}: an account escalated to legal stays with its "
                     "collector and nothing is posted to a legal channel; set "
                     "collections.legal_department to your legal department's key")
    return notes
