"""Chassis tables: outbox, inbox, audit log, settings, idempotency keys."""
from chassis.migrations import create_chassis_tables_v1, drop_chassis_tables_v1

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_chassis_tables_v1()


def downgrade() -> None:
    drop_chassis_tables_v1()
