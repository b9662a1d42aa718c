"""The embedded broker's kombu channel: publishing, fetching and settling deliveries.

A fetched message is hidden, not removed, until its delivery is settled:
``basic_ack`` and ``reject(requeue=False)`` delete the row;
``reject(requeue=True)``, ``recover`` and a clean close make it visible again
at once; a consumer that dies without acking gets it back once the visibility
timeout expires. Queues, exchanges and bindings come from :mod:`.topology`.
"""
from __future__ import annotations

import logging
from queue import Empty

from kombu.transport import virtual
from kombu.utils.json import dumps

from chassis.events.embedded import messages
from chassis.events.embedded.storage import Database
from chassis.events.embedded.topology import SharedTopology

# Named after the package, not this module: to whoever reads the logs the
# embedded broker is one component.
logger = logging.getLogger(__package__)


class Channel(SharedTopology, virtual.Channel):
    """Virtual channel whose messages, queues, exchanges and bindings live in SQLite."""

    # kombu's restore re-publishes unacked messages as copies, which would
    # duplicate rows that are still in the table; close() instead makes this
    # channel's own deliveries visible again.
    do_restore = False
    # Fanout works like topic here: the bindings table is already shared.
    supports_fanout = True
    visibility_timeout = 30.0
    from_transport_options = virtual.Channel.from_transport_options + ("visibility_timeout",)

    def __init__(self, connection, **kwargs):
        self._database = Database(connection.path)
        self._noack_queues: set[str] = set()
        super().__init__(connection, **kwargs)

    # -- publishing --------------------------------------------------------

    def _put(self, queue, message, **kwargs):
        messages.publish(self._database, queue, dumps(message), self._get_message_priority(message))

    def basic_publish(self, message, exchange, routing_key, **kwargs):
        # One transaction per publish: a message routed to several queues lands
        # in all of them or none, routed on a consistent view of the bindings.
        with self._database.transaction():
            return super().basic_publish(message, exchange, routing_key, **kwargs)

    def _put_fanout(self, exchange, message, routing_key, **kwargs):
        for queue in self._lookup(exchange, routing_key):
            self._put(queue, message, **kwargs)

    # -- fetching ----------------------------------------------------------

    def _get(self, queue, timeout=None):
        return self._fetch(queue, consume=queue in self._noack_queues)

    def _fetch(self, queue: str, consume: bool = False) -> dict:
        """Take the oldest visible message: hide it for visibility_timeout, or delete it if ``consume``.

        Raises Empty when there is none.
        """
        row = messages.claim_next(self._database, queue, None if consume else self.visibility_timeout)
        if row is None:
            raise Empty()
        return messages.as_delivery(*row)

    def basic_get(self, queue, no_ack=False, **kwargs):
        try:
            payload = self._fetch(queue, consume=no_ack)
        except Empty:
            return None
        message = self.Message(payload, channel=self)
        if not no_ack:
            self.qos.append(message, message.delivery_tag)
        return message

    def basic_consume(self, queue, no_ack, callback, consumer_tag, **kwargs):
        # no_ack consumers never ack: delete at fetch time, or the row would
        # come back after every visibility timeout.
        if no_ack:
            self._noack_queues.add(queue)
        return super().basic_consume(queue, no_ack, callback, consumer_tag, **kwargs)

    def basic_cancel(self, consumer_tag):
        if consumer_tag in self._consumers:
            self._noack_queues.discard(self._tag_to_queue.get(consumer_tag))
        return super().basic_cancel(consumer_tag)

    # -- settling ----------------------------------------------------------

    def basic_ack(self, delivery_tag, multiple=False):
        try:
            self._delete_delivery(delivery_tag)
        finally:
            # Free the prefetch slot even if the delete failed: the row then
            # simply comes back after the visibility timeout.
            super().basic_ack(delivery_tag, multiple)

    def basic_reject(self, delivery_tag, requeue=False):
        try:
            if not requeue:
                self._delete_delivery(delivery_tag)
        finally:
            # With requeue the QoS calls _restore_at_beginning -> _restore.
            super().basic_reject(delivery_tag, requeue=requeue)

    def _delete_delivery(self, delivery_tag) -> None:
        try:
            row_id, _ = messages.receipt(self.qos.get(delivery_tag).delivery_info)
        except KeyError:  # not held by this channel, or not from a row
            return
        messages.settle(self._database, row_id)

    def _restore(self, message):
        """Make an unacked delivery visible again now (requeue, recover, close)."""
        if "embedded_row_id" not in message.delivery_info:
            return
        messages.release(self._database, *messages.receipt(message.delivery_info))

    def close(self):
        if self.closed:
            return super().close()
        try:
            if self._qos is not None:
                errors = self._qos.restore_unacked()
                if errors:
                    logger.error("embedded broker: could not release %d unacked deliveries: %r",
                                 len(errors), [exc for exc, _ in errors])
            super().close()
        finally:
            self._database.close()
