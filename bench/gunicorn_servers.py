"""Start, probe and stop the gunicorn servers the benchmark loads."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
READY_TIMEOUT_SECONDS = 30.0
STOP_TIMEOUT_SECONDS = 10.0
# gunicorn reads these in chassis.gunicorn_conf; the command line must decide, not the caller's shell.
_WEB_VARIABLES = ("WEB_CONCURRENCY", "WEB_THREADS", "WEB_TIMEOUT", "WEB_MAX_REQUESTS", "PROMETHEUS_MULTIPROC_DIR")


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class GunicornServer:
    """One gunicorn master serving ``app`` on a free local port (sync workers unless told otherwise).

    ``worker_class`` and ``threads`` go on the command line (``gthread`` with
    ``threads`` > 1 serves several requests per worker and keeps connections alive).
    stdout (the chassis JSON access log) and stderr (gunicorn's own log) go to
    files in ``log_dir``; ``stop()`` ends the process group it started.
    """

    name: str
    app: str
    workers: int
    log_dir: Path
    config: str | None = None
    env: dict[str, str] = field(default_factory=dict)
    #: More variables of the caller's shell to leave out (besides the ``WEB_*`` ones).
    drop_env: tuple[str, ...] = ()
    worker_class: str = "sync"
    threads: int = 1
    port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = field(default=None, repr=False)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def worker_setup(self) -> str:
        """The worker options as on the command line, for reports."""
        threads = f" --threads {self.threads}" if self.threads > 1 else ""
        return f"--worker-class {self.worker_class} --workers {self.workers}{threads}"

    @property
    def stdout_path(self) -> Path:
        return self.log_dir / f"{self.name}-stdout.log"

    @property
    def stderr_path(self) -> Path:
        return self.log_dir / f"{self.name}-gunicorn.log"

    def command(self) -> list[str]:
        command = [sys.executable, "-m", "gunicorn", "--chdir", str(REPO_ROOT),
                   "--bind", f"127.0.0.1:{self.port}", "--workers", str(self.workers),
                   "--worker-class", self.worker_class, "--threads", str(self.threads),
                   "--log-level", "warning"]
        if self.config:
            command += ["--config", self.config]
        return command + [self.app]

    def start(self, probe_path: str) -> None:
        """Start gunicorn and wait until ``probe_path`` answers any HTTP status."""
        env = {key: value for key, value in os.environ.items()
               if key not in _WEB_VARIABLES and key not in self.drop_env}
        env.update(self.env)
        with open(self.stdout_path, "wb") as stdout, open(self.stderr_path, "wb") as stderr:
            # A session of its own: Ctrl-C reaches the harness, which then stops us in order.
            self.process = subprocess.Popen(self.command(), env=env, stdout=stdout, stderr=stderr,
                                            stdin=subprocess.DEVNULL, start_new_session=True)
        self._wait_ready(probe_path)

    def _wait_ready(self, probe_path: str) -> None:
        deadline = time.monotonic() + READY_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} gunicorn exited ({self.process.returncode}):\n{self.log_tail()}")
            try:
                urllib.request.urlopen(self.base_url + probe_path, timeout=1).close()
                return
            except urllib.error.HTTPError:
                return  # answered, e.g. 401 without a token: the app is up
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"{self.name} gunicorn not ready after {READY_TIMEOUT_SECONDS:.0f}s:\n{self.log_tail()}")

    def cpu_seconds(self) -> float:
        """User + system CPU the master and its live workers have used so far (Linux /proc)."""
        pids = [self.process.pid] + _children(self.process.pid)
        return sum(_cpu_seconds(pid) for pid in pids)

    def log_tail(self, lines: int = 20) -> str:
        text = self.stderr_path.read_text(errors="replace") if self.stderr_path.exists() else ""
        return "\n".join(text.splitlines()[-lines:])

    def stop(self) -> None:
        """Graceful stop (SIGTERM to the master), then SIGKILL to its group if it lingers."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(STOP_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


class ServiceWeb(GunicornServer):
    """``<service> web --bind 127.0.0.1:<port> --workers N``: a service's own gunicorn command.

    It execs gunicorn with ``-c python:chassis.gunicorn_conf`` (sync workers), so the
    process started is the gunicorn master and ``stop()``/``cpu_seconds()`` work as
    for any server here. ``name`` is the service (its console script in .venv/bin).
    """

    def command(self) -> list[str]:
        return [str(Path(sys.executable).parent / self.name), "web", "--bind", f"127.0.0.1:{self.port}",
                "--workers", str(self.workers)]


def _children(pid: int) -> list[int]:
    text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    return [int(child) for child in text.split()]


def _cpu_seconds(pid: int) -> float:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return 0.0  # exited between listing and reading
    # Fields after the parenthesised command name; utime and stime are the 14th and 15th overall.
    fields = stat.rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
