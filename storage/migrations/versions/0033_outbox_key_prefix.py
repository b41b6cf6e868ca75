"""An index for looking up the outbox by the start of a dedup key on PostgreSQL (a level's
approval cards wherever they went: ``approvals.card:<request>:<level>:``): the unique
index on the key serves ``LIKE 'prefix%'`` only in the C collation, and a database is
usually created in another. SQLite's look-up is a range of the unique index.

Revision ID: 0033
Revises: 0032
Create Date: 2026-12-05
"""

from alembic import op

revision = "0033"
down_revision = "0032"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.create_index("ix_outbox_dedup_key_prefix", "outbox", ["dedup_key"],
                        postgresql_ops={"dedup_key": "varchar_pattern_ops"})


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index("ix_outbox_dedup_key_prefix", table_name="outbox")
