"""Record the SQL statements an app sends to its database, for query-count tests."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sqlalchemy import event

from learnapp import db


@contextmanager
def statements_sent(app, keep: Callable[[str], bool] = lambda _statement: True) -> Iterator[list]:
    """The statements (those `keep` accepts) sent inside the block, in order."""
    statements: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):  # noqa: ANN001, ARG001
        if keep(statement):
            statements.append(statement)

    engine = db.engine_of(app)
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)
