"""``console`` command: web and db (see ``chassis.cli``)."""
from __future__ import annotations

from chassis.cli import metrics_dir_for, service_cli


def main() -> None:
    metrics_dir_for("console")
    from console.app import PORT, create_app, definition
    service_cli(definition, create_app, PORT)()
