"""SECURITY 23: many writers at once, on whichever database the suite runs on, and no errors.

A deferred SQLite transaction that reads and then writes fails at once with "database
is locked" when another writer holds the lock; learnapp begins writes IMMEDIATE so they
queue behind the busy timeout instead.
"""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from learnapp import audit, db
from learnapp.models import AuditEvent

# Timing under load: after the rest of the suite, alone, on really committed data.
pytestmark = pytest.mark.serial

THREADS = 8
TRANSACTIONS = 50


def test_do_8_threads_of_50_read_then_write_transactions_all_succeed(app):
    errors: list[str] = []
    start = threading.Barrier(THREADS)

    def writer(number: int) -> None:
        start.wait()
        for n in range(TRANSACTIONS):
            try:
                with app.app_context():
                    seen = db.session.scalar(select(func.count(AuditEvent.id)))
                    audit.record("load_test", detail=f"{number}:{n}:{seen}")
                    db.session.commit()
            except Exception as exc:  # every failure is the finding
                errors.append(f"thread {number}, transaction {n}: {exc!r}")

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    with app.app_context():
        details = db.session.scalars(
            select(AuditEvent.detail).where(AuditEvent.action == "load_test")
        ).all()
    assert len(details) == THREADS * TRANSACTIONS
    assert {d.rsplit(":", 1)[0] for d in details} == {
        f"{i}:{n}" for i in range(THREADS) for n in range(TRANSACTIONS)
    }
