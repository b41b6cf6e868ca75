"""An index on the audit log's ``config.in_force`` entries only: each start of `creditbot
serve` or `creditbot scheduler` looks for the app.yaml last recorded, and the log holds
millions of other entries.

Revision ID: 0032
Revises: 0031
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

revision = "0032"
down_revision = "0031"
branch_labels = None
depends_on = None

# Written out, not imported: a migration stays what it was when the code moves on.
WHERE = sa.text("action = 'config.in_force'")


def upgrade() -> None:
    op.create_index("ix_audit_log_config", "audit_log", ["id"], sqlite_where=WHERE,
                    postgresql_where=WHERE)


def downgrade() -> None:
    op.drop_index("ix_audit_log_config", table_name="audit_log")
