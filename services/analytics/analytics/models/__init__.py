"""Analytics tables (the chassis tables live in ``chassis.tables``): sales facts and rollups, traffic, the event log."""
from analytics.models import event_log, sales, traffic  # noqa: F401  (registers their tables on Base.metadata)
from analytics.models.base import Base

__all__ = ["Base"]
