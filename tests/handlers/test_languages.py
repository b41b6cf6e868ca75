"""Whose language: app.yaml's override, else Slack's locale for the person (asked once,
asked again after a change or a while), else the organisation's; channels their own."""

from __future__ import annotations

import pytest

from handlers.i18n import Languages


class FakeSlack:
    def __init__(self, locales: dict[str, str], fail: bool = False) -> None:
        self.locales = locales
        self.fail = fail
        self.asked: list[str] = []

    def users_info(self, user: str, include_locale: bool) -> dict:
        assert include_locale  # without it Slack leaves the locale out
        self.asked.append(user)
        if self.fail:
            raise ConnectionError("Slack is unreachable")
        return {"ok": True, "user": {"id": user, "locale": self.locales.get(user)}}


class Clock:
    now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


def test_app_yaml_wins_over_slack(clock):
    slack = FakeSlack({"U1": "en-US"})
    languages = Languages("en-US", people={"U1": "zh-CN"}, clock=clock)
    assert languages.for_person("U1", slack)._("Credit limit") == "信用额度"
    assert slack.asked == []


def test_slacks_locale_is_asked_once_then_again_after_a_change_or_the_ttl(clock):
    slack = FakeSlack({"U1": "zh-CN"})
    languages = Languages("en-US", ttl=3600, clock=clock)
    assert languages.tag_of("U1", slack) == "zh-CN"
    assert languages.tag_of("U1", slack) == "zh-CN"
    assert slack.asked == ["U1"]
    languages.forget("U1")  # user_change
    slack.locales["U1"] = "en-US"
    assert languages.tag_of("U1", slack) == "en-US"
    clock.now = 3601
    assert languages.tag_of("U1", slack) == "en-US"
    assert slack.asked == ["U1", "U1", "U1"]


def test_when_slack_cannot_say_the_organisations_language_is_used_for_a_minute(clock):
    slack = FakeSlack({}, fail=True)
    languages = Languages("zh-CN", retry_after=60, clock=clock)
    assert languages.tag_of("U1", slack) == "zh-CN"
    assert languages.tag_of("U1", slack) == "zh-CN"
    assert slack.asked == ["U1"]
    clock.now = 61
    slack.fail = False
    slack.locales["U1"] = "en-US"
    assert languages.tag_of("U1", slack) == "en-US"


def test_a_channel_speaks_its_own_language_or_the_organisations():
    languages = Languages("en-US", channels={"C01SALES000": "zh-CN"})
    assert languages.for_channel("C01SALES000")._("Credit limit") == "信用额度"
    assert languages.for_channel("C02FINANCE0")._("Credit limit") == "Credit limit"


def test_slack_unreachable_is_one_info_line_not_the_sdks_error(clock, caplog):
    """The SDK logged "Failed to send a request to Slack API server" at ERROR on every
    command while the lookup fell back as it should."""
    from slack_sdk import WebClient

    slack = WebClient(token="xoxb-test", base_url="http://127.0.0.1:9/api/")
    languages = Languages("en-US", retry_after=60, clock=clock)
    caplog.set_level("INFO")
    assert languages.tag_of("U1", slack) == "en-US"
    said = [(r.levelname, r.getMessage()) for r in caplog.records]
    assert said == [("INFO", "no locale for U1 from Slack (URLError); using en-US for 60 s")]
