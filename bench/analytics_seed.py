"""What the analytics dashboard benchmark seeds: sales facts in bulk SQL (``generate_series``, no service code,
no events), then the rollups built by the service's own ``analytics rebuild``.

``seed_sales_facts`` writes ``orders`` orders over ``days`` days ending at today's UTC midnight, as analytics'
handlers (``analytics.facts``) would have recorded them: one ``sales_orders`` row each (customers ordering
again and again), 1-3 lines (``sales_lines``) in 1-2 vendor orders (``sales_vendor_orders``, shipping 0, 4.90
or 6.90), products of their vendor in categories; vendors and products skewed (a few big vendors and best
sellers; ``ven-0000`` is the biggest). Each vendor order's fate: 90 % captured 1-30 min after placement (its
total, 15 % commission; ``sales_movements`` kind ``capture``), of which some are partly refunded 2-20 days later
(half the items, commission reversed), 3 % refused, 2 % cancelled (``sales_outcomes``), the rest not captured
yet; an order whose vendor orders were all refused or cancelled is cancelled too. Every fact keeps its UTC hour
and day.
"""
from __future__ import annotations

import subprocess
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from gunicorn_servers import REPO_ROOT
from payments_setup import _statements
from throwaway_databases import service_env

BIGGEST_VENDOR = "ven-0000"

_FACTS = """
CREATE TEMP TABLE seed_o AS
SELECT i, 'bo-' || i AS order_id, 'bc-' || (abs(hashint8(i * 16 + 1)::bigint) %% %(customers)s) AS customer_id,
       %(origin)s::timestamptz + (abs(hashint8(i * 16)::bigint) %% 1000000000) / 1e9 * %(span)s::interval AS placed_at,
       (ARRAY[1, 1, 2, 2, 3])[1 + abs(hashint8(i * 16 + 2)::bigint) %% 5] AS lines
FROM generate_series(1, %(orders)s) i;
ALTER TABLE seed_o ADD COLUMN parts int;
UPDATE seed_o SET parts = CASE WHEN lines = 1 OR abs(hashint8(i * 16 + 3)::bigint) %% 10 < 6 THEN 1 ELSE 2 END;
CREATE TEMP TABLE seed_vo AS
SELECT o.i, p AS part, o.order_id, o.order_id || '-v' || p AS vendor_order_id, o.placed_at,
       floor(%(vendors)s * power((abs(hashint8(o.i * 16 + 4 + p)::bigint) %% 1000000) / 1e6, 2))::int AS vendor,
       (ARRAY[0, 490, 690])[1 + abs(hashint8(o.i * 16 + 6 + p)::bigint) %% 3] AS shipping,
       abs(hashint8(o.i * 16 + 8 + p)::bigint) %% 100 AS fate
FROM seed_o o, generate_series(0, o.parts - 1) p;
CREATE TEMP TABLE seed_l AS
SELECT v.vendor_order_id, v.order_id || '-l' || n AS line_id, v.order_id, v.vendor, o.customer_id, v.placed_at,
       floor(%(products)s * power((abs(hashint8(o.i * 16 + 10 + n)::bigint) %% 1000000) / 1e6, 3))::int AS product,
       (ARRAY[1, 1, 1, 2, 3])[1 + abs(hashint8(o.i * 16 + 13 + n)::bigint) %% 5] AS quantity,
       500 + abs(hashint8(o.i * 16 + 15 + n)::bigint) %% 19500 AS unit_price
FROM seed_o o, generate_series(0, o.lines - 1) n, seed_vo v
WHERE v.i = o.i AND v.part = n %% o.parts;
INSERT INTO sales_orders (order_id, customer_id, currency, placed_at, hour, day)
SELECT order_id, customer_id, 'EUR', placed_at, date_trunc('hour', placed_at), date_trunc('day', placed_at)
FROM seed_o;
INSERT INTO sales_lines (vendor_order_id, line_id, order_id, vendor_id, product_id, category_id, customer_id,
                         quantity, unit_price_minor, amount_minor, currency, placed_at, hour, day)
SELECT vendor_order_id, line_id, order_id, 'ven-' || lpad(vendor::text, 4, '0'),
       'prd-' || lpad(vendor::text, 4, '0') || '-' || lpad(product::text, 3, '0'),
       'cat-' || lpad(((vendor * %(products)s + product) %% %(categories)s)::text, 3, '0'), customer_id,
       quantity, unit_price, quantity * unit_price, 'EUR', placed_at, date_trunc('hour', placed_at),
       date_trunc('day', placed_at)
FROM seed_l;
CREATE TEMP TABLE seed_vt AS
SELECT v.*, v.shipping + sum(l.quantity * l.unit_price) AS total, sum(l.quantity * l.unit_price) AS items
FROM seed_vo v JOIN seed_l l USING (vendor_order_id) GROUP BY v.i, v.part, v.order_id, v.vendor_order_id,
     v.placed_at, v.vendor, v.shipping, v.fate;
INSERT INTO sales_vendor_orders (vendor_order_id, order_id, vendor_id, currency, shipping_minor, total_minor,
                                 placed_at, hour, day)
SELECT vendor_order_id, order_id, 'ven-' || lpad(vendor::text, 4, '0'), 'EUR', shipping, total, placed_at,
       date_trunc('hour', placed_at), date_trunc('day', placed_at)
FROM seed_vt;
CREATE TEMP TABLE seed_m AS
SELECT 'capture' AS kind, vendor_order_id AS reference, order_id, vendor_order_id, vendor, total AS amount,
       total * 15 / 100 AS commission,
       least(placed_at + (60 + abs(hashint8(i * 16 + 5 + part)::bigint) %% 1740) * interval '1 second',
             %(end)s::timestamptz - interval '1 second') AS at
FROM seed_vt WHERE fate >= 5 AND fate < 95;
INSERT INTO seed_m
SELECT 'refund', 'rfd-' || v.vendor_order_id, v.order_id, v.vendor_order_id, v.vendor, v.items / 2,
       v.items / 2 * 15 / 100,
       least(m.at + (2 + abs(hashint8(v.i * 16 + 7 + v.part)::bigint) %% 18) * interval '1 day',
             %(end)s::timestamptz - interval '1 second')
FROM seed_vt v JOIN seed_m m ON m.reference = v.vendor_order_id WHERE v.fate >= 88;
INSERT INTO sales_movements (kind, reference, order_id, vendor_order_id, vendor_id, amount_minor, commission_minor,
                             currency, occurred_at, hour, day)
SELECT kind, reference, order_id, vendor_order_id, 'ven-' || lpad(vendor::text, 4, '0'), amount, commission, 'EUR',
       at, date_trunc('hour', at), date_trunc('day', at)
FROM seed_m;
CREATE TEMP TABLE seed_c AS
SELECT CASE WHEN fate < 3 THEN 'vendor_order_refused' ELSE 'vendor_order_cancelled' END AS kind,
       vendor_order_id AS reference, order_id, 'ven-' || lpad(vendor::text, 4, '0') AS vendor_id,
       least(placed_at + (1 + abs(hashint8(i * 16 + 9 + part)::bigint) %% 47) * interval '1 hour',
             %(end)s::timestamptz - interval '1 second') AS at
FROM seed_vt WHERE fate < 5;
INSERT INTO seed_c
SELECT 'order_cancelled', c.order_id, c.order_id, '', max(c.at) + interval '1 hour'
FROM seed_c c JOIN seed_o o USING (order_id) GROUP BY c.order_id, o.parts HAVING count(*) = o.parts;
UPDATE seed_c SET at = %(end)s::timestamptz - interval '1 second' WHERE at >= %(end)s::timestamptz;
INSERT INTO sales_outcomes (kind, reference, vendor_id, currency, occurred_at, hour, day)
SELECT kind, reference, vendor_id, 'EUR', at, date_trunc('hour', at), date_trunc('day', at) FROM seed_c
"""


@dataclass(frozen=True)
class FactsSeed:
    orders: int
    vendor_orders: int
    lines: int
    movements: dict[str, int]
    outcomes: dict[str, int]
    vendors: int
    products: int
    customers: int
    days: int
    seconds: float


@dataclass(frozen=True)
class Rebuild:
    rows: int
    by_grain_and_scope: dict[str, int]
    seconds: float
    output: str


def seed_sales_facts(database: str, orders: int, *, vendors: int = 500, products_per_vendor: int = 40,
                     categories: int = 200, days: int = 395) -> FactsSeed:
    """``orders`` orders and their facts (see the module), ``days`` days up to today's UTC midnight."""
    import psycopg

    started = time.monotonic()
    with psycopg.connect(database) as connection:
        connection.execute("SET TIME ZONE 'UTC'")  # date_trunc of a timestamptz: UTC hours and days
        connection.execute("SET LOCAL work_mem = '256MB'")
        end = connection.execute("SELECT date_trunc('day', now())").fetchone()[0]
        params = {"orders": orders, "customers": max(orders // 3, 1), "vendors": vendors,
                  "products": products_per_vendor, "categories": categories, "end": end,
                  "origin": end - timedelta(days=days),
                  "span": f"{days * 86400 - 1} seconds"}
        with connection.cursor() as cursor:
            for statement in _statements(_FACTS):
                cursor.execute(statement, params)
        counts = connection.execute(
            "SELECT (SELECT count(*) FROM sales_vendor_orders), (SELECT count(*) FROM sales_lines), "
            "(SELECT count(DISTINCT product_id) FROM sales_lines), (SELECT count(DISTINCT vendor_id) FROM sales_lines)"
        ).fetchone()
        movements = dict(connection.execute("SELECT kind, count(*) FROM sales_movements GROUP BY kind").fetchall())
        outcomes = dict(connection.execute("SELECT kind, count(*) FROM sales_outcomes GROUP BY kind").fetchall())
    with psycopg.connect(database, autocommit=True) as connection:
        connection.execute("VACUUM ANALYZE sales_orders, sales_vendor_orders, sales_lines, sales_movements, "
                           "sales_outcomes")
    return FactsSeed(orders=orders, vendor_orders=counts[0], lines=counts[1], movements=movements,
                     outcomes=outcomes, vendors=counts[3], products=counts[2], customers=params["customers"],
                     days=days, seconds=time.monotonic() - started)


def rebuild_rollups(database: str, scratch: Path) -> Rebuild:
    """``analytics rebuild --only sales`` (the service's CLI) on ``database``, timed; then VACUUM ANALYZE."""
    import psycopg

    started = time.monotonic()
    completed = subprocess.run([str(REPO_ROOT / ".venv" / "bin" / "analytics"), "rebuild", "--only", "sales"],
                               cwd=REPO_ROOT, env=service_env("analytics", database, scratch), capture_output=True,
                               text=True, stdin=subprocess.DEVNULL, check=False)
    if completed.returncode != 0:
        raise RuntimeError(f"analytics rebuild failed:\n{completed.stdout}{completed.stderr}")
    seconds = time.monotonic() - started
    with psycopg.connect(database, autocommit=True) as connection:
        for table in ("sales_rollups", "sales_month_rollups"):
            connection.execute(f"VACUUM ANALYZE {table}")
        rows = connection.execute("SELECT grain || ' ' || scope, count(*) FROM (SELECT grain, scope FROM sales_rollups "
                                  "UNION ALL SELECT grain, scope FROM sales_month_rollups) AS rollups "
                                  "GROUP BY 1 ORDER BY 1")
        by = {name: count for name, count in rows}
    return Rebuild(rows=sum(by.values()), by_grain_and_scope=by, seconds=seconds,
                   output=completed.stdout.strip().splitlines()[-1] if completed.stdout.strip() else "")

