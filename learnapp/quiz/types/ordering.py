"""Ordering: put the steps of a procedure in order.

The steps are stored as the question's choices, in the right order. A learner gives each
step a place (a select per step, so it works without JavaScript). The score is the share
of the right order's consecutive pairs the learner kept together and in order:
correct pairs / (steps - 1). So with five steps, swapping the first two earns 2/4, and
the last step moved to the start earns 3/4.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement

from learnapp.content import sources as s
from learnapp.models import AnswerChoice, Choice, Question, QuestionType
from learnapp.quiz.types.base import (
    BadAnswerValues,
    Choices,
    Kind,
    Reader,
    RepeatedPosition,
    Response,
)

MIN_STEPS = 3
MAX_STEPS = 8
_VALUE = re.compile(r"([0-9]{1,12}):([0-9]{1,2})")


def positions_of(values: list[str]) -> dict[int, int]:
    """The places the form values give, by choice id; unreadable values are left out."""
    placed: dict[int, int] = {}
    for value in values:
        match = _VALUE.fullmatch(value or "")
        if match:
            placed.setdefault(int(match.group(1)), int(match.group(2)))
    return placed


class Ordering(Kind):
    type = QuestionType.ORDERING
    label = _l("Put steps in order")
    file_keys = frozenset({"choices"})
    exclusive_keys = frozenset({"choices"})
    in_gift = False  # GIFT has no ordering type

    def positions_of(self, values: list[str]) -> dict[int, int]:
        return positions_of(values)

    def given_order(self, answer: Any, choices: list[Choice]) -> list[tuple[Choice, int]]:
        """The steps as a graded answer placed them, first place first (for the result)."""
        if answer is None:
            return []
        by_id = {c.id: c for c in choices}
        placed = [(by_id[r.choice_id], r.position) for r in answer.chosen if r.choice_id in by_id]
        return sorted((p for p in placed if p[1] is not None), key=lambda p: p[1])

    # --- course files ---

    def read(self, reader: Reader, path: Path, raw: dict, line: int) -> tuple[Choices, list[str]]:
        """The steps are the question's `choices`, written in the right order."""
        steps = raw.get("choices")
        if not isinstance(steps, list) or not MIN_STEPS <= len(steps) <= MAX_STEPS:
            reader.problem(
                path,
                line,
                f"an ordering question needs a list of {MIN_STEPS} to {MAX_STEPS} choices: "
                "its steps, in the right order",
            )
            return [], []
        choices: Choices = []
        for step in steps:
            if not isinstance(step, dict):
                reader.problem(path, line, "each choice must be a mapping with 'text'")
                continue
            reader.unknown_keys(step, {"text"}, path, "step of an ordering question")
            choices.append((True, s.ChoiceText(reader.get_str(step, "text", path), "")))
        return choices, []

    def write(self, question: s.QuestionSource, lang: str, item: dict) -> None:
        item["choices"] = [
            {"text": c.texts[lang].text} for c in question.choices if lang in c.texts
        ]

    # --- editor: the choice rows hold the steps, in the right order ---

    def from_form(
        self, form: Any, rows: int, texts: dict[str, s.QuestionText]
    ) -> tuple[list[s.ChoiceSource], list[str]]:
        steps = []
        for index in range(rows):
            words = {
                lang: s.ChoiceText((form[f"choice_{index}_{lang}"].data or "").strip(), "")
                for lang in texts
            }
            if any(w.text for w in words.values()):
                steps.append(s.ChoiceSource(is_correct=True, texts=words))
        problems = []
        if not MIN_STEPS <= len(steps) <= MAX_STEPS:
            problems.append(
                _(
                    "Give from %(low)s to %(high)s steps, in the right order.",
                    low=MIN_STEPS,
                    high=MAX_STEPS,
                )
            )
        return steps, problems

    def fill_form(self, form: Any, question: s.QuestionSource) -> None:
        for index, choice in enumerate(question.choices):
            for lang, words in choice.texts.items():
                form[f"choice_{index}_{lang}"].data = words.text

    # --- attempts ---

    def layout(self, choice_ids: list[int], rng: Any) -> list[int]:
        """Shuffled, and never already in the right order: that would give the answer."""
        ids = list(choice_ids)
        if len(set(ids)) < 2:
            return ids
        while ids == choice_ids:
            rng.shuffle(ids)
        return ids

    def parse(self, values: list[str], offered: list[int]) -> Response:
        placed: dict[int, int] = {}
        for cid, place in positions_of(values).items():
            if cid in offered and 1 <= place <= len(offered) and place not in placed.values():
                placed[cid] = place
        ordered = dict(sorted(placed.items(), key=lambda item: item[1]))
        return Response(choice_ids=list(ordered), positions=ordered)

    def refuse(self, values: list[str], offered: list[int]) -> None:
        places = [p for cid, p in positions_of(values).items() if cid in offered]
        if len(set(places)) != len(places):
            raise RepeatedPosition("repeated_position")

    def check(self, values: list[str], offered: list[int]) -> None:
        given = [v for v in values if v]
        if len(given) > len(offered):
            raise BadAnswerValues("too_many")
        seen = set()
        for value in given:
            match = _VALUE.fullmatch(value)
            if match is None:
                raise BadAnswerValues("not_offered")
            cid, place = int(match.group(1)), int(match.group(2))
            if cid not in offered or not 1 <= place <= len(offered) or cid in seen:
                raise BadAnswerValues("not_offered")
            seen.add(cid)
        self.refuse(given, offered)

    def values_of(self, response: Response) -> list[str]:
        return [f"{cid}:{place}" for cid, place in response.positions.items()]

    def is_blank(self, response: Response) -> bool:
        return not response.positions

    def grade(self, question: Question, response: Response) -> float:
        steps = [c.id for c in sorted(question.choices, key=lambda c: c.position)]
        if len(steps) < 2:
            return 0.0
        place = response.positions
        kept = sum(
            1
            for first, second in zip(steps, steps[1:], strict=False)
            if first in place and second in place and place[second] == place[first] + 1
        )
        return kept / (len(steps) - 1)

    def answer_choices(self, response: Response) -> list[tuple[int, int | None]]:
        return list(response.positions.items())

    # --- statistics: the step most often put somewhere other than its own place ---

    def wrong_pick(self) -> ColumnElement[bool] | None:
        return AnswerChoice.position != Choice.position + 1
