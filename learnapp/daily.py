"""The daily job (`flask daily`): date-dependent housekeeping, one task after another.

Each task is a function of the current UTC time that returns a line for the log. Other
work that depends on the date (reminders, expiring drafts) joins by adding a task here.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete

from learnapp import db
from learnapp.models import AuditEvent
from learnapp.models.base import utcnow, vietnam_date


def forget_failed_sign_ins(now: datetime) -> str:
    """Remove failed sign-in records older than the retention setting."""
    days = int(current_app.config["FAILED_SIGNIN_RETENTION_DAYS"])
    cutoff = now - timedelta(days=days)
    result = db.session.execute(
        delete(AuditEvent).where(AuditEvent.action == "sign_in_failed", AuditEvent.at < cutoff)
    )
    return f"failed sign-ins older than {days} days removed: {result.rowcount}"


def recount_report_rollups(now: datetime) -> str:
    """Recompute every report roll-up: who is overdue changes with the date alone.

    Scheduled just after midnight Vietnam time, so the committee pages count the new
    day's overdue learners from its start.
    """
    from learnapp.learn import rollups

    areas = rollups.rebuild(db.session(), vietnam_date(now))
    return f"report roll-ups recomputed for {areas} areas"


def forget_old_exports(now: datetime) -> str:
    """Remove report files older than a day: they hold personal data."""
    from learnapp.reports import jobs

    return f"report exports older than a day removed: {jobs.forget_old(now)}"


def forget_stale_imports(now: datetime) -> str:
    """Remove bulk-import previews nobody confirmed in time."""
    from learnapp.admin import imports

    return f"unconfirmed import previews removed: {imports.discard_stale_uploads(now)}"


TASKS: list[Callable[[datetime], str]] = [
    forget_failed_sign_ins,
    recount_report_rollups,
    forget_old_exports,
    forget_stale_imports,
]


def run(now: datetime | None = None) -> list[str]:
    """Run every task in one transaction; the caller commits."""
    now = now or utcnow()
    lines = [task(now) for task in TASKS]
    db.session.flush()
    return lines
