"""Report exports made on the Huey queue the notify sender already uses, so no request
holds a worker for the seconds a province file takes.

The job replays the export request as the member who asked (same URL, filters and
language), so the file, its scope and its figures come from the one export code path.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from flask_babel import force_locale
from flask_login import login_user
from sqlalchemy import delete, select
from werkzeug.exceptions import HTTPException

from learnapp import db
from learnapp.models import User
from learnapp.models.base import utcnow
from learnapp.notify.worker import huey, worker_app
from learnapp.reports.models import ExportJob

# A file is kept a day: long enough to come back for it, short enough that personal data
# does not pile up in the database.
KEEP_FOR = timedelta(hours=24)
_FILENAME = re.compile(r'filename="([^"]+)"')


def request_export(user: User, area_id: int, table: str, fmt: str, query: str, locale: str):
    job = ExportJob(
        user_id=user.id, area_id=area_id, table=table, fmt=fmt, query=query, locale=locale
    )
    db.session.add(job)
    # Committed before it is queued: a worker on another host must find the row.
    db.session.commit()
    job_id = job.id
    build_export(job_id)
    return job_id


@huey.task()
def build_export(job_id: int) -> None:
    app = worker_app()
    with app.app_context():
        try:
            run_job(job_id)
        except Exception:
            # The member's page would otherwise say "being prepared" for ever.
            db.session.rollback()
            job = db.session.get(ExportJob, job_id)
            if job is not None and job.status == "waiting":
                job.status = "failed"
                job.finished_at = utcnow()
                db.session.commit()
            raise


def run_job(job_id: int) -> None:
    from learnapp.reports import views

    job = db.session.get(ExportJob, job_id)
    if job is None or job.status != "waiting":
        return
    user = db.session.get(User, job.user_id)
    path = f"/reports/areas/{job.area_id}/{job.table}.{job.fmt}"
    with (
        worker_app().test_request_context(path, query_string=job.query),
        force_locale(job.locale),
    ):
        try:
            if user is None or not user.is_active:
                raise PermissionError
            login_user(user)
            # Scope is checked again now: a member moved since asking gets no file.
            response = views.export_file(job.area_id, job.table, job.fmt)
        except (HTTPException, PermissionError):
            job.status = "failed"
        else:
            match = _FILENAME.search(response.headers.get("Content-Disposition", ""))
            job.filename = match.group(1) if match else f"export.{job.fmt}"
            job.mimetype = response.mimetype or "application/octet-stream"
            job.data = response.get_data()
            job.status = "ready"
    job.finished_at = utcnow()
    db.session.commit()


def owned_job(job_id: int, user: User, now: datetime | None = None) -> ExportJob | None:
    """The job if this member asked for it and it has not expired."""
    now = now or utcnow()
    return db.session.scalar(
        select(ExportJob).where(
            ExportJob.id == job_id,
            ExportJob.user_id == user.id,
            ExportJob.created_at > now - KEEP_FOR,
        )
    )


def forget_old(now: datetime) -> int:
    result = db.session.execute(delete(ExportJob).where(ExportJob.created_at <= now - KEEP_FOR))
    return result.rowcount
