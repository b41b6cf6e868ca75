"""The credit check card (customer or group), and the "which customer?" message."""

from __future__ import annotations

from domain.check import Checked, CustomerCheck, GroupCheck
from domain.errors import AmbiguousCustomer, CustomerLookupError
from domain.exposure import CreditPosition
from handlers.check.payloads import PICK, SHARE, SubjectValue
from handlers.render import (
    Block,
    Message,
    actions,
    button,
    context,
    fields,
    header,
    mention,
    message,
    section,
    user_text,
)

# Members listed on a group card; the rest are counted.
GROUP_MEMBERS_SHOWN = 25


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'s' if count != 1 else ''}"


def _available(position: CreditPosition) -> str:
    available = position.available.format()
    if position.over_limit:
        return f":red_circle: *{available}* — over the limit"
    if position.nearly_full:
        return f":large_orange_circle: {available}"
    return available


def _overdue(position: CreditPosition) -> str:
    text = position.aging.overdue.format()
    oldest = position.aging.oldest_overdue_days
    if oldest is not None:
        text += f"\noldest {_plural(oldest, 'day')} past due"
    return text


def _aging(position: CreditPosition) -> Block:
    aging = "  ·  ".join(f"`{label}` {amount.format()}" for label, amount
                         in zip(position.aging.labels, position.aging.amounts, strict=True))
    return section(f"*Aging*  {aging}")


def _footer(position: CreditPosition, timezone: str) -> list[str]:
    parts = [f"as of {position.as_of.isoformat()} ({timezone})",
             _plural(position.invoice_count, "open invoice"),
             _plural(position.order_count, "open order")]
    if position.utilisation is not None:
        parts.append(f"{position.utilisation:.0%} of the limit used")
    return ["  ·  ".join(parts)]


def card(found: Checked, *, timezone: str, shareable: bool = True,
         note: str | None = None) -> Message:
    """``note`` is mrkdwn the caller built (already safe)."""
    if isinstance(found, GroupCheck):
        return _group_card(found, timezone, shareable, note)
    return _customer_card(found, timezone, shareable, note)


def _customer_card(found: CustomerCheck, timezone: str, shareable: bool,
                   note: str | None) -> Message:
    customer, position = found.customer, found.position
    owner = mention(customer.owner_slack_id) if customer.owner_slack_id else "nobody assigned"
    blocks: list[Block] = [
        header(customer.name),
        fields(
            ("Customer", f"{user_text(customer.customer_id, 100)} · owner {owner}"),
            ("Credit limit", position.limit.format()),
            ("Exposure", f"{position.exposure.format()}\ninvoices "
                         f"{position.open_invoices.format()} + orders "
                         f"{position.open_orders.format()}"),
            ("Available credit", _available(position)),
            ("Overdue", _overdue(position)),
            ("Payment terms", _plural(customer.payment_terms_days, "day")),
        ),
        _aging(position),
        context(*_footer(position, timezone)),
    ]
    _finish(blocks, found, shareable, note)
    fallback = (f"{user_text(customer.name, 200)}: available {position.available.format()} "
                f"of {position.limit.format()}, overdue {position.aging.overdue.format()}")
    return message(fallback, blocks)


def _member_line(member: CustomerCheck) -> str:
    customer, position = member.customer, member.position
    flag = " :red_circle:" if position.over_limit else ""
    return (f"• {user_text(customer.name, 120)} ({user_text(customer.customer_id, 64)}) — "
            f"exposure {position.exposure.format()} of {position.limit.format()}, "
            f"overdue {position.aging.overdue.format()}{flag}")


def _group_card(found: GroupCheck, timezone: str, shareable: bool,
                note: str | None) -> Message:
    position = found.position
    shown = found.members[:GROUP_MEMBERS_SHOWN]
    lines = [_member_line(m) for m in shown]
    if len(found.members) > len(shown):
        lines.append(f"… and {len(found.members) - len(shown)} more")
    blocks: list[Block] = [
        header(f"Group {found.group_id}"),
        fields(
            ("Members", _plural(len(found.members), "customer")),
            ("Pooled credit limit", position.limit.format()),
            ("Exposure", f"{position.exposure.format()}\ninvoices "
                         f"{position.open_invoices.format()} + orders "
                         f"{position.open_orders.format()}"),
            ("Available credit", _available(position)),
            ("Overdue", _overdue(position)),
        ),
        section("*Members*\n" + "\n".join(lines)),
        _aging(position),
        context(*_footer(position, timezone),
                "Group figures are in the base currency: members' exposure against the sum "
                "of their limits."),
    ]
    _finish(blocks, found, shareable, note)
    fallback = (f"Group {user_text(found.group_id, 64)}: available "
                f"{position.available.format()} of {position.limit.format()}, overdue "
                f"{position.aging.overdue.format()}")
    return message(fallback, blocks)


def _finish(blocks: list[Block], found: Checked, shareable: bool, note: str | None) -> None:
    if note:
        blocks.append(context(note))
    if shareable:
        blocks.append(actions("check_actions", button(
            "Share in channel", SHARE, SubjectValue.of(found.ref).encode())))


def which_customer(error: CustomerLookupError) -> Message:
    query = user_text(error.query, 200)
    if isinstance(error, AmbiguousCustomer):
        text = f"“{query}” matches several customers. Which one?"
    elif error.candidates:
        text = f"No customer matches “{query}”. Did you mean one of these?"
    else:
        text = (f"No customer matches “{query}”. Try part of the name or the customer id, "
                "e.g. `/credit check C0001`.")
    blocks: list[Block] = [section(text)]
    if error.candidates:
        blocks.append(actions("check_candidates", *(
            button(ref.label(), f"{PICK}:{i}", SubjectValue.of(ref).encode())
            for i, ref in enumerate(error.candidates[:25]))))
    return message(text, blocks)

