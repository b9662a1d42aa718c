"""Run wrk against one URL and return its figures."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

REPORT_SCRIPT = Path(__file__).resolve().parent / "wrk_report.lua"
STATUSES_SCRIPT = Path(__file__).resolve().parent / "wrk_statuses.lua"  # request scripts dofile() it last
MARKER = "WRK_JSON "
STATUS_MARKER = "WRK_STATUSES "  # optional: answers per HTTP status, from scripts that count them


@dataclass(frozen=True)
class LoadShape:
    """How hard to push: wrk threads, open connections, seconds of load.

    ``timeout``: seconds after which wrk gives up on an answer and counts a timeout
    error instead of a latency (0 keeps wrk's default, 2 s).
    """

    threads: int
    connections: int
    duration: float
    timeout: float = 0


@dataclass(frozen=True)
class LoadResult:
    """One wrk run. Latencies in milliseconds; ``errors`` counts non-2xx/3xx and socket errors.

    ``server_cpu_us_per_request`` is filled in by the harness: CPU the gunicorn
    processes burnt during the run divided by the requests, a figure that
    other load on the machine disturbs far less than requests/s.
    """

    requests: int
    requests_per_second: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    max_ms: float
    errors: dict[str, int]
    server_cpu_us_per_request: float = 0.0
    statuses: dict[str, int] = field(default_factory=dict)  # only from scripts printing WRK_STATUSES


def wrk_path() -> str:
    """The wrk binary, or a message saying how to get it."""
    path = shutil.which("wrk")
    if path is None:
        raise SystemExit("wrk not found: apt-get install -y wrk")
    return path


def run_wrk(url: str, shape: LoadShape, headers: dict[str, str], *, script: Path = REPORT_SCRIPT,
            env: dict[str, str] | None = None) -> LoadResult:
    """Load ``url`` with every request carrying ``headers``; raises if wrk fails.

    ``script`` is the wrk Lua script (it must print the ``WRK_JSON`` line, as
    wrk_report.lua does); ``env`` is extra environment for it, e.g. a POST body.
    """
    return finish_wrk(start_wrk(url, shape, headers, script=script, env=env), shape)


def start_wrk(url: str, shape: LoadShape, headers: dict[str, str], *, script: Path = REPORT_SCRIPT,
              env: dict[str, str] | None = None) -> subprocess.Popen:
    """wrk running in the background (for load alongside something else); ``finish_wrk`` collects it."""
    command = [wrk_path(), f"-t{shape.threads}", f"-c{shape.connections}", f"-d{shape.duration:g}s",
               "--latency", "-s", str(script)]
    if shape.timeout:
        command.append(f"--timeout={shape.timeout:g}s")
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    return subprocess.Popen(command + [url], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            stdin=subprocess.DEVNULL,
                            env={**os.environ, "WRK_REPORT_SCRIPT": str(REPORT_SCRIPT),
                                 "WRK_STATUSES_SCRIPT": str(STATUSES_SCRIPT), **(env or {})})


def finish_wrk(process: subprocess.Popen, shape: LoadShape) -> LoadResult:
    """Wait for wrk and parse its figures; wrk is killed if anything (even Ctrl-C) interrupts the wait."""
    try:
        stdout, stderr = process.communicate(timeout=shape.duration + max(shape.timeout, 2) + 30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    line = next((l for l in stdout.splitlines() if l.startswith(MARKER)), None)
    if process.returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed ({process.returncode}): {stderr or stdout}")
    raw = json.loads(line[len(MARKER):])
    statuses = next((json.loads(l[len(STATUS_MARKER):]) for l in stdout.splitlines() if l.startswith(STATUS_MARKER)),
                    {})
    return LoadResult(
        requests=raw["requests"], requests_per_second=raw["requests"] / (raw["duration_us"] / 1e6),
        p50_ms=raw["p50_us"] / 1000, p95_ms=raw["p95_us"] / 1000, p99_ms=raw["p99_us"] / 1000,
        max_ms=raw["max_us"] / 1000, errors=raw["errors"], statuses=statuses)


def wrk_version() -> str:
    completed = subprocess.run([wrk_path(), "--version"], capture_output=True, text=True, check=False)
    return (completed.stdout or completed.stderr).splitlines()[0].strip()
