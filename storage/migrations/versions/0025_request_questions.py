"""The questions deciders ask a requester (Ask for info) get their own table, so that
``/credit history`` shows them beside the decisions. The questions asked before were
kept only in the audit log; they are copied from it.

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

from storage.types import UtcDateTime

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None

_audit = sa.table("audit_log", sa.column("id", sa.Integer), sa.column("at", UtcDateTime),
                  sa.column("actor", sa.String), sa.column("action", sa.String),
                  sa.column("details", sa.JSON))
_requests = sa.table("credit_requests", sa.column("id", sa.Integer))


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
    )
    op.create_index("ix_request_questions_request_id", "request_questions", ["request_id"])
    bind = op.get_bind()
    known = set(bind.execute(sa.select(_requests.c.id)).scalars())
    rows = []
    for at, actor, details in bind.execute(
            sa.select(_audit.c.at, _audit.c.actor, _audit.c.details)
            .where(_audit.c.action == "requests.info_asked").order_by(_audit.c.id)):
        details = details or {}
        request, level, text = details.get("request"), details.get("level"), details.get(
            "question")
        # An entry this revision cannot read is left in the audit log, where it stays.
        if request in known and isinstance(level, int) and isinstance(text, str) and text:
            rows.append({"request_id": request, "level": level, "asked_by": actor[:32],
                         "asked_at": at, "question": text[:2000]})
    if rows:
        bind.execute(sa.insert(questions), rows)


def downgrade() -> None:
    op.drop_index("ix_request_questions_request_id", table_name="request_questions")
    op.drop_table("request_questions")
