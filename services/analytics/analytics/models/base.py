"""Declarative base of the analytics tables; amounts are BIGINT minor units, never floats."""
from __future__ import annotations

from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

from chassis.modeling import new_id, not_negative, now, status_in, utc  # noqa: F401  (re-exported)
from chassis.tables import NAMING_CONVENTION, BigId  # noqa: F401  (re-exported)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
