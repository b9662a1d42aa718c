"""A storefront-sized catalog in a migrated PostgreSQL database, seeded with set-based SQL.

Categories in a two-level tree (materialised ``path`` "/<root>/<child>/"), approved
products with titles and brands drawn from word lists (so text search finds them),
offers from a few hundred vendors (some suspended), then each product's storefront
summary (listed, best_price_minor, in_stock, offer_count) in one UPDATE that follows
the rules of ``catalog.listing``, then VACUUM ANALYZE: the steady state autovacuum
would reach (the UPDATE leaves a dead version of every product row, and index-only
scans need the visibility map). Rows are inserted with
``INSERT ... SELECT FROM generate_series``: nothing goes row by row.
"""
from __future__ import annotations

import time
from dataclasses import dataclass

ROOTS = ("electronics", "home", "garden", "fashion", "sports", "toys")
CHILDREN_PER_ROOT = 9             # 6 roots + 54 children = 60 categories
ADJECTIVES = ("wireless", "compact", "classic", "premium", "portable", "smart", "organic", "vintage", "ergonomic",
              "waterproof", "foldable", "digital")
NOUNS = ("speaker", "lamp", "chair", "jacket", "kettle", "backpack", "camera", "blender", "drill", "tent",
         "headphones", "watch", "mug", "sneakers", "puzzle", "bicycle", "keyboard", "blanket", "router", "grill")
BRANDS = ("Acme", "Nordic", "Velo", "Lumen", "Kraft", "Orbit", "Tundra", "Pixel", "Sable", "Quill", "Ember",
          "Harbor", "Zenith", "Maple", "Cobalt")
CONDITIONS = ("new", "used", "refurbished")
#: A word every twelfth title has: broad enough that the count reaches the 10 000 cap.
COMMON_WORD = ADJECTIVES[0]


@dataclass(frozen=True)
class CatalogSize:
    products: int = 100_000
    offers: int = 200_000
    vendors: int = 300
    suspended_vendors: int = 5


def _array(words: tuple[str, ...]) -> str:
    return "ARRAY[" + ", ".join(f"'{word}'" for word in words) + "]"


def _pick(words: tuple[str, ...], seed_expression: str) -> str:
    """SQL choosing one of ``words`` from a hash (deterministic, independent per column)."""
    return f"({_array(words)})[1 + abs(hashtext({seed_expression})) % {len(words)}]"


def _uuid(prefix: str, number: str) -> str:
    return f"md5('{prefix}-' || {number})::uuid::text"


def _categories() -> str:
    roots = _array(ROOTS)
    return f"""
    INSERT INTO categories (id, parent_id, name, slug, path, position, created_at, updated_at)
    SELECT {_uuid('category', 'r')}, NULL, initcap(({roots})[r]), ({roots})[r],
           '/' || {_uuid('category', 'r')} || '/', r, now(), now()
    FROM generate_series(1, {len(ROOTS)}) AS r;
    INSERT INTO categories (id, parent_id, name, slug, path, position, created_at, updated_at)
    SELECT {_uuid('category', "r || '-' || c")}, {_uuid('category', 'r')},
           initcap(({roots})[r]) || ' ' || c, ({roots})[r] || '-' || c,
           '/' || {_uuid('category', 'r')} || '/' || {_uuid('category', "r || '-' || c")} || '/', c, now(), now()
    FROM generate_series(1, {len(ROOTS)}) AS r, generate_series(1, {CHILDREN_PER_ROOT}) AS c;
    """


def _products(size: CatalogSize) -> str:
    # Most products sit in a child category, every tenth in a root one; approved over the last year.
    title = (f"initcap({_pick(ADJECTIVES, chr(39) + 'a' + chr(39) + ' || n')}) || ' ' || "
             f"{_pick(NOUNS, chr(39) + 'n' + chr(39) + ' || n')} || ' ' || upper(substr(md5('m' || n), 1, 2)) "
             f"|| (n % 1000)")
    return f"""
    INSERT INTO products (id, vendor_id, title, description, description_html, brand, gtin, category_id,
                          category_path, attributes, status, search_text, version, created_at, updated_at,
                          submitted_at, approved_at, listed, best_price_minor, in_stock, offer_count)
    SELECT p.id, p.vendor_id, p.title, '', '', p.brand, NULL, category.id, category.path, '{{}}', 'approved',
           p.title || ' ' || p.brand, 1, p.approved_at, p.approved_at, p.approved_at, p.approved_at,
           false, NULL, false, 0
    FROM (SELECT n, {_uuid('product', 'n')} AS id,
                 {_uuid('vendor', f'1 + abs(hashtext({chr(39)}v{chr(39)} || n)) % {size.vendors}')} AS vendor_id,
                 {title} AS title, {_pick(BRANDS, chr(39) + 'b' + chr(39) + ' || n')} AS brand,
                 now() - (abs(hashtext('t' || n)) % (365 * 86400)) * interval '1 second' AS approved_at,
                 CASE WHEN n % 10 = 0 THEN {_uuid('category', f'1 + n % {len(ROOTS)}')}
                      ELSE {_uuid('category', f"1 + n % {len(ROOTS)} || '-' || 1 + (n / {len(ROOTS)}) % {CHILDREN_PER_ROOT}")}
                 END AS category_id
          FROM generate_series(1, {size.products}) AS n) AS p
    JOIN categories AS category ON category.id = p.category_id;
    """


def _offers(size: CatalogSize) -> str:
    # Each offer lands on a hashed product: two per product on average, a few products with none.
    h = "abs(hashtext('{}' || m))"
    return f"""
    INSERT INTO offers (id, vendor_id, product_id, sku, price_minor, currency, shipping_minor, condition,
                        lead_time_days, active, available, reserved, low_stock_threshold, low_stock_alerted,
                        version, created_at, updated_at)
    SELECT {_uuid('offer', 'm')}, {_uuid('vendor', f"1 + {h.format('w')} % {size.vendors}")},
           {_uuid('product', f"1 + {h.format('p')} % {size.products}")}, 'SKU-' || m,
           300 + {h.format('price')} % 49700, 'EUR', ({h.format('ship')} % 6) * 199,
           CASE WHEN {h.format('c')} % 100 < 80 THEN 'new' WHEN {h.format('c')} % 100 < 92 THEN 'used'
                ELSE 'refurbished' END,
           1 + {h.format('l')} % 7, {h.format('act')} % 100 < 93,
           CASE WHEN {h.format('s')} % 100 < 20 THEN 0 ELSE {h.format('q')} % 51 END,
           0, NULL, false, 1, now(), now()
    FROM generate_series(1, {size.offers}) AS m;
    INSERT INTO vendor_states (vendor_id, suspended, updated_at)
    SELECT {_uuid('vendor', 'v')}, v <= {size.suspended_vendors}, now()
    FROM generate_series(1, {size.vendors}) AS v;
    """


# catalog.listing: sellable = active offer of a vendor that is not suspended; best price among sellable
# offers in stock, else among all sellable ones; listed = approved and at least one sellable offer.
SUMMARY = """
WITH sellable AS (
    SELECT product_id, count(*) AS offer_count, bool_or(available > 0) AS in_stock,
           min(price_minor) FILTER (WHERE available > 0) AS best_in_stock, min(price_minor) AS best_any
    FROM offers
    WHERE active AND vendor_id NOT IN (SELECT vendor_id FROM vendor_states WHERE suspended)
    GROUP BY product_id)
UPDATE products AS p
SET offer_count = s.offer_count, in_stock = s.in_stock, best_price_minor = coalesce(s.best_in_stock, s.best_any),
    listed = (p.status = 'approved'), currency = 'EUR'
FROM sellable AS s
WHERE s.product_id = p.id;
UPDATE products SET search_vector = to_tsvector('simple', search_text);
"""


def seed(conninfo: str, size: CatalogSize = CatalogSize()) -> dict[str, float]:
    """Fill the (empty, migrated) database; returns seconds per step and row counts."""
    import psycopg

    timings: dict[str, float] = {}
    with psycopg.connect(conninfo, autocommit=True) as connection:
        for step, sql in (("categories", _categories()), ("products", _products(size)), ("offers", _offers(size)),
                          ("summary", SUMMARY), ("vacuum_analyze", "VACUUM ANALYZE")):
            started = time.monotonic()
            connection.execute(sql)
            timings[f"{step}_seconds"] = time.monotonic() - started
        counts = connection.execute(
            "SELECT (SELECT count(*) FROM categories), (SELECT count(*) FROM products),"
            " (SELECT count(*) FROM products WHERE listed), (SELECT count(*) FROM offers)").fetchone()
    return {**timings, **dict(zip(("categories", "products", "listed_products", "offers"), counts))}
