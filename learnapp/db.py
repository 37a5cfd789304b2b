"""Engine, one session per application context, and the declarative Base."""

from __future__ import annotations

import threading

from flask import Flask, current_app, has_request_context, request
from flask.globals import app_ctx
from sqlalchemy import MetaData, create_engine, event, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Session, scoped_session

# Stable constraint names, so Alembic sees the same schema on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def _context_id() -> int:
    try:
        return id(app_ctx._get_current_object())
    except RuntimeError:
        return 0


def _new_session() -> Session:
    # Bound per app, so tests may run several apps on different databases.
    connection = current_app.extensions.get("db_connection")
    if connection is not None:
        # A test that runs inside one transaction rolled back at its end: every session
        # joins it, and a commit only releases a savepoint.
        return Session(
            bind=connection, expire_on_commit=False, join_transaction_mode="create_savepoint"
        )
    return Session(bind=current_app.extensions["db_engine"], expire_on_commit=False)


session: scoped_session[Session] = scoped_session(_new_session, scopefunc=_context_id)


BUSY_TIMEOUT_SECONDS = 10


def _configure_sqlite(engine: Engine) -> None:
    # SQLite's busy handler polls, at 100 ms intervals once a writer has waited a while,
    # and a poll only wins if the lock is free at that instant: with many writers in one
    # process, a writer that has waited longest is the least likely to get in, and can
    # starve past the busy timeout ("database is locked"; 8 threads x 50 submits hit it).
    # Writers of this process therefore queue on a lock first, and SQLite's own waiting
    # is left for writers of other processes.
    writer_lock = threading.Lock()

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        # Take transaction control from the driver so BEGIN below is ours.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_SECONDS * 1000}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        # A deferred transaction that later writes fails at once with "database is
        # locked" when another writer got there first; IMMEDIATE waits its turn instead.
        # GET requests never write, so they keep the cheaper deferred read transaction.
        reading = has_request_context() and request.method in ("GET", "HEAD")
        if reading:
            conn.exec_driver_sql("BEGIN")
            return
        # Bounded, so a thread that opens a second writing connection waits as SQLite
        # would and then fails, instead of waiting for itself forever.
        if writer_lock.acquire(timeout=BUSY_TIMEOUT_SECONDS):
            conn.info["holds_writer_lock"] = True
        try:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:
            _release(conn)
            raise

    def _release(conn) -> None:  # noqa: ANN001
        if conn.info.pop("holds_writer_lock", False):
            writer_lock.release()

    # Both fire just before the COMMIT or ROLLBACK itself: the next writer's BEGIN
    # IMMEDIATE then waits a millisecond or so in SQLite's busy handler, alone.
    event.listen(engine, "commit", _release)
    event.listen(engine, "rollback", _release)

    @event.listens_for(engine, "checkin")
    def _on_checkin(_dbapi_connection, record):
        # A connection given back without COMMIT or ROLLBACK (invalidated) frees it too.
        if record.info.pop("holds_writer_lock", False):
            writer_lock.release()


def make_engine(url: str) -> Engine:
    """Create the engine with the per-backend settings the app relies on."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 10, "check_same_thread": False})
        _configure_sqlite(engine)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=10)


def init_app(app: Flask) -> None:
    engine = make_engine(app.config["DATABASE_URL"])
    app.extensions["db_engine"] = engine

    @app.teardown_appcontext
    def _remove_session(exc: BaseException | None) -> None:
        if exc is not None:
            session.rollback()
        session.remove()


def _insert_on_conflict(model):  # noqa: ANN001, ANN202
    """INSERT for the session's database, with ON CONFLICT (SQLite and PostgreSQL both
    speak it)."""
    from sqlalchemy.dialects import postgresql, sqlite

    dialect = session.get_bind().dialect.name
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(model)


def insert_ignoring_duplicates(model, keys: tuple[str, ...]):  # noqa: ANN001, ANN201
    """INSERT … ON CONFLICT (keys) DO NOTHING; with RETURNING, an ignored row returns
    nothing."""
    return _insert_on_conflict(model).on_conflict_do_nothing(index_elements=list(keys))


def insert_replacing(model, keys: tuple[str, ...], columns: tuple[str, ...]):  # noqa: ANN001, ANN201
    """INSERT … ON CONFLICT (keys) DO UPDATE: a row already there with the same keys
    takes the new row's values of `columns`."""
    statement = _insert_on_conflict(model)
    return statement.on_conflict_do_update(
        index_elements=list(keys), set_={name: statement.excluded[name] for name in columns}
    )


def engine_of(app: Flask) -> Engine:
    return app.extensions["db_engine"]


def refresh_statistics() -> None:
    """Let the query planner see the tables as they are now, after a bulk load.

    PostgreSQL's autovacuum analyses new tables only after a while; until then a report
    over a freshly loaded province can pick a plan that is a hundred times slower.
    """
    session.execute(text("ANALYZE"))
    session.commit()
