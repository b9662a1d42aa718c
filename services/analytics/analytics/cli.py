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


@click.command("rebuild", help="Recompute the rollups from what they count (sales: the fact table; traffic: the "
                               "tracked events and sessions), each in one transaction; consumers keep running.")
@click.option("--only", type=click.Choice(("sales", "traffic")), default=None, help="One kind of rollup only")
def rebuild_command(only: str | None) -> None:
    from chassis.runtime import Runtime
    from chassis.settings import ConfigurationError, load_settings
    from analytics import rollups, traffic_rollups
    from analytics.app import definition
    from analytics.settings import AnalyticsSettings
    try:
        runtime = Runtime(definition(), load_settings(AnalyticsSettings))
    except ConfigurationError as error:
        raise click.ClickException(str(error)) from None
    for kind, rebuild in (("sales", rollups.rebuild), ("traffic", traffic_rollups.rebuild)):
        if only in (None, kind):
            with runtime.uow() as uow:
                rows = rebuild(uow.session)
                uow.commit()
            click.echo(f"{kind} rollups rebuilt: {rows} rows")
