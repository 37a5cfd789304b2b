"""Quiz pools that give their answers away by length.

A learner who has not read the lessons can still pass a quiz whose right answers are
the longest choices: authors tend to qualify the right answer and keep the wrong ones
short. These checks run on a module's pool, one language at a time (a translation can
be biased where the original is not).
"""

from __future__ import annotations

from dataclasses import dataclass

from learnapp.content import sources as s

# More than this share of single-choice questions keyed on the longest choice is a tell.
LONGEST_SHARE_LIMIT = 0.40
# A right choice more than this many times as long as every other one is a tell by itself.
LENGTH_RATIO_LIMIT = 2.0
LONGEST = "longest"
LONG_RIGHT = "long_right"


@dataclass(frozen=True)
class BiasWarning:
    module: str
    language: str
    kind: str  # LONGEST or LONG_RIGHT
    questions: tuple[str, ...]
    share: float = 0.0  # for LONGEST: keyed-on-longest questions / single-choice questions

    def __str__(self) -> str:
        names = ", ".join(self.questions)
        if self.kind == LONGEST:
            return (
                f"{self.module} ({self.language}): the right answer is the longest choice in "
                f"{round(self.share * 100)}% of single-choice questions (more than "
                f"{round(LONGEST_SHARE_LIMIT * 100)}%): {names}"
            )
        return (
            f"{self.module} ({self.language}): a right choice is more than twice as long as "
            f"every other choice: {names}"
        )


def _lengths(question: s.QuestionSource, language: str) -> list[tuple[bool, int]] | None:
    texts = [c.texts.get(language) for c in question.choices]
    if any(t is None for t in texts):
        return None
    return [
        (c.is_correct, len(t.text.strip())) for c, t in zip(question.choices, texts, strict=True)
    ]


def right_is_longest(question: s.QuestionSource, language: str) -> bool:
    """The (single) right choice is at least as long as every other choice.

    A tie counts: a learner picking "the longest" then has a fair chance of the key.
    """
    lengths = _lengths(question, language)
    if not lengths or len(lengths) < 2:
        return False
    right = [n for correct, n in lengths if correct]
    wrong = [n for correct, n in lengths if not correct]
    return bool(right and wrong) and max(right) >= max(wrong)


def right_far_longer(question: s.QuestionSource, language: str) -> bool:
    """Some right choice is more than twice as long as every other choice."""
    lengths = _lengths(question, language)
    if not lengths or len(lengths) < 2:
        return False
    for index, (correct, n) in enumerate(lengths):
        others = [m for i, (_c, m) in enumerate(lengths) if i != index]
        if correct and n > LENGTH_RATIO_LIMIT * max(others):
            return True
    return False


def module_warnings(module: s.ModuleSource) -> list[BiasWarning]:
    """The length tells of one module's pool, per language."""
    languages = sorted({lang for q in module.questions for lang in q.texts})
    warnings = []
    for lang in languages:
        singles = [q for q in module.questions if q.type == "single" and lang in q.texts]
        longest = [q.key for q in singles if right_is_longest(q, lang)]
        if singles and len(longest) / len(singles) > LONGEST_SHARE_LIMIT:
            warnings.append(
                BiasWarning(module.slug, lang, LONGEST, tuple(longest), len(longest) / len(singles))
            )
        far = [
            q.key
            for q in module.questions
            if q.type in ("single", "multiple") and lang in q.texts and right_far_longer(q, lang)
        ]
        if far:
            warnings.append(BiasWarning(module.slug, lang, LONG_RIGHT, tuple(far)))
    return warnings


def course_warnings(modules: list[s.ModuleSource]) -> list[BiasWarning]:
    return [w for module in modules for w in module_warnings(module)]
