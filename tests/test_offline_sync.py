"""The offline queue's sync endpoint (issue 17 item 3): each client id applied once,
refusals that change nothing, quizzes answered offline graded once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from learnapp import db, site_settings
from learnapp.models import LessonProgress, QuizAttempt
from learnapp.offline.models import OfflineAction
from tests.conftest import csrf_token
from tests.factories import import_into, module_settings, user_id, write_module
from tests.test_quiz_flow import SLUG, attempt_id_of, other_client, start, values

EN = {"Accept-Language": "en"}


@pytest.fixture
def course(demo, tmp_path):
    def make(**settings):
        write_module(tmp_path / "courses", SLUG, settings=module_settings(**settings))
        import_into(demo, tmp_path / "courses")
        return demo

    return make


@pytest.fixture
def learner(demo, auth):
    auth.sign_in("learner")
    return user_id(demo, "learner")


def sync(client, actions, *, token=True, raw=None):
    headers = dict(EN)
    if token:
        headers["X-CSRFToken"] = csrf_token(client, "/")
    if raw is not None:
        return client.post(
            "/offline/sync", data=raw, content_type="application/json", headers=headers
        )
    return client.post("/offline/sync", json={"actions": actions}, headers=headers)


def done(client_id: str, lesson: str = "lesson-1") -> dict:
    return {"id": client_id, "type": "lesson_done", "module": SLUG, "lesson": lesson}


def rows(app, column) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(column)))


def test_is_the_same_client_id_applied_once(course, client, learner):
    app = course()
    first = sync(client, [done("abcdefgh-1")])
    second = sync(client, [done("abcdefgh-1")])

    assert first.json["results"] == [{"id": "abcdefgh-1", "status": "applied"}]
    assert second.json["results"] == [{"id": "abcdefgh-1", "status": "duplicate"}]
    assert rows(app, LessonProgress.id) == 1
    assert rows(app, OfflineAction.id) == 1


def test_is_a_sync_without_the_csrf_token_refused(course, client, learner):
    app = course()
    response = sync(client, [done("abcdefgh-1")], token=False)

    assert response.status_code == 400
    assert rows(app, LessonProgress.id) == 0


def test_does_sync_need_an_account(course, client):
    app = course()
    response = client.post("/offline/sync", json={"actions": [done("abcdefgh-1")]})

    assert response.status_code in (302, 400, 401)
    assert rows(app, LessonProgress.id) == 0


@pytest.mark.parametrize(
    "raw",
    [
        "not json",
        '{"actions": "x"}',
        '{"actions": [{"id": "short", "type": "lesson_done", "module": "m", "lesson": "l"}]}',
        '{"actions": [{"id": "abcdefgh-2", "type": "delete_everything"}]}',
    ],
)
def test_does_bad_json_get_a_400_with_a_message_and_change_nothing(course, client, learner, raw):
    app = course()
    good = '{"id": "abcdefgh-1", "type": "lesson_done", "module": "%s", "lesson": "lesson-1"}'
    # A good action alongside a bad one: the whole queue is refused, none applied.
    if raw.startswith('{"actions": ['):
        raw = raw.replace('{"actions": [', '{"actions": [' + good % SLUG + ", ")
    response = sync(client, None, raw=raw)

    assert response.status_code == 400
    assert "could not be read" in response.json["message"]
    assert rows(app, LessonProgress.id) == 0
    assert rows(app, OfflineAction.id) == 0


def submit_action(client_id, path, app, *, right=True):
    return {
        "id": client_id,
        "type": "quiz_submit",
        "attempt": attempt_id_of(path),
        "answers": values(app, path, right=right),
    }


def attempt(app, path) -> QuizAttempt:
    with app.app_context():
        return db.session.get(QuizAttempt, attempt_id_of(path))


def test_is_a_quiz_answered_offline_graded_once_and_marked(course, client, learner):
    app = course()
    path = start(client)

    first = sync(client, [submit_action("quiz-0001", path, app)])
    again = sync(client, [submit_action("quiz-0002", path, app)])

    assert first.json["results"][0]["status"] == "applied"
    assert again.json["results"][0]["status"] == "duplicate"
    graded = attempt(app, path)
    assert graded.status == "submitted"
    assert graded.submitted_offline is True
    assert graded.passed is True


def test_does_the_committee_see_which_attempt_was_submitted_offline(course, client, learner, auth):
    app = course()
    path = start(client)
    sync(client, [submit_action("quiz-0003", path, app)])
    auth.sign_out()
    auth.sign_in("committee")
    page = client.get(f"/reports/people/{learner}", headers=EN).get_data(as_text=True)
    assert page.count("submitted offline") == 1
    # An attempt submitted online carries no such tag.
    with app.app_context():
        db.session.get(QuizAttempt, attempt_id_of(path)).submitted_offline = False
        db.session.commit()
    page = client.get(f"/reports/people/{learner}", headers=EN).get_data(as_text=True)
    assert "submitted offline" not in page


def test_is_another_learners_attempt_refused(course, client, learner):
    app = course()
    path = start(other_client(app))

    response = sync(client, [submit_action("quiz-0001", path, app)])

    assert response.json["results"][0]["status"] == "refused"
    assert attempt(app, path).status == "open"
    assert rows(app, OfflineAction.id) == 0


def test_is_an_offline_attempt_older_than_the_setting_refused(course, client, learner):
    app = course()
    path = start(client)
    with app.app_context():
        row = db.session.get(QuizAttempt, attempt_id_of(path))
        row.started_at -= timedelta(days=8)
        db.session.commit()

    result = sync(client, [submit_action("quiz-0001", path, app)]).json["results"][0]

    assert result["status"] == "refused"
    assert "more than 7 days ago" in result["message"]
    assert attempt(app, path).status == "open"


def test_does_the_setting_change_the_offline_window(course, client, learner):
    app = course()
    path = start(client)
    with app.app_context():
        site_settings.put(site_settings.OFFLINE_SUBMIT_DAYS, "30")
        row = db.session.get(QuizAttempt, attempt_id_of(path))
        row.started_at -= timedelta(days=8)
        db.session.commit()

    result = sync(client, [submit_action("quiz-0001", path, app)]).json["results"][0]

    assert result["status"] == "applied"


def test_is_a_timed_quiz_refused_offline(course, client, learner):
    app = course(quiz={"time_limit_minutes": 20})
    path = start(client)

    result = sync(client, [submit_action("quiz-0001", path, app)]).json["results"][0]

    assert result["status"] == "refused"
    assert "timed quiz" in result["message"]
    assert attempt(app, path).status == "open"


def test_can_a_province_admin_set_the_offline_window(demo, client, auth):
    from tests.conftest import post

    auth.sign_in("admin")
    form = {"issuer_vi": "", "issuer_en": "", "stats_min_answers": "30"}
    refused = post(
        client,
        "/admin/settings",
        {**form, "offline_submit_days": "0"},
        token_from="/admin/settings",
    )
    accepted = post(
        client,
        "/admin/settings",
        {**form, "offline_submit_days": "14"},
        token_from="/admin/settings",
    )

    assert refused.status_code == 400
    assert accepted.status_code == 302
    with demo.app_context():
        assert site_settings.offline_submit_days() == 14
