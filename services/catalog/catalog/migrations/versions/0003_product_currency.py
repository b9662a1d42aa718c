"""Products carry their best price's currency and, on PostgreSQL, a stored search vector; subtree index.

Storefront pages read the currency from the product row; ranking text matches reads the
stored vector instead of parsing every matching product's text again; category subtree
filters (LIKE 'prefix%') get an index that can serve them (text_pattern_ops).
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    with op.batch_alter_table("products") as batch_op:
        batch_op.add_column(sa.Column("currency", sa.String(length=3), nullable=True))
        batch_op.add_column(sa.Column("search_vector", postgresql.TSVECTOR() if postgres else sa.Text(),
                                      nullable=True))
    op.execute("UPDATE products SET currency = "
               "(SELECT offers.currency FROM offers WHERE offers.product_id = products.id LIMIT 1)")
    op.drop_index("ix_products_category_path", table_name="products")
    if postgres:
        op.execute("UPDATE products SET search_vector = to_tsvector('simple', search_text)")
        op.execute("DROP INDEX ix_products_search")
    # GIN on PostgreSQL; on SQLite a plain index of an always-NULL column (the model declares one index).
    op.create_index("ix_products_search_vector", "products", ["search_vector"], postgresql_using="gin")
    op.create_index("ix_products_category_path", "products", ["category_path"],
                    postgresql_ops={"category_path": "text_pattern_ops"})


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    op.drop_index("ix_products_category_path", table_name="products")
    op.create_index("ix_products_category_path", "products", ["category_path"])
    op.drop_index("ix_products_search_vector", table_name="products")
    if postgres:
        op.execute("CREATE INDEX ix_products_search ON products USING gin (to_tsvector('simple', search_text))")
    with op.batch_alter_table("products") as batch_op:
        batch_op.drop_column("search_vector")
        batch_op.drop_column("currency")
