from __future__ import annotations

import threading
import time
from datetime import date
from decimal import Decimal

from sqlalchemy import ColumnElement, Table, and_, bindparam, exists, func, or_, select, true
from sqlalchemy.orm import Session

from storage.models import ExchangeRateRow

_R: Table = ExchangeRateRow.__table__  # type: ignore[assignment]


def against(base: object) -> ColumnElement[bool]:
    """The rates imported against ``base`` (a value or a bind parameter): a rate against
    another base is a price in another currency. Those imported before the base was
    recorded too, unless some were imported against another base since: the base was
    changed, and theirs is as likely the old one (read as the new, a newer rate hidden
    for its base let an older one priced in the old base through)."""
    if base is None:
        return true()
    other = _R.alias("other")
    changed = exists().where(other.c.base_currency.is_not(None),
                             other.c.base_currency != base)
    return or_(_R.c.base_currency == base, and_(_R.c.base_currency.is_(None), ~changed))


_NEWEST = (
    select(_R.c.currency, func.max(_R.c.date).label("date"))
    .where(_R.c.date <= bindparam("as_of"), against(bindparam("base")))
    .group_by(_R.c.currency)
    .subquery()
)
_LATEST = select(_R.c.currency, _R.c.rate_to_base).join(
    _NEWEST, and_(_R.c.currency == _NEWEST.c.currency, _R.c.date == _NEWEST.c.date))


# Rates change when someone imports them, a few times a day; every check needs them.
# Remembered per process and database for a short while: an import shows within this.
CACHE_SECONDS = 30.0
_cache: dict[tuple[str, date, str], tuple[float, dict[str, Decimal]]] = {}
_cache_lock = threading.Lock()


class SqlRateRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def latest(self, as_of: date, base: str) -> dict[str, Decimal]:
        key = (str(self._session.get_bind().engine.url), as_of, base)
        now = time.monotonic()
        with _cache_lock:
            cached = _cache.get(key)
        if cached is not None and now - cached[0] < CACHE_SECONDS:
            return dict(cached[1])
        rows = self._session.connection().execute(_LATEST, {"as_of": as_of, "base": base})
        rates = {currency: rate for currency, rate in rows}
        with _cache_lock:
            if len(_cache) > 64:  # days and databases come and go; never grow for long
                _cache.clear()
            _cache[key] = (now, rates)
        return dict(rates)


def forget_cached_rates() -> None:
    """After importing rates in this process, show them at once."""
    with _cache_lock:
        _cache.clear()
