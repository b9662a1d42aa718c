"""Server-side sessions of the console."""
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    from console.models import console_sessions
    console_sessions.create(op.get_bind())


def downgrade() -> None:
    op.drop_table("console_sessions")
