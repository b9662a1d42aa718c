"""Embedded broker: a kombu virtual transport on one SQLite file, at-least-once across processes.

Why not kombu's own ``sqla``/``filesystem`` transports: ``sqla`` hides a message
for good when it is fetched (a consumer SIGKILLed before its ack loses it) and,
like every virtual transport, keeps exchange types and bindings in process
memory, so a publisher that did not declare the topology itself routes
nothing. Here everything lives in the file: messages, queues, exchanges and
bindings, so any process that opens it routes and consumes correctly.

Usage::

    from kombu import Connection
    from chassis.events import embedded

    Connection("embedded:///abs/path/broker.db", transport=embedded.Transport)
    Connection("sqlite:///abs/path/broker.db", transport="chassis.events.embedded:Transport")
    Connection(transport=embedded.Transport, transport_options={"path": "var/broker.db"})

    embedded.register()                          # once, adds the "embedded" alias
    Connection("embedded:///abs/path/broker.db")

Where the file is: ``transport_options["path"]`` if given, else everything
after ``://`` in the URL (any scheme, the transport ignores it). A leading run
of slashes names an absolute path, so ``embedded:///abs/b.db`` and the
SQLAlchemy-style ``embedded:////abs/b.db`` are the same file; without a leading
slash (``embedded://var/b.db``) the path is relative. Relative paths are
resolved against the cwd when the Connection's transport is created. Missing
parent directories are created.

Transport options:

* ``visibility_timeout`` (seconds, default 30): how long a fetched, unacked
  message stays hidden. A consumer that dies without acking (even SIGKILL) gets
  its messages redelivered once this expires; a handler slower than this sees
  its message delivered a second time elsewhere, hence at-least-once.
* ``polling_interval`` (seconds, default 0.05): sleep between empty polls.
* ``path``: the database file (see above).
* kombu's virtual-channel options, e.g. ``deadletter_queue`` (unroutable
  messages are otherwise dropped, as on RabbitMQ).

Semantics: FIFO per queue (by row id; priority is stored but ignored).
``basic_ack`` and ``reject(requeue=False)`` delete the row; ``reject(requeue=True)``,
``recover`` and a clean channel close make the delivery visible again at once.
Redeliveries carry ``delivery_info["redelivered"] = True`` and
``delivery_info["embedded_delivery_count"]``. Times are wall-clock
(``time.time()``) because they are compared across processes. Exchange
declarations are checked for equivalence across processes like RabbitMQ does
(type, durable, auto_delete, arguments): delete the file after changing them.
Queue arguments (TTL, dead-lettering, quorum) are ignored.

Layout: ``transport`` (Transport, the alias, where the file is), ``channel``
(publishing, fetching, settling), ``topology`` (queues, exchanges, bindings),
``messages`` (the message rows and delivery receipts), ``storage`` (schema and
connection).
"""
from kombu.transport.virtual.base import NotEquivalentError

from chassis.events.embedded.channel import Channel
from chassis.events.embedded.storage import connect_database
from chassis.events.embedded.transport import ALIAS, Transport, database_path, register

__all__ = [
    "ALIAS",
    "Channel",
    "NotEquivalentError",
    "Transport",
    "connect_database",
    "database_path",
    "register",
]
