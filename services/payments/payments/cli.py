"""``payments`` command: web, worker, db, dead-letters (see ``chassis.cli``) and ``reconcile``."""
from __future__ import annotations

import json
from datetime import datetime, timezone

import click

from chassis.cli import metrics_dir_for, service_cli


def main() -> None:
    metrics_dir_for("payments")
    from payments.app import PORT, create_app, definition
    group = service_cli(definition, create_app, PORT)
    group.add_command(reconcile_command)
    group()


@click.command("reconcile", help="Compare the ledger with the provider's records over [--from, --to); "
                                 "exit status 1 when anything differs.")
@click.option("--from", "start", required=True, type=click.DateTime(), help="Inclusive, UTC unless an offset is given")
@click.option("--to", "end", required=True, type=click.DateTime(), help="Exclusive")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON")
def reconcile_command(start: datetime, end: datetime, as_json: bool) -> None:
    from chassis.runtime import Runtime
    from chassis.settings import ConfigurationError, load_settings
    from payments.app import definition
    from payments.reconciliation import reconcile
    from payments.settings import PaymentsSettings
    try:
        uow = Runtime(definition(), load_settings(PaymentsSettings)).uow()
    except ConfigurationError as error:
        raise click.ClickException(str(error)) from None
    with uow:
        report = reconcile(uow.session, _utc(start), _utc(end))
    click.echo(json.dumps(report.to_dict(), indent=2) if as_json else _summary(report))
    if not report.clean:
        raise SystemExit(1)


def _summary(report) -> str:
    head = (f"{report.start.isoformat()} .. {report.end.isoformat()}: {report.ledger_movements} ledger movements, "
            f"{report.provider_operations} provider operations, {len(report.mismatches)} mismatches")
    rows = [f"  {m.problem:22} {m.operation:8} {m.reference}  ledger={m.ledger_amount_minor} "
            f"provider={m.provider_amount_minor} {m.currency}" for m in report.mismatches]
    return "\n".join([head, *rows])


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
