"""Builds the Bolt app: the Web API client, the listeners and what they depend on."""

from __future__ import annotations

import dataclasses
import http.client
import logging
import time
from collections.abc import Callable
from concurrent.futures import Executor, ThreadPoolExecutor
from dataclasses import dataclass
from urllib.error import URLError
from urllib.parse import urlsplit, urlunsplit

from slack_bolt import App, BoltRequest, BoltResponse
from slack_bolt.authorization import AuthorizeResult
from slack_bolt.logger.messages import (
    warning_client_prioritized_and_token_skipped,
    warning_token_skipped,
)
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.settings import SLACK_DEFAULT_API_URL, Settings
from bot.wiring import Services
from domain.access import Member
from domain.check import CreditChecks
from domain.errors import RecordsUnavailable
from domain.sharing import CardSharing
from domain.sharing_reads import card_readers
from handlers import features
from handlers.credit import CreditCommand
from handlers.deps import Deps
from handlers.i18n import Languages
from handlers.replies import ATTEMPT_TIMEOUT_SECONDS, retry_handlers
from storage.check_reads import SqlCheckReads
from storage.requests import ClaimFailed, ProcessedRequests


class MissingSecret(Exception):
    pass


def people(services: Services) -> dict[str, Member]:
    config = services.config
    directory: dict[str, Member] = {}
    for user in config.known_users():
        directory[user] = Member(
            user,
            roles=frozenset(config.roles.of(user)),
            departments=frozenset(k for k, d in config.departments.items() if user in d.members),
        )
    return directory


def response_url_rewriter(api_url: str):  # type: ignore[no-untyped-def]
    """Slack hands out response_urls on its own hosts; when SLACK_API_URL points at a
    proxy or the emulator, those posts must go there too, keeping the path."""
    if api_url.rstrip("/") == SLACK_DEFAULT_API_URL.rstrip("/"):
        return lambda url: url
    target = urlsplit(api_url)

    def rewrite(url: str) -> str:
        parts = urlsplit(url)
        return urlunsplit((target.scheme, target.netloc, parts.path, parts.query, ""))

    return rewrite


def _in_background(executor: Executor, remember: Callable[[str, str], None]
                   ) -> Callable[[str, str], None]:
    """``remember`` off the command's path: a hung or unreachable database would
    otherwise hold the answer past Slack's 3 s (a connect timeout is 3 s) for a language
    that only later messages use."""
    def later(user_id: str, locale: str) -> None:
        executor.submit(remember, user_id, locale)
    return later


def build_deps(services: Services) -> Deps:
    config = services.config
    directory = people(services)
    access = services.access
    checks = CreditChecks(services.uow, access, services.policy, services.now,
                          config.organisation.zone, views=services.views,
                          reads=SqlCheckReads(services.engine))
    deliveries = ProcessedRequests(services.engine)
    return Deps(
        member=lambda user: directory.get(user) or Member(user),
        access=access,
        checks=checks,
        languages=Languages(config.organisation.locale, config.locale_overrides(),
                            config.channel_locales(),
                            remember=_in_background(services.background,
                                                    services.remembered_locales.store.remember),
                            zone=config.organisation.timezone),
        timezone=config.organisation.timezone,
        response_url=response_url_rewriter(services.settings.slack_api_url),
        background=services.background,
        alerts=services.alerts,
        requests=services.requests,
        # Slash commands read positions as the check does (remembered, looks batched).
        orders=dataclasses.replace(services.orders, positions=checks, views=services.views),
        reports=services.reports,
        assignments=services.assignments,
        collecting=services.collecting,
        sharing=CardSharing(services.uow, access, services.now,
                            card_readers(checks, services.requests),
                            share_destinations(services)),
        meeting_answers=services.meeting_answers,
        minutes=services.minutes,
        tasks=services.tasks,
        meetings=services.meetings,
        first_time=first_time(deliveries),
        forget=forget(deliveries),
    )


def first_time(deliveries: ProcessedRequests) -> Callable[[str], bool]:
    """``ProcessedRequests.claim`` for the command listener: a database that cannot say is
    the records not answering (``ClaimFailed`` is storage's)."""
    def claim(key: str) -> bool:
        try:
            return deliveries.claim(key)
        except ClaimFailed as failed:
            raise RecordsUnavailable() from failed
    return claim


def forget(deliveries: ProcessedRequests) -> Callable[[str], None]:
    """``ProcessedRequests.forget``, failing as ``first_time`` does."""
    def release(key: str) -> None:
        try:
            deliveries.forget(key)
        except ClaimFailed as failed:
            raise RecordsUnavailable() from failed
    return release


def share_destinations(services: Services) -> dict[str, str]:
    """The channels a card may be shared into, named for the person who picks one: each
    open department's by its name, then any other channel app.yaml opens to credit data
    (a department closed to it is not offered, only to be refused)."""
    config = services.config
    open_ = config.share_channels()
    named = {d.channel: d.name for d in config.departments.values() if d.channel in open_}
    return {**named, **{c: c for c in sorted(open_) if c not in named}}


# What auth.test answers when the token itself is wrong: trying again cannot help.
TOKEN_REFUSALS = frozenset({"invalid_auth", "not_authed", "account_inactive",
                            "token_revoked", "token_expired", "not_allowed_token_type"})
# What other tokens start with: a user's (every card would be posted as that person), an
# app-level one (Socket Mode's, SLACK_APP_TOKEN), a legacy workspace one. Not "xoxe.":
# a rotating bot token starts "xoxe.xoxb-".
_NOT_BOT_TOKENS = {"xoxp-": "a user token", "xapp-": "an app-level token (SLACK_APP_TOKEN's)",
                   "xoxa-": "a workspace token"}
_BOT_TOKEN_HINT = "copy the Bot User OAuth Token (xoxb-…) from the app's OAuth & Permissions"
_PAUSES = (0.5, 1.0)  # between the tries of the start-up check
# Each try: the server does not listen until the check is done, so a Slack that drops
# packets delays the start by at most about 3 × 3 s + the pauses.
_CHECK_TIMEOUT_SECONDS = 3


class TokenRefused(Exception):
    """Slack refused SLACK_BOT_TOKEN: a definitive answer, not an outage."""


@dataclass(frozen=True)
class SlackIdentity:
    """Who the bot is in Slack, as ``auth.test`` said when the server started; or, in
    ``problem``, why Slack could not be asked."""

    team_id: str | None = None
    user_id: str | None = None
    bot_id: str | None = None
    problem: str | None = None

    @property
    def verified(self) -> bool:
        return self.problem is None and self.user_id is not None


def check_token(settings: Settings) -> SlackIdentity:
    """Asks Slack who the bot token belongs to, a few times if Slack does not answer.
    Raises TokenRefused if Slack says the token is wrong; returns an identity with a
    ``problem`` if Slack could not be reached (an outage must not stop the server)."""
    if settings.slack_bot_token is None:
        raise MissingSecret("SLACK_BOT_TOKEN is not set (the bot token, xoxb-…)")
    token = settings.slack_bot_token.get_secret_value()
    kind = next((what for start, what in _NOT_BOT_TOKENS.items() if token.startswith(start)),
                None)
    if kind is not None:
        raise TokenRefused(f"SLACK_BOT_TOKEN is {kind}, not the bot's: {_BOT_TOKEN_HINT}")
    client = WebClient(token=token,
                       base_url=settings.slack_api_url, timeout=_CHECK_TIMEOUT_SECONDS,
                       retry_handlers=[], logger=_quiet)
    problem = ""
    for pause in (*_PAUSES, None):
        try:
            answer = client.auth_test()
            if not answer.get("bot_id"):
                # A user's token, whatever it starts with: cards, alerts and reminders
                # would all be posted as that person.
                raise TokenRefused(f"SLACK_BOT_TOKEN belongs to a person "
                                   f"({answer.get('user_id')}), not to a bot: "
                                   f"{_BOT_TOKEN_HINT}")
            return SlackIdentity(answer.get("team_id"), answer.get("user_id"),
                                 answer.get("bot_id"))
        except SlackApiError as refused:
            error = str(refused.response.get("error") or refused.response.status_code)
            if error in TOKEN_REFUSALS:
                raise TokenRefused(
                    f"SLACK_BOT_TOKEN was refused by Slack ({error}): copy the Bot User "
                    "OAuth Token again") from None
            if error == "unknown_method":
                # Not an outage: the URL is not a Web API's base, and every post would be
                # retried with the same answer until the server was restarted.
                raise TokenRefused(
                    f"SLACK_API_URL {settings.slack_api_url} answered auth.test with "
                    "unknown_method: it is not the base of Slack's Web API, which ends in "
                    "/api/ (https://slack.com/api/)") from None
            problem = f"Slack at {settings.slack_api_url} answered auth.test with {error}"
        except (URLError, OSError, http.client.HTTPException) as unreachable:
            reason = unreachable.reason if isinstance(unreachable, URLError) else unreachable
            problem = f"Slack did not answer at {settings.slack_api_url} ({reason})"
        if pause is not None:
            time.sleep(pause)
    return SlackIdentity(problem=problem)


class _TokenWarnings(logging.Filter):
    """Bolt warns that SLACK_BOT_TOKEN in the environment is unused: the token is in the
    client and in ``authorize``, on purpose (no auth.test per worker)."""

    _NOISE = frozenset({warning_client_prioritized_and_token_skipped(), warning_token_skipped()})

    def filter(self, record: logging.LogRecord) -> bool:
        return record.getMessage() not in self._NOISE


class _UnhandledInALine(logging.Filter):
    """Bolt logs a request nothing listens to (a forged or stale action id) with a
    dozen lines of Python a developer might add; the first line says what came."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if message.startswith("Unhandled request (") and "\n" in message:
            record.msg, record.args = message.split("\n", 1)[0], ()
        return True


_log = logging.getLogger("creditbot.slack")
_log.addFilter(_TokenWarnings())
_log.addFilter(_UnhandledInALine())
# The SDK logs each failed try of the start-up check; its one-line outcome says it all.
_quiet = logging.getLogger("creditbot.slack.token-check")
_quiet.setLevel(logging.CRITICAL)


def create_bolt_app(services: Services, *, identity: SlackIdentity | None = None,
                    require_signing_secret: bool = True,
                    lazy_executor: Executor | None = None) -> App:
    """The Bolt app. It makes no Slack call here: the token is checked once, by
    ``creditbot serve`` before the workers start (``check_token``), and ``identity``
    is what that check learnt. Requests are verified by the WSGI app (bot.web) before
    they reach Bolt. ``lazy_executor`` runs buttons' and events' work after the
    acknowledgement (the sandbox's, which knows when that work is done)."""
    settings = services.settings
    if settings.slack_bot_token is None:
        raise MissingSecret("SLACK_BOT_TOKEN is not set (the bot token, xoxb-…)")
    if require_signing_secret and settings.slack_signing_secret is None:
        raise MissingSecret("SLACK_SIGNING_SECRET is not set (Basic Information → App "
                            "Credentials in your Slack app's settings)")
    token = settings.slack_bot_token.get_secret_value()
    me = identity or SlackIdentity()
    # No token in the client: Bolt would otherwise authorize with auth.test, at start-up
    # or at the first request of every worker. ``authorize`` hands it over instead.
    client = WebClient(base_url=settings.slack_api_url, retry_handlers=retry_handlers(),
                       timeout=ATTEMPT_TIMEOUT_SECONDS)

    def authorize(enterprise_id: str | None, team_id: str | None,
                  user_id: str | None) -> AuthorizeResult:
        return AuthorizeResult(enterprise_id=enterprise_id, team_id=me.team_id or team_id,
                               bot_user_id=me.user_id, bot_id=me.bot_id, bot_token=token,
                               user_id=user_id)

    secret = settings.slack_signing_secret
    app = CreditBolt(
        name="creditbot",
        client=client,
        authorize=authorize,
        signing_secret=secret.get_secret_value() if secret else None,
        # bot.web checks every signature over the raw body before anything is parsed.
        request_verification_enabled=False,
        token_verification_enabled=False,
        # Listeners run in the request's own thread: the slash command answers within
        # its budget, buttons and events acknowledge at once and work lazily. Without
        # this, Bolt polls for the ack every 10 ms, which capped each server thread.
        process_before_response=True,
        # Lazy work (buttons, events); Bolt's default of 5 threads let a few slow Slack
        # calls hold up everyone's clicks.
        listener_executor=lazy_executor or ThreadPoolExecutor(
            max_workers=16, thread_name_prefix="creditbot-lazy"),
        logger=_log,
    )
    deps = build_deps(services)
    catalogue = features.register(app, deps)
    app.credit = CreditCommand(client, authorize, deps, catalogue, app.logger)
    return app


class CreditBolt(App):
    """Bolt's app, except that ``/credit`` goes straight to its listener, in the context
    Bolt would give it (handlers.credit.CreditCommand); bot.web has checked the request
    (size, signature, shape) before either sees it."""

    credit: CreditCommand | None = None

    def dispatch(self, req: BoltRequest) -> BoltResponse:
        if self.credit is not None and self.credit.wanted(req):
            return self.credit(req)
        return super().dispatch(req)
