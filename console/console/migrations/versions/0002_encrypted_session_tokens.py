"""Session tokens are encrypted from now on: end the sessions whose tokens were stored in plain text.

Their users sign in again once. The console would treat them as signed out anyway (no key reads a
plain token); deleting them here keeps plain tokens from staying in the table until they expire.
"""
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("DELETE FROM console_sessions WHERE access_token IS NOT NULL OR refresh_token IS NOT NULL")


def downgrade() -> None:
    # Encrypted tokens mean nothing to the previous code: those sessions end too.
    op.execute("DELETE FROM console_sessions WHERE access_token IS NOT NULL OR refresh_token IS NOT NULL")
