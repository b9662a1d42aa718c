"""Queues, exchanges and bindings kept in the broker file, so every process routes alike.

kombu's virtual channels keep exchange types and bindings in process memory:
a publisher that did not declare the topology itself would route nothing.
These channel methods read and write them in the shared file instead.
Exchange declarations are checked for equivalence across processes like
RabbitMQ does (type, durable, auto_delete, arguments); queue arguments (TTL,
dead-lettering, quorum) are ignored.
"""
from __future__ import annotations

import time

from kombu.exceptions import ChannelError
from kombu.transport.virtual.base import NOT_EQUIVALENT_FMT, NotEquivalentError
from kombu.utils.json import dumps, loads

from chassis.events.embedded import messages
from chassis.events.embedded.storage import Database


class SharedTopology:
    """kombu channel methods for queues, exchanges and bindings; mix in before ``virtual.Channel``."""

    _database: Database

    # -- queues ------------------------------------------------------------

    def _new_queue(self, queue, **kwargs):
        with self._database.transaction() as db:
            db.execute("INSERT OR IGNORE INTO queues (name, created_at) VALUES (?, ?)", (queue, time.time()))

    def _has_queue(self, queue, **kwargs):
        return bool(self._database.query("SELECT 1 FROM queues WHERE name = ?", (queue,)))

    def _size(self, queue):
        """Ready (visible) messages, like AMQP's message_count."""
        return messages.count_ready(self._database, queue)

    def _purge(self, queue):
        """Delete ready messages; deliveries in progress are left alone, as in AMQP."""
        return messages.purge_ready(self._database, queue)

    def _delete(self, queue, *args, **kwargs):
        with self._database.transaction() as db:
            messages.delete_queue_messages(self._database, queue)
            db.execute("DELETE FROM bindings WHERE queue = ?", (queue,))
            db.execute("DELETE FROM queues WHERE name = ?", (queue,))

    def queue_delete(self, queue, if_unused=False, if_empty=False, **kwargs):
        with self._database.transaction():
            if if_empty and self._size(queue):
                return
            self._delete(queue)

    # -- exchanges ---------------------------------------------------------

    def exchange_declare(self, exchange=None, type="direct", durable=False, auto_delete=False,
                         arguments=None, nowait=False, passive=False):
        type = type or "direct"
        exchange = exchange or f"amq.{type}"
        if passive:
            self._require_exchange(exchange, "Channel.exchange_declare")
            return
        if type not in self.exchange_types:
            # Stored in the shared file it would break routing in every process.
            raise NotImplementedError(f"embedded broker: unsupported exchange type {type!r}")
        previous = self._store_exchange(exchange, type, durable, auto_delete, arguments)
        if previous is not None and not self.exchange_types[type].equivalent(
                previous, exchange, type, bool(durable), bool(auto_delete), arguments):
            raise NotEquivalentError(NOT_EQUIVALENT_FMT.format(exchange, self.connection.client.virtual_host or "/"))

    def _store_exchange(self, exchange, type, durable, auto_delete, arguments) -> dict | None:
        """Store a new exchange; if one of that name exists, return its declaration instead."""
        with self._database.transaction() as db:
            row = db.execute("SELECT type, durable, auto_delete, arguments FROM exchanges WHERE name = ?",
                             (exchange,)).fetchone()
            if row is None:
                db.execute("INSERT INTO exchanges (name, type, durable, auto_delete, arguments)"
                           " VALUES (?, ?, ?, ?, ?)",
                           (exchange, type, int(bool(durable)), int(bool(auto_delete)), dumps(arguments or {})))
                return None
        return {"type": row[0], "durable": bool(row[1]), "auto_delete": bool(row[2]), "arguments": loads(row[3])}

    def _require_exchange(self, exchange: str, method: str) -> None:
        """Fail like RabbitMQ's 404 when ``exchange`` has not been declared by any process."""
        if not self._database.query("SELECT 1 FROM exchanges WHERE name = ?", (exchange,)):
            vhost = self.connection.client.virtual_host or "/"
            raise ChannelError(f"NOT_FOUND - no exchange {exchange!r} in vhost {vhost!r}", (50, 10), method, "404")

    def exchange_delete(self, exchange, if_unused=False, nowait=False):
        with self._database.transaction() as db:
            if if_unused and db.execute("SELECT 1 FROM bindings WHERE exchange = ?", (exchange,)).fetchone():
                return
            db.execute("DELETE FROM bindings WHERE exchange = ?", (exchange,))
            db.execute("DELETE FROM exchanges WHERE name = ?", (exchange,))

    def get_exchanges(self):
        return [name for (name,) in self._database.query("SELECT name FROM exchanges")]

    def typeof(self, exchange, default="direct"):
        row = self._database.query("SELECT type FROM exchanges WHERE name = ?", (exchange,))
        return self.exchange_types[row[0][0] if row else default]

    # -- bindings ----------------------------------------------------------

    def queue_bind(self, queue, exchange=None, routing_key="", arguments=None, **kwargs):
        exchange = exchange or "amq.direct"
        with self._database.transaction() as db:
            self._require_exchange(exchange, "Channel.queue_bind")
            db.execute("INSERT OR IGNORE INTO bindings (exchange, routing_key, queue) VALUES (?, ?, ?)",
                       (exchange, routing_key, queue))

    def queue_unbind(self, queue, exchange=None, routing_key="", arguments=None, **kwargs):
        with self._database.transaction() as db:
            db.execute("DELETE FROM bindings WHERE exchange = ? AND routing_key = ? AND queue = ?",
                       (exchange or "amq.direct", routing_key, queue))

    def list_bindings(self):
        return self._database.query("SELECT queue, exchange, routing_key FROM bindings")

    def get_table(self, exchange):
        """Routing table of ``exchange`` as (routing_key, pattern, queue), read from the file."""
        exchange_type = self.typeof(exchange)
        return [exchange_type.prepare_bind(queue, exchange, routing_key, None)
                for routing_key, queue in self._database.query(
                    "SELECT routing_key, queue FROM bindings WHERE exchange = ?", (exchange,))]
