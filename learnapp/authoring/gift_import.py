"""Questions parsed from GIFT, turned into the draft's question records."""

from __future__ import annotations

from dataclasses import dataclass, field

from learnapp.authoring.gift import GiftSkipped, parse_gift
from learnapp.authoring.services import unique_key
from learnapp.content import sources as s


@dataclass
class GiftImport:
    questions: list[s.QuestionSource] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)
    names: list[str] = field(default_factory=list)
    notes: list[list[str]] = field(default_factory=list)
    skipped: list[GiftSkipped] = field(default_factory=list)


def questions_from_gift(text: str, source: s.ModuleSource, language: str) -> GiftImport:
    """Parse GIFT text into questions in one language, with ids unique in the module."""
    parsed = parse_gift(text)
    result = GiftImport(skipped=list(parsed.skipped))
    taken = s.ModuleSource(**{**source.__dict__, "questions": list(source.questions)})
    for item in parsed.questions:
        key = unique_key(taken, item.name or f"gift-{item.line}")
        choices: list[s.ChoiceSource] = []
        answers: list[str] = []
        if item.type in ("single", "multiple"):
            choices = [
                s.ChoiceSource(c.is_correct, {language: s.ChoiceText(c.text, c.feedback)})
                for c in item.choices
            ]
        elif item.type == "truefalse":
            truth = bool(item.truth)
            feedback = [c.feedback for c in item.choices] if len(item.choices) == 2 else ["", ""]
            choices = [
                s.ChoiceSource(truth, {language: s.ChoiceText("true", feedback[0])}),
                s.ChoiceSource(not truth, {language: s.ChoiceText("false", feedback[1])}),
            ]
        else:
            answers = list(item.answers)
        question = s.QuestionSource(
            key=key,
            type=item.type,
            points=1,
            match="loose",
            position=0,
            choices=choices,
            texts={language: s.QuestionText(item.text, item.explanation, answers)},
        )
        taken.questions.append(question)
        result.questions.append(question)
        result.lines.append(item.line)
        result.names.append(item.name)
        result.notes.append(list(getattr(item, "notes", [])))
    return result
