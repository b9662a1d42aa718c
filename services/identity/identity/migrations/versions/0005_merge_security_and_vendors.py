"""Join the account-security (0003) and vendors (0004) branches; no schema change."""

revision = "0005"
down_revision = ("0003", "0004")
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Nothing to do: both parents' tables are independent."""


def downgrade() -> None:
    """Nothing to do."""
