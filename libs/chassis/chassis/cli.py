"""The command line of every service: web, worker, db, dead-letters.

``<service> web`` starts gunicorn, ``<service> worker`` the worker,
``<service> db upgrade`` applies migrations, ``<service> dead-letters ...``
lists and replays dead letters. Flask's own commands (routes, shell) are
there too.
"""
from __future__ import annotations

import json
import os
import sys
from typing import Callable

import click
from flask.cli import FlaskGroup

from chassis.runtime import ServiceDefinition

DefinitionLoader = Callable[[], ServiceDefinition]


def _runtime(definition: ServiceDefinition):
    from chassis.runtime import Runtime
    from chassis.settings import ConfigurationError, load_settings
    try:
        return Runtime(definition, load_settings(definition.settings_cls))
    except ConfigurationError as error:
        raise click.ClickException(str(error)) from None


def service_cli(load_definition: DefinitionLoader, create_app: Callable, port: int) -> click.Group:
    """Build the ``click`` group of one service."""
    group = FlaskGroup(create_app=lambda: create_app(), help=f"Commands of this service (port {port}).")
    group.add_command(_web_command(load_definition, port))
    group.add_command(_worker_command(load_definition))
    group.add_command(_db_group(load_definition))
    group.add_command(_dead_letter_group(load_definition))
    return group


def metrics_dir_for(service: str) -> None:
    """Point prometheus at this service's shared directory; must run before it is imported."""
    from chassis.settings import var_dir
    directory = os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", str(var_dir() / "metrics" / service))
    os.makedirs(directory, exist_ok=True)


def _web_command(load_definition: DefinitionLoader, port: int) -> click.Command:
    @click.command("web", help="Serve the HTTP API with gunicorn.")
    @click.option("--bind", default=f"127.0.0.1:{port}", show_default=True, envvar="WEB_BIND")
    @click.option("--workers", type=int, default=None, help="Defaults to WEB_CONCURRENCY or 2×CPU+1.")
    def web(bind: str, workers: int | None) -> None:
        definition = load_definition()
        argv = [sys.executable, "-m", "gunicorn", "-c", "python:chassis.gunicorn_conf", "--bind", bind,
                "--name", definition.name]
        if workers:
            argv += ["--workers", str(workers)]
        argv.append(f"{definition.package}.app:create_app()")
        os.execv(sys.executable, argv)
    return web


def _worker_command(load_definition: DefinitionLoader) -> click.Command:
    @click.command("worker", help="Relay the outbox and consume this service's events.")
    def worker() -> None:
        from chassis.logs import configure_logging
        from chassis.worker import run_worker
        runtime = _runtime(load_definition())
        configure_logging(runtime.name, runtime.settings.log_level, runtime.settings.log_json)
        run_worker(runtime)
    return worker


def _db_group(load_definition: DefinitionLoader) -> click.Group:
    from chassis import migrations

    @click.group("db", help="Database migrations (Alembic).")
    def db() -> None:
        pass

    @db.command("upgrade")
    @click.argument("revision", default="heads")
    def upgrade(revision: str) -> None:
        migrations.upgrade(_runtime(load_definition()), revision)

    @db.command("downgrade")
    @click.argument("revision")
    def downgrade(revision: str) -> None:
        migrations.downgrade(_runtime(load_definition()), revision)

    @db.command("current")
    def current() -> None:
        migrations.current(_runtime(load_definition()))

    @db.command("revision")
    @click.option("-m", "--message", required=True)
    @click.option("--empty", is_flag=True, help="Do not autogenerate from the models.")
    def revision(message: str, empty: bool) -> None:
        migrations.revision(_runtime(load_definition()), message, autogenerate=not empty)

    return db


def _dead_letter_group(load_definition: DefinitionLoader) -> click.Group:
    @click.group("dead-letters", help="Inspect and replay events that could not be handled.")
    def dead_letters() -> None:
        pass

    @dead_letters.command("list")
    @click.option("--limit", default=100, show_default=True)
    def list_(limit: int) -> None:
        for letter in _queue(load_definition).list(limit):
            click.echo(json.dumps(letter.summary()))

    @dead_letters.command("show")
    @click.argument("event_id")
    def show(event_id: str) -> None:
        matches = [letter for letter in _queue(load_definition).list(10_000) if letter.event_id == event_id]
        if not matches:
            raise click.ClickException(f"no dead letter with event id {event_id}")
        for letter in matches:
            click.echo(json.dumps({**letter.summary(), "detail": letter.detail, "body": letter.body}, indent=2))

    @dead_letters.command("replay")
    @click.argument("event_id", required=False)
    @click.option("--all", "replay_all", is_flag=True, help="Replay every dead letter.")
    def replay(event_id: str | None, replay_all: bool) -> None:
        if not event_id and not replay_all:
            raise click.UsageError("give an EVENT_ID or --all")
        replayed = _queue(load_definition).replay(None if replay_all else event_id)
        click.echo(f"replayed {len(replayed)} event(s)")
        if event_id and not replayed:
            raise click.ClickException(f"no dead letter with event id {event_id}")

    return dead_letters


def _queue(load_definition: DefinitionLoader):
    from chassis.events.broker import connect
    from chassis.events.deadletter import DeadLetterQueue
    runtime = _runtime(load_definition())
    return DeadLetterQueue(connect(runtime.settings.broker_url), runtime.topology, runtime.name)
