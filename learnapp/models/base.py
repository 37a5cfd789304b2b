"""Small helpers shared by the model modules."""

from __future__ import annotations

import enum
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import Enum


def utcnow() -> datetime:
    """Naive UTC now: both backends then store and return the same kind of value."""
    return datetime.now(UTC).replace(tzinfo=None)


# Vietnam keeps UTC+7 all year (no daylight saving): a fixed offset is exact.
VIETNAM_OFFSET = timedelta(hours=7)


def vietnam_date(moment: datetime) -> date:
    """The calendar day in Vietnam at a naive UTC moment."""
    return (moment + VIETNAM_OFFSET).date()


def vietnam_today() -> date:
    """Today in Vietnam: what due dates and "overdue" are counted by, not the UTC day."""
    return vietnam_date(utcnow())


def str_enum(enum_cls: type[enum.Enum], length: int = 20) -> Enum:
    """An enum stored as plain text, so adding a value needs no PostgreSQL type change."""
    return Enum(
        enum_cls,
        native_enum=False,
        create_constraint=False,
        length=length,
        values_callable=lambda members: [m.value for m in members],
    )
