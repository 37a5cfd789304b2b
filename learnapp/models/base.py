"""Small helpers shared by the model modules."""

from __future__ import annotations

import enum
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import Enum

from learnapp.name_search import fold


def utcnow() -> datetime:
    """Naive UTC now: both backends then store and return the same kind of value."""
    return datetime.now(UTC).replace(tzinfo=None)


# Vietnam keeps UTC+7 all year (no daylight saving): a fixed offset is exact.
VIETNAM_OFFSET = timedelta(hours=7)


def vietnam_date(moment: datetime) -> date:
    """The calendar day in Vietnam at a naive UTC moment."""
    return (moment + VIETNAM_OFFSET).date()


def vietnam_time(moment: datetime | None) -> str:
    """A stored (naive UTC) moment as Vietnam's wall-clock time, "05/12/2026 14:03".
    Pages and files state the zone once, near the first such time."""
    return (moment + VIETNAM_OFFSET).strftime("%d/%m/%Y %H:%M") if moment else ""


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


def folded_from(source: str):
    """A column default: the row's `source` column folded for search (bulk inserts too)."""

    def default(context) -> str:  # noqa: ANN001 (SQLAlchemy's execution context)
        return fold(context.get_current_parameters().get(source) or "")

    return default
