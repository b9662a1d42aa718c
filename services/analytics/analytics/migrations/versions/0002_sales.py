"""Sales facts (orders, vendor orders, lines, money movements, outcomes) and their hourly and daily rollups
(generated on PostgreSQL, then reviewed).

Kind, grain and scope CHECK lists are written out here, not imported from ``analytics.domain``: a revision
stays what it was when it ran; a new kind comes with its own revision.
"""
from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('sales_lines',
    sa.Column('vendor_order_id', sa.String(length=64), nullable=False),
    sa.Column('line_id', sa.String(length=64), nullable=False),
    sa.Column('order_id', sa.String(length=64), nullable=False),
    sa.Column('vendor_id', sa.String(length=64), nullable=False),
    sa.Column('product_id', sa.String(length=64), nullable=False),
    sa.Column('category_id', sa.String(length=64), nullable=False),
    sa.Column('customer_id', sa.String(length=64), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('unit_price_minor', sa.BigInteger(), nullable=False),
    sa.Column('amount_minor', sa.BigInteger(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('placed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('hour', sa.DateTime(timezone=True), nullable=False),
    sa.Column('day', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('amount_minor >= 0', name=op.f('ck_sales_lines_amount_minor_not_negative')),
    sa.CheckConstraint('quantity >= 0', name=op.f('ck_sales_lines_quantity_not_negative')),
    sa.CheckConstraint('unit_price_minor >= 0', name=op.f('ck_sales_lines_unit_price_minor_not_negative')),
    sa.PrimaryKeyConstraint('vendor_order_id', 'line_id', name=op.f('pk_sales_lines'))
    )
    op.create_table('sales_movements',
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('reference', sa.String(length=64), nullable=False),
    sa.Column('order_id', sa.String(length=64), nullable=False),
    sa.Column('vendor_order_id', sa.String(length=64), nullable=False),
    sa.Column('vendor_id', sa.String(length=64), nullable=False),
    sa.Column('amount_minor', sa.BigInteger(), nullable=False),
    sa.Column('commission_minor', sa.BigInteger(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('occurred_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('hour', sa.DateTime(timezone=True), nullable=False),
    sa.Column('day', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind IN ('capture', 'refund')", name=op.f('ck_sales_movements_kind_known')),
    sa.CheckConstraint('amount_minor >= 0', name=op.f('ck_sales_movements_amount_minor_not_negative')),
    sa.CheckConstraint('commission_minor >= 0', name=op.f('ck_sales_movements_commission_minor_not_negative')),
    sa.PrimaryKeyConstraint('kind', 'reference', name=op.f('pk_sales_movements'))
    )
    op.create_index('ix_sales_movements_order', 'sales_movements', ['order_id', 'kind'], unique=False)
    op.create_index('ix_sales_movements_vendor_order', 'sales_movements', ['vendor_order_id', 'kind'], unique=False)
    op.create_table('sales_orders',
    sa.Column('order_id', sa.String(length=64), nullable=False),
    sa.Column('customer_id', sa.String(length=64), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('placed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('hour', sa.DateTime(timezone=True), nullable=False),
    sa.Column('day', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('order_id', name=op.f('pk_sales_orders'))
    )
    op.create_index('ix_sales_orders_customer', 'sales_orders', ['customer_id', 'placed_at', 'order_id'], unique=False)
    op.create_table('sales_outcomes',
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('reference', sa.String(length=64), nullable=False),
    sa.Column('vendor_id', sa.String(length=64), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('occurred_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('hour', sa.DateTime(timezone=True), nullable=False),
    sa.Column('day', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind IN ('vendor_order_refused', 'vendor_order_cancelled', 'order_cancelled', 'return_requested', 'return_received')", name=op.f('ck_sales_outcomes_kind_known')),
    sa.PrimaryKeyConstraint('kind', 'reference', name=op.f('pk_sales_outcomes'))
    )
    op.create_table('sales_rollups',
    sa.Column('grain', sa.String(length=4), nullable=False),
    sa.Column('scope', sa.String(length=20), nullable=False),
    sa.Column('vendor_id', sa.String(length=64), nullable=False),
    sa.Column('bucket', sa.DateTime(timezone=True), nullable=False),
    sa.Column('product_id', sa.String(length=64), nullable=False),
    sa.Column('category_id', sa.String(length=64), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('orders', sa.BigInteger(), nullable=False),
    sa.Column('captured_orders', sa.BigInteger(), nullable=False),
    sa.Column('units', sa.BigInteger(), nullable=False),
    sa.Column('gmv_minor', sa.BigInteger(), nullable=False),
    sa.Column('refunds_minor', sa.BigInteger(), nullable=False),
    sa.Column('commission_minor', sa.BigInteger(), nullable=False),
    sa.Column('commission_reversed_minor', sa.BigInteger(), nullable=False),
    sa.Column('cancelled_orders', sa.BigInteger(), nullable=False),
    sa.Column('cancellations', sa.BigInteger(), nullable=False),
    sa.Column('refusals', sa.BigInteger(), nullable=False),
    sa.Column('new_customers', sa.BigInteger(), nullable=False),
    sa.Column('returning_customers', sa.BigInteger(), nullable=False),
    sa.Column('returns_requested', sa.BigInteger(), nullable=False),
    sa.Column('returns_received', sa.BigInteger(), nullable=False),
    sa.CheckConstraint("grain IN ('hour', 'day')", name=op.f('ck_sales_rollups_grain_known')),
    sa.CheckConstraint("scope IN ('marketplace', 'vendor', 'product', 'category', 'vendor_category')", name=op.f('ck_sales_rollups_scope_known')),
    sa.PrimaryKeyConstraint('grain', 'scope', 'vendor_id', 'bucket', 'product_id', 'category_id', 'currency', name=op.f('pk_sales_rollups'))
    )
    op.create_index('ix_sales_rollups_scope_bucket', 'sales_rollups', ['grain', 'scope', 'bucket'], unique=False)
    op.create_table('sales_vendor_orders',
    sa.Column('vendor_order_id', sa.String(length=64), nullable=False),
    sa.Column('order_id', sa.String(length=64), nullable=False),
    sa.Column('vendor_id', sa.String(length=64), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('shipping_minor', sa.BigInteger(), nullable=False),
    sa.Column('total_minor', sa.BigInteger(), nullable=False),
    sa.Column('placed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('hour', sa.DateTime(timezone=True), nullable=False),
    sa.Column('day', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('shipping_minor >= 0', name=op.f('ck_sales_vendor_orders_shipping_minor_not_negative')),
    sa.CheckConstraint('total_minor >= 0', name=op.f('ck_sales_vendor_orders_total_minor_not_negative')),
    sa.PrimaryKeyConstraint('vendor_order_id', name=op.f('pk_sales_vendor_orders'))
    )
    op.create_index(op.f('ix_sales_vendor_orders_order_id'), 'sales_vendor_orders', ['order_id'], unique=False)

def downgrade() -> None:
    op.drop_index(op.f('ix_sales_vendor_orders_order_id'), table_name='sales_vendor_orders')
    op.drop_table('sales_vendor_orders')
    op.drop_index('ix_sales_rollups_scope_bucket', table_name='sales_rollups')
    op.drop_table('sales_rollups')
    op.drop_table('sales_outcomes')
    op.drop_index('ix_sales_orders_customer', table_name='sales_orders')
    op.drop_table('sales_orders')
    op.drop_index('ix_sales_movements_vendor_order', table_name='sales_movements')
    op.drop_index('ix_sales_movements_order', table_name='sales_movements')
    op.drop_table('sales_movements')
    op.drop_table('sales_lines')
