"""Grading rules of each question kind, the draw and shuffle of an attempt, and the pass
mark (issue 3 item 5), with property-based tests for shuffling and scoring."""

from __future__ import annotations

import random
import unicodedata

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from sqlalchemy import select

from learnapp import db
from learnapp.models import (
    Choice,
    MatchMode,
    Module,
    Question,
    QuestionText,
    QuestionType,
    Quiz,
    QuizAttempt,
)
from learnapp.quiz import services
from learnapp.quiz.types import KINDS, Response, kind_of, normalise
from tests.factories import import_into, make_learner, module_settings, write_module

# --- in-memory questions: grading needs no database -------------------------------------


def choice_question(qtype: QuestionType, correct: list[bool], first_id: int = 1) -> Question:
    return Question(
        id=first_id * 1000,
        type=qtype,
        points=1,
        match_mode=MatchMode.LOOSE,
        choices=[
            Choice(id=first_id + i, position=i, is_correct=right) for i, right in enumerate(correct)
        ],
    )


def short_question(mode: MatchMode, *answers: str, english: tuple[str, ...] = ()) -> Question:
    texts = [QuestionText(language="vi", accepted_answers=list(answers))]
    if english:
        texts.append(QuestionText(language="en", accepted_answers=list(english)))
    return Question(id=1, type=QuestionType.SHORT, points=1, match_mode=mode, texts=texts)


def grade(question: Question, *, ids: list[int] | None = None, text: str | None = None) -> float:
    return kind_of(question).grade(question, Response(choice_ids=ids or [], text=text))


# --- single choice and true/false ------------------------------------------------------


def test_does_a_single_choice_question_give_full_marks_only_for_the_right_choice():
    question = choice_question(QuestionType.SINGLE, [False, True, False])

    assert grade(question, ids=[2]) == 1.0
    assert grade(question, ids=[1]) == 0.0
    assert grade(question, ids=[3]) == 0.0
    assert grade(question, ids=[]) == 0.0
    # Two ticks on a single-choice question are not an answer, even with the right one.
    assert grade(question, ids=[2, 1]) == 0.0


def test_does_a_single_choice_answer_keep_one_offered_choice_only():
    kind = KINDS[QuestionType.SINGLE]

    assert kind.parse(["2", "1"], [1, 2, 3]).choice_ids == [2]
    assert kind.parse(["99"], [1, 2, 3]).choice_ids == []
    assert kind.parse(["x", "-1", "1.0", ""], [1, 2, 3]).choice_ids == []


def test_does_a_true_false_question_grade_by_its_answer():
    # answer: false is stored as choices [true: wrong, false: right]
    question = choice_question(QuestionType.TRUEFALSE, [False, True])

    assert grade(question, ids=[2]) == 1.0
    assert grade(question, ids=[1]) == 0.0
    assert grade(question, ids=[]) == 0.0


# --- multiple answer: the docstring's rule -----------------------------------------------


@pytest.mark.parametrize(
    ("correct", "ticked", "expected"),
    [
        # two right choices (1, 2) of four: each right tick earns 1/2, each wrong one costs 1/2
        ([True, True, False, False], [1, 2], 1.0),
        ([True, True, False, False], [1], 0.5),
        ([True, True, False, False], [1, 3], 0.0),
        ([True, True, False, False], [1, 2, 3], 0.5),
        ([True, True, False, False], [3, 4], 0.0),
        ([True, True, False, False], [1, 2, 3, 4], 0.0),
        ([True, True, False, False], [], 0.0),
        # three right choices (1, 2, 3) of five: right ticks earn 1/3, wrong ones cost 1/2
        ([True, True, True, False, False], [1, 2], 2 / 3),
        ([True, True, True, False, False], [1, 2, 3, 4], 0.5),
        ([True, True, True, False, False], [1, 2, 3, 4, 5], 0.0),
        ([True, True, True, False, False], [1, 4, 5], 0.0),
        # one right choice of three: the right tick earns 1, each wrong one costs 1/2
        ([False, True, False], [2], 1.0),
        ([False, True, False], [2, 3], 0.5),
        ([False, True, False], [1, 2, 3], 0.0),
    ],
)
def test_does_multiple_answer_partial_credit_follow_the_stated_rule(correct, ticked, expected):
    question = choice_question(QuestionType.MULTIPLE, correct)

    assert grade(question, ids=ticked) == pytest.approx(expected)


def test_does_ticking_every_choice_earn_nothing_even_when_most_choices_are_right():
    question = choice_question(QuestionType.MULTIPLE, [True, True, True, False])

    assert grade(question, ids=[1, 2, 3, 4]) == 0.0


tick_sets = st.integers(min_value=2, max_value=8).flatmap(
    lambda n: st.tuples(
        st.lists(st.booleans(), min_size=n, max_size=n).filter(any),
        st.sets(st.integers(min_value=1, max_value=n)),
    )
)


@given(tick_sets)
def test_is_a_multiple_answer_score_always_between_0_and_1_and_1_only_for_the_right_set(case):
    correct, ticked = case
    question = choice_question(QuestionType.MULTIPLE, correct)
    right = {i + 1 for i, is_right in enumerate(correct) if is_right}

    score = grade(question, ids=sorted(ticked))

    assert 0.0 <= score <= 1.0
    assert (score == 1.0) == (ticked == right)


@given(tick_sets, st.data())
def test_does_adding_a_wrong_tick_never_raise_a_multiple_answer_score(case, data):
    correct, ticked = case
    wrong = [i + 1 for i, is_right in enumerate(correct) if not is_right and i + 1 not in ticked]
    assume(wrong)
    extra = data.draw(st.sampled_from(wrong))
    question = choice_question(QuestionType.MULTIPLE, correct)

    before = grade(question, ids=sorted(ticked))
    after = grade(question, ids=sorted(ticked | {extra}))

    assert after <= before
    assert after < before or before == 0.0


@given(tick_sets, st.data())
def test_does_adding_a_right_tick_never_lower_a_multiple_answer_score(case, data):
    correct, ticked = case
    right = [i + 1 for i, is_right in enumerate(correct) if is_right and i + 1 not in ticked]
    assume(right)
    extra = data.draw(st.sampled_from(right))
    question = choice_question(QuestionType.MULTIPLE, correct)

    assert grade(question, ids=sorted(ticked | {extra})) >= grade(question, ids=sorted(ticked))


@given(st.integers(min_value=1, max_value=8), st.integers(min_value=0, max_value=8))
def test_does_ticking_everything_earn_nothing_when_wrong_choices_are_as_many(right, wrong):
    assume(wrong >= right)
    question = choice_question(QuestionType.MULTIPLE, [True] * right + [False] * wrong)

    assert grade(question, ids=list(range(1, right + wrong + 1))) == 0.0


# --- short answers ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("mode", "accepted", "typed", "expected"),
    [
        # loose: case, extra spaces and Vietnamese marks do not matter
        (MatchMode.LOOSE, "tin giả", "Tin gia", 1.0),
        (MatchMode.LOOSE, "tin giả", "TIN GIẢ", 1.0),
        (MatchMode.LOOSE, "tin giả", "  tin    giả  ", 1.0),
        (MatchMode.LOOSE, "Đà Nẵng", "da nang", 1.0),
        (MatchMode.LOOSE, "da nang", "ĐÀ NẴNG", 1.0),
        (MatchMode.LOOSE, "Đà Nẵng", "danang", 0.0),
        (MatchMode.LOOSE, "tin giả", "tin thật", 0.0),
        (MatchMode.LOOSE, "tin giả", "", 0.0),
        # diacritics: case and spaces do not matter, the marks do
        (MatchMode.DIACRITICS, "Đà Nẵng", "đà   nẵng", 1.0),
        (MatchMode.DIACRITICS, "Đà Nẵng", "da nang", 0.0),
        (MatchMode.DIACRITICS, "tin giả", "Tin gia", 0.0),
        (MatchMode.DIACRITICS, "tin giả", "TIN GIẢ", 1.0),
        (MatchMode.DIACRITICS, "tin giả", "tin giá", 0.0),
        # exact: the text as typed, only trimmed
        (MatchMode.EXACT, "Đà Nẵng", "  Đà Nẵng ", 1.0),
        (MatchMode.EXACT, "Đà Nẵng", "đà nẵng", 0.0),
        (MatchMode.EXACT, "Đà Nẵng", "Đà  Nẵng", 0.0),
        (MatchMode.EXACT, "tingia.gov.vn", "tingia.gov.vn", 1.0),
    ],
)
def test_does_a_short_answer_match_by_the_questions_setting(mode, accepted, typed, expected):
    question = short_question(mode, accepted)
    response = KINDS[QuestionType.SHORT].parse([typed], [])

    assert grade(question, text=response.text) == expected


@pytest.mark.parametrize("mode", [MatchMode.LOOSE, MatchMode.DIACRITICS, MatchMode.EXACT])
def test_does_a_short_answer_typed_with_decomposed_marks_match(mode):
    # Some phone keyboards send "ả" as "a" + a combining hook: the same answer.
    typed = unicodedata.normalize("NFD", "tin giả")
    assert typed != "tin giả"

    assert grade(short_question(mode, "tin giả"), text=typed) == 1.0


def test_does_any_accepted_answer_in_any_language_count():
    question = short_question(MatchMode.LOOSE, "tin giả", "tingia", english=("fake news",))

    assert grade(question, text="Tingia") == 1.0
    assert grade(question, text="tin gia") == 1.0
    assert grade(question, text="Fake  News") == 1.0
    assert grade(question, text="news") == 0.0


def test_is_a_short_answer_cut_to_its_maximum_length():
    long = "a" * 1000

    assert KINDS[QuestionType.SHORT].parse([long], []).text == "a" * 200
    assert KINDS[QuestionType.SHORT].parse([], []).text == ""


@given(st.text(max_size=40))
def test_is_normalising_an_answer_idempotent_in_every_mode(text):
    for mode in MatchMode:
        once = normalise(text, mode)
        assert normalise(once, mode) == once


# --- draw_layout -----------------------------------------------------------------------

question_specs = st.lists(
    st.tuples(st.sampled_from(list(QuestionType)), st.integers(min_value=2, max_value=6)),
    min_size=1,
    max_size=25,
)


def build_pool(specs: list[tuple[QuestionType, int]]) -> list[Question]:
    pool = []
    for index, (qtype, n_choices) in enumerate(specs, start=1):
        if qtype == QuestionType.SHORT:
            n_choices = 0
        elif qtype == QuestionType.TRUEFALSE:
            n_choices = 2
        question = choice_question(qtype, [i == 0 for i in range(n_choices)], first_id=index * 10)
        question.id = index
        pool.append(question)
    return pool


@given(question_specs, st.integers(min_value=0, max_value=30), st.integers())
def test_does_the_draw_take_draw_count_distinct_questions_from_the_pool(specs, draw, seed):
    pool = build_pool(specs)

    layout = services.draw_layout(pool, draw, random.Random(seed))

    ids = [qid for qid, _ in layout]
    expected = len(pool) if draw == 0 else min(draw, len(pool))
    assert len(ids) == expected
    assert len(set(ids)) == len(ids)
    assert set(ids) <= {q.id for q in pool}


@given(question_specs, st.integers(min_value=0, max_value=30), st.integers())
def test_is_each_drawn_questions_choice_order_a_permutation_of_its_own(specs, draw, seed):
    pool = {q.id: q for q in build_pool(specs)}

    layout = services.draw_layout(list(pool.values()), draw, random.Random(seed))

    for qid, choice_ids in layout:
        own = [c.id for c in pool[qid].choices]
        assert sorted(choice_ids) == sorted(own)
        if pool[qid].type in (QuestionType.TRUEFALSE, QuestionType.SHORT):
            assert choice_ids == own


@given(question_specs, st.integers(min_value=0, max_value=30), st.integers())
def test_does_the_same_seed_give_the_same_layout(specs, draw, seed):
    pool = build_pool(specs)

    first = services.draw_layout(pool, draw, random.Random(seed))
    second = services.draw_layout(pool, draw, random.Random(seed))

    assert first == second


def test_are_questions_and_choices_actually_shuffled_across_attempts():
    pool = build_pool([(QuestionType.SINGLE, 4)] * 6 + [(QuestionType.MULTIPLE, 5)] * 6)

    layouts = [services.draw_layout(pool, 5, random.Random(seed)) for seed in range(40)]

    assert len({tuple(qid for qid, _ in layout) for layout in layouts}) > 20
    first_choice_orders = {tuple(layout[0][1]) for layout in layouts}
    assert len(first_choice_orders) > 5
    # every question gets drawn sometimes, not just the first ones
    assert {qid for layout in layouts for qid, _ in layout} == {q.id for q in pool}


# --- the score and pass mark of an attempt -----------------------------------------------


def _singles(points: list[int]) -> list[dict]:
    return [
        {
            "id": f"q-{n:02d}",
            "type": "single",
            "points": p,
            "text": f"Question {n}",
            "choices": [{"text": "Right", "correct": True}, {"text": "Wrong"}],
            "explanation": "Because.",
        }
        for n, p in enumerate(points, start=1)
    ]


def _multiples(count: int) -> list[dict]:
    return [
        {
            "id": f"m-{n:02d}",
            "type": "multiple",
            "text": f"Multiple {n}",
            "choices": [
                {"text": "A", "correct": True},
                {"text": "B", "correct": True},
                {"text": "C", "correct": True},
                {"text": "D"},
            ],
            "explanation": "Because.",
        }
        for n in range(1, count + 1)
    ]


@pytest.fixture
def scoring(app, tmp_path):
    """Three quizzes: ten 1-point singles; 1000 points over eleven singles; 8 singles and
    2 multiples with three right choices of four."""
    root = tmp_path / "courses"
    for slug, questions in (
        ("ten-singles", _singles([1] * 10)),
        ("weighted", _singles([100, 100, 100, 100, 100, 100, 99, 1, 100, 100, 100])),
        ("partial", _singles([1] * 8) + _multiples(2)),
    ):
        write_module(
            root, slug, settings=module_settings(completion="quiz"), lessons=[], questions=questions
        )
    import_into(app, root)
    return make_learner(app, "scorer")


def _submit(app, learner_id: int, slug: str, plan: list[tuple[str, object]]) -> QuizAttempt:
    """Start an attempt laid out in `plan` order and answer each question as planned:
    True (right), False (wrong), or a number of right ticks for a multiple."""
    from learnapp.models import User

    with app.app_context():
        quiz = db.session.scalar(select(Quiz).join(Module).where(Module.slug == slug))
        user = db.session.get(User, learner_id)
        attempt = services.start_attempt(user, quiz, "vi", rng=random.Random(1))
        by_key = {q.key: q for q in quiz.questions}
        attempt.layout = [[by_key[key].id, [c.id for c in by_key[key].choices]] for key, _ in plan]
        values = {}
        for key, answer in plan:
            question = by_key[key]
            right = [str(c.id) for c in question.choices if c.is_correct]
            wrong = [str(c.id) for c in question.choices if not c.is_correct]
            if isinstance(answer, bool):
                values[f"q{question.id}"] = right if answer else wrong[:1]
            else:
                values[f"q{question.id}"] = right[:answer]
        db.session.flush()
        services.submit_attempt(attempt, values)
        db.session.commit()
        _ = attempt.answers  # read back now: the tests look at them after the context
        return attempt


def test_do_7_of_10_points_pass_a_70_percent_mark(app, scoring):
    plan = [(f"q-{n:02d}", n <= 7) for n in range(1, 11)]

    attempt = _submit(app, scoring, "ten-singles", plan)

    assert (attempt.score, attempt.max_score, attempt.percent) == (7.0, 10.0, 70)
    assert attempt.passed


def test_do_6_of_10_points_fail_a_70_percent_mark(app, scoring):
    plan = [(f"q-{n:02d}", n <= 6) for n in range(1, 11)]

    attempt = _submit(app, scoring, "ten-singles", plan)

    assert attempt.percent == 60 and not attempt.passed


def test_do_699_of_1000_points_fail_a_70_percent_mark_and_700_pass(app, scoring):
    # q-07 is worth 99 and q-08 is worth 1: 6.99 of 10 in proportion, then 7 of 10.
    below = _submit(app, scoring, "weighted", [(f"q-{n:02d}", n <= 7) for n in range(1, 12)])
    at = _submit(app, scoring, "weighted", [(f"q-{n:02d}", n <= 8) for n in range(1, 12)])

    assert (below.score, below.max_score, below.percent, below.passed) == (699, 1000, 69, False)
    assert (at.score, at.max_score, at.percent, at.passed) == (700, 1000, 70, True)


def test_does_partial_credit_count_in_the_attempt_score(app, scoring):
    # 7 right singles + 2/3 + 1/3 of the two multiples = 8 of 10
    plan = [(f"q-{n:02d}", n <= 7) for n in range(1, 9)] + [("m-01", 2), ("m-02", 1)]

    attempt = _submit(app, scoring, "partial", plan)

    assert attempt.score == pytest.approx(8.0) and attempt.percent == 80 and attempt.passed
    partial = sorted(a.score for a in attempt.answers if 0 < a.score < 1)
    assert partial == pytest.approx([1 / 3, 2 / 3])
    assert not any(a.is_correct for a in attempt.answers if a.score < 1)


def test_does_an_exact_7_of_10_made_of_partial_credits_show_70_percent(app, scoring):
    plan = [
        ("q-01", False),
        ("q-02", False),
        ("q-03", True),
        ("q-04", True),
        ("q-05", True),
        ("m-01", 2),
        ("q-06", True),
        ("q-07", True),
        ("q-08", True),
        ("m-02", 1),
    ]

    attempt = _submit(app, scoring, "partial", plan)

    assert attempt.passed and attempt.score == 7.0
    assert attempt.percent == 70
