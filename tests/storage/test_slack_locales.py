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


def test_a_write_between_its_read_and_its_write_does_not_lose_the_locale(engine):
    """On SQLite a transaction that read and then writes fails at once ("database is
    locked") if another connection wrote in between; the sandbox's :lang lost a person's
    language so while a job ran. Here the other connection tries to write at the worst
    moment (the store's clock is read between the read and the write)."""
    from datetime import UTC, datetime

    from sqlalchemy import text
    from sqlalchemy.exc import OperationalError

    from storage.db import make_engine

    other = make_engine(engine.url.render_as_string(hide_password=False))
    tried: list[str] = []

    def clock() -> datetime:
        try:
            with other.begin() as conn:
                if conn.dialect.name == "sqlite":
                    conn.exec_driver_sql("PRAGMA busy_timeout=0")
                conn.execute(text(
                    "INSERT INTO slack_locales (user_id, locale, updated_at) "
                    "VALUES (:u, 'en-GB', :at)"), {"u": f"U0OTHER{len(tried):04d}",
                                                   "at": datetime.now(UTC)})
            tried.append("wrote")
        except OperationalError:  # it waits for ours: the write lock is taken at BEGIN
            tried.append("waited")
        return datetime.now(UTC)

    store = SlackLocales(sessionmaker(engine), clock=clock)
    store.remember("U0PERSON03", "en-US")  # the first time: an insert
    store.remember("U0PERSON03", "zh-CN")  # then an update
    try:
        assert store.all()["U0PERSON03"] == "zh-CN"
        assert len(tried) == 2
    finally:
        other.dispose()
