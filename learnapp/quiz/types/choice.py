"""Choice questions: one right answer, several right answers, true or false."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement

from learnapp.content import sources as s
from learnapp.ids import parse_id
from learnapp.models import Choice, Question, QuestionType
from learnapp.quiz.types.base import Choices, Kind, Reader, Response

CHOICE_KEYS = {"text", "correct", "feedback"}
TRUEFALSE_FEEDBACK = ("feedback_true", "feedback_false")


def _ids(values: list[str], offered: list[int]) -> list[int]:
    chosen = []
    for value in values:
        # parse_id, not int(): "²" is a digit to str.isdigit yet no number to int().
        choice_id = parse_id(value)
        if choice_id in offered and choice_id not in chosen:
            chosen.append(choice_id)
    return chosen


class _Choices(Kind):
    """Choices written out as a list, some of them ticked as right."""

    file_keys = frozenset({"choices"})
    exclusive_keys = frozenset({"choices"})

    def right_count_problem(self, right: int) -> str | None:
        raise NotImplementedError

    def read(self, reader: Reader, path: Path, raw: dict, line: int) -> tuple[Choices, list[str]]:
        choices: Choices = []
        raw_choices = raw.get("choices")
        if not isinstance(raw_choices, list) or len(raw_choices) < 2:
            reader.problem(
                path, line, f"a {self.name} question needs a list of two or more choices"
            )
            return choices, []
        for raw_choice in raw_choices:
            if not isinstance(raw_choice, dict):
                reader.problem(path, line, "each choice must be a mapping with 'text'")
                continue
            reader.unknown_keys(raw_choice, CHOICE_KEYS, path, "choice")
            correct = raw_choice.get("correct", False)
            if not isinstance(correct, bool):
                reader.problem(
                    path, reader.line_of(raw_choice, "correct"), "'correct' must be true or false"
                )
                correct = False
            choices.append(
                (
                    correct,
                    s.ChoiceText(
                        reader.get_str(raw_choice, "text", path),
                        reader.get_str(raw_choice, "feedback", path, required=False),
                    ),
                )
            )
        problem = self.right_count_problem(sum(1 for c, _t in choices if c))
        if problem:
            reader.problem(path, line, problem)
        return choices, []

    def write(self, question: s.QuestionSource, lang: str, item: dict) -> None:
        choices = []
        for choice in question.choices:
            words = choice.texts[lang]
            entry: dict = {"text": words.text}
            if choice.is_correct:
                entry["correct"] = True
            if words.feedback:
                entry["feedback"] = words.feedback
            choices.append(entry)
        item["choices"] = choices

    def from_form(
        self, form: Any, rows: int, texts: dict[str, s.QuestionText]
    ) -> tuple[list[s.ChoiceSource], list[str]]:
        choices: list[s.ChoiceSource] = []
        for index in range(rows):
            words = {
                lang: s.ChoiceText(
                    (form[f"choice_{index}_{lang}"].data or "").strip(),
                    (form[f"feedback_{index}_{lang}"].data or "").strip(),
                )
                for lang in texts
            }
            if any(w.text for w in words.values()):
                choices.append(
                    s.ChoiceSource(is_correct=form[f"correct_{index}"].data, texts=words)
                )
        problems = []
        right = sum(1 for c in choices if c.is_correct)
        if len(choices) < 2:
            problems.append(_("Give at least two choices."))
        if right == 0:
            problems.append(_("Tick the right answer."))
        if self.max_choices == 1 and right > 1:
            problems.append(_("A question with one right answer cannot have two ticked."))
        return choices, problems

    def fill_form(self, form: Any, question: s.QuestionSource) -> None:
        for index, choice in enumerate(question.choices):
            form[f"correct_{index}"].data = choice.is_correct
            for lang, words in choice.texts.items():
                form[f"choice_{index}_{lang}"].data = words.text
                form[f"feedback_{index}_{lang}"].data = words.feedback

    def from_gift(self, item: Any, language: str) -> tuple[list[s.ChoiceSource], list[str]]:
        return [
            s.ChoiceSource(c.is_correct, {language: s.ChoiceText(c.text, c.feedback)})
            for c in item.choices
        ], []

    def wrong_pick(self) -> ColumnElement[bool] | None:
        return Choice.is_correct.is_(False)


class SingleChoice(_Choices):
    type = QuestionType.SINGLE
    label = _l("One right answer")
    max_choices = 1

    def right_count_problem(self, right: int) -> str | None:
        if right != 1:
            return f"a single-choice question needs exactly one correct choice, it has {right}"
        return None

    def parse(self, values: list[str], offered: list[int]) -> Response:
        return Response(choice_ids=_ids(values, offered)[:1])

    def grade(self, question: Question, response: Response) -> float:
        correct = {c.id for c in question.choices if c.is_correct}
        return 1.0 if len(response.choice_ids) == 1 and response.choice_ids[0] in correct else 0.0


class MultipleAnswer(_Choices):
    """Each right tick earns 1/k of the points (k = right choices); each wrong tick takes
    away 1/w (w = wrong choices), never below zero. So ticking everything earns nothing,
    however many of the choices are right."""

    type = QuestionType.MULTIPLE
    label = _l("Several right answers")

    def right_count_problem(self, right: int) -> str | None:
        if right < 1:
            return "a multiple-answer question needs at least one correct choice"
        return None

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


class TrueFalse(SingleChoice):
    """Stored as two choices, "true" then "false", each with the feedback for a learner
    who answers so."""

    type = QuestionType.TRUEFALSE
    label = _l("True or false")
    file_keys = frozenset({"answer", *TRUEFALSE_FEEDBACK})
    exclusive_keys = frozenset(TRUEFALSE_FEEDBACK)
    shuffles_choices = False

    def read(self, reader: Reader, path: Path, raw: dict, line: int) -> tuple[Choices, list[str]]:
        answer = raw.get("answer")
        if not isinstance(answer, bool):
            reader.problem(
                path, line, "a truefalse question needs 'answer: true' or 'answer: false'"
            )
            answer = True
        feedback = [reader.get_str(raw, key, path, required=False) for key in TRUEFALSE_FEEDBACK]
        return [
            (answer, s.ChoiceText("true", feedback[0])),
            (not answer, s.ChoiceText("false", feedback[1])),
        ], []

    def write(self, question: s.QuestionSource, lang: str, item: dict) -> None:
        item["answer"] = bool(question.choices and question.choices[0].is_correct)
        for key, choice in zip(TRUEFALSE_FEEDBACK, question.choices, strict=False):
            feedback = choice.texts[lang].feedback if lang in choice.texts else ""
            if feedback:
                item[key] = feedback

    def from_form(
        self, form: Any, rows: int, texts: dict[str, s.QuestionText]
    ) -> tuple[list[s.ChoiceSource], list[str]]:
        truth = form.truth.data == "true"
        return [
            s.ChoiceSource(
                answer == truth,
                {
                    lang: s.ChoiceText(word, (form[f"feedback_{word}_{lang}"].data or "").strip())
                    for lang in texts
                },
            )
            for answer, word in ((True, "true"), (False, "false"))
        ], []

    def fill_form(self, form: Any, question: s.QuestionSource) -> None:
        form.truth.data = "true" if question.choices[0].is_correct else "false"
        for answer, choice in zip(("true", "false"), question.choices, strict=False):
            for lang, words in choice.texts.items():
                form[f"feedback_{answer}_{lang}"].data = words.feedback

    def from_gift(self, item: Any, language: str) -> tuple[list[s.ChoiceSource], list[str]]:
        truth = bool(item.truth)
        feedback = [c.feedback for c in item.choices] if len(item.choices) == 2 else ["", ""]
        return [
            s.ChoiceSource(truth, {language: s.ChoiceText("true", feedback[0])}),
            s.ChoiceSource(not truth, {language: s.ChoiceText("false", feedback[1])}),
        ], []
