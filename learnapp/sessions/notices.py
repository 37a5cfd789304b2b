"""What a learner should be told about their sessions, as plain data for an outbox.

No sender lives here: the notification outbox (learnapp/notify/) is built apart and
will call `due_notices` and deliver what it returns. Each item carries a `key` that is
the same every time the same thing is due, so the outbox can send each one once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import exists, select

from learnapp import db
from learnapp.models import (
    NoticeKind,
    SessionArea,
    SessionNotice,
    SessionSignup,
    SessionStatus,
    SignupStatus,
    TrainingSession,
    User,
)
from learnapp.models.base import VIETNAM_OFFSET, utcnow
from learnapp.org.scope import lineage

# A reminder goes out this long before the session starts.
REMINDER_AHEAD = timedelta(hours=24)
# An invitation is news for this long after the session was scheduled; later the
# learner finds it on their home page. Shorter than the outbox's key window.
INVITE_WITHIN = timedelta(days=7)


@dataclass(frozen=True)
class DueNotice:
    key: str  # stable: "reminder:<session>:<user>" or "notice:<notice id>"
    kind: str  # "invited", "reminder", "cancelled", "moved" or "promoted"
    user_id: int
    username: str
    phone: str | None
    locale: str | None
    session_id: int
    module_slug: str
    starts_at: datetime  # Vietnam wall-clock time, as scheduled
    place: str
    old_starts_at: datetime | None = None
    old_place: str | None = None


def due_notices(now: datetime | None = None) -> list[DueNotice]:
    """Reminders for seats in sessions starting within REMINDER_AHEAD of `now` (naive
    UTC), and every cancellation or move the learner has not put away."""
    now = now or utcnow()
    local_now = now + VIETNAM_OFFSET
    items: list[DueNotice] = []
    reminders = db.session.execute(
        select(TrainingSession, User)
        .join(SessionSignup, SessionSignup.session_id == TrainingSession.id)
        .join(User, User.id == SessionSignup.user_id)
        .where(
            TrainingSession.status == SessionStatus.SCHEDULED,
            TrainingSession.starts_at > local_now,
            TrainingSession.starts_at <= local_now + REMINDER_AHEAD,
            SessionSignup.status == SignupStatus.CONFIRMED,
            User.is_active.is_(True),
            User.deleted_at.is_(None),
        )
        .order_by(TrainingSession.starts_at, User.id)
    )
    for session, user in reminders:
        items.append(_item(f"reminder:{session.id}:{user.id}", "reminder", session, user))
    answered = exists().where(
        SessionSignup.session_id == TrainingSession.id, SessionSignup.user_id == User.id
    )
    line = lineage()
    invitations = db.session.execute(
        select(TrainingSession, User)
        .join(SessionArea, SessionArea.session_id == TrainingSession.id)
        .join(line, line.c.ancestor_id == SessionArea.area_id)
        .join(User, User.area_id == line.c.area_id)
        .where(
            TrainingSession.status == SessionStatus.SCHEDULED,
            TrainingSession.created_at > now - INVITE_WITHIN,
            TrainingSession.starts_at > local_now,
            User.is_active.is_(True),
            User.deleted_at.is_(None),
            ~answered,
        )
        .distinct()
        .order_by(TrainingSession.starts_at, User.id)
    )
    for session, user in invitations:
        items.append(_item(f"invite:{session.id}:{user.id}", "invited", session, user))
    notices = db.session.execute(
        select(SessionNotice, User)
        .join(User, User.id == SessionNotice.user_id)
        .where(SessionNotice.dismissed_at.is_(None), User.deleted_at.is_(None))
        .order_by(SessionNotice.created_at, SessionNotice.id)
    )
    for notice, user in notices:
        kind = {
            NoticeKind.CANCELLED: "cancelled",
            NoticeKind.MOVED: "moved",
            NoticeKind.PROMOTED: "promoted",
        }[notice.kind]
        items.append(
            _item(
                f"notice:{notice.id}",
                kind,
                notice.session,
                user,
                old_starts_at=notice.old_starts_at,
                old_place=notice.old_place,
            )
        )
    return items


def _item(key: str, kind: str, session: TrainingSession, user: User, **old) -> DueNotice:  # noqa: ANN003
    return DueNotice(
        key=key,
        kind=kind,
        user_id=user.id,
        username=user.username,
        phone=user.phone,
        locale=user.locale,
        session_id=session.id,
        module_slug=session.module.slug,
        starts_at=session.starts_at,
        place=session.place,
        **old,
    )
