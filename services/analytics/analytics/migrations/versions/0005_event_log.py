"""The event log: every sales event consumed, as received, so ``analytics rebuild --facts`` can replay it
(generated on PostgreSQL, then reviewed). Append-only: it grows by one row per event consumed.

Events consumed before this revision are not in it: a replay that would lose their facts refuses to commit.
"""
from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('analytics_event_log',
    sa.Column('event_id', sa.String(length=64), nullable=False),
    sa.Column('event_type', sa.String(length=100), nullable=False),
    sa.Column('source', sa.String(length=200), nullable=False),
    sa.Column('occurred_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('event_id', name=op.f('pk_analytics_event_log'))
    )
    op.create_index('ix_analytics_event_log_occurred', 'analytics_event_log', ['occurred_at', 'event_id'],
                    unique=False)


def downgrade() -> None:
    op.drop_index('ix_analytics_event_log_occurred', table_name='analytics_event_log')
    op.drop_table('analytics_event_log')
