"""The ``people`` job: asks Slack the language of everyone creditbot writes to on its own
(the people app.yaml names and the customers' owners), so that the notes, cards and
reminders queued for them read in it before they ever type a command. A command's own
lookup (``handlers.i18n.Languages``) learns it too, but an account owner who only
receives held-order notes would otherwise read them in the organisation's language.

A person whose language app.yaml fixes is not asked. Slack answering nobody three times
running (down, the token refused, rate limits past the client's retries) ends the run
as failed, with what it learnt so far kept; a run stops after ten minutes (a
rate-limited Slack): the next run asks again. A language creditbot does not speak reads
in English, as that person's commands do."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Protocol

from slack_sdk.errors import SlackApiError

from domain.people import is_user_id

log = logging.getLogger("creditbot.languages")

# Failures in a row after which Slack is taken to be unreachable for this run.
GIVE_UP_AFTER = 3
# Slack's answers about one person; any other error is Slack's or the token's (a refused
# token, a missing scope, rate limits past the client's retries, a 5xx).
ABOUT_THE_PERSON = frozenset({"user_not_found", "user_not_visible", "user_disabled"})
# The longest a run asks for: a rate-limited Slack makes each call wait its Retry-After,
# and the next day's run asks again.
MAX_SECONDS = 600.0


class LocaleStore(Protocol):
    def all(self) -> dict[str, str]: ...

    def remember(self, user_id: str, locale: str) -> None: ...

    def account_owners(self) -> set[str]: ...


class SlackUnreachable(RuntimeError):
    pass


def learn_languages(people: Iterable[str], store: LocaleStore, client: Any,
                    clock: Callable[[], float] = time.monotonic,
                    max_seconds: float = MAX_SECONDS) -> dict[str, int]:
    """Asks Slack each of ``people``'s locale and remembers those that changed. Stops
    after ``max_seconds`` (counting those left as ``left``)."""
    known = store.all()
    counts = {"asked": 0, "learnt": 0, "unknown": 0}
    failed_in_a_row = 0
    ends = clock() + max_seconds
    ids = [user for user in sorted(set(people)) if is_user_id(user)]  # not ERP garbage
    for index, user in enumerate(ids):
        if clock() > ends:
            log.warning("people: stopped after %.0f s with %d people not asked; the next "
                        "run asks them", max_seconds, len(ids) - index)
            counts["left"] = len(ids) - index
            break
        counts["asked"] += 1
        try:
            answer = client.users_info(user=user, include_locale=True)
        except Exception as problem:
            counts["unknown"] += 1
            error = (problem.response.get("error") if isinstance(problem, SlackApiError)
                     and problem.response is not None else None)
            if error in ABOUT_THE_PERSON:  # a deactivated account: this person, not Slack
                log.info("people: no locale for %s from Slack (%s)", user, error)
                failed_in_a_row = 0
                continue
            failed_in_a_row += 1
            if failed_in_a_row >= GIVE_UP_AFTER:
                raise SlackUnreachable(
                    f"Slack did not answer {GIVE_UP_AFTER} users.info calls in a row "
                    f"({error or type(problem).__name__}); learnt {counts['learnt']} "
                    "before") from problem
            continue
        failed_in_a_row = 0
        locale = (answer.get("user") or {}).get("locale")
        if isinstance(locale, str) and locale and known.get(user) != locale:
            store.remember(user, locale)
            counts["learnt"] += 1
    return counts


def run_people(context: Mapping[str, Any]) -> dict[str, int]:
    client = context.get("slack")
    if client is None:
        log.warning("people: no Slack token (SLACK_BOT_TOKEN), so nobody's language was "
                    "asked; the messages creditbot queues use app.yaml's and what commands "
                    "learnt")
        return {"asked": 0}
    config = context["config"]
    store: LocaleStore = context["slack_locales"]
    fixed = config.locale_overrides()
    people = (config.known_users() | store.account_owners()) - set(fixed)
    return learn_languages(people, store, client)
