"""The credit check card (customer or group), and the "which customer?" message, in the
reader's language and number formats."""

from __future__ import annotations

from collections.abc import Sequence
from zoneinfo import ZoneInfo

from domain.aging import CURRENT
from domain.check import Checked, CustomerCheck, GroupCheck
from domain.collections.model import AssignmentStatus
from domain.errors import AmbiguousCustomer, CustomerLookupError
from domain.exposure import CreditPosition
from domain.model import Customer, HeldOrder
from domain.money import Money
from domain.refs import labels
from handlers.check.payloads import ASSIGN_COLLECTOR, PICK, REQUEST_MORE, SHARE, SubjectValue
from handlers.customer_hint import NOT_FOUND
from handlers.i18n import N_, Translator
from handlers.order_label import order_label
from handlers.render import (
    BUTTON_TEXT,
    SECTION_TEXT,
    Block,
    Message,
    actions,
    button,
    context,
    erp_text,
    fields,
    fitting,
    header,
    mention,
    message,
    section,
    user_text,
)
from handlers.sharing.payloads import share_menu

# Members listed on a group card; the rest are counted.
GROUP_MEMBERS_SHOWN = 25
# Room kept for that count's line.
COUNT_ROOM = 60


def available_text(position: CreditPosition, tr: Translator) -> str:
    """Available credit, flagged when the limit is passed or nearly used up."""
    available = tr.money(position.available)
    if position.over_limit:
        return ":red_circle: " + tr._("*{amount}* — over the limit", amount=available)
    if position.nearly_full:
        return f":large_orange_circle: {available}"
    return available


def overdue_text(position: CreditPosition, tr: Translator) -> str:
    text = tr.money(position.aging.overdue)
    oldest = position.aging.oldest_overdue_days
    if oldest is not None:
        text += "\n" + tr.ngettext("oldest {n} day past due", "oldest {n} days past due",
                                   oldest)
    return text


def _exposure(position: CreditPosition, tr: Translator) -> str:
    if position.placed_orders is not None:
        return tr.money(position.exposure) + "\n" + tr._(
            "invoices {invoices} + orders {orders}, of which {placed} placed in creditbot "
            "and not in the ERP yet", invoices=position.open_invoices,
            orders=position.open_orders, placed=position.placed_orders)
    return tr.money(position.exposure) + "\n" + tr._(
        "invoices {invoices} + orders {orders}", invoices=position.open_invoices,
        orders=position.open_orders)


# How far collecting an account has gone past "someone collects it" (its assignment's
# status), as the card and the alerts' lines say it; escalated is said as with legal.
_STAGES: dict[str, str] = {AssignmentStatus.PROMISED: N_("payment promised"),
                           AssignmentStatus.DISPUTED: N_("invoices disputed")}


def collecting_stage(status: str, tr: Translator) -> str | None:
    """A promise or a dispute in words; None for an account merely being worked."""
    stage = _STAGES.get(status)
    return tr._(stage) if stage else None


def bucket_label(label: str, tr: Translator) -> str:
    """``current`` in words; ``1-30``, ``90+`` are numbers of days past due."""
    return tr._("current") if label == CURRENT else tr._("{range} days", range=label)


def aging_section(position: CreditPosition, tr: Translator) -> Block:
    aging = "  ·  ".join(f"`{bucket_label(label, tr)}` {tr.money(amount)}" for label, amount
                         in zip(position.aging.labels, position.aging.amounts, strict=True))
    return section("*" + tr._("Aging") + f"*  {aging}")


def _footer(position: CreditPosition, timezone: str, tr: Translator) -> str:
    parts = [tr._("as of {day} ({zone})", day=position.as_of, zone=timezone),
             tr.ngettext("{n} open invoice", "{n} open invoices", position.invoice_count),
             tr.ngettext("{n} open order", "{n} open orders", position.order_count)]
    if position.utilisation is not None:
        parts.append(tr._("{share} of the limit used", share=tr.percent(position.utilisation)))
    return "  ·  ".join(parts)


def names(customer: Customer, tr: Translator) -> tuple[str, str | None]:
    """(the name to title the card with, the other name if any): a Chinese reader sees
    the company's Chinese legal name first, everyone else the name the ERP leads with."""
    shown = tr.name_of(customer.name, customer.name_local)
    return shown, (customer.name_local if shown == customer.name else customer.name)


def card(found: Checked, tr: Translator, *, timezone: str, shareable: bool = True,
         note: str | None = None, assignable: bool = False) -> Message:
    """``note`` is mrkdwn the caller built (already safe). A card without a note is the
    answer to the person who checked (not a shared post, nor its receipt): a customer's
    offers them *Request more credit*, and *Assign collector* when they may assign."""
    if isinstance(found, GroupCheck):
        return _group_card(found, tr, timezone, shareable, note)
    return _customer_card(found, tr, timezone, shareable, note, assignable)


def collecting(collector: str, status: str, tr: Translator) -> str:
    """Who collects the account, the first person to ask about it when it is overdue, and
    whether a payment is promised, invoices disputed, or the case is with legal: what a
    rep should know before calling the customer."""
    if status == AssignmentStatus.ESCALATED:
        return tr._("With legal: {who}", who=mention(collector))
    line = tr._("Collector: {collector}", collector=mention(collector))
    stage = collecting_stage(status, tr)
    return f"{line} · {stage}" if stage else line


def credit_notes_line(notes: Sequence[Money], currency: str, tr: Translator) -> str:
    """Why a card's figures read higher than the ERP's balance (the check card's
    exposure, a legal case's open invoices): the customer's own currency first."""
    ordered = sorted(notes, key=lambda note: (note.currency != currency, note.currency))
    amounts = tr.listing(tr.money(Money(-note.amount, note.currency)) for note in ordered)
    return tr._("Open credit notes: {amounts} owed to the customer, not counted here until "
                "the ERP applies them to invoices.", amounts=amounts)


def _customer_card(found: CustomerCheck, tr: Translator, timezone: str, shareable: bool,
                   note: str | None, assignable: bool = False) -> Message:
    customer, position = found.customer, found.position
    title, other = names(customer, tr)
    shown_id = erp_text(customer.customer_id, 100)
    who = (tr._("{id} · owner {owner}", id=shown_id, owner=mention(customer.owner_slack_id))
           if customer.owner_slack_id else tr._("{id} · no owner", id=shown_id))
    if found.collecting:
        who += "\n" + collecting(found.collecting.collector, found.collecting.status, tr)
    blocks: list[Block] = [
        header(title),
        fields(
            (tr._("Customer"), f"{erp_text(other, 300)}\n{who}" if other else who),
            (tr._("Credit limit"), tr.money(position.limit)),
            (tr._("Exposure"), _exposure(position, tr)),
            (tr._("Available credit"), available_text(position, tr)),
            (tr._("Overdue"), overdue_text(position, tr)),
            (tr._("Payment terms"), _terms(customer, tr)),
        ),
        aging_section(position, tr),
        context(_footer(position, timezone, tr)),
    ]
    if found.held:
        blocks.insert(2, section(held_text(found.held, tr)))
    if found.approved is not None:
        blocks.insert(2, context(_approved(found, tr, timezone)))
    if found.credit_notes:
        blocks.insert(len(blocks) - 1, context(credit_notes_line(
            found.credit_notes, customer.credit_limit.currency, tr)))
    _finish(blocks, found, tr, shareable, note, assignable)
    fallback = tr._("{name}: available {available} of {limit}, overdue {overdue}",
                    name=erp_text(title, 200), available=position.available,
                    limit=position.limit, overdue=position.aging.overdue)
    return message(fallback, blocks)


def _terms(customer: Customer, tr: Translator) -> str:
    days = tr.ngettext("{n} day", "{n} days", customer.payment_terms_days)
    if customer.erp_terms_days is None:
        return days
    return days + "\n" + tr._("approved in creditbot (ERP: {days})", days=tr.ngettext(
        "{n} day", "{n} days", customer.erp_terms_days))


HELD_SHOWN = 5


def held_text(held: tuple[HeldOrder, ...], tr: Translator) -> str:
    """The account's held orders, as their rep knows them too (``CB-3 (PO-77)``): why
    its next order may be held too."""
    shown = tr.listing(order_label(order.order_id, order.reference, tr)
                       for order in held[:HELD_SHOWN])
    if len(held) > HELD_SHOWN:
        more = len(held) - HELD_SHOWN
        shown += " " + tr.ngettext("… and {n} more order", "… and {n} more orders", more)
    return ":no_entry: " + tr.ngettext(
        "{n} held order: {orders}. Not to ship until it is released.",
        "{n} held orders: {orders}. Not to ship until they are released.", len(held),
        orders=shown)


def _approved(found: CustomerCheck, tr: Translator, timezone: str) -> str:
    """Why the limit shown is not the ERP's: creditbot approved it (domain.positions)."""
    change, erp = found.approved, found.customer.credit_limit
    assert change is not None
    if change.expires_on is not None:
        return tr._("Temporary limit through {day} (ERP limit {erp})", day=change.expires_on,
                    erp=erp)
    return tr._("Limit approved in creditbot on {day} (ERP limit {erp})",
                day=change.effective_at.astimezone(ZoneInfo(timezone)).date(), erp=erp)


def _member_line(member: CustomerCheck, tr: Translator) -> str:
    customer, position = member.customer, member.position
    flag = " :red_circle:" if position.over_limit else ""
    return "• " + tr._(
        "{name} ({id}) — exposure {exposure} of {limit}, overdue {overdue}",
        name=erp_text(names(customer, tr)[0], 120), id=erp_text(customer.customer_id, 64),
        exposure=position.exposure, limit=position.limit,
        overdue=position.aging.overdue) + flag


def _group_card(found: GroupCheck, tr: Translator, timezone: str, shareable: bool,
                note: str | None) -> Message:
    position = found.position
    title = "*" + tr._("Members") + "*"
    lines = [_member_line(m, tr) for m in found.members[:GROUP_MEMBERS_SHOWN]]
    # Whole lines and the count of the rest: long names cut at the section's end took
    # the count with them.
    del lines[fitting(lines, SECTION_TEXT - len(title) - COUNT_ROOM):]
    if len(found.members) > len(lines):
        lines.append(tr.ngettext("… and {n} more customer", "… and {n} more customers",
                                 len(found.members) - len(lines)))
    blocks: list[Block] = [
        header(tr._("Group {group}", group=found.group_id)),
        fields(
            (tr._("Members"), tr.ngettext("{n} customer", "{n} customers", len(found.members))),
            (tr._("Pooled credit limit"), tr.money(position.limit)),
            (tr._("Exposure"), _exposure(position, tr)),
            (tr._("Available credit"), available_text(position, tr)),
            (tr._("Overdue"), overdue_text(position, tr)),
        ),
        section("\n".join([title, *lines])),
        aging_section(position, tr),
        # Apart from the footer: as two elements of one context, Slack shows them on one
        # line ("… 33% of the limit used  Group figures are …").
        context(tr._("Group figures are in the base currency: members' exposure against the "
                     "sum of their limits.")),
        context(_footer(position, timezone, tr)),
    ]
    _finish(blocks, found, tr, shareable, note)
    fallback = tr._("Group {group}: available {available} of {limit}, overdue {overdue}",
                    group=erp_text(found.group_id, 64), available=position.available,
                    limit=position.limit, overdue=position.aging.overdue)
    return message(fallback, blocks)


def _finish(blocks: list[Block], found: Checked, tr: Translator, shareable: bool,
            note: str | None, assignable: bool = False) -> None:
    if note:
        blocks.append(context(note))
    value = SubjectValue.of(found.ref).encode()
    buttons = [button(tr._("Share in channel"), SHARE, value)] if shareable else []
    if isinstance(found, CustomerCheck) and note is None:
        # Whoever sees the card may see credit data, so may file a request.
        buttons.append(button(tr._("Request more credit"), REQUEST_MORE, value))
        if assignable:
            buttons.append(button(tr._("Assign collector"), ASSIGN_COLLECTOR, value))
    if note is None:
        subject = SubjectValue.of(found.ref)
        menu = share_menu(tr._("Share with another department…"), subject.kind, subject.id)
        if menu is not None:
            buttons.append(menu)
    if buttons:
        blocks.append(actions("check_actions", *buttons))


def which_customer(error: CustomerLookupError, tr: Translator,
                   amount: str | None = None, pick: str = PICK,
                   command: str = "/credit check") -> Message:
    """``amount``: what the query's end was read as (``/credit check studio 55``: "55"),
    said beside the question, since the person may have meant it as part of a name.
    ``pick``: the candidates' action (another command's, to show its answer instead)."""
    query = user_text(error.query, 200)
    if isinstance(error, AmbiguousCustomer) and error.total > len(error.candidates):
        text = tr._("“{query}” matches {total} customers; here are {shown} of them. Type "
                    "more of the name, or use the id.", query=query, total=error.total,
                    shown=len(error.candidates))
    elif isinstance(error, AmbiguousCustomer):
        text = tr._("“{query}” matches several customers. Which one?", query=query)
    elif error.candidates:
        text = tr._("No customer matches “{query}”. Did you mean one of these?", query=query)
    else:
        # One hint for every command that names a customer (handlers.customer_hint).
        text = tr._(NOT_FOUND, query=query, example=f"{command} C0001")
    if amount is not None and error.candidates:
        # A pick shows the card: the amount is not carried (a button's value names
        # the customer), so the person is told how to get the order's answer.
        text = tr.sentences(text, tr._("(I read “{amount}” as the amount of an order: a "
                                       "pick shows the card; for the order, ask again "
                                       "with the id.)", amount=user_text(amount, 40)))
    elif amount is not None:  # nothing to pick: only why the name stops where it does
        text = tr.sentences(text, tr._("(I read “{amount}” as the amount of an order.)",
                                       amount=user_text(amount, 40)))
    blocks: list[Block] = [section(text)]
    if error.candidates:
        blocks.append(actions("check_candidates", *(
            button(label, f"{pick}:{i}", SubjectValue.of(ref).encode(), emoji=False)
            for i, (ref, label) in enumerate(zip(error.candidates[:25],
                                                 labels(error.candidates[:25], BUTTON_TEXT),
                                                 strict=True)))))
    return message(text, blocks)
