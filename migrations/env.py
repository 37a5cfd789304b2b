"""Alembic environment: the database comes from learnapp's settings or the caller."""

from __future__ import annotations

from alembic import context
from sqlalchemy import event, text

from learnapp import config as app_config
from learnapp import models  # noqa: F401  (registers every table on the metadata)
from learnapp.db import Base, make_engine

target_metadata = Base.metadata
config = context.config


def _run(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:
    url = config.attributes.get("database_url") or app_config.load()["DATABASE_URL"]
    engine = make_engine(url)
    if engine.dialect.name == "sqlite":
        # SQLite's batch migrations copy a table, drop the old one and rename the copy.
        # With foreign keys on, that DROP deletes every row that references the table
        # (ON DELETE CASCADE): a migration would wipe lessons and progress. Off while
        # migrating; checked afterwards instead.
        @event.listens_for(engine, "connect")
        def _foreign_keys_off(dbapi_connection, _record):  # noqa: ANN001
            dbapi_connection.execute("PRAGMA foreign_keys=OFF")

    with engine.connect() as conn:
        _run(conn)
        if engine.dialect.name == "sqlite":
            broken = conn.execute(text("PRAGMA foreign_key_check")).fetchall()
            if broken:
                raise RuntimeError(f"foreign keys broken after migrating: {broken[:5]}")
    engine.dispose()
