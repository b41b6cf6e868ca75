from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import Table, and_, bindparam, func, select
from sqlalchemy.orm import Session

from storage.models import ExchangeRateRow

_R: Table = ExchangeRateRow.__table__  # type: ignore[assignment]
_NEWEST = (
    select(_R.c.currency, func.max(_R.c.date).label("date"))
    .where(_R.c.date <= bindparam("as_of"))
    .group_by(_R.c.currency)
    .subquery()
)
_LATEST = select(_R.c.currency, _R.c.rate_to_base).join(
    _NEWEST, and_(_R.c.currency == _NEWEST.c.currency, _R.c.date == _NEWEST.c.date))


class SqlRateRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def latest(self, as_of: date) -> dict[str, Decimal]:
        rows = self._session.connection().execute(_LATEST, {"as_of": as_of})
        return {currency: rate for currency, rate in rows}
