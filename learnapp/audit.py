"""Writing the audit log. Reading it is the admin feature's business."""

from __future__ import annotations

from flask import has_request_context, request

from learnapp import db
from learnapp.models import AuditEvent, User


def _clean(value: str, limit: int) -> str:
    # A newline in a username must not be able to forge a second log line.
    # PostgreSQL refuses NUL in text, so a NUL typed into a form must not crash the log.
    return value.replace("\r", " ").replace("\n", " ").replace("\x00", " ")[:limit]


def record(
    action: str,
    *,
    actor: User | None = None,
    subject: User | None = None,
    area_id: int | None = None,
    detail: str = "",
) -> AuditEvent:
    """Add an audit event to the current transaction; the caller commits."""
    ip = (request.remote_addr or "") if has_request_context() else "cli"
    if area_id is None and subject is not None:
        area_id = subject.area_id
    event = AuditEvent(
        action=action,
        actor_id=actor.id if actor else None,
        subject_user_id=subject.id if subject else None,
        area_id=area_id,
        ip=_clean(ip, 45),
        detail=_clean(detail, 2000),
    )
    db.session.add(event)
    return event
