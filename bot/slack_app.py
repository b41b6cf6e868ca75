"""Builds the Bolt app: the Web API client, the listeners and what they depend on."""

from __future__ import annotations

import logging
from urllib.parse import urlsplit, urlunsplit

from slack_bolt import App
from slack_sdk import WebClient

import handlers
from bot.settings import SLACK_DEFAULT_API_URL
from bot.wiring import Services
from domain.access import CreditDataAccess, Member
from domain.check import CreditChecks
from handlers.deps import Deps
from handlers.replies import retry_handlers


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


def build_deps(services: Services) -> Deps:
    config = services.config
    directory = people(services)
    rule = config.access.credit_data
    access = CreditDataAccess(
        frozenset(rule.roles), frozenset(rule.departments),
        tuple(config.roles.holders("credit_manager") + config.roles.holders("credit_analyst")),
        config.share_channels())
    return Deps(
        member=lambda user: directory.get(user) or Member(user),
        access=access,
        checks=CreditChecks(services.uow, access, services.policy, services.now,
                            config.organisation.zone),
        timezone=config.organisation.timezone,
        response_url=response_url_rewriter(services.settings.slack_api_url),
        background=services.background,
    )


def create_bolt_app(services: Services, *, verify_token: bool = True,
                    require_signing_secret: bool = True) -> App:
    settings = services.settings
    if settings.slack_bot_token is None:
        raise MissingSecret("SLACK_BOT_TOKEN is not set (the bot token, xoxb-…)")
    if require_signing_secret and settings.slack_signing_secret is None:
        raise MissingSecret("SLACK_SIGNING_SECRET is not set (Basic Information → App "
                            "Credentials in your Slack app's settings)")
    token = settings.slack_bot_token.get_secret_value()
    client = WebClient(token=token, base_url=settings.slack_api_url,
                       retry_handlers=retry_handlers(), timeout=10)
    secret = settings.slack_signing_secret
    app = App(
        client=client,
        signing_secret=secret.get_secret_value() if secret else None,
        request_verification_enabled=require_signing_secret,
        token_verification_enabled=verify_token,
        # Listeners run in the request's own thread: the slash command answers within
        # its budget, buttons and events acknowledge at once and work lazily. Without
        # this, Bolt polls for the ack every 10 ms, which capped each server thread.
        process_before_response=True,
        logger=logging.getLogger("creditbot.slack"),
    )
    handlers.register(app, build_deps(services))
    return app
