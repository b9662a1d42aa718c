"""What the benchmarks say about the machine they ran on."""
from __future__ import annotations

import platform
import time
from pathlib import Path


def cpu_model() -> str:
    """The CPU's model name (from /proc/cpuinfo on Linux)."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


def machine_ticks() -> tuple[int, int]:
    """(busy, total) jiffies of all CPUs since boot, from /proc/stat (idle and iowait count as not busy)."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    return sum(values) - values[3] - values[4], sum(values)


def busy_share(before: tuple[int, int], after: tuple[int, int]) -> float:
    total = after[1] - before[1]
    return (after[0] - before[0]) / total if total else 0.0


def measure_other_load(seconds: float = 2) -> float:
    """Share of all CPUs busy before anything of ours runs: other load skews every figure."""
    before = machine_ticks()
    time.sleep(seconds)
    busy = busy_share(before, machine_ticks())
    warning = "  <- the machine is not idle: figures will be low and noisy" if busy > 0.15 else ""
    print(f"other load: {busy:.0%} of all CPUs busy over {seconds:g}s before the server starts{warning}")
    return busy
