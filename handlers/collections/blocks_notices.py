"""The messages the collector's day sends on its own, queued in the outbox inside the use
case's transaction: disputes to the resolving department, legal cases to the legal
channel, broken promises to the collector and the account owner, nudges to collectors
and stale accounts to the collections lead. Each in its reader's language."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import tzinfo
from typing import Any

from domain.collections.day import WorkNotices
from domain.collections.model import (
    Assignment,
    CollectionAction,
    Dispute,
    LegalCase,
    Promise,
)
from domain.collections.record import History
from domain.messages import OutgoingMessage
from domain.model import Customer
from domain.money import Money
from domain.ports import Outbox
from domain.text import CommandName, People
from handlers.approvals.request_render import kind_title, state_word
from handlers.check.blocks import credit_notes_line
from handlers.collections.blocks import (
    KINDS,
    LISTED,
    NAME_LENGTH,
    OUTCOME,
    OUTCOME_LENGTH,
    PROMISE_STATES,
    RESOLVE,
    STATUSES,
    AccountValue,
    DisputeValue,
    account_label,
    invoices_text,
    listed,
    replaced_text,
)
from handlers.i18n import N_, Translator, translator
from handlers.render import (
    BLOCKS_PER_MESSAGE,
    SECTION_TEXT,
    Block,
    actions,
    button,
    clip,
    context,
    erp_text,
    header,
    mention,
    person_text,
    section,
)

LINES_PER_SECTION = 15
TEXT_LENGTH = 300



def _promise_terms(promise: Promise, customer: Customer, tr: Translator) -> dict[str, Any]:
    """What a message about a promise names: the account, the amount, the day and the
    invoices (when it names some)."""
    return {"customer": account_label(customer, tr), "amount": promise.amount,
            "day": promise.due_on, "invoices": invoices_text(promise.invoice_ids, tr)}


def nudges_text(due: Sequence[tuple[Assignment, Customer]], tr: Translator) -> str:
    """One reminder for several accounts, oldest date first."""
    # "Next step", not "the step you set": the alerts job sets the first date itself.
    title = tr.ngettext(":alarm_clock: A next step is due on {n} of your accounts:",
                        ":alarm_clock: Next steps are due on {n} of your accounts:",
                        len(due))
    lines = ["• " + tr._("{customer}: due {day}",
                         customer=account_label(customer, tr),
                         day=assignment.next_action_on)
             for assignment, customer in due[:LISTED]]
    return listed(title, lines, len(due), tr, tr._("`/credit collect` lists them first."))


def stale_text(stale: Sequence[tuple[Assignment, Customer, int]], tr: Translator) -> str:
    """The collections lead's message for several accounts without action, longest
    first."""
    title = tr.ngettext(":hourglass: {n} account has had no action for a while:",
                        ":hourglass: {n} accounts have had no action for a while:",
                        len(stale))
    lines = ["• " + tr.ngettext(
        "{customer}, collected by <@{collector}>: {n} day without action",
        "{customer}, collected by <@{collector}>: {n} days without action", days,
        customer=account_label(customer, tr),
        collector=assignment.collector) for assignment, customer, days in stale[:LISTED]]
    return listed(title, lines, len(stale), tr)


def _post(outbox: Outbox, to: str, kind: str, text: str, key: str) -> None:
    """A note of one section, its notification text within Slack's limit."""
    outbox.add(OutgoingMessage(channel=to, kind=kind, text=clip(text, SECTION_TEXT),
                               blocks=[section(text)], dedup_key=key))


class CollectionNotices(WorkNotices):
    def __init__(self, locale_of: Callable[[str], str], zone: tzinfo) -> None:
        self.locale_of = locale_of
        self.zone = zone

    def tr(self, destination: str) -> Translator:
        return translator(self.locale_of(destination))

    def dispute_opened(self, outbox: Outbox, dispute: Dispute, customer: Customer,
                       channel: str | None) -> None:
        to = channel or dispute.owner
        if to is None:
            return
        tr = self.tr(to)
        text = self._dispute_text(tr, dispute, customer)
        value = DisputeValue(customer=customer.customer_id, dispute=dispute.id).encode()
        outbox.add(OutgoingMessage(
            channel=to, kind="collections.dispute", text=text,
            blocks=[section(text), actions("dispute", button(tr._("Resolve"), RESOLVE,
                                                             value))],
            dedup_key=f"collections.dispute:{dispute.id}"))

    def dispute_settled(self, outbox: Outbox, dispute: Dispute, customer: Customer,
                        channel: str | None, collector: str | None, key: str) -> bool:
        value = DisputeValue(customer=customer.customer_id, dispute=dispute.id).encode()
        # The department's channel (or the owner) resolves it; the collector, who is
        # seldom in that channel, waits on it to chase the account again.
        post_to = channel or dispute.owner
        told: list[tuple[str, str | None, str]] = []  # to, whom it names, its key
        if post_to is not None:
            told.append((post_to, dispute.owner if channel else None, f"{key}post"))
        if collector is not None and collector != post_to:
            told.append((collector, None, f"{key}{collector}"))
        queued = False
        for to, mentioned, dedup in told:
            tr = self.tr(to)
            said = tr._(":information_source: The ERP now shows {invoices} settled (paid, "
                        "or credited), which {customer} disputed on {day}. If that ends "
                        "the dispute, press *Resolve* and say how it was settled; until "
                        "then it stays open and its days count.",
                        invoices=invoices_text(dispute.invoice_ids, tr),
                        customer=account_label(customer, tr),
                        day=dispute.opened_at.astimezone(self.zone).date())
            if mentioned:
                said = tr._("{people}: {said}", people=mention(mentioned), said=said)
            queued |= outbox.add_new(OutgoingMessage(
                channel=to, kind="collections.dispute_settled",
                text=clip(said, SECTION_TEXT),
                blocks=[section(said), actions("dispute", button(tr._("Resolve"), RESOLVE,
                                                                 value))],
                dedup_key=dedup,
                thread_of=outbox.id_of(f"collections.dispute:{dispute.id}")
                if to == post_to else None)) is not None
        return queued

    def dispute_resolved(self, outbox: Outbox, dispute: Dispute, customer: Customer,
                         channel: str | None, tell: Sequence[str] = (),
                         with_legal: bool = False, collected: bool = True) -> None:
        if dispute.resolved_at is None:
            return

        def next_(tr: Translator) -> str:
            if with_legal:
                return tr._("The account is with legal: no reminders until legal records "
                            "its outcome.")
            if not collected:
                return tr._("Nobody collects the account now, so no reminders follow.")
            return tr._("Reminders for these invoices resume.")

        for person in tell:
            tr = self.tr(person)
            _post(outbox, person, "collections.dispute_resolved", tr.sentences(tr._(
                ":white_check_mark: <@{who}> resolved the dispute of {customer} over "
                "{invoices}: {outcome}.",
                who=dispute.resolved_by, customer=account_label(customer, tr),
                invoices=invoices_text(dispute.invoice_ids, tr),
                outcome=person_text(dispute.outcome or "", TEXT_LENGTH)), next_(tr)),
                f"collections.dispute_resolved:{dispute.id}:{person}")
        to = channel or dispute.owner
        posted = outbox.id_of(f"collections.dispute:{dispute.id}")
        if to is None or posted is None:
            return
        tr = self.tr(to)
        # No longer "paused until the dispute is resolved" above its resolution.
        text = self._dispute_text(tr, dispute, customer, resolved=True)
        done = tr._(":white_check_mark: Resolved by <@{who}> on {day}: {outcome}",
                    who=dispute.resolved_by,
                    day=dispute.resolved_at.astimezone(self.zone).date(),
                    outcome=person_text(dispute.outcome or "", TEXT_LENGTH))
        outbox.add(OutgoingMessage(
            channel=to, kind="collections.dispute", text=text,
            blocks=[section(text), section(done + "\n" + next_(tr))], update_of=posted,
            dedup_key=f"collections.dispute_resolved:{dispute.id}"))

    def _dispute_text(self, tr: Translator, dispute: Dispute, customer: Customer,
                      resolved: bool = False) -> str:
        if resolved and not dispute.owner:
            # "Owner: nobody yet." above who resolved it read as still waiting for one.
            template = N_(":warning: {customer} disputes {invoices}: {reason}\nRaised by "
                          "<@{by}> on {day}.")
        else:
            template = (N_(":warning: {customer} disputes {invoices}: {reason}\nOwner: "
                           "{owner}. Raised by <@{by}> on {day}.") if resolved else
                        N_(":warning: {customer} disputes {invoices}: {reason}\nOwner: "
                           "{owner}. Raised by <@{by}> on {day}. Reminders for these "
                           "invoices are paused until the dispute is resolved."))
        return tr._(template, customer=account_label(customer, tr),
                    invoices=invoices_text(dispute.invoice_ids, tr),
                    reason=person_text(dispute.reason, TEXT_LENGTH),
                    owner=f"<@{dispute.owner}>" if dispute.owner else tr._("nobody yet"),
                    by=dispute.opened_by, day=dispute.opened_at.astimezone(self.zone).date())

    def legal_case(self, outbox: Outbox, case: LegalCase, history: History,
                   channel: str | None, told: Sequence[str] = ()) -> None:
        self._legal_card(outbox, case, history, channel)
        for person in told:
            tr = self.tr(person)
            # The sentence's own stop follows the note: "请发律师函。。" when it had one.
            note = case.note.rstrip().rstrip(".。!！?？")
            said = tr._(":scales: <@{by}> escalated {customer} to legal on {day}: {note}. "
                        "Legal collects the account from now on.", by=case.opened_by,
                        customer=account_label(history.customer, tr),
                        day=case.opened_at.astimezone(self.zone).date(),
                        note=person_text(note, TEXT_LENGTH) or tr._("no note"))
            # Not legal's channel: the owner and the collector are seldom in it. The
            # command in the reader's words (`/credit 历史` in Chinese).
            where = tr._("`/credit history {id}` shows the account's history.",
                         id=erp_text(history.customer.customer_id, 64))
            _post(outbox, person, "collections.escalated", tr.sentences(said, where),
                  f"collections.escalated:{case.id}:{person}")

    def _legal_card(self, outbox: Outbox, case: LegalCase, history: History,
                    channel: str | None) -> None:
        to = channel or history.assignment.collector
        tr = self.tr(to)
        customer = history.customer
        label = account_label(customer, tr)
        title = tr._("Legal case: {customer}",
                     customer=tr.name_of(customer.name, customer.name_local))
        intro = tr._("{customer} was escalated to legal by <@{by}> on {day}: {note}\n"
                     "Collector until now: <@{collector}>.",
                     customer=label, by=case.opened_by,
                     day=case.opened_at.astimezone(self.zone).date(),
                     note=person_text(case.note, TEXT_LENGTH) or tr._("no note"),
                     collector=history.assignment.collector)
        blocks: list[Block] = [header(title), section(intro)]
        parts = [
            (tr._("*Open invoices*"), [tr._("{invoice}: {open} open of {amount}, due {due}",
                                            invoice=erp_text(i.invoice_id, 64),
                                            open=i.open_amount, amount=i.amount,
                                            due=i.due_date) for i in history.invoices]),
            (tr._("*Actions*"), [tr._("{day} {kind} by <@{who}>: {outcome}",
                                      day=a.at.astimezone(self.zone).date(),
                                      kind=tr._(KINDS[a.kind]), who=a.by,
                                      outcome=person_text(a.outcome, TEXT_LENGTH))
                                 for a in history.actions]),
            (tr._("*Promises to pay*"), [tr._("{amount} by {day}: {state}", amount=p.amount,
                                              day=p.due_on, state=tr._(PROMISE_STATES[
                                                  p.state.value]))
                                         for p in history.promises]),
            (tr._("*Disputes*"), [tr._("{invoices}: {reason} ({state})",
                                       invoices=invoices_text(d.invoice_ids, tr),
                                       reason=person_text(d.reason, TEXT_LENGTH),
                                       state=tr._("open") if d.is_open else
                                       tr._("resolved: {outcome}",
                                            outcome=person_text(d.outcome or "",
                                                                TEXT_LENGTH)))
                                  for d in history.disputes]),
            (tr._("*Credit requests and decisions*"), [
                tr._("#{request} {kind}, filed {day} by <@{who}>: {state}", request=r.id,
                     kind=kind_title(r.kind, tr), day=r.filed_at.astimezone(self.zone).date(),
                     who=r.requested_by, state=state_word(r, tr))
                for r in history.requests]),
        ]
        for index, (heading, lines) in enumerate(parts):
            shown = lines[:LINES_PER_SECTION]
            body = "\n".join(shown) if shown else tr._("none")
            if len(lines) > len(shown):
                body += "\n" + tr._("… and {n} more", n=len(lines) - len(shown))
            # Below the open invoices: what the customer is owed lowers what legal claims.
            if index == 0 and history.credit_notes:
                body += "\n" + credit_notes_line(history.credit_notes,
                                                 customer.credit_limit.currency, tr)
            blocks.append(section(f"{heading}\n{body}"))
        blocks.append(context(tr._("Status before: {status}.",
                                   status=tr._(STATUSES[history.assignment.status.value]))))
        blocks.append(actions("legal", button(tr._("Record outcome"), OUTCOME, AccountValue(
            customer=customer.customer_id).encode())))
        # The notification text is mrkdwn: the name escaped (the header is plain text).
        text = tr._("Legal case: {customer}", customer=erp_text(
            tr.name_of(customer.name, customer.name_local), NAME_LENGTH))
        outbox.add(OutgoingMessage(channel=to, kind="collections.legal", text=text,
                                   blocks=blocks[:BLOCKS_PER_MESSAGE],
                                   dedup_key=f"collections.legal:{case.id}"))

    def legal_outcome(self, outbox: Outbox, case: LegalCase, customer: Customer,
                      channel: str | None, recorded_by: str,
                      told: Mapping[str, People | None] | None = None) -> None:
        if case.closed_at is None:
            return
        for person, ask in (told or {}).items():
            tr = self.tr(person)
            said = tr._(":scales: <@{who}> recorded legal's outcome for {customer}, "
                        "escalated by <@{by}> on {day}: {outcome}. The account's collection "
                        "is closed with the case.", who=recorded_by,
                        customer=account_label(customer, tr), by=case.opened_by,
                        day=case.opened_at.astimezone(self.zone).date(),
                        outcome=person_text(case.outcome or "", TEXT_LENGTH))
            # Only those who may assign were told to "assign it again": the others were
            # refused when they tried.
            again = tr._("If money is still to come (instalments agreed), assign it again "
                         "with `{assign}`.", assign=CommandName("assign")) if ask is None \
                else tr._("If money is still to come (instalments agreed), ask {people} to "
                          "assign it again.", people=ask)
            _post(outbox, person, "collections.legal_outcome", tr.sentences(said, again),
                  f"collections.legal_outcome:{case.id}:{person}")
        posted = outbox.id_of(f"collections.legal:{case.id}")
        if posted is None:
            return
        # Edited where it was posted (the outbox sends an edit there, whatever ``to``
        # says); read in the legal channel's language, else the recorder's.
        to = channel or recorded_by
        tr = self.tr(to)
        title = tr._("Legal case: {customer}",
                     customer=tr.name_of(customer.name, customer.name_local))
        opened = tr._("{customer} was escalated to legal by <@{by}> on {day}: {note}",
                      customer=account_label(customer, tr), by=case.opened_by,
                      day=case.opened_at.astimezone(self.zone).date(),
                      note=person_text(case.note, TEXT_LENGTH) or tr._("no note"))
        done = tr._(":white_check_mark: Outcome recorded by <@{who}> on {day}: {outcome}",
                    who=recorded_by, day=case.closed_at.astimezone(self.zone).date(),
                    outcome=person_text(case.outcome or "", TEXT_LENGTH))
        text = tr._("Legal case: {customer}", customer=erp_text(
            tr.name_of(customer.name, customer.name_local), NAME_LENGTH))
        closed = [section(done), context(tr._("The case is closed, and so is the account's "
                                              "assignment."))]
        # The case as legal was given it (its invoices, actions, promises, disputes and
        # decisions then), with the outcome where its button was: the record of what
        # the case was about stays with its outcome.
        kept = [b for b in outbox.blocks_of(posted) if b.get("type") != "actions"]
        blocks = (kept[:BLOCKS_PER_MESSAGE - len(closed)] if kept
                  else [header(title), section(opened)]) + closed
        outbox.add(OutgoingMessage(
            channel=to, kind="collections.legal", text=text, blocks=blocks,
            update_of=posted, dedup_key=f"collections.legal_outcome:{case.id}"))

    def recorded_for(self, outbox: Outbox, collector: str, actor: str, customer: Customer,
                     record: CollectionAction | Promise,
                     replaced: Sequence[Promise] = (), paid: Money | None = None) -> None:
        tr = self.tr(collector)
        if isinstance(record, Promise):
            what = tr._("a promise to pay {amount} by {day}", amount=record.amount,
                        day=record.due_on)
        else:
            what = tr._("{kind} (“{outcome}”)", kind=tr._(KINDS[record.kind]),
                        outcome=person_text(record.outcome, OUTCOME_LENGTH))
        text = tr._(":information_source: <@{actor}> recorded on {customer}, which you "
                    "collect: {what}.", actor=actor, what=what,
                    customer=account_label(customer, tr))
        if isinstance(record, CollectionAction) and record.next_action_on is not None:
            # The reminder is theirs: they heard of the action but not of its day.
            text = tr.sentences(text, tr._("Its next step is due on {day}.",
                                           day=record.next_action_on))
        if replaced:
            text = tr.sentences(text, replaced_text(
                replaced, tr, lambda at: at.astimezone(self.zone).date(), paid))
        kind = "promise" if isinstance(record, Promise) else "action"
        _post(outbox, collector, "collections.recorded_for", text,
              f"collections.recorded_for:{kind}:{record.id}")

    def promise_broken(self, outbox: Outbox, promise: Promise, customer: Customer,
                       collector: str, owner: str | None,
                       paid: Money | None = None, *, assigned: bool = True,
                       collector_told: bool = True, recorder: str | None = None) -> None:
        told = (collector if collector_told else None, owner, recorder)
        for person in dict.fromkeys(p for p in told if p):
            tr = self.tr(person)
            about = _promise_terms(promise, customer, tr)
            if paid is not None:  # some came, not enough: "not paid" would be untrue
                text = tr._(":x: {customer} broke its promise to pay {amount} by {day}: "
                            "only {paid} of it was paid, grace days included. The broken "
                            "promise is recorded against the customer.", **about,
                            paid=paid) if not promise.invoice_ids else tr._(
                    ":x: {customer} broke its promise to pay {amount} by {day} for "
                    "{invoices}: only {paid} of it was paid, grace days included. The "
                    "broken promise is recorded against the customer.", **about, paid=paid)
            else:
                text = tr._(":x: {customer} broke its promise to pay {amount} by {day}: it "
                            "is not paid, grace days included. The broken promise is "
                            "recorded against the customer.", **about) \
                    if not promise.invoice_ids else tr._(
                    ":x: {customer} broke its promise to pay {amount} by {day} for "
                    "{invoices}: it is not paid, grace days included. The broken promise "
                    "is recorded against the customer.", **about)
            if person != collector:
                # The owner learns who to talk to about what comes next.
                text = tr.sentences(text, tr._(
                    "{collector} collects the account: ask them what comes next.",
                    collector=mention(collector)) if assigned else tr._(
                    "Nobody collects the account now; {collector} recorded the promise.",
                    collector=mention(collector)))
            _post(outbox, person, "collections.promise_broken", text,
                  f"collections.broken:{promise.id}:{person}")

    def promise_kept(self, outbox: Outbox, promise: Promise, customer: Customer,
                     collector: str) -> None:
        tr = self.tr(collector)
        about = _promise_terms(promise, customer, tr)
        text = tr._(":white_check_mark: {customer} kept its promise to pay {amount} by "
                    "{day}: the ERP shows it paid. The promise is closed and noted on the "
                    "account.", **about) if not promise.invoice_ids \
            else tr._(":white_check_mark: {customer} kept its promise to pay {amount} by "
                      "{day} for {invoices}: the ERP shows it paid. The promise is closed "
                      "and noted on the account.", **about)
        _post(outbox, collector, "collections.promise_kept", text,
              f"collections.kept:{promise.id}")

    def nudge(self, outbox: Outbox, collector: str,
              due: Sequence[tuple[Assignment, Customer]], key: str) -> None:
        tr = self.tr(collector)
        if len(due) == 1:
            [(assignment, customer)] = due
            # "fell due": true on the day and after it (a job that ran late).
            text = tr._(":alarm_clock: {customer}: the next step fell due on {day}. "
                        "`/credit collect` lists it among the first.",
                        customer=account_label(customer, tr),
                        day=assignment.next_action_on)
        else:
            text = nudges_text(due, tr)
        _post(outbox, collector, "collections.nudge", text, key)

    def stale(self, outbox: Outbox, lead: str,
              stale: Sequence[tuple[Assignment, Customer, int]], key: str) -> None:
        tr = self.tr(lead)
        if len(stale) == 1:
            [(assignment, customer, days)] = stale
            text = tr.ngettext(
                ":hourglass: {customer}, collected by <@{collector}>, has had no action for "
                "{n} day.",
                ":hourglass: {customer}, collected by <@{collector}>, has had no action for "
                "{n} days.", days,
                customer=account_label(customer, tr),
                collector=assignment.collector)
        else:
            text = stale_text(stale, tr)
        _post(outbox, lead, "collections.stale", text, key)

