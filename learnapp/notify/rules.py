"""Who is due, overdue and escalated, built on learn.requirements (the one definition of
required, due and completed): nothing here compares dates of its own making except the
escalation threshold, which counts days past the same personal due date."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Select, and_, exists, func, select

from learnapp import db
from learnapp.learn.requirements import add_days, personal_due_on, required_modules
from learnapp.models import (
    Area,
    Assignment,
    Certificate,
    Module,
    ModuleStatus,
    Role,
    RoleGrant,
    User,
)
from learnapp.org.scope import lineage, subtree_ids


def learner_conditions() -> tuple:
    """Conditions on User: an active, not deleted account holding the learner role."""
    is_learner = exists(
        select(RoleGrant.id).where(RoleGrant.user_id == User.id, RoleGrant.role == Role.LEARNER)
    )
    return (User.is_active.is_(True), User.deleted_at.is_(None), is_learner)


def _no_certificate(module_id):  # noqa: ANN001, ANN202
    return ~exists(
        select(Certificate.id).where(
            Certificate.user_id == User.id, Certificate.module_id == module_id
        )
    )


def open_requirements(*conditions) -> Select:  # noqa: ANN002
    """(user_id, module_id, due_on) for each required module a learner has not completed."""
    required = required_modules(*learner_conditions(), *conditions)
    return (
        select(required.c.user_id, required.c.module_id, required.c.due_on)
        .join(User, User.id == required.c.user_id)
        .where(_no_certificate(required.c.module_id))
    )


def overdue_count(area_id: int, today: date) -> int:
    """Learners under the area overdue on at least one required module."""
    rows = open_requirements(User.area_id.in_(subtree_ids(area_id))).subquery()
    return int(
        db_scalar(select(func.count(func.distinct(rows.c.user_id))).where(rows.c.due_on < today))
    )


def completed_this_week(area_id: int, now: datetime, week_start: datetime) -> int:
    """Certificates of required modules issued under the area since the week began."""
    required = required_modules(*learner_conditions(), User.area_id.in_(subtree_ids(area_id)))
    return int(
        db_scalar(
            select(func.count(Certificate.id))
            .join(
                required,
                and_(
                    required.c.user_id == Certificate.user_id,
                    required.c.module_id == Certificate.module_id,
                ),
            )
            .where(Certificate.issued_at >= week_start, Certificate.issued_at <= now)
        )
    )


def escalated(area_id: int, today: date) -> Select:
    """Per learner under the area and module: overdue for at least the assignment's
    `escalate_after_days` (user_id, full_name, phone, village, module_id, due_on)."""
    line = lineage()
    due = personal_due_on()
    return (
        select(
            User.id.label("user_id"),
            User.full_name,
            User.phone,
            Area.name.label("village"),
            Assignment.module_id,
            func.min(due).label("due_on"),
        )
        .join(Area, Area.id == User.area_id)
        .join(line, line.c.area_id == User.area_id)
        .join(Assignment, Assignment.area_id == line.c.ancestor_id)
        .join(Module, Module.id == Assignment.module_id)
        .where(
            *learner_conditions(),
            User.area_id.in_(subtree_ids(area_id)),
            Module.status == ModuleStatus.PUBLISHED,
            add_days(due, Assignment.escalate_after_days) <= today,
            _no_certificate(Assignment.module_id),
        )
        .group_by(User.id, User.full_name, User.phone, Area.name, Assignment.module_id)
        .order_by(Area.name, User.full_name, User.id, Assignment.module_id)
    )


def db_scalar(query):  # noqa: ANN001, ANN201
    return db.session.scalar(query) or 0
