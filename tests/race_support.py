"""Helpers for races driven with real concurrent connections.

A barrier lines threads up; `hold_until_another_waits` then keeps the first writer's
transaction open until PostgreSQL reports another connection of this database waiting
for a lock, so the interleaving that used to break happens on every run, not by luck.
"""

from __future__ import annotations

import os
import threading
import time

import pytest
from sqlalchemy import create_engine, text

from learnapp import db

JOIN_TIMEOUT = 120

# SQLite serialises writers, so these races cannot happen there; CI runs them on
# PostgreSQL, where a skip would be counted as a failure.
needs_postgres = pytest.mark.skipif(
    not os.environ.get("LEARNAPP_TEST_DATABASE_URL", "").startswith("postgresql"),
    reason="needs PostgreSQL: SQLite serialises writers, so there is no race to drive",
)


def is_postgres(app) -> bool:
    return db.engine_of(app).dialect.name == "postgresql"


def run_threads(count: int, target) -> list[BaseException]:
    """Run target(n) in `count` threads; return what they raised."""
    errors: list[BaseException] = []

    def guarded(n: int) -> None:
        try:
            target(n)
        except BaseException as exc:  # noqa: BLE001  (returned to the test)
            errors.append(exc)

    threads = [threading.Thread(target=guarded, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=JOIN_TIMEOUT)
    assert not any(thread.is_alive() for thread in threads), "a thread is stuck"
    return errors


def hold_until_another_waits(app, *, timeout: float = 20.0) -> bool:
    """Block until some other connection to this database waits on a lock.

    Returns False after `timeout` (the other side never blocked: nothing to hold for).
    """
    engine = create_engine(db.engine_of(app).url)
    try:
        deadline = time.monotonic() + timeout
        with engine.connect() as conn:
            while time.monotonic() < deadline:
                waiting = conn.execute(
                    text(
                        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                        " AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
                    )
                ).scalar_one()
                conn.rollback()
                if waiting:
                    return True
                time.sleep(0.02)
        return False
    finally:
        engine.dispose()
