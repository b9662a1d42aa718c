"""Stored messages: the SQL on the messages table, and the receipt each delivery carries.

A row is one message in one queue, FIFO by row id (priority is stored but
ignored). It is ready once ``visible_at`` has passed; a claimed, unacked row is
hidden by moving ``visible_at`` past its visibility timeout, and
``delivery_count`` numbers its deliveries. Times are wall-clock
(``time.time()``) because they are compared across processes.

Every function opens its own transaction on the :class:`Database`, which joins
the caller's when one is already open.
"""
from __future__ import annotations

import time

from kombu.utils.json import loads
from kombu.utils.uuid import uuid

from chassis.events.embedded.storage import Database

# The index is (queue, id, visible_at), not (queue, visible_at, id): walking a
# queue in id order stops at the first visible row, skipping only in-flight
# ones inside the index, whereas a visible_at range must sort the whole ready
# backlog on every fetch (measured: 5100 vs 700 fetches/s with 10k waiting).
#
# Oldest visible message of a queue. Used twice by claim_next: once without a
# lock to find out cheaply whether there is anything to take, once under the
# write lock to take it.
_NEXT_VISIBLE = ("SELECT id, payload, delivery_count FROM messages"
                 " WHERE queue = ? AND visible_at <= ? ORDER BY id LIMIT 1")


def publish(database: Database, queue: str, payload: str, priority: int) -> None:
    """Append a serialised message to ``queue``, ready at once."""
    now = time.time()
    with database.transaction() as db:
        db.execute(
            "INSERT INTO messages (queue, payload, priority, visible_at, delivery_count, created_at)"
            " VALUES (?, ?, ?, ?, 0, ?)",
            (queue, payload, priority, now, now))


def claim_next(database: Database, queue: str, hide_for: float | None) -> tuple[int, str, int] | None:
    """Take the oldest ready message: hide it for ``hide_for`` seconds, or delete it if None.

    Returns ``(row_id, payload, delivery_count)``, the count including this
    delivery, or None when nothing is ready.
    """
    now = time.time()
    # Idle polling must not take the write lock, or every idle consumer
    # would queue up behind (and in front of) the publishers.
    if not database.query(_NEXT_VISIBLE, (queue, now)):
        return None
    with database.transaction() as db:
        row = db.execute(_NEXT_VISIBLE, (queue, now)).fetchone()
        if row is None:  # a competing consumer took it in between
            return None
        row_id, payload, count = row
        if hide_for is None:
            db.execute("DELETE FROM messages WHERE id = ?", (row_id,))
        else:
            db.execute("UPDATE messages SET visible_at = ?, delivery_count = ? WHERE id = ?",
                       (now + float(hide_for), count + 1, row_id))
    return row_id, payload, count + 1


def as_delivery(row_id: int, payload: str, delivery_count: int) -> dict:
    """The kombu message of a claimed row, stamped with this delivery's tag and receipt."""
    message = loads(payload)
    properties = message["properties"]
    # A fresh tag per delivery: the same row may be delivered again to this
    # channel (visibility timeout) while the first delivery is still held.
    properties["delivery_tag"] = uuid()
    properties.setdefault("delivery_info", {}).update(
        # The receipt: which row to delete on ack, and which delivery of it
        # this is, so a stale holder cannot unhide a newer delivery.
        embedded_row_id=row_id,
        embedded_delivery_count=delivery_count,
        redelivered=delivery_count > 1,
    )
    return message


def receipt(delivery_info: dict) -> tuple[int, int]:
    """``(row_id, delivery_count)`` of a delivery; KeyError if it carries no receipt."""
    return delivery_info["embedded_row_id"], delivery_info["embedded_delivery_count"]


def settle(database: Database, row_id: int) -> None:
    """Delete a delivered row for good (ack, or reject without requeue)."""
    with database.transaction() as db:
        db.execute("DELETE FROM messages WHERE id = ?", (row_id,))


def release(database: Database, row_id: int, delivery_count: int) -> None:
    """Make a delivery ready again now, unless the row has since been delivered anew."""
    with database.transaction() as db:
        db.execute("UPDATE messages SET visible_at = ? WHERE id = ? AND delivery_count = ?",
                   (time.time(), row_id, delivery_count))


def count_ready(database: Database, queue: str) -> int:
    """Ready (visible) messages of ``queue``, like AMQP's message_count."""
    return database.query("SELECT COUNT(*) FROM messages WHERE queue = ? AND visible_at <= ?",
                          (queue, time.time()))[0][0]


def purge_ready(database: Database, queue: str) -> int:
    """Delete the ready messages of ``queue``; deliveries in progress are left alone, as in AMQP."""
    with database.transaction() as db:
        return db.execute("DELETE FROM messages WHERE queue = ? AND visible_at <= ?",
                          (queue, time.time())).rowcount


def delete_queue_messages(database: Database, queue: str) -> None:
    """Delete every message of ``queue``, in progress or not."""
    with database.transaction() as db:
        db.execute("DELETE FROM messages WHERE queue = ?", (queue,))
