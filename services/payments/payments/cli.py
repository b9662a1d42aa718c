"""``payments`` command: web, worker, db, dead-letters (see ``chassis.cli``)."""
from __future__ import annotations

from chassis.cli import metrics_dir_for, service_cli


def main() -> None:
    metrics_dir_for("payments")
    from payments.app import PORT, create_app, definition
    service_cli(definition, create_app, PORT)()
