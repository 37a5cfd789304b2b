"""The per-action progress refresh, proven against a full rebuild over random histories,
run once per request, and planned on SQLite to read the one learner's rows only."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import create_engine, select, text

from learnapp import db
from learnapp.errors import DomainError
from learnapp.learn import progress, rollups
from learnapp.learn import services as learn_services
from learnapp.models import AreaModuleProgress, AreaProgress, Module, QuizAttempt, User
from learnapp.quiz import services as quiz_services
from tests.conftest import post
from tests.factories import (
    answer_values,
    import_into,
    module_settings,
    quiz_of,
    sample_lessons,
    write_module,
)
from tests.sql_recorder import statements_sent
from tests.test_progress_refresh import progress_rows

SLUGS = ("mod-a", "mod-b")
LEARNERS = ("learner", "learner2", "secretary01")


@pytest.fixture
def two_modules(demo, tmp_path):
    for slug in SLUGS:
        write_module(
            tmp_path / "courses",
            slug,
            lessons=sample_lessons(3),
            settings=module_settings(),
        )
    import_into(demo, tmp_path / "courses")
    return demo


def rollup_rows() -> list[tuple]:
    return [
        tuple(getattr(r, c.name) for c in model.__table__.columns)
        for model in (AreaProgress, AreaModuleProgress)
        for r in db.session.scalars(select(model).order_by(*model.__table__.primary_key))
    ]


ACTION = st.tuples(
    st.sampled_from(LEARNERS),
    st.sampled_from(SLUGS),
    st.sampled_from(["lesson", "quiz_right", "quiz_wrong", "retire"]),
    st.integers(min_value=0, max_value=2),
)


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(history=st.lists(ACTION, max_size=12))
def test_do_refreshed_rows_equal_a_full_rebuild_after_any_history(two_modules, history):
    """Any sequence of lessons, passed and failed attempts (certificates follow) and
    republishes retiring a lesson leaves the rows a rebuild would write, roll-ups too."""
    app = two_modules
    with app.app_context():
        try:
            for username, slug, kind, index in history:
                user = db.session.scalar(select(User).where(User.username == username))
                module = db.session.scalar(select(Module).where(Module.slug == slug))
                lessons = learn_services.active_lessons(module)
                if kind == "lesson" and lessons:
                    learn_services.record_lesson_done(user, lessons[index % len(lessons)])
                elif kind == "retire" and len(lessons) > 1:
                    # What a publish that drops a lesson does (authoring's publish path).
                    lessons[index % len(lessons)].is_retired = True
                    db.session.flush()
                    progress.refresh_modules([module.id])
                    rollups.settle(db.session())
                    continue
                elif kind.startswith("quiz"):
                    try:
                        attempt = quiz_services.start_attempt(user, quiz_of(slug), "vi")
                    except DomainError:
                        continue
                    quiz_services.submit_attempt(
                        attempt, answer_values(attempt, right=kind == "quiz_right")
                    )
                learn_services.check_completion(user, module)
            db.session.flush()
            refreshed, rolled = progress_rows(), rollup_rows()
            progress.rebuild()
            assert progress_rows() == refreshed
            assert rollup_rows() == rolled
        finally:
            db.session.rollback()


def mark_done_request(client, slug: str, lesson_slug: str) -> None:
    path = f"/m/{slug}/{lesson_slug}"
    assert post(client, f"{path}/done", token_from=path).status_code == 302


def pass_quiz_request(app, client, slug: str) -> None:
    """Start the quiz, then submit it with every answer right, as the pages do."""
    started = post(client, f"/m/{slug}/quiz/start", token_from=f"/m/{slug}/quiz")
    assert started.status_code == 302
    path = urlsplit(started.headers["Location"]).path
    with app.app_context():
        attempt = db.session.get(QuizAttempt, int(path.rsplit("/", 1)[1]))
        right = answer_values(attempt, right=True)
    payload = {"answers": "1", "confirm_blank": "1", **right}
    assert post(client, path, payload, token_from=path).status_code == 302


def test_does_mark_as_done_and_a_quiz_submit_refresh_once_per_request(two_modules, client, auth):
    app = two_modules
    auth.sign_in("learner")

    def upserts(sql: str) -> bool:
        return "INTO module_progress" in sql

    with statements_sent(app, upserts) as sent:
        mark_done_request(client, SLUGS[0], "lesson-1")
    assert len(sent) == 1
    with statements_sent(app, upserts) as sent:
        pass_quiz_request(app, client, SLUGS[0])
    assert len(sent) == 1
    with app.app_context():
        assert progress_rows()[0][2:4] == (1, 1)  # one lesson, one attempt: both counted


@pytest.fixture
def sqlite_only():
    """The schema on an in-memory SQLite database of its own: SQLite's planner is the
    one asked about, whichever database the rest of the suite runs on (PostgreSQL
    pushes the learner's condition down itself)."""
    engine = create_engine("sqlite://")
    db.Base.metadata.create_all(engine)
    with engine.connect() as connection:
        yield connection
    engine.dispose()


def test_does_sqlite_plan_the_refresh_through_the_learners_own_rows(sqlite_only):
    # SQLite does not push a condition into a UNION: the first refresh scanned every
    # learner's lessons, attempts and certificates, 0.2 s a tap at 20,000 learners.
    sql = "EXPLAIN QUERY PLAN " + progress._UPSERT.format(pairs=progress._ONE_PAIR)
    plan = [row[3] for row in sqlite_only.execute(text(sql), {"user_id": 1, "module_id": 1})]
    scans = [step for step in plan if step.startswith("SCAN")]
    # Only the one-row pair and the two-row union of the last activity are scanned.
    assert all(re.fullmatch(r"SCAN (CONSTANT ROW|u|t)", step) for step in scans), plan
    reads = [step for step in plan if re.match(r"SEARCH (lp|a|c) ", step)]
    assert reads and all("user_id=?" in step for step in reads), plan


def test_would_the_plan_check_see_a_scan(sqlite_only):
    # No index on completed_at: every learner's row is read.
    unnarrowed = "SELECT count(*) FROM lesson_progress lp WHERE lp.completed_at > '2000-01-01'"
    plan = sqlite_only.execute(text("EXPLAIN QUERY PLAN " + unnarrowed)).all()
    assert any(re.match(r"SCAN lp\b", row[3]) for row in plan)
