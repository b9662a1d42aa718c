"""The world the orders placement benchmark runs in: catalog and orders on PostgreSQL, talking over RabbitMQ.

- orders' client_credentials token comes from ``chassis.testing.token_endpoint.TokenEndpoint``,
  signed by the bench ``TokenIssuer``, so catalog verifies it exactly as it would identity's.
- ``plentiful_offers``: sellable offers of the seeded catalog given so much stock that no order
  of the run is rejected; their ids go to a file the wrk script reads.
- ``web_server`` / ``worker_process``: ``<service> web`` and ``<service> worker`` with the bench's
  database, broker namespace, JWKS and (for orders) catalog URL and client credentials.
"""
from __future__ import annotations

from pathlib import Path

from gunicorn_servers import ServiceWeb, _children, _cpu_seconds
from throwaway_databases import FOREIGN_VARIABLES, service_env

ORDERS_CLIENT_ID, ORDERS_CLIENT_SECRET = "bench-orders", "bench-orders-secret"
RABBITMQ_URL = "amqp://guest:guest@127.0.0.1:5672//"
PLENTIFUL_STOCK = 1_000_000


def plentiful_offers(database: str, count: int, path: Path) -> list[str]:
    """``count`` sellable offers (active, approved product, vendor not suspended) given plenty of stock.

    Their ids are written to ``path``, one a line, for the wrk script.
    """
    import psycopg

    with psycopg.connect(database, autocommit=True) as connection:
        ids = [row[0] for row in connection.execute(
            "SELECT o.id FROM offers o JOIN products p ON p.id = o.product_id"
            " LEFT JOIN vendor_states v ON v.vendor_id = o.vendor_id"
            " WHERE o.active AND p.status = 'approved' AND NOT coalesce(v.suspended, false)"
            " ORDER BY md5(o.id) LIMIT %s", (count,))]
        connection.execute("UPDATE offers SET available = %s WHERE id = ANY(%s)", (PLENTIFUL_STOCK, ids))
        connection.execute("VACUUM ANALYZE offers")
    path.write_text("\n".join(ids) + "\n")
    return ids


def _bench_env(service: str, database: str, scratch: Path, broker: dict[str, str], jwt: dict[str, str]) -> dict:
    return {**service_env(service, database, scratch), **broker, **jwt,
            "PROMETHEUS_MULTIPROC_DIR": str(scratch / f"{service}-prometheus")}


def orders_client_env(catalog_url: str, token_url: str) -> dict[str, str]:
    """Orders prices carts at ``catalog_url`` with its own client_credentials token from ``token_url``."""
    return {"ORDERS_CATALOG_URL": catalog_url, "ORDERS_TOKEN_URL": token_url, "ORDERS_CLIENT_ID": ORDERS_CLIENT_ID,
            "ORDERS_CLIENT_SECRET": ORDERS_CLIENT_SECRET}


def broker_env(namespace: str) -> dict[str, str]:
    return {"MARKETPLACE_BROKER_URL": RABBITMQ_URL, "MARKETPLACE_BROKER_NAMESPACE": namespace}


def web_server(service: str, workers: int, database: str, scratch: Path, log_dir: Path, broker: dict[str, str],
               jwt: dict[str, str], extra: dict[str, str] | None = None) -> ServiceWeb:
    """``<service> web`` on a free port (not started); its logs in ``log_dir/<service>-*.log``."""
    env = {**_bench_env(service, database, scratch, broker, jwt), **(extra or {})}
    return ServiceWeb(service, app=f"{service} web", workers=workers, log_dir=log_dir, env=env,
                      drop_env=FOREIGN_VARIABLES)


def worker_process(service: str, database: str, scratch: Path, log_dir: Path, broker: dict[str, str],
                   jwt: dict[str, str]):
    """``<service> worker`` (outbox relay + queue consumer), not started; log in ``log_dir/<service>-worker.log``."""
    from chassis.testing.processes import ServiceProcess

    env = _bench_env(service, database, scratch, broker, jwt)
    env[f"{service.upper()}_LOG_LEVEL"] = "WARNING"  # one line per event otherwise
    log = log_dir / f"{service}-worker.log"
    log.write_text("")
    return ServiceProcess.command(service, "worker", env=env, log_path=log)


def process_cpu_seconds(pid: int) -> float:
    """User + system CPU of a process and its children so far (/proc)."""
    try:
        children = _children(pid)
    except OSError:
        children = []
    return sum(_cpu_seconds(p) for p in [pid, *children])
