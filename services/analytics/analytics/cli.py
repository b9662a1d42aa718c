"""``analytics`` command: web, worker, db, dead-letters (see ``chassis.cli``) and ``rebuild``."""
from __future__ import annotations

import click

from chassis.cli import metrics_dir_for, service_cli


def main() -> None:
    metrics_dir_for("analytics")
    from analytics.app import PORT, create_app, definition
    group = service_cli(definition, create_app, PORT)
    group.add_command(rebuild_command)
    group()


@click.command("rebuild", help="Recompute every sales rollup (hourly and daily) from the fact table, in one "
                               "transaction; consumers keep running and add to the rebuilt rows.")
def rebuild_command() -> None:
    from chassis.runtime import Runtime
    from chassis.settings import ConfigurationError, load_settings
    from analytics.app import definition
    from analytics.rollups import rebuild
    from analytics.settings import AnalyticsSettings
    try:
        uow = Runtime(definition(), load_settings(AnalyticsSettings)).uow()
    except ConfigurationError as error:
        raise click.ClickException(str(error)) from None
    with uow:
        rows = rebuild(uow.session)
        uow.commit()
    click.echo(f"sales rollups rebuilt: {rows} rows")
