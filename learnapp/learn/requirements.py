"""What a learner is required to do, by when, and when they count as completed.

The one definition every page uses (the committee dashboard, drill-down, learner and
per-module tables, the call list, the exports and the learner's home page):

- a module is **required** of a learner when an assignment names it on their area or on
  any area above it, and the module is published (archived modules require nothing);
- the learner's **due date** for it is, per assignment, the later of the assignment's
  due date and the day they joined their current area plus the assignment's grace
  period; with several assignments on the module, the earliest of those;
- they are **overdue** on it when today, in Vietnam (UTC+7), is past that date and they
  have no certificate for it;
- they are **completed** when they hold a certificate for every module required of
  them, and at least one is; certificates of other published modules are optional
  ones, reported apart;
- an assignment asks for the module **online** (its own completion rule), for one
  in-person training session of it **attended**, or **both**; the certificate is issued
  only when everything the learner's assignments on the module ask for holds
  (`what_counts`), so "completed" above needs no second definition.

Everything here is a SQL expression or query builder, so reports aggregate it in SQL.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import Date, case, func, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql import Subquery
from sqlalchemy.sql.functions import FunctionElement

from learnapp import db
from learnapp.models import (
    Assignment,
    AttendanceStatus,
    Module,
    ModuleStatus,
    Requirement,
    SessionAttendance,
    SessionStatus,
    TrainingSession,
    User,
)
from learnapp.models.learning import DEFAULT_ESCALATE_DAYS as DEFAULT_ESCALATE_DAYS
from learnapp.models.learning import DEFAULT_GRACE_DAYS as DEFAULT_GRACE_DAYS
from learnapp.org.scope import lineage

MAX_GRACE_DAYS = 365
MAX_ESCALATE_DAYS = 365


class add_days(FunctionElement):  # noqa: N801  (reads as the SQL function it renders)
    """A date column plus a whole number of days, on SQLite and PostgreSQL alike."""

    type = Date()
    inherit_cache = True


@compiles(add_days)
def _add_days_default(element, compiler, **kw):  # noqa: ANN001, ANN202
    day, days = list(element.clauses)
    return f"({compiler.process(day, **kw)} + {compiler.process(days, **kw)})"


@compiles(add_days, "sqlite")
def _add_days_sqlite(element, compiler, **kw):  # noqa: ANN001, ANN202
    # SQLite keeps dates as 'YYYY-MM-DD' text; date() returns the same form.
    day, days = list(element.clauses)
    return (
        f"date({compiler.process(day, **kw)}, "
        f"'+' || CAST({compiler.process(days, **kw)} AS TEXT) || ' days')"
    )


def personal_due_on():  # noqa: ANN201
    """SQL: one assignment's due date for one person (over Assignment and User)."""
    joined_plus_grace = add_days(User.joined_area_on, Assignment.grace_days)
    return case(
        (joined_plus_grace > Assignment.due_on, joined_plus_grace),
        else_=Assignment.due_on,
    )


def required_modules(*user_conditions) -> Subquery:  # noqa: ANN002
    """One row per (learner, required published module): user_id, module_id, due_on.

    `user_conditions` narrow the people (conditions on User), e.g. an area's subtree.
    """
    line = lineage()
    return (
        select(
            User.id.label("user_id"),
            Assignment.module_id.label("module_id"),
            func.min(personal_due_on()).label("due_on"),
        )
        .join(line, line.c.area_id == User.area_id)
        .join(Assignment, Assignment.area_id == line.c.ancestor_id)
        .join(Module, Module.id == Assignment.module_id)
        .where(Module.status == ModuleStatus.PUBLISHED, *user_conditions)
        .group_by(User.id, Assignment.module_id)
        .subquery("required")
    )


def area_requirements(area_ids, today: date, module_id: int | None = None) -> Subquery:  # noqa: ANN001
    """One row per (area, required published module) for the areas `area_ids` selects:
    area_id, module_id, past_grace.

    past_grace is the shortest grace period among the module's assignments whose date
    has passed (NULL when none has). A person of the area is then overdue on the module
    exactly when `late(joined_area_on, past_grace, today)`: some assignment is past both
    its date and their own joining day plus its grace, which is their due date passing.
    Grouped by area, not by person, so a province's report joins a few thousand rows.
    """
    line = lineage()
    query = (
        select(
            line.c.area_id,
            Assignment.module_id.label("module_id"),
            func.min(case((Assignment.due_on < today, Assignment.grace_days))).label("past_grace"),
        )
        .select_from(line)
        .join(Assignment, Assignment.area_id == line.c.ancestor_id)
        .join(Module, Module.id == Assignment.module_id)
        .where(Module.status == ModuleStatus.PUBLISHED, line.c.area_id.in_(area_ids))
        .group_by(line.c.area_id, Assignment.module_id)
    )
    if module_id is not None:
        query = query.where(Assignment.module_id == module_id)
    return query.subquery("area_requirement")


def late(joined_area_on, past_grace, today: date):  # noqa: ANN001, ANN201
    """SQL: the person's due date for an area's requirement has passed (see above)."""
    return past_grace.is_not(None) & (add_days(joined_area_on, past_grace) < today)


def late_assignment(today: date):  # noqa: ANN201
    """SQL over Assignment and User: this assignment's date for this person has passed.

    The earliest of a person's dates for a module is one of these whenever any is, so
    the call list takes its date from these assignments alone.
    """
    return (Assignment.due_on < today) & (
        add_days(User.joined_area_on, Assignment.grace_days) < today
    )


def due_dates(user: User) -> dict[int, date]:
    """Per module required of the user, their own due date."""
    if user.area_id is None:
        return {}
    required = required_modules(User.id == user.id)
    rows = db.session.execute(select(required.c.module_id, required.c.due_on))
    return dict(rows.all())


def is_overdue(due_on: date | None, completed: bool, today: date) -> bool:
    """Past the person's own due date without a certificate (what `late` says in SQL)."""
    return due_on is not None and not completed and today > due_on


def is_completed(required: int, required_done: int) -> bool:
    """The rule `completed_condition` applies in SQL, for one learner's counts."""
    return required > 0 and required_done >= required


def completed_condition(required, required_done):  # noqa: ANN001, ANN201
    """SQL: every required module has a certificate, and something is required."""
    return (required > 0) & (required_done >= required)


def what_counts(user: User, module_id: int) -> tuple[bool, bool]:
    """(needs the module online, needs a session attended) for the user and module.

    Every assignment on the user's area or above adds what it asks; a module nobody
    requires counts online, as before requirements could ask for attendance.
    """
    if user.area_id is None:
        return True, False
    line = lineage()
    asked = set(
        db.session.scalars(
            select(Assignment.requirement)
            .join(line, line.c.ancestor_id == Assignment.area_id)
            .where(line.c.area_id == user.area_id, Assignment.module_id == module_id)
        )
    )
    if not asked:
        return True, False
    needs_online = bool(asked & {Requirement.ONLINE, Requirement.BOTH})
    needs_attendance = bool(asked & {Requirement.IN_PERSON, Requirement.BOTH})
    return needs_online, needs_attendance


def has_attended(user_id: int, module_id: int) -> bool:
    """Whether the register marks the user attended at a held session of the module."""
    query = (
        select(SessionAttendance.id)
        .join(TrainingSession, TrainingSession.id == SessionAttendance.session_id)
        .where(
            SessionAttendance.user_id == user_id,
            SessionAttendance.status == AttendanceStatus.ATTENDED,
            TrainingSession.module_id == module_id,
            TrainingSession.status == SessionStatus.SCHEDULED,
        )
        .limit(1)
    )
    return db.session.scalar(query) is not None
