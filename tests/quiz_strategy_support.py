"""Blind strategies against a quiz pool, computed exactly.

The quiz engine (learnapp/quiz/services.py) draws `draw` questions uniformly from the
pool and shuffles the choices of the kinds that shuffle; learnapp/quiz/types/ grades.
For each strategy this works out every question's score under every order of its
choices, then the exact distribution of an attempt's score over all draws, so the pass
probability is exact, not sampled.
"""

from __future__ import annotations

import itertools
import math
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from types import SimpleNamespace

from learnapp.content import sources as s
from learnapp.models import QuestionType
from learnapp.quiz.types import KINDS

# The labels the take page shows for a true/false question (translations of "True",
# "False"): a learner picking "the longest" sees these.
TRUEFALSE_LABELS = {"vi": ("Đúng", "Sai"), "en": ("True", "False")}

# A strategy sees the question's type, its choices in shown order as (id, text) and the
# language; it returns the ids it ticks (empty: left blank).
Strategy = Callable[[str, list[tuple[int, str]], str], list[int]]


def _by_length(choices: list[tuple[int, str]], longest: bool) -> list[int]:
    if not choices:
        return []
    pick = max if longest else min
    target = pick(len(text) for _id, text in choices)
    # The first one shown of equal length: shuffling makes that a fair pick among them.
    return [next(cid for cid, text in choices if len(text) == target)]


def longest(qtype: str, choices: list[tuple[int, str]], lang: str) -> list[int]:
    return [] if qtype == "short" else _by_length(choices, True)


def shortest(qtype: str, choices: list[tuple[int, str]], lang: str) -> list[int]:
    return [] if qtype == "short" else _by_length(choices, False)


def by_length_rank(rank: int) -> Strategy:
    """The rank-th longest choice (0: the longest); a pool whose right answers are never
    the longest nor the shortest must not give itself away to "the second longest"."""

    def strategy(qtype: str, choices: list[tuple[int, str]], lang: str) -> list[int]:
        if qtype == "short" or not choices:
            return []
        # sorted() is stable: among equal lengths the first shown wins, a fair pick.
        ranked = sorted(choices, key=lambda choice: -len(choice[1]))
        return [ranked[min(rank, len(ranked) - 1)][0]]

    return strategy


def position(index: int) -> Strategy:
    def strategy(qtype: str, choices: list[tuple[int, str]], lang: str) -> list[int]:
        return [choices[index][0]] if qtype != "short" and index < len(choices) else []

    return strategy


def truth(value: bool, otherwise: Strategy | None = None) -> Strategy:
    def strategy(qtype: str, choices: list[tuple[int, str]], lang: str) -> list[int]:
        if qtype == "truefalse":
            return [choices[0 if value else 1][0]]
        return otherwise(qtype, choices, lang) if otherwise else []

    return strategy


def tick_every_box(qtype: str, choices: list[tuple[int, str]], lang: str) -> list[int]:
    return [cid for cid, _text in choices] if qtype == "multiple" else []


def blank(qtype: str, choices: list[tuple[int, str]], lang: str) -> list[int]:
    return []


def strategies(max_choices: int) -> dict[str, Strategy]:
    found: dict[str, Strategy] = {
        "longest choice": longest,
        "shortest choice": shortest,
        "always true": truth(True),
        "always false": truth(False),
        "tick every box": tick_every_box,
        "all blank": blank,
        "longest + false + blank": truth(False, longest),
        "longest + true + blank": truth(True, longest),
    }
    for index in range(max_choices):
        found[f"always position {index + 1}"] = position(index)
    for rank in range(1, max_choices - 1):
        found[f"length rank {rank + 1}"] = by_length_rank(rank)
        found[f"length rank {rank + 1} + false"] = truth(False, by_length_rank(rank))
        found[f"length rank {rank + 1} + true"] = truth(True, by_length_rank(rank))
    return found


@dataclass(frozen=True)
class Outcome:
    expected_percent: float
    pass_probability: float


def _question_model(question: s.QuestionSource) -> SimpleNamespace:
    choices = [
        SimpleNamespace(id=index + 1, is_correct=c.is_correct, position=index)
        for index, c in enumerate(question.choices)
    ]
    return SimpleNamespace(type=QuestionType(question.type), choices=choices, texts=[])


def score_distribution(
    question: s.QuestionSource, lang: str, strategy: Strategy
) -> dict[Fraction, Fraction]:
    """Share of the points earned -> probability, over the shuffles of the choices."""
    model = _question_model(question)
    kind = KINDS[model.type]
    labels = TRUEFALSE_LABELS[lang]
    texts = {
        c.id: (labels[c.position] if question.type == "truefalse" else src.texts[lang].text)
        for c, src in zip(model.choices, question.choices, strict=True)
    }
    ids = [c.id for c in model.choices]
    orders = list(itertools.permutations(ids)) if kind.shuffles_choices else [tuple(ids)]
    result: dict[Fraction, Fraction] = defaultdict(Fraction)
    for order in orders:
        ticked = strategy(question.type, [(cid, texts[cid]) for cid in order], lang)
        response = kind.parse([str(cid) for cid in ticked], list(order))
        earned = Fraction(kind.grade(model, response)).limit_denominator(10_000)
        result[earned] += Fraction(1, len(orders))
    return dict(result)


def play(module: s.ModuleSource, lang: str, strategy: Strategy) -> Outcome:
    """Expected percent and pass probability of one attempt of the module's quiz."""
    pool = [q for q in module.questions if lang in q.texts]
    draw = len(pool) if module.draw <= 0 else min(module.draw, len(pool))
    # (questions drawn, points offered, points earned) -> number of draws (weighted).
    states: dict[tuple[int, int, Fraction], Fraction] = {(0, 0, Fraction(0)): Fraction(1)}
    for question in pool:
        dist = score_distribution(question, lang, strategy)
        grown: dict[tuple[int, int, Fraction], Fraction] = defaultdict(Fraction)
        for (count, offered, earned), weight in states.items():
            grown[(count, offered, earned)] += weight  # not drawn
            if count < draw:
                for share, chance in dist.items():
                    key = (count + 1, offered + question.points, earned + share * question.points)
                    grown[key] += weight * chance
        states = grown
    draws = math.comb(len(pool), draw)
    passing = expected = Fraction(0)
    for (count, offered, earned), weight in states.items():
        if count != draw or not offered:
            continue
        chance = weight / draws
        expected += chance * earned / offered
        # The engine's rule: score * 100 >= pass_mark * max_score.
        if earned * 100 >= module.pass_mark * offered:
            passing += chance
    return Outcome(float(expected * 100), float(passing))
