"""Tables. Column names follow the ERP export columns, so imports map one to one."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Unicode,
    false,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from domain.model import CONFIG_IN_FORCE
from storage.types import Amount, ExactDecimal, UtcDateTime

Id = String(64)
Code = String(3)


class Base(DeclarativeBase):
    pass


class CustomerRow(Base):
    __tablename__ = "customers"
    # text_pattern_ops: PostgreSQL uses the index for LIKE 'prefix%' whatever the locale.
    # A person may type either name, so both keys are indexed alike.
    __table_args__ = (
        Index("ix_customers_name_key", "name_key",
              postgresql_ops={"name_key": "text_pattern_ops"}),
        Index("ix_customers_name_local_key", "name_local_key",
              postgresql_ops={"name_local_key": "text_pattern_ops"}),
    )

    customer_id: Mapped[str] = mapped_column(Id, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    name_key: Mapped[str] = mapped_column(String(200))
    # The legal name in the local script (e.g. Chinese) and its lookup key, when known.
    name_local: Mapped[str | None] = mapped_column(String(200))
    name_local_key: Mapped[str | None] = mapped_column(String(200))
    currency: Mapped[str] = mapped_column(Code)
    credit_limit: Mapped[Decimal] = mapped_column(Amount)
    payment_terms_days: Mapped[int] = mapped_column(Integer)
    industry: Mapped[str | None] = mapped_column(String(100))
    country: Mapped[str | None] = mapped_column(String(60))
    owner_slack_id: Mapped[str | None] = mapped_column(String(32))
    department: Mapped[str | None] = mapped_column(String(60))
    group_id: Mapped[str | None] = mapped_column(Id, index=True)
    revenue: Mapped[Decimal | None] = mapped_column(Amount)
    total_assets: Mapped[Decimal | None] = mapped_column(Amount)
    total_liabilities: Mapped[Decimal | None] = mapped_column(Amount)
    current_assets: Mapped[Decimal | None] = mapped_column(Amount)
    current_liabilities: Mapped[Decimal | None] = mapped_column(Amount)
    retained_earnings: Mapped[Decimal | None] = mapped_column(Amount)
    ebit: Mapped[Decimal | None] = mapped_column(Amount)
    equity: Mapped[Decimal | None] = mapped_column(Amount)
    established_year: Mapped[int | None] = mapped_column(Integer)


class InvoiceRow(Base):
    __tablename__ = "invoices"
    # Serves both one customer's aging (customer_id, status, due_date ranges) and the
    # portfolio scan, which groups open invoices by customer.
    __table_args__ = (
        # Covering (currency, open_amount trail): the portfolio's aggregate reads only the
        # index, 2.5x faster on a million invoices than looking up every row.
        Index("ix_invoices_open_by_customer", "customer_id", "status", "due_date", "currency",
              "open_amount"),
    )

    invoice_id: Mapped[str] = mapped_column(Id, primary_key=True)
    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.customer_id"))
    issue_date: Mapped[dt.date]
    due_date: Mapped[dt.date]
    amount: Mapped[Decimal] = mapped_column(Amount)
    currency: Mapped[str] = mapped_column(Code)
    open_amount: Mapped[Decimal] = mapped_column(Amount)
    status: Mapped[str] = mapped_column(String(16), server_default=text("'open'"))
    order_id: Mapped[str | None] = mapped_column(Id)


class OrderRow(Base):
    __tablename__ = "orders"
    __table_args__ = (Index("ix_orders_customer_status", "customer_id", "status"),)

    order_id: Mapped[str] = mapped_column(Id, primary_key=True)
    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.customer_id"))
    order_date: Mapped[dt.date]
    amount: Mapped[Decimal] = mapped_column(Amount)
    currency: Mapped[str] = mapped_column(Code)
    status: Mapped[str] = mapped_column(String(16), server_default=text("'open'"))
    contract_id: Mapped[str | None] = mapped_column(Id)
    owner_slack_id: Mapped[str | None] = mapped_column(String(32))


class PaymentRow(Base):
    __tablename__ = "payments"

    payment_id: Mapped[str] = mapped_column(Id, primary_key=True)
    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.customer_id"), index=True)
    date: Mapped[dt.date]
    amount: Mapped[Decimal] = mapped_column(Amount)
    currency: Mapped[str] = mapped_column(Code)
    invoice_id: Mapped[str | None] = mapped_column(Id)


class ContractRow(Base):
    __tablename__ = "contracts"

    contract_id: Mapped[str] = mapped_column(Id, primary_key=True)
    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.customer_id"), index=True)
    start_date: Mapped[dt.date]
    end_date: Mapped[dt.date]
    payment_terms_days: Mapped[int] = mapped_column(Integer)
    credit_limit: Mapped[Decimal | None] = mapped_column(Amount)
    currency: Mapped[str | None] = mapped_column(Code)


class ExchangeRateRow(Base):
    __tablename__ = "exchange_rates"

    date: Mapped[dt.date] = mapped_column(primary_key=True)
    currency: Mapped[str] = mapped_column(Code, primary_key=True)
    rate_to_base: Mapped[Decimal] = mapped_column(ExactDecimal)
    # What the rate is a price in: app.yaml's base when it was imported (empty before
    # 0040). Rates against another base than the one configured now are not read.
    base_currency: Mapped[str | None] = mapped_column(Code, nullable=True)


class AuditRow(Base):
    """Append-only: the migration adds triggers that refuse UPDATE and DELETE."""

    __tablename__ = "audit_log"
    # The configuration's entries are a handful among millions: found at each start
    # without reading the log backwards.
    __table_args__ = (Index("ix_audit_log_config", "id",
                            sqlite_where=text(f"action = '{CONFIG_IN_FORCE}'"),
                            postgresql_where=text(f"action = '{CONFIG_IN_FORCE}'")),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[dt.datetime] = mapped_column(UtcDateTime, index=True)
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64))
    subject: Mapped[str] = mapped_column(String(200))
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class ProcessedRequestRow(Base):
    """Slack deliveries already handled: a retry or a replayed payload is answered once.
    Rows older than a day are pruned; Slack gives up retrying within minutes."""

    __tablename__ = "processed_requests"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    seen_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, index=True)


class DomainEventRow(Base):
    """What happened, recorded in the same transaction as the change that caused it.
    Rows with no ``published_at`` are the outbox: a sender turns them into messages."""

    __tablename__ = "domain_events"
    __table_args__ = (Index("ix_domain_events_unpublished", "published_at", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    occurred_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    name: Mapped[str] = mapped_column(String(64))
    actor: Mapped[str] = mapped_column(String(64))
    subject: Mapped[str] = mapped_column(String(200))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    published_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)


class LeaseRow(Base):
    """A named lock with an expiry, held by one process at a time: one import of a kind
    at once, and (later) one scheduler per deployment. An expired lease may be taken."""

    __tablename__ = "leases"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    holder: Mapped[str] = mapped_column(String(200))
    acquired_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)


class OutboxRow(Base):
    """A Slack message the bot sends on its own initiative, written in the same
    transaction as the change that caused it and delivered later by the sender: a
    Slack outage, a rate limit or a crash loses none and sends none twice (only a
    message in flight at the moment of a crash can be repeated)."""

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_pending", "sent_at", "failed_at", "next_attempt_at"),
        Index("ix_outbox_dedup_key", "dedup_key", unique=True),
        # A level's cards found by the start of their key (``LIKE 'prefix%'``), which the
        # unique index serves on PostgreSQL only in the C collation.
        Index("ix_outbox_dedup_key_prefix", "dedup_key",
              postgresql_ops={"dedup_key": "varchar_pattern_ops"}).ddl_if(
                  dialect="postgresql"),
        # The edits of a message, newest last (what an approval card shows now).
        Index("ix_outbox_update_of", "update_of"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    # A channel id, or a user id for a direct message (the sender opens the DM).
    channel: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(64))
    # Set when the same message must never be queued twice (e.g. one digest per run).
    dedup_key: Mapped[str | None] = mapped_column(String(200))
    # {"text": ..., "blocks": [...]} and, for a reply in a thread, "thread_of": an id.
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # Edit the message another row sent (chat.update) instead of posting a new one.
    update_of: Mapped[int | None] = mapped_column(ForeignKey("outbox.id"))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    # Who is delivering it, until when (claims expire, so a crashed sender's rows return).
    claimed_by: Mapped[str | None] = mapped_column(String(200))
    claimed_until: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    sent_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    # Where Slack put it: the channel (a DM's id) and ts, for later chat.update calls.
    sent_channel: Mapped[str | None] = mapped_column(String(32))
    ts: Mapped[str | None] = mapped_column(String(32))
    last_error: Mapped[str | None] = mapped_column(String(200))
    # Set on an error retrying cannot fix (channel_not_found, not_in_channel, is_archived).
    failed_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)


class JobRunRow(Base):
    """One run of a scheduled job: when, where, how it ended and what it counted."""

    __tablename__ = "job_runs"
    __table_args__ = (Index("ix_job_runs_name_started", "name", "started_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(64))
    host: Mapped[str] = mapped_column(String(200))
    started_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    # running, ok, failed (a run whose process died stays "running" past its lease).
    outcome: Mapped[str] = mapped_column(String(16))
    counts: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    error: Mapped[str | None] = mapped_column(String(500))


class AlertStateRow(Base):
    """What creditbot remembers of an alert condition between scans (domain.alerts):
    its level when last announced, whether it was resolved, and people's answers.
    creditbot's own state: no ERP import touches it."""

    __tablename__ = "alert_states"
    __table_args__ = (Index("ix_alert_states_open", "resolved_at"),)

    # "<type>:<subject id>", e.g. "overdue:C0001" or "large_invoice:INV-77".
    condition: Mapped[str] = mapped_column(String(240), primary_key=True)
    type: Mapped[str] = mapped_column(String(32))
    customer_id: Mapped[str] = mapped_column(Id, index=True)
    level: Mapped[int] = mapped_column(Integer)
    severity: Mapped[int] = mapped_column(Integer)
    announced_level: Mapped[int] = mapped_column(Integer)
    first_seen: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    last_announced_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    resolved_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    acknowledged_by: Mapped[str | None] = mapped_column(String(32))
    acknowledged_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    snoozed_until: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    snoozed_by: Mapped[str | None] = mapped_column(String(32))
    # The alert as the last scan found it (figures, customer), for Home and digests.
    last: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # Optimistic locking: a scan and a click changing the same state cannot both win.
    version: Mapped[int] = mapped_column(Integer, default=0)
    # {destination: digest id} told of it as it stands (domain.alerts.model.AlertState).
    told: Mapped[dict[str, int] | None] = mapped_column(JSON)


class AlertDigestRow(Base):
    """One digest as posted: its lines as announced and the outbox ids of its pages,
    so that an answer re-renders it and edits each page in place."""

    __tablename__ = "alert_digests"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, index=True)
    # A channel id, or a user id for a digest sent by direct message.
    destination: Mapped[str] = mapped_column(String(32))
    lines: Mapped[list[Any]] = mapped_column(JSON, default=list)
    pages: Mapped[list[Any]] = mapped_column(JSON, default=list)


class CreditRequestRow(Base):
    """A credit request as filed (domain.approvals): the snapshot of the limit, the
    amount the policy measured and its route, and where it stands. creditbot's own
    state: no ERP import touches it."""

    __tablename__ = "credit_requests"
    __table_args__ = (
        Index("ix_credit_requests_customer", "customer_id", "id"),
        Index("ix_credit_requests_requested_by", "requested_by", "id"),
        Index("ix_credit_requests_state", "state"),
        # At most one open request per subject (a customer's limit, an order, terms):
        # set while open, NULL once closed (NULLs never collide).
        Index("ix_credit_requests_open_key", "open_key", unique=True),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(32))
    state: Mapped[str] = mapped_column(String(16))
    customer_id: Mapped[str] = mapped_column(Id)
    customer_name: Mapped[str] = mapped_column(String(200))
    # The name in the local script (customers.name_local) when it was filed or placed.
    customer_name_local: Mapped[str | None] = mapped_column(String(200))
    requested_by: Mapped[str] = mapped_column(String(32))
    filed_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    reason: Mapped[str] = mapped_column(String(2000))
    currency: Mapped[str | None] = mapped_column(Code)  # of the limits below
    current_limit: Mapped[Decimal | None] = mapped_column(Amount)
    new_limit: Mapped[Decimal | None] = mapped_column(Amount)
    # What the requester asked for, once a level approved less (migration 0039).
    asked_limit: Mapped[Decimal | None] = mapped_column(Amount)
    increase: Mapped[Decimal | None] = mapped_column(Amount)
    expires_on: Mapped[dt.date | None]
    order_id: Mapped[str | None] = mapped_column(Id)
    # The rep's reference of a creditbot order (OrderCheck.reference), as when filed.
    order_reference: Mapped[str | None] = mapped_column(String(100))
    order_amount: Mapped[Decimal | None] = mapped_column(Amount)
    order_currency: Mapped[str | None] = mapped_column(Code)
    current_terms_days: Mapped[int | None] = mapped_column(Integer)
    terms_days: Mapped[int | None] = mapped_column(Integer)
    # A limit typed in another currency than the limits above, as typed (domain AskedIn).
    asked_amount: Mapped[Decimal | None] = mapped_column(Amount)
    asked_currency: Mapped[str | None] = mapped_column(Code)
    asked_increase: Mapped[bool | None] = mapped_column(Boolean)
    asked_rate: Mapped[Decimal | None] = mapped_column(ExactDecimal)
    measured: Mapped[Decimal] = mapped_column(Amount)
    measured_currency: Mapped[str] = mapped_column(Code)
    # [{"role", "deadline_hours", "escalate_to"}, ...] as the policy said when filed.
    route: Mapped[list[Any]] = mapped_column(JSON, default=list)
    level: Mapped[int] = mapped_column(Integer)
    level_since: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    level_deadline: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    closed_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    closed_by: Mapped[str | None] = mapped_column(String(32))
    # Why creditbot withdrew it (domain Withdrawn), when it did.
    closed_note: Mapped[str | None] = mapped_column(String(32))
    open_key: Mapped[str | None] = mapped_column(String(200))
    # Optimistic locking: two deciders of one level cannot both move the request on.
    version: Mapped[int] = mapped_column(Integer, default=0)


class RequestDecisionRow(Base):
    """One level of a request decided; the unique (request, level) makes a second
    decision of a level fail in the database whatever reached it."""

    __tablename__ = "request_decisions"
    __table_args__ = (
        Index("ix_request_decisions_request_level", "request_id", "level", unique=True),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("credit_requests.id"))
    level: Mapped[int] = mapped_column(Integer)
    role: Mapped[str] = mapped_column(String(64))
    outcome: Mapped[str] = mapped_column(String(16))
    decided_by: Mapped[str] = mapped_column(String(32))
    on_behalf_of: Mapped[str | None] = mapped_column(String(32))
    decided_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    comment: Mapped[str | None] = mapped_column(String(2000))
    # The decider's right came from the level's escalate_to role (migration 0024).
    escalated: Mapped[bool] = mapped_column(Boolean, server_default=false())
    # The lower limit the level approved instead of the one asked for (migration 0039).
    limit_amount: Mapped[Decimal | None] = mapped_column(Amount)
    limit_currency: Mapped[str | None] = mapped_column(String(3))


class RequestQuestionRow(Base):
    """A question a decider asked the requester (Ask for info), for the history."""

    __tablename__ = "request_questions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("credit_requests.id"), index=True)
    level: Mapped[int] = mapped_column(Integer)
    asked_by: Mapped[str] = mapped_column(String(32))
    asked_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    question: Mapped[str] = mapped_column(String(2000))
    on_behalf_of: Mapped[str | None] = mapped_column(String(32))
    # The requester's answer, given with the button under the question's message.
    answer: Mapped[str | None] = mapped_column(String(2000))
    answered_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)


class DelegationRow(Base):
    """A person's approvals handed to a stand-in for a period (days, both included)."""

    __tablename__ = "delegations"
    __table_args__ = (
        Index("ix_delegations_delegator", "delegator"),
        Index("ix_delegations_delegate", "delegate"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    delegator: Mapped[str] = mapped_column(String(32))
    delegate: Mapped[str] = mapped_column(String(32))
    starts_on: Mapped[dt.date]
    until: Mapped[dt.date]
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    ended_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)


class LimitChangeRow(Base):
    """A limit creditbot approved: kept here, never in customers.credit_limit, which the
    next ERP import overwrites. One per request (unique)."""

    __tablename__ = "limit_changes"
    __table_args__ = (
        Index("ix_limit_changes_customer", "customer_id", "effective_at"),
        Index("ix_limit_changes_request", "request_id", unique=True),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    customer_id: Mapped[str] = mapped_column(Id)
    request_id: Mapped[int] = mapped_column(ForeignKey("credit_requests.id"))
    # permanent, or temporary through expires_on.
    kind: Mapped[str] = mapped_column(String(16))
    credit_limit: Mapped[Decimal] = mapped_column(Amount)
    currency: Mapped[str] = mapped_column(Code)
    previous_limit: Mapped[Decimal | None] = mapped_column(Amount)
    previous_currency: Mapped[str | None] = mapped_column(Code)
    effective_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    expires_on: Mapped[dt.date | None]
    approved_by: Mapped[str] = mapped_column(String(32))
    # When a customers import first exported another limit than previous_limit
    # (storage.credit_requests.overtake_changes).
    overtaken_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)


class TermsChangeRow(Base):
    """Payment terms creditbot approved. Like a limit, kept beside the ERP's
    customers.payment_terms_days, which the next import overwrites: they stand while the
    ERP still exports the terms they replaced (``previous_terms_days``), until it first
    exports others (``overtaken_at``). One per request."""

    __tablename__ = "terms_changes"
    __table_args__ = (
        Index("ix_terms_changes_customer", "customer_id", "id"),
        Index("ix_terms_changes_request", "request_id", unique=True),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    customer_id: Mapped[str] = mapped_column(Id)
    request_id: Mapped[int] = mapped_column(ForeignKey("credit_requests.id"))
    terms_days: Mapped[int] = mapped_column(Integer)
    previous_terms_days: Mapped[int] = mapped_column(Integer)
    effective_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    approved_by: Mapped[str] = mapped_column(String(32))
    # When a customers import first exported other terms than ``previous_terms_days``:
    # the ERP's terms are the record from then on, whatever it exports later.
    overtaken_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)


class DeadlineMarkRow(Base):
    """What the deadlines job did once and must not do again (a level reminded, a
    level escalated, an overdue level's daily reminder): the unique key is what makes
    two schedulers, or a retried run, do it once."""

    __tablename__ = "deadline_marks"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("credit_requests.id"), index=True)
    at: Mapped[dt.datetime] = mapped_column(UtcDateTime)



class OrderCheckRow(Base):
    """An order checked against the order rules (domain.orders): placed through Slack
    (order id SO-<id>) or reviewed from the ERP's orders, passed, held or released.
    creditbot's own state: the ERP's orders import never touches it."""

    __tablename__ = "order_checks"
    __table_args__ = (
        Index("ix_order_checks_order", "source", "order_id", unique=True),
        Index("ix_order_checks_state_customer", "state", "customer_id", "id"),
        Index("ix_order_checks_customer_reference", "customer_id", "reference"),
        Index("ix_order_checks_checked_by", "checked_by", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    source: Mapped[str] = mapped_column(String(8))
    order_id: Mapped[str] = mapped_column(Id)
    customer_id: Mapped[str] = mapped_column(Id)
    customer_name: Mapped[str] = mapped_column(String(200))
    # The name in the local script (customers.name_local) when it was filed or placed.
    customer_name_local: Mapped[str | None] = mapped_column(String(200))
    amount: Mapped[Decimal] = mapped_column(Amount)
    currency: Mapped[str] = mapped_column(Code)
    order_date: Mapped[dt.date]
    reference: Mapped[str | None] = mapped_column(String(100))
    contract_id: Mapped[str | None] = mapped_column(Id)
    state: Mapped[str] = mapped_column(String(16))
    # [{"rule": "limit", "figures": {...}}, ...]: what failed, as it was when checked.
    failures: Mapped[list[Any]] = mapped_column(JSON, default=list)
    checked_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    checked_by: Mapped[str] = mapped_column(String(32))
    released_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    released_by: Mapped[str | None] = mapped_column(String(32))
    release_note: Mapped[str | None] = mapped_column(String(64))
    # Optimistic locking: a release by approval and one by re-check cannot both win.
    version: Mapped[int] = mapped_column(Integer, default=0)

class CollectionAssignmentRow(Base):
    """Who collects a customer's overdue account (domain.collections). The partial
    unique index allows one assignment per customer that is not closed, on both
    databases, whatever process makes it."""

    __tablename__ = "collection_assignments"
    __table_args__ = (
        Index("ix_collection_assignments_open", "customer_id", unique=True,
              sqlite_where=text("status <> 'closed'"),
              postgresql_where=text("status <> 'closed'")),
        Index("ix_collection_assignments_collector", "collector", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    customer_id: Mapped[str] = mapped_column(Id)
    collector: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16))
    next_action_on: Mapped[dt.date | None]
    assigned_by: Mapped[str] = mapped_column(String(32))
    assigned_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    closed_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    closed_by: Mapped[str | None] = mapped_column(String(32))
    version: Mapped[int] = mapped_column(Integer, default=0)
    # What the collections job last told of it (migration 0015): the next-action date
    # the collector was reminded of, the stretch without action the lead was told of.
    reminded_for: Mapped[dt.date | None]
    flagged_since: Mapped[dt.date | None]


class CheckMarkRow(Base):
    """One row, ``changes``, moved by triggers (migration 0013) whenever an ERP import
    commits, or an approved limit, an order creditbot checked or a collection assignment
    changes: the data version a remembered check is valid for (storage.check_reads)."""

    __tablename__ = "check_marks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    changes: Mapped[int] = mapped_column(BigInteger)


class CollectionActionRow(Base):
    """A call, email, visit or note about an account, and its outcome."""

    __tablename__ = "collection_actions"
    __table_args__ = (Index("ix_collection_actions_customer", "customer_id", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    customer_id: Mapped[str] = mapped_column(Id)
    kind: Mapped[str] = mapped_column(String(16))
    outcome: Mapped[str] = mapped_column(String(2000))
    next_action_on: Mapped[dt.date | None]
    by: Mapped[str] = mapped_column(String(32))
    at: Mapped[dt.datetime] = mapped_column(UtcDateTime)


class PromiseRow(Base):
    """A customer's promise to pay an amount by a day; kept or broken once checked."""

    __tablename__ = "collection_promises"
    __table_args__ = (
        Index("ix_collection_promises_customer", "customer_id", "made_at"),
        Index("ix_collection_promises_state_due", "state", "due_on"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    customer_id: Mapped[str] = mapped_column(Id)
    amount: Mapped[Decimal] = mapped_column(Amount)
    currency: Mapped[str] = mapped_column(Code)
    due_on: Mapped[dt.date]
    invoice_ids: Mapped[list[Any]] = mapped_column(JSON, default=list)
    state: Mapped[str] = mapped_column(String(16))
    made_by: Mapped[str] = mapped_column(String(32))
    made_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    checked_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    version: Mapped[int] = mapped_column(Integer, default=0)
    # Paid towards it already when it was made (NULL before migration 0021: nothing);
    # since migration 0037 the part in the promise's currency, the whole by currency
    # beside it (NULL before: ``paid_before`` is the whole, converted).
    paid_before: Mapped[Decimal | None] = mapped_column(Amount)
    paid_before_by_currency: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # What had come towards it when it was found kept or broken (NULL: not yet checked,
    # or checked before migration 0023).
    paid_when_checked: Mapped[Decimal | None] = mapped_column(Amount)


class DisputeRow(Base):
    """Invoices a customer disputes, who looks into it, and how it ended."""

    __tablename__ = "collection_disputes"
    __table_args__ = (
        Index("ix_collection_disputes_customer", "customer_id", "opened_at"),
        Index("ix_collection_disputes_resolved", "resolved_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    customer_id: Mapped[str] = mapped_column(Id)
    invoice_ids: Mapped[list[Any]] = mapped_column(JSON, default=list)
    reason: Mapped[str] = mapped_column(String(2000))
    department: Mapped[str | None] = mapped_column(String(60))
    owner: Mapped[str | None] = mapped_column(String(32))
    opened_by: Mapped[str] = mapped_column(String(32))
    opened_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    resolved_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    resolved_by: Mapped[str | None] = mapped_column(String(32))
    outcome: Mapped[str | None] = mapped_column(String(2000))
    version: Mapped[int] = mapped_column(Integer, default=0)


class LegalCaseRow(Base):
    """An account escalated to legal."""

    __tablename__ = "legal_cases"
    __table_args__ = (Index("ix_legal_cases_customer", "customer_id", "opened_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    customer_id: Mapped[str] = mapped_column(Id)
    opened_by: Mapped[str] = mapped_column(String(32))
    opened_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    note: Mapped[str] = mapped_column(String(2000))
    outcome: Mapped[str | None] = mapped_column(String(2000))
    closed_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    version: Mapped[int] = mapped_column(Integer, default=0)
    closed_by: Mapped[str | None] = mapped_column(String(32))


# APScheduler's SQLAlchemy job store (storage.jobs.job_store) creates this table itself
# when it is missing; declared here (and created by migration 0006) so that the schema
# check and `creditbot db revision` see it as creditbot's, not as a stray to drop.
APSCHEDULER_JOBS = Table(
    "apscheduler_jobs", Base.metadata,
    Column("id", Unicode(191), primary_key=True),
    Column("next_run_time", Float(25), index=True),
    Column("job_state", LargeBinary, nullable=False),
)


class SlackLocaleRow(Base):
    """The locale Slack last reported for a person (users.info), remembered so that a
    message queued by a job in another process reads in the person's language."""

    __tablename__ = "slack_locales"

    user_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    locale: Mapped[str] = mapped_column(String(35))
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)


class MeetingRow(Base):
    """One occurrence of a meeting (a recurring series is several rows sharing
    ``series_id``, the first occurrence's id)."""

    __tablename__ = "meetings"
    __table_args__ = (
        Index("ix_meetings_state_starts", "state", "starts_at"),
        Index("ix_meetings_series", "series_id", "starts_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(String(200))
    organiser: Mapped[str] = mapped_column(String(32))
    starts_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    ends_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    minutes: Mapped[int] = mapped_column(Integer)
    zone: Mapped[str] = mapped_column(String(64))
    departments: Mapped[list[Any]] = mapped_column(JSON, default=list)
    attendees: Mapped[list[Any]] = mapped_column(JSON, default=list)
    customers: Mapped[list[Any]] = mapped_column(JSON, default=list)
    recurrence: Mapped[str] = mapped_column(String(16))
    state: Mapped[str] = mapped_column(String(16))
    series_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    cancelled_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    cancelled_by: Mapped[str | None] = mapped_column(String(32))
    version: Mapped[int] = mapped_column(Integer, default=0)
    series_start: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    series_minutes: Mapped[int | None] = mapped_column(Integer)
    occurrence: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    rescheduled_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)


class MeetingResponseRow(Base):
    """A person's latest answer to a meeting's invitation."""

    __tablename__ = "meeting_responses"

    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id"), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    answer: Mapped[str] = mapped_column(String(16))
    at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    proposed_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    note: Mapped[str] = mapped_column(String(2000), default="")


class MeetingMinutesRow(Base):
    """What a meeting decided, as recorded after it."""

    __tablename__ = "meeting_minutes"
    __table_args__ = (Index("ix_meeting_minutes_meeting", "meeting_id", "recorded_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id"))
    decisions: Mapped[str] = mapped_column(String(8000))
    recorded_by: Mapped[str] = mapped_column(String(32))
    recorded_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)


class MeetingTaskRow(Base):
    """An action item, from a meeting's minutes or on its own."""

    __tablename__ = "meeting_tasks"
    __table_args__ = (
        Index("ix_meeting_tasks_open", "state", "owner", "due_on"),
        Index("ix_meeting_tasks_meeting", "meeting_id"),
        Index("ix_meeting_tasks_customer", "customer_id", "state"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    what: Mapped[str] = mapped_column(String(2000))
    owner: Mapped[str] = mapped_column(String(32))
    due_on: Mapped[dt.date]
    created_by: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meetings.id"))
    customer_id: Mapped[str | None] = mapped_column(Id)
    state: Mapped[str] = mapped_column(String(16))
    done_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    done_by: Mapped[str | None] = mapped_column(String(32))
    version: Mapped[int] = mapped_column(Integer, default=0)
