from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from storage.models import ExchangeRateRow


class SqlRateRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def latest(self, as_of: date) -> dict[str, Decimal]:
        newest = (
            select(ExchangeRateRow.currency, func.max(ExchangeRateRow.date).label("date"))
            .where(ExchangeRateRow.date <= as_of)
            .group_by(ExchangeRateRow.currency)
            .subquery()
        )
        query = select(ExchangeRateRow.currency, ExchangeRateRow.rate_to_base).join(
            newest,
            and_(ExchangeRateRow.currency == newest.c.currency,
                 ExchangeRateRow.date == newest.c.date),
        )
        return {currency: rate for currency, rate in self._session.execute(query)}
