"""The registry of question types: one class per type, looked up by the question's type.

A new type is one module here, one line below and its templates under
templates/quiz/types/<name>/ (take, result, preview, key).
"""

from __future__ import annotations

from learnapp.models import Question, QuestionType
from learnapp.quiz.types.base import (
    BadAnswerValues,
    Kind,
    RepeatedPosition,
    Response,
    normalise,
)
from learnapp.quiz.types.choice import MultipleAnswer, SingleChoice, TrueFalse
from learnapp.quiz.types.ordering import Ordering
from learnapp.quiz.types.short import ShortAnswer

KINDS: dict[QuestionType, Kind] = {
    kind.type: kind
    for kind in (SingleChoice(), MultipleAnswer(), TrueFalse(), ShortAnswer(), Ordering())
}


def kind_of(question: Question) -> Kind:
    return KINDS[question.type]


def kind_named(name: str) -> Kind | None:
    """The type a course file or form names ("single", ...), or None if there is none."""
    try:
        return KINDS[QuestionType(name)]
    except ValueError:
        return None


def names() -> list[str]:
    return [kind.name for kind in KINDS.values()]


__all__ = [
    "KINDS",
    "BadAnswerValues",
    "Kind",
    "RepeatedPosition",
    "Response",
    "kind_named",
    "kind_of",
    "names",
    "normalise",
]
