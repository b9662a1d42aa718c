"""``analytics-worker``: relays analytics's outbox and consumes its queue."""
from __future__ import annotations

import sys

from chassis.cli import metrics_dir_for


def main() -> None:
    metrics_dir_for("analytics")
    from analytics.cli import main as cli_main
    sys.argv = [sys.argv[0], "worker"]
    cli_main()
