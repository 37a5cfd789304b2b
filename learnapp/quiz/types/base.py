"""What every question type answers to: one class per type holds its file format, its
editor binding, its GIFT mapping, its grading and its page partials.

Loader, writer, editor, GIFT import, preview, grading and statistics ask the type
(`kind_of(question)` or `kind_named("single")`) instead of testing the type's name.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Protocol

from sqlalchemy import ColumnElement

from learnapp.content import sources as s
from learnapp.models import MatchMode, Question, QuestionType


@dataclass
class Response:
    """What a learner answered: ticked choice ids, typed text, or a place per step."""

    choice_ids: list[int] = field(default_factory=list)
    text: str | None = None
    # Ordering: choice id -> the place (1-based) the learner gave that step.
    positions: dict[int, int] = field(default_factory=dict)


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


class RepeatedPosition(BadAnswerValues):
    """Two steps of an ordering question were given the same place."""


class Reader(Protocol):
    """The course-file reader's helpers that record a problem instead of raising."""

    def problem(self, path: Path, line: int, message: str) -> None: ...
    def get_str(self, data: dict, key: str, path: Path, *, required: bool = True) -> str: ...
    def unknown_keys(self, data: dict, allowed: set[str], path: Path, what: str) -> None: ...
    def line_of(self, data: dict, key: str | None = None) -> int: ...


Choices = list[tuple[bool, s.ChoiceText]]


class Kind:
    """One question type. Subclasses set the class attributes and override what differs."""

    type: ClassVar[QuestionType]
    label: ClassVar[Any]  # lazy text for the editor's type list
    # Keys of a quiz.yml question that this type reads, and those no other type may use.
    file_keys: ClassVar[frozenset[str]] = frozenset()
    exclusive_keys: ClassVar[frozenset[str]] = frozenset()
    shuffles_choices: ClassVar[bool] = True
    max_choices: ClassVar[int | None] = None
    in_gift: ClassVar[bool] = True  # GIFT can express it

    @property
    def name(self) -> str:
        return self.type.value

    # --- templates: quiz/types/<name>/{take,result,preview,key}.html ---

    @property
    def take_template(self) -> str:
        return f"quiz/types/{self.name}/take.html"

    @property
    def result_template(self) -> str:
        return f"quiz/types/{self.name}/result.html"

    @property
    def preview_template(self) -> str:
        """The question as the editor's preview shows it to a learner (inputs disabled)."""
        return f"quiz/types/{self.name}/preview.html"

    @property
    def key_template(self) -> str:
        """The right answer, for the trainer's eyes only."""
        return f"quiz/types/{self.name}/key.html"

    # --- course files ---

    def read(self, reader: Reader, path: Path, raw: dict, line: int) -> tuple[Choices, list[str]]:
        """The type's own keys of a quiz.yml question: (choices, accepted answers)."""
        return [], []

    def write(self, question: s.QuestionSource, lang: str, item: dict) -> None:
        """Add the type's own keys to a quiz.yml question, in the order `read` expects."""

    def complete_in(self, question: s.QuestionSource, lang: str) -> bool:
        """Whether the type's own parts exist in lang (text and explanation are checked
        by the caller)."""
        return all(
            lang in choice.texts and choice.texts[lang].text.strip() for choice in question.choices
        )

    # --- editor ---

    def from_form(
        self, form: Any, rows: int, texts: dict[str, s.QuestionText]
    ) -> tuple[list[s.ChoiceSource], list[str]]:
        """The choices the editor form describes, and what is wrong with them."""
        return [], []

    def fill_form(self, form: Any, question: s.QuestionSource) -> None:
        """Put the type's own parts of a question into the editor form."""

    # --- GIFT ---

    def from_gift(self, item: Any, language: str) -> tuple[list[s.ChoiceSource], list[str]]:
        """A parsed GIFT question's (choices, accepted answers)."""
        return [], []

    # --- attempts ---

    def layout(self, choice_ids: list[int], rng: Any) -> list[int]:
        """The order the choices are shown in for one attempt."""
        ids = list(choice_ids)
        if self.shuffles_choices:
            rng.shuffle(ids)
        return ids

    def parse(self, values: list[str], offered: list[int]) -> Response:
        raise NotImplementedError

    def refuse(self, values: list[str], offered: list[int]) -> None:
        """Raise for values that must send the learner back to the quiz even on submit
        (not merely be dropped). Most types have none."""

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

    def answer_choices(self, response: Response) -> list[tuple[int, int | None]]:
        """The rows kept for a graded answer: (choice id, place given or None)."""
        return [(cid, None) for cid in response.choice_ids]

    # --- statistics ---

    def wrong_pick(self) -> ColumnElement[bool] | None:
        """SQL over answer_choice joined to choice: the kept row is a mistake (for "most
        chosen wrong answer"); None when the type keeps no rows to count."""
        return None
