"""Front-office traffic: tracked events, sessions (visits), visitor-days, daily traffic and product traffic
rollups, and which vendor sells which product (generated on PostgreSQL, then reviewed).

A branch beside the sales revision "0002": both follow "0001" and neither needs the other, so the sales
and traffic parts could be written side by side; ``db upgrade`` applies every head, and a merge revision
joins them later. The kind CHECK list is written out here, not imported from ``analytics.models``: a
revision stays what it was when it ran.
"""
from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('product_traffic_days',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('product_id', sa.String(length=64), nullable=False),
    sa.Column('views', sa.BigInteger(), nullable=False),
    sa.Column('adds_to_cart', sa.BigInteger(), nullable=False),
    sa.CheckConstraint('adds_to_cart >= 0', name=op.f('ck_product_traffic_days_adds_to_cart_not_negative')),
    sa.CheckConstraint('views >= 0', name=op.f('ck_product_traffic_days_views_not_negative')),
    sa.PrimaryKeyConstraint('day', 'product_id', name=op.f('pk_product_traffic_days'))
    )
    op.create_table('product_vendors',
    sa.Column('product_id', sa.String(length=64), nullable=False),
    sa.Column('vendor_id', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('product_id', 'vendor_id', name=op.f('pk_product_vendors'))
    )
    op.create_index('ix_product_vendors_vendor', 'product_vendors', ['vendor_id', 'product_id'], unique=False)
    op.create_table('tracked_events',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('fingerprint', sa.String(length=32), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('visitor_id', sa.String(length=64), nullable=False),
    sa.Column('session_id', sa.String(length=64), nullable=False),
    sa.Column('occurred_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('path', sa.String(length=512), nullable=True),
    sa.Column('product_id', sa.String(length=64), nullable=True),
    sa.CheckConstraint("kind IN ('page_view', 'product_view', 'add_to_cart', 'checkout_started')", name=op.f('ck_tracked_events_kind_known')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tracked_events')),
    sa.UniqueConstraint('fingerprint', name=op.f('uq_tracked_events_fingerprint'))
    )
    op.create_index('ix_tracked_events_occurred', 'tracked_events', ['occurred_at'], unique=False)
    op.create_table('traffic_days',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('visits', sa.BigInteger(), nullable=False),
    sa.Column('page_views', sa.BigInteger(), nullable=False),
    sa.Column('unique_visitors', sa.BigInteger(), nullable=False),
    sa.Column('product_views', sa.BigInteger(), nullable=False),
    sa.Column('adds_to_cart', sa.BigInteger(), nullable=False),
    sa.Column('checkouts_started', sa.BigInteger(), nullable=False),
    sa.Column('sessions_with_product_view', sa.BigInteger(), nullable=False),
    sa.Column('sessions_with_add_to_cart', sa.BigInteger(), nullable=False),
    sa.Column('sessions_with_checkout', sa.BigInteger(), nullable=False),
    sa.CheckConstraint('adds_to_cart >= 0', name=op.f('ck_traffic_days_adds_to_cart_not_negative')),
    sa.CheckConstraint('checkouts_started >= 0', name=op.f('ck_traffic_days_checkouts_started_not_negative')),
    sa.CheckConstraint('page_views >= 0', name=op.f('ck_traffic_days_page_views_not_negative')),
    sa.CheckConstraint('product_views >= 0', name=op.f('ck_traffic_days_product_views_not_negative')),
    sa.CheckConstraint('sessions_with_add_to_cart >= 0', name=op.f('ck_traffic_days_sessions_with_add_to_cart_not_negative')),
    sa.CheckConstraint('sessions_with_checkout >= 0', name=op.f('ck_traffic_days_sessions_with_checkout_not_negative')),
    sa.CheckConstraint('sessions_with_product_view >= 0', name=op.f('ck_traffic_days_sessions_with_product_view_not_negative')),
    sa.CheckConstraint('unique_visitors >= 0', name=op.f('ck_traffic_days_unique_visitors_not_negative')),
    sa.CheckConstraint('visits >= 0', name=op.f('ck_traffic_days_visits_not_negative')),
    sa.PrimaryKeyConstraint('day', name=op.f('pk_traffic_days'))
    )
    op.create_table('traffic_sessions',
    sa.Column('session_id', sa.String(length=64), nullable=False),
    sa.Column('visitor_id', sa.String(length=64), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('first_seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('page_views', sa.BigInteger(), nullable=False),
    sa.Column('reached_product_view', sa.Boolean(), nullable=False),
    sa.Column('reached_add_to_cart', sa.Boolean(), nullable=False),
    sa.Column('reached_checkout', sa.Boolean(), nullable=False),
    sa.Column('landing_path', sa.String(length=512), nullable=True),
    sa.Column('referrer_host', sa.String(length=255), nullable=True),
    sa.Column('utm_source', sa.String(length=100), nullable=True),
    sa.Column('utm_medium', sa.String(length=100), nullable=True),
    sa.Column('utm_campaign', sa.String(length=100), nullable=True),
    sa.Column('utm_term', sa.String(length=100), nullable=True),
    sa.Column('utm_content', sa.String(length=100), nullable=True),
    sa.CheckConstraint('page_views >= 0', name=op.f('ck_traffic_sessions_page_views_not_negative')),
    sa.PrimaryKeyConstraint('session_id', name=op.f('pk_traffic_sessions'))
    )
    op.create_index('ix_traffic_sessions_day', 'traffic_sessions', ['day'], unique=False)
    op.create_table('visitor_days',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('visitor_id', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('day', 'visitor_id', name=op.f('pk_visitor_days'))
    )


def downgrade() -> None:
    op.drop_table('visitor_days')
    op.drop_index('ix_traffic_sessions_day', table_name='traffic_sessions')
    op.drop_table('traffic_sessions')
    op.drop_table('traffic_days')
    op.drop_index('ix_tracked_events_occurred', table_name='tracked_events')
    op.drop_table('tracked_events')
    op.drop_index('ix_product_vendors_vendor', table_name='product_vendors')
    op.drop_table('product_vendors')
    op.drop_table('product_traffic_days')
