"""Training-session messages through the notification outbox: a cancellation or a move
reaches each learner signed up or waiting once, on one channel; the reminder before the
session waits out the SMS quiet hours like every other message."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest

from learnapp import db
from learnapp.models import TrainingSession, User
from learnapp.models.base import VIETNAM_OFFSET
from learnapp.notify import clock, planning
from learnapp.notify.models import Kind, Status
from learnapp.sessions import services
from tests.notify_support import (  # noqa: F401  (the fixture)
    FakeGateway,
    _clock_back_to_the_system,
    outbox,
)
from tests.sessions_support import import_module, schedule, user
from tests.test_notify_channels import cycle, sms_settings


@pytest.fixture
def world(demo, tmp_path):
    import_module(demo, tmp_path)
    return demo


@pytest.fixture
def gateway():
    fake = FakeGateway()
    yield fake
    fake.close()


def plan(app):
    with app.app_context():
        report = planning.plan()
        db.session.commit()
        return report


def seated(app, session_id: int, *usernames: str) -> None:
    with app.app_context():
        session = db.session.get(TrainingSession, session_id)
        for username in usernames:
            services.sign_up(user(username), session)
        db.session.commit()


def names(app, rows) -> list[str]:
    with app.app_context():
        return [db.session.get(User, row.user_id).username for row in rows]


def per_person(app, kind: Kind) -> Counter:
    return Counter(names(app, outbox(app, kind=kind)))


def test_does_a_cancellation_reach_each_seat_and_waiter_once(world):
    session_id = schedule(world, capacity=1, days=5)
    seated(world, session_id, "learner", "secretary01")  # one seat: secretary01 waits
    with world.app_context():
        services.cancel(user("trainer"), db.session.get(TrainingSession, session_id))
        db.session.commit()
    plan(world)
    plan(world)
    assert per_person(world, Kind.SESSION_CANCELLED) == {"learner": 1, "secretary01": 1}
    body = outbox(world, kind=Kind.SESSION_CANCELLED)[0].body
    assert "Hoi truong xa" in body or "Hội trường xã" in body


def test_does_a_move_reach_each_seat_once_with_the_new_place(world):
    session_id = schedule(world, capacity=5, days=5)
    seated(world, session_id, "learner")
    with world.app_context():
        session = db.session.get(TrainingSession, session_id)
        services.update(
            user("trainer"),
            session,
            session.starts_at,
            session.minutes,
            "Nhà văn hoá thôn Lềm",
            session.capacity,
            None,
            [link.area for link in session.invited],
        )
        db.session.commit()
    plan(world)
    plan(world)
    rows = outbox(world, kind=Kind.SESSION_MOVED)
    assert names(world, rows) == ["learner"]


def test_is_no_one_told_of_a_session_they_did_not_sign_up_for(world):
    session_id = schedule(world, capacity=5, days=5)
    with world.app_context():
        services.cancel(user("trainer"), db.session.get(TrainingSession, session_id))
        db.session.commit()
    plan(world)
    assert outbox(world, kind=Kind.SESSION_CANCELLED) == []


def test_does_the_day_before_reminder_wait_for_the_morning(world, gateway):
    world.config.update(sms_settings(gateway.url))
    session_id = schedule(world, capacity=5, days=2)
    seated(world, session_id, "learner")
    with world.app_context():
        starts = db.session.get(TrainingSession, session_id).starts_at  # 08:00 in Vietnam
    # 22:00 in Vietnam the evening before: the reminder is due, but it is quiet time.
    fixed = clock.FixedClock(starts - timedelta(hours=10) - VIETNAM_OFFSET)
    clock.install(world, fixed)
    cycle(world)
    rows = outbox(world, kind=Kind.SESSION_REMINDER)
    assert names(world, rows) == ["learner"]
    assert rows[0].status is Status.PENDING and gateway.requests == []
    morning = rows[0].next_attempt_at + VIETNAM_OFFSET
    assert (morning.hour, morning.minute) == (7, 0)
    fixed.at = rows[0].next_attempt_at
    cycle(world)
    rows = outbox(world, kind=Kind.SESSION_REMINDER)
    assert len(rows) == 1 and rows[0].status is Status.SENT and len(gateway.requests) == 1


def test_is_no_reminder_planned_two_days_before(world):
    session_id = schedule(world, capacity=5, days=2)
    seated(world, session_id, "learner")
    with world.app_context():
        starts = db.session.get(TrainingSession, session_id).starts_at
    clock.install(world, clock.FixedClock(starts - timedelta(hours=30) - VIETNAM_OFFSET))
    plan(world)
    assert outbox(world, kind=Kind.SESSION_REMINDER) == []


def test_is_a_waiter_given_a_seat_told_once_at_home_and_in_the_outbox(world):
    session_id = schedule(world, capacity=1, days=5)
    seated(world, session_id, "learner", "secretary01")  # secretary01 waits
    with world.app_context():
        services.decline(user("learner"), db.session.get(TrainingSession, session_id))
        db.session.commit()
    plan(world)
    plan(world)
    assert per_person(world, Kind.SESSION_SEAT) == {"secretary01": 1}
    from tests.test_sessions import signed_in, text

    home = text(signed_in(world, "secretary01").get("/"))
    assert "A seat is now yours:" in home
    assert "A seat is now yours:" not in text(signed_in(world, "learner").get("/"))


def test_is_a_new_session_announced_once_to_those_invited_who_have_not_answered(world):
    session_id = schedule(world, capacity=5, days=5)  # Kháng Nhật
    seated(world, session_id, "learner")
    plan(world)
    plan(world)
    told = per_person(world, Kind.SESSION_INVITED)
    assert told and set(told.values()) == {1}
    assert "learner" not in told  # answered already
    assert "secretary01" in told  # lives in Kháng Nhật
    assert "learner2" not in told  # lives in Tứ Quận


def test_is_an_old_session_not_announced(world):
    session_id = schedule(world, capacity=5, days=20)
    with world.app_context():
        session = db.session.get(TrainingSession, session_id)
        session.created_at -= timedelta(days=8)
        db.session.commit()
    plan(world)
    assert outbox(world, kind=Kind.SESSION_INVITED) == []
