"""Register marks made offline on the trainer's phone and sent later as JSON: applied
once per client id, through the register's own rules, by the session's trainer only."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from learnapp import db
from learnapp.models import AttendanceStatus, SessionAttendance, SessionMarkReceipt
from tests.conftest import csrf_token
from tests.factories import row_counts
from tests.sessions_support import begin_now, import_module, make_trainer, schedule
from tests.test_sessions import mark_of, signed_in


@pytest.fixture
def world(demo, tmp_path):
    import_module(demo, tmp_path)
    return demo


def sync(client, session_id: int, payload, *, token: bool = True):
    headers = {"X-CSRFToken": csrf_token(client, "/")} if token else {}
    return client.post(f"/sessions/{session_id}/register/sync", json=payload, headers=headers)


def mark(client_id: str, who: str = "learner", status: str = "attended", reason=None) -> dict:
    return {"id": client_id, "who": who, "status": status, "reason": reason}


def attendance_rows(app, session_id: int) -> int:
    with app.app_context():
        return db.session.scalar(
            select(func.count())
            .select_from(SessionAttendance)
            .where(SessionAttendance.session_id == session_id)
        )


def test_are_queued_marks_applied_once_each(world):
    session_id = schedule(world)
    begin_now(world, session_id)
    trainer = signed_in(world, "trainer")
    payload = {"marks": [mark("mark-0001"), mark("mark-0002", "learner2x", "absent", "Ốm")]}
    response = sync(trainer, session_id, payload)
    assert response.status_code == 200
    results = response.get_json()["results"]
    assert results["mark-0001"]["state"] == "applied"
    assert mark_of(world, session_id, "learner") == (AttendanceStatus.ATTENDED, None)
    # The same queue sent again, as a phone does when the answer was lost.
    again = sync(trainer, session_id, {"marks": [mark("mark-0001")]}).get_json()["results"]
    assert again["mark-0001"]["state"] == "already"
    assert attendance_rows(world, session_id) == 1
    with world.app_context():
        assert db.session.scalar(select(func.count()).select_from(SessionMarkReceipt)) == 1


def test_does_a_repeated_id_in_one_batch_apply_once(world):
    session_id = schedule(world)
    begin_now(world, session_id)
    trainer = signed_in(world, "trainer")
    payload = {"marks": [mark("mark-0001"), mark("mark-0001", status="absent", reason="x")]}
    results = sync(trainer, session_id, payload).get_json()["results"]
    assert results["mark-0001"]["state"] == "already"
    assert mark_of(world, session_id, "learner") == (AttendanceStatus.ATTENDED, None)


def test_is_a_later_mark_for_the_same_learner_the_one_that_stands(world):
    session_id = schedule(world)
    begin_now(world, session_id)
    trainer = signed_in(world, "trainer")
    sync(trainer, session_id, {"marks": [mark("mark-0001")]})
    sync(trainer, session_id, {"marks": [mark("mark-0002", status="excused", reason="Họp")]})
    assert mark_of(world, session_id, "learner") == (AttendanceStatus.EXCUSED, "Họp")
    assert attendance_rows(world, session_id) == 1


def test_is_a_mark_for_someone_not_invited_refused_with_a_message(world):
    session_id = schedule(world)  # Kháng Nhật only; learner2 lives in Tứ Quận
    begin_now(world, session_id)
    trainer = signed_in(world, "trainer")
    results = sync(trainer, session_id, {"marks": [mark("mark-0001", "learner2")]}).get_json()
    assert results["results"]["mark-0001"]["state"] == "refused"
    assert results["results"]["mark-0001"]["message"]
    assert attendance_rows(world, session_id) == 0


def test_is_a_mark_before_the_day_refused_and_not_kept(world):
    session_id = schedule(world, days=3)
    trainer = signed_in(world, "trainer")
    results = sync(trainer, session_id, {"marks": [mark("mark-0001")]}).get_json()["results"]
    assert results["mark-0001"]["state"] == "refused"
    assert "from the day of the session" in results["mark-0001"]["message"]
    with world.app_context():
        assert db.session.scalar(select(func.count()).select_from(SessionMarkReceipt)) == 0


@pytest.mark.parametrize(
    "payload",
    [
        None,
        [],
        {"marks": []},
        {"marks": "x"},
        {"marks": [mark("short")]},
        {"marks": [mark("mark-0001", status="present")]},
        {"marks": [mark("mark-0001", who="")]},
        {"marks": [mark("mark-0001", reason="x" * 201)]},
        {"marks": [mark("mark-0001"), "not a mark"]},
    ],
)
def test_does_bad_json_change_nothing(world, payload):
    session_id = schedule(world)
    begin_now(world, session_id)
    trainer = signed_in(world, "trainer")
    before = row_counts(world)
    response = sync(trainer, session_id, payload)
    assert response.status_code == 400
    assert "nothing was recorded" in response.get_json()["error"]
    assert row_counts(world) == before


def test_is_a_body_that_is_not_json_refused(world):
    session_id = schedule(world)
    begin_now(world, session_id)
    trainer = signed_in(world, "trainer")
    token = csrf_token(trainer, "/")
    response = trainer.post(
        f"/sessions/{session_id}/register/sync",
        data="{marks: nope",
        headers={"X-CSRFToken": token, "Content-Type": "application/json"},
    )
    assert response.status_code == 400
    assert attendance_rows(world, session_id) == 0


def test_is_a_sync_without_the_csrf_token_refused(world):
    session_id = schedule(world)
    begin_now(world, session_id)
    trainer = signed_in(world, "trainer")
    response = sync(trainer, session_id, {"marks": [mark("mark-0001")]}, token=False)
    assert response.status_code == 400
    assert attendance_rows(world, session_id) == 0


def test_may_a_learner_not_sync_a_register(world):
    session_id = schedule(world)
    begin_now(world, session_id)
    learner = signed_in(world, "learner")
    response = sync(learner, session_id, {"marks": [mark("mark-0001")]})
    assert response.status_code == 403
    assert attendance_rows(world, session_id) == 0


def test_may_a_trainer_of_another_area_not_sync_the_register(world):
    session_id = schedule(world)
    begin_now(world, session_id)
    make_trainer(world, "tq.trainer", "Tứ Quận")
    other = signed_in(world, "tq.trainer")
    response = sync(other, session_id, {"marks": [mark("mark-0001")]})
    assert response.status_code == 404
    assert attendance_rows(world, session_id) == 0


def test_does_a_signed_out_visitor_not_reach_the_sync(world):
    session_id = schedule(world)
    client = world.test_client()
    response = client.post(f"/sessions/{session_id}/register/sync", json={"marks": []})
    assert response.status_code in (302, 400, 401)
    assert attendance_rows(world, session_id) == 0
