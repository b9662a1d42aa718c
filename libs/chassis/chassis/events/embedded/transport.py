"""The embedded broker's kombu transport, its ``embedded://`` alias and where its file is."""
from __future__ import annotations

import os
import sqlite3

import kombu.transport
from kombu.transport import virtual

from chassis.events.embedded.channel import Channel

ALIAS = "embedded"


def register(alias: str = ALIAS) -> None:
    """Make ``Connection("embedded:///path/broker.db")`` resolve to this transport.

    Idempotent; called by the broker factory rather than at import so that
    importing this module changes nothing in kombu.
    """
    # The package, not this module: the name users already spell in URLs and settings.
    kombu.transport.TRANSPORT_ALIASES[alias] = f"{__package__}:Transport"


def database_path(hostname: str | None, transport_options: dict) -> str:
    """The absolute database path for a Connection's hostname/URL and options."""
    path = transport_options.get("path")
    if not path:
        _, sep, path = (hostname or "").partition("://")
        if not sep or not path:
            raise ValueError(
                "embedded broker needs a database path: a URL such as "
                "'embedded:///abs/path/broker.db' or transport_options={'path': ...}")
        if path.startswith("/"):
            # Both "embedded:///abs" and the SQLAlchemy-style "embedded:////abs"
            # must name the same file (POSIX keeps a leading "//" as is).
            path = "/" + path.lstrip("/")
    return os.path.abspath(os.path.expanduser(path))


class Transport(virtual.Transport):
    """kombu transport for the embedded SQLite broker (see the package docstring)."""

    Channel = Channel
    # The URL is a file path, not host/port/vhost: keep it whole.
    can_parse_url = True
    polling_interval = 0.05
    default_port = 0
    driver_type = "sqlite"
    driver_name = "sqlite3"
    # "database is locked" past busy_timeout is worth kombu's retry/reconnect.
    connection_errors = virtual.Transport.connection_errors + (sqlite3.OperationalError,)
    implements = virtual.Transport.implements.extend(exchange_type=frozenset(["direct", "topic", "fanout"]))

    def __init__(self, client, **kwargs):
        super().__init__(client, **kwargs)
        # Resolved now, so a relative path follows the cwd at connection time.
        self.path = database_path(client.hostname, client.transport_options)

    def driver_version(self):
        return sqlite3.sqlite_version

    def as_uri(self, uri, include_password=False, mask="**"):
        return f"{ALIAS}://{self.path}"
