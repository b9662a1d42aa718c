"""Refund requests may be goodwill refunds a person issued (cause ``goodwill``).

The cause CHECK list is written out, not imported from ``orders.domain`` (see 0002). Going back, a
goodwill request becomes a ``payments`` one: the older code knows no goodwill, and like a refund
payments started itself it belongs to no return or cancellation while still counting against what
is refundable.
"""
from alembic import op


revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

CAUSE_KNOWN = "ck_refund_requests_cause_known"


def upgrade() -> None:
    _allow_causes("'return', 'cancellation', 'payments', 'goodwill'")


def downgrade() -> None:
    op.execute("UPDATE refund_requests SET cause = 'payments' WHERE cause = 'goodwill'")
    _allow_causes("'return', 'cancellation', 'payments'")


def _allow_causes(listed: str) -> None:
    with op.batch_alter_table("refund_requests") as batch:
        batch.drop_constraint(op.f(CAUSE_KNOWN), type_="check")
        batch.create_check_constraint(op.f(CAUSE_KNOWN), f"cause IN ({listed})")
