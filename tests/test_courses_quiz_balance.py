"""The quizzes of the two modules added by issue 20 measure learning (issue 12 item 3):
the right answer is not given away by its length or position, and no blind strategy
passes an attempt. The three earlier modules are being rewritten to the same bar under
issue 12; add their slugs to BALANCED once they meet it."""

from __future__ import annotations

import random
from collections import Counter

import pytest

from tests.test_courses_content import LANGS, module_meta, questions

BALANCED = ("party-member-work", "scams-first-hour")
SIMULATED_ATTEMPTS = 20_000


def right_index(question: dict) -> int:
    return next(i for i, c in enumerate(question["choices"]) if c.get("correct") is True)


def singles(slug: str, lang: str) -> list[dict]:
    return [q for q in questions(slug, lang) if q["type"] == "single"]


def longest_index(question: dict) -> int:
    lengths = [len(str(c["text"])) for c in question["choices"]]
    return lengths.index(max(lengths))


@pytest.mark.parametrize("slug", BALANCED)
@pytest.mark.parametrize("lang", LANGS)
def test_is_the_right_answer_the_longest_in_at_most_40_percent_of_single_choices(slug, lang):
    pool = singles(slug, lang)
    longest = [
        q["id"]
        for q in pool
        if len(str(q["choices"][right_index(q)]["text"]))
        == max(len(str(c["text"])) for c in q["choices"])
    ]

    assert len(longest) <= 0.4 * len(pool), longest


@pytest.mark.parametrize("slug", BALANCED)
@pytest.mark.parametrize("lang", LANGS)
def test_is_no_right_choice_more_than_twice_as_long_as_every_other(slug, lang):
    too_long = []
    for q in singles(slug, lang):
        lengths = [len(str(c["text"])) for c in q["choices"]]
        right = lengths.pop(right_index(q))
        if right > 2 * max(lengths):
            too_long.append(q["id"])

    assert too_long == []


@pytest.mark.parametrize("slug", BALANCED)
def test_are_the_right_answers_spread_over_the_positions(slug):
    positions = Counter(right_index(q) for q in singles(slug, "vi"))
    answers = Counter(q["answer"] for q in questions(slug, "vi") if q["type"] == "truefalse")

    assert len(positions) >= 4 and max(positions.values()) <= len(singles(slug, "vi")) // 2
    assert set(answers) == {True, False}


def score(question: dict, response) -> float:
    """Points of one answer under the rules in courses/README.md (1 point a question)."""
    if response is None:
        return 0.0
    if question["type"] == "truefalse":
        return 1.0 if response is question["answer"] else 0.0
    right = {i for i, c in enumerate(question["choices"]) if c.get("correct") is True}
    if question["type"] == "single":
        return 1.0 if response in right else 0.0
    if question["type"] == "multiple":
        wrong = len(question["choices"]) - len(right)
        earned = sum(1 / len(right) for i in response if i in right)
        lost = sum(1 / wrong for i in response if i not in right) if wrong else 0.0
        return max(0.0, earned - lost)
    return 0.0


def blind_strategies(tf_answer):
    """Each strategy maps a question to the response given without reading it (short
    answers are left blank: there is nothing to pick)."""

    def longest(q):
        if q["type"] == "truefalse":
            return tf_answer
        if q["type"] == "short":
            return None
        return longest_index(q) if q["type"] == "single" else {longest_index(q)}

    def position(n):
        def pick(q):
            if q["type"] == "truefalse":
                return tf_answer
            if q["type"] == "short" or n >= len(q["choices"]):
                return None
            return n if q["type"] == "single" else {n}

        return pick

    def every_box(q):
        if q["type"] == "multiple":
            return set(range(len(q["choices"])))
        if q["type"] == "short":
            return None
        return 0 if q["type"] == "single" else tf_answer

    def only_truefalse(q):
        return tf_answer if q["type"] == "truefalse" else None

    strategies = {"longest": longest, "every box": every_box, "only true/false": only_truefalse}
    strategies |= {f"position {n + 1}": position(n) for n in range(4)}
    return strategies


@pytest.mark.parametrize("slug", BALANCED)
@pytest.mark.parametrize("lang", LANGS)
def test_does_no_blind_strategy_pass_one_attempt_more_than_2_percent_of_the_time(slug, lang):
    pool = questions(slug, lang)
    quiz = module_meta(slug)["quiz"]
    draw = quiz["draw"] or len(pool)
    needed = quiz["pass_mark"] / 100 * draw
    rng = random.Random(20)
    passing = {}
    for tf_answer in (True, False):
        for name, strategy in blind_strategies(tf_answer).items():
            points = [score(q, strategy(q)) for q in pool]
            passed = sum(
                sum(rng.sample(points, draw)) >= needed - 1e-9 for _ in range(SIMULATED_ATTEMPTS)
            )
            passing[f"{name}, true/false {tf_answer}"] = passed / SIMULATED_ATTEMPTS
    print(slug, lang, {name: f"{share:.2%}" for name, share in passing.items()})

    assert max(passing.values()) <= 0.02, passing
