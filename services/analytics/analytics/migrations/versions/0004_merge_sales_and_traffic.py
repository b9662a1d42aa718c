"""Join the sales (0002) and traffic (0003) branches, both from 0001; no schema change."""
revision = "0004"
down_revision = ("0002", "0003")
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
