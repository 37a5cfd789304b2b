"""Report roll-ups: `area_progress` (one row per area) and `area_module_progress` (one per
area and published module), the figures of the learners placed on each area.

A committee page sums a few thousand of these rows instead of aggregating every
learner's progress. Like module_progress they are recomputed, never incremented, so
they cannot drift; the statements are `learn.facts.area_figures` and
`area_module_figures`, the same for one area as for all of them.

When they are recomputed, always in the transaction of the change:

- after a learner's action, for their own area (`refresh_area_of`, called by
  `learn.progress.refresh`);
- at commit, for the areas a change reached (`note_changes`, a session hook): a person
  created, moved, deactivated or given or refused the learner role; an assignment made,
  changed or removed (every area under it); an area moved (everything under it); a
  module published, archived or restored, a statement changing many people at once,
  or retired lessons (`mark_everything`): all of them;
- by `flask rebuild-progress`, and by the daily job just after midnight Vietnam time,
  since who is overdue changes with the date alone (`rebuild`).

The hook sees changes made through the ORM and bulk statements run through the session
(`session.execute(insert(User), rows)`); raw SQL text is invisible to it, so code that
changes people or areas that way calls `mark_everything` (or `rebuild`) itself.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import (
    Date,
    Select,
    bindparam,
    delete,
    event,
    func,
    insert,
    inspect,
    select,
    text,
)
from sqlalchemy.orm import Session, SessionTransaction

from learnapp.learn import facts
from learnapp.models import (
    Area,
    AreaModuleProgress,
    AreaProgress,
    Assignment,
    Module,
    ModuleStatus,
    Role,
    RoleGrant,
    User,
)
from learnapp.models.base import vietnam_today
from learnapp.org.scope import subtree_ids

_AREA_COLUMNS = [c.name for c in AreaProgress.__table__.columns]
_MODULE_COLUMNS = [c.name for c in AreaModuleProgress.__table__.columns]
# What a person's row may change that moves them between areas' figures.
_PERSON_FIELDS = ("area_id", "is_active", "joined_area_on")


def recompute_areas(session: Session, area_ids: list[int], today: date | None = None) -> None:
    """Recompute the roll-up rows of exactly these areas (an area left empty loses its rows)."""
    if not area_ids:
        return
    _lock_areas(session, select(Area.id).where(Area.id.in_(sorted(set(area_ids)))))
    _recompute_locked(session, area_ids, today)


def _recompute_locked(session: Session, area_ids: list[int], today: date | None = None) -> None:
    values = {"rollup_areas": sorted(set(area_ids)), "rollup_today": today or vietnam_today()}
    # Through the connection: these are Core statements, and the session's ORM layer
    # cost more than a village's DELETE took (this runs in every learner action).
    connection = session.connection()
    for statement in _for_some_areas():
        connection.execute(statement, values)


@functools.cache
def _for_some_areas() -> tuple:
    """The four statements that recompute some areas, built once per process.

    Building and compiling them costs far more than running them for one village
    (tens of milliseconds against under one, measured on SQLite); with the areas and
    the date as bound parameters, each call reuses the compiled form.
    """
    areas = bindparam("rollup_areas", expanding=True)
    today = bindparam("rollup_today", type_=Date)
    # Core tables: an ORM insert given parameters would take them for rows to insert.
    area_table, module_table = AreaProgress.__table__, AreaModuleProgress.__table__
    return (
        delete(area_table).where(area_table.c.area_id.in_(areas)),
        delete(module_table).where(module_table.c.area_id.in_(areas)),
        insert(area_table).from_select(_AREA_COLUMNS, facts.area_figures(areas, today)),
        insert(module_table).from_select(_MODULE_COLUMNS, facts.area_module_figures(areas, today)),
    )


def _lock_areas(session: Session, area_ids: Select) -> None:
    """Hold the areas' rows until commit: two learners of one village acting at once
    then recompute its rows one after the other on PostgreSQL, where the later DELETE
    would otherwise miss the row the earlier one inserted, and its INSERT collide.
    Locked in id order, so two recomputes never wait on each other in a circle. SQLite
    write transactions are already exclusive."""
    session.execute(area_ids.order_by(Area.id).with_for_update())


def refresh_area_of(session: Session, user_id: int) -> None:
    """Recompute the area of one learner, after an action of theirs."""
    # One statement finds the learner's area and locks it: one round trip less on
    # every "Mark as done" and quiz submit.
    their_area = select(User.area_id).where(User.id == user_id).scalar_subquery()
    area_id = session.scalar(select(Area.id).where(Area.id == their_area).with_for_update())
    if area_id is not None:
        _recompute_locked(session, [area_id])


# What the roll-up statements read: analysed before a full rebuild (see below).
_READ_TABLES = (
    "user_account",
    "role_grant",
    "module_progress",
    "area",
    "area_closure",
    "assignment",
    "module",
)


def analyze(session: Session, tables: tuple[str, ...]) -> None:
    """Bring PostgreSQL's statistics of these tables up to date, inside the transaction.

    A full rebuild often follows a bulk load (or, in tests, rows added in the same
    transaction) that the statistics have not seen. Planned from statistics of a few
    rows in many pages, PostgreSQL read a whole table's index once per learner, and a
    rebuild of 20,000 learners ran past 300 s instead of 11 s. ANALYZE counts the rows
    the transaction itself wrote; its statistics commit or roll back with it. SQLite
    plans these statements well without statistics.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text(f"ANALYZE {', '.join(tables)}"))


def rebuild(session: Session, today: date | None = None) -> int:
    """Recompute every roll-up row; returns how many areas have learners."""
    today = today or vietnam_today()
    every_area = select(Area.id)
    _lock_areas(session, every_area)
    analyze(session, _READ_TABLES)
    session.execute(delete(AreaProgress))
    session.execute(delete(AreaModuleProgress))
    session.execute(
        insert(AreaProgress).from_select(_AREA_COLUMNS, facts.area_figures(every_area, today))
    )
    session.execute(
        insert(AreaModuleProgress).from_select(
            _MODULE_COLUMNS, facts.area_module_figures(every_area, today)
        )
    )
    _pending(session).clear()
    return session.scalar(select(func.count()).select_from(AreaProgress)) or 0


def are_missing(session: Session) -> bool:
    """Learners exist but no roll-up row does (a database just upgraded to them)."""
    has_rows = session.scalar(select(AreaProgress.area_id).limit(1)) is not None
    has_people = session.scalar(select(User.id).where(User.area_id.is_not(None)).limit(1))
    return not has_rows and has_people is not None


# --- what a transaction changed -------------------------------------------------------


@dataclass
class _Pending:
    areas: set[int] = field(default_factory=set)
    subtrees: set[int] = field(default_factory=set)
    people: set[int] = field(default_factory=set)
    everything: bool = False

    def clear(self) -> None:
        self.areas.clear()
        self.subtrees.clear()
        self.people.clear()
        self.everything = False

    def __bool__(self) -> bool:
        return bool(self.everything or self.areas or self.subtrees or self.people)


def _pending(session: Session) -> _Pending:
    return session.info.setdefault("learnapp.rollups", _Pending())


def mark_everything(session: Session) -> None:
    """Have every roll-up row recomputed at commit (a change the hook cannot follow)."""
    _pending(session).everything = True


def _values(obj: object, name: str, relation: str) -> set[int]:
    """The foreign key's current value and, if changed in this flush, its former one.

    Read through the relationship too: `user.area = village` sets area_id only during
    the flush, after this hook has looked.
    """
    attrs = inspect(obj).attrs
    found = set()
    for attr, read in ((name, lambda v: v), (relation, lambda v: getattr(v, "id", None))):
        history = attrs[attr].history
        found |= {read(v) for v in (*history.added, *history.deleted, *history.unchanged)}
    return {v for v in found if v is not None}


def _changed(obj: object, names: tuple[str, ...]) -> bool:
    state = inspect(obj)
    return any(state.attrs[name].history.has_changes() for name in names)


def note_changes(session: Session, _flush_context: object, _instances: object) -> None:
    """Before a flush: remember which areas the pending ORM changes reach."""
    pending = _pending(session)
    for obj in (*session.new, *session.dirty, *session.deleted):
        is_new_or_gone = obj in session.new or obj in session.deleted
        if isinstance(obj, User):
            if is_new_or_gone or _changed(obj, (*_PERSON_FIELDS, "area")):
                pending.areas |= _values(obj, "area_id", "area")
        elif isinstance(obj, RoleGrant):
            if obj.role == Role.LEARNER and (
                is_new_or_gone or _changed(obj, ("user_id", "user", "role"))
            ):
                pending.people |= _values(obj, "user_id", "user")
        elif isinstance(obj, Assignment):
            if is_new_or_gone or _changed(obj, ("area_id", "module_id", "due_on", "grace_days")):
                pending.subtrees.add(obj.area_id)
                pending.subtrees |= _values(obj, "area_id", "area_id")
        elif isinstance(obj, Area):
            if not is_new_or_gone and _changed(obj, ("parent_id", "parent")):
                pending.subtrees.add(obj.id)
        elif isinstance(obj, Module) and (
            (is_new_or_gone and obj.status == ModuleStatus.PUBLISHED) or _changed(obj, ("status",))
        ):
            pending.everything = True
    pending.subtrees.discard(None)


_WATCHED_TABLES = {"user_account", "role_grant", "assignment", "area", "module"}


def note_statements(state) -> None:  # noqa: ANN001
    """A bulk INSERT, UPDATE or DELETE run through the session on a table the figures
    depend on: the areas of inserted people or grants where the rows say, else all."""
    if not (state.is_insert or state.is_update or state.is_delete):
        return
    table = getattr(state.statement, "table", None)
    name = getattr(table, "name", None)
    if name not in _WATCHED_TABLES:
        return
    pending = _pending(state.session)
    rows = state.parameters
    if state.is_insert and rows and name in ("user_account", "role_grant"):
        rows = rows if isinstance(rows, list) else [rows]
        key = "area_id" if name == "user_account" else "user_id"
        target = pending.areas if name == "user_account" else pending.people
        if all(key in row for row in rows):
            target |= {row[key] for row in rows if row[key] is not None}
            return
    if state.is_insert and name == "area":
        return  # a new area holds nobody yet
    if state.is_update and name == "user_account":
        values = getattr(state.statement, "_values", None) or {}
        touched = {getattr(column, "key", column) for column in values}
        if touched and not touched & set(_PERSON_FIELDS):
            return  # e.g. last active times: no area's figures move
    pending.everything = True


def settle(session: Session) -> None:
    """Recompute what this transaction's changes reached; called before each commit."""
    session.flush()  # pending ORM changes note their areas first (commit would flush anyway)
    pending = _pending(session)
    if not pending:
        return
    if pending.everything:
        rebuild(session)
        return
    areas = set(pending.areas)
    if pending.people:
        areas |= {
            a
            for a in session.scalars(select(User.area_id).where(User.id.in_(pending.people)))
            if a is not None
        }
    for root in pending.subtrees:
        areas |= set(session.scalars(subtree_ids(root)))
    pending.clear()
    recompute_areas(session, list(areas))


def _forget(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:
        _pending(session).clear()


event.listen(Session, "before_flush", note_changes)
event.listen(Session, "do_orm_execute", note_statements)
event.listen(Session, "before_commit", settle)
event.listen(Session, "after_transaction_end", _forget)
