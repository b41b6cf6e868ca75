"""What a credit check reads, straight through the database driver, and the version of
the ERP data that tells when a remembered answer may no longer hold.

A check only reads: one pooled connection, the driver's own cursor, SQL written once per
dialect and values converted here as ``storage.types`` would. SQLAlchemy's execute path
(statement cache look-up, parameter processing, result objects) cost more than the
database took to answer (about 0.3 ms of CPU per check on SQLite, 0.5 ms on
PostgreSQL); the same statements and the same values come back.

The data version. Everything a check shows that can change moves one number, the
``check_marks`` row, in the transaction that makes the change: triggers (migration
0013) move it for every committed ERP import (its ``import.<kind>`` audit entry), every
limit creditbot approves, every order it places or releases and every collector
assigned, reassigned or closed. The number only grows, in commit order (the row is
locked from the bump to the commit), and never names two different states of the data
(it is at least the time of the change, so a restored backup goes on from a number not
seen before). A check that reads it and then the data sees at least the data of that
number: a remembered position can be newer than its number, never older, and a change
committed after the read moves the number the next check reads, on SQLite or
PostgreSQL, however concurrent writers commit. Nothing else is needed (an import in
progress has committed nothing). The statement touches neither the audit log nor any
other table a check writes to: on PostgreSQL, reading the audit log's newest entries
made every check queue for the page that the views being written held.

A change made by hand in SQL to the ERP's tables moves nothing: ``UPDATE check_marks SET
changes = changes + 1`` makes every process read afresh.

The position, with the collector, is remembered per version and day, so a remembered
check is that one statement. A temporary limit's end needs no version: positions are
remembered per day, and the day after its last one no longer counts it.
"""

from __future__ import annotations

import contextlib
import re
import threading
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from types import TracebackType
from typing import Any, Self

from sqlalchemy import Engine, event
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as SqlTimeout
from sqlalchemy.pool import Pool, PoolProxiedConnection

from domain.aging import AgingBuckets
from domain.approvals.model import ChangeKind, LimitChange, effective_limit
from domain.check.reads import Collecting
from domain.collections.model import AssignmentStatus
from domain.errors import RecordsUnavailable
from domain.exposure import AgedBalance, OrderBalance
from domain.model import (
    FINANCIAL_FIELDS,
    INVOICE_STATUSES_IN_EXPOSURE,
    ORDER_STATUSES_IN_EXPOSURE,
    Customer,
    Financials,
    HeldOrder,
)
from domain.money import Money
from domain.orders.model import OrderState
from domain.refs import CustomerRef
from storage.repositories.receivables import PLACED_STATES, order_key_sql
from storage.stall_guard import guard_of
from storage.types import AMOUNT_SCALE

_COLUMNS = ("customer_id", "name", "name_local", "currency", "credit_limit",
            "payment_terms_days", "industry", "country", "owner_slack_id", "department",
            "group_id", "established_year", *FINANCIAL_FIELDS, "erp_terms_days")
# The payment terms in force, as storage.repositories.customers reads them: creditbot's
# last approved terms that still stand on the ERP's, else the ERP's.
_TERMS_IN_FORCE = (
    "COALESCE((SELECT t.terms_days FROM terms_changes t WHERE t.customer_id = "
    "customers.customer_id AND t.overtaken_at IS NULL AND t.previous_terms_days = "
    "customers.payment_terms_days ORDER BY t.id DESC LIMIT 1), customers.payment_terms_days)")
_CUSTOMER = ", ".join(
    f"{_TERMS_IN_FORCE} AS payment_terms_days" if c == "payment_terms_days"
    else "customers.payment_terms_days AS erp_terms_days" if c == "erp_terms_days"
    else c for c in _COLUMNS)
_KEYS = "customer_id, name, name_local, name_key, name_local_key"
_OPEN_INVOICE = ", ".join(f"'{s.value}'" for s in INVOICE_STATUSES_IN_EXPOSURE)
_OPEN_ORDER = ", ".join(f"'{s.value}'" for s in ORDER_STATUSES_IN_EXPOSURE)
_PLACED = ", ".join(f"'{s}'" for s in PLACED_STATES)
_SAME_ORDER = f"{order_key_sql('o.order_id')} = {order_key_sql('k.reference')}"

_VERSION = "SELECT changes FROM check_marks WHERE id = 1"
# The same, as libpq's prepared statement (see SqlCheckRead._libpq_version).
_VERSION_NAME = b"creditbot_check_version"
_TUPLES_OK = 2  # libpq's ExecStatus (psycopg.pq.ExecStatus.TUPLES_OK)
_CONNECTION_OK = 0  # libpq's ConnStatus
_SQLSTATE = ord("C")  # libpq's PG_DIAG_SQLSTATE
# invalid_sql_statement_name: not prepared on this connection (any more: a pooler's
# DISCARD ALL, say). The cursor runs the statement then, and it is prepared again.
_NOT_PREPARED = b"26000"
# The same changes as SqlCreditRequestStore.effective_limits reads.
_LIMITS = ("SELECT l.customer_id, l.kind, l.credit_limit, l.currency, l.previous_limit, "
           "l.previous_currency, l.effective_at, l.approved_by, l.request_id, l.expires_on, "
           "l.id FROM limit_changes l JOIN customers c ON c.customer_id = l.customer_id "
           "WHERE (l.expires_on IS NULL OR l.expires_on >= :on) AND l.overtaken_at IS NULL "
           "AND (l.previous_limit IS "
           "NULL OR (l.previous_limit = c.credit_limit AND l.previous_currency = c.currency)) "
           "AND l.customer_id IN ({ids})")
_BY_KEY = f"SELECT {_CUSTOMER} FROM customers WHERE name_key = :key OR name_local_key = :key"
_BY_ID = f"SELECT {_CUSTOMER} FROM customers WHERE customer_id = :id"
_GROUP = f"SELECT {_CUSTOMER} FROM customers WHERE group_id = :group"
_ALL_KEYS = f"SELECT {_KEYS} FROM customers"
_COLLECTOR = ("SELECT collector, status FROM collection_assignments "
              f"WHERE customer_id = :id AND status <> '{AssignmentStatus.CLOSED.value}'")
# The same as storage.orders' held ids (an index on order_checks' customer_id).
_HELD = ("SELECT order_id, reference FROM order_checks "
         f"WHERE customer_id = :id AND state = '{OrderState.HELD.value}' "
         # Oldest first, and SO-9 before SO-10 on the same day.
         "ORDER BY order_date, length(order_id), order_id, id")
# The same as storage.repositories.receivables' credit notes.
_CREDIT_NOTES = (f"SELECT currency, sum(open_amount) FROM invoices WHERE customer_id = :id "
                 f"AND status IN ({_OPEN_INVOICE}) AND open_amount < 0 "
                 "GROUP BY currency ORDER BY currency")
_RATES = ("SELECT r.currency, r.rate_to_base FROM exchange_rates r JOIN "
          "(SELECT currency, max(date) AS date FROM exchange_rates WHERE date <= :as_of "
          "AND (base_currency = :base OR (base_currency IS NULL AND NOT EXISTS ("
          "SELECT 1 FROM exchange_rates o WHERE o.base_currency IS NOT NULL "
          "AND o.base_currency <> :base))) "  # as storage.repositories.rates.against
          "GROUP BY currency) n ON r.currency = n.currency AND r.date = n.date")


def _prefix_side(key: str, match: str) -> str:
    # Each key limited on its own index (see storage.repositories.customers).
    return (f"SELECT * FROM (SELECT {_CUSTOMER}, name_key FROM customers WHERE {match} "
            f"ORDER BY {key} LIMIT :limit) AS {key}_side")


def _prefix(match: Callable[[str], str]) -> str:
    sides = " UNION ".join(_prefix_side(k, match(k)) for k in ("name_key", "name_local_key"))
    return (f"SELECT {', '.join(_COLUMNS)} FROM ({sides}) AS either ORDER BY name_key "
            "LIMIT :limit")


_BY_PREFIX = {
    "sqlite": _prefix(lambda key: f"{key} >= :low AND {key} < :high"),
    "postgresql": _prefix(lambda key: f"{key} LIKE :pattern ESCAPE '\\'"),
}


def _listed(name: str, count: int) -> str:
    return ", ".join(f":{name}_{i}" for i in range(count))


def _by_ids(count: int) -> str:
    ids = _listed("id", count)
    return f"SELECT {_CUSTOMER} FROM customers WHERE customer_id IN ({ids}) OR group_id IN ({ids})"


def _aged(ids: int, buckets: int) -> str:
    """One row per customer and currency, the buckets pivoted into columns: the same
    statement as SqlReceivablesQueries.aged_balances for a list of customers."""
    sums = []
    for i in range(buckets):
        bounds = []
        if i < buckets - 1:
            bounds.append(f"due_date >= :earliest_{i}")
        if i > 0:
            bounds.append(f"due_date <= :latest_{i}")
        sums.append(f"sum(CASE WHEN {' AND '.join(bounds)} THEN open_amount ELSE 0 END)"
                    if bounds else "sum(open_amount)")
    return (f"SELECT customer_id, currency, count(*), "
            f"min(CASE WHEN due_date < :as_of THEN due_date END), {', '.join(sums)} "
            f"FROM invoices WHERE status IN ({_OPEN_INVOICE}) AND open_amount > 0 "
            f"AND customer_id IN ({_listed('id', ids)}) GROUP BY customer_id, currency")


def _orders(ids: int) -> str:
    """The ERP's open orders, then creditbot's placed ones (flagged 1): the same
    statements as SqlReceivablesQueries.order_balances."""
    listed = _listed("id", ids)
    return (f"SELECT customer_id, currency, sum(amount), count(*), 0 FROM orders "
            f"WHERE status IN ({_OPEN_ORDER}) AND customer_id IN ({listed}) "
            f"GROUP BY customer_id, currency UNION ALL "
            f"SELECT k.customer_id, k.currency, sum(k.amount), count(*), 1 "
            f"FROM order_checks k WHERE k.state IN ({_PLACED}) AND k.source = 'slack' "
            f"AND k.order_date >= :since AND k.customer_id IN ({listed}) AND NOT EXISTS "
            f"(SELECT 1 FROM orders o WHERE o.customer_id = k.customer_id "
            f"AND {_SAME_ORDER}) "
            f"GROUP BY k.customer_id, k.currency")


_NAMED = re.compile(r":(\w+)")
_PAST_EVERY_CHARACTER = "\U0010ffff"
_SCALE = -AMOUNT_SCALE


class _Dialect:
    """SQL and values as this dialect's driver takes and gives them."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.sqlite = name == "sqlite"
        self._sql: dict[str, str] = {}

    def sql(self, text: str) -> str:
        done = self._sql.get(text)
        if done is None:
            done = text if self.sqlite else _NAMED.sub(r"%(\1)s", text)
            self._sql[text] = done
        return done

    def day(self, value: date) -> Any:
        return value.isoformat() if self.sqlite else value

    def amount(self, value: Any) -> Decimal | None:
        if value is None:
            return None
        # SQLite keeps amounts as integer 1/10,000ths (storage.types.Amount).
        return Decimal(int(value)).scaleb(_SCALE) if self.sqlite else Decimal(value)

    def at(self, value: Any) -> datetime:
        # storage.types.UtcDateTime: UTC, naive in SQLite's text.
        moment = value if isinstance(value, datetime) else datetime.fromisoformat(value)
        return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)

    def as_date(self, value: Any) -> date | None:
        if value is None or isinstance(value, date):
            return value
        return date.fromisoformat(value)

    def prefix(self, key_prefix: str) -> dict[str, str]:
        if self.sqlite:
            return {"low": key_prefix, "high": key_prefix + _PAST_EVERY_CHARACTER}
        escaped = key_prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        return {"pattern": escaped + "%"}


class SqlCheckReads:
    """Opens a ``SqlCheckRead`` per check (the ``CheckReads`` port of domain.check);
    keeps this process's view of the data version."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.dialect = _Dialect(engine.dialect.name)
        self._lock = threading.Lock()
        self._rates: dict[tuple[int, date, str], dict[str, Decimal]] = {}
        # The engine's pool pings every connection it hands out, a round trip to
        # PostgreSQL before each check. These reads take connections from a pool of
        # their own, made alike but without the ping: a connection found dead at a
        # check's first statement is dropped and the statement tried once more on a new
        # one, which is what the ping would have done. (SQLite pools ping nothing, and an
        # in-memory database lives in its one pool.)
        self._own_pool: Pool | None = None
        if engine.dialect.name != "sqlite" and getattr(engine.pool, "_pre_ping", False):
            self._own_pool = engine.pool.recreate()
            self._own_pool._pre_ping = False
            # engine.dispose() (after a fork, in tests) lets go of these too.
            event.listen(engine, "engine_disposed", self._dispose)

    @property
    def pool(self) -> Pool:
        return self._own_pool or self.engine.pool

    def _dispose(self, _engine: Engine) -> None:
        if self._own_pool is not None:
            self._own_pool.dispose()

    def __call__(self) -> SqlCheckRead:
        return SqlCheckRead(self)

    def rates(self, version: int | None, as_of: date, base: str,
              read: Callable[[], dict[str, Decimal]]) -> dict[str, Decimal]:
        if version is None:
            return read()
        key = (version, as_of, base)
        found = self._rates.get(key)
        if found is None:
            found = read()
            with self._lock:
                if len(self._rates) > 16:
                    self._rates.clear()
                self._rates[key] = found
        return dict(found)


class SqlCheckRead:
    """One check's reads on one pooled connection, each statement on its own (no
    transaction is held open): a statement run after ``version()`` sees at least the
    data of that version."""

    def __init__(self, owner: SqlCheckReads) -> None:
        self._owner = owner
        self._dialect = owner.dialect
        self._version: int | None = None
        # Rows read by the lookup, by id: get() after a lookup costs no statement.
        self._seen: dict[str, Customer] = {}
        self._groups: dict[str, list[Customer]] = {}

    # The ports a check reads through are all this object. Properties, not attributes
    # set to ``self``: a read that referred to itself would be a reference cycle, freed
    # only by the garbage collector, with its cursor and connection (see _connect).
    @property
    def customers(self) -> Self:
        return self

    receivables = rates = limits = customers

    def __enter__(self) -> Self:
        self._connect()
        return self

    _raw: PoolProxiedConnection
    _held = False

    def _connect(self) -> None:
        dbapi = self._owner.engine.dialect.loaded_dbapi
        try:
            self._raw = self._owner.pool.connect()
        except (DBAPIError, SqlTimeout, dbapi.OperationalError, dbapi.InterfaceError) as error:
            # A pool with no connection free, a server down, a file moved away.
            raise RecordsUnavailable(reading=True) from error
        # psycopg: the reads run outside a transaction, as each statement of a READ
        # COMMITTED one would see the same, without a BEGIN and a ROLLBACK round trip.
        self._autocommit = False
        connection = self._raw.dbapi_connection
        try:
            if getattr(connection, "autocommit", None) is False:
                connection.autocommit = True  # type: ignore[union-attr]
                self._autocommit = True
            self._cursor = self._raw.cursor()
            # Round SQLAlchemy's events: the client's bound on a stuck server is taken
            # here for the whole read (a few milliseconds when the server answers).
            guard_of(self._owner.engine).start(connection)
        except dbapi.Error as error:
            self._raw.invalidate(error)
            self._raw.close()
            raise RecordsUnavailable(reading=True) from error
        self._held = True

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        if not self._held:  # a replacement connection could not be had
            return
        dialect = self._owner.engine.dialect
        dbapi = dialect.loaded_dbapi
        broken = isinstance(error, dbapi.Error) and dialect.is_disconnect(
            error, self._raw.dbapi_connection, self._cursor)
        guard_of(self._owner.engine).finish(self._raw.dbapi_connection)
        try:
            self._cursor.close()
            if self._autocommit and not broken:
                self._raw.dbapi_connection.autocommit = False  # type: ignore[union-attr]
        except dbapi.Error as problem:
            broken = True
            error = error or problem
        finally:
            if broken:
                self._owner.pool._invalidate(self._raw, error)  # and its elders, as above
            self._raw.close()  # back to the pool (which ends any transaction), or away
        if isinstance(error, dbapi.OperationalError | dbapi.InterfaceError):
            # A timeout, a lost connection, a locked SQLite file: the database's state.
            raise RecordsUnavailable(reading=True) from error

    def _rows(self, text: str, params: dict[str, Any]) -> list[Any]:
        self._cursor.execute(self._dialect.sql(text), params)
        return list(self._cursor.fetchall())

    # -- the data version ----------------------------------------------------------

    def version(self) -> int | None:
        marks = self._libpq_version()
        if marks is not None:
            self._version = marks
            return marks
        dialect = self._owner.engine.dialect
        try:
            rows = self._rows(_VERSION, {})
        except dialect.loaded_dbapi.Error as error:
            # The first statement of the read: on a connection that died in the pool
            # (a restarted server), a new connection answers it.
            if not dialect.is_disconnect(error, self._raw.dbapi_connection, self._cursor):
                raise
            with contextlib.suppress(dialect.loaded_dbapi.Error):
                self._cursor.close()
            # Every connection made before this one died with it (a restarted server):
            # the retry below took the next one from the pool, as dead, and the checks
            # were refused for minutes, one pooled connection at a time.
            self._owner.pool._invalidate(self._raw, error)
            self._raw.close()
            self._held = False
            self._connect()
            rows = self._rows(_VERSION, {})
        # No row: a database not made by the migrations. Nothing is remembered then.
        self._version = int(rows[0][0]) if rows else None
        return self._version

    def _libpq_version(self) -> int | None:
        """PostgreSQL: the version statement through libpq's own calls, prepared once
        per connection. A remembered check is this one statement, and psycopg's cursor
        (its execute generator, waits and loaders) cost several times what libpq does
        for it. ``None`` where the cursor should run it (SQLite; a statement no longer
        prepared; a connection that died, which the cursor path replaces). Any other
        error (a statement timeout, say) is raised as the cursor would raise it:
        running the statement again would wait as long again."""
        pgconn: Any = getattr(self._raw.dbapi_connection, "pgconn", None)
        if pgconn is None:
            return None
        info = self._raw.info
        if info.get(_VERSION_NAME) is not pgconn:
            # A failure here (it exists already, say) shows in the statement's answer.
            pgconn.prepare(_VERSION_NAME, _VERSION.encode())
        result = pgconn.exec_prepared(_VERSION_NAME, [])
        if result.status == _TUPLES_OK and result.ntuples == 1:
            info[_VERSION_NAME] = pgconn
            return int(result.get_value(0, 0))
        info.pop(_VERSION_NAME, None)
        state = result.error_field(_SQLSTATE)
        if (result.status == _TUPLES_OK or pgconn.status != _CONNECTION_OK or state is None
                or state == _NOT_PREPARED):
            return None
        from psycopg import errors

        message = (result.error_message or b"").decode(errors="replace").strip()
        raise errors.lookup(state.decode())(message)

    # -- customers (domain.lookup.CustomerDirectory, and get / group_members) ---------

    def _customer(self, row: Sequence[Any]) -> Customer:
        amount = self._dialect.amount
        customer = Customer(
            customer_id=row[0], name=row[1], name_local=row[2],
            credit_limit=Money(amount(row[4]), row[3]),  # type: ignore[arg-type]
            payment_terms_days=row[5], industry=row[6], country=row[7],
            owner_slack_id=row[8], department=row[9], group_id=row[10],
            established_year=row[11],
            financials=Financials(*(amount(v) for v in row[12:12 + len(FINANCIAL_FIELDS)])),
            erp_terms_days=row[-1] if row[-1] != row[5] else None)
        self._seen[customer.customer_id] = customer
        return customer

    def _refs(self, text: str, params: dict[str, Any]) -> list[CustomerRef]:
        customers = [self._customer(row) for row in self._rows(text, params)]
        return [CustomerRef(c.customer_id, c.name, c.name_local) for c in customers]

    def by_ids(self, customer_ids: Sequence[str]) -> list[CustomerRef]:
        wanted = list(customer_ids)
        found = [self._customer(row) for row in self._rows(
            _by_ids(len(wanted)), {f"id_{i}": v for i, v in enumerate(wanted)})]
        self._groups = {g: [c for c in found if c.group_id == g] for g in wanted}
        return [CustomerRef(c.customer_id, c.name, c.name_local) for c in found
                if c.customer_id in wanted]

    def group_named(self, group_ids: Sequence[str]) -> str | None:
        return next((g for g in group_ids if self._groups.get(g)), None)

    def by_name_key(self, name_key: str) -> list[CustomerRef]:
        return self._refs(_BY_KEY, {"key": name_key})

    def by_name_prefix(self, key_prefix: str, limit: int) -> list[CustomerRef]:
        return self._refs(_BY_PREFIX.get(self._dialect.name, _BY_PREFIX["postgresql"]),
                          {**self._dialect.prefix(key_prefix), "limit": limit})

    def all_name_keys(self) -> list[tuple[CustomerRef, str]]:
        keys = []
        for cid, name, name_local, key, local_key in self._rows(_ALL_KEYS, {}):
            ref = CustomerRef(cid, name, name_local)
            keys.append((ref, key))
            if local_key is not None:
                keys.append((ref, local_key))
        return keys

    def get(self, customer_id: str) -> Customer | None:
        found = self._seen.get(customer_id)
        if found is None:
            rows = self._rows(_BY_ID, {"id": customer_id})
            found = self._customer(rows[0]) if rows else None
        return found

    def fetch(self, customer_ids: Sequence[str] | None = None) -> list[Customer]:
        raise NotImplementedError("a check reads customers one by one or by group")

    def group_members(self, group_id: str) -> list[Customer]:
        members = self._groups.get(group_id)
        if members is None:
            members = [self._customer(row) for row in self._rows(_GROUP, {"group": group_id})]
        return sorted(members, key=lambda c: c.name)

    def collecting(self, customer_id: str) -> Collecting | None:
        rows = self._rows(_COLLECTOR, {"id": customer_id})
        return Collecting(*rows[0]) if rows else None

    def held_orders(self, customer_id: str) -> list[HeldOrder]:
        return [HeldOrder(*row) for row in self._rows(_HELD, {"id": customer_id})]

    def credit_notes(self, customer_id: str) -> list[Money]:
        amount = self._dialect.amount
        return [Money(amount(total), currency)  # type: ignore[arg-type]
                for currency, total in self._rows(_CREDIT_NOTES, {"id": customer_id})]

    # -- receivables -----------------------------------------------------------------

    def aged_balances(self, customer_ids: Sequence[str] | None, as_of: date,
                      buckets: AgingBuckets) -> list[AgedBalance]:
        if customer_ids is None:
            raise NotImplementedError("a check reads its customers' balances only")
        ids = list(customer_ids)
        day = self._dialect.day
        ranges = buckets.due_date_bounds(as_of)
        params: dict[str, Any] = {"as_of": day(as_of)}
        for i, r in enumerate(ranges):
            if r.earliest is not None and i < len(ranges) - 1:
                params[f"earliest_{i}"] = day(r.earliest)
            if r.latest is not None and i > 0:
                params[f"latest_{i}"] = day(r.latest)
        params.update((f"id_{i}", v) for i, v in enumerate(ids))
        amount, as_date = self._dialect.amount, self._dialect.as_date
        return [AgedBalance(row[0], row[1], tuple(amount(v) for v in row[4:]),  # type: ignore[misc]
                            row[2], as_date(row[3]))
                for row in self._rows(_aged(len(ids), len(ranges)), params)]

    def order_balances(self, customer_ids: Sequence[str] | None,
                       placed_since: date | None = None) -> list[OrderBalance]:
        if customer_ids is None:
            raise NotImplementedError("a check reads its customers' orders only")
        ids = list(customer_ids)
        amount = self._dialect.amount
        # No day: none of creditbot's orders counts (a day after every order date).
        since = self._dialect.day(placed_since or date.max)
        rows = self._rows(_orders(len(ids)),
                          {"since": since, **{f"id_{i}": v for i, v in enumerate(ids)}})
        return [OrderBalance(row[0], row[1], amount(row[2]), row[3],  # type: ignore[arg-type]
                             bool(row[4]))
                for row in rows]

    # -- limits creditbot approved (domain.positions.ApprovedLimits) -----------------

    def effective_limits(self, customer_ids: Sequence[str] | None, on: date
                         ) -> dict[str, LimitChange]:
        if customer_ids is None:
            raise NotImplementedError("a check reads its customers' limits only")
        ids = list(customer_ids)
        amount, as_date, at = self._dialect.amount, self._dialect.as_date, self._dialect.at
        by_customer: dict[str, list[LimitChange]] = {}
        params = {"on": self._dialect.day(on), **{f"id_{i}": v for i, v in enumerate(ids)}}
        for row in self._rows(_LIMITS.format(ids=_listed("id", len(ids))), params):
            previous = amount(row[4])
            by_customer.setdefault(row[0], []).append(LimitChange(
                row[0], ChangeKind(row[1]), Money(amount(row[2]), row[3]),  # type: ignore[arg-type]
                None if previous is None or row[5] is None else Money(previous, row[5]),
                at(row[6]), row[7], row[8], as_date(row[9]), row[10]))
        found = {cid: effective_limit(changes, on) for cid, changes in by_customer.items()}
        return {cid: change for cid, change in found.items() if change is not None}

    # -- rates -------------------------------------------------------------------------

    def latest(self, as_of: date, base: str) -> dict[str, Decimal]:
        def read() -> dict[str, Decimal]:
            rows = self._rows(_RATES, {"as_of": self._dialect.day(as_of), "base": base})
            return {currency: Decimal(rate) for currency, rate in rows}

        return self._owner.rates(self._version, as_of, base, read)
