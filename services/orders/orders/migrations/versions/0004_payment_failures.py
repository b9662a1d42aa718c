"""Orders count failed payment attempts: the ``payment_attempts``-th cancels an order awaiting payment."""
import sqlalchemy as sa
from alembic import op


revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("orders") as batch:
        batch.add_column(sa.Column("payment_failures", sa.Integer(), nullable=False, server_default="0"))
        batch.create_check_constraint(op.f("ck_orders_payment_failures_not_negative"), "payment_failures >= 0")


def downgrade() -> None:
    with op.batch_alter_table("orders") as batch:
        batch.drop_constraint(op.f("ck_orders_payment_failures_not_negative"), type_="check")
        batch.drop_column("payment_failures")
