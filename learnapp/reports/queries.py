"""Report queries: every figure is aggregated in SQL over the viewer's subtree.

The building block is `learner_facts`, one row per learner in an area's subtree with
what the reports need (certificates, activity, best score, required and overdue
modules). Pages, exports and aggregates all select from it, so the scope is applied
once, in SQL. What "required", "due" and "completed" mean is `learnapp.learn.requirements`.
"""

from __future__ import annotations

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

from learnapp.learn import requirements
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
from learnapp.name_search import contains_pattern, fold, name_pattern

STATUSES = ("completed", "in_progress", "not_started", "overdue")


@dataclass(frozen=True)
class Filters:
    module_id: int | None = None
    status: str | None = None
    search: str = ""


def published_module_ids() -> Select:
    return select(Module.id).where(Module.status == ModuleStatus.PUBLISHED)


def learner_facts(
    area_id: int, module_id: int | None, today: date, user_ids: list[int] | None = None
) -> Subquery:
    """One row per active learner under the area, with their progress facts.

    Columns: user_id, area_id, full_name, username, phone, last_active_at; certs
    (certificates of published modules, or of the chosen module); started (1 if any
    lesson done or attempt submitted); best (average over modules of the best quiz
    percent, NULL if none); required and required_done (modules required of them, and
    those with a certificate); optional_done (the other certificates); overdue (required
    modules past their due date without a certificate); complete (1 when completed as
    `learnapp.learn.requirements` defines it; with a chosen module, when they hold its
    certificate); needed and needed_done (what completion percentages divide). Read
    from module_progress, one row per learner and module, so the cost follows the
    learners in scope, not their history. With user_ids, only those learners (one page
    of a table) are looked at.
    """

    def module_filter(column):  # noqa: ANN001, ANN202
        if module_id is not None:
            return column == module_id
        return column.in_(published_module_ids())

    in_scope = [User.area_id.in_(_subtree(area_id))]
    if user_ids is not None:
        in_scope.append(User.id.in_(user_ids))
    scoped_users = select(User.id).where(*in_scope)
    required = requirements.area_requirements(_subtree(area_id), today, module_id)
    area_required = (
        select(required.c.area_id, func.count().label("required"))
        .group_by(required.c.area_id)
        .subquery("area_required")
    )
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
            func.count(
                case(
                    (
                        and_(
                            required.c.module_id.is_not(None),
                            ModuleProgress.completed_at.is_not(None),
                        ),
                        1,
                    )
                )
            ).label("required_done"),
        )
        .join(User, User.id == ModuleProgress.user_id)
        .outerjoin(
            required,
            and_(
                required.c.area_id == User.area_id,
                required.c.module_id == ModuleProgress.module_id,
            ),
        )
        # IN, not the join's conditions: the planner then reads the scoped learners'
        # rows by user_id instead of scanning every module_progress row.
        .where(ModuleProgress.user_id.in_(scoped_users), module_filter(ModuleProgress.module_id))
        .group_by(ModuleProgress.user_id)
        .subquery("progress")
    )
    learner = aliased(User)
    late_progress = aliased(ModuleProgress)
    overdue = (
        select(learner.id.label("user_id"), func.count().label("overdue"))
        .join(required, required.c.area_id == learner.area_id)
        .outerjoin(
            late_progress,
            and_(
                late_progress.user_id == learner.id,
                late_progress.module_id == required.c.module_id,
            ),
        )
        .where(
            learner.area_id.in_(_subtree(area_id)),
            *([learner.id.in_(user_ids)] if user_ids is not None else []),
            requirements.late(learner.joined_area_on, required.c.past_grace, today),
            late_progress.completed_at.is_(None),
        )
        .group_by(learner.id)
        .subquery("overdue")
    )
    certs = func.coalesce(progress.c.certs, 0)
    required_count = func.coalesce(area_required.c.required, 0)
    required_done = func.coalesce(progress.c.required_done, 0)
    if module_id is None:
        complete = requirements.completed_condition(required_count, required_done)
        needed, needed_done = required_count, required_done
    else:
        # One module chosen: completion of that module, required of them or not.
        complete = certs > 0
        needed, needed_done = literal(1), certs
    return (
        select(
            User.id.label("user_id"),
            User.area_id.label("area_id"),
            User.full_name.label("full_name"),
            User.username.label("username"),
            User.phone.label("phone"),
            User.last_active_at.label("last_active_at"),
            certs.label("certs"),
            func.coalesce(progress.c.started, 0).label("started"),
            progress.c.best.label("best"),
            required_count.label("required"),
            required_done.label("required_done"),
            (certs - required_done).label("optional_done"),
            func.coalesce(overdue.c.overdue, 0).label("overdue"),
            case((complete, 1), else_=0).label("complete"),
            needed.label("needed"),
            needed_done.label("needed_done"),
        )
        .outerjoin(progress, progress.c.user_id == User.id)
        .outerjoin(area_required, area_required.c.area_id == User.area_id)
        .outerjoin(overdue, overdue.c.user_id == User.id)
        .where(*in_scope, *active_learner())
        .subquery("facts")
    )


def active_learner() -> tuple:
    """Conditions on User: an active account holding the learner role."""
    is_learner = exists(
        select(RoleGrant.id).where(RoleGrant.user_id == User.id, RoleGrant.role == Role.LEARNER)
    )
    return (User.is_active.is_(True), is_learner)


def matches_search(full_name, username, phone, search: str):  # noqa: ANN001, ANN201
    """A name (marks and case optional), username or phone number containing the search."""
    pattern = contains_pattern(fold(search))
    return or_(
        full_name.regexp_match(name_pattern(search)),
        func.lower(username).like(pattern, escape="\\"),
        phone.like(pattern, escape="\\"),
    )


def _subtree(area_id: int) -> Select:
    return select(AreaClosure.descendant_id).where(AreaClosure.ancestor_id == area_id)


def status_expr(facts: Subquery):  # noqa: ANN201
    """The learner's status: completed, in_progress or not_started (overdue is separate)."""
    return case(
        (facts.c.complete == 1, "completed"),
        (and_(facts.c.certs == 0, facts.c.started == 0), "not_started"),
        else_="in_progress",
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
            matches_search(facts.c.full_name, facts.c.username, facts.c.phone, filters.search)
        )
    return query


def learners_in(area_id: int, search: str = "") -> Select:
    """The active learners under the area (and matching the search), as User rows."""
    query = select(User.id).where(User.area_id.in_(_subtree(area_id)), *active_learner())
    if search:
        query = query.where(matches_search(User.full_name, User.username, User.phone, search))
    return query


def buckets(facts: Subquery, area_id: int) -> Select:
    """The area's figures split by direct sub-area, in one pass over the learners.

    Each learner falls in one bucket: the direct sub-area that holds their village, or
    the area itself for people placed on it directly. The page's summary is the sum of
    the buckets, so one aggregate serves both the summary and the sub-area table.
    """
    closure = AreaClosure
    status = status_expr(facts)
    placement = (
        select(closure.descendant_id.label("area_id"), closure.ancestor_id.label("bucket"))
        .where(closure.ancestor_id.in_(select(Area.id).where(Area.parent_id == area_id)))
        .union_all(select(literal(area_id).label("area_id"), literal(area_id).label("bucket")))
        .subquery("placement")
    )

    def count_of(condition):  # noqa: ANN001, ANN202
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

    return (
        select(
            placement.c.bucket,
            func.count(facts.c.user_id).label("learners"),
            count_of(status == "completed").label("completed"),
            count_of(status == "in_progress").label("in_progress"),
            count_of(status == "not_started").label("not_started"),
            count_of(facts.c.overdue > 0).label("overdue"),
            func.coalesce(func.sum(facts.c.certs), 0).label("certificates"),
            func.coalesce(func.sum(facts.c.optional_done), 0).label("optional_done"),
            func.coalesce(func.sum(facts.c.needed), 0).label("needed"),
            func.coalesce(func.sum(facts.c.needed_done), 0).label("needed_done"),
            func.sum(facts.c.best).label("best_sum"),
            func.count(facts.c.best).label("best_count"),
        )
        .join(facts, facts.c.area_id == placement.c.area_id)
        .group_by(placement.c.bucket)
    )


def module_breakdown(area_id: int, today: date) -> Select:
    """Per published module: learners, required of, completed, in progress, not started,
    overdue.

    One pass over (learner, module) pairs instead of one query per module.
    """
    required = requirements.area_requirements(_subtree(area_id), today)
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
        .where(User.area_id.in_(_subtree(area_id)), *active_learner())
        .group_by(Module.id)
    )


def overdue_list(area_id: int, today: date) -> Select:
    """Per overdue learner and module: who to call, where, their due date, what they lack."""
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
            *active_learner(),
            requirements.late_assignment(today),
            Assignment.module_id.in_(published_module_ids()),
            ModuleProgress.completed_at.is_(None),
        )
        .group_by(User.id, User.full_name, User.phone, Area.name, Assignment.module_id)
        .order_by(Area.name, User.full_name, User.id, Assignment.module_id)
    )
