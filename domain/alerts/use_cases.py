"""Use cases of the alerts capability: a scan that announces what changed, and the
answers people give from a digest (acknowledge, snooze). Each opens its own unit of
work, checks who may act, writes its audit entry and commits; a scan's digests are
queued in the outbox in the same transaction as the states that say they were
announced, so a crash either loses both (the next run announces again) or neither.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from decimal import ROUND_FLOOR, Decimal
from typing import Any

from domain.access import CreditDataAccess, Member
from domain.alerts.dedup import Announcement, decide
from domain.alerts.detect import LargeInvoice, WatchSettings, detect
from domain.alerts.digest import DigestLine, DigestRenderer, Followed, by_destination
from domain.alerts.model import Alert, AlertState, AlertType, Change
from domain.alerts.ports import Digest
from domain.alerts.routing import Directory, Route, destinations
from domain.errors import DomainError, MissingRate
from domain.fx import FxRates
from domain.messages import MessageId, OutgoingMessage
from domain.model import SYSTEM, AuditEntry
from domain.organisation_day import OrganisationDay
from domain.people import CREDIT_DEPARTMENT, is_channel_id
from domain.ports import UnitOfWork
from domain.positions import (
    CreditPolicyContext,
    Portfolio,
    PortfolioEntry,
    portfolio_positions,
)
from domain.text import N_

log = logging.getLogger("creditbot.alerts")
# Customers a missing-rate line names at most.
NAMED_MISSING = 20

DIGEST = "alerts.digest"
# The admins' notice of customers a run left out for want of an exchange rate.
LEFT_OUT = "alerts.left_out"
SNOOZE_DAYS = (1, 7)
# The most large invoices one scan reports (the largest in the base currency): beyond
# this the threshold is too low to mean anything. The job's record and log say the cap
# was reached, and the large invoices left out are not taken for paid.
MAX_LARGE_INVOICES = 500
# Tries of the scan's writing part when a click changed an alert in the meantime.
ANNOUNCE_TRIES = 3
_CENT_HUNDREDTH = Decimal("0.0001")


class AlertChanged(DomainError):
    def __init__(self) -> None:
        super().__init__(N_("Someone changed this alert at the same moment. Try again."))


class AlertClosed(DomainError):
    def __init__(self) -> None:
        super().__init__(N_("This alert is no longer open: the condition was resolved since "
                            "this digest was posted."))


class AlertUnknown(DomainError):
    """The digest or the line pressed is not on record (a button of a deleted digest, a
    forged press): not to be told it was resolved."""

    def __init__(self) -> None:
        super().__init__(N_("This alert is not on record (anymore): nothing was changed. "
                            "The latest digest in the channel has the alerts still open."))


class AlertOutdated(DomainError):
    """The line answered is from a digest older than the condition's latest
    announcement: what the person saw is no longer the situation."""

    def __init__(self) -> None:
        super().__init__(N_("This line is out of date: the alert was announced again "
                            "since, because it changed. Answer it on the latest digest."))


class AlertLeft(DomainError):
    """The line answered is in a destination no route sends the condition to any more
    (it got better, the customer moved): it is no longer followed there."""

    def __init__(self) -> None:
        super().__init__(N_("This alert is no longer followed here: it changed since this "
                            "line, and is now sent elsewhere. Nothing was changed."))


@dataclass(frozen=True)
class Alerts(OrganisationDay):
    """The alerts capability, bound to its unit of work, settings, routes and renderer."""

    unit_of_work: Callable[[], UnitOfWork]
    access: CreditDataAccess
    policy: CreditPolicyContext
    settings: WatchSettings
    routes: Sequence[Route]
    directory: Directory
    renderer: DigestRenderer
    clock: Callable[[], datetime]
    zone: tzinfo
    admin_channel: str | None = None
    # A person as app.yaml knows them: an alert routed to a customer's owner or own
    # department (the ERP's say) goes only where credit data may.
    member: Callable[[str], Member] | None = None
    # The organisation's days off: no digest goes out (nobody reads it); the next
    # working day's run announces what is new by then.
    holidays: frozenset[date] = frozenset()

    def day_off(self) -> bool:
        return self.today() in self.holidays

    def _cleared(self, target: str) -> bool:
        if is_channel_id(target):
            return target in self.access.share_channels
        return self.member is not None and self.access.allows(self.member(target))

    def _reach(self, alert: Alert, withheld: set[str] | None = None) -> list[str]:
        return destinations(alert, self.routes, self.directory,
                            self._cleared if self.member is not None else None, withheld)

    # -- the scan ---------------------------------------------------------------------

    def scan(self, portfolio: Portfolio | None = None) -> dict[str, int]:
        """Finds every condition, announces what is new or worse, records the rest.

        Two units of work: the long read of the portfolio takes no lock, then a short
        one reads the states again, decides and writes, holding the write lock from its
        first read (a click answering an alert meanwhile is then seen, not overwritten,
        and on SQLite other writers wait a moment rather than for the whole scan).
        ``portfolio``: the positions as the job already read them, used when of today."""
        now = self.clock()
        as_of = now.astimezone(self.zone).date()
        with self.unit_of_work() as uow:
            # A portfolio read for another day (the job crossed midnight) is read again.
            entries = (portfolio.entries if portfolio is not None and portfolio.as_of == as_of
                       else portfolio_positions(uow, as_of, self.policy))
            fx = FxRates.on_record(uow.rates, self.policy.base_currency, as_of)
            large = self._large_invoices(uow, fx, as_of, entries)
            contracts = uow.alerts.contracts_ending(
                as_of, as_of + timedelta(days=self.settings.contract_notice_days))
            collectors = {a.customer_id: (a.collector, a.status.value)
                          for a in uow.collections.open_assignments()}
        found = detect(entries, large, contracts, self.settings, as_of, collectors)
        spoilt = [e for e in entries if e.position is None]
        unknown = {e.customer.customer_id for e in spoilt}
        if unknown:
            _left_out(entries)
        scanned = {"customers": len(entries), "conditions": len(found)}
        # Every customer some figure lacked a rate for: those left out, and those shown
        # in their own currency only ("(no USD rate)" in the digest), which the count
        # left out while their lines said it.
        lacking = sum(e.missing_rate is not None for e in entries)
        capped = len(large) >= MAX_LARGE_INVOICES
        if capped:
            scanned["large_invoices_capped"] = len(large)
            log.warning("%d or more overdue invoices reach alerts.large_invoice (%s): only "
                        "the %d largest are announced, and none of the others is taken for "
                        "paid; raise the threshold", len(large), self.settings.large_invoice,
                        len(large))
        # A click answering an alert between our read of its state and our write makes
        # the write refuse (optimistic locking, on databases that do not lock whole
        # files): decide again from the states as they are now.
        for attempt in range(1, ANNOUNCE_TRIES + 1):
            try:
                return self._announce(found, unknown, now, as_of, scanned, capped, lacking,
                                      spoilt)
            except AlertChanged:
                if attempt == ANNOUNCE_TRIES:
                    raise
        raise AssertionError("unreachable")  # the last try returns or raises

    def _announce(self, found: list[Alert], unknown: set[str], now: datetime, as_of: date,
                  scanned: dict[str, int], capped: bool, lacking: int,
                  spoilt: Sequence[PortfolioEntry] = ()) -> dict[str, int]:
        with self.unit_of_work() as uow:
            uow.begin_write()
            states = uow.alerts.open_states()
            states.update(uow.alerts.states(
                [a.condition for a in found if a.condition not in states]))
            decision = decide(found, states, now, unknown, self._beyond_cap(
                uow, found, states, as_of) if capped else set())
            routed: list[tuple[Announcement, list[str]]] = []
            withheld: dict[str, set[str]] = {}
            unrouted = 0
            nowhere: set[str] = set()
            for announcement in decision.announce:
                missed: set[str] = set()
                to = self._reach(announcement.alert, missed)
                for target in missed:
                    withheld.setdefault(target, set()).add(
                        announcement.alert.subject.customer_id)
                if not to:
                    unrouted += 1
                    if self.admin_channel is None:
                        # Not recorded as announced: once a route or an admin channel
                        # exists, the next run announces it.
                        nowhere.add(announcement.alert.condition)
                        continue
                    to = [self.admin_channel]
                routed.append((announcement, to))
            if withheld:
                log.warning(
                    "alerts not sent to %s: the customer's owner or department in the ERP "
                    "named them, and credit data is not open to them (app.yaml's "
                    "access.credit_data)", ", ".join(
                        f"{target} (for {', '.join(sorted(ids))})"
                        for target, ids in sorted(withheld.items())))
            announced = {a.alert.condition for a, _ in routed}
            changed = {s.condition: s for s in decision.changed if s.condition not in nowhere}
            kept, catch_up, left = self._untold(uow, found, states, changed, announced,
                                                unknown, now)
            digests = by_destination([*routed, *catch_up])
            # A condition told anew, or back after a snooze (which keeps the
            # acknowledgement), shows who acknowledged it already: it offered Acknowledge
            # again, which did nothing, and was missing from the App Home.
            answered = {a.alert.condition: s for a, _ in [*routed, *catch_up]
                        if (s := changed.get(a.alert.condition) or states.get(
                            a.alert.condition)) is not None and s.acknowledged_by}
            if answered:
                digests = {destination: [dataclasses.replace(
                    line, state=answered.get(line.condition, line.state)) for line in lines]
                    for destination, lines in digests.items()}
            posted = {destination: self._post(uow, now, destination, lines)
                      for destination, lines in digests.items()}
            ids = {destination: digest_id for destination, (digest_id, _) in posted.items()}
            for condition, destinations in _told(states, kept, routed, catch_up, ids).items():
                state = changed.get(condition) or states[condition]
                changed[condition] = dataclasses.replace(state, told=destinations)
            uow.alerts.save(list(changed.values()))
            # After the save: the edits show the lines as resolved, or better now than
            # they say; the lines left behind (no longer followed where they are, or
            # showing "better now" and announced again) lose their buttons.
            edits = self._lines_to_edit(uow, [
                s for s in changed.values() if s.resolved_at == now or (
                    s.is_open and s.condition not in announced
                    and s.level < states[s.condition].level)], set(ids.values()))
            self._left_behind(uow, states, routed, left, set(ids.values()), edits)
            # Each digest edited once, on every page showing one of its lines that changed.
            for digest_id in sorted(edits):
                self._refresh(uow, *edits[digest_id])
            messages = sum(pages for _, pages in posted.values())
            counts = {**scanned, "announced": len(decision.announce) - len(nowhere),
                      "resolved": decision.resolved, "unrouted": unrouted,
                      "digests": len(digests), "messages": messages,
                      "missing_rate": lacking}
            if catch_up:
                counts["told_anew"] = len(catch_up)
            if spoilt:
                self._tell_left_out(uow, spoilt, as_of)
            uow.audit.append(AuditEntry(now, SYSTEM, "alerts.scanned", as_of.isoformat(),
                                        dict(counts)))
            uow.commit()
        return counts

    def _large_invoices(self, uow: UnitOfWork, fx: FxRates, as_of: date,
                        entries: Sequence[PortfolioEntry]) -> list[LargeInvoice]:
        threshold = self.settings.large_invoice
        if threshold is None:
            return []
        minimum: dict[str, Decimal] = {}
        for currency in {*fx.to_base, fx.base}:
            try:
                # Rounded down: storage selects a few too many, ``detect`` keeps the exact.
                minimum[currency] = (threshold.amount * fx.factor(threshold.currency, currency)
                                     ).quantize(_CENT_HUNDREDTH, rounding=ROUND_FLOOR)
            except MissingRate:
                continue
        unrated = sorted({e.missing_rate.currency for e in entries
                          if e.missing_rate is not None} - set(minimum))
        if unrated:
            # Not silently: a ¥420,000 invoice 92 days late went unannounced for as long
            # as the CNY rate was missing.
            log.warning("large overdue invoices in %s not looked for: no exchange rate to %s "
                        "on or before %s; import one", ", ".join(unrated),
                        threshold.currency, as_of.isoformat())
        found = uow.alerts.large_overdue_invoices(as_of, minimum, MAX_LARGE_INVOICES)
        return [dataclasses.replace(
            invoice, in_base=invoice.open_amount.amount
            * fx.factor(invoice.open_amount.currency, threshold.currency))
            for invoice in found]

    @staticmethod
    def _beyond_cap(uow: UnitOfWork, found: Sequence[Alert], states: Mapping[str, AlertState],
                    as_of: date) -> set[str]:
        """The open large-invoice conditions a capped scan did not find whose invoice is
        still open and overdue: left out by the cap, not paid. (Kept open for all of
        them, a paid one stayed open as long as the cap was reached.)"""
        seen = {alert.condition for alert in found}
        missing = {state.last.key: condition for condition, state in states.items()
                   if state.type is AlertType.LARGE_INVOICE and state.is_open
                   and condition not in seen and state.last is not None}
        return {missing[i] for i in uow.alerts.still_overdue(list(missing), as_of)}

    def _untold(self, uow: UnitOfWork, found: Sequence[Alert],
                states: Mapping[str, AlertState], changed: Mapping[str, AlertState],
                announced: Collection[str], unknown: Collection[str], now: datetime,
                ) -> tuple[dict[str, dict[str, int]], list[tuple[Announcement, list[str]]],
                           dict[int, set[str]]]:
        """The open conditions this run does not announce whose destinations now are not
        those told of them: a route added (a department's new channel) or a digest
        Slack refused for good (the bot not invited yet) left a destination without
        the alert until it got worse; a route no longer sending it somewhere (it got
        better, the customer moved, credit data was closed there) left that
        destination's line live. Returns, by condition, the destinations still told
        (as ``AlertState.told`` keeps them) where that changed; what to tell the
        others, as new to them (not for snoozed or acknowledged conditions: someone is
        on them); and the digests left behind, with their conditions, to close."""
        refused = uow.alerts.refused_digests(
            {d for s in states.values() if s.told for d in s.told.values() if d})
        reach: dict[tuple[object, ...], list[str]] = {}
        kept: dict[str, dict[str, int]] = {}
        catch_up: list[tuple[Announcement, list[str]]] = []
        left: dict[int, set[str]] = {}
        for alert in found:
            state = changed.get(alert.condition) or states.get(alert.condition)
            if alert.condition in announced or state is None or not state.is_open or \
                    state.customer_id in unknown:
                continue
            subject = alert.subject
            # Routing reads only these: one look-up per kind of alert, not per alert.
            key = (alert.type, alert.severity, subject.department, subject.owner,
                   subject.group, subject.country, subject.currency)
            to = reach.get(key)
            if to is None:
                # An alert no route sends anywhere goes to the admins, as announced.
                to = reach[key] = self._reach(alert) or (
                    [self.admin_channel] if self.admin_channel else [])
            if state.told is None:
                # Kept from before creditbot recorded this: taken as told (an upgrade
                # announces nothing again).
                kept[alert.condition] = dict.fromkeys(to, 0)
                continue
            still = {d: i for d, i in state.told.items() if d in to and i not in refused}
            for digest_id in {i for d, i in state.told.items()
                              if d not in to and i and i not in refused}:
                left.setdefault(digest_id, set()).add(alert.condition)
            untold = [d for d in to if d not in still]
            # Acknowledged, it is still told where it goes now (the customer moved: the
            # department that has it now knew nothing, the old one's line is closed);
            # snoozed, not until the snooze ends.
            if untold and not state.snoozed_at(now):
                catch_up.append((Announcement(alert, Change.NEW), untold))
            if still != state.told:
                kept[alert.condition] = still
        return kept, catch_up, left

    def _tell_left_out(self, uow: UnitOfWork, spoilt: Sequence[PortfolioEntry],
                       as_of: date) -> None:
        """The admins hear of the customers left out for want of a rate, once a day per
        set of rates: only the log said so, and a customer 90 days overdue was silent in
        every digest for want of the rate of a 100-franc invoice."""
        # The admins import rates; without an admin channel, the credit department,
        # whose alerts these are, asks them to.
        credit = self.directory.channels.get(CREDIT_DEPARTMENT)
        to = self.admin_channel or (credit if credit and self._cleared(credit) else None)
        if to is None:
            return  # the log says it (``_left_out``)
        rates = sorted({(e.missing_rate.currency, e.missing_rate.base) for e in spoilt
                        if e.missing_rate is not None})
        page = self.renderer.left_out(to, [e.customer for e in spoilt], rates, as_of)
        uow.outbox.add(OutgoingMessage(
            channel=to, kind=LEFT_OUT, text=page.text, blocks=page.blocks,
            dedup_key=f"{LEFT_OUT}:{as_of.isoformat()}:"
                      + ",".join(f"{c}-{b}" for c, b in rates)))

    def _post(self, uow: UnitOfWork, now: datetime, destination: str,
              lines: list[DigestLine]) -> tuple[int, int]:
        """Queues the digest of ``lines`` to ``destination``: its id and its pages."""
        digest_id = uow.alerts.add_digest(now, destination, lines)
        pages: list[MessageId] = []
        for number, page in enumerate(self.renderer.render(destination, digest_id, lines,
                                                           now)):
            pages.append(uow.outbox.add(OutgoingMessage(
                channel=destination, kind=DIGEST, text=page.text, blocks=page.blocks,
                dedup_key=f"{DIGEST}:{digest_id}:{number}",
                thread_of=pages[0] if pages else None)))
        uow.alerts.set_pages(digest_id, pages)
        return digest_id, len(pages)

    @staticmethod
    def _lines_to_edit(uow: UnitOfWork, states: Sequence[AlertState],
                       posted: Collection[int]) -> dict[int, tuple[Digest, set[str]]]:
        """The digests still showing the lines of ``states`` (resolved, or better than
        their lines say), to edit so they say so: "New" stayed on a paid invoice until
        someone pressed it. Only the lines of the run that last announced each, and those
        told since (``posted``, this run's digests, show them as they are already): an
        older one is outdated anyway. By digest id, with the conditions it shows."""
        by_run: dict[datetime, set[str]] = {}
        for state in states:
            if state.last_announced_at is not None:
                by_run.setdefault(state.last_announced_at, set()).add(state.condition)
        edits: dict[int, tuple[Digest, set[str]]] = {}
        for run_at, conditions in by_run.items():
            for shown in uow.alerts.digests_with(conditions, run_at):
                if shown.id not in posted:
                    edits.setdefault(shown.id, (shown, set()))[1].update(conditions)
        for shown, conditions in _other_digests(uow, states, {*posted, *edits}):
            edits.setdefault(shown.id, (shown, set()))[1].update(conditions)
        return edits

    @staticmethod
    def _left_behind(uow: UnitOfWork, states: Mapping[str, AlertState],
                     routed: Sequence[tuple[Announcement, list[str]]],
                     left: Mapping[int, set[str]], posted: Collection[int],
                     edits: dict[int, tuple[Digest, set[str]]]) -> None:
        """The lines this run leaves behind lose their buttons and say they are no
        longer followed there (the renderer reads it from ``AlertState.told``): those of
        destinations no route sends the condition to any more (``left``: it got better
        and #legal no longer hears of it, the customer moved, credit data was closed
        there), no new figures among them; and, of a condition announced again, the
        earlier line of each destination told before, when it showed "better now" (a
        figure that would go stale) or the announcement leaves the destination out.
        Added to ``edits`` (by digest id, with the conditions whose lines it shows)."""
        behind = {digest_id: set(conditions) for digest_id, conditions in left.items()
                  if digest_id not in posted}
        showed_better: dict[int, set[str]] = {}
        for announcement, to in routed:
            condition = announcement.alert.condition
            before = states.get(condition)
            if before is None or not before.is_open:
                continue  # resolved before: its lines say so, and stay
            for destination, digest_id in (before.told or {}).items():
                if not digest_id or digest_id in posted:
                    continue
                if destination not in to:
                    behind.setdefault(digest_id, set()).add(condition)
                else:
                    showed_better.setdefault(digest_id, set()).add(condition)
        for digest_id, conditions in showed_better.items():
            shown = uow.alerts.digest(digest_id)
            worse_shown = {line.condition for line in shown.lines if line.condition in
                           conditions and line.announcement.alert.level
                           > states[line.condition].level} if shown else set()
            if worse_shown:
                behind.setdefault(digest_id, set()).update(worse_shown)
        for digest_id, conditions in behind.items():
            if digest_id in edits:
                edits[digest_id][1].update(conditions)
            elif (shown := uow.alerts.digest(digest_id)) is not None:
                edits[digest_id] = (shown, set(conditions))

    # -- answers from a digest --------------------------------------------------------

    def acknowledge(self, actor: Member, digest_id: int, condition: str) -> AlertState:
        """Records who acknowledged. Acknowledging what someone already acknowledged
        changes nothing (the first stays on record, and no edit is queued again)."""
        now = self.clock()
        return self._answer(actor, digest_id, condition, "alerts.acknowledged", {},
                            lambda state: state if state.acknowledged_by else
                            dataclasses.replace(state, acknowledged_by=actor.user_id,
                                                acknowledged_at=now))

    def snooze(self, actor: Member, digest_id: int, condition: str, days: int) -> AlertState:
        if days not in SNOOZE_DAYS:
            raise DomainError(N_("An alert can be snoozed for 1 or 7 days."))
        # Until the start of the day (the organisation's): snoozed for a day after the
        # morning's digest, it was still snoozed at the next morning's run, and came back
        # only on the third day.
        until = datetime.combine(self.today() + timedelta(days=days), time(0),
                                 tzinfo=self.zone).astimezone(UTC)
        # A snooze running longer stands: a day's snooze pressed under someone's week cut
        # their week short, unasked (the line still says whose it is, and until when).
        return self._answer(actor, digest_id, condition, "alerts.snoozed",
                            {"days": days, "until": until.isoformat()},
                            lambda state: state if state.snoozed_until is not None
                            and state.snoozed_until >= until else dataclasses.replace(
                                state, snoozed_until=until, snoozed_by=actor.user_id))

    def _answer(self, actor: Member, digest_id: int, condition: str, action: str,
                details: dict[str, Any], change: Callable[[AlertState], AlertState]
                ) -> AlertState:
        now = self.clock()
        if not self.access.allows(actor):
            with self.unit_of_work() as uow:
                uow.audit.append(AuditEntry(now, actor.user_id, "alerts.answer_refused",
                                            condition, {"wanted": action}))
                uow.commit()
            self.access.require(actor)
        with self.unit_of_work() as uow:
            uow.begin_write()
            digest = uow.alerts.digest(digest_id)
            if digest is not None:
                uow.alerts.lock_run(digest.run_at)
            state = uow.alerts.states([condition]).get(condition)
            if digest is None or state is None or \
                    condition not in {line.condition for line in digest.lines}:
                raise AlertUnknown()
            if not state.is_open:
                # The digest still offered its buttons: it is edited to say resolved,
                # without them, so that nobody else presses in vain. Once per digest and
                # line, however many press (each press queued the edits again).
                for shown in self._showing(uow, state, state.last_announced_at or digest.run_at):
                    self._refresh(uow, shown, {condition},
                                  once=f"alerts.resolved:{shown.id}:{condition}")
                uow.commit()
                raise AlertClosed()
            if state.told is not None and digest.destination not in state.told:
                raise AlertLeft()
            # The destination's latest line is the one answered (0: told before that
            # was kept, when the last announcement's run is the latest).
            latest = (state.told or {}).get(digest.destination)
            if (latest and latest != digest_id) or (not latest and (
                    state.last_announced_at is not None
                    and digest.run_at < state.last_announced_at)):
                raise AlertOutdated()
            answered = change(state)
            if answered == state:
                return state
            uow.alerts.save([answered])
            for shown in self._showing(uow, state, state.last_announced_at or digest.run_at):
                self._refresh(uow, shown, {condition})
            uow.audit.append(AuditEntry(now, actor.user_id, action, condition,
                                        {"digest": digest_id, **details}))
            uow.commit()
        return answered

    @staticmethod
    def _showing(uow: UnitOfWork, state: AlertState, run_at: datetime) -> list[Digest]:
        """The digests showing ``state``'s line as it stands: those of the run at
        ``run_at``, and those of a later run that told a destination it missed."""
        shown = uow.alerts.digests_with({state.condition}, run_at)
        return shown + [other for other, _ in _other_digests(uow, [state],
                                                              {d.id for d in shown})]

    def _refresh(self, uow: UnitOfWork, digest: Digest, conditions: Collection[str],
                 once: str | None = None) -> None:
        """Queues an edit of the pages of ``digest`` that an answer about ``conditions``
        changes: the first (its counts of answered lines) and those showing the lines.
        ``once``: the edits' key, when they are to be queued only once."""
        if once is not None and uow.outbox.id_of(f"{once}:0") is not None:
            return
        numbers = {0, *(self.renderer.page_of(i, len(digest.lines))
                        for i, line in enumerate(digest.lines) if line.condition in conditions)}
        states = uow.alerts.states([line.condition for line in digest.lines])
        lines = [DigestLine(line.announcement, states.get(line.condition),
                            _followed(states.get(line.condition), digest))
                 for line in digest.lines]
        for number in sorted(numbers):
            if number >= len(digest.pages):
                continue
            page = self.renderer.render_page(digest.destination, digest.id, lines,
                                             digest.run_at, number)
            uow.outbox.add(OutgoingMessage(channel=digest.destination, kind=DIGEST,
                                           text=page.text, blocks=page.blocks,
                                           update_of=digest.pages[number],
                                           dedup_key=once and f"{once}:{number}"))

    # -- what a person sees on their Home tab -----------------------------------------

    def open_for(self, actor: Member, limit: int = 10) -> tuple[list[AlertState], int]:
        """The open alerts that reach ``actor`` (by direct message, in a channel of a
        department they belong to, or about a customer they own), neither acknowledged
        nor snoozed: their own first (a customer they own, a direct message), then their
        departments'; within each the most severe and largest first; at most ``limit``,
        and how many there are in all."""
        self.access.require(actor)
        now = self.clock()
        channels = {self.directory.channels[d] for d in actor.departments
                    if d in self.directory.channels}
        with self.unit_of_work() as uow:
            states = uow.alerts.open_states()
        mine = []
        own: set[str] = set()
        for state in states.values():
            alert = state.last
            # Acknowledged or snoozed: someone is on it, or asked for quiet.
            if alert is None or state.snoozed_at(now) or state.acknowledged_by is not None:
                continue
            reach = set(self._reach(alert))
            if alert.subject.owner == actor.user_id or actor.user_id in reach:
                own.add(state.condition)
            if state.condition in own or reach & channels:
                mine.append(state)
        # A rep's own customer was behind ten of the department's others, out of sight.
        mine.sort(key=lambda s: (s.condition not in own, -s.severity, s.last is None,
                                 -(s.last.amount_in_base or 0) if s.last else 0))
        return mine[:limit], len(mine)


def _told(states: Mapping[str, AlertState], kept: Mapping[str, dict[str, int]],
          routed: Sequence[tuple[Announcement, list[str]]],
          catch_up: Sequence[tuple[Announcement, list[str]]],
          digest_of: Mapping[str, int]) -> dict[str, dict[str, int]]:
    """Who is told of each condition after this run, where that changed
    (``AlertState.told``): an announced one, the destinations of this run's digests; one
    told only where it was not yet, those beside the ones told before (``kept`` when some
    were dropped)."""
    told = {condition: dict(still) for condition, still in kept.items()}
    for announcement, to in routed:
        told[announcement.alert.condition] = {d: digest_of[d] for d in to}
    for announcement, to in catch_up:
        condition = announcement.alert.condition
        told[condition] = {**told.get(condition, states[condition].told or {}),
                           **{d: digest_of[d] for d in to}}
    return told


def _followed(state: AlertState | None, digest: Digest) -> Followed:
    """Whether ``digest`` shows the latest line of ``state``'s condition in its
    destination, which its routes still send it to (``AlertState.told``; 0 and None:
    kept from before that was, taken as followed)."""
    if state is None or state.told is None:
        return Followed.HERE
    latest = state.told.get(digest.destination)
    if latest is None:
        return Followed.LEFT
    return Followed.HERE if latest in (0, digest.id) else Followed.AGAIN


def _other_digests(uow: UnitOfWork, states: Iterable[AlertState], besides: Collection[int]
                   ) -> list[tuple[Digest, set[str]]]:
    """The digests named in the states' ``told`` other than ``besides``: those of a later
    run that told a destination it missed (``Alerts._untold``), or of an earlier one
    whose destination a later announcement left out, each with the conditions of
    ``states`` it shows."""
    later: dict[int, set[str]] = {}
    for state in states:
        for digest_id in (state.told or {}).values():
            if digest_id and digest_id not in besides:
                later.setdefault(digest_id, set()).add(state.condition)
    found = ((uow.alerts.digest(digest_id), conditions)
             for digest_id, conditions in sorted(later.items()))
    return [(digest, conditions) for digest, conditions in found if digest is not None]


def _left_out(entries: Sequence[Any]) -> None:
    """Says which customers the scan left out and for want of which rates: the job's
    summary counts them (``missing_rate``) and nobody could tell whom."""
    spoilt = [e for e in entries if e.position is None]
    ids = sorted(e.customer.customer_id for e in spoilt)
    rates = sorted({f"{e.missing_rate.currency} to {e.missing_rate.base}" for e in spoilt
                    if e.missing_rate is not None})
    named = ", ".join(ids[:NAMED_MISSING]) + (
        f" and {len(ids) - NAMED_MISSING} more" if len(ids) > NAMED_MISSING else "")
    log.warning("alerts: %d customer(s) left out of the scan for want of an exchange rate "
                "(%s): %s; import the rates (creditbot import rates FILE.csv)",
                len(ids), ", ".join(rates) or "?", named)
