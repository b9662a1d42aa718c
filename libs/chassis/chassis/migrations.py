"""Alembic, driven by the chassis: one migrations folder per service package.

Services run ``<service> db upgrade``; their ``migrations/env.py`` is a single
call to :func:`run_env`. The initial revision of every service creates the
chassis tables through :func:`create_chassis_tables_v1`.
"""
from __future__ import annotations

from alembic import command
from alembic.config import Config

from chassis.runtime import Runtime

CHASSIS_TABLES_V1 = ("outbox", "inbox", "audit_log", "service_settings", "idempotency_keys")


def alembic_config(runtime: Runtime) -> Config:
    config = Config()
    config.set_main_option("script_location", str(runtime.definition.migrations_dir))
    config.set_main_option("sqlalchemy.url", runtime.settings.database_url.replace("%", "%%"))
    config.attributes["runtime"] = runtime
    return config


def upgrade(runtime: Runtime, revision: str = "heads") -> None:
    command.upgrade(alembic_config(runtime), revision)


def downgrade(runtime: Runtime, revision: str) -> None:
    command.downgrade(alembic_config(runtime), revision)


def current(runtime: Runtime) -> None:
    command.current(alembic_config(runtime), verbose=True)


def revision(runtime: Runtime, message: str, autogenerate: bool = True) -> None:
    command.revision(alembic_config(runtime), message=message, autogenerate=autogenerate)


def run_env() -> None:
    """Body of every service's ``migrations/env.py`` (online mode only)."""
    from alembic import context
    runtime: Runtime = context.config.attributes["runtime"]
    with runtime.database.engine.connect() as connection:
        context.configure(connection=connection, target_metadata=runtime.definition.all_metadata(),
                          render_as_batch=connection.dialect.name == "sqlite", compare_type=True)
        with context.begin_transaction():
            context.run_migrations()


def create_chassis_tables_v1() -> None:
    """Create the chassis tables as of version 1 (used by each service's first revision).

    A later change to a chassis table comes with its own step here and its own
    revision in each service; this one stays as it is.
    """
    from alembic import op

    from chassis.tables import metadata
    metadata.create_all(op.get_bind(), tables=[metadata.tables[name] for name in CHASSIS_TABLES_V1])


def drop_chassis_tables_v1() -> None:
    from alembic import op

    from chassis.tables import metadata
    metadata.drop_all(op.get_bind(), tables=[metadata.tables[name] for name in CHASSIS_TABLES_V1])
