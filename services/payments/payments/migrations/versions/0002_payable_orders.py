"""Payable orders: what payments learned of each order from events."""
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "payable_orders",
        sa.Column("order_id", sa.String(64), primary_key=True),
        sa.Column("customer_id", sa.String(64), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("total_minor", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(30), nullable=False),
        sa.Column("placed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("order_id", name=op.f("pk_payable_orders")),
    )
    op.create_index(op.f("ix_payable_orders_customer_id"), "payable_orders", ["customer_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_payable_orders_customer_id"), table_name="payable_orders")
    op.drop_table("payable_orders")
