"""Report queries: every figure is aggregated in SQL over the viewer's subtree.

The dashboards' summary, sub-area and per-module figures are sums of learn's roll-ups
(`area_progress`, `area_module_progress`: one row per area, and per area and module), so
a province page reads a few thousand rows whatever its learners' history. One page of
the learner table, the call list and the exports of learners read `learner_facts`
(`learnapp.learn.facts`), one row per learner. `buckets` and `module_breakdown` are the
same figures computed live from those facts: the tests hold the roll-ups to them.
What "required", "due" and "completed" mean is `learnapp.learn.requirements`.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Select, and_, case, func, literal, or_, select
from sqlalchemy.orm import aliased
from sqlalchemy.sql import ColumnElement, Subquery

from learnapp.content.published import published_module_ids
from learnapp.learn import requirements
from learnapp.learn.facts import (
    active_learner,
    learner_facts,
    learner_figure_columns,
    status_expr,
)
from learnapp.models import (
    Area,
    AreaModuleProgress,
    AreaProgress,
    Assignment,
    Lesson,
    Module,
    ModuleProgress,
    ModuleStatus,
    User,
)
from learnapp.name_search import contains_pattern, fold
from learnapp.org.scope import below_children_of, lineage, subtree_ids

__all__ = ["active_learner", "learner_facts", "status_expr"]

STATUSES = ("completed", "in_progress", "not_started", "overdue")


@dataclass(frozen=True)
class Filters:
    module_id: int | None = None
    status: str | None = None
    search: str = ""


def matches_search(folded_name, area_id, username, phone, search: str):  # noqa: ANN001, ANN201
    """A name or village name (marks and case optional, typed in any Unicode form),
    username or phone number containing the search.

    Names are compared with their stored folded form (User.folded_name,
    Area.folded_name), so no row is folded per search.
    """
    pattern = contains_pattern(fold(unicodedata.normalize("NFC", search)))
    # Its own alias, correlated to nothing else: the outer query may join Area too.
    place = aliased(Area)
    village = (
        select(place.id)
        .where(place.id == area_id, place.folded_name.like(pattern, escape="\\"))
        .correlate_except(place)
        .exists()
    )
    return or_(
        folded_name.like(pattern, escape="\\"),
        village,
        func.lower(username).like(pattern, escape="\\"),
        phone.like(pattern, escape="\\"),
    )


def filtered(facts: Subquery, filters: Filters) -> Select:
    """The learner rows after the status and name filters."""
    query = select(facts, status_expr(facts).label("status"))
    if filters.status == "overdue":
        query = query.where(facts.c.overdue > 0)
    elif filters.status in ("completed", "in_progress", "not_started"):
        query = query.where(status_expr(facts) == filters.status)
    if filters.search:
        query = query.where(
            matches_search(
                facts.c.folded_name,
                facts.c.area_id,
                facts.c.username,
                facts.c.phone,
                filters.search,
            )
        )
    return query


def learners_in(
    area_id: int | ColumnElement, search: str = "", *, area_lookup: bool = True
) -> Select:
    """The active learners under the area (and matching the search), as User rows.

    Without `area_lookup`, the area condition is one the database cannot look up in
    the index on User.area_id, so it checks each row it reads some other way.
    """
    placed = User.area_id if area_lookup else User.area_id + 0
    query = select(User.id).where(placed.in_(subtree_ids(area_id)), *active_learner())
    if search:
        query = query.where(
            matches_search(User.folded_name, User.area_id, User.username, User.phone, search)
        )
    return query


def buckets(facts: Subquery, area_id: int) -> Select:
    """The area's figures split by direct sub-area, in one pass over the learners.

    Each learner falls in one bucket: the direct sub-area that holds their village, or
    the area itself for people placed on it directly. The page's summary is the sum of
    the buckets, so one aggregate serves both the summary and the sub-area table.
    """
    placement = _placement(area_id)
    return (
        select(placement.c.child_id.label("bucket"), *learner_figure_columns(facts))
        .join(facts, facts.c.area_id == placement.c.area_id)
        .group_by(placement.c.child_id)
    )


def _placement(area_id: int | ColumnElement) -> Subquery:
    """(area_id, child_id): each area under the area, with the direct sub-area holding it
    (the area itself for its own)."""
    own = area_id if isinstance(area_id, ColumnElement) else literal(area_id)
    return (
        below_children_of(area_id)
        .union_all(select(own.label("area_id"), own.label("child_id")))
        .subquery("placement")
    )


def rollup_buckets(area_id: int | ColumnElement, module_id: int | ColumnElement | None) -> Select:
    """The figures of `buckets`, summed from the roll-ups instead of every learner.

    The area and module may be bound parameters, so the page builds the statement once.
    """
    placement = _placement(area_id)
    if module_id is None:
        row = AreaProgress
        figures = [
            func.sum(row.certificates).label("certificates"),
            func.sum(row.optional_done).label("optional_done"),
            func.sum(row.needed).label("needed"),
            func.sum(row.needed_done).label("needed_done"),
        ]
        chosen = []
    else:
        row = AreaModuleProgress
        # One module chosen: what learner_facts counts for that module alone.
        figures = [
            func.sum(row.completed).label("certificates"),
            func.sum(row.completed - row.required_done).label("optional_done"),
            func.sum(row.learners).label("needed"),
            func.sum(row.completed).label("needed_done"),
        ]
        chosen = [AreaModuleProgress.module_id == module_id]
    return (
        select(
            placement.c.child_id.label("bucket"),
            func.sum(row.learners).label("learners"),
            func.sum(row.completed).label("completed"),
            func.sum(row.in_progress).label("in_progress"),
            func.sum(row.not_started).label("not_started"),
            func.sum(row.overdue).label("overdue"),
            *figures,
            func.sum(row.best_sum).label("best_sum"),
            func.sum(row.best_count).label("best_count"),
        )
        .join(row, row.area_id == placement.c.area_id)
        .where(*chosen)
        .group_by(placement.c.child_id)
    )


def rollup_module_breakdown(area_id: int | ColumnElement) -> Select:
    """The figures of `module_breakdown`, summed from the per-(area, module) roll-ups."""
    row = AreaModuleProgress
    return (
        select(
            row.module_id,
            func.sum(row.learners).label("learners"),
            func.sum(row.required).label("required"),
            func.sum(row.completed).label("completed"),
            func.sum(row.in_progress).label("in_progress"),
            func.sum(row.not_started).label("not_started"),
            func.sum(row.overdue).label("overdue"),
        )
        .where(row.area_id.in_(subtree_ids(area_id)))
        .group_by(row.module_id)
    )


def module_breakdown(area_id: int, today: date) -> Select:
    """Per published module: learners, required of, completed, in progress, not started,
    overdue.

    One pass over (learner, module) pairs instead of one query per module.
    """
    required = requirements.area_requirements(subtree_ids(area_id), today)
    completed = ModuleProgress.completed_at.is_not(None)
    # No progress row yet reads as zeros, not NULLs, or "not started" would miss them.
    started = or_(
        func.coalesce(ModuleProgress.lessons_done, 0) > 0,
        func.coalesce(ModuleProgress.attempts, 0) > 0,
    )

    def count_of(condition):  # noqa: ANN001, ANN202
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

    return (
        select(
            Module.id.label("module_id"),
            func.count().label("learners"),
            count_of(required.c.module_id.is_not(None)).label("required"),
            count_of(completed).label("completed"),
            count_of(and_(~completed, started)).label("in_progress"),
            count_of(and_(~completed, ~started)).label("not_started"),
            count_of(
                and_(
                    requirements.late(User.joined_area_on, required.c.past_grace, today), ~completed
                )
            ).label("overdue"),
        )
        .select_from(User)
        .join(Module, Module.status == ModuleStatus.PUBLISHED)
        .outerjoin(
            ModuleProgress,
            and_(ModuleProgress.user_id == User.id, ModuleProgress.module_id == Module.id),
        )
        .outerjoin(
            required,
            and_(required.c.area_id == User.area_id, required.c.module_id == Module.id),
        )
        .where(User.area_id.in_(subtree_ids(area_id)), *active_learner())
        .group_by(Module.id)
    )


def overdue_list(area_id: int, today: date) -> Select:
    """Per overdue learner and module: who to call, where, their due date, what they lack."""
    line = lineage()
    lessons_total = (
        select(func.count(Lesson.id))
        .where(Lesson.module_id == Assignment.module_id, Lesson.is_retired.is_(False))
        .correlate(Assignment)
        .scalar_subquery()
    )
    return (
        select(
            User.id.label("user_id"),
            User.full_name,
            User.phone,
            Area.name.label("village"),
            Assignment.module_id,
            func.min(requirements.personal_due_on()).label("due_on"),
            lessons_total.label("lessons_total"),
            func.coalesce(func.max(ModuleProgress.lessons_done), 0).label("lessons_done"),
            func.coalesce(func.max(case((ModuleProgress.passed, 1), else_=0)), 0).label(
                "quiz_passed"
            ),
        )
        .join(Area, Area.id == User.area_id)
        .join(line, line.c.area_id == User.area_id)
        .join(Assignment, Assignment.area_id == line.c.ancestor_id)
        .outerjoin(
            ModuleProgress,
            and_(
                ModuleProgress.user_id == User.id,
                ModuleProgress.module_id == Assignment.module_id,
            ),
        )
        .where(
            User.area_id.in_(subtree_ids(area_id)),
            *active_learner(),
            requirements.late_assignment(today),
            Assignment.module_id.in_(published_module_ids()),
            ModuleProgress.completed_at.is_(None),
        )
        .group_by(User.id, User.full_name, User.phone, Area.name, Assignment.module_id)
        .order_by(Area.name, User.full_name, User.id, Assignment.module_id)
    )
