"""Customer name keys with Traditional Chinese characters as Simplified: 華夏物流 typed in
Taipei finds 华夏物流有限公司, and a name the ERP holds in Traditional is found as typed in
Simplified (domain.lookup.normalize_name). Both keys of every customer are worked out
again.

Revision ID: 0038
Revises: 0037
Create Date: 2026-12-06
"""

import re
import unicodedata
from collections.abc import Callable

import sqlalchemy as sa
from alembic import op

# The table only ever grows (its module says so): a later entry would need a migration
# of its own, as this one is for the whole table.
from domain.chinese_variants import SIMPLIFIED, TRADITIONAL

revision = "0038"
down_revision = "0037"
branch_labels = None
depends_on = None

_customers = sa.table("customers", sa.column("customer_id", sa.String),
                      sa.column("name", sa.String), sa.column("name_key", sa.String),
                      sa.column("name_local", sa.String),
                      sa.column("name_local_key", sa.String))

# The rule of domain.lookup.normalize_name as of revision 0030, written out so that a
# later change there cannot rewrite history here.
_INVISIBLE = re.compile(
    "[\u00ad\u034f\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u180e"
    "\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb"
    "\U000110bd\U000110cd\U00013430-\U0001343f\U0001bca0-\U0001bca3"
    "\U0001d173-\U0001d17a\U000e0001\U000e0020-\U000e007f]")
_ACCENTS = re.compile("[\u0300-\u036f]")
_STROKES = str.maketrans({"đ": "d", "ð": "d", "ø": "o", "ł": "l", "ı": "i", "ħ": "h",
                          "ŧ": "t", "æ": "ae", "œ": "oe"})
_SIMPLIFIED = str.maketrans(TRADITIONAL, SIMPLIFIED)


def _accentless(name: str) -> str:
    folded = _INVISIBLE.sub("", unicodedata.normalize("NFKC", name)).casefold()
    return unicodedata.normalize("NFC", _ACCENTS.sub("", unicodedata.normalize(
        "NFD", folded))).translate(_STROKES)


def _words(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s]", " ", text).split())


def _key(name: str) -> str:
    return _words(_accentless(name).translate(_SIMPLIFIED))


def _key_before(name: str) -> str:
    # The rule before this revision (0030's): Traditional characters kept.
    return _words(_accentless(name))


def _rekey(key: Callable[[str], str]) -> None:
    bind = op.get_bind()
    rows = bind.execute(sa.select(
        _customers.c.customer_id, _customers.c.name, _customers.c.name_key,
        _customers.c.name_local, _customers.c.name_local_key)).all()
    changed = [{"id": cid, "key": key(name),
                "local_key": key(local) if local is not None else None}
               for cid, name, name_key, local, local_key in rows
               if (key(name), key(local) if local is not None else None)
               != (name_key, local_key)]
    if changed:
        bind.execute(_customers.update().where(_customers.c.customer_id == sa.bindparam("id"))
                     .values(name_key=sa.bindparam("key"),
                             name_local_key=sa.bindparam("local_key")), changed)


def upgrade() -> None:
    _rekey(_key)


def downgrade() -> None:
    _rekey(_key_before)
