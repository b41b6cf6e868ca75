"""People's Slack locales remembered in the database, and read without a query per
message."""

from __future__ import annotations

from sqlalchemy.orm import sessionmaker

from handlers.i18n import DestinationLocales
from storage.slack_locales import RememberedLocales, SlackLocales


class Counting(SlackLocales):
    reads = 0

    def all(self) -> dict[str, str]:
        self.reads += 1
        return super().all()


def test_a_learnt_locale_is_remembered_updated_and_read_through_a_cache(engine):
    store = Counting(sessionmaker(engine))
    now = [0.0]
    remembered = RememberedLocales(store, refresh=60, clock=lambda: now[0])
    locale_of = DestinationLocales("en-US", {"U0OVERRIDE": "ja-JP", "C0CHANNEL": "zh-CN"},
                                   remembered.get)
    assert locale_of("U0PERSON01") == "en-US"
    store.remember("U0PERSON01", "zh-CN")
    store.remember("U0PERSON01", "zh-CN")  # twice: one row
    store.remember("U0OVERRIDE", "zh-CN")
    assert store.all() == {"U0PERSON01": "zh-CN", "U0OVERRIDE": "zh-CN"}
    reads = store.reads
    # A write in this process is seen at once; then a hundred messages cost one read.
    assert [locale_of("U0PERSON01") for _ in range(100)] == ["zh-CN"] * 100
    assert store.reads == reads + 1
    # app.yaml's override and a channel's language come first.
    assert (locale_of("U0OVERRIDE"), locale_of("C0CHANNEL")) == ("ja-JP", "zh-CN")
    store.remember("U0PERSON01", "en-GB")
    assert locale_of("U0PERSON01") == "en-GB"


def test_another_process_write_is_seen_after_the_refresh(engine):
    store = Counting(sessionmaker(engine))
    now = [0.0]
    remembered = RememberedLocales(store, refresh=60, clock=lambda: now[0])
    assert remembered.get("U0PERSON02") is None
    with sessionmaker(engine)() as session, session.begin():
        from datetime import UTC, datetime

        from storage.models import SlackLocaleRow
        session.add(SlackLocaleRow(user_id="U0PERSON02", locale="zh-CN",
                                   updated_at=datetime.now(UTC)))
    assert remembered.get("U0PERSON02") is None  # not yet read again
    now[0] = 61
    assert remembered.get("U0PERSON02") == "zh-CN"
