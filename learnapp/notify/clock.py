"""The one clock every "when" of notifications asks: planning, quiet hours, the weekly
cap, retries and claims. Tests install a FixedClock, so a whole week runs in a second."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Protocol

from flask import Flask, current_app

from learnapp.models.base import utcnow

EXTENSION = "notify_clock"


class Clock(Protocol):
    def now(self) -> datetime:
        """Naive UTC, like every stored timestamp."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return utcnow()


class FixedClock:
    """A clock that moves only when told to."""

    def __init__(self, at: datetime) -> None:
        self.at = at

    def now(self) -> datetime:
        return self.at

    def advance(self, **delta: float) -> None:
        self.at += timedelta(**delta)


def install(app: Flask, clock: Clock) -> None:
    app.extensions[EXTENSION] = clock


def now() -> datetime:
    """The current moment by the app's clock (the system's unless one is installed)."""
    clock = current_app.extensions.get(EXTENSION)
    return clock.now() if clock is not None else utcnow()
