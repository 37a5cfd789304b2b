"""Learner facts: per learner and per area, what every report figure is made of.

Learn owns progress, so it owns these sums too: the roll-ups (`learn/rollups.py`) store
`area_figures` and `area_module_figures` per area, and the reports read those rows or,
for one page of learners, `learner_facts` itself. What "required", "due" and "completed"
mean is `learnapp.learn.requirements`. Nothing here imports the reports.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import Date, Select, and_, case, exists, func, literal, or_, select
from sqlalchemy.orm import aliased
from sqlalchemy.sql import ColumnElement, Subquery

from learnapp.content.published import published_module_ids
from learnapp.learn import requirements
from learnapp.models import Module, ModuleProgress, ModuleStatus, Role, RoleGrant, User
from learnapp.org.scope import subtree_ids


def learner_facts(
    area_id: int | None,
    module_id: int | None,
    today: date,
    user_ids: list[int] | None = None,
    *,
    area_ids: Select | list[int] | None = None,
    user_areas: list[int] | ColumnElement | None = None,
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
    of a table) are looked at; `user_areas`, if the caller has them, are those
    learners' areas. With area_ids instead of area_id, the learners placed
    on exactly those areas (what the roll-ups recompute). Every argument but
    `module_id`'s presence may be a bound parameter, so the roll-ups and the learner
    table build the statement once and reuse it.
    """

    def module_filter(column):  # noqa: ANN001, ANN202
        if module_id is not None:
            return column == module_id
        return column.in_(published_module_ids())

    areas = area_ids if area_ids is not None else subtree_ids(area_id)
    in_scope = [User.area_id.in_(areas)]
    if user_ids is not None:
        in_scope.append(User.id.in_(user_ids))
    scoped_users = select(User.id).where(*in_scope)
    # For a page of learners, only their own villages' requirements: over a province the
    # requirements of every area cost more than the page's whole progress. Given as a
    # list, PostgreSQL starts from those villages rather than from every assignment.
    if user_ids is None:
        requirement_areas = areas
    elif user_areas is not None:
        requirement_areas = user_areas
    else:
        requirement_areas = select(User.area_id).where(User.id.in_(user_ids)).correlate(None)
    required = requirements.area_requirements(requirement_areas, today, module_id)
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
            learner.area_id.in_(areas),
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
            User.folded_name.label("folded_name"),
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


def status_expr(facts: Subquery):  # noqa: ANN201
    """The learner's status: completed, in_progress or not_started (overdue is separate)."""
    return case(
        (facts.c.complete == 1, "completed"),
        (and_(facts.c.certs == 0, facts.c.started == 0), "not_started"),
        else_="in_progress",
    )


def _day(today: date | ColumnElement) -> ColumnElement:
    """The date as a column: a value, or a bound parameter the roll-ups fill per call."""
    return today if isinstance(today, ColumnElement) else literal(today, Date)


def _count_of(condition):  # noqa: ANN001, ANN202
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def learner_figure_columns(facts: Subquery) -> list[ColumnElement]:
    """The figures summed over a group of learner facts: learners, completed,
    in_progress, not_started, overdue, certificates, optional_done, needed, needed_done,
    best_sum, best_count. One list for the roll-ups and the live report aggregate, so
    the two cannot count differently."""
    status = status_expr(facts)
    return [
        func.count(facts.c.user_id).label("learners"),
        _count_of(status == "completed").label("completed"),
        _count_of(status == "in_progress").label("in_progress"),
        _count_of(status == "not_started").label("not_started"),
        _count_of(facts.c.overdue > 0).label("overdue"),
        func.coalesce(func.sum(facts.c.certs), 0).label("certificates"),
        func.coalesce(func.sum(facts.c.optional_done), 0).label("optional_done"),
        func.coalesce(func.sum(facts.c.needed), 0).label("needed"),
        func.coalesce(func.sum(facts.c.needed_done), 0).label("needed_done"),
        func.sum(facts.c.best).label("best_sum"),
        func.count(facts.c.best).label("best_count"),
    ]


def area_figures(area_ids: Select | list[int] | ColumnElement, today: date) -> Select:
    """Per area among area_ids, the figures of the learners placed on it (all modules):
    area_id, the learner figure columns, computed_on."""
    facts = learner_facts(None, None, today, area_ids=area_ids)
    return select(
        facts.c.area_id, *learner_figure_columns(facts), _day(today).label("computed_on")
    ).group_by(facts.c.area_id)


def area_module_figures(area_ids: Select | list[int] | ColumnElement, today: date) -> Select:
    """Per (area among area_ids, published module), the figures of the learners placed
    on the area: area_id, module_id, learners, required, completed, in_progress,
    not_started, overdue, required_done, best_sum, best_count, computed_on.

    With one module chosen, a learner is completed when they hold its certificate,
    required of them or not, as `learner_facts` counts it.
    """
    required = requirements.area_requirements(area_ids, today)
    completed = ModuleProgress.completed_at.is_not(None)
    # No progress row yet reads as zeros, not NULLs, or "not started" would miss them.
    started = or_(
        func.coalesce(ModuleProgress.lessons_done, 0) > 0,
        func.coalesce(ModuleProgress.attempts, 0) > 0,
    )
    is_required = required.c.module_id.is_not(None)
    return (
        select(
            User.area_id.label("area_id"),
            Module.id.label("module_id"),
            func.count().label("learners"),
            _count_of(is_required).label("required"),
            _count_of(completed).label("completed"),
            _count_of(and_(~completed, started)).label("in_progress"),
            _count_of(and_(~completed, ~started)).label("not_started"),
            _count_of(
                and_(
                    requirements.late(User.joined_area_on, required.c.past_grace, today),
                    ~completed,
                )
            ).label("overdue"),
            _count_of(and_(is_required, completed)).label("required_done"),
            func.sum(ModuleProgress.best_percent).label("best_sum"),
            func.count(ModuleProgress.best_percent).label("best_count"),
            _day(today).label("computed_on"),
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
        .where(User.area_id.in_(area_ids), *active_learner())
        .group_by(User.area_id, Module.id)
    )
