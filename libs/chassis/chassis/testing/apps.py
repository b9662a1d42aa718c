"""Service apps on a test backend: settings, migrated apps, clean tables."""
from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from flask import Flask

from chassis.testing.backends import Backend, backend_name

TEST_ISSUER = "http://issuer.test"
TEST_AUDIENCE = "marketplace"


def settings_for(definition, backend: Backend, jwks_url: str, *, migrated: bool = False, **overrides):
    """Settings pointing ``definition`` at a fresh database of ``backend`` and at the test issuer.

    The database is empty, or with ``migrated`` a copy of the service's migrated template
    (see :mod:`chassis.testing.templates`); a ``database_url`` override is used as it is.
    """
    if "database_url" in overrides:
        database_url = overrides.pop("database_url")
    elif migrated:
        database_url = backend.migrated_database_url(definition)
    else:
        database_url = backend.database_url(definition.name)
    values = dict(database_url=database_url, broker_url=backend.broker_url(),
                  broker_namespace=backend.namespace, jwt_issuer=TEST_ISSUER, jwt_audiences=[TEST_AUDIENCE],
                  jwks_url=jwks_url, log_json=False, event_retry_base_delay=0.01, broker_visibility_timeout=2.0)
    values.update(overrides)
    return definition.settings_cls(**values)


def start_app(definition, settings, *, migrate: bool = True) -> Flask:
    """Build the app and apply its real migrations (``migrate=False``: its database is migrated already)."""
    from chassis import migrations
    from chassis.app import build_app
    app = build_app(definition, settings)
    if migrate and definition.uses_database:
        migrations.upgrade(app.extensions["chassis.runtime"])
    return app


@contextmanager
def migrated_app(definition, workdir: Path, jwks_url: str, **overrides) -> Iterator[Flask]:
    """A migrated app on its own backend, for a fixture of any scope; everything is removed afterwards.

    Its database is a copy of the service's migrated template (:mod:`chassis.testing.templates`).
    """
    backend = Backend(backend_name(), workdir)
    migrated = definition.uses_database and "database_url" not in overrides
    app = start_app(definition, settings_for(definition, backend, jwks_url, migrated=migrated, **overrides),
                    migrate=not migrated)
    try:
        yield app
    finally:
        app.extensions["chassis.runtime"].dispose()
        backend.cleanup()


def empty_chassis_tables(app: Flask) -> None:
    """Delete every row of the chassis tables (outbox, inbox, audit, settings, idempotency keys)."""
    from chassis.tables import metadata
    with app.extensions["chassis.runtime"].database.engine.begin() as connection:
        for table in reversed(metadata.sorted_tables):
            connection.execute(table.delete())
