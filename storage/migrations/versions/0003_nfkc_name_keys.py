"""Customer name keys folded with NFKC, so full-width names and queries meet.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30
"""

import re
import unicodedata

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_customers = sa.table("customers", sa.column("customer_id", sa.String),
                      sa.column("name", sa.String), sa.column("name_key", sa.String))


_INVISIBLE = re.compile("[\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]")


def _key(name: str) -> str:
    # The rule of domain.lookup.normalize_name as of this revision, written out so that
    # a later change there cannot rewrite history here.
    folded = _INVISIBLE.sub("", unicodedata.normalize("NFKC", name)).casefold()
    return " ".join(re.sub(r"[^\w\s]", " ", folded).split())


def upgrade() -> None:
    bind = op.get_bind()
    rows = bind.execute(sa.select(_customers.c.customer_id, _customers.c.name,
                                  _customers.c.name_key)).all()
    changed = [{"id": cid, "key": _key(name)} for cid, name, key in rows if _key(name) != key]
    if changed:
        bind.execute(_customers.update().where(_customers.c.customer_id == sa.bindparam("id"))
                     .values(name_key=sa.bindparam("key")), changed)


def downgrade() -> None:
    # NFKC keys are a superset of what the old rule matched; nothing to undo.
    pass
