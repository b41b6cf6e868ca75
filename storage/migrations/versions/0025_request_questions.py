"""The questions deciders ask a requester (Ask for info) get their own table, so that
``/credit history`` shows them beside the decisions. The questions asked before were
kept only in the audit log; they are copied from it.

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-03
"""

import logging
from typing import Any, TypeGuard

import sqlalchemy as sa
from alembic import op

from storage.types import UtcDateTime

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None

log = logging.getLogger("alembic.runtime.migration")

_audit = sa.table("audit_log", sa.column("id", sa.Integer), sa.column("at", UtcDateTime),
                  sa.column("actor", sa.String), sa.column("action", sa.String),
                  sa.column("details", sa.JSON))
_requests = sa.table("credit_requests", sa.column("id", sa.Integer),
                     sa.column("route", sa.JSON))


def _whole(value: Any) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def _copied(at: Any, actor: str, details: Any, levels: dict[int, int]) -> dict[str, Any] | None:
    """The row for one audit entry, or None for one this revision cannot read (written by
    hand, or by a release that recorded something else): it stays in the audit log."""
    if not isinstance(details, dict):
        return None
    request, level, text = details.get("request"), details.get("level"), details.get(
        "question")
    if not (_whole(request) and request in levels and _whole(level)
            and 0 < level <= levels[request] and isinstance(text, str) and text.strip()):
        return None
    return {"request_id": request, "level": level, "asked_by": str(actor)[:32],
            "asked_at": at, "question": text.strip()[:2000]}


def upgrade() -> None:
    questions = op.create_table(
        "request_questions",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("request_id", sa.Integer(), sa.ForeignKey("credit_requests.id"),
                  nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("asked_by", sa.String(length=32), nullable=False),
        sa.Column("asked_at", UtcDateTime(), nullable=False),
        sa.Column("question", sa.String(length=2000), nullable=False),
        sa.Column("on_behalf_of", sa.String(length=32), nullable=True),
    )
    op.create_index("ix_request_questions_request_id", "request_questions", ["request_id"])
    bind = op.get_bind()
    # Each request's number of levels: a question's level is one of them.
    levels = {request: len(route) if isinstance(route, list) else 0
              for request, route in bind.execute(sa.select(_requests.c.id, _requests.c.route))}
    rows, skipped = [], 0
    for at, actor, details in bind.execute(
            sa.select(_audit.c.at, _audit.c.actor, _audit.c.details)
            .where(_audit.c.action == "requests.info_asked").order_by(_audit.c.id)):
        row = _copied(at, actor, details, levels)
        if row is None:
            skipped += 1
        else:
            rows.append(row)
    if rows:
        bind.execute(sa.insert(questions), rows)
    if skipped:
        log.warning("0025: %d requests.info_asked audit entries name no request, level or "
                    "question this revision can read; they stay in the audit log only",
                    skipped)


def downgrade() -> None:
    op.drop_index("ix_request_questions_request_id", table_name="request_questions")
    op.drop_table("request_questions")
