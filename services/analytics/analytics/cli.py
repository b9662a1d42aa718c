"""``analytics`` command: web, worker, db, dead-letters (see ``chassis.cli``) and ``rebuild`` (``--facts``: from
the event log)."""
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
                               "tracked events and sessions), each in one transaction; consumers keep running. "
                               "With --facts, first rebuild the sales facts by replaying the event log.")
@click.option("--only", type=click.Choice(("sales", "traffic")), default=None, help="One kind of rollup only")
@click.option("--facts", "--from-events", "from_events", is_flag=True,
              help="Sales: empty the facts and rollups, replay every logged event (event-time order) and rebuild "
                   "the rollups, in one transaction")
def rebuild_command(only: str | None, from_events: bool) -> None:
    from chassis.runtime import Runtime
    from chassis.settings import ConfigurationError, load_settings
    from analytics import event_log, rollups, traffic_rollups
    from analytics.app import definition
    from analytics.settings import AnalyticsSettings
    if from_events and only == "traffic":
        raise click.UsageError("--facts replays sales events: it cannot go with --only traffic")
    try:
        runtime = Runtime(definition(), load_settings(AnalyticsSettings))
    except ConfigurationError as error:
        raise click.ClickException(str(error)) from None
    for kind, rebuild in (("sales", rollups.rebuild), ("traffic", traffic_rollups.rebuild)):
        if only in (None, kind):
            with runtime.uow() as uow:
                if kind == "sales" and from_events:
                    try:
                        replayed, rows = event_log.replay(uow.session)
                    except event_log.IncompleteLog as error:
                        raise click.ClickException(f"nothing changed: {error}") from None
                    click.echo(f"sales facts rebuilt from {replayed} logged events")
                else:
                    rows = rebuild(uow.session)
                uow.commit()
            click.echo(f"{kind} rollups rebuilt: {rows} rows")
