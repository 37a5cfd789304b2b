"""Question statistics for trainers: which questions are too easy or too hard, which ones
tell learners who know the topic from those who do not, and which wrong answer draws
people most; and per module, the best scores and how many tries passing takes.

Only submitted attempts count, and all of them: a learner's retakes too, not only the
first try (Moodle can be set either way). An attempt still open counts nowhere; one
closed because its time ran out counts as submitted, with no points.

Per question
  answered: how many submitted attempts had the question (a question left blank counts,
    with no points).
  facility: the average score on the question as a share of its points, from 0 to 1, the
    "facility index" of Moodle's quiz statistics. 0.9 means nine tenths of the points were
    earned: an easy question; 0.2 a hard one. None while nobody has had the question.
  discrimination: the "discrimination index" of Moodle's quiz statistics, from -1 to 1.
    Do the learners who do well on this question also do well on the rest of the quiz?
    It is the correlation (Pearson's) between the score on this question and the score
    on the rest of the same attempt (the attempt's score minus this question's), over
    the attempts that had the question. Near 1: strong learners get it right and weak
    ones do not, the question separates them well (a common rule of thumb: 0.3 and above
    is good). Near 0: it tells them apart no better than chance. Below 0: strong learners
    get it wrong more often than weak ones; check the wording and the answer key. None
    when fewer than two attempts had it, or when everyone scored the same on it or on
    the rest of the quiz, since then there is nothing to compare.
  most chosen wrong answer: the wrong choice ticked most often, and how often (ties go
    to the choice listed first); for an ordering question, the step most often put in
    a place other than its own. It often points at a misunderstanding the lesson
    should address. None when no wrong choice was ever ticked.

Per module (its quiz)
  attempts: submitted attempts; learners: people with at least one.
  average best percent: each learner's best attempt, averaged over learners, so one
    learner's many tries weigh no more than another's single one.
  passed learners: learners with at least one passed attempt.
  average attempts to pass: for each learner who passed, how many attempts they had
    submitted up to and including their first passed one, averaged over those learners.

Too few answers
  Below a minimum number of answers (a site setting, 30 unless a province admin changes
  it) a question shows "too few answers" instead of its facility and discrimination.

Every figure is aggregated in SQL: question_stats runs one statement and module_stats one,
however many attempts there are. The discrimination index is finished in Python from
six sums per question (n, sum x, sum y, sum xy, sum x^2, sum y^2), so no answer row is
ever loaded.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Select, and_, case, func, or_, select

from learnapp import db
from learnapp.models import (
    AnswerChoice,
    AttemptAnswer,
    AttemptStatus,
    Choice,
    Question,
    QuizAttempt,
)
from learnapp.quiz.types import KINDS

# A variance this small next to the sum of squares is floating-point noise, not spread:
# scores such as 1/3 of a point do not add up exactly.
_NOISE = 1e-9


@dataclass
class QuestionStat:
    question_id: int
    key: str
    position: int
    answered: int
    facility: float | None  # mean share of the question's points earned, 0..1
    discrimination: float | None  # Pearson r with the rest of the attempt, -1..1
    top_wrong_choice_id: int | None
    top_wrong_count: int
    too_few: bool = False  # fewer answers than the minimum: no facility or discrimination


@dataclass
class ModuleStat:
    attempts: int
    learners: int
    average_best_percent: float | None
    passed_learners: int
    average_attempts_to_pass: float | None


def _submitted(quiz_id: int) -> tuple[ColumnElement[bool], ColumnElement[bool]]:
    return QuizAttempt.quiz_id == quiz_id, QuizAttempt.status == AttemptStatus.SUBMITTED


def answer_sums(quiz_id: int) -> Select:
    """Per question, the six sums of x (its score) and y (rest of the attempt's score)."""
    x = AttemptAnswer.score
    y = QuizAttempt.score - AttemptAnswer.score
    return (
        select(
            AttemptAnswer.question_id,
            func.count().label("n"),
            func.sum(x).label("sx"),
            func.sum(y).label("sy"),
            func.sum(x * y).label("sxy"),
            func.sum(x * x).label("sxx"),
            func.sum(y * y).label("syy"),
        )
        .join(QuizAttempt, QuizAttempt.id == AttemptAnswer.attempt_id)
        .where(
            *_submitted(quiz_id),
            # Implied by the attempt's quiz, but lets the question_id index read this
            # quiz's answers only rather than every quiz's.
            AttemptAnswer.question_id.in_(select(Question.id).where(Question.quiz_id == quiz_id)),
        )
        .group_by(AttemptAnswer.question_id)
    )


def _wrong_picks() -> ColumnElement[bool]:
    """An answer_choice row that is a mistake, by its question's type: a wrong choice
    ticked, a step put in another place than its own, ..."""
    picks = [
        and_(Question.type == kind.type, condition)
        for kind in KINDS.values()
        if (condition := kind.wrong_pick()) is not None
    ]
    return or_(*picks)


def top_wrong_choices(quiz_id: int) -> Select:
    """Per question, its most often wrongly picked choice and the count; ties to the
    lowest position. A wrongly picked choice is what the question's type says: for a
    choice question a wrong choice ticked, for an ordering question a step put in a
    place other than its own.

    Counted from the answer_choice(choice_id) index alone, without joining each tick to
    its attempt: answers are written only by submit_attempt, as it closes the attempt,
    so every tick already belongs to a submitted attempt. (Joining 2 million ticks to
    their attempts to check that again would make this the slowest part by far.)
    """
    ticks = (
        select(
            Choice.question_id,
            Choice.id.label("choice_id"),
            Choice.position,
            func.count().label("ticks"),
        )
        .join(Question, Question.id == Choice.question_id)
        .join(AnswerChoice, AnswerChoice.choice_id == Choice.id)
        .where(Question.quiz_id == quiz_id, _wrong_picks())
        .group_by(Choice.question_id, Choice.id, Choice.position)
        .subquery("ticks")
    )
    ranked = select(
        ticks,
        func.row_number()
        .over(
            partition_by=ticks.c.question_id,
            order_by=(ticks.c.ticks.desc(), ticks.c.position, ticks.c.choice_id),
        )
        .label("rank"),
    ).subquery("ranked")
    return select(ranked.c.question_id, ranked.c.choice_id, ranked.c.ticks).where(
        ranked.c.rank == 1
    )


def question_rows(quiz_id: int) -> Select:
    """The quiz's questions in order, each with its sums and its top wrong choice.

    Retired questions are listed only when some attempt had them.
    """
    sums = answer_sums(quiz_id).subquery("sums")
    wrong = top_wrong_choices(quiz_id).subquery("wrong")
    return (
        select(
            Question.id,
            Question.key,
            Question.position,
            Question.points,
            sums.c.n,
            sums.c.sx,
            sums.c.sy,
            sums.c.sxy,
            sums.c.sxx,
            sums.c.syy,
            wrong.c.choice_id,
            wrong.c.ticks,
        )
        .outerjoin(sums, sums.c.question_id == Question.id)
        .outerjoin(wrong, wrong.c.question_id == Question.id)
        .where(
            Question.quiz_id == quiz_id,
            or_(Question.is_retired.is_(False), sums.c.n.is_not(None)),
        )
        .order_by(Question.position, Question.id)
    )


def pearson(n: int, sx: float, sy: float, sxy: float, sxx: float, syy: float) -> float | None:
    """Pearson's r from the six sums; None for fewer than 2 pairs or no spread."""
    if n < 2:
        return None
    spread_x = n * sxx - sx * sx
    spread_y = n * syy - sy * sy
    if spread_x <= _NOISE * n * sxx or spread_y <= _NOISE * n * syy:
        return None
    r = (n * sxy - sx * sy) / math.sqrt(spread_x * spread_y)
    return max(-1.0, min(1.0, r))


def question_stats(quiz_id: int, min_answers: int = 0) -> list[QuestionStat]:
    """Facility, discrimination and most chosen wrong answer of each question, in order.

    A question answered in fewer than `min_answers` attempts gets neither figure, only
    `too_few`: from a handful of answers they swing wildly (two answers can give -1.00).
    """
    stats = []
    for row in db.session.execute(question_rows(quiz_id)):
        n = row.n or 0
        facility = discrimination = None
        too_few = n < min_answers
        if n and not too_few:
            if row.points > 0:
                facility = float(row.sx) / n / row.points
            discrimination = pearson(
                n, *(float(v) for v in (row.sx, row.sy, row.sxy, row.sxx, row.syy))
            )
        stats.append(
            QuestionStat(
                question_id=row.id,
                key=row.key,
                position=row.position,
                answered=n,
                facility=facility,
                discrimination=discrimination,
                top_wrong_choice_id=row.choice_id,
                top_wrong_count=row.ticks or 0,
                too_few=too_few,
            )
        )
    return stats


def learner_rows(quiz_id: int) -> Select:
    """Per learner: submitted attempts, best percent, and the number of the first passed
    attempt in submission order (NULL if none passed)."""
    numbered = (
        select(
            QuizAttempt.user_id,
            QuizAttempt.percent,
            QuizAttempt.passed,
            func.row_number()
            .over(
                partition_by=QuizAttempt.user_id,
                order_by=(QuizAttempt.submitted_at, QuizAttempt.id),
            )
            .label("number"),
        )
        .where(*_submitted(quiz_id))
        .subquery("numbered")
    )
    return select(
        numbered.c.user_id,
        func.count().label("attempts"),
        func.max(numbered.c.percent).label("best"),
        func.min(case((numbered.c.passed, numbered.c.number))).label("first_pass"),
    ).group_by(numbered.c.user_id)


def module_totals(quiz_id: int) -> Select:
    """One row: attempts, learners, average best, learners passed, average attempts to pass."""
    per_learner = learner_rows(quiz_id).subquery("per_learner")
    return select(
        func.coalesce(func.sum(per_learner.c.attempts), 0).label("attempts"),
        func.count().label("learners"),
        func.avg(per_learner.c.best).label("average_best"),
        func.count(per_learner.c.first_pass).label("passed"),
        func.avg(per_learner.c.first_pass).label("average_to_pass"),
    )


def module_stats(quiz_id: int) -> ModuleStat:
    """Attempts, learners, average best percent and attempts needed to pass, for a quiz."""
    row = db.session.execute(module_totals(quiz_id)).one()
    return ModuleStat(
        attempts=int(row.attempts),
        learners=int(row.learners),
        average_best_percent=None if row.average_best is None else float(row.average_best),
        passed_learners=int(row.passed),
        average_attempts_to_pass=(
            None if row.average_to_pass is None else float(row.average_to_pass)
        ),
    )
