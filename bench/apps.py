"""The two WSGI apps the overhead benchmark compares, behind the same route.

``bare_app`` is plain Flask; ``chassis_app`` is the same view built by
``chassis.app.build_app`` and protected by ``require_auth``, so the difference
between them is what the chassis adds to every request: bearer-token check,
request id, Prometheus metrics and the JSON access log.

Both are gunicorn factories (``bench.apps:bare_app()``); nothing is built at
import time. The chassis app reads its settings from the environment
(``MARKETPLACE_JWKS_URL``, ``MARKETPLACE_JWT_ISSUER``,
``MARKETPLACE_JWT_AUDIENCES``), which the harness sets for its gunicorn.
"""
from __future__ import annotations

from flask import Flask

PING_PATH = "/api/v1/bench/ping"
PING_BODY = {"status": "ok"}
READ_SCOPE = "bench:read"


def bare_app() -> Flask:
    """Plain Flask: one GET route answering a small JSON object."""
    app = Flask(__name__)

    @app.get(PING_PATH)
    def ping():
        return PING_BODY

    return app


def chassis_app() -> Flask:
    """The same route as a chassis service: smorest blueprint, auth, logs, metrics, ids."""
    from chassis.app import build_app
    from chassis.runtime import ServiceDefinition
    from chassis.settings import ServiceSettings

    class BenchSettings(ServiceSettings):
        service_name = "bench"

    definition = ServiceDefinition(
        name="bench", title="Bench", version="1.0.0", settings_cls=BenchSettings,
        # Flask needs a regular package for its root path; bench/ is only a namespace.
        package="chassis", blueprints=_ping_blueprints, uses_database=False, uses_broker=False,
        description="Chassis overhead benchmark target.")
    return build_app(definition)


def _ping_blueprints() -> list:
    from flask.views import MethodView

    from chassis.auth.flask import require_auth
    from chassis.blueprint import Blueprint

    blueprint = Blueprint("bench_ping", __name__, url_prefix=PING_PATH)

    @blueprint.route("")
    class Ping(MethodView):
        @require_auth(scopes=[READ_SCOPE])
        @blueprint.doc(security=[{"bearerAuth": []}])
        def get(self):
            """Answer a small JSON object (the benchmark's protected endpoint)."""
            return PING_BODY

    return [blueprint]


BARE_LIST_PATH = "/bare/products"
BARE_LIST_SQL = ("SELECT id, title, brand, category_id, best_price_minor, in_stock, offer_count, approved_at "
                 "FROM products WHERE listed ORDER BY approved_at DESC LIMIT 50")


def bare_list_app() -> Flask:
    """Plain Flask + SQLAlchemy: the newest 50 listed products of the catalog database as JSON.

    The storefront benchmark's baseline. The database is ``BENCH_DATABASE_URL``
    (``postgresql+psycopg://…``); the pool is sized like the chassis' (5 + 5 overflow, pre-ping, recycle).
    """
    import os

    from sqlalchemy import create_engine, text

    engine = create_engine(os.environ["BENCH_DATABASE_URL"], pool_size=5, max_overflow=5, pool_pre_ping=True,
                           pool_recycle=1800)
    query = text(BARE_LIST_SQL)
    app = Flask(__name__)

    @app.get(BARE_LIST_PATH)
    def products():
        with engine.connect() as connection:
            rows = connection.execute(query).mappings().all()
        return [{**row, "approved_at": row["approved_at"].isoformat()} for row in rows]

    return app
