"""Required modules on areas in the admin's scope: set, change, delete.

Services flush; the view commits.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import Select, select

from learnapp import audit, db
from learnapp.admin.scope import admin_scope, in_scope
from learnapp.errors import DomainError
from learnapp.learn.requirements import (
    DEFAULT_ESCALATE_DAYS,
    DEFAULT_GRACE_DAYS,
    MAX_ESCALATE_DAYS,
    MAX_GRACE_DAYS,
)
from learnapp.models import Area, Assignment, Module, ModuleStatus, Requirement, User
from learnapp.models.base import vietnam_today


def assignments_query(admin: User) -> Select:
    """Required modules on areas in the admin's scope, soonest due first."""
    return (
        select(Assignment, Area)
        .join(Area, Area.id == Assignment.area_id)
        .where(Assignment.area_id.in_(admin_scope(admin)))
        .order_by(Assignment.due_on, Area.name, Assignment.id)
    )


def find_assignment(admin: User, assignment_id: int) -> Assignment | None:
    """The assignment if its area is in the admin's scope."""
    return db.session.scalar(
        select(Assignment).where(
            Assignment.id == assignment_id, Assignment.area_id.in_(admin_scope(admin))
        )
    )


def set_assignment(
    admin: User,
    module: Module,
    area: Area,
    due_on: date,
    grace_days: int | None = None,
    requirement: Requirement = Requirement.ONLINE,
    escalate_after_days: int | None = None,
) -> tuple[Assignment, bool]:
    """Require a module in an area by a date; an existing one gets the new date, grace and
    days before a call (None: the default for a new one, unchanged for an existing one).
    True: created."""
    if not in_scope(admin, area.id):
        raise DomainError("outside_scope")
    if module.status != ModuleStatus.PUBLISHED:
        raise DomainError("module_not_published")
    _check_due(due_on, grace_days, escalate_after_days=escalate_after_days)
    existing = db.session.scalar(
        select(Assignment).where(Assignment.module_id == module.id, Assignment.area_id == area.id)
    )
    if existing is not None:
        change_due_date(admin, existing, due_on, grace_days, escalate_after_days)
        existing.requirement = requirement
        db.session.flush()
        return existing, False
    if grace_days is None:
        grace_days = DEFAULT_GRACE_DAYS
    if escalate_after_days is None:
        escalate_after_days = DEFAULT_ESCALATE_DAYS
    assignment = Assignment(
        module_id=module.id,
        area_id=area.id,
        due_on=due_on,
        grace_days=grace_days,
        requirement=requirement,
        escalate_after_days=escalate_after_days,
        created_by_id=admin.id,
    )
    db.session.add(assignment)
    db.session.flush()
    audit.record(
        "assignment_create",
        actor=admin,
        area_id=area.id,
        detail=(
            f"{module.slug} due {due_on.isoformat()}, grace {grace_days} days, "
            f"call after {escalate_after_days} days"
        ),
    )
    return assignment, True


def _check_due(
    due_on: date,
    grace_days: int | None,
    unchanged: date | None = None,
    escalate_after_days: int | None = None,
) -> None:
    # Due dates are Vietnam days: "today" is Vietnam's, not the server's UTC day. A date
    # already past may stay as it is while the grace period changes.
    if due_on != unchanged and due_on < vietnam_today():
        raise DomainError("due_in_past")
    if grace_days is not None and not 0 <= grace_days <= MAX_GRACE_DAYS:
        raise DomainError("bad_grace_days")
    if escalate_after_days is not None and not 1 <= escalate_after_days <= MAX_ESCALATE_DAYS:
        raise DomainError("bad_escalate_days")


def change_due_date(
    admin: User,
    assignment: Assignment,
    due_on: date,
    grace_days: int | None = None,
    escalate_after_days: int | None = None,
) -> None:
    """Move an assignment's due date (not into the past) and, if given, its grace period
    and the days past due after which the commune committee is asked to call."""
    if not in_scope(admin, assignment.area_id):
        raise DomainError("outside_scope")
    _check_due(
        due_on, grace_days, unchanged=assignment.due_on, escalate_after_days=escalate_after_days
    )
    if grace_days is None:
        grace_days = assignment.grace_days
    if escalate_after_days is None:
        escalate_after_days = assignment.escalate_after_days
    if (assignment.due_on, assignment.grace_days, assignment.escalate_after_days) == (
        due_on,
        grace_days,
        escalate_after_days,
    ):
        return

    def terms(due: date, grace: int, escalate: int) -> str:
        return f"{due.isoformat()}, grace {grace} days, call after {escalate} days"

    old = terms(assignment.due_on, assignment.grace_days, assignment.escalate_after_days)
    assignment.due_on = due_on
    assignment.grace_days = grace_days
    assignment.escalate_after_days = escalate_after_days
    audit.record(
        "assignment_change",
        actor=admin,
        area_id=assignment.area_id,
        detail=(
            f"{assignment.module.slug} due {old} -> "
            f"{terms(due_on, grace_days, escalate_after_days)}"
        ),
    )
    db.session.flush()


def delete_assignment(admin: User, assignment: Assignment) -> None:
    """Stop requiring a module in an area (learners' progress is untouched)."""
    if not in_scope(admin, assignment.area_id):
        raise DomainError("outside_scope")
    audit.record(
        "assignment_delete",
        actor=admin,
        area_id=assignment.area_id,
        detail=f"{assignment.module.slug} due {assignment.due_on.isoformat()}",
    )
    db.session.delete(assignment)
    db.session.flush()
