"""Monthly sales rollups in a table of their own, with a ranking index of a month's products by GMV, filled
from the daily rollups already there.

Counter and dimension names are written out here, not imported from ``analytics.domain``: a revision stays what
it was when it ran.
"""
from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

DIMENSIONS = ('scope', 'vendor_id', 'product_id', 'category_id', 'currency')
COUNTERS = ('orders', 'captured_orders', 'units', 'gmv_minor', 'refunds_minor', 'commission_minor',
            'commission_reversed_minor', 'cancelled_orders', 'cancellations', 'refusals', 'new_customers',
            'returning_customers', 'returns_requested', 'returns_received')
RANKINGS = {'gmv': 'gmv_minor'}
RANKED_PRODUCTS = "scope = 'product' AND currency <> '' AND product_id <> ''"


def upgrade() -> None:
    op.create_table('sales_month_rollups',
    sa.Column('grain', sa.String(length=5), nullable=False),
    sa.Column('scope', sa.String(length=20), nullable=False),
    sa.Column('vendor_id', sa.String(length=64), nullable=False),
    sa.Column('bucket', sa.DateTime(timezone=True), nullable=False),
    sa.Column('product_id', sa.String(length=64), nullable=False),
    sa.Column('category_id', sa.String(length=64), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    *[sa.Column(name, sa.BigInteger(), nullable=False) for name in COUNTERS],
    sa.CheckConstraint("grain IN ('month')", name=op.f('ck_sales_month_rollups_grain_known')),
    sa.CheckConstraint("scope IN ('marketplace', 'vendor', 'product', 'category', 'vendor_category')", name=op.f('ck_sales_month_rollups_scope_known')),
    sa.PrimaryKeyConstraint('grain', 'scope', 'vendor_id', 'bucket', 'product_id', 'category_id', 'currency', name=op.f('pk_sales_month_rollups'))
    )
    for metric, expression in RANKINGS.items():
        op.create_index(f'ix_sales_month_rollups_top_{metric}', 'sales_month_rollups',
                        ['bucket', sa.text(f'{expression} DESC'), 'product_id', 'vendor_id', 'currency'], unique=False,
                        postgresql_where=sa.text(RANKED_PRODUCTS), sqlite_where=sa.text(RANKED_PRODUCTS))
    month = ("date_trunc('month', bucket, 'UTC')" if op.get_bind().dialect.name == 'postgresql'
             else "strftime('%Y-%m-01 00:00:00.000000', bucket)")
    dimensions, sums = ', '.join(DIMENSIONS), ', '.join(f'SUM({name})' for name in COUNTERS)
    op.execute(f"INSERT INTO sales_month_rollups (grain, bucket, {dimensions}, {', '.join(COUNTERS)}) "
               f"SELECT 'month', {month}, {dimensions}, {sums} FROM sales_rollups WHERE grain = 'day' "
               f"GROUP BY {month}, {dimensions}")


def downgrade() -> None:
    for metric in reversed(RANKINGS):
        op.drop_index(f'ix_sales_month_rollups_top_{metric}', table_name='sales_month_rollups')
    op.drop_table('sales_month_rollups')
