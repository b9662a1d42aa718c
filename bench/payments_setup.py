"""What the payments benchmark seeds in its throwaway PostgreSQL database, with bulk SQL (no service code).

- ``seed_payable_orders``: orders awaiting payment as payments learns them from ``order.placed`` and
  ``order.awaiting_payment`` (``payable_orders`` + 2 ``payable_vendor_orders`` each, with their
  lines), for many customers; ids are uuid4 strings like orders'. COPY for the orders, one
  INSERT ... SELECT for the vendor orders.
- ``seed_ledger``: a ledger history of balanced postings, as ``payments.domain.ledger`` makes them
  (capture: psp_clearing / commission_revenue / vendor_pending; release: vendor_pending ->
  vendor_available; payout: vendor_available -> payouts_in_transit), one ``ledger_transactions`` row
  each, running balances consistent: ``balance_after_minor`` is the account's running sum in
  ``(created_at, id)`` order and ``ledger_accounts.balance_minor`` the last of them. One hot vendor
  (a 0 % commission rule, so its captures post 2 entries) has ``hot_entries`` entries on its available
  account (19 releases then one payout of all but the last 3 released, over and over); the rest are captures +
  releases (5 entries) of ordinary vendors at a 15 % commission.
"""
from __future__ import annotations

import random
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

HOT_VENDOR = "vendor-hot"
CURRENCY = "EUR"
SHIPPING_MINOR = 499
RELEASES_PER_PAYOUT = 19
HISTORY_DAYS = 730
RETURN_WINDOW_DAYS = 14


def customer_id(n: int) -> str:
    return f"bench-customer-{n:04d}"


def vendor_id(n: int) -> str:
    return f"vendor-{n:05d}"


def seed_payable_orders(database: str, count: int, customers: int, vendors: int) -> list[tuple[str, int]]:
    """``count`` orders awaiting payment of 2 vendor orders each; [(order_id, customer number)] in seed order."""
    import psycopg

    chance = random.Random(7)
    orders = [(str(uuid.uuid4()), n % customers, chance.randint(2_000, 40_000)) for n in range(count)]
    with psycopg.connect(database) as connection:
        with connection.cursor() as cursor:
            with cursor.copy("COPY payable_orders (order_id, customer_id, currency, total_minor, status, placed_at,"
                             " updated_at) FROM STDIN") as copy:
                for order_id, customer, total in orders:
                    copy.write_row((order_id, customer_id(customer), CURRENCY, total, "awaiting_payment",
                                    "now", "now"))
            # Two vendor orders each: the first half of the total (rounded down) and the rest, shipping in both.
            cursor.execute("""
                INSERT INTO payable_vendor_orders (vendor_order_id, order_id, vendor_id, currency, items_total_minor,
                                                   shipping_minor, total_minor, lines)
                SELECT gen_random_uuid()::text, o.order_id, 'vendor-' || lpad((abs(hashtext(o.order_id || part)::bigint) %% %(vendors)s)::text, 5, '0'),
                       o.currency, part_total - %(shipping)s, %(shipping)s, part_total,
                       json_build_array(json_build_object(
                           'line_id', gen_random_uuid()::text, 'offer_id', gen_random_uuid()::text,
                           'category_id', 'bench-category', 'quantity', 1,
                           'unit_price_minor', part_total - %(shipping)s, 'amount_minor', part_total - %(shipping)s))
                FROM payable_orders o
                CROSS JOIN LATERAL (VALUES (1, o.total_minor / 2), (2, o.total_minor - o.total_minor / 2))
                               AS p(part, part_total)
            """, {"vendors": vendors, "shipping": SHIPPING_MINOR})
    with psycopg.connect(database, autocommit=True) as connection:
        connection.execute("VACUUM ANALYZE payable_orders, payable_vendor_orders")
    return [(order_id, customer) for order_id, customer, _ in orders]


@dataclass(frozen=True)
class LedgerSeed:
    entries: int
    transactions: int
    accounts: int
    vendors: int
    hot_vendor: str
    hot_available_entries: int
    seconds: float


_TRANSACTIONS = """
CREATE TEMP TABLE seed_tx (seq bigserial, id text DEFAULT gen_random_uuid()::text, kind text, source_id text,
                           order_id text, vendor_order_id text, vendor_id text, at timestamptz, net bigint,
                           commission bigint);
-- the hot vendor: slots of 20 (19 releases, then a payout of what was available 3 releases ago); each
-- release's capture came 14 days before
CREATE TEMP TABLE seed_hot AS
SELECT s, cycle, pos, %(start)s::timestamptz + s * %(step)s::interval AS at,
       1000 + abs(hashint8(s::bigint)::bigint) %% 50000 AS net,
       (cycle * 19 + pos + 3) / 19 AS paid_by  -- releases: the payout taking them (the last 3 wait for the next)
FROM generate_series(1, %(hot_slots)s) s, LATERAL (VALUES ((s - 1) / 20, (s - 1) %% 20)) c(cycle, pos);
INSERT INTO seed_tx (kind, source_id, order_id, vendor_order_id, vendor_id, at, net, commission)
SELECT k.kind, 'hot-vo-' || s, 'hot-order-' || s, 'hot-vo-' || s, %(hot)s, k.at, net, 0
FROM seed_hot h, LATERAL (VALUES ('capture', h.at - %(window)s * interval '1 day' - %(step)s::interval / 2),
                                 ('release', h.at)) k(kind, at)
WHERE pos < 19;
INSERT INTO seed_tx (kind, source_id, vendor_id, at, net, commission)
SELECT 'payout', 'hot-payout-' || p.cycle, %(hot)s, p.at, sum(r.net), 0
FROM seed_hot p JOIN seed_hot r ON r.paid_by = p.cycle AND r.pos < 19
WHERE p.pos = 19 GROUP BY p.cycle, p.at;
-- ordinary vendors: captured over the history (15 %% commission), released after the return window
CREATE TEMP TABLE seed_vo AS
SELECT i, 'vendor-' || lpad((i %% %(vendors)s)::text, 5, '0') AS vendor_id,
       %(origin)s::timestamptz + (abs(hashint8(i::bigint)::bigint) %% 1000000) / 1000000.0 * %(span)s::interval AS captured_at,
       2000 + abs(hashint8(-i::bigint)::bigint) %% 60000 AS gross
FROM generate_series(1, %(others)s) i;
INSERT INTO seed_tx (kind, source_id, order_id, vendor_order_id, vendor_id, at, net, commission)
SELECT k.kind, 'vo-' || i, 'order-' || i, 'vo-' || i, vendor_id, k.at, gross - gross * 15 / 100,
       CASE k.kind WHEN 'capture' THEN gross * 15 / 100 ELSE 0 END
FROM seed_vo, LATERAL (VALUES ('capture', captured_at),
                              ('release', captured_at + %(window)s * interval '1 day')) k(kind, at);
"""

_ENTRIES = """
CREATE TEMP TABLE seed_entries AS
SELECT t.seq, t.id AS transaction_id, e.account_key, e.amount, t.at
FROM seed_tx t CROSS JOIN LATERAL (VALUES
    ('capture', 'psp_clearing:' || %(currency)s, t.net + t.commission),
    ('capture', 'commission_revenue:' || %(currency)s, -t.commission),
    ('capture', 'vendor_pending:' || %(currency)s || ':' || t.vendor_id, -t.net),
    ('release', 'vendor_pending:' || %(currency)s || ':' || t.vendor_id, t.net),
    ('release', 'vendor_available:' || %(currency)s || ':' || t.vendor_id, -t.net),
    ('payout', 'vendor_available:' || %(currency)s || ':' || t.vendor_id, t.net),
    ('payout', 'payouts_in_transit:' || %(currency)s, -t.net)) e(kind, account_key, amount)
WHERE e.kind = t.kind AND e.amount <> 0;
INSERT INTO ledger_transactions (id, kind, source_id, order_id, vendor_order_id, vendor_id, memo, created_at)
SELECT id, kind, source_id, order_id, vendor_order_id, vendor_id, kind || ' ' || source_id, at FROM seed_tx;
INSERT INTO ledger_accounts (key, kind, currency, vendor_id, balance_minor, updated_at)
SELECT account_key, split_part(account_key, ':', 1), split_part(account_key, ':', 2),
       nullif(split_part(account_key, ':', 3), ''), sum(amount), max(at)
FROM seed_entries GROUP BY account_key;
INSERT INTO ledger_entries (transaction_id, account_key, amount_minor, balance_after_minor, created_at)
SELECT transaction_id, account_key, amount,
       sum(amount) OVER (PARTITION BY account_key ORDER BY at, seq ROWS UNBOUNDED PRECEDING), at
FROM seed_entries ORDER BY at, seq;
"""

# Every account: its stored balance is the last entry's balance_after, which is the sum of its entries.
_CONSISTENCY = """
SELECT count(*) FILTER (WHERE a.balance_minor <> coalesce(e.total, 0) OR a.balance_minor <> coalesce(e.last, 0)),
       (SELECT count(*) FROM (SELECT transaction_id FROM ledger_entries GROUP BY transaction_id
                              HAVING sum(amount_minor) <> 0) unbalanced)
FROM ledger_accounts a LEFT JOIN LATERAL (
    SELECT sum(amount_minor) AS total,
           (SELECT balance_after_minor FROM ledger_entries l WHERE l.account_key = a.key
            ORDER BY created_at DESC, id DESC LIMIT 1) AS last
    FROM ledger_entries x WHERE x.account_key = a.key) e ON true
"""


def seed_ledger(database: str, entries: int, hot_entries: int, vendors: int) -> LedgerSeed:
    """About ``entries`` ledger entries (exactly, when the arithmetic allows), ``hot_entries`` of them on the
    hot vendor's available account; raises unless every balance is consistent and every transaction balanced."""
    import psycopg

    cycles = hot_entries // (RELEASES_PER_PAYOUT + 1)
    releases = cycles * RELEASES_PER_PAYOUT
    hot_total = 4 * releases + 2 * cycles  # capture 2 + release 2 each, payout 2
    others = max(entries - hot_total, 0) // 5
    started = time.monotonic()
    span_days = HISTORY_DAYS - RETURN_WINDOW_DAYS - 1
    params = {"hot": HOT_VENDOR, "vendors": vendors,
              "hot_slots": cycles * (RELEASES_PER_PAYOUT + 1), "others": others, "window": RETURN_WINDOW_DAYS,
              "span": f"{span_days} days", "currency": CURRENCY,
              "step": f"{(span_days * 86400) / max(cycles * 20 + 1, 1):.6f} seconds"}
    with psycopg.connect(database) as connection:
        # Ordinary captures from ``origin`` on, the hot vendor's releases from ``start`` (its captures 14 days
        # before); everything released by yesterday.
        params["origin"], params["start"] = connection.execute(
            f"SELECT now() - interval '{HISTORY_DAYS} days', "
            f"now() - interval '{HISTORY_DAYS - RETURN_WINDOW_DAYS} days'").fetchone()
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL work_mem = '256MB'")
            for script in (_TRANSACTIONS, _ENTRIES):
                for statement in _statements(script):
                    cursor.execute(statement, params)
        counts = connection.execute("SELECT (SELECT count(*) FROM ledger_entries), "
                                    "(SELECT count(*) FROM ledger_transactions), "
                                    "(SELECT count(*) FROM ledger_accounts)").fetchone()
    with psycopg.connect(database, autocommit=True) as connection:
        connection.execute("VACUUM ANALYZE ledger_entries, ledger_transactions, ledger_accounts")
        inconsistent, unbalanced = connection.execute(_CONSISTENCY).fetchone()
        hot = connection.execute("SELECT count(*) FROM ledger_entries WHERE account_key = %s",
                                 (f"vendor_available:{CURRENCY}:{HOT_VENDOR}",)).fetchone()[0]
    if inconsistent or unbalanced:
        raise RuntimeError(f"seeded ledger inconsistent: {inconsistent} accounts, {unbalanced} transactions")
    return LedgerSeed(entries=counts[0], transactions=counts[1], accounts=counts[2], vendors=min(vendors, others) + 1,
                      hot_vendor=HOT_VENDOR, hot_available_entries=hot, seconds=time.monotonic() - started)


def _statements(script: str) -> list[str]:
    text = "\n".join(line for line in script.splitlines() if not line.lstrip().startswith("--"))
    return [part.strip() for part in text.split(";") if part.strip()]


def write_orders_file(path: Path, orders: list[tuple[str, int]]) -> None:
    """One ``<order id> <customer number + 1>`` a line (the customer's token is that line of the tokens file)."""
    path.write_text("".join(f"{order_id} {customer + 1}\n" for order_id, customer in orders))
