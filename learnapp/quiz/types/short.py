"""Short typed answer: what the learner types is compared with the accepted answers."""

from __future__ import annotations

import unicodedata
from pathlib import Path
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from learnapp.content import sources as s
from learnapp.models import Question, QuestionType
from learnapp.quiz.types.base import BadAnswerValues, Choices, Kind, Reader, Response, normalise


class ShortAnswer(Kind):
    type = QuestionType.SHORT
    label = _l("Short typed answer")
    file_keys = frozenset({"answers"})
    shuffles_choices = False
    max_length = 200

    def read(self, reader: Reader, path: Path, raw: dict, line: int) -> tuple[Choices, list[str]]:
        raw_answers = raw.get("answers")
        if not isinstance(raw_answers, list) or not raw_answers:
            reader.problem(path, line, "a short question needs a list of accepted 'answers'")
            return [], []
        # A bare "-" in the list is None, which str() would turn into the answer "None".
        answers = [str(a).strip() for a in raw_answers if a is not None and str(a).strip()]
        if len(answers) != len(raw_answers):
            reader.problem(path, line, "an accepted answer is empty")
        return [], answers

    def write(self, question: s.QuestionSource, lang: str, item: dict) -> None:
        item["answers"] = list(question.texts[lang].answers)
        item["match"] = question.match

    def complete_in(self, question: s.QuestionSource, lang: str) -> bool:
        return any(a.strip() for a in question.texts[lang].answers)

    def from_form(
        self, form: Any, rows: int, texts: dict[str, s.QuestionText]
    ) -> tuple[list[s.ChoiceSource], list[str]]:
        if texts and not any(t.answers for t in texts.values()):
            return [], [_("Give at least one accepted answer.")]
        return [], []

    def from_gift(self, item: Any, language: str) -> tuple[list[s.ChoiceSource], list[str]]:
        return [], list(item.answers)

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
