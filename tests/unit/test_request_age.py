"""How long ago a request was filed or decided, as its card says it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from handlers.approvals.request_render import age
from handlers.i18n import translator

NOW = datetime(2026, 12, 1, 9, tzinfo=UTC)


@pytest.mark.parametrize(("ago", "en", "zh"), [
    (timedelta(seconds=0), "just now", "刚刚"),  # it said "0 minutes ago"
    (timedelta(seconds=59), "just now", "刚刚"),
    (timedelta(seconds=60), "1 minute ago", "1 分钟前"),
    (timedelta(minutes=59), "59 minutes ago", "59 分钟前"),
    (timedelta(hours=1), "1 hour ago", "1 小时前"),
    (timedelta(days=3), "3 days ago", "3 天前"),
])
def test_an_age_reads_as_a_person_would_say_it(ago, en, zh):
    assert age(NOW - ago, NOW, translator("en-US")) == en
    assert age(NOW - ago, NOW, translator("zh-CN")) == zh
