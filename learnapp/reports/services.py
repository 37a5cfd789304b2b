"""Dashboard data: the same rows feed the page and its exports, so their numbers agree."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Date, Integer, Row, Select, asc, bindparam, desc, func, select
from sqlalchemy.sql import Subquery

from learnapp import db, paging
from learnapp.content.published import published_modules
from learnapp.models import Area, Module, User
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
    # Percent of the required (learner, module) pairs holding a certificate; None when
    # nothing is required of anyone there (the page says so instead of 0%).
    completion: int | None
    average_best: int | None
    overdue: int


@dataclass
class Summary:
    learners: int = 0
    completed: int = 0
    in_progress: int = 0
    not_started: int = 0
    overdue: int = 0
    required: int = 0  # in the per-module table: learners the module is required of
    certificates: int = 0
    optional_done: int = 0
    needed: int = 0
    needed_done: int = 0
    best_sum: float = 0.0
    best_count: int = 0

    @property
    def average_best(self) -> float | None:
        return self.best_sum / self.best_count if self.best_count else None

    @property
    def completion(self) -> int | None:
        """Percent of what is required that is done; None when nothing is required."""
        return _percent(self.needed_done, self.needed) if self.needed else None

    def add(self, row: Row) -> None:
        for name in (
            "learners",
            "completed",
            "in_progress",
            "not_started",
            "overdue",
            "certificates",
            "optional_done",
            "needed",
            "needed_done",
        ):
            setattr(self, name, getattr(self, name) + row._mapping[name])
        self.best_sum += float(row.best_sum or 0)
        self.best_count += row.best_count


@dataclass
class Dashboard:
    area: Area
    summary: Summary
    sub_areas: list[SubAreaRow]
    learners: list[Row]
    total_learners: int
    page: int
    pages: int


def _percent(part: float, whole: float) -> int:
    return int(part * 100 // whole) if whole else 0


# The page's statements are built once per process, with the area, module, date and page
# as bound parameters: building the learner table's statement took longer than a
# commune's figures take to compute, and a statement built anew is also compiled anew.
_AREA = bindparam("report_area", type_=Integer)
_MODULE = bindparam("report_module", type_=Integer)
_TODAY = bindparam("report_today", type_=Date)
_USERS = bindparam("report_users", type_=Integer, expanding=True)
_USER_AREAS = bindparam("report_user_areas", type_=Integer, expanding=True)
_OFFSET = bindparam("report_offset", type_=Integer)


@functools.cache
def _buckets_statement(module_chosen: bool) -> Select:
    return queries.rollup_buckets(_AREA, _MODULE if module_chosen else None)


@functools.cache
def _breakdown_statement() -> Select:
    return queries.rollup_module_breakdown(_AREA)


def _buckets(area: Area, module_id: int | None) -> dict[int, Row]:
    """Per direct sub-area (and the area itself), its figures summed from the roll-ups."""
    rows = db.session.execute(
        _buckets_statement(module_id is not None),
        {"report_area": area.id, "report_module": module_id},
    )
    return {r.bucket: r for r in rows}


def summary_of(buckets: dict[int, Row]) -> Summary:
    total = Summary()
    for row in buckets.values():
        total.add(row)
    return total


def sub_area_rows(
    area: Area,
    module_id: int | None,
    sort: str,
    descending: bool,
    buckets: dict[int, Row] | None = None,
) -> list[SubAreaRow]:
    if buckets is None:
        buckets = _buckets(area, module_id)
    children = db.session.execute(
        select(Area.id, Area.name, Area.level).where(Area.parent_id == area.id)
    ).all()
    rows = []
    for child in children:
        figures = Summary()
        if child.id in buckets:
            figures.add(buckets[child.id])
        rows.append(
            SubAreaRow(
                id=child.id,
                name=child.name,
                level=child.level,
                learners=figures.learners,
                completed=figures.completed,
                completion=figures.completion,
                average_best=round(figures.average_best)
                if figures.average_best is not None
                else None,
                overdue=figures.overdue,
            )
        )
    # A handful of sub-areas: sorted here, after SQL did the aggregating.
    key = {
        "name": lambda r: r.name.casefold(),
        "learners": lambda r: r.learners,
        "completion": lambda r: -1 if r.completion is None else r.completion,
        "best": lambda r: -1 if r.average_best is None else r.average_best,
        "overdue": lambda r: r.overdue,
    }.get(sort, lambda r: r.name.casefold())
    return sorted(rows, key=key, reverse=descending)


def _ordering(column, full_name, user_id, descending: bool) -> tuple:  # noqa: ANN001
    if column is full_name:
        # Names are never NULL, and without a NULLS clause the (full_name, id) index
        # gives the default order on both databases.
        return (desc(full_name) if descending else asc(full_name)), asc(user_id)
    # No score and never active count as the lowest, as in the sub-area table; left to
    # the database, NULLs would come first on SQLite and last on PostgreSQL.
    ordered = desc(column).nulls_last() if descending else asc(column).nulls_first()
    return ordered, asc(full_name), asc(user_id)


def learner_rows(facts, filters: Filters, sort: str, descending: bool):  # noqa: ANN001, ANN201
    """The filtered, sorted learner query (not yet paginated)."""
    base = queries.filtered(facts, filters).subquery("rows")
    query = select(base, Area.name.label("village")).join(Area, Area.id == base.c.area_id)
    column = LEARNER_SORTS.get(sort, "full_name")
    order_col = Area.name if column == "village" else base.c[column]
    return query.order_by(*_ordering(order_col, base.c.full_name, base.c.user_id, descending))


# Sorts on the account itself: a page of the table can be picked before any progress
# figure is computed, and the figures then computed for that page alone.
_ACCOUNT_SORTS = {"full_name": User.full_name, "village": Area.name, "last_active_at": None}


def _page_ids(learners: Select, column: str, descending: bool) -> Select:
    """One page of (id, area_id) from `learners`, in the table's order (offset still to
    set)."""
    learners = learners.add_columns(User.area_id)
    order_col = User.last_active_at if column == "last_active_at" else _ACCOUNT_SORTS[column]
    if column == "village":
        learners = learners.join(Area, Area.id == User.area_id)
    return learners.order_by(*_ordering(order_col, User.full_name, User.id, descending)).limit(
        PAGE_SIZE
    )


# From this many learners on, SQLite reads a page by name along the name index.
_LARGE_AREA = 5_000


def _walks_name_index(column: str, learners: int) -> bool:
    """Whether to keep SQLite off the area index for a page in name order.

    SQLite's planner takes any area's subtree for a few villages, so it fetches every
    learner of a province by area and sorts them all (120 ms at 100,000). Along the
    name index it stops after the page, but in a small area it would read most of the
    index before finding 25 (200 ms for a village): hence the threshold. PostgreSQL's
    statistics make this choice by themselves.
    """
    return (
        column == "full_name"
        and learners >= _LARGE_AREA
        and db.session.get_bind().dialect.name == "sqlite"
    )


@functools.cache
def _page_ids_statement(column: str, descending: bool, by_name_index: bool) -> Select:
    learners = queries.learners_in(_AREA, area_lookup=not by_name_index)
    return _page_ids(learners, column, descending).offset(_OFFSET)


@functools.cache
def _page_rows_statement(module_chosen: bool, sort: str, descending: bool) -> Select:
    facts = queries.learner_facts(
        _AREA, _MODULE if module_chosen else None, _TODAY, user_ids=_USERS, user_areas=_USER_AREAS
    )
    return learner_rows(facts, Filters(), sort, descending)


def _page_first(
    area: Area, filters: Filters, sort: str, descending: bool, page: int, learners: int
) -> list[Row]:
    """(id, area_id) of one page of learners, for a sort on the account itself;
    `learners` is how many the area holds."""
    column = LEARNER_SORTS.get(sort, "full_name")
    offset = (page - 1) * PAGE_SIZE
    if filters.search:
        found = queries.learners_in(area.id, filters.search)
        return db.session.execute(_page_ids(found, column, descending).offset(offset)).all()
    return db.session.execute(
        _page_ids_statement(column, descending, _walks_name_index(column, learners)),
        {"report_area": area.id, "report_offset": offset},
    ).all()


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
    """Everything the committee page shows, in a fixed number of queries.

    The summary and sub-area table come from the roll-ups; the learner table reads the
    learners' own facts (for one page of 25 where the sort allows).
    """
    sort = sort if sort in LEARNER_SORTS else "name"

    def facts() -> Subquery:
        return queries.learner_facts(area.id, filters.module_id, today)

    buckets = _buckets(area, filters.module_id)
    summary = summary_of(buckets)
    if filters.search and filters.status:
        counted = learner_rows(facts(), filters, sort, descending).subquery()
        total = db.session.scalar(select(func.count()).select_from(counted))
    elif filters.search:
        counted = queries.learners_in(area.id, filters.search).subquery()
        total = db.session.scalar(select(func.count()).select_from(counted))
    else:
        # Without a name search the count is already in the summary: no second pass.
        total = getattr(summary, filters.status) if filters.status else summary.learners
    pages = paging.page_count(total, PAGE_SIZE)
    page = paging.clamp(page, total, PAGE_SIZE)
    if LEARNER_SORTS.get(sort, "full_name") in _ACCOUNT_SORTS and not filters.status:
        # The province's default view: 25 accounts first, then their figures only.
        picked = _page_first(area, filters, sort, descending, page, summary.learners)
        learners = db.session.execute(
            _page_rows_statement(filters.module_id is not None, sort, descending),
            {
                "report_area": area.id,
                "report_module": filters.module_id,
                "report_today": today,
                "report_users": [row.id for row in picked],
                "report_user_areas": sorted({row.area_id for row in picked}),
            },
        ).all()
    else:
        learners = db.session.execute(
            learner_rows(facts(), filters, sort, descending)
            .limit(PAGE_SIZE)
            .offset((page - 1) * PAGE_SIZE)
        ).all()
    return Dashboard(
        area=area,
        summary=summary,
        sub_areas=sub_area_rows(area, filters.module_id, area_sort, area_descending, buckets),
        learners=learners,
        total_learners=total,
        page=page,
        pages=pages,
    )


def module_breakdown(
    area: Area, today: date, modules: list[Module] | None = None
) -> list[tuple[Module, Row | Summary]]:
    """Per published module (`modules`, if the caller has them already): learners,
    required of, completed, in progress, not started, overdue."""
    rows = {
        r.module_id: r for r in db.session.execute(_breakdown_statement(), {"report_area": area.id})
    }
    if modules is None:
        modules = published_modules()
    # A module nobody in the area can see yet still gets its row of zeros.
    return [(module, rows.get(module.id) or Summary()) for module in modules]


def learner_status(person: User, today: date) -> Row | None:
    """One learner's row of the learner table (status, required and optional counts)."""
    if person.area_id is None:
        return None
    facts = queries.learner_facts(person.area_id, None, today, user_ids=[person.id])
    return db.session.execute(queries.filtered(facts, Filters())).first()


def all_learner_rows(area: Area, filters: Filters, today: date, sort: str, descending: bool):  # noqa: ANN201
    facts = queries.learner_facts(area.id, filters.module_id, today)
    return db.session.execute(learner_rows(facts, filters, sort, descending)).all()


def overdue_rows(area: Area, today: date) -> list[Row]:
    return db.session.execute(queries.overdue_list(area.id, today)).all()


# The printed call list of a whole province ran to megabytes; the page shows it in parts,
# the downloads keep every row.
OVERDUE_PAGE_SIZE = 200


def overdue_page(area: Area, today: date, page: int) -> tuple[list[Row], int, int]:
    """One page of the call list: (rows, page, pages)."""
    one = paging.paginate(queries.overdue_list(area.id, today), page, OVERDUE_PAGE_SIZE)
    return one.items, one.page, one.pages
