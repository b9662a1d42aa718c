"""Declarative base of identity's tables, and the UTC clock they use."""
from __future__ import annotations

from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

from chassis.modeling import now, utc  # noqa: F401  (re-exported)
from chassis.tables import NAMING_CONVENTION


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
