"""Broker connections: RabbitMQ in production, the embedded SQLite broker by default."""
from __future__ import annotations

from kombu import Connection


def is_embedded(url: str) -> bool:
    return url.startswith("embedded:")


def connect(url: str, *, visibility_timeout: float = 30.0, confirm_publish: bool = False,
            connect_timeout: float = 5.0) -> Connection:
    """A kombu connection for ``url`` (not yet connected).

    ``confirm_publish`` makes RabbitMQ acknowledge each publish before
    ``publish()`` returns; the embedded broker commits synchronously anyway.
    """
    options: dict = {}
    if is_embedded(url):
        from chassis.events import embedded
        embedded.register()
        options = {"visibility_timeout": visibility_timeout, "polling_interval": 0.05}
    elif url.startswith(("amqp", "pyamqp")):
        options = {"confirm_publish": confirm_publish}
    return Connection(url, transport_options=options, connect_timeout=connect_timeout, heartbeat=0)


def check(url: str, *, timeout: float = 2.0) -> None:
    """Raise if the broker cannot be reached within ``timeout`` seconds."""
    with connect(url, connect_timeout=timeout) as connection:
        connection.ensure_connection(max_retries=1, interval_start=0, timeout=timeout)
