"""Analytics tables (the chassis tables live in ``chassis.tables``): sales facts and rollups, traffic."""
from analytics.models import sales, traffic  # noqa: F401  (registers their tables on Base.metadata)
from analytics.models.base import Base

__all__ = ["Base"]
