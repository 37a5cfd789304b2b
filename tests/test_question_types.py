"""Question types through their one registry (learnapp/quiz/types): each type read from the
course files, refused with a clear message, written back byte-stable, graded; and the
ordering type end to end: attempt layout, the refusal of a place given twice, editor,
GIFT import page, export round trip and statistics."""

from __future__ import annotations

import random
import re
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, select

from learnapp import db
from learnapp.content import sources as s
from learnapp.content.loader import load_courses
from learnapp.content.snapshot import source_from_db
from learnapp.content.writer import module_files
from learnapp.content.writer import write_module as write_source
from learnapp.models import (
    AnswerChoice,
    AttemptStatus,
    Choice,
    Module,
    Question,
    QuestionType,
    QuizAttempt,
    SavedAnswer,
    User,
)
from learnapp.quiz import services
from learnapp.quiz.statistics import question_stats
from learnapp.quiz.types import KINDS, BadAnswerValues, RepeatedPosition, kind_named, names
from learnapp.quiz.types.ordering import Ordering
from tests.authoring_helpers import (
    add_question,
    create_module,
    draft_data,
    fill_and_post,
    form_with,
    signed_in,
)
from tests.conftest import post
from tests.factories import (
    dump_yaml,
    import_into,
    make_learner,
    module_settings,
    quiz_of,
    sample_questions,
    write_module,
)

SLUG = "order-module"
STEPS = ["Stop @lang", "Call the bank @lang", "Keep evidence @lang", "Report @lang"]
ORDERING = {
    "id": "put-in-order",
    "type": "ordering",
    "text": "Put the steps in order @lang",
    "choices": [{"text": step} for step in STEPS],
    "explanation": "Explanation of put-in-order @lang",
}


def all_types() -> list[dict]:
    return [*sample_questions(), ORDERING]


def loaded(tmp_path: Path, questions: list[dict]) -> s.ModuleSource:
    root = tmp_path / "courses"
    write_module(
        root, SLUG, settings=module_settings(completion="quiz"), lessons=[], questions=questions
    )
    (module,) = load_courses(root)
    return module


def problems_of(tmp_path: Path, questions: list[dict]) -> list[str]:
    with pytest.raises(s.ContentError) as caught:
        loaded(tmp_path, questions)
    return [str(p) for p in caught.value.problems]


# --- the registry ----------------------------------------------------------------------


def test_does_every_question_type_have_one_class_with_its_four_partials():
    templates = Path(__file__).resolve().parent.parent / "learnapp/quiz/templates"
    assert names() == ["single", "multiple", "truefalse", "short", "ordering"]
    assert set(KINDS) == set(QuestionType)
    for kind in KINDS.values():
        for template in (
            kind.take_template,
            kind.result_template,
            kind.preview_template,
            kind.key_template,
        ):
            assert (templates / template).is_file(), template


# --- course files: read, refuse, write -----------------------------------------------


def test_does_each_type_load_from_the_course_files(tmp_path):
    module = loaded(tmp_path, all_types())
    by_key = {q.key: q for q in module.questions}

    assert [c.is_correct for c in by_key["pick-one"].choices] == [True, False, False]
    assert [c.is_correct for c in by_key["pick-many"].choices] == [True, True, False, False]
    assert [c.texts["en"].text for c in by_key["true-or-false"].choices] == ["true", "false"]
    assert by_key["type-it"].texts["vi"].answers == ["tin giả"]
    order = by_key["put-in-order"]
    assert order.type == "ordering"
    assert [c.texts["en"].text for c in order.choices] == [x.replace("@lang", "en") for x in STEPS]
    assert [c.texts["vi"].text for c in order.choices] == [x.replace("@lang", "vi") for x in STEPS]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"choices": [{"text": "a"}, {"text": "b"}]}, "needs a list of 3 to 8 choices"),
        ({"choices": [{"text": str(n)} for n in range(9)]}, "needs a list of 3 to 8 choices"),
        ({"choices": None}, "needs a list of 3 to 8 choices"),
        (
            {"choices": [{"text": "a", "correct": True}, {"text": "b"}, {"text": "c"}]},
            "unknown key(s) in step of an ordering question: correct",
        ),
        ({"choices": [{"text": "a"}, {"text": ""}, {"text": "c"}]}, "'text' is empty"),
        ({"answer": True}, None),  # a key of another type: not a problem of the type
        ({"feedback_true": "x"}, "'feedback_true' is only for a truefalse question"),
    ],
)
def test_is_a_bad_ordering_question_refused_with_its_file_and_line(tmp_path, change, message):
    question = {**ORDERING, **change}
    question = {k: v for k, v in question.items() if v is not None}
    if message is None:
        assert loaded(tmp_path, [question]).questions[0].type == "ordering"
        return
    problems = problems_of(tmp_path, [question])
    assert any(f"{SLUG}/" in p and re.search(r":\d+:", p) and message in p for p in problems), (
        problems
    )


def test_is_an_unknown_type_refused_naming_every_registered_type(tmp_path):
    problems = problems_of(tmp_path, [{**ORDERING, "type": "matching"}])
    assert any(
        "type 'matching' is not one of single, multiple, truefalse, short, ordering" in p
        for p in problems
    ), problems


def test_must_an_ordering_question_have_as_many_steps_in_every_language(tmp_path):
    fewer = {**ORDERING, "choices": ORDERING["choices"][:3]}
    problems = problems_of(tmp_path, {"vi": [ORDERING], "en": [fewer]})
    assert any("the choices or their correct positions differ" in p for p in problems), problems


def test_does_each_type_write_back_what_it_read_byte_for_byte(tmp_path):
    module = loaded(tmp_path, all_types())
    first = module_files(module)
    out = tmp_path / "written"
    write_source(module, out)
    (again,) = load_courses(out)

    assert module_files(again) == first
    assert again.source_hash == module.source_hash
    assert "type: ordering" in first["en/quiz.yml"].decode()


# --- grading ---------------------------------------------------------------------------


def question_with_steps(count: int) -> Question:
    question = Question(type=QuestionType.ORDERING, points=1)
    question.choices = []
    for position in range(count):
        question.choices.append(Choice(id=position + 1, position=position, is_correct=True))
    return question


def graded(question: Question, order: list[int]) -> float:
    """The score when the learner puts the choice ids in `order` (first place first)."""
    kind = KINDS[QuestionType.ORDERING]
    offered = [c.id for c in question.choices]
    values = [f"{cid}:{place}" for place, cid in enumerate(order, start=1)]
    return kind.grade(question, kind.parse(values, offered))


@pytest.mark.parametrize(
    ("order", "score"),
    [
        ([1, 2, 3, 4, 5], 1.0),
        ([2, 1, 3, 4, 5], 2 / 4),  # first two swapped: 3-4 and 4-5 kept
        ([1, 2, 4, 3, 5], 1 / 4),  # middle pair swapped: only 1-2 kept
        ([5, 1, 2, 3, 4], 3 / 4),  # last step moved to the front
        ([5, 4, 3, 2, 1], 0.0),  # reversed: no pair in the right order
        ([], 0.0),
    ],
)
def test_is_ordering_scored_by_right_consecutive_pairs(order, score):
    assert graded(question_with_steps(5), order) == pytest.approx(score)


def test_does_a_partly_placed_ordering_answer_earn_the_pairs_it_has():
    kind = KINDS[QuestionType.ORDERING]
    question = question_with_steps(4)
    response = kind.parse(["1:1", "2:2", "", "4:4"], [1, 2, 3, 4])
    assert response.positions == {1: 1, 2: 2, 4: 4}
    assert kind.grade(question, response) == pytest.approx(1 / 3)


def test_does_the_grader_drop_ordering_values_the_inputs_cannot_send():
    kind = KINDS[QuestionType.ORDERING]
    response = kind.parse(["1:1", "9:2", "2:7", "x", "3:-1", "1:3", "²:2"], [1, 2, 3])
    assert response.positions == {1: 1}


@pytest.mark.parametrize(
    ("values", "reason"),
    [
        (["1:1", "2:1", "3:2"], "repeated_position"),
        (["1:1", "9:2"], "not_offered"),
        (["1:4"], "not_offered"),
        (["1:1", "1:2"], "not_offered"),
        (["1"], "not_offered"),
        (["1:1", "2:2", "3:3", ""], None),
    ],
)
def test_does_a_save_refuse_ordering_values_its_selects_cannot_send(values, reason):
    kind = KINDS[QuestionType.ORDERING]
    if reason is None:
        kind.check(values, [1, 2, 3])
        return
    with pytest.raises(BadAnswerValues) as caught:
        kind.check(values, [1, 2, 3])
    assert str(caught.value) == reason
    assert isinstance(caught.value, RepeatedPosition) == (reason == "repeated_position")


def test_are_ordering_steps_never_laid_out_in_the_right_order():
    kind = KINDS[QuestionType.ORDERING]
    right = [11, 12, 13]
    layouts = {tuple(kind.layout(right, random.Random(seed))) for seed in range(300)}
    assert tuple(right) not in layouts
    assert len(layouts) == 5  # every other order of three steps does occur


def test_does_each_other_type_still_grade_as_before(app):
    # A thin check that the registry dispatches: the full rules are in test_grading.py.
    assert isinstance(kind_named("ordering"), Ordering)
    assert kind_named("essay") is None
    assert KINDS[QuestionType.SINGLE].parse(["2", "1"], [1, 2]).choice_ids == [2]
    assert KINDS[QuestionType.SHORT].parse([" x "], []).text == "x"


# --- taking an ordering question ---------------------------------------------------------


@pytest.fixture
def order_course(demo, tmp_path):
    root = tmp_path / "courses"
    write_module(
        root, SLUG, settings=module_settings(completion="quiz"), lessons=[], questions=[ORDERING]
    )
    import_into(demo, root)
    return demo


def start(client) -> str:
    response = post(client, f"/m/{SLUG}/quiz/start", token_from=f"/m/{SLUG}/quiz")
    assert response.status_code == 302
    return urlsplit(response.headers["Location"]).path


def layout_of(app, path: str) -> tuple[int, list[int], list[int]]:
    """(question id, choice ids as shown, choice ids in the right order)."""
    with app.app_context():
        attempt = db.session.get(QuizAttempt, int(path.rsplit("/", 1)[1]))
        ((question_id, shown),) = attempt.layout
        question = db.session.get(Question, question_id)
        return question_id, shown, [c.id for c in question.choices]


def places(right: list[int], order: list[int]) -> list[str]:
    return [f"{cid}:{place}" for place, cid in enumerate(order, start=1)]


def counts(app) -> tuple[int, int]:
    with app.app_context():
        return (
            db.session.scalar(select(func.count()).select_from(SavedAnswer)),
            db.session.scalar(
                select(func.count())
                .select_from(QuizAttempt)
                .where(QuizAttempt.status == AttemptStatus.SUBMITTED)
            ),
        )


def test_does_the_take_page_offer_a_place_select_per_step_in_a_shuffled_order(order_course, auth):
    auth.sign_in("learner")
    path = start(auth.client)
    qid, shown, right = layout_of(order_course, path)
    page = auth.client.get(path).get_data(as_text=True)

    assert shown != right and sorted(shown) == sorted(right)
    assert page.count(f'<select id="q{qid}-') == 4
    assert page.count(f'name="q{qid}"') == 4
    assert f'value="{shown[0]}:4"' in page
    # The steps appear in the shown (shuffled) order.
    positions = [page.index(f'id="q{qid}-{cid}"') for cid in shown]
    assert positions == sorted(positions)


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("en", "Question 1: two steps have the same place."),
        ("vi", "Câu 1: có hai bước cùng một vị trí."),
    ],
)
def test_does_a_place_given_twice_return_the_quiz_with_a_message_and_save_nothing(
    order_course, auth, language, message
):
    auth.client.environ_base["HTTP_ACCEPT_LANGUAGE"] = language
    auth.sign_in("learner")
    path = start(auth.client)
    qid, _shown, right = layout_of(order_course, path)
    twice = [f"{right[0]}:1", f"{right[1]}:1", f"{right[2]}:3", f"{right[3]}:4"]
    before = counts(order_course)

    for target in (path, f"{path}/answers"):
        response = post(
            auth.client,
            target,
            {"answers": "1", f"q{qid}": twice, "confirm_blank": "1"},
            token_from=path,
        )
        page = response.get_data(as_text=True)
        assert response.status_code == 400
        assert message in page
        # The selects show what was sent, so the learner fixes only the repeat.
        assert f'value="{right[1]}:1" selected' in page

    assert counts(order_course) == before
    with order_course.app_context():
        attempt = db.session.get(QuizAttempt, int(path.rsplit("/", 1)[1]))
        assert attempt.status == AttemptStatus.OPEN


def test_does_the_script_save_refuse_a_place_given_twice_as_json(order_course, auth):
    auth.sign_in("learner")
    path = start(auth.client)
    qid, _shown, right = layout_of(order_course, path)
    response = post(
        auth.client,
        f"{path}/answers",
        {"question": str(qid), f"q{qid}": [f"{right[0]}:2", f"{right[1]}:2"]},
        token_from=path,
        headers={"Accept": "application/json", "Accept-Language": "en"},
    )
    assert response.status_code == 400
    assert response.get_json()["saved"] is False
    assert "two steps have the same place" in response.get_json()["message"]
    assert counts(order_course)[0] == 0


def test_is_a_right_order_saved_graded_and_shown_on_the_result(order_course, auth):
    auth.client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    auth.sign_in("learner")
    path = start(auth.client)
    qid, _shown, right = layout_of(order_course, path)

    saved = post(auth.client, f"{path}/answers", {f"q{qid}": places(right, right)}, token_from=path)
    assert saved.status_code == 302
    assert "selected" in auth.client.get(path).get_data(as_text=True)
    response = post(
        auth.client, path, {"answers": "1", f"q{qid}": places(right, right)}, token_from=path
    )
    assert response.status_code == 302

    with order_course.app_context():
        attempt = db.session.get(QuizAttempt, int(path.rsplit("/", 1)[1]))
        assert attempt.percent == 100 and attempt.passed
        rows = db.session.execute(select(AnswerChoice.choice_id, AnswerChoice.position)).all()
        assert sorted(rows) == sorted(zip(right, [1, 2, 3, 4], strict=True))
    result = auth.client.get(f"{path}/result").get_data(as_text=True)
    assert "Your order:" in result and "The right order:" in result
    assert result.count("right place") == 4
    assert "Well done" in result or "certificate" in result.lower()


def test_does_a_swapped_pair_earn_partial_credit_through_the_pages(order_course, auth):
    auth.sign_in("learner")
    path = start(auth.client)
    qid, _shown, right = layout_of(order_course, path)
    swapped = [right[0], right[1], right[3], right[2]]
    post(auth.client, path, {"answers": "1", f"q{qid}": places(right, swapped)}, token_from=path)
    with order_course.app_context():
        attempt = db.session.get(QuizAttempt, int(path.rsplit("/", 1)[1]))
        assert attempt.status == AttemptStatus.SUBMITTED
        assert attempt.score == pytest.approx(1 / 3, abs=1e-4)  # only the first pair kept
        assert attempt.percent == 33 and not attempt.passed


# --- editor, GIFT, export, statistics ---------------------------------------------------


def ordering_fields(key: str, steps: list[str]) -> dict:
    fields = {"key": key, "type": "ordering", "points": "1"}
    for lang in ("vi", "en"):
        fields[f"text_{lang}"] = f"Xếp thứ tự {lang}"
        fields[f"explanation_{lang}"] = f"Giải thích {lang}"
        for index, step in enumerate(steps):
            fields[f"choice_{index}_{lang}"] = f"{step} {lang}"
    return fields


def test_can_a_trainer_create_and_edit_an_ordering_question_in_the_editor(demo):
    trainer = signed_in(demo, "trainer")
    assert create_module(trainer, "order-web").status_code == 302
    new = "/authoring/m/order-web/questions/new"
    assert 'value="ordering"' in trainer.get(new).get_data(as_text=True)

    response = add_question(trainer, "order-web", ordering_fields("steps", ["A", "B", "C"]))
    assert response.status_code == 302
    (question,) = draft_data(demo, "order-web")["questions"]
    assert question["type"] == "ordering"
    assert [c["texts"]["en"]["text"] for c in question["choices"]] == ["A en", "B en", "C en"]

    url = "/authoring/m/order-web/questions/steps"
    form = form_with(trainer.get(url).get_data(as_text=True), "text_vi")
    assert form["fields"]["choice_2_vi"] == "C vi"
    edited = fill_and_post(
        trainer, url, {"choice_3_vi": "D vi", "choice_3_en": "D en"}, field="text_vi"
    )
    assert edited.status_code == 302
    (question,) = draft_data(demo, "order-web")["questions"]
    assert [c["texts"]["vi"]["text"] for c in question["choices"]] == [
        "A vi",
        "B vi",
        "C vi",
        "D vi",
    ]

    preview = trainer.get("/authoring/m/order-web/preview-quiz").get_data(as_text=True)
    assert "The right order:" in preview and "D en" in preview


def test_is_an_ordering_question_with_too_few_steps_or_no_csrf_not_saved(demo):
    trainer = signed_in(demo, "trainer")
    assert create_module(trainer, "order-bad").status_code == 302
    response = add_question(trainer, "order-bad", ordering_fields("steps", ["A", "B"]))
    assert response.status_code == 200
    assert "Give from 3 to 8 steps, in the right order." in response.get_data(as_text=True)

    no_token = fill_and_post(
        trainer,
        "/authoring/m/order-bad/questions/new",
        ordering_fields("steps", ["A", "B", "C"]),
        field="text_vi",
        drop=("csrf_token",),
    )
    assert no_token.status_code == 400
    assert draft_data(demo, "order-bad")["questions"] == []


def test_does_the_gift_import_preview_say_ordering_is_unsupported(demo):
    trainer = signed_in(demo, "trainer")
    assert create_module(trainer, "order-gift").status_code == 302
    url = "/authoring/m/order-gift/gift"
    page = trainer.get(url).get_data(as_text=True)
    assert "Unsupported in GIFT" in page and "Put steps in order" in page

    gift = "::q1:: Which is right? {=yes ~no #### Because.}\n"
    preview = fill_and_post(trainer, url, {"text": gift, "action": "preview"}, field="text")
    text = preview.get_data(as_text=True)
    will = text.index("Will be imported")
    assert "Unsupported in GIFT" in text[will:] and "Put steps in order" in text[will:]


def test_does_an_ordering_question_survive_export_and_reimport_unchanged(order_course, tmp_path):
    with order_course.app_context():
        module = db.session.scalar(select(Module).where(Module.slug == SLUG))
        files = module_files(source_from_db(module))
        version = module.version
    out = tmp_path / "exported" / SLUG
    for name, data in files.items():
        (out / name).parent.mkdir(parents=True, exist_ok=True)
        (out / name).write_bytes(data)
    assert "type: ordering" in files["vi/quiz.yml"].decode()
    report = import_into(order_course, out.parent)
    with order_course.app_context():
        module = db.session.scalar(select(Module).where(Module.slug == SLUG))
        assert module.version == version, report
    (reloaded,) = load_courses(out.parent)
    assert module_files(reloaded) == files


def test_do_statistics_name_the_step_most_often_put_in_the_wrong_place(order_course):
    app = order_course
    names_ = ["ann", "binh", "chi"]
    for name in names_:
        make_learner(app, name)
    with app.app_context():
        quiz = quiz_of(SLUG)
        question = quiz.questions[0]
        right = [c.id for c in question.choices]
        orders = [
            right,  # all right
            [right[1], right[0], right[2], right[3]],  # steps 1 and 2 swapped
            [right[3], right[0], right[1], right[2]],  # step 4 first: all four misplaced
        ]
        start_at = datetime(2026, 3, 1, 8, 0)
        for n, (name, order) in enumerate(zip(names_, orders, strict=True)):
            user = db.session.scalar(select(User).where(User.username == name))
            attempt = services.start_attempt(
                user, quiz, "vi", rng=random.Random(n), now=start_at + timedelta(hours=n)
            )
            services.submit_attempt(
                attempt,
                {f"q{question.id}": places(right, order)},
                now=start_at + timedelta(hours=n),
            )
        db.session.commit()
        (row,) = question_stats(quiz.id)

    assert row.answered == 3
    # Scores 1, 1/3 (only 3-4 kept), 2/3 (1-2 and 2-3 kept).
    assert row.facility == pytest.approx(2 / 3)
    # Steps 1 and 2 were misplaced twice each; ties go to the first step.
    assert (row.top_wrong_choice_id, row.top_wrong_count) == (right[0], 2)


def test_does_the_statistics_page_show_an_ordering_question(order_course):
    trainer = signed_in(order_course, "trainer")
    page = trainer.get(f"/authoring/m/{SLUG}/stats")
    assert page.status_code == 200
    assert "put-in-order" in page.get_data(as_text=True)


def test_does_the_yaml_of_an_ordering_question_read_as_documented(tmp_path):
    # courses/README.md shows this shape; keep the two in step.
    text = dump_yaml({"questions": [ORDERING]})
    assert "choices:\n  - text: Stop @lang" in text
