"""Register marks made on a trainer's phone while it had no network, sent in a batch.

The phone keeps each mark with an id it made itself and sends the queue again until
the server answers, so the same mark may arrive more than once: a receipt per
(session, client id) makes the second arrival a no-op. Each mark goes through the
register's own `record_attendance`, so the rules are the same as the form's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from learnapp import db
from learnapp.errors import DomainError
from learnapp.models import AttendanceStatus, SessionMarkReceipt, TrainingSession, User
from learnapp.sessions import services

MAX_MARKS = 200
CLIENT_ID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")


class BadBatch(ValueError):
    """The request is not a list of marks this endpoint understands; nothing is applied."""


@dataclass(frozen=True)
class Mark:
    client_id: str
    who: str
    status: AttendanceStatus
    reason: str | None


def parse(payload: object) -> list[Mark]:
    """Every mark checked for shape before any is applied, so bad input changes nothing."""
    if not isinstance(payload, dict) or not isinstance(payload.get("marks"), list):
        raise BadBatch
    items = payload["marks"]
    if not items or len(items) > MAX_MARKS:
        raise BadBatch
    marks = []
    for item in items:
        if not isinstance(item, dict):
            raise BadBatch
        client_id, who = item.get("id"), item.get("who")
        status, reason = item.get("status"), item.get("reason") or None
        if not isinstance(client_id, str) or not CLIENT_ID.match(client_id):
            raise BadBatch
        if not isinstance(who, str) or not who.strip() or len(who) > 500:
            raise BadBatch
        if status not in {s.value for s in AttendanceStatus}:
            raise BadBatch
        if reason is not None and (not isinstance(reason, str) or len(reason) > 200):
            raise BadBatch
        marks.append(Mark(client_id, who, AttendanceStatus(status), reason))
    return marks


def _received(session: TrainingSession, client_id: str) -> bool:
    return (
        db.session.scalar(
            select(SessionMarkReceipt.id).where(
                SessionMarkReceipt.session_id == session.id,
                SessionMarkReceipt.client_id == client_id,
            )
        )
        is not None
    )


def apply(trainer: User, session: TrainingSession, marks: list[Mark]) -> dict[str, str]:
    """client id -> "applied", "already" or an error code; the caller commits.

    A refused mark (not invited, session cancelled) is answered, not kept: the phone
    shows it and drops it, since sending it again would be refused again.
    """
    results: dict[str, str] = {}
    for mark in marks:
        if mark.client_id in results or _received(session, mark.client_id):
            results[mark.client_id] = "already"
            continue
        learner = services.learner_named(session, mark.who)
        if learner is None:
            results[mark.client_id] = "not_invited"
            continue
        try:
            with db.session.begin_nested():
                services.record_attendance(trainer, session, learner, mark.status, mark.reason)
                db.session.add(
                    SessionMarkReceipt(
                        session_id=session.id, client_id=mark.client_id, user_id=learner.id
                    )
                )
                db.session.flush()
        except DomainError as exc:
            results[mark.client_id] = str(exc)
        except IntegrityError:
            # Another request with the same mark won the race: it was applied there.
            results[mark.client_id] = "already"
        else:
            results[mark.client_id] = "applied"
    return results
