"""The people job asks Slack each person's language and remembers what changed; a
person Slack does not know is counted, Slack not answering at all ends the run."""

from __future__ import annotations

from typing import Any

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web import SlackResponse

from handlers.home.languages_job import SlackUnreachable, learn_languages


class Store:
    def __init__(self, known: dict[str, str]) -> None:
        self.known = dict(known)
        self.written: list[tuple[str, str]] = []

    def all(self) -> dict[str, str]:
        return dict(self.known)

    def remember(self, user_id: str, locale: str) -> None:
        self.written.append((user_id, locale))

    def account_owners(self) -> set[str]:
        return set()


class Slack:
    def __init__(self, locales: dict[str, Any], down: bool = False) -> None:
        self.locales = locales
        self.down = down
        self.asked: list[str] = []

    def users_info(self, user: str, include_locale: bool) -> dict[str, Any]:
        assert include_locale
        self.asked.append(user)
        if self.down:
            raise ConnectionResetError("connection reset by peer")
        if user not in self.locales:
            response = SlackResponse(client=None, http_verb="POST", api_url="users.info",
                                     req_args={}, data={"ok": False,
                                                        "error": "user_not_found"},
                                     headers={}, status_code=200)
            raise SlackApiError("user_not_found", response)
        return {"ok": True, "user": {"id": user, "locale": self.locales[user]}}


def test_only_what_changed_is_remembered_and_bad_ids_are_not_asked():
    store = Store({"U0SAME00001": "zh-CN", "U0CHANGED01": "en-US"})
    slack = Slack({"U0SAME00001": "zh-CN", "U0CHANGED01": "zh-CN", "U0NEW000001": "ja-JP",
                   "U0NOLOCALE1": None})
    counts = learn_languages(["U0NEW000001", "U0SAME00001", "U0CHANGED01", "U0GONE00001",
                              "U0NOLOCALE1", "not an id", "U0NEW000001"], store, slack)
    assert counts == {"asked": 5, "learnt": 2, "unknown": 1}
    assert store.written == [("U0CHANGED01", "zh-CN"), ("U0NEW000001", "ja-JP")]
    assert "not an id" not in slack.asked and slack.asked.count("U0NEW000001") == 1


def test_slack_not_answering_ends_the_run_after_three_tries():
    slack = Slack({}, down=True)
    with pytest.raises(SlackUnreachable) as ended:
        learn_languages([f"U0PERSON{n:03d}" for n in range(10)], Store({}), slack)
    assert len(slack.asked) == 3
    assert str(ended.value) == ("Slack did not answer 3 users.info calls in a row "
                                "(ConnectionResetError); learnt 0 before")


def _refusal(error: str) -> SlackApiError:
    return SlackApiError(error, SlackResponse(
        client=None, http_verb="POST", api_url="users.info", req_args={},
        data={"ok": False, "error": error}, headers={}, status_code=200))


@pytest.mark.parametrize("error", ["invalid_auth", "ratelimited", "missing_scope",
                                   "internal_error"])
def test_a_refused_token_or_a_rate_limit_is_slacks_not_the_persons(error):
    class Refusing(Slack):
        def users_info(self, user: str, include_locale: bool) -> dict[str, Any]:
            self.asked.append(user)
            raise _refusal(error)

    slack = Refusing({})
    with pytest.raises(SlackUnreachable) as ended:
        learn_languages([f"U0PERSON{n:03d}" for n in range(10)], Store({}), slack)
    assert len(slack.asked) == 3
    assert str(ended.value) == (f"Slack did not answer 3 users.info calls in a row "
                                f"({error}); learnt 0 before")


def test_a_run_stops_after_its_time_and_counts_who_is_left():
    now = [0.0]

    class Slow(Slack):
        def users_info(self, user: str, include_locale: bool) -> dict[str, Any]:
            now[0] += 250.0  # a rate-limited Slack: each answer after a long wait
            return super().users_info(user, include_locale)

    slack = Slow({f"U0PERSON{n:03d}": "zh-CN" for n in range(10)})
    store = Store({})
    counts = learn_languages(slack.locales, store, slack, clock=lambda: now[0],
                             max_seconds=600)
    assert counts == {"asked": 3, "learnt": 3, "unknown": 0, "left": 7}
    assert len(store.written) == 3
