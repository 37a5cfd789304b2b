"""Quiz attempts: draw, start, submit once, grade, summarise. Grading and timing happen
here on the server only; the browser never sees which choice is right before submitting."""

from __future__ import annotations

import contextlib
import math
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, Integer, and_, func, or_, select, update
from sqlalchemy.exc import IntegrityError

from learnapp import db
from learnapp.errors import DomainError
from learnapp.models import (
    AnswerChoice,
    AttemptAnswer,
    AttemptStatus,
    Question,
    Quiz,
    QuizAttempt,
    User,
)
from learnapp.models.base import utcnow
from learnapp.quiz.kinds import kind_of

# Slow phones on 2G take a while to send the form; the clock is not their fault.
GRACE = timedelta(seconds=60)


class AlreadySubmitted(DomainError):
    """The attempt was submitted before (a double submit or a replayed form)."""


class NoAttemptsLeft(DomainError):
    """The quiz's maximum number of attempts is used up."""


@dataclass(frozen=True)
class QuizSummary:
    attempts_used: int
    best_percent: int | None
    passed: bool
    attempts_left: int | None  # None: unlimited


def active_questions(quiz: Quiz) -> list[Question]:
    return [q for q in quiz.questions if not q.is_retired]


def draw_layout(questions: Sequence[Question], draw_count: int, rng: random.Random) -> list:
    """Pick the attempt's questions from the pool and shuffle them and their choices.

    Returns [[question_id, [choice_id, ...]], ...]; stored on the attempt so the order
    stays the same however often the page reloads.
    """
    pool = list(questions)
    count = len(pool) if draw_count <= 0 else min(draw_count, len(pool))
    drawn = rng.sample(pool, count)
    layout = []
    for question in drawn:
        choice_ids = [c.id for c in question.choices]
        if kind_of(question).shuffles_choices:
            rng.shuffle(choice_ids)
        layout.append([question.id, choice_ids])
    return layout


def _counted(now: datetime) -> ColumnElement[bool]:
    """Attempts that count as used: submitted ones, and open ones whose time is up.

    An expired attempt is closed (with nothing counted) only by a POST, since a GET never
    writes; until then the pages count it as used, with the 0% it will get.
    """
    return or_(
        QuizAttempt.status == AttemptStatus.SUBMITTED,
        and_(
            QuizAttempt.status == AttemptStatus.OPEN,
            QuizAttempt.deadline_at.is_not(None),
            QuizAttempt.deadline_at < now - GRACE,
        ),
    )


def summary(user: User, quiz: Quiz) -> QuizSummary:
    used, best, passed = db.session.execute(
        select(
            func.count(QuizAttempt.id),
            func.max(QuizAttempt.percent),
            func.max(QuizAttempt.passed.cast(Integer())),
        ).where(
            QuizAttempt.user_id == user.id,
            QuizAttempt.quiz_id == quiz.id,
            _counted(utcnow()),
        )
    ).one()
    left = None if quiz.max_attempts == 0 else max(0, quiz.max_attempts - used)
    return QuizSummary(used, best, bool(passed), left)


def open_attempt(user: User, quiz: Quiz) -> QuizAttempt | None:
    return db.session.scalar(
        select(QuizAttempt).where(
            QuizAttempt.user_id == user.id,
            QuizAttempt.quiz_id == quiz.id,
            QuizAttempt.status == AttemptStatus.OPEN,
        )
    )


def is_expired(attempt: QuizAttempt, now: datetime) -> bool:
    return attempt.deadline_at is not None and now > attempt.deadline_at + GRACE


def close_if_expired(attempt: QuizAttempt, now: datetime | None = None) -> bool:
    """Close an open attempt whose time ran out, with nothing answered; True if closed."""
    now = now or utcnow()
    if attempt.status != AttemptStatus.OPEN or not is_expired(attempt, now):
        return False
    with contextlib.suppress(AlreadySubmitted):
        submit_attempt(attempt, {}, now=now)
    return True


def start_attempt(
    user: User,
    quiz: Quiz,
    language: str,
    *,
    rng: random.Random | None = None,
    now: datetime | None = None,
) -> QuizAttempt:
    """The learner's open attempt, or a new one; at most one is ever open."""
    now = now or utcnow()
    current = open_attempt(user, quiz)
    if current is not None and not close_if_expired(current, now):
        return current
    if summary(user, quiz).attempts_left == 0:
        raise NoAttemptsLeft("no_attempts_left")
    attempt = QuizAttempt(
        user_id=user.id,
        quiz_id=quiz.id,
        language=language,
        layout=draw_layout(active_questions(quiz), quiz.draw_count, rng or random.SystemRandom()),
        started_at=now,
        deadline_at=now + timedelta(minutes=quiz.time_limit_minutes)
        if quiz.time_limit_minutes
        else None,
    )
    try:
        with db.session.begin_nested():
            db.session.add(attempt)
    except IntegrityError:
        # Another request opened one a moment ago (a double tap): use that one.
        existing = open_attempt(user, quiz)
        if existing is None:
            raise
        return existing
    return attempt


def layout_questions(attempt: QuizAttempt) -> list[tuple[Question, list]]:
    """The attempt's questions in its order, each with its choices in its order."""
    ids = [qid for qid, _ in attempt.layout]
    by_id = {q.id: q for q in db.session.scalars(select(Question).where(Question.id.in_(ids)))}
    result = []
    for qid, choice_ids in attempt.layout:
        question = by_id.get(qid)
        if question is None:
            continue
        choices = {c.id: c for c in question.choices}
        result.append((question, [choices[cid] for cid in choice_ids if cid in choices]))
    return result


def submit_attempt(
    attempt: QuizAttempt, values: Mapping[str, list[str]], *, now: datetime | None = None
) -> QuizAttempt:
    """Grade and close the attempt exactly once; raise AlreadySubmitted on a replay.

    `values` maps form field names ("q<question id>") to the submitted values.
    """
    now = now or utcnow()
    closed = db.session.execute(
        update(QuizAttempt)
        .where(QuizAttempt.id == attempt.id, QuizAttempt.status == AttemptStatus.OPEN)
        .values(status=AttemptStatus.SUBMITTED, submitted_at=now)
        .execution_options(synchronize_session=False)
    )
    if closed.rowcount != 1:
        db.session.refresh(attempt)
        raise AlreadySubmitted("already_submitted")
    db.session.refresh(attempt)
    late = is_expired(attempt, now)
    score = max_score = 0.0
    quiz = db.session.get(Quiz, attempt.quiz_id)
    for question, choices in layout_questions(attempt):
        kind = kind_of(question)
        raw = [] if late else list(values.get(f"q{question.id}", []))
        response = kind.parse(raw, [c.id for c in choices])
        fraction = kind.grade(question, response)
        max_score += question.points
        score += question.points * fraction
        answer = AttemptAnswer(
            question_id=question.id,
            text_response=response.text,
            score=question.points * fraction,
            is_correct=fraction >= 1.0,
        )
        answer.chosen = [AnswerChoice(choice_id=cid) for cid in response.choice_ids]
        attempt.answers.append(answer)
    attempt.score = round(score, 4)
    attempt.max_score = max_score
    # Partial credits summed in floating point can land a hair below a whole number
    # (6.999...); the same tolerance keeps the shown percent and pass/fail in agreement.
    attempt.percent = math.floor(score * 100 / max_score + 1e-9) if max_score else 0
    attempt.passed = max_score > 0 and score * 100 >= quiz.pass_mark * max_score - 1e-9
    # The learner's progress row is learn's to refresh, once per action (check_completion).
    db.session.flush()
    return attempt


def best_attempts(user: User, quiz_ids: Sequence[int]) -> dict[int, tuple[int, bool]]:
    """Per quiz: (best percent, passed) of the user's submitted attempts, in one query."""
    rows = db.session.execute(
        select(
            QuizAttempt.quiz_id,
            func.max(QuizAttempt.percent),
            func.max(QuizAttempt.passed.cast(Integer())),
        )
        .where(
            QuizAttempt.user_id == user.id,
            QuizAttempt.quiz_id.in_(quiz_ids),
            _counted(utcnow()),
        )
        .group_by(QuizAttempt.quiz_id)
    )
    return {quiz_id: (best, bool(passed)) for quiz_id, best, passed in rows}
