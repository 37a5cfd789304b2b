"""Question types: one small class each, with one interface (parse, grade, template).

A new type is one class here and its input template in templates/quiz/kinds/.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import ClassVar

from learnapp.ids import parse_id
from learnapp.models import MatchMode, Question, QuestionType


@dataclass
class Response:
    """What a learner answered: ticked choice ids and/or typed text."""

    choice_ids: list[int] = field(default_factory=list)
    text: str | None = None


def normalise(text: str, mode: MatchMode) -> str:
    """Bring an answer to the form it is compared in, by the question's match setting."""
    text = unicodedata.normalize("NFC", text or "").strip()
    if mode == MatchMode.EXACT:
        return text
    text = re.sub(r"\s+", " ", text).casefold()
    if mode == MatchMode.LOOSE:
        # "Tin gia" equals "tin giả": drop the tone and vowel marks, and đ is d.
        text = text.replace("đ", "d")
        decomposed = unicodedata.normalize("NFD", text)
        text = "".join(c for c in decomposed if not unicodedata.combining(c))
    return text


class BadAnswerValues(ValueError):
    """Form values no input of the question could have sent."""


class Kind:
    type: ClassVar[QuestionType]
    template: ClassVar[str]
    shuffles_choices: ClassVar[bool] = True
    max_choices: ClassVar[int | None] = None

    def parse(self, values: list[str], offered: list[int]) -> Response:
        raise NotImplementedError

    def check(self, values: list[str], offered: list[int]) -> None:
        """Refuse values the question's inputs could not have sent (strict, for saves)."""
        if self.max_choices is not None and len(values) > self.max_choices:
            raise BadAnswerValues("too_many")
        if len(set(values)) != len(values):
            raise BadAnswerValues("repeated")
        for value in values:
            if not value.isascii() or not value.isdigit() or int(value) not in offered:
                raise BadAnswerValues("not_offered")

    def values_of(self, response: Response) -> list[str]:
        """The form values that give this response: what a saved answer keeps."""
        return [str(cid) for cid in response.choice_ids]

    def is_blank(self, response: Response) -> bool:
        return not response.choice_ids and not response.text

    def grade(self, question: Question, response: Response) -> float:
        """The share of the question's points earned, from 0 to 1."""
        raise NotImplementedError


def _ids(values: list[str], offered: list[int]) -> list[int]:
    chosen = []
    for value in values:
        # parse_id, not int(): "²" is a digit to str.isdigit yet no number to int().
        choice_id = parse_id(value)
        if choice_id in offered and choice_id not in chosen:
            chosen.append(choice_id)
    return chosen


class SingleChoice(Kind):
    type = QuestionType.SINGLE
    template = "quiz/kinds/single.html"
    max_choices = 1

    def parse(self, values: list[str], offered: list[int]) -> Response:
        return Response(choice_ids=_ids(values, offered)[:1])

    def grade(self, question: Question, response: Response) -> float:
        correct = {c.id for c in question.choices if c.is_correct}
        return 1.0 if len(response.choice_ids) == 1 and response.choice_ids[0] in correct else 0.0


class TrueFalse(SingleChoice):
    type = QuestionType.TRUEFALSE
    template = "quiz/kinds/truefalse.html"
    shuffles_choices = False


class MultipleAnswer(Kind):
    """Each right tick earns 1/k of the points (k = right choices); each wrong tick takes
    away 1/w (w = wrong choices), never below zero. So ticking everything earns nothing,
    however many of the choices are right."""

    type = QuestionType.MULTIPLE
    template = "quiz/kinds/multiple.html"

    def parse(self, values: list[str], offered: list[int]) -> Response:
        return Response(choice_ids=_ids(values, offered))

    def grade(self, question: Question, response: Response) -> float:
        correct = {c.id for c in question.choices if c.is_correct}
        if not correct:
            return 0.0
        ticked = set(response.choice_ids)
        wrong = len(question.choices) - len(correct)
        earned = len(ticked & correct) / len(correct)
        if wrong:
            earned -= len(ticked - correct) / wrong
        return max(0.0, earned)


class ShortAnswer(Kind):
    type = QuestionType.SHORT
    template = "quiz/kinds/short.html"
    shuffles_choices = False
    max_length = 200

    def parse(self, values: list[str], offered: list[int]) -> Response:
        text = (values[0] if values else "").strip()[: self.max_length]
        return Response(text=text)

    def check(self, values: list[str], offered: list[int]) -> None:
        if len(values) > 1:
            raise BadAnswerValues("too_many")
        text = values[0] if values else ""
        if len(text) > self.max_length:
            raise BadAnswerValues("too_long")
        if any(unicodedata.category(c) == "Cc" for c in text):
            raise BadAnswerValues("control_character")

    def values_of(self, response: Response) -> list[str]:
        return [response.text] if response.text else []

    def grade(self, question: Question, response: Response) -> float:
        if not response.text:
            return 0.0
        given = normalise(response.text, question.match_mode)
        # Any language's accepted answers count: a learner may type either.
        accepted = {
            normalise(answer, question.match_mode)
            for text in question.texts
            for answer in text.accepted_answers
        }
        return 1.0 if given in accepted else 0.0


KINDS: dict[QuestionType, Kind] = {
    kind.type: kind for kind in (SingleChoice(), TrueFalse(), MultipleAnswer(), ShortAnswer())
}


def kind_of(question: Question) -> Kind:
    return KINDS[question.type]
