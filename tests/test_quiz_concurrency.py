"""Concurrent submits (SECURITY 20 and 23), on whichever database the suite runs on:
the conditional update lets one of ten simultaneous submits through, and many learners
submitting at once never meet "database is locked" or any other error."""

from __future__ import annotations

import random
import threading

import pytest
from sqlalchemy import func, select

from learnapp import db
from learnapp.models import AttemptAnswer, AttemptStatus, Quiz, QuizAttempt, User
from learnapp.quiz import services
from tests.factories import (
    answer_values,
    import_into,
    make_learner,
    module_settings,
    quiz_of,
    write_module,
)

# Timing under load: after the rest of the suite, alone, on really committed data.
pytestmark = pytest.mark.serial

SLUG = "test-module"
JOIN_TIMEOUT = 120
# SECURITY 23: 8 threads x 50 submits, zero errors.
THREADS = 8
SUBMITS = 50


@pytest.fixture
def quiz_app(app, tmp_path):
    write_module(tmp_path / "courses", SLUG, settings=module_settings(completion="quiz"))
    import_into(app, tmp_path / "courses")
    return app


def run_threads(count: int, target) -> None:
    threads = [threading.Thread(target=target, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=JOIN_TIMEOUT)
    assert not any(thread.is_alive() for thread in threads), "a thread is stuck"


def test_do_ten_simultaneous_submits_of_one_attempt_grade_it_once(quiz_app):
    app = quiz_app
    learner_id = make_learner(app, "racer")
    with app.app_context():
        attempt = services.start_attempt(db.session.get(User, learner_id), quiz_of(SLUG), "vi")
        db.session.commit()
        attempt_id = attempt.id
        right = answer_values(attempt, right=True)
        wrong = answer_values(attempt, right=False)
    barrier = threading.Barrier(10)
    outcomes: list[str] = []
    errors: list[BaseException] = []

    def submit(n: int) -> None:
        try:
            with app.app_context():
                mine = db.session.get(QuizAttempt, attempt_id)
                # End the read transaction first: on SQLite it holds the write lock, and
                # every thread must reach the submit at the same moment.
                db.session.commit()
                barrier.wait(timeout=30)
                try:
                    services.submit_attempt(mine, right if n % 2 else wrong)
                    db.session.commit()
                    outcomes.append("graded")
                except services.AlreadySubmitted:
                    db.session.rollback()
                    outcomes.append("already submitted")
        except BaseException as exc:  # noqa: BLE001  (reported by the assertion below)
            errors.append(exc)

    run_threads(10, submit)

    assert errors == []
    assert sorted(outcomes) == ["already submitted"] * 9 + ["graded"]
    with app.app_context():
        attempts = db.session.scalars(select(QuizAttempt)).all()
        assert len(attempts) == 1 and attempts[0].status == AttemptStatus.SUBMITTED
        assert attempts[0].percent in (0, 100)
        assert db.session.scalar(select(func.count(AttemptAnswer.id))) == 4


def all_answers(slug: str, *, right: bool) -> dict[str, list[str]]:
    """Form values for every question of the quiz, as a browser would send them."""
    quiz = quiz_of(slug)
    layout = [[q.id, [c.id for c in q.choices]] for q in services.active_questions(quiz)]
    return answer_values(QuizAttempt(layout=layout), right=right)


def test_do_8_learners_submitting_50_attempts_each_at_once_meet_no_error(quiz_app):
    app = quiz_app
    learners = [make_learner(app, f"learner-{n}") for n in range(THREADS)]
    with app.app_context():
        quiz_id = quiz_of(SLUG).id
        answers = {True: all_answers(SLUG, right=True), False: all_answers(SLUG, right=False)}
    barrier = threading.Barrier(THREADS)
    errors: list[BaseException] = []
    submitted: list[int] = []

    def work(n: int) -> None:
        rng = random.Random(n)
        try:
            barrier.wait(timeout=30)
            for _ in range(SUBMITS):
                # One app context per request, as the web server would have: "start"...
                with app.app_context():
                    user = db.session.get(User, learners[n])
                    quiz = db.session.get(Quiz, quiz_id)
                    attempt = services.start_attempt(user, quiz, "vi", rng=rng)
                    db.session.commit()
                # ...then "submit", with the answers the browser sends.
                with app.app_context():
                    attempt = db.session.get(QuizAttempt, attempt.id)
                    services.submit_attempt(attempt, answers[rng.random() < 0.5])
                    db.session.commit()
                    submitted.append(attempt.id)
        except BaseException as exc:  # noqa: BLE001  (reported by the assertion below)
            errors.append(exc)

    run_threads(THREADS, work)

    assert errors == []
    assert len(submitted) == len(set(submitted)) == THREADS * SUBMITS
    with app.app_context():
        rows = db.session.execute(
            select(QuizAttempt.user_id, QuizAttempt.status, func.count(QuizAttempt.id)).group_by(
                QuizAttempt.user_id, QuizAttempt.status
            )
        ).all()
        assert sorted(rows) == sorted((uid, AttemptStatus.SUBMITTED, SUBMITS) for uid in learners)
        assert db.session.scalar(select(func.count(QuizAttempt.id))) == THREADS * SUBMITS
        assert db.session.scalar(select(func.count(AttemptAnswer.id))) == THREADS * SUBMITS * 4


def test_do_simultaneous_starts_by_one_learner_open_one_attempt(quiz_app):
    app = quiz_app
    learner_id = make_learner(app, "double-tap")
    barrier = threading.Barrier(6)
    ids: list[int] = []
    errors: list[BaseException] = []

    def press_start(n: int) -> None:
        try:
            with app.app_context():
                user = db.session.get(User, learner_id)
                quiz = quiz_of(SLUG)
                db.session.commit()
                barrier.wait(timeout=30)
                attempt = services.start_attempt(user, quiz, "vi")
                db.session.commit()
                ids.append(attempt.id)
        except BaseException as exc:  # noqa: BLE001  (reported by the assertion below)
            errors.append(exc)

    run_threads(6, press_start)

    assert errors == []
    assert len(ids) == 6 and len(set(ids)) == 1
    with app.app_context():
        assert db.session.scalar(select(func.count(QuizAttempt.id))) == 1


def test_is_every_save_that_succeeds_graded_and_every_later_one_refused(quiz_app):
    """Saves racing the submit (issue 12 item 4): a save reported as kept is in the grade;
    one that arrives after the submit is refused, never silently dropped."""
    app = quiz_app
    learner_id = make_learner(app, "saver")
    with app.app_context():
        attempt = services.start_attempt(db.session.get(User, learner_id), quiz_of(SLUG), "vi")
        db.session.commit()
        attempt_id = attempt.id
        right = answer_values(attempt, right=True)
    names = list(right)
    barrier = threading.Barrier(len(names) + 1)
    kept: list[int] = []
    errors: list[BaseException] = []

    def work(n: int) -> None:
        try:
            with app.app_context():
                mine = db.session.get(QuizAttempt, attempt_id)
                db.session.commit()
                barrier.wait(timeout=30)
                try:
                    if n == len(names):
                        services.submit_attempt(mine)
                    else:
                        qid = int(names[n][1:])
                        answers = services.answers_from_form(
                            mine, right, question_ids=[qid], strict=True
                        )
                        services.save_answers(mine, answers)
                    db.session.commit()
                    if n < len(names):
                        kept.append(int(names[n][1:]))
                except services.AlreadySubmitted:
                    db.session.rollback()
        except BaseException as exc:  # noqa: BLE001  (reported by the assertion below)
            errors.append(exc)

    run_threads(len(names) + 1, work)

    assert errors == []
    with app.app_context():
        attempt = db.session.get(QuizAttempt, attempt_id)
        assert attempt.status == AttemptStatus.SUBMITTED
        graded_right = {a.question_id for a in attempt.answers if a.is_correct}
    assert graded_right == set(kept)
