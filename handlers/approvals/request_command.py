"""``/credit request``: with a line, files a limit request at once; alone, opens the
request modal (handlers.approvals.request_modal)."""

from __future__ import annotations

import unicodedata

from slack_bolt import BoltContext

from domain.approvals.filing import Filing
from domain.approvals.model import RequestKind
from domain.errors import CustomerLookupError, DomainError, MissingRate
from domain.orders.typed import join_signs
from domain.refs import CustomerRef
from domain.text import N_, Phrase
from handlers.approvals.request_filing import file_limit
from handlers.approvals.request_line import (
    COMMAND,
    GIVE_EVERYTHING,
    USAGE,
    LineError,
    RequestLine,
    parse_request_line,
)
from handlers.approvals.request_modal import open_request_modal
from handlers.approvals.request_render import filed
from handlers.customer_hint import (
    id_apart,
    money_for_a_name,
    name_going_on,
    own_line,
    which_customer,
)
from handlers.deps import Deps
from handlers.errors import retyped
from handlers.render import Message

# The example's reason, in the reader's language (the command's own words stay as typed).
EXAMPLE_AFTER = Phrase(N_("+100k larger orders"))


def request(context: BoltContext, rest: str) -> Message:
    if not rest.strip():
        open_request_modal(context, str(context.get("trigger_id") or ""),
                           channel=context.channel_id)
        return "", None
    try:
        apart = id_apart(lambda query: _customer(context, query, close=True), rest.split(),
                         COMMAND)
        if apart is not None:
            raise apart
        line = parse_request_line(rest)
        _number_in_the_name(context, line, rest)
        if not line.quoted and money_for_a_name(lambda query: _customer(context, query),
                                                line.customer):
            # "USD 5k more": the amount's currency, and no customer ("No customer
            # matches “USD”" said nothing of what was missing).
            raise LineError(GIVE_EVERYTHING, command=COMMAND, example=USAGE)
    except DomainError as refused:  # its example, as the command was typed
        raise retyped(refused, context["catalogue"].as_typed(context, "request")) from None
    deps: Deps = context["deps"]
    try:
        if line.until is not None:
            made = deps.requests.file(context["member"], Filing(
                customer=line.customer, kind=RequestKind.TEMPORARY_LIMIT, reason=line.reason,
                amount=line.amount, expires_on=line.until))
        else:
            made = file_limit(deps, context, Filing(
                customer=line.customer, kind=RequestKind.FIRST_LIMIT, reason=line.reason,
                amount=line.amount))
    except MissingRate as missing:
        misread = _code_read_from_the_reason(line, missing)
        if misread is None:
            raise
        raise retyped(misread, context["catalogue"].as_typed(context, "request")) from None
    except CustomerLookupError as unclear:
        # Without a reason the line's own words make an example refused in turn ("Say
        # why"): the reason was read into the name ("acme packaging more stock +5k").
        after = own_line(line.after, EXAMPLE_AFTER) if line.reason else EXAMPLE_AFTER
        raise which_customer(unclear, context["catalogue"].typed_name(context, "request"),
                             after) from None
    return filed(made, deps.requests, context["tr"],
                 context["catalogue"].as_typed(context, "requests"))


def _code_read_from_the_reason(line: RequestLine, missing: MissingRate) -> LineError | None:
    """"+5k ALL orders for Q1": the reason's first word is a currency's code (the lek),
    read as the amount's currency; its missing rate was all the rep was told."""
    words = line.amount.split()
    if len(words) < 2 or not line.reason or \
            unicodedata.normalize("NFKC", words[-1]).upper() != missing.currency:
        return None
    return LineError(N_("No exchange rate for {currency} (to {base}): “{code}” right after "
                       "the amount reads as its currency. If it begins the reason, start "
                       "the reason with another word, e.g. `{command} {example}`; if it is "
                       "the currency, ask the credit team to import its rate."),
                    currency=missing.currency, base=missing.base, code=words[-1],
                    command=COMMAND, example=Phrase(N_("acme +250k larger orders")))


def _number_in_the_name(context: BoltContext, line: RequestLine, rest: str) -> None:
    """“Route 66 Diner 250000 …” read as Route, 66: the name goes on past what was taken
    for the amount, so the request would ask for 66. Refused, with the quotes to write."""
    if line.quoted:
        return
    # The words as the line was read: a sign joined to its number (“+$ 100k”).
    found = name_going_on(lambda query: _customer(context, query), join_signs(rest.split()),
                          len(line.customer.split()))
    if found is not None:
        begun, named = found
        raise LineError(N_("“{words}” begins the name of {customer}: put the name in "
                           "quotes, e.g. `{command} \"{customer}\" +100k larger orders`."),
                        words=begun, customer=named.name, command=COMMAND)


def _customer(context: BoltContext, query: str, close: bool = False) -> CustomerRef | None:
    """The customer ``query`` names by its id, a name or a name's start (``close``: or
    comes close to), if any."""
    deps: Deps = context["deps"]
    try:
        return deps.requests.customer(context["member"], query, close=close)
    except CustomerLookupError:
        return None
