"""The ``people`` job: asks Slack the language of everyone creditbot writes to on its own
(the people app.yaml names and the customers' owners), so that the notes, cards and
reminders queued for them read in it before they ever type a command. A command's own
lookup (``handlers.i18n.Languages``) learns it too, but an account owner who only
receives held-order notes would otherwise read them in the organisation's language.

A person whose language app.yaml fixes is not asked. Slack answering nobody several
times running (down, or the token refused) ends the run as failed, with what it learnt
so far kept: the next run asks again."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from typing import Any, Protocol

from slack_sdk.errors import SlackApiError

from domain.people import is_user_id

log = logging.getLogger("creditbot.languages")

# Failures in a row after which Slack is taken to be unreachable for this run.
GIVE_UP_AFTER = 3


class LocaleStore(Protocol):
    def all(self) -> dict[str, str]: ...

    def remember(self, user_id: str, locale: str) -> None: ...

    def account_owners(self) -> set[str]: ...


class SlackUnreachable(RuntimeError):
    pass


def learn_languages(people: Iterable[str], store: LocaleStore, client: Any
                    ) -> dict[str, int]:
    """Asks Slack each of ``people``'s locale and remembers those that changed."""
    known = store.all()
    counts = {"asked": 0, "learnt": 0, "unknown": 0}
    failed_in_a_row = 0
    for user in sorted(set(people)):
        if not is_user_id(user):
            continue  # an owner id the ERP got wrong: nobody to ask
        counts["asked"] += 1
        try:
            answer = client.users_info(user=user, include_locale=True)
        except SlackApiError as refused:
            # user_not_found, a deactivated account: this person, not Slack.
            log.info("people: no locale for %s from Slack (%s)", user,
                     refused.response.get("error") if refused.response else refused)
            counts["unknown"] += 1
            failed_in_a_row = 0
            continue
        except Exception as problem:  # the connection: Slack itself
            counts["unknown"] += 1
            failed_in_a_row += 1
            if failed_in_a_row >= GIVE_UP_AFTER:
                raise SlackUnreachable(
                    f"Slack did not answer {GIVE_UP_AFTER} users.info calls in a row "
                    f"({type(problem).__name__}); learnt {counts['learnt']} before") from problem
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
