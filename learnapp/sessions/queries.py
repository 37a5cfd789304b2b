"""Attendance as the committee's reports show it: aggregated in SQL, scoped by area.

Kept apart from learnapp/reports so the reports' own queries stay as they are; the
report pages show these through small includes. Cancelled sessions count for nothing.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, and_, case, exists, func, select

from learnapp import db
from learnapp.models import (
    Area,
    Assignment,
    AttendanceStatus,
    Certificate,
    Module,
    ModuleStatus,
    Requirement,
    SessionAttendance,
    SessionStatus,
    SignupStatus,
    TrainingSession,
    User,
)
from learnapp.org.scope import below_children_of, lineage, subtree_ids

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value: str) -> str:
    """A cell a spreadsheet shows as text, never runs as a formula."""
    return "'" + value if value and value.startswith(FORMULA_STARTS) else value


def signup_labels() -> dict:
    return {
        SignupStatus.CONFIRMED: str(_l("Seat")),
        SignupStatus.WAITING: str(_l("Waiting list")),
        SignupStatus.DECLINED: str(_l("Declined")),
    }


def _counted(status: AttendanceStatus):  # noqa: ANN202
    return func.count(case((SessionAttendance.status == status, 1)))


def _held():  # noqa: ANN202
    return and_(
        TrainingSession.id == SessionAttendance.session_id,
        TrainingSession.status == SessionStatus.SCHEDULED,
    )


def attendance_by_subarea(area_id: int) -> Select:
    """Per direct sub-area: learners who attended a session, attendances, absences."""
    below = below_children_of(area_id).subquery("below")
    return (
        select(
            Area.id.label("area_id"),
            Area.name.label("area_name"),
            func.count(
                func.distinct(
                    case((SessionAttendance.status == AttendanceStatus.ATTENDED, User.id))
                )
            ).label("learners"),
            _counted(AttendanceStatus.ATTENDED).label("attended"),
            _counted(AttendanceStatus.ABSENT).label("absent"),
            _counted(AttendanceStatus.EXCUSED).label("excused"),
        )
        .select_from(Area)
        .join(below, below.c.child_id == Area.id)
        .join(User, (User.area_id == below.c.area_id) & User.deleted_at.is_(None))
        .join(SessionAttendance, SessionAttendance.user_id == User.id)
        .join(TrainingSession, _held())
        .group_by(Area.id, Area.name)
        .order_by(Area.name)
    )


def attendance_by_learner(area_id: int) -> Select:
    """Per learner under the area with any mark: attended, absent and excused counts."""
    return (
        select(
            User.id,
            User.full_name,
            User.username,
            Area.name.label("area_name"),
            _counted(AttendanceStatus.ATTENDED).label("attended"),
            _counted(AttendanceStatus.ABSENT).label("absent"),
            _counted(AttendanceStatus.EXCUSED).label("excused"),
        )
        .join(Area, Area.id == User.area_id)
        .join(SessionAttendance, SessionAttendance.user_id == User.id)
        .join(TrainingSession, _held())
        .where(User.area_id.in_(subtree_ids(area_id)), User.deleted_at.is_(None))
        .group_by(User.id, User.full_name, User.username, Area.name)
        .order_by(User.full_name, User.id)
    )


def marks_under(area_id: int) -> Select:
    """Every register mark of a learner under the area, one row each, for the export."""
    return (
        select(
            User.full_name,
            User.username,
            Area.name.label("area_name"),
            TrainingSession,
            SessionAttendance.status,
            SessionAttendance.reason,
        )
        .join(Area, Area.id == User.area_id)
        .join(SessionAttendance, SessionAttendance.user_id == User.id)
        .join(TrainingSession, _held())
        .where(User.area_id.in_(subtree_ids(area_id)), User.deleted_at.is_(None))
        .order_by(TrainingSession.starts_at, User.full_name, User.id)
    )


def person_sessions(user_id: int) -> Select:
    """Every held session with a mark for the person, the latest first."""
    return (
        select(
            TrainingSession.starts_at,
            TrainingSession.place,
            Module,
            SessionAttendance.status,
            SessionAttendance.reason,
        )
        .join(TrainingSession, _held())
        .join(Module, Module.id == TrainingSession.module_id)
        .where(SessionAttendance.user_id == user_id)
        .order_by(TrainingSession.starts_at.desc())
    )


def missed_required(area_id: int) -> Select:
    """For the call list: learners under the area marked absent (not excused) at a session
    of a module whose requirement asks for attendance, who have attended none of it since
    and hold no certificate for it."""
    line = lineage("missed_line")
    asks_attendance = exists().where(
        line.c.area_id == User.area_id,
        Assignment.area_id == line.c.ancestor_id,
        Assignment.module_id == TrainingSession.module_id,
        Assignment.requirement.in_([Requirement.IN_PERSON, Requirement.BOTH]),
    )
    a2 = SessionAttendance.__table__.alias("a2")
    t2 = TrainingSession.__table__.alias("t2")
    attended_since = exists().where(
        a2.c.user_id == User.id,
        a2.c.status == AttendanceStatus.ATTENDED.value,
        t2.c.id == a2.c.session_id,
        t2.c.module_id == TrainingSession.module_id,
        t2.c.status == SessionStatus.SCHEDULED.value,
    )
    certified = exists().where(
        Certificate.user_id == User.id, Certificate.module_id == TrainingSession.module_id
    )
    return (
        select(
            User.id,
            User.full_name,
            User.phone,
            Area.name.label("area_name"),
            Module,
            TrainingSession.starts_at,
            SessionAttendance.reason,
        )
        .join(Area, Area.id == User.area_id)
        .join(SessionAttendance, SessionAttendance.user_id == User.id)
        .join(TrainingSession, _held())
        .join(Module, Module.id == TrainingSession.module_id)
        .where(
            User.area_id.in_(subtree_ids(area_id)),
            User.deleted_at.is_(None),
            User.is_active.is_(True),
            Module.status == ModuleStatus.PUBLISHED,
            SessionAttendance.status == AttendanceStatus.ABSENT,
            asks_attendance,
            ~attended_since,
            ~certified,
        )
        .order_by(Area.name, User.full_name, TrainingSession.starts_at)
    )


def for_report(kind: str, subject_id: int) -> list:
    """The rows a report include asks for (see learnapp.sessions.views.session_report)."""
    queries = {
        "areas": attendance_by_subarea,
        "learners": attendance_by_learner,
        "person": person_sessions,
        "missed": missed_required,
    }
    return list(db.session.execute(queries[kind](subject_id)))
