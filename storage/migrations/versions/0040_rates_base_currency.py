"""``exchange_rates.base_currency``: the base currency a rate was imported against (what
``rate_to_base`` is a price in). A rate imported against EUR read after app.yaml's base
became USD priced every converted figure wrongly, and nothing said so; rates against
another base are now not read.

The rates on record are labelled with the base of the app.yaml last put on the audit
record (``config.in_force``, written at each start of a server or scheduler): the
configuration they were imported under, as far as the database knows. Without one they
stay unlabelled, read against whichever base is configured until rates against another
are imported (storage.repositories.rates.against).

Revision ID: 0040
Revises: 0039
Create Date: 2026-12-06
"""

import re
from typing import Any

import sqlalchemy as sa
import yaml
from alembic import op

revision = "0040"
down_revision = "0039"
branch_labels = None
depends_on = None

_AUDIT = sa.table("audit_log", sa.column("id", sa.Integer), sa.column("action", sa.String),
                  sa.column("details", sa.JSON))
_RATES = sa.table("exchange_rates", sa.column("base_currency", sa.String))


def upgrade() -> None:
    op.add_column("exchange_rates", sa.Column("base_currency", sa.String(3), nullable=True))
    base = _base_in_force()
    if base is not None:
        op.execute(_RATES.update().where(_RATES.c.base_currency.is_(None))
                   .values(base_currency=base))


def _base_in_force() -> str | None:
    """``organisation.base_currency`` of the app.yaml recorded last, if it says one."""
    details = op.get_bind().execute(
        sa.select(_AUDIT.c.details).where(_AUDIT.c.action == "config.in_force")
        .order_by(_AUDIT.c.id.desc()).limit(1)).scalar_one_or_none()
    text = details.get("text") if isinstance(details, dict) else None
    try:
        config: Any = yaml.safe_load(text) if isinstance(text, str) else None
    except yaml.YAMLError:
        return None
    organisation = config.get("organisation") if isinstance(config, dict) else None
    base = organisation.get("base_currency") if isinstance(organisation, dict) else None
    return base if isinstance(base, str) and re.fullmatch(r"[A-Z]{3}", base) else None


def downgrade() -> None:
    with op.batch_alter_table("exchange_rates") as table:
        table.drop_column("base_currency")
