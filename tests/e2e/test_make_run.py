"""`make run` brings the whole stack up and Ctrl-C takes it all down, twice in a row."""
from __future__ import annotations

import os
import signal
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PORTS = (8000, 8001, 8002, 8003, 8004, 8005, 8006)
pytestmark = pytest.mark.slow


def ready(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def listening(port: int) -> bool:
    import socket
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


def start_make_run(var_dir: Path, log_path: Path) -> subprocess.Popen:
    env = {**os.environ, "MARKETPLACE_VAR_DIR": str(var_dir), "WEB_CONCURRENCY": "1"}
    for name in list(env):  # the stack runs on its embedded defaults, whatever backend the suite uses
        if name.startswith(("MARKETPLACE_TEST_", "PROMETHEUS_")):
            env.pop(name)
    with log_path.open("wb") as log:
        return subprocess.Popen(["make", "--no-print-directory", "run"], cwd=ROOT, env=env, stdout=log,
                                stderr=subprocess.STDOUT, start_new_session=True)


def wait_until(condition, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.5)
    return False


@pytest.fixture
def free_ports():
    busy = [port for port in PORTS if listening(port)]
    if busy:
        pytest.fail(f"ports {busy} are taken before the test; stop what holds them")


def test_make_run_serves_every_readyz_and_ctrl_c_frees_every_port_twice(tmp_path, free_ports):
    for attempt in (1, 2):
        log_path = tmp_path / f"make-run-{attempt}.log"
        stack = start_make_run(tmp_path / "var", log_path)
        try:
            up = wait_until(lambda: all(ready(port) for port in PORTS), timeout=90)
            assert up, f"not every /readyz answered 200:\n{log_path.read_text()[-4000:]}"
            assert wait_until(lambda: "ready in" in log_path.read_text(), timeout=10), "URLs were not printed"
        finally:
            os.killpg(stack.pid, signal.SIGINT)  # what Ctrl-C in the terminal does
            stack.wait(timeout=60)
        assert wait_until(lambda: not any(listening(port) for port in PORTS), timeout=15), \
            f"ports still held after Ctrl-C:\n{log_path.read_text()[-3000:]}"
