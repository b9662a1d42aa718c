"""Front-office traffic: tracked events, sessions (visits) and daily traffic rollups.

Nothing here holds an IP address or a user agent: a visitor is the opaque id the storefront made up.
Days are UTC. Dashboards read the rollups (``traffic_days``, ``product_traffic_days``), never the raw
events; ``visitor_days`` exists so that a visitor seen twice in a day counts once.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Boolean, Date, DateTime, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from analytics.models.base import Base, BigId, not_negative, status_in

TRACKED_KINDS = ("page_view", "product_view", "add_to_cart", "checkout_started")


class TrackedEvent(Base):
    """One accepted front-office event, compact; ``fingerprint`` makes a resent event a no-op."""

    __tablename__ = "tracked_events"
    __table_args__ = (status_in(TRACKED_KINDS, "kind"), Index("ix_tracked_events_occurred", "occurred_at"))

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    fingerprint: Mapped[str] = mapped_column(String(32), unique=True)
    kind: Mapped[str] = mapped_column(String(20))
    visitor_id: Mapped[str] = mapped_column(String(64))
    session_id: Mapped[str] = mapped_column(String(64))
    occurred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    path: Mapped[str | None] = mapped_column(String(512))
    product_id: Mapped[str | None] = mapped_column(String(64))


class TrafficSession(Base):
    """A visit: counted once, on the UTC day of its first event received; UTM tags of that event."""

    __tablename__ = "traffic_sessions"
    __table_args__ = (*not_negative("page_views"), Index("ix_traffic_sessions_day", "day"))

    session_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    visitor_id: Mapped[str] = mapped_column(String(64))
    day: Mapped[date] = mapped_column(Date)
    first_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    page_views: Mapped[int] = mapped_column(BigInteger, default=0)
    reached_product_view: Mapped[bool] = mapped_column(Boolean, default=False)
    reached_add_to_cart: Mapped[bool] = mapped_column(Boolean, default=False)
    reached_checkout: Mapped[bool] = mapped_column(Boolean, default=False)
    landing_path: Mapped[str | None] = mapped_column(String(512))
    referrer_host: Mapped[str | None] = mapped_column(String(255))
    utm_source: Mapped[str | None] = mapped_column(String(100))
    utm_medium: Mapped[str | None] = mapped_column(String(100))
    utm_campaign: Mapped[str | None] = mapped_column(String(100))
    utm_term: Mapped[str | None] = mapped_column(String(100))
    utm_content: Mapped[str | None] = mapped_column(String(100))


class VisitorDay(Base):
    """A visitor was seen on a day (so unique visitors per day count each visitor once)."""

    __tablename__ = "visitor_days"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    visitor_id: Mapped[str] = mapped_column(String(64), primary_key=True)


TRAFFIC_COUNTERS = ("visits", "page_views", "unique_visitors", "product_views", "adds_to_cart", "checkouts_started",
                    "sessions_with_product_view", "sessions_with_add_to_cart", "sessions_with_checkout")


class TrafficDay(Base):
    """Marketplace-wide traffic of one UTC day, kept up to date on ingest (UPSERT deltas).

    Visits and the ``sessions_with_*`` funnel steps count on the session's day; page views, product
    views, adds to cart and checkouts started on each event's day.
    """

    __tablename__ = "traffic_days"
    __table_args__ = tuple(not_negative(*TRAFFIC_COUNTERS))

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    visits: Mapped[int] = mapped_column(BigInteger, default=0)
    page_views: Mapped[int] = mapped_column(BigInteger, default=0)
    unique_visitors: Mapped[int] = mapped_column(BigInteger, default=0)
    product_views: Mapped[int] = mapped_column(BigInteger, default=0)
    adds_to_cart: Mapped[int] = mapped_column(BigInteger, default=0)
    checkouts_started: Mapped[int] = mapped_column(BigInteger, default=0)
    sessions_with_product_view: Mapped[int] = mapped_column(BigInteger, default=0)
    sessions_with_add_to_cart: Mapped[int] = mapped_column(BigInteger, default=0)
    sessions_with_checkout: Mapped[int] = mapped_column(BigInteger, default=0)


class ProductTrafficDay(Base):
    """Views and adds to cart of one product on one UTC day."""

    __tablename__ = "product_traffic_days"
    __table_args__ = tuple(not_negative("views", "adds_to_cart"))

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    product_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    views: Mapped[int] = mapped_column(BigInteger, default=0)
    adds_to_cart: Mapped[int] = mapped_column(BigInteger, default=0)


class ProductVendor(Base):
    """A vendor owns or offers a product (from catalog's events): whose product traffic a vendor reads."""

    __tablename__ = "product_vendors"
    __table_args__ = (Index("ix_product_vendors_vendor", "vendor_id", "product_id"),)

    product_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    vendor_id: Mapped[str] = mapped_column(String(64), primary_key=True)
