"""Builds the services a command or the bot needs from settings and app.yaml."""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import nullcontext
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot.config import AppConfig, load_config
from bot.config.schema import cron_trigger
from bot.settings import Settings
from domain.access import CreditDataAccess, Member
from domain.alerts.routing import Directory
from domain.alerts.use_cases import Alerts
from domain.approvals.use_cases import CreditRequests
from domain.collections.use_cases import Assignments
from domain.collections.work import CollectorsDay
from domain.meetings.minutes import MinutesKeeping
from domain.meetings.people import Department, Invitees
from domain.meetings.ports import MeetingNotices
from domain.meetings.responses import Responses
from domain.meetings.tasks import Tasks
from domain.meetings.use_cases import Meetings
from domain.orders.use_cases import OrderChecks
from domain.positions import CreditPolicyContext
from domain.reports.use_cases import Reports
from handlers.collections.jobs import JOB as COLLECTIONS_JOB
from handlers.i18n import DestinationLocales, Remembered
from handlers.replies import drop_pending
from storage.audit_writer import BatchedAuditWriter
from storage.db import make_engine, require_current_schema
from storage.slack_locales import RememberedLocales, SlackLocales
from storage.unit_of_work import SqlUnitOfWork, unit_of_work_factory
from storage.write_gate import writers_gate

if TYPE_CHECKING:
    # charts and matplotlib load only in the processes that run the job
    from handlers.approvals.notices import ApprovalNotices
    from handlers.meetings.followup_notices import FollowUpNotices
    from handlers.reports.job import WeeklyReport

log = logging.getLogger("creditbot.wiring")


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Services:
    settings: Settings
    config: AppConfig
    # The time every use case built here sees: the machine's, or one the sandbox moves.
    clock: Callable[[], datetime] = utc_now

    @cached_property
    def engine(self) -> Engine:
        return make_engine(self.settings.database_url)

    @cached_property
    def background(self) -> ThreadPoolExecutor:
        return ThreadPoolExecutor(max_workers=8, thread_name_prefix="creditbot-work")

    @cached_property
    def _sessions(self) -> sessionmaker[Session]:
        return unit_of_work_factory(self.engine)

    @cached_property
    def views(self) -> BatchedAuditWriter:
        """Who looked at what, written in batches by this process (see storage)."""
        return BatchedAuditWriter(self.engine)

    def uow(self) -> SqlUnitOfWork:
        return SqlUnitOfWork(self._sessions)

    @cached_property
    def remembered_locales(self) -> RememberedLocales:
        """The Slack locales the bot learnt, for the messages it sends on its own."""
        return RememberedLocales(SlackLocales(self._sessions))

    @property
    def policy(self) -> CreditPolicyContext:
        return credit_policy(self.config)

    def now(self) -> datetime:
        return self.clock()

    def today(self) -> date:
        """The date in the organisation's time zone: aging turns over at its midnight."""
        return self.now().astimezone(self.config.organisation.zone).date()

    def close(self) -> None:
        """Writes the audit entries still queued, then lets the database go: an entry
        queued in the last moments (a check just answered) is not lost at exit."""
        if "views" in self.__dict__:
            self.views.close()
        # Tries again of answers Slack refused would run against what is closed here
        # (in a test run, the next test's log saw them fail against a Slack long gone).
        dropped = drop_pending()
        if dropped:
            log.info("%d answer(s) Slack had refused are not tried again: closing", dropped)
        if "engine" in self.__dict__:
            self.engine.dispose()

    def require_schema(self) -> None:
        require_current_schema(self.engine)

    @cached_property
    def access(self) -> CreditDataAccess:
        return credit_data_access(self.config)

    @cached_property
    def alerts(self) -> Alerts:
        return build_alerts(self.uow, self.config, self.access, self.now,
                            remembered=self.remembered_locales.get)

    @cached_property
    def requests(self) -> CreditRequests:
        return build_requests(self.uow, self.config, self.access, self.now,
                              remembered=self.remembered_locales.get)

    @cached_property
    def orders(self) -> OrderChecks:
        return build_orders(self.uow, self.config, self.access, self.now,
                            serial_writes=self.engine.url.database
                            if self.engine.dialect.name == "sqlite" else None,
                            remembered=self.remembered_locales.get)

    @cached_property
    def reports(self) -> Reports:
        return build_reports(self.uow, self.config, self.access, self.now)

    @cached_property
    def assignments(self) -> Assignments:
        return build_assignments(self.uow, self.config, self.access, self.now,
                                 remembered=self.remembered_locales.get)

    @cached_property
    def collecting(self) -> CollectorsDay:
        return build_collecting(self.uow, self.config, self.access, self.now,
                                remembered=self.remembered_locales.get)

    @cached_property
    def meeting_answers(self) -> Responses:
        return build_meeting_answers(self.uow, self.config, self.now,
                                     remembered=self.remembered_locales.get)

    @cached_property
    def minutes(self) -> MinutesKeeping:
        return build_minutes(self.uow, self.config, self.access, self.now,
                             remembered=self.remembered_locales.get)

    @cached_property
    def tasks(self) -> Tasks:
        return build_tasks(self.uow, self.config, self.now,
                           remembered=self.remembered_locales.get)

    @cached_property
    def meetings(self) -> Meetings:
        return build_meetings(self.uow, self.config, self.access, self.now,
                              remembered=self.remembered_locales.get)


def credit_policy(config: AppConfig) -> CreditPolicyContext:
    """How every capability computes a customer's position (the check, alerts, orders,
    requests, collections, meetings): one policy, so that they agree on it."""
    return CreditPolicyContext(config.organisation.base_currency, config.aging.buckets,
                               config.orders.pending_days)


def credit_data_access(config: AppConfig) -> CreditDataAccess:
    """Who may see credit data, and whom a refused person is told to ask."""
    rule = config.access.credit_data
    return CreditDataAccess(
        frozenset(rule.roles), frozenset(rule.departments),
        tuple(config.roles.holders("credit_manager") + config.roles.holders("credit_analyst")),
        config.share_channels())


def destination_locales(config: AppConfig, remembered: Remembered | None = None
                        ) -> DestinationLocales:
    """The language of what creditbot sends on its own to a channel or person: app.yaml's
    for the channel or the person, else the one Slack last reported for the person
    (``remembered``), else the organisation's."""
    return DestinationLocales(config.organisation.locale,
                              {**config.channel_locales(), **config.locale_overrides()},
                              remembered)


def build_alerts(unit_of_work: Callable[[], SqlUnitOfWork], config: AppConfig,
                 access: CreditDataAccess, clock: Callable[[], datetime], *,
                 remembered: Remembered | None = None) -> Alerts:
    """The alerts use cases as app.yaml configures them; each digest in the language of
    the channel or person it goes to (``remembered``: a person's Slack locale as the bot
    learnt it, after app.yaml's override)."""
    from handlers.alerts.blocks import DigestBlocks

    organisation = config.organisation
    directory = Directory(
        channels=config.department_channels(),
        roles=dict(config.roles.items()),
        # A person in several departments counts in the first app.yaml lists.
        members={user: key for key, d in reversed(config.departments.items())
                 for user in d.members})
    return Alerts(
        unit_of_work, access,
        credit_policy(config),
        config.alerts.watch(config.aging.buckets, organisation.base_currency),
        config.alerts.route_rules(), directory,
        DigestBlocks(destination_locales(config, remembered),
                     organisation.zone, organisation.base_currency),
        clock, organisation.zone, organisation.admin_channel, member_of(config),
        holidays=config.holidays())


def approval_notices(config: AppConfig, remembered: Remembered | None) -> ApprovalNotices:
    """Approval cards and notes, each in the language of the channel or person it goes
    to."""
    from handlers.approvals.notices import ApprovalNotices

    access, roster = credit_data_access(config), config.roster()
    return ApprovalNotices(destination_locales(config, remembered), config.organisation.zone,
                           config.department_channels(), roster.holders(),
                           lambda user: access.allows(roster.member(user)))


def build_requests(unit_of_work: Callable[[], SqlUnitOfWork], config: AppConfig,
                   access: CreditDataAccess, clock: Callable[[], datetime], *,
                   remembered: Remembered | None = None) -> CreditRequests:
    """The credit requests use cases as app.yaml's approval policy and roles configure
    them; cards and notes in the language of the channel or person they go to."""
    organisation = config.organisation
    return CreditRequests(
        unit_of_work, access,
        config.approvals.policy(organisation.base_currency, organisation.zone),
        config.roster(), clock, organisation.zone,
        approval_notices(config, remembered),
        credit_policy(config),
        held_orders=build_orders(unit_of_work, config, access, clock,
                                 remembered=remembered))


def build_orders(unit_of_work: Callable[[], SqlUnitOfWork], config: AppConfig,
                 access: CreditDataAccess, clock: Callable[[], datetime], *,
                 serial_writes: str | bool | None = None,
                 remembered: Remembered | None = None) -> OrderChecks:
    """Order review with app.yaml's order rules; owners' notes in their language.
    ``serial_writes`` (SQLite): the database file whose orders queue for the write lock,
    across this server's threads and processes (``True``: this process's only)."""
    from domain.approvals.withdraw import ReleaseWithdrawals
    from handlers.orders.notices import OrderNotices

    organisation = config.organisation
    policy = credit_policy(config)
    # A re-check that releases an order closes its release request and edits its cards.
    withdrawals = ReleaseWithdrawals(approval_notices(config, remembered),
                                     config.roster().holders(), organisation.zone, policy)
    return OrderChecks(
        unit_of_work, access, policy,
        config.orders.rules(), clock, organisation.zone,
        OrderNotices(destination_locales(config, remembered)),
        write_gate=writers_gate(None if serial_writes is True else serial_writes)
        if serial_writes else nullcontext(),
        release_requests=withdrawals, member=member_of(config))


def build_reports(unit_of_work: Callable[[], SqlUnitOfWork], config: AppConfig,
                  access: CreditDataAccess, clock: Callable[[], datetime]) -> Reports:
    """Collection metrics and the provision matrix with app.yaml's reports section."""
    from storage.reports import report_queries

    organisation = config.organisation
    buckets = config.aging.buckets
    # Legal's owner's line says "(legal)" only when every account on it is legal's: one
    # who also collects (the collector role) has accounts of both kinds on one line.
    owner = legal_owner(config, access)
    collectors = dict(config.roles.items()).get("collector", [])
    return Reports(unit_of_work, report_queries, access, organisation.base_currency, buckets,
                   config.reports.settings(buckets), clock, organisation.zone,
                   None if owner in collectors else owner)


def build_weekly_report(unit_of_work: Callable[[], SqlUnitOfWork], config: AppConfig,
                        access: CreditDataAccess, clock: Callable[[], datetime]
                        ) -> WeeklyReport:
    """The weekly report job's post: to the channel of reports.post_to, in its language."""
    from handlers.i18n import translator
    from handlers.reports.job import WeeklyReport

    organisation = config.organisation
    post_to = config.reports.post_to
    department = config.departments.get(post_to)
    channel = department.channel if department is not None else None
    locale = config.channel_locales().get(channel or "", organisation.locale)
    return WeeklyReport(build_reports(unit_of_work, config, access, clock), channel,
                        translator(locale), post_to)


def member_of(config: AppConfig) -> Callable[[str], Member]:
    """A person as app.yaml knows them (roles, departments); unknown: listed nowhere."""
    def member(user: str) -> Member:
        return Member(user, frozenset(config.roles.of(user)), frozenset(
            key for key, d in config.departments.items() if user in d.members))
    return member


def build_assignments(unit_of_work: Callable[[], SqlUnitOfWork], config: AppConfig,
                      access: CreditDataAccess, clock: Callable[[], datetime], *,
                      remembered: Remembered | None = None) -> Assignments:
    """Collection assignments with app.yaml's collectors, assigners and rules; the
    collectors' direct messages in their language (``remembered``: as Slack said)."""
    from handlers.collections.assign_notices import AssignmentNotices

    organisation = config.organisation
    return Assignments(
        unit_of_work, access,
        credit_policy(config),
        config.collections.policy(dict(config.roles.items()), {
            key: list(d.members) for key, d in config.departments.items()}),
        member_of(config), clock, organisation.zone,
        AssignmentNotices(destination_locales(config, remembered),
                          organisation.timezone))


def build_collecting(unit_of_work: Callable[[], SqlUnitOfWork], config: AppConfig,
                     access: CreditDataAccess, clock: Callable[[], datetime], *,
                     remembered: Remembered | None = None) -> CollectorsDay:
    """The collector's day with app.yaml's dunning policy, lead and departments; its
    posts in the language of the channel or person they go to (``remembered``: a
    person's as Slack said)."""
    from handlers.collections.blocks_notices import CollectionNotices

    organisation = config.organisation
    section = config.collections
    owner = legal_owner(config, access)
    legal = config.departments.get(section.legal_department)
    if owner is None and legal is not None and legal.members:
        log.warning("legal owner %s may not see credit data: escalations stay with the "
                    "collector", legal.members[0])
    # The lead and those who assign may look at any collector's list.
    holidays = config.holidays()
    policy = replace(section.work_policy(holidays), reminded_on=reminder_days(
        config.schedules.of(COLLECTIONS_JOB.name) or COLLECTIONS_JOB.schedule,
        organisation.zone, holidays))
    assigners, lead = _assigners(config), policy.lead
    return CollectorsDay(
        unit_of_work, access, policy, config.aging.buckets,
        organisation.base_currency, clock, organisation.zone,
        CollectionNotices(destination_locales(config, remembered),
                          organisation.zone),
        # Disputes and legal cases show the account's figures: only to channels open to
        # them (a warehouse's was offered for disputes, and its people refused the
        # Resolve button under them).
        {key: channel for key, channel in config.department_channels().items()
         if config.open_to_credit_data(key)},
        legal_department=section.legal_department,
        legal_owner=owner,
        departments={key: d.name for key, d in config.departments.items()},
        people=member_of(config),
        overseers=assigners | ({lead} if lead else set()),
        assigners=assigners)


def reminder_days(schedule: str, zone: tzinfo, holidays: frozenset[date]
                  ) -> Callable[[date], date]:
    """For a next step due on a day, the day the collections job reminds of it: its first
    run on or after that day that is no holiday. A collector told "you are reminded that
    day" of a Saturday heard on Monday."""
    trigger = cron_trigger(schedule, zone)

    def reminded_on(day: date) -> date:
        start = datetime.combine(day, time(0), tzinfo=zone)
        for _ in range(400):  # a year of runs is plenty; a schedule is checked to recur
            fire = trigger.get_next_fire_time(None, start)
            if fire is None:
                return day
            found = fire.astimezone(zone).date()
            if found not in holidays:
                return found
            start = datetime.combine(found + timedelta(days=1), time(0), tzinfo=zone)
        return day

    return reminded_on


def legal_owner(config: AppConfig, access: CreditDataAccess) -> str | None:
    """Who owns an account once it goes to legal: the legal department's first member."""
    legal = config.departments.get(config.collections.legal_department)
    owner = legal.members[0] if legal and legal.members else None
    # Legal's owner gets escalated accounts' history: never someone barred from credit
    # data (config check refuses it); the collector keeps the account then.
    return owner if owner is not None and access.allows(member_of(config)(owner)) else None


def _assigners(config: AppConfig) -> frozenset[str]:
    """Who assigns accounts to collectors by hand."""
    roles = dict(config.roles.items())
    return config.collections.policy(roles, {
        key: list(d.members) for key, d in config.departments.items()}).assigners


def meeting_invitees(config: AppConfig) -> Invitees:
    """app.yaml's departments as meetings read them (who is invited, where it is posted)."""
    return Invitees({key: Department(d.name, d.channel, tuple(d.members))
                     for key, d in config.departments.items()})


def build_meeting_notices(config: AppConfig, clock: Callable[[], datetime], *,
                          remembered: Remembered | None = None) -> MeetingNotices:
    """Invitations, tallies, notes and reminders in the language of the channel or
    person they go to (handlers.meetings.notices)."""
    from handlers.meetings.notices import MeetingNotices as SlackMeetingNotices

    organisation = config.organisation
    return SlackMeetingNotices(destination_locales(config, remembered),
                               organisation.zone,
                               {key: d.name for key, d in config.departments.items()},
                               clock)


def build_meeting_answers(unit_of_work: Callable[[], SqlUnitOfWork], config: AppConfig,
                          clock: Callable[[], datetime], *,
                          remembered: Remembered | None = None) -> Responses:
    """Accept / Decline / Propose another time on an invitation."""
    return Responses(unit_of_work, meeting_invitees(config), clock,
                     build_meeting_notices(config, clock, remembered=remembered),
                     config.meeting_policy())


def build_meetings(unit_of_work: Callable[[], SqlUnitOfWork], config: AppConfig,
                   access: CreditDataAccess, clock: Callable[[], datetime], *,
                   remembered: Remembered | None = None) -> Meetings:
    """Scheduling with app.yaml's working hours and departments; everyone invited is
    told through the meetings' notices."""
    return Meetings(unit_of_work, access, meeting_invitees(config), member_of(config), clock,
                    config.meeting_policy(),
                    credit_policy(config),
                    build_meeting_notices(config, clock, remembered=remembered),
                    zone=config.organisation.zone)


def build_followup_notices(config: AppConfig, clock: Callable[[], datetime], *,
                           remembered: Remembered | None = None) -> FollowUpNotices:
    """Minutes in the meeting's thread, the owners' notes, task reminders and digests
    (handlers.meetings.followup_notices); any other change goes to the invitations'."""
    from handlers.meetings.followup_notices import FollowUpNotices

    organisation = config.organisation
    return FollowUpNotices(destination_locales(config, remembered),
                           organisation.zone,
                           build_meeting_notices(config, clock, remembered=remembered))


def build_minutes(unit_of_work: Callable[[], SqlUnitOfWork], config: AppConfig,
                  access: CreditDataAccess, clock: Callable[[], datetime], *,
                  remembered: Remembered | None = None) -> MinutesKeeping:
    """Record minutes: the meeting's invitees from app.yaml's departments."""
    invitees = meeting_invitees(config)
    return MinutesKeeping(unit_of_work, access,
                          # A channel closed to credit data since gets no minutes.
                          lambda meeting: (invitees.people(meeting), tuple(
                              c for c in invitees.channels(meeting)
                              if c in access.share_channels)),
                          member_of(config), clock, config.organisation.zone,
                          build_followup_notices(config, clock, remembered=remembered))


def build_tasks(unit_of_work: Callable[[], SqlUnitOfWork], config: AppConfig,
                clock: Callable[[], datetime], *,
                remembered: Remembered | None = None) -> Tasks:
    """Tasks: Done, and the meetings job's due-day reminders and overdue digests."""
    return Tasks(unit_of_work, lambda user: frozenset(config.roles.of(user)), clock,
                 config.organisation.zone,
                 build_followup_notices(config, clock, remembered=remembered))


def build_services(settings: Settings | None = None, config_path: Path | None = None) -> Services:
    settings = settings or Settings()
    path = config_path or Path(settings.config_path)
    return Services(settings, load_config(path))
