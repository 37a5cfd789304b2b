"""Scheduling training sessions, signing up with a waiting list, taking attendance.

Writes flush and leave the commit to the view. A trainer manages a session when one of
its invited areas lies in their trainer scope; anything else is "not found".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import parse_qs, urlsplit

from sqlalchemy import Select, exists, func, select

from learnapp import db
from learnapp.errors import DomainError
from learnapp.learn import services as learn_services
from learnapp.models import (
    Area,
    AttendanceStatus,
    Module,
    ModuleStatus,
    NoticeKind,
    Role,
    SessionArea,
    SessionAttendance,
    SessionNotice,
    SessionSignup,
    SessionStatus,
    SignupStatus,
    TrainingSession,
    User,
)
from learnapp.models.base import VIETNAM_OFFSET, utcnow
from learnapp.org.scope import area_in_scope, lineage, scope_area_ids

MAX_CAPACITY = 1000
MAX_MINUTES = 12 * 60


def vietnam_now() -> datetime:
    """Wall-clock time in Vietnam, the clock sessions are scheduled by."""
    return utcnow() + VIETNAM_OFFSET


# --- which sessions a person may see ---------------------------------------------------


def managed_sessions(trainer: User) -> Select:
    """Sessions inviting any area in the trainer's scope, the next first."""
    in_scope = exists().where(
        SessionArea.session_id == TrainingSession.id,
        SessionArea.area_id.in_(scope_area_ids(trainer, Role.TRAINER)),
    )
    return select(TrainingSession).where(in_scope).order_by(TrainingSession.starts_at.desc())


def find_managed(trainer: User, session_id: int) -> TrainingSession | None:
    """The session if the trainer manages it (see the module docstring)."""
    return db.session.scalar(managed_sessions(trainer).where(TrainingSession.id == session_id))


def invited_condition(area_id: int):  # noqa: ANN201
    """SQL over TrainingSession: an invited area is the given area or lies above it."""
    line = lineage("invited_line")
    return exists().where(
        SessionArea.session_id == TrainingSession.id,
        SessionArea.area_id == line.c.ancestor_id,
        line.c.area_id == area_id,
    )


def is_invited(user: User, session: TrainingSession) -> bool:
    if user.area_id is None or user.deleted_at is not None:
        return False
    query = select(
        exists().where(TrainingSession.id == session.id, invited_condition(user.area_id))
    )
    return bool(db.session.scalar(query))


@dataclass
class Invitation:
    session: TrainingSession
    signup: SignupStatus | None
    confirmed: int


def upcoming_for(user: User) -> list[Invitation]:
    """Scheduled sessions not yet begun that invite the user, with their answer."""
    if user.area_id is None:
        return []
    signup = (
        select(SessionSignup.status)
        .where(SessionSignup.session_id == TrainingSession.id, SessionSignup.user_id == user.id)
        .scalar_subquery()
    )
    rows = db.session.execute(
        select(TrainingSession, signup, _confirmed_count())
        .where(
            TrainingSession.status == SessionStatus.SCHEDULED,
            TrainingSession.starts_at >= vietnam_now(),
            invited_condition(user.area_id),
        )
        .order_by(TrainingSession.starts_at)
        .limit(20)
    )
    return [Invitation(session, status, confirmed) for session, status, confirmed in rows]


def _confirmed_count():  # noqa: ANN202
    return (
        select(func.count(SessionSignup.id))
        .where(
            SessionSignup.session_id == TrainingSession.id,
            SessionSignup.status == SignupStatus.CONFIRMED,
        )
        .scalar_subquery()
    )


def confirmed_count(session: TrainingSession) -> int:
    return db.session.scalar(
        select(func.count(SessionSignup.id)).where(
            SessionSignup.session_id == session.id,
            SessionSignup.status == SignupStatus.CONFIRMED,
        )
    )


# --- scheduling ------------------------------------------------------------------------


def trainer_choices(trainer: User) -> list[User]:
    """People who may lead a session the trainer schedules: trainers granted in an area
    the trainer's scope reaches, and the trainer."""
    from learnapp.models import RoleGrant

    people = db.session.scalars(
        select(User)
        .join(RoleGrant, RoleGrant.user_id == User.id)
        .where(
            RoleGrant.role == Role.TRAINER,
            RoleGrant.area_id.in_(scope_area_ids(trainer, Role.TRAINER)),
            User.is_active.is_(True),
            User.deleted_at.is_(None),
        )
        .distinct()
        .order_by(User.full_name)
    ).all()
    return people if trainer in people else [trainer, *people]


def area_choices(trainer: User) -> list[Area]:
    """Areas the trainer may invite: everything in their trainer scope, by depth and name."""
    return list(
        db.session.scalars(
            select(Area)
            .where(Area.id.in_(scope_area_ids(trainer, Role.TRAINER)))
            .order_by(Area.depth, Area.name)
        )
    )


def _check(
    trainer: User,
    module: Module,
    starts_at: datetime,
    minutes: int,
    place: str,
    capacity: int,
    leader: User | None,
    areas: list[Area],
    *,
    was: datetime | None = None,
) -> None:
    if module.status != ModuleStatus.PUBLISHED:
        raise DomainError("module_not_published")
    # A session under way may still have its place or seats corrected; only a new time
    # must lie ahead.
    if starts_at != was and starts_at <= vietnam_now():
        raise DomainError("starts_in_past")
    if not 1 <= capacity <= MAX_CAPACITY:
        raise DomainError("bad_capacity")
    if not 1 <= minutes <= MAX_MINUTES:
        raise DomainError("bad_minutes")
    if not place.strip():
        raise DomainError("no_place")
    if not areas:
        raise DomainError("no_areas")
    if any(not area_in_scope(trainer, Role.TRAINER, area.id) for area in areas):
        raise DomainError("outside_scope")
    if leader is not None and leader not in trainer_choices(trainer):
        raise DomainError("bad_trainer")


def schedule(
    trainer: User,
    module: Module,
    starts_at: datetime,
    minutes: int,
    place: str,
    capacity: int,
    leader: User | None,
    areas: list[Area],
) -> TrainingSession:
    """Schedule a session of the module for the areas (and everything under them)."""
    _check(trainer, module, starts_at, minutes, place, capacity, leader, areas)
    session = TrainingSession(
        module_id=module.id,
        starts_at=starts_at,
        minutes=minutes,
        place=place.strip(),
        capacity=capacity,
        trainer_id=leader.id if leader else trainer.id,
        created_by_id=trainer.id,
        invited=[SessionArea(area_id=area.id) for area in areas],
    )
    db.session.add(session)
    db.session.flush()
    return session


def update(
    trainer: User,
    session: TrainingSession,
    starts_at: datetime,
    minutes: int,
    place: str,
    capacity: int,
    leader: User | None,
    areas: list[Area],
) -> bool:
    """Change a scheduled session; a new time or place leaves a notice for everyone
    signed up or waiting. Returns whether such a notice was left."""
    if session.is_cancelled:
        raise DomainError("cancelled")
    _lock(session)
    _check(
        trainer,
        session.module,
        starts_at,
        minutes,
        place,
        capacity,
        leader,
        areas,
        was=session.starts_at,
    )
    if capacity < confirmed_count(session):
        raise DomainError("capacity_below_confirmed")
    moved = starts_at != session.starts_at or place.strip() != session.place
    if moved:
        _leave_notices(session, NoticeKind.MOVED)
    session.starts_at = starts_at
    session.minutes = minutes
    session.place = place.strip()
    session.capacity = capacity
    session.trainer_id = leader.id if leader else session.trainer_id
    wanted = {area.id for area in areas}
    session.invited = [link for link in session.invited if link.area_id in wanted] + [
        SessionArea(area_id=area_id)
        for area_id in wanted - {link.area_id for link in session.invited}
    ]
    db.session.flush()
    _promote_waiting(session)
    return moved


def cancel(trainer: User, session: TrainingSession) -> None:
    """Cancel the session; everyone signed up or waiting finds a notice on their home."""
    if session.is_cancelled:
        raise DomainError("cancelled")
    _lock(session)
    session.status = SessionStatus.CANCELLED
    session.cancelled_at = utcnow()
    _leave_notices(session, NoticeKind.CANCELLED)
    db.session.flush()


def _leave_notices(session: TrainingSession, kind: NoticeKind) -> None:
    people = db.session.scalars(
        select(SessionSignup.user_id).where(
            SessionSignup.session_id == session.id,
            SessionSignup.status.in_([SignupStatus.CONFIRMED, SignupStatus.WAITING]),
        )
    ).all()
    for user_id in people:
        db.session.add(
            SessionNotice(
                session_id=session.id,
                user_id=user_id,
                kind=kind,
                old_starts_at=session.starts_at,
                old_place=session.place,
            )
        )


# --- signing up ------------------------------------------------------------------------


def _lock(session: TrainingSession) -> None:
    """Hold the session's row until commit, so sign-ups count seats one at a time.

    PostgreSQL takes a row lock; SQLite's write transactions are already exclusive.
    """
    db.session.execute(
        select(TrainingSession.id).where(TrainingSession.id == session.id).with_for_update()
    )


def _open_for_answers(user: User, session: TrainingSession) -> None:
    if session.is_cancelled:
        raise DomainError("cancelled")
    if session.starts_at <= vietnam_now():
        raise DomainError("already_started")
    if not is_invited(user, session):
        raise DomainError("not_invited")


def _signup_of(user: User, session: TrainingSession) -> SessionSignup | None:
    return db.session.scalar(
        select(SessionSignup).where(
            SessionSignup.session_id == session.id, SessionSignup.user_id == user.id
        )
    )


def sign_up(user: User, session: TrainingSession) -> SignupStatus:
    """A seat if one is free, else a place on the waiting list (idempotent)."""
    _open_for_answers(user, session)
    _lock(session)
    signup = _signup_of(user, session)
    if signup is not None and signup.status != SignupStatus.DECLINED:
        return signup.status
    status = (
        SignupStatus.CONFIRMED
        if confirmed_count(session) < session.capacity
        else SignupStatus.WAITING
    )
    if signup is None:
        db.session.add(SessionSignup(session_id=session.id, user_id=user.id, status=status))
    else:
        signup.status = status
        signup.changed_at = utcnow()
    db.session.flush()
    return status


def decline(user: User, session: TrainingSession) -> None:
    """Say no (or no longer); a seat given up goes to the first on the waiting list."""
    _open_for_answers(user, session)
    _lock(session)
    signup = _signup_of(user, session)
    if signup is None:
        db.session.add(
            SessionSignup(session_id=session.id, user_id=user.id, status=SignupStatus.DECLINED)
        )
    elif signup.status != SignupStatus.DECLINED:
        signup.status = SignupStatus.DECLINED
        signup.changed_at = utcnow()
    db.session.flush()
    _promote_waiting(session)


def _promote_waiting(session: TrainingSession) -> None:
    free = session.capacity - confirmed_count(session)
    if free <= 0:
        return
    waiting = db.session.scalars(
        select(SessionSignup)
        .where(
            SessionSignup.session_id == session.id,
            SessionSignup.status == SignupStatus.WAITING,
        )
        .order_by(SessionSignup.changed_at, SessionSignup.id)
        .limit(free)
    ).all()
    for signup in waiting:
        signup.status = SignupStatus.CONFIRMED
        # The person may not look at the site before the day: tell them (home page and,
        # through notices.due_notices, the outbox).
        db.session.add(
            SessionNotice(
                session_id=session.id,
                user_id=signup.user_id,
                kind=NoticeKind.PROMOTED,
                old_starts_at=session.starts_at,
                old_place=session.place,
            )
        )
    db.session.flush()


# --- the register ----------------------------------------------------------------------


def learner_named(session: TrainingSession, text: str) -> User | None:
    """The invited learner a typed username or a scanned sign-in card names.

    A card's QR holds the sign-in address with `?u=<username>`; a typed username is
    read in any case, since people type on phones.
    """
    text = (text or "").strip()
    if "?" in text or "://" in text:
        values = parse_qs(urlsplit(text).query).get("u", [])
        text = values[0].strip() if values else ""
    if not text or len(text) > 64:
        return None
    person = db.session.scalar(
        select(User).where(
            func.lower(User.username) == text.lower(),
            User.deleted_at.is_(None),
            User.area_id.is_not(None),
        )
    )
    if person is None or not is_invited(person, session):
        return None
    return person


def record_attendance(
    trainer: User,
    session: TrainingSession,
    learner: User,
    status: AttendanceStatus,
    reason: str | None = None,
) -> SessionAttendance:
    """Mark the learner attended, absent (with a reason) or excused; the last mark
    stands. Attended may complete the module, so the certificate is checked at once."""
    if session.is_cancelled:
        raise DomainError("cancelled")
    if not is_invited(learner, session):
        raise DomainError("not_invited")
    reason = (reason or "").strip() or None
    if status == AttendanceStatus.ATTENDED:
        reason = None
    if session.starts_at.date() > vietnam_now().date():
        raise DomainError("not_yet")
    row = db.session.scalar(
        select(SessionAttendance).where(
            SessionAttendance.session_id == session.id, SessionAttendance.user_id == learner.id
        )
    )
    if row is None:
        row = SessionAttendance(session_id=session.id, user_id=learner.id, status=status)
        db.session.add(row)
    row.status = status
    row.reason = reason
    row.recorded_by_id = trainer.id
    row.recorded_at = utcnow()
    db.session.flush()
    learn_services.check_completion(learner, session.module)
    return row


@dataclass
class RegisterRow:
    person: User
    area_name: str
    signup: SignupStatus | None
    attendance: AttendanceStatus | None
    reason: str | None


def register(session: TrainingSession) -> list[RegisterRow]:
    """Everyone who signed up, waits, or has a mark, by name: the register and the sheet."""
    aliased_signup = SessionSignup
    rows = db.session.execute(
        select(
            User,
            Area.name,
            aliased_signup.status,
            SessionAttendance.status,
            SessionAttendance.reason,
        )
        .join(Area, Area.id == User.area_id)
        .outerjoin(
            aliased_signup,
            (aliased_signup.session_id == session.id) & (aliased_signup.user_id == User.id),
        )
        .outerjoin(
            SessionAttendance,
            (SessionAttendance.session_id == session.id) & (SessionAttendance.user_id == User.id),
        )
        .where(
            User.deleted_at.is_(None),
            (
                aliased_signup.status.in_([SignupStatus.CONFIRMED, SignupStatus.WAITING])
                | SessionAttendance.id.is_not(None)
            ),
        )
        .order_by(User.full_name, User.id)
    )
    return [RegisterRow(*row) for row in rows]


# --- notices on the learner's home -----------------------------------------------------


def open_notices(user: User) -> list[SessionNotice]:
    """Cancellations and moves the learner has not yet put away, newest first."""
    return list(
        db.session.scalars(
            select(SessionNotice)
            .where(SessionNotice.user_id == user.id, SessionNotice.dismissed_at.is_(None))
            .order_by(SessionNotice.created_at.desc(), SessionNotice.id.desc())
            .limit(10)
        )
    )


def dismiss_notice(user: User, notice_id: int) -> None:
    """Put a notice away (only one's own: another's is as if it did not exist)."""
    notice = db.session.scalar(
        select(SessionNotice).where(SessionNotice.id == notice_id, SessionNotice.user_id == user.id)
    )
    if notice is None:
        raise DomainError("no_notice")
    notice.dismissed_at = notice.dismissed_at or utcnow()
    db.session.flush()


def end_of(session: TrainingSession) -> datetime:
    return session.starts_at + timedelta(minutes=session.minutes)
