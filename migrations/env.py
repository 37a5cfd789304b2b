"""Alembic environment: the database comes from learnapp's settings or the caller."""

from __future__ import annotations

from alembic import context

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
    with engine.connect() as conn:
        _run(conn)
    engine.dispose()
