"""Real service processes for end-to-end tests: start, watch the log, stop or kill."""
from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path


class ServiceProcess:
    """One command of a service (``payments worker``, ``orders web``...) with its own log file."""

    def __init__(self, argv: list[str], env: dict[str, str], log_path: Path) -> None:
        self.argv = argv
        self.env = {**os.environ, **env}
        self.log_path = log_path
        self.process: subprocess.Popen | None = None

    @classmethod
    def command(cls, service: str, *args: str, env: dict[str, str], log_path: Path) -> "ServiceProcess":
        executable = Path(sys.executable).parent / service
        return cls([str(executable), *args], env, log_path)

    def start(self) -> "ServiceProcess":
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(self.argv, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                                        start_new_session=True)
        log.close()
        return self

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def wait_for_log(self, pattern: str, timeout: float = 20.0, count: int = 1) -> str:
        """Wait until ``pattern`` (a regex) appears ``count`` times; fail with the log tail otherwise."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            text = self.log()
            if len(re.findall(pattern, text)) >= count:
                return text
            if self.process and self.process.poll() is not None:
                break
            time.sleep(0.1)
        raise AssertionError(f"{pattern!r} not seen {count}x in {self.argv[-1]} log:\n{self.log()[-3000:]}")

    def wait_exit(self, timeout: float = 20.0) -> int:
        assert self.process is not None
        return self.process.wait(timeout=timeout)

    def stop(self, timeout: float = 15.0) -> int | None:
        """SIGTERM the process group, then SIGKILL what is left."""
        if not self.process or self.process.poll() is not None:
            return self.process.returncode if self.process else None
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            return self.process.wait(timeout=5)


def service_env(settings, extra: dict[str, str] | None = None) -> dict[str, str]:
    """Environment variables giving a subprocess the same configuration as ``settings``."""
    prefix = type(settings).env_prefix()
    names = ("database_url", "broker_url", "broker_namespace", "broker_visibility_timeout", "jwt_issuer",
             "jwks_url", "event_retry_base_delay", "event_max_attempts", "outbox_poll_interval")
    env = {f"{prefix}{name.upper()}": str(getattr(settings, name)) for name in names}
    env[f"{prefix}JWT_AUDIENCES"] = _json_list(settings.jwt_audiences)
    env[f"{prefix}LOG_JSON"] = "true"
    env.update(extra or {})
    return env


def _json_list(values) -> str:
    import json
    return json.dumps(list(values))
