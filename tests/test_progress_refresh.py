"""The learner's report row (module_progress): safe when two actions of one learner race
on PostgreSQL, refreshed once per action from the learner's own rows, counting active
lessons only, and always equal to what a full rebuild computes (issue 13, findings 1, 5)."""

from __future__ import annotations

import csv
import io
import re
import threading
from datetime import timedelta

import pytest
from sqlalchemy import select

from learnapp import db
from learnapp.learn import progress
from learnapp.learn import services as learn_services
from learnapp.models import (
    Area,
    Assignment,
    AttemptStatus,
    Certificate,
    Lesson,
    Module,
    ModuleProgress,
    QuizAttempt,
    User,
)
from learnapp.models.base import utcnow
from learnapp.quiz import services as quiz_services
from tests.conftest import post
from tests.factories import (
    answer_values,
    import_into,
    make_learner,
    quiz_of,
    sample_lessons,
    write_module,
)
from tests.race_support import hold_until_another_waits, needs_postgres, run_threads
from tests.reports_support import fetch_export
from tests.sql_recorder import statements_sent

SLUG = "test-module"


def progress_rows() -> list[tuple]:
    return [
        (
            r.user_id,
            r.module_id,
            r.lessons_done,
            r.attempts,
            r.best_percent,
            r.passed,
            r.completed_at,
            r.last_activity_at,
        )
        for r in db.session.scalars(
            select(ModuleProgress).order_by(ModuleProgress.user_id, ModuleProgress.module_id)
        )
    ]


def rows_equal_a_full_rebuild(app) -> tuple[list, list]:
    """(rows as refreshed, rows as a rebuild computes them); the rebuild is rolled back."""
    with app.app_context():
        refreshed = progress_rows()
        progress.rebuild()
        rebuilt = progress_rows()
        db.session.rollback()
    return refreshed, rebuilt


@pytest.fixture
def module_app(app, tmp_path):
    write_module(tmp_path / "courses", SLUG, lessons=sample_lessons(3))
    import_into(app, tmp_path / "courses")
    return app


def lesson_of(slug: str, lesson_slug: str) -> Lesson:
    return db.session.scalar(
        select(Lesson).join(Module).where(Module.slug == slug, Lesson.slug == lesson_slug)
    )


def mark_done(user: User, lesson_slug: str) -> None:
    lesson = lesson_of(SLUG, lesson_slug)
    learn_services.record_lesson_done(user, lesson)
    learn_services.check_completion(user, lesson.module)


@pytest.mark.postgres_only
@needs_postgres
def test_does_a_quiz_submit_racing_mark_as_done_in_the_same_module_keep_its_answers(module_app):
    # Finding 1: under READ COMMITTED the old delete-then-insert made the later writer
    # hit a unique violation, so the submit ended in a 500 and its answers were lost.
    app = module_app
    learner_id = make_learner(app, "racer")
    with app.app_context():
        user = db.session.get(User, learner_id)
        mark_done(user, "lesson-1")
        mark_done(user, "lesson-2")
        attempt = quiz_services.start_attempt(user, quiz_of(SLUG), "vi")
        learn_services.check_completion(user, lesson_of(SLUG, "lesson-1").module)
        db.session.commit()
        attempt_id = attempt.id
        right = answer_values(attempt, right=True)
    lesson_done = threading.Event()
    barrier = threading.Barrier(2)

    def act(n: int) -> None:
        with app.app_context():
            user = db.session.get(User, learner_id)
            attempt = db.session.get(QuizAttempt, attempt_id)
            db.session.commit()
            barrier.wait(timeout=30)
            if n == 0:
                mark_done(user, "lesson-3")
                lesson_done.set()
                # Keep this transaction open until the submit is stuck behind it.
                assert hold_until_another_waits(app), "the submit never waited"
                db.session.commit()
            else:
                assert lesson_done.wait(timeout=30)
                quiz_services.submit_attempt(attempt, right)
                learn_services.check_completion(user, lesson_of(SLUG, "lesson-1").module)
                db.session.commit()

    errors = run_threads(2, act)

    assert errors == []
    with app.app_context():
        attempt = db.session.get(QuizAttempt, attempt_id)
        assert attempt.status == AttemptStatus.SUBMITTED and attempt.percent == 100
        assert len(attempt.answers) == 4
        # Both actions seen together: every lesson done and the quiz passed.
        assert db.session.scalar(select(Certificate).where(Certificate.user_id == learner_id))
        (row,) = db.session.scalars(select(ModuleProgress)).all()
        assert (row.lessons_done, row.attempts, row.passed) == (3, 1, True)
        assert row.completed_at is not None
    refreshed, rebuilt = rows_equal_a_full_rebuild(app)
    assert refreshed == rebuilt


def test_are_refreshed_rows_equal_to_a_full_rebuild_after_every_kind_of_action(
    module_app, tmp_path
):
    app = module_app
    ids = [make_learner(app, f"learner-{n}") for n in range(4)]
    with app.app_context():
        users = [db.session.get(User, i) for i in ids]
        mark_done(users[0], "lesson-1")
        for lesson in ("lesson-1", "lesson-2", "lesson-3"):
            mark_done(users[1], lesson)
        for user, right in ((users[1], True), (users[2], False), (users[3], True)):
            attempt = quiz_services.start_attempt(user, quiz_of(SLUG), "vi")
            quiz_services.submit_attempt(attempt, answer_values(attempt, right=right))
            learn_services.check_completion(user, lesson_of(SLUG, "lesson-1").module)
        db.session.commit()
        assert len(progress_rows()) == 4
    refreshed, rebuilt = rows_equal_a_full_rebuild(app)
    assert refreshed == rebuilt


def test_does_a_republish_that_retires_a_lesson_recount_lessons_done(module_app, tmp_path):
    # Finding 5: the report row counted a retired lesson, so the call list said
    # "3 / 3 done" where the learner's own page said 2 / 3.
    app = module_app
    learner_id = make_learner(app, "reader")
    with app.app_context():
        user = db.session.get(User, learner_id)
        for lesson in ("lesson-1", "lesson-2", "lesson-3"):
            mark_done(user, lesson)
        db.session.commit()
    lessons = sample_lessons(4)
    del lessons[2]  # lesson-3 retired, lesson-4 new
    write_module(tmp_path / "v2", SLUG, lessons=lessons)
    result = app.test_cli_runner().invoke(args=["import-courses", str(tmp_path / "v2")])
    assert result.exit_code == 0, result.output
    with app.app_context():
        user = db.session.get(User, learner_id)
        module = db.session.scalar(select(Module).where(Module.slug == SLUG))
        (state,) = learn_services.module_states(user, [module])
        assert (state.lessons_done, state.lessons_total) == (2, 3)
        assert db.session.get(ModuleProgress, (learner_id, module.id)).lessons_done == 2
    refreshed, rebuilt = rows_equal_a_full_rebuild(app)
    assert refreshed == rebuilt


def test_does_the_call_list_count_only_active_lessons_after_a_republish(demo, tmp_path):
    app = demo
    write_module(tmp_path / "courses", SLUG, lessons=sample_lessons(3))
    import_into(app, tmp_path / "courses")
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == "learner"))
        for lesson in ("lesson-1", "lesson-2", "lesson-3"):
            mark_done(user, lesson)
        module = db.session.scalar(select(Module).where(Module.slug == SLUG))
        province = db.session.scalar(select(Area).where(Area.parent_id.is_(None)))
        db.session.add(
            Assignment(
                module_id=module.id, area_id=province.id, due_on=utcnow().date() - timedelta(days=3)
            )
        )
        db.session.commit()
        area_id = user.area_id
    lessons = sample_lessons(4)
    del lessons[2]
    write_module(tmp_path / "v2", SLUG, lessons=lessons)
    assert (
        app.test_cli_runner().invoke(args=["import-courses", str(tmp_path / "v2")]).exit_code == 0
    )
    client = app.test_client()
    post(client, "/sign-in", {"identifier": "committee", "password": "learnapp-demo"})
    response = fetch_export(client, f"/reports/areas/{area_id}/overdue.csv")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    mine = [r for r in rows[1:] if r[0] == user.full_name]
    assert len(mine) == 1
    assert mine[0][5:7] == ["2", "3"]


def test_does_each_learner_action_refresh_the_report_row_once(module_app):
    app = module_app
    learner_id = make_learner(app, "counted")
    with app.app_context():
        user = db.session.get(User, learner_id)
        lesson = lesson_of(SLUG, "lesson-1")
        with statements_sent(app, lambda sql: "INTO module_progress" in sql) as upserts:
            learn_services.record_lesson_done(user, lesson)
            learn_services.check_completion(user, lesson.module)
        assert len(upserts) == 1
        attempt = quiz_services.start_attempt(user, quiz_of(SLUG), "vi")
        with statements_sent(app, lambda sql: "INTO module_progress" in sql) as upserts:
            quiz_services.submit_attempt(attempt, answer_values(attempt, right=True))
            learn_services.check_completion(user, lesson.module)
        assert len(upserts) == 1
        db.session.commit()


def test_does_a_refresh_read_only_the_learners_own_rows(module_app):
    # One statement, and every table it reads is narrowed by the learner's id: no union
    # over everyone's progress, as the first version had.
    app = module_app
    learner_id = make_learner(app, "narrow")
    with app.app_context():
        with statements_sent(
            app,
            lambda sql: (
                not sql.lstrip().upper().startswith(("BEGIN", "PRAGMA", "SAVEPOINT", "RELEASE"))
            ),
        ) as statements:
            progress.refresh(learner_id, 1)
        # One upsert of the learner's row; the village's roll-ups follow (tested apart).
        (statement,) = [s for s in statements if "INTO module_progress" in s]
        assert "UNION\n" not in statement
        reads = len(re.findall(r"FROM (?:lesson_progress|quiz_attempt|certificate) ", statement))
        narrowed = len(re.findall(r"\b(?:lp|a|c)\.user_id = ", statement))
        assert reads >= 6 and narrowed >= reads
        db.session.rollback()
