"""Refund requests: each refund.requested orders emits, and payments' answer (refunded or failed).

Status and cause CHECK lists are written out, not imported from ``orders.domain`` (see 0002).
"""
import sqlalchemy as sa
from alembic import op


revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('refund_requests',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('order_id', sa.String(length=36), nullable=False),
    sa.Column('vendor_order_id', sa.String(length=36), nullable=False),
    sa.Column('return_id', sa.String(length=36), nullable=True),
    sa.Column('cause', sa.String(length=32), nullable=False),
    sa.Column('amount_minor', sa.BigInteger(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=32), nullable=False),
    sa.Column('refunded_minor', sa.BigInteger(), nullable=True),
    sa.Column('failure_reason', sa.String(length=64), nullable=True),
    sa.Column('payment_refund_id', sa.String(length=64), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status IN ('requested', 'refunded', 'failed')", name=op.f('ck_refund_requests_status_known')),
    sa.CheckConstraint("cause IN ('return', 'cancellation', 'payments')", name=op.f('ck_refund_requests_cause_known')),
    sa.CheckConstraint('amount_minor > 0', name=op.f('ck_refund_requests_amount_minor_positive')),
    sa.CheckConstraint('refunded_minor IS NULL OR refunded_minor >= 0', name=op.f('ck_refund_requests_refunded_minor_not_negative')),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_refund_requests_order_id_orders')),
    sa.ForeignKeyConstraint(['vendor_order_id'], ['vendor_orders.id'], name=op.f('fk_refund_requests_vendor_order_id_vendor_orders')),
    sa.ForeignKeyConstraint(['return_id'], ['returns.id'], name=op.f('fk_refund_requests_return_id_returns')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_refund_requests')),
    sa.UniqueConstraint('payment_refund_id', name=op.f('uq_refund_requests_payment_refund_id'))
    )
    op.create_index(op.f('ix_refund_requests_order_id'), 'refund_requests', ['order_id'], unique=False)
    op.create_index(op.f('ix_refund_requests_vendor_order_id'), 'refund_requests', ['vendor_order_id'], unique=False)
    op.create_index('ix_refund_requests_status_created', 'refund_requests', ['status', 'created_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_refund_requests_status_created', table_name='refund_requests')
    op.drop_index(op.f('ix_refund_requests_vendor_order_id'), table_name='refund_requests')
    op.drop_index(op.f('ix_refund_requests_order_id'), table_name='refund_requests')
    op.drop_table('refund_requests')
