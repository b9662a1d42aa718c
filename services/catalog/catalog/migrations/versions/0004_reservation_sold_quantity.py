"""Reservations count the units sold so far: a vendor order ships in several parcels.

``sold_quantity`` grows with each shipment; the units still reserved are
``quantity - sold_quantity``. The database refuses selling more than was
reserved, and a status that contradicts the count (a ``sold`` row with units
left, a ``reserved`` row with none). Rows sold before this revision were sold
whole.
"""
import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

SOLD_WITHIN_QUANTITY = "sold_quantity >= 0 AND sold_quantity <= quantity"
STATUS_AGREES = ("(status = 'reserved' AND sold_quantity < quantity) OR (status = 'sold' AND sold_quantity = quantity)"
                 " OR status = 'released'")


def upgrade() -> None:
    with op.batch_alter_table("reservations") as batch_op:
        batch_op.add_column(sa.Column("sold_quantity", sa.Integer(), server_default="0", nullable=False))
    op.execute("UPDATE reservations SET sold_quantity = quantity WHERE status = 'sold'")
    with op.batch_alter_table("reservations") as batch_op:
        batch_op.create_check_constraint(op.f("ck_reservations_sold_within_quantity"), SOLD_WITHIN_QUANTITY)
        batch_op.create_check_constraint(op.f("ck_reservations_status_agrees_with_sold_quantity"), STATUS_AGREES)


def downgrade() -> None:
    # Before this revision a reserved row held all its units: keep holding only the unsold ones
    # (the units already sold left the stock with their movements).
    op.execute("UPDATE reservations SET quantity = quantity - sold_quantity "
               "WHERE status = 'reserved' AND sold_quantity > 0")
    with op.batch_alter_table("reservations") as batch_op:
        batch_op.drop_constraint(op.f("ck_reservations_status_agrees_with_sold_quantity"), type_="check")
        batch_op.drop_constraint(op.f("ck_reservations_sold_within_quantity"), type_="check")
        batch_op.drop_column("sold_quantity")
