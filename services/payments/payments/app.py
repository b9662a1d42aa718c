"""Payments app factory."""
from __future__ import annotations

from flask import Flask

from chassis.app import build_app
from chassis.runtime import PeriodicJob, Runtime, ServiceDefinition
from payments.settings import PaymentsRuntimeSettings, PaymentsSettings

PORT = 8004


def definition() -> ServiceDefinition:
    from payments import api, events, models
    return ServiceDefinition(
        name="payments", title="Payments", version="1.0.0", package="payments", settings_cls=PaymentsSettings,
        metadata=models.Base.metadata, blueprints=api.blueprints, event_handlers=events.handlers_by_type,
        runtime_settings=PaymentsRuntimeSettings, periodic_jobs=periodic_jobs,
        description="Authorize, capture, void and refund; commissions, ledger, balances and payouts.")


def periodic_jobs() -> list[PeriodicJob]:
    """The worker's timers: every ``payout_sweep_seconds`` (``PaymentsSettings``) a scheduled payout run if due;
    every minute, payments left pending by an error or a dead process are failed."""
    from chassis.settings import load_settings
    # The chassis asks for the jobs without its settings: the worker's own, read from the same environment.
    settings = load_settings(PaymentsSettings)
    return [PeriodicJob("scheduled_payout_run", settings.payout_sweep_seconds, _scheduled_payout_run),
            PeriodicJob("abandon_stale_payments", 60.0, _abandon_stale_payments)]


def _scheduled_payout_run(runtime: Runtime) -> None:
    from payments.payouts import run_scheduled_payouts
    run_scheduled_payouts(runtime.uow)


def _abandon_stale_payments(runtime: Runtime) -> None:
    from payments.authorization import PENDING_FOR_AT_MOST, abandon_stale
    from payments.models.base import now
    abandon_stale(runtime.uow(), now() - PENDING_FOR_AT_MOST)


def create_app(settings: PaymentsSettings | None = None) -> Flask:
    return build_app(definition(), settings)
