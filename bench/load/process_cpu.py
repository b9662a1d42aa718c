"""CPU seconds per process from /proc: the stack's processes, their PostgreSQL backends, RabbitMQ, the driver.

A web process is its gunicorn master and workers; PostgreSQL is the backends connected to the stack's
databases (pg_stat_activity), a backend that came or went between two readings counting only what it
used while both saw it. RabbitMQ is the whole server (``beam.smp``), shared with whatever else uses it.
"""
from __future__ import annotations

import os
import resource
from pathlib import Path

from load_stack import LoadStack

TICKS = os.sysconf("SC_CLK_TCK")
ADMIN_CONNINFO = "postgresql://postgres@127.0.0.1:5432/postgres"


def cpu_seconds(pid: int) -> float:
    """User + system CPU of one process so far (0 if it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICKS


def descendants(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            children = [int(child) for child in (task / "children").read_text().split()]
        except OSError:
            continue
        for child in children:
            found += [child, *descendants(child)]
    return found


def tree_cpu(pid: int) -> dict[int, float]:
    return {member: cpu_seconds(member) for member in [pid, *descendants(pid)]}


def postgres_backends(databases: list[str]) -> dict[int, float]:
    import psycopg

    with psycopg.connect(ADMIN_CONNINFO, autocommit=True) as connection:
        pids = [row[0] for row in connection.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = ANY(%s) AND pid <> pg_backend_pid()", (databases,))]
    return {pid: cpu_seconds(pid) for pid in pids}


def rabbitmq_pids() -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() == "beam.smp":
                    pids.append(int(entry.name))
            except OSError:
                continue
    return pids


def driver_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def snapshot(stack: LoadStack) -> dict[str, dict[int, float]]:
    """{group name: {pid: CPU seconds}} for every group measured."""
    groups = {process.name: tree_cpu(process.pid) for process in stack.named_pids()}
    groups["postgresql (stack's backends)"] = postgres_backends(stack.database_names())
    groups["rabbitmq (whole server)"] = {pid: cpu_seconds(pid) for pid in rabbitmq_pids()}
    groups["load driver"] = {os.getpid(): driver_cpu()}
    return groups


def used_between(before: dict[str, dict[int, float]], after: dict[str, dict[int, float]]) -> dict[str, float]:
    """CPU seconds per group between two snapshots (processes present in both)."""
    return {name: sum(cpu - before.get(name, {}).get(pid, cpu) for pid, cpu in pids.items())
            for name, pids in after.items()}
