"""The events analytics consumed, kept as received (append-only) so the sales facts can be rebuilt by replay."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from analytics.models.base import Base


class LoggedEvent(Base):
    """One consumed sales event: its envelope's id, type, source and time, when it arrived, and its data."""

    __tablename__ = "analytics_event_log"
    __table_args__ = (Index("ix_analytics_event_log_occurred", "occurred_at", "event_id"),)

    event_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    event_type: Mapped[str] = mapped_column(String(100))
    source: Mapped[str] = mapped_column(String(200))
    occurred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))  # the envelope's time
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    data: Mapped[dict] = mapped_column(JSON)
