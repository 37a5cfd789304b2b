"""Report queries: every figure is aggregated in SQL over the viewer's subtree.

The building block is `learner_facts`, one row per learner in an area's subtree with
what the reports need (certificates, activity, best score, overdue modules). Pages,
exports and aggregates all select from it, so the scope is applied once, in SQL.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import (
    Integer,
    Select,
    and_,
    case,
    exists,
    func,
    literal,
    or_,
    select,
)
from sqlalchemy.sql import Subquery

from learnapp.models import (
    Area,
    AreaClosure,
    Assignment,
    AttemptStatus,
    Certificate,
    Lesson,
    LessonProgress,
    Module,
    ModuleStatus,
    Quiz,
    QuizAttempt,
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

    Columns: user_id, area_id, full_name, username, phone, last_active_at, certs,
    is_active_learner (any lesson done or attempt submitted), best (average of best
    quiz percent per module, NULL if none), overdue (required modules past due and not
    completed).
    """

    def module_filter(column):  # noqa: ANN001, ANN202
        if module_id is not None:
            return column == module_id
        return column.in_(published_module_ids())

    certs = (
        select(func.count(Certificate.id))
        .where(Certificate.user_id == User.id, module_filter(Certificate.module_id))
        .correlate(User)
        .scalar_subquery()
    )
    did_lesson = exists(
        select(LessonProgress.id)
        .join(Lesson, Lesson.id == LessonProgress.lesson_id)
        .where(LessonProgress.user_id == User.id, module_filter(Lesson.module_id))
        .correlate(User)
    )
    did_quiz = exists(
        select(QuizAttempt.id)
        .join(Quiz, Quiz.id == QuizAttempt.quiz_id)
        .where(
            QuizAttempt.user_id == User.id,
            QuizAttempt.status == AttemptStatus.SUBMITTED,
            module_filter(Quiz.module_id),
        )
        .correlate(User)
    )
    # Best percent per (learner, quiz), averaged per learner: the derived table is
    # limited to the subtree's learners so a commune's page never scans the province.
    scoped_users = select(User.id).where(User.area_id.in_(_subtree(area_id)))
    best_per_quiz = (
        select(
            QuizAttempt.user_id.label("user_id"),
            func.max(QuizAttempt.percent).label("best"),
        )
        .join(Quiz, Quiz.id == QuizAttempt.quiz_id)
        .where(
            QuizAttempt.status == AttemptStatus.SUBMITTED,
            QuizAttempt.user_id.in_(scoped_users),
            module_filter(Quiz.module_id),
        )
        .group_by(QuizAttempt.user_id, QuizAttempt.quiz_id)
        .subquery("best_per_quiz")
    )
    best = (
        select(best_per_quiz.c.user_id, func.avg(best_per_quiz.c.best).label("best"))
        .group_by(best_per_quiz.c.user_id)
        .subquery("best")
    )
    overdue = (
        select(func.count(func.distinct(Assignment.module_id)))
        .join(AreaClosure, AreaClosure.ancestor_id == Assignment.area_id)
        .where(
            AreaClosure.descendant_id == User.area_id,
            Assignment.due_on < today,
            module_filter(Assignment.module_id),
            # Correlated to the learner row two levels up: without it the inner query
            # gets its own user_account and anyone's certificate clears everyone.
            ~exists(
                select(Certificate.id)
                .where(
                    Certificate.user_id == User.id,
                    Certificate.module_id == Assignment.module_id,
                )
                .correlate(User, Assignment)
            ),
        )
        .correlate(User)
        .scalar_subquery()
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
            certs.label("certs"),
            case((or_(did_lesson, did_quiz), 1), else_=0).label("started"),
            best.c.best.label("best"),
            overdue.label("overdue"),
        )
        .outerjoin(best, best.c.user_id == User.id)
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
        pattern = f"%{filters.search.lower()}%"
        query = query.where(
            or_(
                func.lower(facts.c.full_name).like(pattern),
                func.lower(facts.c.username).like(pattern),
                facts.c.phone.like(pattern),
            )
        )
    return query


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
    lessons_done = (
        select(func.count(LessonProgress.id))
        .join(Lesson, Lesson.id == LessonProgress.lesson_id)
        .where(
            LessonProgress.user_id == User.id,
            Lesson.module_id == Assignment.module_id,
            Lesson.is_retired.is_(False),
        )
        .correlate(User, Assignment)
        .scalar_subquery()
    )
    quiz_passed = exists(
        select(QuizAttempt.id)
        .join(Quiz, Quiz.id == QuizAttempt.quiz_id)
        .where(
            QuizAttempt.user_id == User.id,
            Quiz.module_id == Assignment.module_id,
            QuizAttempt.passed.is_(True),
        )
        .correlate(User, Assignment)
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
            lessons_done.label("lessons_done"),
            case((quiz_passed, 1), else_=0).cast(Integer).label("quiz_passed"),
        )
        .join(Area, Area.id == User.area_id)
        .join(AreaClosure, AreaClosure.descendant_id == User.area_id)
        .join(Assignment, Assignment.area_id == AreaClosure.ancestor_id)
        .where(
            User.area_id.in_(_subtree(area_id)),
            User.is_active.is_(True),
            is_learner,
            Assignment.due_on < today,
            Assignment.module_id.in_(published_module_ids()),
            ~exists(
                select(Certificate.id).where(
                    Certificate.user_id == User.id, Certificate.module_id == Assignment.module_id
                )
            ),
        )
        .group_by(User.id, User.full_name, User.phone, Area.name, Assignment.module_id)
        .order_by(Area.name, User.full_name)
    )
