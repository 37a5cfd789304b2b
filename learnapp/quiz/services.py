"""Quiz attempts: draw, start, submit once, grade, summarise. Grading and timing happen
here on the server only; the browser never sees which choice is right before submitting."""

from __future__ import annotations

import contextlib
import math
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, Integer, and_, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import set_committed_value

from learnapp import db
from learnapp.cache.content import published
from learnapp.errors import DomainError
from learnapp.models import (
    AnswerChoice,
    AttemptAnswer,
    AttemptStatus,
    Question,
    Quiz,
    QuizAttempt,
    SavedAnswer,
    User,
)
from learnapp.models.base import utcnow
from learnapp.quiz.types import BadAnswerValues, RepeatedPosition, kind_of

# Slow phones on 2G take a while to send the form; the clock is not their fault.
GRACE = timedelta(seconds=60)


class AlreadySubmitted(DomainError):
    """The attempt was submitted before (a double submit or a replayed form)."""


class NoAttemptsLeft(DomainError):
    """The quiz's maximum number of attempts is used up."""


class TimeIsUp(DomainError):
    """The attempt's time limit (and its grace) has passed: no answer is taken any more."""


class BadAnswer(DomainError):
    """A save names a question the attempt does not have, or values its inputs cannot send."""


class TwoStepsOnePlace(BadAnswer):
    """An ordering question has two steps in the same place: the learner must fix it."""

    def __init__(self, number: int) -> None:
        super().__init__("repeated_position")
        self.number = number  # the question's place in the attempt, as the learner saw it


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
        choice_ids = kind_of(question).layout([c.id for c in question.choices], rng)
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
    cached = published().questions
    by_id = {qid: cached[qid] for qid in ids if qid in cached}
    missing = [qid for qid in ids if qid not in by_id]
    if missing:
        # Questions of a module archived since the attempt began are read from the database.
        by_id.update(
            (q.id, q) for q in db.session.scalars(select(Question).where(Question.id.in_(missing)))
        )
    result = []
    for qid, choice_ids in attempt.layout:
        question = by_id.get(qid)
        if question is None:
            continue
        choices = {c.id: c for c in question.choices}
        result.append((question, [choices[cid] for cid in choice_ids if cid in choices]))
    return result


@dataclass(frozen=True)
class ReviewItem:
    number: int  # the question's place in the attempt, as the learner saw it
    question: Question
    choices: list
    answer: AttemptAnswer | None


def review_items(
    attempt: QuizAttempt, answers: Mapping[int, AttemptAnswer]
) -> tuple[list[ReviewItem], list[ReviewItem]]:
    """The attempt's questions split into (not fully right, right), each in attempt order:
    the result page teaches from the mistakes first."""
    to_review, right = [], []
    for number, (question, choices) in enumerate(layout_questions(attempt), start=1):
        answer = answers.get(question.id)
        item = ReviewItem(number, question, choices, answer)
        (right if answer is not None and answer.is_correct else to_review).append(item)
    return to_review, right


def _offered(attempt: QuizAttempt) -> dict[int, tuple[Question, list[int]]]:
    return {q.id: (q, [c.id for c in choices]) for q, choices in layout_questions(attempt)}


def answers_from_form(
    attempt: QuizAttempt,
    values: Mapping[str, list[str]],
    *,
    question_ids: Sequence[int] | None = None,
    strict: bool = False,
) -> dict[int, list[str]]:
    """The answers a form carries, per question of the attempt, as the values to keep.

    `values` maps field names ("q<question id>") to values; a question without a field
    is blank. `question_ids` limits it to those questions (a single-answer save).
    Strict: a question not in the attempt, or values its inputs cannot send, raise
    BadAnswer; otherwise such values are dropped as the grader would drop them. Two steps
    of an ordering question in one place raise TwoStepsOnePlace either way: only the
    learner can tell which one they meant.
    """
    offered = _offered(attempt)
    numbers = {qid: number for number, qid in enumerate(offered, start=1)}
    wanted = list(offered) if question_ids is None else list(question_ids)
    if strict and any(int(key[1:]) not in offered for key in values if key[1:].isdigit()):
        raise BadAnswer("unknown_question")
    answers = {}
    for qid in wanted:
        if qid not in offered:
            raise BadAnswer("unknown_question")
        question, choice_ids = offered[qid]
        kind = kind_of(question)
        raw = list(values.get(f"q{qid}", []))
        try:
            kind.refuse(raw, choice_ids)
        except RepeatedPosition as exc:
            raise TwoStepsOnePlace(numbers[qid]) from exc
        if strict:
            try:
                kind.check(raw, choice_ids)
            except BadAnswerValues as exc:
                raise BadAnswer(str(exc)) from exc
        answers[qid] = kind.values_of(kind.parse(raw, choice_ids))
    return answers


def _claim_open(attempt: QuizAttempt, now: datetime) -> None:
    """Lock the attempt's row while it is open, or raise: the submit waits behind a save
    (and a save behind a submit), so no answer lands on an attempt already graded."""
    claimed = db.session.execute(
        update(QuizAttempt)
        .where(QuizAttempt.id == attempt.id, QuizAttempt.status == AttemptStatus.OPEN)
        .values(answers_saved_at=now)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        db.session.refresh(attempt)
        raise AlreadySubmitted("already_submitted")


def save_answers(
    attempt: QuizAttempt, answers: Mapping[int, list[str]], *, now: datetime | None = None
) -> None:
    """Keep the answers on the open attempt (replacing earlier ones for those questions).

    Refused with AlreadySubmitted once submitted, and with TimeIsUp past the time limit.
    """
    now = now or utcnow()
    if is_expired(attempt, now):
        raise TimeIsUp("time_is_up")
    _claim_open(attempt, now)
    if not answers:
        return
    # One statement, whatever the number of answers: new ones are added, earlier ones
    # for the same questions replaced.
    db.session.execute(
        db.insert_replacing(
            SavedAnswer, ("attempt_id", "question_id"), ("answer_values", "saved_at")
        ),
        [
            {"attempt_id": attempt.id, "question_id": qid, "answer_values": kept, "saved_at": now}
            for qid, kept in answers.items()
        ],
    )


def saved_answers(attempt: QuizAttempt) -> dict[int, list[str]]:
    """The answers saved so far on the attempt, per question id."""
    return dict(
        db.session.execute(
            select(SavedAnswer.question_id, SavedAnswer.answer_values).where(
                SavedAnswer.attempt_id == attempt.id
            )
        ).all()
    )


def unanswered_positions(
    attempt: QuizAttempt, saved: Mapping[int, list[str]] | None = None
) -> list[int]:
    """The numbers (1-based, in the attempt's order) of the questions with no saved answer
    (`saved`: the attempt's saved answers, where the caller has them)."""
    saved = saved_answers(attempt) if saved is None else saved
    return [
        number
        for number, (question, _choices) in enumerate(layout_questions(attempt), start=1)
        if not saved.get(question.id)
    ]


def save_before_submit(
    attempt: QuizAttempt, values: Mapping[str, list[str]] | None, *, now: datetime
) -> tuple[list[int], dict[int, list[str]] | None]:
    """Keep the submitted form's answers, if any and in time; return the numbers of the
    questions still unanswered, which the learner is asked about before the attempt is
    graded, and the attempt's saved answers for `submit_attempt`. Nothing to ask once
    the time is up (and then the answers saved in time are read at submit).

    Raises AlreadySubmitted on a submitted attempt.
    """
    if attempt.status != AttemptStatus.OPEN:
        raise AlreadySubmitted("already_submitted")
    if is_expired(attempt, now):
        return [], None
    if values is None:
        # Read without holding the attempt: a save may still land before the submit
        # takes it, so the submit reads them again.
        return unanswered_positions(attempt), None
    # The form holds every question of the attempt, saved while holding it: what it
    # saves is all there is to grade.
    saved = answers_from_form(attempt, values)
    save_answers(attempt, saved, now=now)
    return unanswered_positions(attempt, saved), saved


def submit_attempt(
    attempt: QuizAttempt,
    values: Mapping[str, list[str]] | None = None,
    *,
    now: datetime | None = None,
    saved: Mapping[int, list[str]] | None = None,
) -> QuizAttempt:
    """Grade and close the attempt exactly once; raise AlreadySubmitted on a replay.

    `values` maps form field names ("q<question id>") to the submitted values; they
    replace the saved answers when they arrive in time. What is graded is what is saved:
    after the time limit, only the answers saved before it count. `saved`: the attempt's
    saved answers as the caller just wrote or read them (`save_before_submit`), so they
    are not read again.
    """
    now = now or utcnow()
    if values is not None and not is_expired(attempt, now):
        saved = answers_from_form(attempt, values)
        save_answers(attempt, saved, now=now)
    closed = db.session.execute(
        update(QuizAttempt)
        .where(QuizAttempt.id == attempt.id, QuizAttempt.status == AttemptStatus.OPEN)
        .values(status=AttemptStatus.SUBMITTED, submitted_at=now)
        .execution_options(synchronize_session=False)
    )
    if closed.rowcount != 1:
        db.session.refresh(attempt)
        raise AlreadySubmitted("already_submitted")
    # What the UPDATE wrote, known without reading the row back.
    set_committed_value(attempt, "status", AttemptStatus.SUBMITTED)
    set_committed_value(attempt, "submitted_at", now)
    if saved is None:
        saved = saved_answers(attempt)
    score = max_score = 0.0
    quiz = published().quiz_by_id(attempt.quiz_id) or db.session.get(Quiz, attempt.quiz_id)
    rows, chosen = [], {}
    for question, choices in layout_questions(attempt):
        kind = kind_of(question)
        response = kind.parse(saved.get(question.id, []), [c.id for c in choices])
        fraction = kind.grade(question, response)
        max_score += question.points
        score += question.points * fraction
        rows.append(
            {
                "attempt_id": attempt.id,
                "question_id": question.id,
                "text_response": response.text,
                "score": question.points * fraction,
                "is_correct": fraction >= 1.0,
            }
        )
        chosen[question.id] = kind.answer_choices(response)
    _write_answers(rows, chosen)
    db.session.expire(attempt, ["answers"])
    attempt.score = round(score, 4)
    attempt.max_score = max_score
    # Partial credits summed in floating point can land a hair below a whole number
    # (6.999...); the same tolerance keeps the shown percent and pass/fail in agreement.
    attempt.percent = math.floor(score * 100 / max_score + 1e-9) if max_score else 0
    attempt.passed = max_score > 0 and score * 100 >= quiz.pass_mark * max_score - 1e-9
    # The learner's progress row is learn's to refresh, once per action (check_completion).
    db.session.flush()
    return attempt


def _write_answers(rows: list[dict], chosen: dict[int, list[tuple[int, int | None]]]) -> None:
    """The graded answers in one INSERT (its RETURNING names each answer's id), then the
    choices they ticked in one more: a submit's writes do not grow with its questions."""
    if not rows:
        return
    ids = dict(
        db.session.execute(
            insert(AttemptAnswer).returning(AttemptAnswer.question_id, AttemptAnswer.id),
            rows,
            # The ORM otherwise splits the rows by which values are None, one INSERT each.
            execution_options={"render_nulls": True},
        ).all()
    )
    picked = [
        {"answer_id": ids[question_id], "choice_id": choice_id, "position": place}
        for question_id, pairs in chosen.items()
        for choice_id, place in pairs
    ]
    if picked:
        db.session.execute(insert(AnswerChoice), picked, execution_options={"render_nulls": True})


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
