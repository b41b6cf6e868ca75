"""Alert states and digests; APScheduler's job table under migrations.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

from storage.types import UtcDateTime

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "alert_states",
        sa.Column("condition", sa.String(length=240), primary_key=True),
        sa.Column("type", sa.String(length=32), nullable=False),
        sa.Column("customer_id", sa.String(length=64), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("severity", sa.Integer(), nullable=False),
        sa.Column("announced_level", sa.Integer(), nullable=False),
        sa.Column("first_seen", UtcDateTime(), nullable=False),
        sa.Column("last_announced_at", UtcDateTime(), nullable=True),
        sa.Column("resolved_at", UtcDateTime(), nullable=True),
        sa.Column("acknowledged_by", sa.String(length=32), nullable=True),
        sa.Column("acknowledged_at", UtcDateTime(), nullable=True),
        sa.Column("snoozed_until", UtcDateTime(), nullable=True),
        sa.Column("snoozed_by", sa.String(length=32), nullable=True),
        sa.Column("last", sa.JSON(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
    )
    op.create_index("ix_alert_states_open", "alert_states", ["resolved_at"])
    op.create_index("ix_alert_states_customer_id", "alert_states", ["customer_id"])
    op.create_table(
        "alert_digests",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("run_at", UtcDateTime(), nullable=False),
        sa.Column("destination", sa.String(length=32), nullable=False),
        sa.Column("lines", sa.JSON(), nullable=False),
        sa.Column("pages", sa.JSON(), nullable=False),
    )
    op.create_index("ix_alert_digests_run_at", "alert_digests", ["run_at"])
    # A scheduler that ran before this revision created the table itself.
    if "apscheduler_jobs" not in sa.inspect(op.get_bind()).get_table_names():
        op.create_table(
            "apscheduler_jobs",
            sa.Column("id", sa.Unicode(length=191), primary_key=True),
            sa.Column("next_run_time", sa.Float(precision=25), nullable=True),
            sa.Column("job_state", sa.LargeBinary(), nullable=False),
        )
        op.create_index("ix_apscheduler_jobs_next_run_time", "apscheduler_jobs",
                        ["next_run_time"])


def downgrade() -> None:
    op.drop_table("alert_digests")
    op.drop_table("alert_states")
    # apscheduler_jobs stays: APScheduler would create it again anyway.
