"""Quizzes that measure learning (issue 12, item 3): no length tells in a pool, warned by
the loader, the import and the editor; no blind strategy passes a shipped quiz."""

from __future__ import annotations

import logging
import random
from pathlib import Path
from types import SimpleNamespace

import pytest

from learnapp.content import quiz_bias
from learnapp.content.loader import load_courses
from learnapp.models import QuestionType
from learnapp.quiz.services import draw_layout
from learnapp.quiz.types import KINDS
from tests import quiz_strategy_support as play
from tests.authoring_helpers import signed_in
from tests.factories import import_into, module_settings, write_module

COURSES = Path(__file__).resolve().parent.parent / "courses"
LIMIT = 0.02  # the most a blind strategy may pass one attempt with


def single(key: str, right: str, wrong: list[str], lang_texts: bool = True) -> dict:
    """A single-choice question whose right choice is `right` among `wrong` ones."""
    suffix = " @lang" if lang_texts else ""
    return {
        "id": key,
        "type": "single",
        "text": f"Question {key}{suffix}",
        "choices": [{"text": right, "correct": True}] + [{"text": w} for w in wrong],
        "explanation": f"Why {key}{suffix}",
    }


def fair(key: str) -> dict:
    """Right choice neither the longest nor far longer than the others."""
    return single(key, "Ask the commune", ["Call back the number", "Forward it", "Do nothing"])


def keyed_on_longest(key: str) -> dict:
    return single(
        key, "Hang up and call the commune police", ["Call back", "Read the code out to the caller"]
    )


def biased_pool() -> list[dict]:
    # 3 of 5 single-choice questions keyed on the longest choice: 60% > 40%.
    return [keyed_on_longest(f"long-{n}") for n in range(3)] + [fair("fair-1"), fair("fair-2")]


def write_biased(tmp_path: Path, slug: str = "biased-quiz", questions=None) -> Path:
    """A courses folder holding one module; returns the folder."""
    root = tmp_path / "courses"
    write_module(root, slug, questions=questions if questions is not None else biased_pool())
    return root


# --- the warning -----------------------------------------------------------------------


def test_does_the_loader_warn_when_the_right_answer_is_the_longest_in_over_40_percent(
    tmp_path, caplog
):
    with caplog.at_level(logging.WARNING, logger="learnapp.content.loader"):
        (module,) = load_courses(write_biased(tmp_path))

    warnings = quiz_bias.module_warnings(module)
    assert {(w.language, w.kind) for w in warnings} == {
        ("vi", quiz_bias.LONGEST),
        ("en", quiz_bias.LONGEST),
    }
    assert all(w.questions == ("long-0", "long-1", "long-2") for w in warnings)
    logged = [r.getMessage() for r in caplog.records]
    for lang in ("vi", "en"):
        line = next(m for m in logged if f"biased-quiz ({lang})" in m)
        assert "60%" in line and "long-0, long-1, long-2" in line
        assert "fair-1" not in line


def test_is_a_pool_at_exactly_40_percent_left_unwarned(tmp_path):
    pool = [keyed_on_longest("long-1"), keyed_on_longest("long-2")]
    pool += [fair(f"fair-{n}") for n in range(3)]  # 2 of 5 = 40%, not more

    (module,) = load_courses(write_biased(tmp_path, questions=pool))

    assert quiz_bias.module_warnings(module) == []


def test_does_a_right_choice_twice_as_long_as_every_other_warn_on_its_own(tmp_path):
    long_right = single(
        "give-away", "Do not forward it; phone the commune office", ["Share", "Wait"]
    )
    pool = [long_right] + [fair(f"fair-{n}") for n in range(4)]  # 1 of 5 longest: 20%

    (module,) = load_courses(write_biased(tmp_path, questions=pool))

    warnings = quiz_bias.module_warnings(module)
    assert [(w.kind, w.questions) for w in warnings] == [
        (quiz_bias.LONG_RIGHT, ("give-away",)),
        (quiz_bias.LONG_RIGHT, ("give-away",)),
    ]
    assert "more than twice as long" in str(warnings[0])


def test_is_each_language_checked_on_its_own(tmp_path):
    # The same questions: fair in Vietnamese, keyed on a far longer choice in English.
    def pool(right: str) -> list[dict]:
        return [single(f"q-{n}", right, ["Gọi lại số lạ", "Chuyển tiếp"], False) for n in range(3)]

    write_module(
        tmp_path,
        "one-language",
        questions={"vi": pool("Hỏi xã"), "en": pool("Ask the commune People's Committee office")},
    )

    (module,) = load_courses(tmp_path)

    assert {(w.language, w.kind) for w in quiz_bias.module_warnings(module)} == {
        ("en", quiz_bias.LONGEST),
        ("en", quiz_bias.LONG_RIGHT),
    }


def test_does_the_import_report_list_the_warning_and_still_import(demo, tmp_path):
    report = import_into(demo, write_biased(tmp_path))

    assert report.created == ["biased-quiz"]
    lines = [line for line in report.lines() if line.startswith("quiz warning: ")]
    assert len(lines) == 2
    assert all("long-0, long-1, long-2" in line for line in lines)


def test_does_the_import_command_print_the_warning(demo, tmp_path):
    root = write_biased(tmp_path)

    result = demo.test_cli_runner().invoke(args=["import-courses", str(root)])

    assert result.exit_code == 0, result.output
    assert "quiz warning: biased-quiz (vi)" in result.output
    assert "quiz warning: biased-quiz (en)" in result.output


def test_does_the_editor_show_the_warning_on_the_module_page(demo, tmp_path):
    import_into(demo, write_biased(tmp_path))
    trainer = signed_in(demo, "trainer")

    page = trainer.get("/authoring/m/biased-quiz", headers={"Accept-Language": "en"})

    text = page.get_data(as_text=True)
    assert page.status_code == 200 and 'id="bias-warning"' in text
    assert "Vietnamese: the right answer is the longest choice in 60%" in text
    assert "English: the right answer is the longest choice in 60%" in text
    assert "long-0, long-1, long-2" in text


def test_is_a_fair_module_shown_without_the_warning_in_the_editor(demo, tmp_path):
    import_into(demo, write_biased(tmp_path, "fair-quiz", [fair(f"fair-{n}") for n in range(4)]))
    trainer = signed_in(demo, "trainer")

    page = trainer.get("/authoring/m/fair-quiz").get_data(as_text=True)

    assert 'id="bias-warning"' not in page


def test_does_no_shipped_module_give_its_answers_away_by_length():
    warnings = quiz_bias.course_warnings(load_courses(COURSES))

    assert [str(w) for w in warnings] == []


# --- blind strategies --------------------------------------------------------------------


def shipped() -> list:
    return load_courses(COURSES)


def test_can_no_blind_strategy_pass_a_shipped_quiz_more_than_2_percent_of_the_time():
    failures = []
    for module in shipped():
        choices = max(len(q.choices) for q in module.questions)
        for lang in sorted({lang for q in module.questions for lang in q.texts}):
            print(f"\n{module.slug} ({lang}), draw {module.draw}, pass mark {module.pass_mark}%")
            for name, strategy in play.strategies(choices).items():
                outcome = play.play(module, lang, strategy)
                print(
                    f"  {name:26} expected {outcome.expected_percent:5.1f}%  "
                    f"passes {outcome.pass_probability * 100:6.3f}%"
                )
                if outcome.pass_probability > LIMIT:
                    failures.append((module.slug, lang, name, outcome.pass_probability))

    assert failures == []


def test_does_the_strategy_check_catch_a_quiz_that_longest_plus_false_passes(tmp_path):
    pool = [keyed_on_longest(f"long-{n}") for n in range(8)] + [
        {"id": "tf", "type": "truefalse", "text": "T @lang", "answer": False, "explanation": "E"}
    ]
    write_module(tmp_path, "passable", questions=pool, settings=module_settings(quiz={"draw": 5}))
    (module,) = load_courses(tmp_path)

    outcome = play.play(module, "en", play.truth(False, play.longest))

    assert outcome.pass_probability == pytest.approx(1.0)
    assert play.play(module, "en", play.blank).pass_probability == 0


def _engine_pass_rate(module, lang: str, strategy, trials: int, seed: int) -> float:
    """The share of attempts the real draw and grading pass, simulated."""
    models = []
    for number, question in enumerate(module.questions):
        # Ids as a database gives them, from 1: the grader takes no other value as a choice.
        choices = [
            SimpleNamespace(id=number * 100 + i + 1, is_correct=c.is_correct, position=i, src=c)
            for i, c in enumerate(question.choices)
        ]
        models.append(
            SimpleNamespace(
                id=number,
                type=QuestionType(question.type),
                choices=choices,
                texts=[],
                points=question.points,
            )
        )
    by_id = {m.id: m for m in models}
    rng = random.Random(seed)
    passed = 0
    labels = play.TRUEFALSE_LABELS[lang]
    for _ in range(trials):
        score = offered = 0.0
        for qid, choice_ids in draw_layout(models, module.draw, rng):
            model = by_id[qid]
            kind = KINDS[model.type]
            choices = {c.id: c for c in model.choices}
            shown = [
                (
                    cid,
                    labels[choices[cid].position]
                    if model.type.value == "truefalse"
                    else choices[cid].src.texts[lang].text,
                )
                for cid in choice_ids
            ]
            ticked = strategy(model.type.value, shown, lang)
            response = kind.parse([str(cid) for cid in ticked], choice_ids)
            score += model.points * kind.grade(model, response)
            offered += model.points
        passed += score * 100 >= module.pass_mark * offered - 1e-9
    return passed / trials


def test_does_the_exact_play_agree_with_the_real_engine_drawing_and_grading(tmp_path):
    # A pool the longest-choice strategy passes about half the time, so the two can differ.
    pool = [keyed_on_longest(f"long-{n}") for n in range(8)]
    pool += [fair(f"fair-{n}") for n in range(4)]
    pool += [
        {
            "id": "many",
            "type": "multiple",
            "text": "Tick @lang",
            "choices": [
                {"text": "A longer right one", "correct": True},
                {"text": "Right", "correct": True},
                {"text": "Wrong"},
            ],
            "explanation": "E",
        },
        {"id": "tf", "type": "truefalse", "text": "T @lang", "answer": False, "explanation": "E"},
    ]
    write_module(tmp_path, "half", questions=pool, settings=module_settings(quiz={"draw": 10}))
    (module,) = load_courses(tmp_path)
    strategy = play.truth(False, play.longest)

    exact = play.play(module, "en", strategy)
    simulated = _engine_pass_rate(module, "en", strategy, trials=4000, seed=12)

    assert 0.2 < exact.pass_probability < 0.8
    assert exact.pass_probability == pytest.approx(simulated, abs=0.03)
