"""Questions parsed from GIFT, turned into the draft's question records."""

from __future__ import annotations

from dataclasses import dataclass, field

from learnapp.authoring.gift import GiftSkipped, parse_gift
from learnapp.authoring.services import unique_key
from learnapp.content import sources as s
from learnapp.quiz import types as question_types


@dataclass
class GiftImport:
    questions: list[s.QuestionSource] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)
    names: list[str] = field(default_factory=list)
    notes: list[list[str]] = field(default_factory=list)
    skipped: list[GiftSkipped] = field(default_factory=list)


def types_not_in_gift() -> list[question_types.Kind]:
    """The question types GIFT cannot express: the import page says so."""
    return [kind for kind in question_types.KINDS.values() if not kind.in_gift]


def questions_from_gift(text: str, source: s.ModuleSource, language: str) -> GiftImport:
    """Parse GIFT text into questions in one language, with ids unique in the module."""
    parsed = parse_gift(text)
    result = GiftImport(skipped=list(parsed.skipped))
    taken = s.ModuleSource(**{**source.__dict__, "questions": list(source.questions)})
    for item in parsed.questions:
        key = unique_key(taken, item.name or f"gift-{item.line}")
        kind = question_types.kind_named(item.type)
        choices, answers = kind.from_gift(item, language) if kind else ([], [])
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
