"""``credit_requests.open_key`` with the customer id's length first
(``domain.approvals.model.CreditRequest.open_key``): ERP ids may hold ":", and a
customer's limit key could be another customer's order-release key.

Revision ID: 0036
Revises: 0035
Create Date: 2026-12-05
"""

from alembic import op

revision = "0036"
down_revision = "0035"
branch_labels = None
depends_on = None

# Each open request's key began with its customer id (closed ones hold NULL): the
# length goes before it, so distinct keys stay distinct.
_LENGTH = "CAST(length(customer_id) AS VARCHAR(8))"


def upgrade() -> None:
    op.execute(f"UPDATE credit_requests SET open_key = {_LENGTH} || ':' || open_key "
               "WHERE open_key IS NOT NULL")


_OLD = f"substr(open_key, length({_LENGTH}) + 2)"


def downgrade() -> None:
    # Two open requests this version tells apart may share the old key (customer
    # "C1:order:9"'s limit, C1's order "9:limit"): the later is left without one, as
    # the old version could not have filed it, rather than the downgrade failing.
    op.execute(f"UPDATE credit_requests SET open_key = NULL WHERE open_key IS NOT NULL "
               f"AND id NOT IN (SELECT min(id) FROM credit_requests WHERE open_key IS NOT "
               f"NULL GROUP BY {_OLD})")
    op.execute(f"UPDATE credit_requests SET open_key = {_OLD} WHERE open_key IS NOT NULL")
