"""Meetings: the meetings (one row per occurrence), each invitee's answer, the minutes
recorded after a meeting and the tasks that come out of it.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

from storage.types import UtcDateTime

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "meetings",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("organiser", sa.String(length=32), nullable=False),
        sa.Column("starts_at", UtcDateTime(), nullable=False),
        # Kept beside the duration so that "overlaps [start, end)" is one indexed range.
        sa.Column("ends_at", UtcDateTime(), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.Column("zone", sa.String(length=64), nullable=False),
        sa.Column("departments", sa.JSON(), nullable=False),
        sa.Column("attendees", sa.JSON(), nullable=False),
        sa.Column("customers", sa.JSON(), nullable=False),
        sa.Column("recurrence", sa.String(length=16), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("series_id", sa.Integer(), nullable=True),
        sa.Column("created_at", UtcDateTime(), nullable=True),
        sa.Column("cancelled_at", UtcDateTime(), nullable=True),
        sa.Column("cancelled_by", sa.String(length=32), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("series_start", UtcDateTime(), nullable=True),
        sa.Column("series_minutes", sa.Integer(), nullable=True),
        sa.Column("occurrence", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("rescheduled_at", UtcDateTime(), nullable=True),
    )
    op.create_index("ix_meetings_state_starts", "meetings", ["state", "starts_at"])
    op.create_index("ix_meetings_series", "meetings", ["series_id", "starts_at"])
    op.create_table(
        "meeting_responses",
        sa.Column("meeting_id", sa.Integer(), sa.ForeignKey("meetings.id"),
                  primary_key=True),
        sa.Column("user_id", sa.String(length=32), primary_key=True),
        sa.Column("answer", sa.String(length=16), nullable=False),
        sa.Column("at", UtcDateTime(), nullable=False),
        sa.Column("proposed_at", UtcDateTime(), nullable=True),
        sa.Column("note", sa.String(length=2000), nullable=False),
    )
    op.create_table(
        "meeting_minutes",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("meeting_id", sa.Integer(), sa.ForeignKey("meetings.id"), nullable=False),
        sa.Column("decisions", sa.String(length=8000), nullable=False),
        sa.Column("recorded_by", sa.String(length=32), nullable=False),
        sa.Column("recorded_at", UtcDateTime(), nullable=False),
    )
    op.create_index("ix_meeting_minutes_meeting", "meeting_minutes",
                    ["meeting_id", "recorded_at"])
    op.create_table(
        "meeting_tasks",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("what", sa.String(length=2000), nullable=False),
        sa.Column("owner", sa.String(length=32), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("created_by", sa.String(length=32), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), sa.ForeignKey("meetings.id"), nullable=True),
        sa.Column("customer_id", sa.String(length=64), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("done_at", UtcDateTime(), nullable=True),
        sa.Column("done_by", sa.String(length=32), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
    )
    op.create_index("ix_meeting_tasks_open", "meeting_tasks", ["state", "owner", "due_on"])
    op.create_index("ix_meeting_tasks_meeting", "meeting_tasks", ["meeting_id"])
    op.create_index("ix_meeting_tasks_customer", "meeting_tasks", ["customer_id", "state"])


def downgrade() -> None:
    op.drop_table("meeting_tasks")
    op.drop_table("meeting_minutes")
    op.drop_table("meeting_responses")
    op.drop_table("meetings")
