"""The worker process of a service: relays its outbox and consumes its queue.

Two threads, each with its own broker connection: the relay (outbox to
broker, plus the sweeper and the service's periodic jobs) and the consumer
(queue to handlers). SIGTERM or SIGINT stops both after the message in hand
is finished, or at once while the broker is away (the consumer reconnects
every few seconds until it is back).
"""
from __future__ import annotations

import logging
import signal
import socket
import threading
import time
from contextlib import contextmanager
from typing import Callable

from kombu import Connection, Consumer
from kombu.mixins import ConsumerMixin

from chassis.events.broker import connect
from chassis.events.consumer import EventConsumer
from chassis.events.deadletter import DeadLetterPublisher
from chassis.events.relay import OutboxRelay
from chassis.idempotency import purge_expired
from chassis.runtime import PeriodicJob, Runtime

log = logging.getLogger("chassis.worker")
SWEEP_EVERY_SECONDS = 30.0
BACKLOG_EVERY_SECONDS = 5.0
PREFETCH = 10  # unacked deliveries in hand at least (a service's event_batch_size, if larger)
# How long held events wait for more before being handled: under a backlog the
# prefetched deliveries are already in hand; alone, an event waits this much more.
BATCH_WAIT_SECONDS = 0.005
# Longest wait between two attempts to reconnect the consumer (kombu's own grows to 30 s): once the
# broker is back, events flow again within seconds however long it was away.
RECONNECT_MAX_SECONDS = 3.0


class _Stopping(Exception):
    """Ends a wait for the broker when the worker is asked to stop."""


class _QueueConsumer(ConsumerMixin):
    """kombu's ConsumerMixin brings reconnection with backoff when the broker goes away."""

    def __init__(self, connection: Connection, runtime: Runtime, stop: threading.Event) -> None:
        self.connection = connection
        self.runtime = runtime
        self.stop = stop
        self.event_consumer = EventConsumer(
            service=runtime.name, handlers=runtime.definition.event_handlers(), new_uow=runtime.uow,
            dead_letters=DeadLetterPublisher(connection, runtime.topology, runtime.name),
            max_attempts=runtime.settings.event_max_attempts,
            retry_base_delay=runtime.settings.event_retry_base_delay,
            crash_before_ack=runtime.settings.fault_crash_before_ack,
            batch_handlers=runtime.definition.event_batch_handlers(), batch_size=runtime.definition.event_batch_size)

    @property
    def should_stop(self) -> bool:  # type: ignore[override]
        return self.stop.is_set()

    @should_stop.setter
    def should_stop(self, value: bool) -> None:
        if value:
            self.stop.set()

    def run(self, *args, **kwargs) -> None:
        try:
            super().run(*args, **kwargs)
        except _Stopping:  # asked to stop while the broker was away: nothing in hand
            pass

    @contextmanager
    def establish_connection(self):
        """kombu's, with attempts 1 s, 2 s, then RECONNECT_MAX_SECONDS apart, given up when the worker is
        asked to stop; the topology is declared on the connection consumed from (``self.connection`` is
        only the template kombu clones, dead after a drop)."""
        with self.create_connection() as connection:
            connection.ensure_connection(self.on_connection_error, self.connect_max_retries, interval_start=1,
                                         interval_step=1, interval_max=RECONNECT_MAX_SECONDS,
                                         callback=self._unless_stopping)
            self.runtime.topology.declare(connection)
            yield connection

    def _unless_stopping(self) -> None:
        """Called by kombu every second while it waits to reconnect."""
        if self.should_stop:
            raise _Stopping

    def consume(self, limit=None, timeout=None, safety_interval=1, **kwargs):
        """kombu's consume loop, plus batches: held events are handled once nothing more arrives at once."""
        with self.consumer_context(**kwargs) as (connection, _channel, _consumers):
            self.event_consumer.forget_held()  # a new channel: the broker delivers again what an old one held
            while not self.should_stop:
                holding = self.event_consumer.holds_events
                try:
                    connection.drain_events(timeout=BATCH_WAIT_SECONDS if holding else safety_interval)
                except socket.timeout:
                    self.event_consumer.flush()
                    connection.heartbeat_check()
                except OSError:
                    if not self.should_stop:
                        raise
                else:
                    yield
            self.event_consumer.flush()  # stopping: finish what is in hand

    def get_consumers(self, consumer_cls: type[Consumer], channel) -> list[Consumer]:
        queue = self.runtime.topology.queue(self.runtime.name)
        return [consumer_cls(queues=[queue], on_message=self.event_consumer.on_message, accept=["json"],
                             prefetch_count=max(PREFETCH, self.runtime.definition.event_batch_size))]


class PeriodicJobs:
    """Runs each of a service's periodic jobs when its turn comes (``clock``: seconds, monotonic)."""

    def __init__(self, runtime: Runtime, jobs: list[PeriodicJob], clock: Callable[[], float] = time.monotonic) -> None:
        self.runtime, self.jobs, self.clock = runtime, list(jobs), clock
        self._next_run = {job.name: float("-inf") for job in self.jobs}

    def run_due(self) -> list[str]:
        """Run the jobs whose turn has come; their names. A failing job does not stop the others."""
        ran = []
        for job in self.jobs:
            moment = self.clock()
            if moment < self._next_run[job.name]:
                continue
            self._next_run[job.name] = moment + job.every_seconds
            try:
                job.run(self.runtime)
            except Exception:
                log.exception("periodic job failed", extra={"job": job.name})
            ran.append(job.name)
        return ran


def run_relay(runtime: Runtime, stop: threading.Event) -> None:
    """Relay loop: publish pending outbox rows until ``stop`` is set."""
    settings = runtime.settings
    with connect(settings.broker_url, confirm_publish=True) as connection:
        relay = OutboxRelay(runtime.database.sessions, connection, runtime.topology,
                            batch_size=settings.outbox_batch_size, claim_timeout=settings.outbox_claim_timeout_seconds,
                            retention_hours=settings.outbox_retention_hours)
        next_sweep = next_backlog = 0.0
        jobs = PeriodicJobs(runtime, runtime.definition.periodic_jobs())
        while not stop.is_set():
            now = time.monotonic()
            try:
                jobs.run_due()
                if now >= next_sweep:
                    relay.sweep()
                    purge_expired(runtime.database.sessions)
                    next_sweep = now + SWEEP_EVERY_SECONDS
                if now >= next_backlog:
                    relay.backlog()
                    next_backlog = now + BACKLOG_EVERY_SECONDS
                if relay.relay_once() >= settings.outbox_batch_size:
                    continue  # more is waiting: no pause
            except Exception:
                log.exception("outbox relay iteration failed")
                stop.wait(1.0)
            stop.wait(settings.outbox_poll_interval)


def run_worker(runtime: Runtime) -> None:
    """Run relay and consumer until SIGTERM/SIGINT."""
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    if runtime.settings.worker_metrics_port:
        from chassis.metrics import serve_metrics
        serve_metrics(runtime.settings.worker_metrics_port)
    relay = threading.Thread(target=run_relay, args=(runtime, stop), name="outbox-relay", daemon=True)
    relay.start()
    log.info("worker started", extra={"queue": runtime.topology.queue_name(runtime.name),
                                      "handles": sorted(runtime.definition.event_handlers())})
    from contracts.subscriptions import subscriptions
    if subscriptions(runtime.name):
        with connect(runtime.settings.broker_url, visibility_timeout=runtime.settings.broker_visibility_timeout) as conn:
            _QueueConsumer(conn, runtime, stop).run()
    else:
        stop.wait()
    relay.join(timeout=10)
    log.info("worker stopped")
