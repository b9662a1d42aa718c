"""What every service's tables share: the UTC clock, ids and the CHECKs their states and amounts need."""
from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime, timezone

from sqlalchemy import CheckConstraint


def utc(value: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes for timezone columns; they were stored in UTC."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=timezone.utc)


def now() -> datetime:
    return datetime.now(timezone.utc)


def new_id() -> str:
    return str(uuid.uuid4())


def status_in(values: Iterable[str], column: str = "status") -> CheckConstraint:
    """The database refuses a status its state machine does not know (named ``ck_<table>_<column>_known``)."""
    listed = ", ".join(f"'{value}'" for value in values)
    return CheckConstraint(f"{column} IN ({listed})", name=f"{column}_known")


def not_negative(*columns: str) -> list[CheckConstraint]:
    return [CheckConstraint(f"{column} >= 0", name=f"{column}_not_negative") for column in columns]
