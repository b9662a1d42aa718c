"""Orders app factory."""
from __future__ import annotations

from flask import Flask

from chassis.app import build_app
from chassis.runtime import PeriodicJob, Runtime, ServiceDefinition
from orders.settings import OrdersRuntimeSettings, OrdersSettings

PORT = 8003


def definition() -> ServiceDefinition:
    from orders import api, events, models
    return ServiceDefinition(
        name="orders", title="Orders", version="1.0.0", package="orders", settings_cls=OrdersSettings,
        metadata=models.Base.metadata, blueprints=api.blueprints, event_handlers=events.handlers_by_type,
        event_batch_handlers=events.batch_handlers_by_type, runtime_settings=OrdersRuntimeSettings,
        periodic_jobs=periodic_jobs,
        description="Order placement, vendor orders, the order saga, fulfilment and returns.")


def periodic_jobs() -> list[PeriodicJob]:
    """The worker's timers, every ``unpaid_sweep_seconds`` / ``deadline_sweep_seconds`` (``OrdersSettings``)."""
    from chassis.settings import load_settings
    # The chassis asks for the jobs without its settings: the worker's own, read from the same environment.
    settings = load_settings(OrdersSettings)
    return [PeriodicJob("cancel_unpaid_orders", settings.unpaid_sweep_seconds, _cancel_unpaid_orders),
            PeriodicJob("refuse_overdue_vendor_orders", settings.deadline_sweep_seconds, _refuse_overdue),
            PeriodicJob("complete_delivered_vendor_orders", settings.deadline_sweep_seconds, _complete_delivered)]


def _cancel_unpaid_orders(runtime: Runtime) -> None:
    from orders.models.base import now
    from orders.saga import cancel_unpaid
    cancel_unpaid(runtime.uow(), now())


def _refuse_overdue(runtime: Runtime) -> None:
    from orders.fulfilment import refuse_overdue
    from orders.models.base import now
    refuse_overdue(runtime.uow(), now())


def _complete_delivered(runtime: Runtime) -> None:
    from orders.fulfilment import complete_delivered
    from orders.models.base import now
    complete_delivered(runtime.uow(), now())


def create_app(settings: OrdersSettings | None = None) -> Flask:
    return build_app(definition(), settings)
