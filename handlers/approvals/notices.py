"""The Slack messages a change to a credit request causes, queued in the outbox inside
the use case's transaction (``domain.approvals.ports.RequestNotices``).

A level's card goes to its ``post_to`` department's channel, or (no ``post_to``) to
each holder of its role by direct message, and to whoever stands in for one of them
today (``/credit delegate``); once its deadline passed, to the holders of
``escalate_to`` (and their stand-ins) as well. Reminders reach the stand-ins too. Only
people who may still decide the level get a card or a reminder: nobody who has a part
in one of the request's decisions, nor their stand-ins (``deciders.who_decides``).
Each card has a dedup key per request, level and destination, so a retried use case
never posts it twice, and every later change of that level edits those same cards in
place (``update_of``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import tzinfo
from functools import partial

from domain.approvals.deciders import left_to_escalation, who_decides
from domain.approvals.model import CreditRequest, Delegation, Level, Question
from domain.approvals.ports import Happened, RequestChange
from domain.messages import OutgoingMessage
from domain.people import is_channel_id
from domain.ports import Outbox
from handlers.approvals import cards
from handlers.i18n import Translator, translator
from handlers.render import clip, section

log = logging.getLogger("creditbot.approvals")

CARD = "approvals.card"
NOTE = "approvals.note"


def card_key(request_id: int, level: int, destination: str) -> str:
    return f"{CARD}:{request_id}:{level}:{destination}"


def question_key(question_id: int) -> str:
    """The requester's direct message of a question: edited once it is answered."""
    return f"{NOTE}:question:{question_id}"


def answer_key(question_id: int, destination: str) -> str:
    """An answer under a card: once, whichever way it came there (answered, or copied
    under a card posted after it)."""
    return f"{NOTE}:answer:{question_id}:{destination}"



def _withheld(change: RequestChange) -> None:
    withheld = change.standing.owner_withheld if change.standing else None
    if withheld:
        log.warning("approval note about %s not sent to its owner %s: an owner in the ERP "
                    "named them, and credit data is not open to them (app.yaml's "
                    "access.credit_data)", change.request.customer_id, withheld)

class ApprovalNotices:
    """Approval cards for each level's deciders, their edits when a level decides, and
    notes to the requester and the account owner. ``channels``: department key →
    channel id; ``holders``: role → user ids (both from app.yaml)."""

    def __init__(self, locale_of: Callable[[str], str], zone: tzinfo,
                 channels: Mapping[str, str] | None = None,
                 holders: Mapping[str, Sequence[str]] | None = None,
                 cleared: Callable[[str], bool] | None = None) -> None:
        self.locale_of = locale_of
        self.zone = zone
        self.channels = dict(channels or {})
        self.holders = {role: tuple(users) for role, users in (holders or {}).items()}
        # Whether a person may see credit data now (app.yaml's access.credit_data): a
        # card sent before app.yaml let them go gets no question or answer after it.
        self.cleared = cleared or (lambda _user: True)

    def tr(self, destination: str) -> Translator:
        return translator(self.locale_of(destination))

    def destinations(self, level: Level, change: RequestChange) -> list[str]:
        """Where the level's card goes: its department's channel, else the people who
        may decide it (the role's holders and their stand-ins today, less those the
        rules keep out of this request)."""
        channel = self.channels.get(level.post_to) if level.post_to else None
        return [channel] if channel else self._deciders(level.role, change)

    def escalation_destinations(self, level: Level, change: RequestChange) -> list[str]:
        if not level.escalate_to:
            return []
        first = self.destinations(level, change)
        return [u for u in self._deciders(level.escalate_to, change) if u not in first]

    def _deciders(self, role: str, change: RequestChange) -> list[str]:
        # A stand-in named before app.yaml closed credit data to them got the cards, and
        # their buttons refused them; config check refuses a role's holders so closed.
        # Said once a change, in ``queue`` (this runs several times for one).
        return [user for user in who_decides(role, self.holders, change.stand_ins,
                                             change.request.requested_by, change.decisions)
                if self.cleared(user)]

    def _say_barred(self, change: RequestChange) -> None:
        """Logs the deciders of the current level left without its card, once a change."""
        level = change.request.current
        if level.post_to and self.channels.get(level.post_to):
            return  # its cards go to the channel
        escalated = change.happened in (Happened.ESCALATED, Happened.OVERDUE)
        roles = [level.role] + ([level.escalate_to] if level.escalate_to and escalated
                                else [])
        barred = sorted({user for role in roles
                         for user in who_decides(role, self.holders, change.stand_ins,
                                                 change.request.requested_by,
                                                 change.decisions)
                         if not self.cleared(user)})
        if barred:
            log.warning("the cards of request %s (level %s) not sent to %s: credit data is "
                        "not open to them (app.yaml's access.credit_data)", change.request.id,
                        change.request.level, ", ".join(barred))

    def _may_tell(self, destination: str, what: str) -> bool:
        """Whether ``destination`` may be sent credit data now: a channel (app.yaml's
        config check keeps closed ones out), or a person access.credit_data clears. A
        requester or stand-in it no longer clears is sent nothing, and the log says so."""
        if is_channel_id(destination) or self.cleared(destination):
            return True
        log.warning("%s not sent to %s: credit data is not open to them (app.yaml's "
                    "access.credit_data)", what, destination)
        return False

    def queue(self, outbox: Outbox, change: RequestChange) -> None:
        request = change.request
        happened = change.happened
        if happened in (Happened.FILED, Happened.ADVANCED, Happened.ESCALATED,
                        Happened.REMINDED, Happened.OVERDUE, Happened.STOOD_IN):
            self._say_barred(change)
        decision = change.decision
        if decision is not None:
            self._edit_cards(outbox, change, decision.level)
        if happened in (Happened.FILED, Happened.ADVANCED):
            self._post_cards(outbox, change,
                             self.destinations(request.current, change))
        level = request.current
        # Nobody of the level's own role is left: its escalation role decides it.
        at_once = left_to_escalation(level, self.holders, request.requested_by,
                                     change.decisions)
        early = at_once and happened in (Happened.FILED, Happened.ADVANCED)
        if early:
            self._post_cards(outbox, change, self.escalation_destinations(level, change),
                             early=True)
        escalated_to = level.escalate_to if early else None
        running = change.standing.temporary if change.standing else None
        if decision is not None:
            self._note(outbox, request.requested_by, lambda tr: cards.requester_note(
                tr, request, decision, self.zone, escalated_to, running))
        elif escalated_to is not None:
            # Filed so (a level decided says it in its own note).
            self._note(outbox, request.requested_by,
                       lambda tr: cards.escalated_at_once_note(tr, request, escalated_to),
                       key=f"{NOTE}:escalated:{request.id}:{request.level}")
        owner = change.standing.owner if change.standing else None
        # The rep whose order it is waits on the release as much as whoever asked for it.
        placer = change.standing.placed_by if change.standing else None
        told = {request.requested_by}
        if happened is Happened.APPROVED:
            _withheld(change)
            for person, whose in ((owner, cards.OWNED), (placer, cards.PLACED)):
                if person and person not in told:
                    told.add(person)
                    self._note(outbox, person, partial(cards.owner_note, request=request,
                                                       whose=whose, running=running))
        elif happened is Happened.REJECTED and decision is not None:
            _withheld(change)
            # The owner heard of the request or the hold: they hear it was turned down.
            rejected = decision
            for person, whose in ((owner, cards.OWNED), (placer, cards.PLACED)):
                if person and person not in told:
                    told.add(person)
                    self._note(outbox, person, partial(
                        cards.owner_rejected_note, request=request, decision=rejected,
                        whose=whose))
        elif happened in (Happened.CANCELLED, Happened.EXPIRED):
            self._edit_cards(outbox, change, request.level)
            if happened is Happened.EXPIRED:
                self._note(outbox, request.requested_by,
                           lambda tr: cards.expired_note(tr, request))
            elif change.order_now is not None and self._may_tell(
                    request.requested_by, f"the order note of request {request.id}"):
                order = change.order_now
                text, blocks = cards.order_changed_note(self.tr(request.requested_by),
                                                        request, order)
                outbox.add(OutgoingMessage(channel=request.requested_by, kind=NOTE,
                                           text=text, blocks=blocks))
        elif happened is Happened.OVERDUE:
            self._deal_missing(outbox, change, at_once)
        elif happened is Happened.REMINDED:
            self._deal_missing(outbox, change, at_once)
            reminded = self._deciders(request.current.role, change) or (
                self.escalation_destinations(level, change) if at_once else [])
            posted_in = (self.channels.get(level.post_to) if level.post_to and not at_once
                         else None)
            for user in reminded:
                self._note(outbox, user, lambda tr: cards.reminder(tr, request, self.zone,
                                                                   posted_in),
                           key=f"{NOTE}:remind:{request.id}:{request.level}:{user}")
        elif happened is Happened.ESCALATED and request.current.escalate_to:
            self._post_cards(outbox, change, self.escalation_destinations(
                request.current, change), escalated=True)
            escalate_to = request.current.escalate_to
            self._note(outbox, request.requested_by,
                       lambda tr: cards.escalated_note(tr, request, escalate_to),
                       key=f"{NOTE}:escalated:{request.id}:{request.level}")
        elif happened is Happened.STOOD_IN and change.stand_in:
            level = request.current
            if change.stand_in in self.destinations(level, change):
                self._post_cards(outbox, change, [change.stand_in])
            elif change.stand_in in self.escalation_destinations(level, change):
                self._post_cards(outbox, change, [change.stand_in], escalated=True)
        elif happened is Happened.INFO_ASKED and change.asked is not None:
            self._ask(outbox, change, change.asked)
        elif happened is Happened.INFO_ANSWERED and change.asked is not None:
            self._answered(outbox, change, change.asked)
        if happened in (Happened.APPROVED, Happened.REJECTED, Happened.CANCELLED,
                        Happened.EXPIRED):
            self._tell_earlier_levels(outbox, change)
        for question in change.unanswered:
            self._edit_question(outbox, change, question, [
                destination for destination, _ in self._asked_in(outbox, change, question)])

    def delegated(self, outbox: Outbox, delegation: Delegation, roles: Sequence[str],
                  waiting: int | None) -> None:
        self._note(outbox, delegation.delegate, lambda tr: cards.stand_in_note(
            tr, delegation, roles, waiting), key=f"{NOTE}:delegated:{delegation.id}")

    def delegation_ended(self, outbox: Outbox, delegation: Delegation) -> None:
        self._note(outbox, delegation.delegate, lambda tr: cards.stand_in_ended_note(
            tr, delegation), key=f"{NOTE}:delegation-ended:{delegation.id}")

    def has_card(self, outbox: Outbox, request: CreditRequest, person: str) -> bool:
        return outbox.id_of(card_key(request.id, request.level, person)) is not None

    # -- cards ------------------------------------------------------------------------

    def _post_cards(self, outbox: Outbox, change: RequestChange,
                    destinations: Sequence[str], escalated: bool = False,
                    early: bool = False) -> None:
        request = change.request
        for destination in destinations:
            if not self._may_tell(destination, f"the card of request {request.id}"):
                continue
            tr = self.tr(destination)
            text, blocks = cards.card(tr, request, change.decisions,
                                      change.standing, request.level, self.zone,
                                      escalated or early, early=early)
            card = outbox.add(OutgoingMessage(
                channel=destination, kind=CARD, text=text, blocks=blocks or [],
                dedup_key=card_key(request.id, request.level, destination)))
            for asked in change.asked_before:
                # A card posted late: what was asked at its level, and answered, under it
                # as under the others (a stand-in named after a question decided without
                # seeing it). Keyed: a card queued before is not given them twice.
                said = cards.question(tr, request, asked.asked_by, asked.text,
                                      is_channel_id(destination))
                outbox.add(OutgoingMessage(
                    channel=destination, kind=NOTE, text=clip(said, 3000),
                    blocks=[section(said)], thread_of=card,
                    dedup_key=f"{question_key(asked.id)}:{destination}"))
                if asked.answer is not None:
                    said = cards.answer_posted(tr, request, asked)
                    outbox.add(OutgoingMessage(
                        channel=destination, kind=NOTE, text=clip(said, 3000),
                        blocks=[section(said)], thread_of=card,
                        dedup_key=answer_key(asked.id, destination)))

    def _deal_missing(self, outbox: Outbox, change: RequestChange, at_once: bool) -> None:
        """The current level's card for whoever may decide it and has none: a decider
        named in app.yaml after the cards went out, or the level's channel changed. A
        card already queued is not queued again (its dedup key)."""
        request, level = change.request, change.request.current

        def missing(destinations: Sequence[str]) -> list[str]:
            return [d for d in destinations
                    if outbox.id_of(card_key(request.id, request.level, d)) is None]

        if at_once:  # the escalation role's from the start (``queue``)
            self._post_cards(outbox, change, missing(
                self.escalation_destinations(level, change)), early=True)
            return
        self._post_cards(outbox, change, missing(self.destinations(level, change)))
        if level.escalate_to and change.happened is Happened.OVERDUE:
            self._post_cards(outbox, change, missing(
                self.escalation_destinations(level, change)), escalated=True)

    def _edit_cards(self, outbox: Outbox, change: RequestChange, level: int) -> None:
        request = change.request
        for destination, posted in self._posted(outbox, change, level):
            text, blocks = cards.card(self.tr(destination), request, change.decisions,
                                      change.standing, level, self.zone)
            outbox.add(OutgoingMessage(channel=destination, kind=CARD, text=text,
                                       blocks=blocks or [], update_of=posted))

    def _tell_earlier_levels(self, outbox: Outbox, change: RequestChange) -> None:
        """How the request ended, under each card of the levels decided before the
        last: kept as they show now, the figures those levels decided on."""
        request, decision = change.request, change.decision
        last = decision.level if decision is not None else request.level
        for level in range(1, last):
            for destination, posted in self._posted(outbox, change, level):
                tr = self.tr(destination)
                shown = outbox.shown_blocks(posted)
                if not shown:
                    continue
                outbox.add(OutgoingMessage(
                    channel=destination, kind=CARD,
                    text=cards.card_fallback(tr, request, level),
                    blocks=cards.with_final(tr, shown, request, decision, self.zone, [
                        d for d in change.decisions if level < d.level < last]),
                    update_of=posted))

    def _asked_in(self, outbox: Outbox, change: RequestChange, asked: Question
                  ) -> list[tuple[str, int]]:
        """Where the question was posted but the asker's own card, each with the card it
        went under: found by the question's own keys (a question asked before they were
        keyed: the level's cards in channels)."""
        prefix = f"{question_key(asked.id)}:"
        posted = [key[len(prefix):] for key, _ in outbox.keyed(prefix)]
        if not posted:
            return [(d, card) for d, card in self._posted(outbox, change, asked.level)
                    if is_channel_id(d)]
        # The asker hears of the answer by a note of its own.
        found = ((d, outbox.id_of(card_key(change.request.id, asked.level, d)))
                 for d in posted if d != asked.asked_by
                 and (is_channel_id(d) or self.cleared(d)))
        return [(d, card) for d, card in found if card is not None]

    def _posted(self, outbox: Outbox, change: RequestChange, level: int
                ) -> Iterator[tuple[str, int]]:
        """The level's cards queued so far, with their destinations: found by their
        keys, not by app.yaml, whose channel for the level or whose holders of its role
        may have changed since they went out (a card left with its buttons in the old
        channel, or in the DMs of an approver no longer named, looked undecided)."""
        prefix = card_key(change.request.id, level, "")
        for key, posted in outbox.keyed(prefix):
            yield key[len(prefix):], posted

    # -- notes ------------------------------------------------------------------------

    def _note(self, outbox: Outbox, user: str, write: Callable[[Translator], str],
              key: str | None = None) -> None:
        if not self._may_tell(user, f"a note ({key or NOTE})"):
            return
        tr = self.tr(user)
        text = write(tr)
        outbox.add(OutgoingMessage(channel=user, kind=NOTE, text=clip(text, 3000),
                                   blocks=[section(text)], dedup_key=key))

    def _ask(self, outbox: Outbox, change: RequestChange, asked: Question) -> None:
        request = change.request
        channels: list[str] = []
        # Under every card of the level: a stand-in's question reached only their own
        # copy, and the holder they stood in for decided the level after the delegation
        # ended without seeing it (nor the answer).
        for destination, card in self._posted(outbox, change, asked.level):
            if is_channel_id(destination):
                channels.append(destination)
            elif not self.cleared(destination):
                continue
            text = cards.question(self.tr(destination), request, asked.asked_by, asked.text,
                                  is_channel_id(destination))
            # Keyed, so that its answer goes where it went (not to a channel app.yaml
            # moved the level's cards to since).
            outbox.add(OutgoingMessage(channel=destination, kind=NOTE, text=clip(text, 3000),
                                       blocks=[section(text)], thread_of=card,
                                       dedup_key=f"{question_key(asked.id)}:{destination}"))
        # Always by direct message too, with the button to answer: a mention in a
        # channel the requester is not in (a rep, and the card in #credit) reaches
        # nobody, and a card's thread in the deciders' direct messages is out of sight.
        if not self._may_tell(request.requested_by, f"question {asked.id}"):
            return
        tr = self.tr(request.requested_by)
        text = cards.question_note(tr, request, asked, self.zone, channels)
        outbox.add(OutgoingMessage(
            channel=request.requested_by, kind=NOTE, text=clip(text, 3000),
            blocks=[section(text), cards.answer_button(tr, asked)],
            dedup_key=question_key(asked.id)))

    def _answered(self, outbox: Outbox, change: RequestChange, asked: Question) -> None:
        """The answer under the question wherever it was posted (the asker's own card
        aside), to the asker by direct message, and in place of the requester's button."""
        request = change.request
        destinations = self._asked_in(outbox, change, asked)
        for destination, card in destinations:
            text = cards.answer_posted(self.tr(destination), request, asked)
            outbox.add(OutgoingMessage(channel=destination, kind=NOTE, text=clip(text, 3000),
                                       blocks=[section(text)], thread_of=card,
                                       dedup_key=answer_key(asked.id, destination)))
        if change.asker_withheld:
            log.warning("the answer to question %s not sent to %s, who asked it: credit "
                        "data is not open to them (app.yaml's access.credit_data)",
                        asked.id, asked.asked_by)
        else:
            self._note(outbox, asked.asked_by,
                       lambda tr: cards.answer_note(tr, request, asked))
        self._edit_question(outbox, change, asked, [d for d, _ in destinations])

    def _edit_question(self, outbox: Outbox, change: RequestChange, asked: Question,
                       destinations: Sequence[str]) -> None:
        """The requester's direct message with the question, without its Answer button:
        with the answer, or why none is wanted any more."""
        asking = outbox.id_of(question_key(asked.id))
        if asking is None or not self._may_tell(change.request.requested_by,
                                                f"the answer to question {asked.id}"):
            return
        request = change.request
        # Channels only: a thread in a decider's direct messages is out of the
        # requester's sight (and "#U…" no channel).
        text = cards.question_note(self.tr(request.requested_by), request, asked,
                                   self.zone, [d for d in destinations if is_channel_id(d)])
        outbox.add(OutgoingMessage(channel=request.requested_by, kind=NOTE,
                                   text=clip(text, 3000), blocks=[section(text)],
                                   update_of=asking))
