"""Orders, vendor orders, lines, timeline, shipments and returns (generated on PostgreSQL, then reviewed).

Status CHECK lists are written out here, not imported from ``orders.domain``: a revision stays
what it was when it ran; a new state comes with its own revision.
"""
import sqlalchemy as sa
from alembic import op


revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('orders',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('customer_id', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=32), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('items_total_minor', sa.BigInteger(), nullable=False),
    sa.Column('shipping_minor', sa.BigInteger(), nullable=False),
    sa.Column('total_minor', sa.BigInteger(), nullable=False),
    sa.Column('shipping_address', sa.JSON(), nullable=False),
    sa.Column('billing_address', sa.JSON(), nullable=True),
    sa.Column('status_reason', sa.Text(), nullable=True),
    sa.Column('payment_id', sa.String(length=64), nullable=True),
    sa.Column('payment_authorized_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status IN ('pending', 'awaiting_payment', 'processing', 'completed', 'rejected', 'cancelled')", name=op.f('ck_orders_status_known')),
    sa.CheckConstraint('items_total_minor >= 0', name=op.f('ck_orders_items_total_minor_not_negative')),
    sa.CheckConstraint('shipping_minor >= 0', name=op.f('ck_orders_shipping_minor_not_negative')),
    sa.CheckConstraint('total_minor = items_total_minor + shipping_minor', name=op.f('ck_orders_total_adds_up')),
    sa.CheckConstraint('total_minor >= 0', name=op.f('ck_orders_total_minor_not_negative')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_orders'))
    )
    op.create_index('ix_orders_customer_created', 'orders', ['customer_id', 'created_at'], unique=False)
    op.create_index('ix_orders_status_created', 'orders', ['status', 'created_at'], unique=False)
    op.create_table('vendor_orders',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('order_id', sa.String(length=36), nullable=False),
    sa.Column('vendor_id', sa.String(length=36), nullable=False),
    sa.Column('customer_id', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=32), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('items_total_minor', sa.BigInteger(), nullable=False),
    sa.Column('shipping_minor', sa.BigInteger(), nullable=False),
    sa.Column('total_minor', sa.BigInteger(), nullable=False),
    sa.Column('refunded_minor', sa.BigInteger(), nullable=False),
    sa.Column('status_reason', sa.Text(), nullable=True),
    sa.Column('status_changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('captured_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('delivered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status IN ('pending', 'awaiting_acceptance', 'accepted', 'refused', 'partially_shipped', 'shipped', 'delivered', 'completed', 'cancelled')", name=op.f('ck_vendor_orders_status_known')),
    sa.CheckConstraint('items_total_minor >= 0', name=op.f('ck_vendor_orders_items_total_minor_not_negative')),
    sa.CheckConstraint('refunded_minor <= total_minor', name=op.f('ck_vendor_orders_refund_within_total')),
    sa.CheckConstraint('refunded_minor >= 0', name=op.f('ck_vendor_orders_refunded_minor_not_negative')),
    sa.CheckConstraint('shipping_minor >= 0', name=op.f('ck_vendor_orders_shipping_minor_not_negative')),
    sa.CheckConstraint('total_minor = items_total_minor + shipping_minor', name=op.f('ck_vendor_orders_total_adds_up')),
    sa.CheckConstraint('total_minor >= 0', name=op.f('ck_vendor_orders_total_minor_not_negative')),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_vendor_orders_order_id_orders')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_vendor_orders')),
    sa.UniqueConstraint('order_id', 'vendor_id', name=op.f('uq_vendor_orders_order_id'))
    )
    op.create_index('ix_vendor_orders_status_changed', 'vendor_orders', ['status', 'status_changed_at'], unique=False)
    op.create_index('ix_vendor_orders_vendor_created', 'vendor_orders', ['vendor_id', 'created_at'], unique=False)
    op.create_index('ix_vendor_orders_vendor_status_created', 'vendor_orders', ['vendor_id', 'status', 'created_at'], unique=False)
    op.create_table('order_lines',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('order_id', sa.String(length=36), nullable=False),
    sa.Column('vendor_order_id', sa.String(length=36), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('offer_id', sa.String(length=36), nullable=False),
    sa.Column('product_id', sa.String(length=36), nullable=False),
    sa.Column('category_id', sa.String(length=36), nullable=True),
    sa.Column('vendor_id', sa.String(length=36), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('unit_price_minor', sa.BigInteger(), nullable=False),
    sa.Column('shipping_minor', sa.BigInteger(), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('shipped_quantity', sa.Integer(), nullable=False),
    sa.Column('returned_quantity', sa.Integer(), nullable=False),
    sa.CheckConstraint('quantity >= 1 AND quantity <= 99', name=op.f('ck_order_lines_quantity_in_range')),
    sa.CheckConstraint('returned_quantity >= 0 AND returned_quantity <= shipped_quantity', name=op.f('ck_order_lines_returned_within_shipped')),
    sa.CheckConstraint('shipped_quantity >= 0 AND shipped_quantity <= quantity', name=op.f('ck_order_lines_shipped_within_quantity')),
    sa.CheckConstraint('shipping_minor >= 0', name=op.f('ck_order_lines_shipping_minor_not_negative')),
    sa.CheckConstraint('unit_price_minor >= 0', name=op.f('ck_order_lines_unit_price_minor_not_negative')),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_order_lines_order_id_orders')),
    sa.ForeignKeyConstraint(['vendor_order_id'], ['vendor_orders.id'], name=op.f('fk_order_lines_vendor_order_id_vendor_orders')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_order_lines')),
    sa.UniqueConstraint('vendor_order_id', 'offer_id', name=op.f('uq_order_lines_vendor_order_id'))
    )
    op.create_index(op.f('ix_order_lines_order_id'), 'order_lines', ['order_id'], unique=False)
    op.create_index(op.f('ix_order_lines_vendor_order_id'), 'order_lines', ['vendor_order_id'], unique=False)
    op.create_table('order_timeline',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('order_id', sa.String(length=36), nullable=False),
    sa.Column('vendor_order_id', sa.String(length=36), nullable=True),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor', sa.JSON(), nullable=False),
    sa.Column('from_status', sa.String(length=32), nullable=True),
    sa.Column('to_status', sa.String(length=32), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_order_timeline_order_id_orders')),
    sa.ForeignKeyConstraint(['vendor_order_id'], ['vendor_orders.id'], name=op.f('fk_order_timeline_vendor_order_id_vendor_orders')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_order_timeline'))
    )
    op.create_index('ix_order_timeline_order_at', 'order_timeline', ['order_id', 'at'], unique=False)
    op.create_index(op.f('ix_order_timeline_vendor_order_id'), 'order_timeline', ['vendor_order_id'], unique=False)
    op.create_table('returns',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('order_id', sa.String(length=36), nullable=False),
    sa.Column('vendor_order_id', sa.String(length=36), nullable=False),
    sa.Column('vendor_id', sa.String(length=36), nullable=False),
    sa.Column('customer_id', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=32), nullable=False),
    sa.Column('reason_code', sa.String(length=32), nullable=False),
    sa.Column('comment', sa.Text(), nullable=True),
    sa.Column('rma_number', sa.String(length=64), nullable=True),
    sa.Column('return_address', sa.JSON(), nullable=True),
    sa.Column('refusal_reason', sa.Text(), nullable=True),
    sa.Column('carrier', sa.String(length=100), nullable=True),
    sa.Column('tracking_number', sa.String(length=100), nullable=True),
    sa.Column('tracking_url', sa.String(length=2000), nullable=True),
    sa.Column('refund_minor', sa.BigInteger(), nullable=True),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status IN ('requested', 'approved', 'refused', 'shipped_back', 'received')", name=op.f('ck_returns_status_known')),
    sa.CheckConstraint('refund_minor >= 0', name=op.f('ck_returns_refund_minor_not_negative')),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_returns_order_id_orders')),
    sa.ForeignKeyConstraint(['vendor_order_id'], ['vendor_orders.id'], name=op.f('fk_returns_vendor_order_id_vendor_orders')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_returns'))
    )
    op.create_index('ix_returns_customer_created', 'returns', ['customer_id', 'created_at'], unique=False)
    op.create_index('ix_returns_status_created', 'returns', ['status', 'created_at'], unique=False)
    op.create_index(op.f('ix_returns_vendor_order_id'), 'returns', ['vendor_order_id'], unique=False)
    op.create_index('ix_returns_vendor_status_created', 'returns', ['vendor_id', 'status', 'created_at'], unique=False)
    op.create_table('shipments',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('order_id', sa.String(length=36), nullable=False),
    sa.Column('vendor_order_id', sa.String(length=36), nullable=False),
    sa.Column('vendor_id', sa.String(length=36), nullable=False),
    sa.Column('carrier', sa.String(length=100), nullable=False),
    sa.Column('tracking_number', sa.String(length=100), nullable=False),
    sa.Column('tracking_url', sa.String(length=2000), nullable=True),
    sa.Column('actor', sa.JSON(), nullable=False),
    sa.Column('shipped_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_shipments_order_id_orders')),
    sa.ForeignKeyConstraint(['vendor_order_id'], ['vendor_orders.id'], name=op.f('fk_shipments_vendor_order_id_vendor_orders')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_shipments'))
    )
    op.create_index(op.f('ix_shipments_vendor_order_id'), 'shipments', ['vendor_order_id'], unique=False)
    op.create_table('return_lines',
    sa.Column('return_id', sa.String(length=36), nullable=False),
    sa.Column('order_line_id', sa.String(length=36), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('restock', sa.Boolean(), nullable=True),
    sa.CheckConstraint('quantity > 0', name=op.f('ck_return_lines_quantity_positive')),
    sa.ForeignKeyConstraint(['order_line_id'], ['order_lines.id'], name=op.f('fk_return_lines_order_line_id_order_lines')),
    sa.ForeignKeyConstraint(['return_id'], ['returns.id'], name=op.f('fk_return_lines_return_id_returns'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('return_id', 'order_line_id', name=op.f('pk_return_lines'))
    )
    op.create_table('shipment_lines',
    sa.Column('shipment_id', sa.String(length=36), nullable=False),
    sa.Column('order_line_id', sa.String(length=36), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.CheckConstraint('quantity > 0', name=op.f('ck_shipment_lines_quantity_positive')),
    sa.ForeignKeyConstraint(['order_line_id'], ['order_lines.id'], name=op.f('fk_shipment_lines_order_line_id_order_lines')),
    sa.ForeignKeyConstraint(['shipment_id'], ['shipments.id'], name=op.f('fk_shipment_lines_shipment_id_shipments'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('shipment_id', 'order_line_id', name=op.f('pk_shipment_lines'))
    )


def downgrade() -> None:
    op.drop_table('shipment_lines')
    op.drop_table('return_lines')
    op.drop_index(op.f('ix_shipments_vendor_order_id'), table_name='shipments')
    op.drop_table('shipments')
    op.drop_index('ix_returns_vendor_status_created', table_name='returns')
    op.drop_index(op.f('ix_returns_vendor_order_id'), table_name='returns')
    op.drop_index('ix_returns_status_created', table_name='returns')
    op.drop_index('ix_returns_customer_created', table_name='returns')
    op.drop_table('returns')
    op.drop_index(op.f('ix_order_timeline_vendor_order_id'), table_name='order_timeline')
    op.drop_index('ix_order_timeline_order_at', table_name='order_timeline')
    op.drop_table('order_timeline')
    op.drop_index(op.f('ix_order_lines_vendor_order_id'), table_name='order_lines')
    op.drop_index(op.f('ix_order_lines_order_id'), table_name='order_lines')
    op.drop_table('order_lines')
    op.drop_index('ix_vendor_orders_vendor_status_created', table_name='vendor_orders')
    op.drop_index('ix_vendor_orders_vendor_created', table_name='vendor_orders')
    op.drop_index('ix_vendor_orders_status_changed', table_name='vendor_orders')
    op.drop_table('vendor_orders')
    op.drop_index('ix_orders_status_created', table_name='orders')
    op.drop_index('ix_orders_customer_created', table_name='orders')
    op.drop_table('orders')
