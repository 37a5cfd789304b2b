"""Report queries: every figure is aggregated in SQL over the viewer's subtree.

The building block is `learner_facts`, one row per learner in an area's subtree with
what the reports need (certificates, activity, best score, overdue modules). Pages,
exports and aggregates all select from it, so the scope is applied once, in SQL.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date

from sqlalchemy import (
    Select,
    and_,
    case,
    exists,
    func,
    literal,
    or_,
    select,
)
from sqlalchemy.orm import aliased
from sqlalchemy.sql import Subquery

from learnapp.models import (
    Area,
    AreaClosure,
    Assignment,
    Lesson,
    Module,
    ModuleProgress,
    ModuleStatus,
    Role,
    RoleGrant,
    User,
)

STATUSES = ("completed", "in_progress", "not_started", "overdue")


@dataclass(frozen=True)
class Filters:
    module_id: int | None = None
    status: str | None = None
    search: str = ""


def published_module_ids() -> Select:
    return select(Module.id).where(Module.status == ModuleStatus.PUBLISHED)


def learner_facts(area_id: int, module_id: int | None, today: date) -> Subquery:
    """One row per active learner under the area, with their progress facts.

    Columns: user_id, area_id, full_name, username, phone, last_active_at, certs
    (modules completed), started (1 if any lesson done or attempt submitted), best
    (average over modules of the best quiz percent, NULL if none), overdue (required
    modules past due and not completed). Read from module_progress, one row per
    learner and module, so the cost follows the learners in scope, not their history.
    """

    def module_filter(column):  # noqa: ANN001, ANN202
        if module_id is not None:
            return column == module_id
        return column.in_(published_module_ids())

    scoped_users = select(User.id).where(User.area_id.in_(_subtree(area_id)))
    progress = (
        select(
            ModuleProgress.user_id.label("user_id"),
            func.count(ModuleProgress.completed_at).label("certs"),
            func.max(
                case(
                    (or_(ModuleProgress.lessons_done > 0, ModuleProgress.attempts > 0), 1),
                    else_=0,
                )
            ).label("started"),
            func.avg(ModuleProgress.best_percent).label("best"),
        )
        .where(ModuleProgress.user_id.in_(scoped_users), module_filter(ModuleProgress.module_id))
        .group_by(ModuleProgress.user_id)
        .subquery("progress")
    )
    learner = aliased(User)
    overdue = (
        select(
            learner.id.label("user_id"),
            func.count(func.distinct(Assignment.module_id)).label("overdue"),
        )
        .join(AreaClosure, AreaClosure.descendant_id == learner.area_id)
        .join(Assignment, Assignment.area_id == AreaClosure.ancestor_id)
        .outerjoin(
            ModuleProgress,
            and_(
                ModuleProgress.user_id == learner.id,
                ModuleProgress.module_id == Assignment.module_id,
            ),
        )
        .where(
            learner.area_id.in_(_subtree(area_id)),
            Assignment.due_on < today,
            module_filter(Assignment.module_id),
            ModuleProgress.completed_at.is_(None),
        )
        .group_by(learner.id)
        .subquery("overdue")
    )
    is_learner = exists(
        select(RoleGrant.id).where(RoleGrant.user_id == User.id, RoleGrant.role == Role.LEARNER)
    )
    return (
        select(
            User.id.label("user_id"),
            User.area_id.label("area_id"),
            User.full_name.label("full_name"),
            User.username.label("username"),
            User.phone.label("phone"),
            User.last_active_at.label("last_active_at"),
            func.coalesce(progress.c.certs, 0).label("certs"),
            func.coalesce(progress.c.started, 0).label("started"),
            progress.c.best.label("best"),
            func.coalesce(overdue.c.overdue, 0).label("overdue"),
        )
        .outerjoin(progress, progress.c.user_id == User.id)
        .outerjoin(overdue, overdue.c.user_id == User.id)
        .where(User.area_id.in_(_subtree(area_id)), User.is_active.is_(True), is_learner)
        .subquery("facts")
    )


def _subtree(area_id: int) -> Select:
    return select(AreaClosure.descendant_id).where(AreaClosure.ancestor_id == area_id)


def module_count(module_id: int | None) -> Select:
    """How many modules a learner must complete to count as completed."""
    if module_id is not None:
        return select(literal(1))
    return select(func.count()).select_from(published_module_ids().subquery())


def status_expr(facts: Subquery, modules_needed: int):  # noqa: ANN201
    """The learner's status: completed, in_progress or not_started (overdue is separate)."""
    return case(
        (facts.c.certs >= modules_needed, "completed"),
        (and_(facts.c.certs == 0, facts.c.started == 0), "not_started"),
        else_="in_progress",
    )


def filtered(facts: Subquery, filters: Filters, modules_needed: int) -> Select:
    """The learner rows after the status and name filters."""
    query = select(facts, status_expr(facts, modules_needed).label("status"))
    if filters.status == "overdue":
        query = query.where(facts.c.overdue > 0)
    elif filters.status in ("completed", "in_progress", "not_started"):
        query = query.where(status_expr(facts, modules_needed) == filters.status)
    if filters.search:
        pattern = f"%{fold(filters.search)}%"
        query = query.where(
            or_(
                facts.c.full_name.regexp_match(name_pattern(filters.search)),
                func.lower(facts.c.username).like(pattern),
                facts.c.phone.like(pattern),
            )
        )
    return query


# Vietnamese letters with marks. A name is searched without regard to them ("binh"
# finds "Bình", as many type on a phone) or to case, which SQLite's lower() cannot do
# beyond ASCII: each letter of the search becomes a class of all its forms.
_MARKED = "àáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵđ"


def fold(text: str) -> str:
    """Lower case without Vietnamese marks: "Đức" -> "duc"."""
    text = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(c for c in text if not unicodedata.combining(c)).lower()


_FORMS = {
    letter: letter + "".join(m for m in _MARKED if fold(m) == letter)
    for letter in "abcdefghijklmnopqrstuvwxyz"
}
_CLASSES = {letter: f"[{forms}{forms.upper()}]" for letter, forms in _FORMS.items()}


def name_pattern(search: str) -> str:
    """A regular expression (the same on SQLite and PostgreSQL) for the search in a name."""
    parts = []
    for char in fold(search):
        if char in _CLASSES:
            parts.append(_CLASSES[char])
        else:
            parts.append(char if char.isalnum() else "\\" + char)
    return "".join(parts)


def summary(facts: Subquery, modules_needed: int) -> Select:
    """Learners, completed, in progress, not started and overdue counts."""
    status = status_expr(facts, modules_needed)
    return select(
        func.count().label("learners"),
        func.coalesce(func.sum(case((status == "completed", 1), else_=0)), 0).label("completed"),
        func.coalesce(func.sum(case((status == "in_progress", 1), else_=0)), 0).label(
            "in_progress"
        ),
        func.coalesce(func.sum(case((status == "not_started", 1), else_=0)), 0).label(
            "not_started"
        ),
        func.coalesce(func.sum(case((facts.c.overdue > 0, 1), else_=0)), 0).label("overdue"),
        func.avg(facts.c.best).label("average_best"),
        func.coalesce(func.sum(facts.c.certs), 0).label("certificates"),
    )


def sub_areas(facts: Subquery, area_id: int, modules_needed: int) -> Select:
    """The direct sub-areas with learners, completion, average best score, overdue."""
    closure = AreaClosure
    status = status_expr(facts, modules_needed)
    counted = (
        select(
            closure.ancestor_id.label("area_id"),
            func.count(facts.c.user_id).label("learners"),
            func.coalesce(func.sum(case((status == "completed", 1), else_=0)), 0).label(
                "completed"
            ),
            func.coalesce(func.sum(facts.c.certs), 0).label("certificates"),
            func.avg(facts.c.best).label("average_best"),
            func.coalesce(func.sum(case((facts.c.overdue > 0, 1), else_=0)), 0).label("overdue"),
        )
        .join(facts, facts.c.area_id == closure.descendant_id)
        .where(closure.ancestor_id.in_(select(Area.id).where(Area.parent_id == area_id)))
        .group_by(closure.ancestor_id)
        .subquery("counted")
    )
    return (
        select(
            Area.id,
            Area.name,
            Area.level,
            func.coalesce(counted.c.learners, 0).label("learners"),
            func.coalesce(counted.c.completed, 0).label("completed"),
            func.coalesce(counted.c.certificates, 0).label("certificates"),
            counted.c.average_best,
            func.coalesce(counted.c.overdue, 0).label("overdue"),
        )
        .outerjoin(counted, counted.c.area_id == Area.id)
        .where(Area.parent_id == area_id)
    )


def overdue_list(area_id: int, today: date) -> Select:
    """Per overdue learner and module: who to call, where, and what they still lack."""
    lessons_total = (
        select(func.count(Lesson.id))
        .where(Lesson.module_id == Assignment.module_id, Lesson.is_retired.is_(False))
        .correlate(Assignment)
        .scalar_subquery()
    )
    is_learner = exists(
        select(RoleGrant.id).where(RoleGrant.user_id == User.id, RoleGrant.role == Role.LEARNER)
    )
    return (
        select(
            User.id.label("user_id"),
            User.full_name,
            User.phone,
            Area.name.label("village"),
            Assignment.module_id,
            func.min(Assignment.due_on).label("due_on"),
            lessons_total.label("lessons_total"),
            func.coalesce(func.max(ModuleProgress.lessons_done), 0).label("lessons_done"),
            func.coalesce(func.max(case((ModuleProgress.passed, 1), else_=0)), 0).label(
                "quiz_passed"
            ),
        )
        .join(Area, Area.id == User.area_id)
        .join(AreaClosure, AreaClosure.descendant_id == User.area_id)
        .join(Assignment, Assignment.area_id == AreaClosure.ancestor_id)
        .outerjoin(
            ModuleProgress,
            and_(
                ModuleProgress.user_id == User.id,
                ModuleProgress.module_id == Assignment.module_id,
            ),
        )
        .where(
            User.area_id.in_(_subtree(area_id)),
            User.is_active.is_(True),
            is_learner,
            Assignment.due_on < today,
            Assignment.module_id.in_(published_module_ids()),
            ModuleProgress.completed_at.is_(None),
        )
        .group_by(User.id, User.full_name, User.phone, Area.name, Assignment.module_id)
        .order_by(Area.name, User.full_name)
    )
