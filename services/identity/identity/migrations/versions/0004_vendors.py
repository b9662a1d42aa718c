"""Vendors and vendor membership (branches from 0002 beside 0003; ``db upgrade`` applies all heads)."""
import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "vendors",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("company_name", sa.String(200), nullable=False),
        sa.Column("registration_number", sa.String(100), nullable=False),
        sa.Column("country", sa.String(2), nullable=False),
        sa.Column("contact_email", sa.String(320), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("owner_user_id", sa.String(36), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vendors")),
    )
    op.create_index(op.f("ix_vendors_status"), "vendors", ["status"])
    op.create_table(
        "vendor_members",
        sa.Column("user_id", sa.String(36), nullable=False),
        sa.Column("vendor_id", sa.String(36), nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_vendor_members")),
    )
    op.create_index(op.f("ix_vendor_members_vendor_id"), "vendor_members", ["vendor_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_vendor_members_vendor_id"), table_name="vendor_members")
    op.drop_table("vendor_members")
    op.drop_index(op.f("ix_vendors_status"), table_name="vendors")
    op.drop_table("vendors")
