"""Dashboard data: the same rows feed the page and its exports, so their numbers agree."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Row, asc, desc, func, select

from learnapp import db
from learnapp.models import Area, Module, ModuleStatus
from learnapp.reports import queries
from learnapp.reports.queries import Filters

PAGE_SIZE = 25

LEARNER_SORTS = {
    "name": "full_name",
    "village": "village",
    "status": "status",
    "best": "best",
    "certs": "certs",
    "active": "last_active_at",
}
AREA_SORTS = {"name", "learners", "completion", "best", "overdue"}


@dataclass
class SubAreaRow:
    id: int
    name: str
    level: str
    learners: int
    completed: int
    completion: int  # percent of (learners x modules) certificates
    average_best: int | None
    overdue: int


@dataclass
class Dashboard:
    area: Area
    modules_needed: int
    summary: Row
    sub_areas: list[SubAreaRow]
    learners: list[Row]
    total_learners: int
    page: int
    pages: int


def modules() -> list[Module]:
    return list(
        db.session.scalars(
            select(Module).where(Module.status == ModuleStatus.PUBLISHED).order_by(Module.position)
        )
    )


def _modules_needed(module_id: int | None) -> int:
    return int(db.session.scalar(queries.module_count(module_id)) or 0)


def _percent(part: float, whole: float) -> int:
    return int(part * 100 // whole) if whole else 0


def sub_area_rows(area: Area, facts, needed: int, sort: str, descending: bool) -> list[SubAreaRow]:  # noqa: ANN001
    rows = [
        SubAreaRow(
            id=r.id,
            name=r.name,
            level=r.level,
            learners=r.learners,
            completed=r.completed,
            completion=_percent(r.certificates, r.learners * needed),
            average_best=round(r.average_best) if r.average_best is not None else None,
            overdue=r.overdue,
        )
        for r in db.session.execute(queries.sub_areas(facts, area.id, needed))
    ]
    # A handful of sub-areas: sorted here, after SQL did the aggregating.
    key = {
        "name": lambda r: r.name.casefold(),
        "learners": lambda r: r.learners,
        "completion": lambda r: r.completion,
        "best": lambda r: -1 if r.average_best is None else r.average_best,
        "overdue": lambda r: r.overdue,
    }.get(sort, lambda r: r.name.casefold())
    return sorted(rows, key=key, reverse=descending)


def learner_rows(facts, filters: Filters, needed: int, sort: str, descending: bool):  # noqa: ANN001, ANN201
    """The filtered, sorted learner query (not yet paginated)."""
    base = queries.filtered(facts, filters, needed).subquery("rows")
    query = select(base, Area.name.label("village")).join(Area, Area.id == base.c.area_id)
    column = LEARNER_SORTS.get(sort, "full_name")
    order_col = Area.name if column == "village" else base.c[column]
    # No score and never active count as the lowest, as in the sub-area table; left to
    # the database, NULLs would come first on SQLite and last on PostgreSQL.
    ordered = desc(order_col).nulls_last() if descending else asc(order_col).nulls_first()
    return query.order_by(ordered, asc(base.c.full_name), asc(base.c.user_id))


def dashboard(
    area: Area,
    filters: Filters,
    today: date,
    *,
    page: int = 1,
    sort: str = "name",
    descending: bool = False,
    area_sort: str = "name",
    area_descending: bool = False,
) -> Dashboard:
    """Everything the committee page shows, in a fixed number of queries."""
    facts = queries.learner_facts(area.id, filters.module_id, today)
    needed = _modules_needed(filters.module_id)
    summary = db.session.execute(queries.summary(facts, needed)).one()
    learners_query = learner_rows(facts, filters, needed, sort, descending)
    total = db.session.scalar(select(func.count()).select_from(learners_query.subquery()))
    pages = max(1, math.ceil(total / PAGE_SIZE))
    page = min(max(1, page), pages)
    learners = db.session.execute(
        learners_query.limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)
    ).all()
    return Dashboard(
        area=area,
        modules_needed=needed,
        summary=summary,
        sub_areas=sub_area_rows(area, facts, needed, area_sort, area_descending),
        learners=learners,
        total_learners=total,
        page=page,
        pages=pages,
    )


def module_breakdown(area: Area, today: date) -> list[tuple[Module, Row]]:
    """Per published module: learners, completed, in progress, not started, overdue."""
    result = []
    for module in modules():
        facts = queries.learner_facts(area.id, module.id, today)
        result.append((module, db.session.execute(queries.summary(facts, 1)).one()))
    return result


def all_learner_rows(area: Area, filters: Filters, today: date, sort: str, descending: bool):  # noqa: ANN201
    facts = queries.learner_facts(area.id, filters.module_id, today)
    needed = _modules_needed(filters.module_id)
    return db.session.execute(learner_rows(facts, filters, needed, sort, descending)).all()


def overdue_rows(area: Area, today: date) -> list[Row]:
    return db.session.execute(queries.overdue_list(area.id, today)).all()
