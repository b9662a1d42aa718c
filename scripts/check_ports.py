"""Refuse to start when a port of the stack is already taken, and say by whom."""
from __future__ import annotations

import socket
import sys
from pathlib import Path

PORTS = {8000: "gateway", 8001: "identity", 8002: "catalog", 8003: "orders", 8004: "payments", 8005: "analytics",
         8006: "console"}


def holder(port: int) -> str:
    """Best effort: the command line of the process listening on ``port`` (Linux /proc)."""
    inode = _listening_inode(port)
    for fd in Path("/proc").glob("[0-9]*/fd/*"):
        try:
            if inode and fd.readlink().name == f"socket:[{inode}]":
                cmdline = (fd.parent.parent / "cmdline").read_bytes().replace(b"\0", b" ").decode().strip()
                return f"pid {fd.parent.parent.name}: {cmdline}"
        except OSError:
            continue
    return "another process"


def _listening_inode(port: int) -> str | None:
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if int(fields[1].rsplit(":", 1)[1], 16) == port and fields[3] == "0A":
                return fields[9]
    return None


def taken(port: int) -> bool:
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return True
    return False


def main() -> int:
    busy = [port for port in PORTS if taken(port)]
    for port in busy:
        print(f"port {port} ({PORTS[port]}) is in use by {holder(port)}", file=sys.stderr)
    return 1 if busy else 0


if __name__ == "__main__":
    sys.exit(main())
