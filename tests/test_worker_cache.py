"""Each worker keeps published content (and, with Redis, signed-in people) in memory:
pages must read no content from the database while it is current, and no worker may
serve a stale page or accept an ended session once the change is committed."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import delete, select

from learnapp import create_app, db
from learnapp.cache import stamps
from learnapp.models import AttemptAnswer, QuizAttempt, Role, RoleGrant, User
from tests.conftest import Auth, post, settings
from tests.factories import (
    answer_values,
    import_into,
    module_settings,
    sample_lessons,
    user_id,
    write_module,
)
from tests.sql_recorder import statements_sent

SLUG = "test-module"
LESSON = f"/m/{SLUG}/lesson-1"
CONTENT_TABLES = {
    "module",
    "module_text",
    "lesson",
    "lesson_text",
    "job_aid",
    "job_aid_text",
    "quiz",
    "question",
    "question_text",
    "choice",
    "choice_text",
}


def reads_content(statement: str) -> bool:
    """A SELECT whose rows come from a content table (a join that only filters a person's
    own rows by a module's status does not count)."""
    found = re.match(r"\s*SELECT\b.*?\bFROM\s+\"?(\w+)", statement, re.S | re.I)
    return bool(found) and found.group(1) in CONTENT_TABLES


def _lessons(marker: str) -> list[dict]:
    lessons = sample_lessons()
    lessons[0]["body"] = f"## Part 1\n\nBody {marker} in @lang.\n"
    return lessons


@pytest.fixture
def course(demo, tmp_path):
    write_module(tmp_path / "courses", SLUG, settings=module_settings(), lessons=_lessons("v1"))
    import_into(demo, tmp_path / "courses")
    return demo


def _republish(app, tmp_path, marker: str) -> None:
    write_module(tmp_path / "courses", SLUG, settings=module_settings(), lessons=_lessons(marker))
    import_into(app, tmp_path / "courses")


def second_worker(app: Flask) -> Flask:
    """Another app on the same database (and transaction), with memory of its own: a
    second gunicorn worker, as far as caching can tell."""
    other = create_app(dict(app.config) | {"INSTANCE_PATH": app.instance_path})
    connection = app.extensions.get("db_connection")
    if connection is not None:
        other.extensions["db_connection"] = connection
    return other


def content_statements(app, client, path: str) -> list[str]:
    with statements_sent(app, reads_content) as seen:
        response = client.get(path)
    assert response.status_code == 200, path
    return seen


def test_does_a_lesson_page_read_no_content_once_the_worker_has_it(course, client, auth):
    auth.sign_in("learner")
    assert "Body v1" in client.get(LESSON).get_data(as_text=True)
    loads = course.extensions["content_cache"].loads

    for path in (LESSON, f"/m/{SLUG}", "/", f"/m/{SLUG}/lesson-2", f"/m/{SLUG}/quiz"):
        assert content_statements(course, client, path) == [], path
    # A learner's own action changes no content: the copy stays current.
    assert post(client, f"{LESSON}/done", token_from=LESSON).status_code == 302
    assert content_statements(course, client, f"/m/{SLUG}/lesson-2") == []
    assert course.extensions["content_cache"].loads == loads


def test_does_a_publish_show_at_once_on_this_worker_and_another(course, client, auth, tmp_path):
    other = second_worker(course)
    other_client = other.test_client()
    auth.sign_in("learner")
    Auth(other_client).sign_in("learner")
    assert "Body v1" in client.get(LESSON).get_data(as_text=True)
    assert "Body v1" in other_client.get(LESSON).get_data(as_text=True)

    _republish(course, tmp_path, "v2")

    for worker in (client, other_client):
        page = worker.get(LESSON).get_data(as_text=True)
        assert "Body v2" in page
        assert "Body v1" not in page


def test_does_a_kept_lesson_article_follow_each_readers_language(course, client, auth):
    auth.sign_in("learner")
    other = course.test_client()
    Auth(other).sign_in("learner2")
    assert post(other, "/language", {"language": "en"}, token_from="/").status_code == 302
    for _ in range(2):  # the second round is served from the kept articles
        own = client.get(LESSON, headers={"Accept-Language": "vi"}).get_data(as_text=True)
        theirs = other.get(LESSON).get_data(as_text=True)
        assert "Body v1 in vi" in own and "Bài 1/2" in own
        assert "Body v1 in en" in theirs and "Lesson 1 of 2" in theirs


def test_does_an_archived_module_leave_every_worker_at_once(course, client, auth):
    from learnapp.models import Module, ModuleStatus

    other = second_worker(course)
    other_client = other.test_client()
    Auth(other_client).sign_in("learner")
    assert other_client.get(LESSON).status_code == 200
    with course.app_context():
        module = db.session.scalar(select(Module).where(Module.slug == SLUG))
        module.status = ModuleStatus.ARCHIVED
        db.session.commit()

    assert other_client.get(LESSON).status_code == 404


def test_does_a_rolled_back_change_leave_the_cache_as_it_was(course, client, auth, tmp_path):
    from learnapp.models import LessonText

    auth.sign_in("learner")
    assert "Body v1" in client.get(LESSON).get_data(as_text=True)
    with course.test_request_context(LESSON):
        text = db.session.scalars(select(LessonText)).first()
        text.body_html = "<p>Never published</p>"
        db.session.flush()
        from learnapp.cache.content import published

        # The changing transaction sees its own change, and keeps it to itself.
        seen = published()
        bodies = [t.body_html for m in seen.modules for x in m.lessons for t in x.texts]
        assert "<p>Never published</p>" in bodies
        db.session.rollback()

    page = client.get(LESSON).get_data(as_text=True)
    assert "Never published" not in page
    assert "Body v1" in page


def test_does_a_quiz_submit_grade_from_memory_and_write_answers_in_one_statement(
    course, client, auth
):
    auth.sign_in("learner")
    post(client, f"/m/{SLUG}/quiz/start", token_from=f"/m/{SLUG}/quiz")
    learner = user_id(course, "learner")
    with course.app_context():
        attempt = db.session.scalar(select(QuizAttempt).where(QuizAttempt.user_id == learner))
        values = answer_values(attempt, right=True)
        attempt_id, questions = attempt.id, len(attempt.layout)
    page = f"/quiz/attempts/{attempt_id}"
    client.get(page)
    with statements_sent(course) as seen:
        response = post(
            client, page, {**values, "answers": "1", "confirm_blank": "1"}, token_from=page
        )
    assert response.status_code == 302
    assert [s for s in seen if reads_content(s)] == []
    answer_inserts = [s for s in seen if s.lstrip().startswith("INSERT INTO attempt_answer")]
    assert len(answer_inserts) == 1
    with course.app_context():
        attempt = db.session.get(QuizAttempt, attempt_id)
        assert attempt.passed and attempt.percent == 100
        answers = db.session.scalars(
            select(AttemptAnswer).where(AttemptAnswer.attempt_id == attempt_id)
        ).all()
        assert len(answers) == questions
        assert all(a.is_correct for a in answers)


# --- people kept in memory, with Redis ----------------------------------------------------


def _redis_ready() -> bool:
    import redis

    try:
        return bool(redis.Redis(socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


@pytest.fixture
def redis_prefix():
    if not _redis_ready():
        pytest.skip("needs Redis at 127.0.0.1:6379 (LEARNAPP_CACHE_URL)")
    prefix = f"learnapp-test-{uuid.uuid4().hex[:8]}:"
    yield prefix
    stamps.RedisStamps("redis://127.0.0.1:6379/0", prefix).forget()


@pytest.fixture
def two_workers(course, redis_prefix):
    """Two apps on one database and one Redis prefix, each with its own memory."""
    apps = []
    for _ in range(2):
        app = create_app(
            settings(course.config["DATABASE_URL"], Path(course.instance_path))
            | {"CACHE_URL": "redis://127.0.0.1:6379/0", "CACHE_PREFIX": redis_prefix}
        )
        connection = course.extensions.get("db_connection")
        if connection is not None:
            app.extensions["db_connection"] = connection
        apps.append(app)
    return apps


def _statements_reading(app, client, path: str, *tables: str) -> list[str]:
    """The statements a GET of the path sends that read any of the tables."""
    with statements_sent(app, lambda s: any(f"FROM {table}" in s for table in tables)) as seen:
        response = client.get(path)
    assert response.status_code == 200
    return seen


def _person_statements(app, client, path: str = "/") -> list[str]:
    return _statements_reading(app, client, path, "user_account", "role_grant")


def test_is_a_person_loaded_without_the_database_on_later_requests(two_workers):
    first, _ = two_workers
    client = first.test_client()
    Auth(client).sign_in("learner")
    client.get("/")

    assert _person_statements(first, client) == []
    assert _person_statements(first, client, LESSON) == []


@pytest.mark.parametrize("ending", ["sign_out", "password", "deactivate", "role_removed"])
def test_is_a_session_ended_on_one_worker_refused_by_another(two_workers, ending):
    first, second = two_workers
    phone = second.test_client()
    Auth(phone).sign_in("learner")
    assert phone.get("/").status_code == 200  # the second worker now keeps the learner
    assert _person_statements(second, phone) == []

    if ending == "sign_out":
        # The same cookie, sent once through the first worker to sign out.
        other = first.test_client()
        cookie = phone.get_cookie("session")
        other.set_cookie("session", cookie.value)
        assert post(other, "/sign-out", token_from="/").status_code == 302
    else:
        with first.app_context():
            person = db.session.scalar(select(User).where(User.username == "learner"))
            if ending == "password":
                person.session_version += 1
            elif ending == "deactivate":
                person.is_active = False
            else:
                for grant in list(person.grants):
                    if grant.role == Role.LEARNER:
                        db.session.delete(grant)
            db.session.commit()

    response = phone.get("/")
    if ending == "role_removed":
        # Still signed in, but no longer a learner: the worker saw the change of roles.
        with second.app_context():
            person = db.session.scalar(select(User).where(User.username == "learner"))
            assert not db.session.scalars(
                select(RoleGrant).where(RoleGrant.user_id == person.id)
            ).all()
        assert second.extensions["people_cache"].loads >= 2
    else:
        assert response.status_code == 302
        assert "/sign-in" in response.headers["Location"]


def _done_on_page(client, path: str = LESSON) -> bool:
    """Whether the lesson page shows the lesson as done (no "Mark as done" form left)."""
    page = client.get(path)
    assert page.status_code == 200
    return f'action="{path}/done"' not in page.get_data(as_text=True)


def test_is_a_lesson_page_served_with_no_statement_once_the_worker_has_the_learner(two_workers):
    first, _ = two_workers
    client = first.test_client()
    Auth(client).sign_in("learner")
    client.get(LESSON)

    with statements_sent(first, lambda s: True) as seen:
        assert not _done_on_page(client)
    assert seen == []


def test_does_a_lesson_done_through_one_worker_show_done_on_another(two_workers):
    first, second = two_workers
    phone = second.test_client()
    Auth(phone).sign_in("learner")
    assert not _done_on_page(phone)
    # Kept by the second worker.
    assert _statements_reading(second, phone, LESSON, "lesson_progress") == []

    # The same cookie taps "Mark as done" through the first worker.
    other = first.test_client()
    other.set_cookie("session", phone.get_cookie("session").value)
    assert post(other, f"{LESSON}/done", token_from=LESSON).status_code == 302

    assert _done_on_page(phone)
    assert _done_on_page(other)
    assert _done_on_page(phone, f"/m/{SLUG}/lesson-2") is False


def test_does_a_statement_on_done_lessons_reach_every_worker(two_workers):
    from learnapp.models import LessonProgress

    first, second = two_workers
    phone = second.test_client()
    Auth(phone).sign_in("learner")
    assert post(phone, f"{LESSON}/done", token_from=LESSON).status_code == 302
    assert _done_on_page(phone)

    learner = user_id(first, "learner")
    with first.app_context():
        # A bulk statement (as a privacy deletion or a demo reset sends) names nobody.
        db.session.execute(delete(LessonProgress).where(LessonProgress.user_id == learner))
        db.session.commit()

    assert not _done_on_page(phone)


def test_does_a_transaction_see_the_lesson_it_has_just_marked_done(two_workers):
    from learnapp.learn import services
    from learnapp.models import Lesson

    first, _ = two_workers
    with first.app_context():
        learner = db.session.scalar(select(User).where(User.username == "learner"))
        lesson = db.session.scalar(select(Lesson).where(Lesson.slug == "lesson-1"))
        assert lesson.id not in services.done_lesson_ids(learner)  # now kept in memory

        assert services.record_lesson_done(learner, lesson)
        assert lesson.id in services.done_lesson_ids(learner)
        db.session.rollback()
        assert lesson.id not in services.done_lesson_ids(learner)


def test_does_a_copy_past_its_age_load_again_when_a_stamp_change_was_lost(two_workers, monkeypatch):
    from sqlalchemy import text

    _, second = two_workers
    phone = second.test_client()
    Auth(phone).sign_in("learner")
    assert phone.get("/").status_code == 200
    with second.app_context():
        # Raw SQL leaves no trace for the stamps: as if Redis failed after the commit.
        db.session.execute(
            text("UPDATE user_account SET is_active = false WHERE username = 'learner'")
        )
        db.session.commit()
    assert phone.get("/").status_code == 200  # the copy is still trusted while young

    monkeypatch.setattr(stamps, "MAX_AGE_SECONDS", 0.0)

    assert "/sign-in" in phone.get("/").headers["Location"]


def test_are_pages_served_from_the_database_when_redis_does_not_answer(course):
    app = create_app(
        settings(course.config["DATABASE_URL"], Path(course.instance_path))
        | {"CACHE_URL": "redis://127.0.0.1:1/0"}
    )
    connection = course.extensions.get("db_connection")
    if connection is not None:
        app.extensions["db_connection"] = connection
    client = app.test_client()
    Auth(client).sign_in("learner")

    assert "Body v1" in client.get(LESSON).get_data(as_text=True)
    cookie = client.get_cookie("session").value
    assert post(client, "/sign-out", token_from="/").status_code == 302
    client.set_cookie("session", cookie)
    assert "/sign-in" in client.get("/").headers["Location"]
