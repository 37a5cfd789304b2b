"""A session's capacity holds when many learners sign up at the same moment (PostgreSQL,
real connections): without the row lock on the session, each sign-up counts the seats
taken before the others commit, and every one of them gets a seat."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select

from learnapp import db
from learnapp.models import Area, SessionSignup, SignupStatus, TrainingSession, User
from learnapp.sessions import services
from tests.race_support import needs_postgres, run_threads
from tests.reports_support import add_learner
from tests.sessions_support import import_module, schedule

pytestmark = [pytest.mark.postgres_only, needs_postgres]

LEARNERS = 8
SEATS = 3


def test_do_concurrent_sign_ups_never_take_more_seats_than_there_are(demo, tmp_path):
    import_module(demo, tmp_path)
    session_id = schedule(demo, capacity=SEATS, areas=("Kháng Nhật",))
    with demo.app_context():
        village = db.session.scalar(select(Area).where(Area.name == "Lềm"))
        ids = [add_learner(f"racer{n}", f"Racer {n}", village).id for n in range(LEARNERS)]
        db.session.commit()
    barrier = threading.Barrier(LEARNERS)

    def sign_up(n: int) -> None:
        with demo.app_context():
            person = db.session.get(User, ids[n])
            session = db.session.get(TrainingSession, session_id)
            barrier.wait(timeout=30)
            services.sign_up(person, session)
            db.session.commit()

    assert run_threads(LEARNERS, sign_up) == []
    with demo.app_context():
        statuses = list(
            db.session.scalars(
                select(SessionSignup.status).where(SessionSignup.session_id == session_id)
            )
        )
    assert len(statuses) == LEARNERS
    assert statuses.count(SignupStatus.CONFIRMED) == SEATS
    assert statuses.count(SignupStatus.WAITING) == LEARNERS - SEATS
