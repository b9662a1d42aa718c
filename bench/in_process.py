"""Profiling one use case in-process (no gunicorn, no load generator): wall and CPU per call, then where
the CPU goes."""
from __future__ import annotations

import cProfile
import io
import pstats
import time
from typing import Callable


def profile_calls(call: Callable[[], object], count: int, what: str) -> dict:
    """Wall and CPU ms per ``call()`` over ``count`` calls, then a cProfile ranking of CPU time (not waits:
    the machine may be shared) by own time, then cumulative. ``what`` names the calls in the header,
    e.g. "placements (catalog over HTTP, no gunicorn)"."""
    wall, cpu = time.perf_counter(), time.process_time()
    for _ in range(count):
        call()
    wall, cpu = (time.perf_counter() - wall) / count * 1000, (time.process_time() - cpu) / count * 1000
    profiler = cProfile.Profile(time.process_time)
    profiler.enable()
    for _ in range(count):
        call()
    profiler.disable()
    text = io.StringIO()
    stats = pstats.Stats(profiler, stream=text)
    stats.sort_stats("tottime").print_stats(20)
    stats.sort_stats("cumulative").print_stats(60)
    header = (f"in-process, {count} {what}: {wall:.2f} ms wall, {cpu:.2f} ms CPU of this process per call; "
              f"cProfile of CPU time by own time, then cumulative:")
    return {"wall_ms": wall, "cpu_ms": cpu, "text": header + "\n" + text.getvalue()}
