"""A person's time zone: what Slack's users.info says (asked with the locale, cached
alike, dropped on a change), else the organisation's."""

from __future__ import annotations

from handlers.i18n import Languages


class Slack:
    def __init__(self, zones: dict[str, str | None], fail: bool = False) -> None:
        self.zones = zones
        self.fail = fail
        self.asked: list[str] = []

    def users_info(self, user: str, include_locale: bool) -> dict:
        self.asked.append(user)
        if self.fail:
            raise ConnectionError("Slack is unreachable")
        return {"ok": True, "user": {"id": user, "locale": "en-US", "tz": self.zones[user]}}


class Clock:
    now = 0.0

    def __call__(self) -> float:
        return self.now


def test_the_zone_slack_reports_is_asked_once_with_the_locale_and_kept_for_the_ttl():
    clock, slack = Clock(), Slack({"U1": "Europe/Berlin"})
    languages = Languages("en-US", ttl=3600, clock=clock, zone="Asia/Shanghai")
    assert languages.tag_of("U1", slack) == "en-US"
    assert languages.zone_of("U1", slack) == "Europe/Berlin"
    assert slack.asked == ["U1"]
    slack.zones["U1"] = "America/New_York"
    languages.forget("U1")  # user_change
    assert languages.zone_of("U1", slack) == "America/New_York"
    clock.now = 3601
    assert languages.zone_of("U1", slack) == "America/New_York"
    assert slack.asked == ["U1", "U1", "U1"]


def test_no_zone_a_bad_zone_or_no_answer_is_the_organisations():
    clock = Clock()
    languages = Languages("en-US", clock=clock, zone="Asia/Shanghai")
    assert languages.zone_of("U1", Slack({"U1": None})) == "Asia/Shanghai"
    assert languages.zone_of("U2", Slack({"U2": "Mars/Olympus"})) == "Asia/Shanghai"
    assert languages.zone_of("U3", Slack({}, fail=True)) == "Asia/Shanghai"
