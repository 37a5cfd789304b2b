"""Results that teach (issue 12, item 6): wrong answers first, each linking to the lesson
that teaches it (a question's `lesson:` key, carried from the course files through the
database, the editor and export); right answers folded; "Try again" at top and bottom."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml
from sqlalchemy import select

from learnapp import db
from learnapp.content import sources as s
from learnapp.content.loader import load_courses
from learnapp.models import Choice, Question, QuizAttempt
from tests.authoring_helpers import (
    add_lesson,
    add_question,
    create_module,
    draft_data,
    fill_and_post,
    lesson_fields,
    publish,
    signed_in,
    single_choice_fields,
)
from tests.conftest import post
from tests.factories import (
    import_into,
    module_settings,
    sample_lessons,
    sample_questions,
    write_module,
)

SLUG = "teach-module"
COURSES = Path(__file__).resolve().parent.parent / "courses"


def questions_with_lessons() -> list[dict]:
    """The sample pool; pick-one and true-or-false taught by lesson-1, pick-many by
    lesson-2, type-it by no lesson."""
    pool = sample_questions()
    lessons = {"pick-one": "lesson-1", "pick-many": "lesson-2", "true-or-false": "lesson-1"}
    for question in pool:
        if question["id"] in lessons:
            question["lesson"] = lessons[question["id"]]
    return pool


def courses_with(tmp_path: Path, questions: list[dict] | dict | None = None, **kw) -> Path:
    root = tmp_path / "courses"
    write_module(
        root,
        SLUG,
        lessons=sample_lessons(2),
        questions=questions if questions is not None else questions_with_lessons(),
        **kw,
    )
    return root


def problems_of(root: Path) -> list[str]:
    with pytest.raises(s.ContentError) as caught:
        load_courses(root)
    return [str(p) for p in caught.value.problems]


@pytest.fixture
def course(demo, tmp_path):
    import_into(demo, courses_with(tmp_path))
    return demo


def start(client) -> str:
    response = post(client, f"/m/{SLUG}/quiz/start", token_from=f"/m/{SLUG}/quiz")
    assert response.status_code == 302
    return urlsplit(response.headers["Location"]).path


def answer(app, path: str, right_keys: set[str]) -> dict[str, list[str]]:
    """Form values: right for the questions in right_keys, wrong for the others."""
    values: dict[str, list[str]] = {}
    with app.app_context():
        attempt = db.session.get(QuizAttempt, int(path.rsplit("/", 1)[1]))
        for question_id, choice_ids in attempt.layout:
            question = db.session.get(Question, question_id)
            right = question.key in right_keys
            choices = [db.session.get(Choice, cid) for cid in choice_ids]
            if question.type.value == "short":
                values[f"q{question_id}"] = ["tin giả" if right else "no idea"]
                continue
            pick = [str(c.id) for c in choices if c.is_correct == right]
            values[f"q{question_id}"] = pick if question.type.value == "multiple" else pick[:1]
    return values


def result_page(app, client, right_keys: set[str]) -> str:
    path = start(client)
    response = post(client, path, answer(app, path, right_keys), token_from=path)
    assert response.status_code == 302
    page = client.get(f"{path}/result")
    assert page.status_code == 200
    return page.get_data(as_text=True)


def question_order(html: str) -> list[str]:
    """The question texts of the review sections, in page order."""
    return re.findall(
        r"(Which one is right|Tick the right ones|The sky is green|Type the name)", html
    )


# --- the results page ------------------------------------------------------------------


def test_are_wrong_answers_listed_before_the_right_ones_which_are_folded(course, client, auth):
    auth.sign_in("learner")

    page = result_page(course, client, right_keys={"pick-many", "type-it"})

    to_review, folded = page.split('<details class="card right-answers"', 1)
    assert set(question_order(to_review)) == {"Which one is right", "The sky is green"}
    assert set(question_order(folded)) == {"Tick the right ones", "Type the name"}
    assert "</details>" in folded and "<summary>" in folded


def test_does_each_wrong_answer_link_to_the_lesson_that_teaches_it(course, client, auth):
    auth.sign_in("learner")

    page = result_page(course, client, right_keys=set())

    sections = re.findall(r'<section class="card review wrong".*?</section>', page, flags=re.S)
    links = {}
    for section in sections:
        name = question_order(section)[0]
        found = re.findall(rf'href="/m/{SLUG}/(lesson-\d)"', section)
        links[name] = found
    assert links == {
        "Which one is right": ["lesson-1"],
        "Tick the right ones": ["lesson-2"],
        "The sky is green": ["lesson-1"],
        "Type the name": [],  # names no lesson
    }
    assert "Lesson 1 vi" in page  # the link says which lesson, in the attempt's language


def test_is_there_no_lesson_link_on_a_right_answer(course, client, auth):
    auth.sign_in("learner")

    page = result_page(course, client, right_keys={"pick-one", "pick-many", "true-or-false"})

    folded = page.split('<details class="card right-answers"', 1)[1]
    assert f'href="/m/{SLUG}/lesson-' not in folded


def test_is_try_again_offered_at_the_top_and_the_bottom_after_a_fail(course, client, auth):
    auth.sign_in("learner")

    page = result_page(course, client, right_keys={"pick-one"})

    top = page.index('id="try-again-top"')
    bottom = page.index('id="try-again-bottom"')
    first_question = page.index('class="card review')
    assert top < first_question < bottom
    forms = re.findall(rf'<form method="post" action="/m/{SLUG}/quiz/start"', page)
    assert len(forms) == 2


def test_does_try_again_at_the_bottom_start_a_new_attempt_without_javascript(course, client, auth):
    auth.sign_in("learner")
    result_page(course, client, right_keys=set())

    response = post(client, f"/m/{SLUG}/quiz/start", token_from=f"/m/{SLUG}/quiz")

    assert response.status_code == 302
    assert re.fullmatch(r"/quiz/attempts/\d+", urlsplit(response.headers["Location"]).path)


def test_is_there_no_try_again_when_no_attempt_is_left(demo, tmp_path, client, auth):
    import_into(demo, courses_with(tmp_path, settings=module_settings(quiz={"max_attempts": 1})))
    auth.sign_in("learner")

    page = result_page(demo, client, right_keys=set())

    assert "try-again-top" not in page and "try-again-bottom" not in page
    assert "You have used all the attempts" in page or "Đồng chí đã dùng hết" in page


def test_is_everything_right_shown_folded_with_no_section_to_review(course, client, auth):
    auth.sign_in("learner")

    page = result_page(
        course, client, right_keys={"pick-one", "pick-many", "true-or-false", "type-it"}
    )

    assert 'id="to-review"' not in page and 'class="card review wrong"' not in page
    assert 'id="right-answers"' in page and "try-again-top" not in page


def test_is_the_link_left_out_when_the_lesson_was_retired(demo, tmp_path, client, auth):
    root = courses_with(tmp_path)
    import_into(demo, root)
    # lesson-2 leaves the files (and pick-many stops naming it): it is retired, not deleted.
    pool = questions_with_lessons()
    pool[1].pop("lesson")
    write_module(root, SLUG, lessons=sample_lessons(1), questions=pool)
    for lang in ("vi", "en"):
        (root / SLUG / lang / "02-lesson-2.md").unlink()
    import_into(demo, root)
    auth.sign_in("learner")

    page = result_page(demo, client, right_keys=set())

    assert f'href="/m/{SLUG}/lesson-2"' not in page
    assert f'href="/m/{SLUG}/lesson-1"' in page


# --- the lesson key in the course format ---------------------------------------------


def test_does_the_import_store_each_questions_lesson(course):
    with course.app_context():
        keys = {q.key: q.lesson_slug for q in db.session.scalars(select(Question))}

    assert keys == {
        "pick-one": "lesson-1",
        "pick-many": "lesson-2",
        "true-or-false": "lesson-1",
        "type-it": "",
    }


def test_is_a_lesson_that_is_not_in_the_module_refused_with_its_file_and_line(tmp_path):
    pool = questions_with_lessons()
    pool[0]["lesson"] = "lesson-9"

    problems = problems_of(courses_with(tmp_path, pool))

    assert any(
        p.startswith(f"{SLUG}/vi/quiz.yml:")
        and "question 'pick-one': lesson 'lesson-9' is not a lesson of this module" in p
        for p in problems
    ), problems


def test_is_a_lesson_that_is_not_a_slug_refused(tmp_path):
    pool = questions_with_lessons()
    pool[0]["lesson"] = "Lesson One"

    problems = problems_of(courses_with(tmp_path, pool))

    assert any("lesson 'Lesson One' is not a lesson slug" in p for p in problems), problems


def test_must_every_language_name_the_same_lesson(tmp_path):
    vi = questions_with_lessons()
    en = questions_with_lessons()
    en[0]["lesson"] = "lesson-2"

    problems = problems_of(courses_with(tmp_path, {"vi": vi, "en": en}))

    assert any(
        p.startswith(f"{SLUG}/en/quiz.yml:")
        and "names lesson 'lesson-2' here but 'lesson-1' in vi" in p
        for p in problems
    ), problems


def test_does_an_export_write_the_lesson_key_back_byte_for_byte(demo, tmp_path):
    root = courses_with(tmp_path)
    import_into(demo, root)
    out = tmp_path / "out"

    result = demo.test_cli_runner().invoke(args=["export-courses", str(out), "--module", SLUG])
    assert result.exit_code == 0, result.output
    exported = yaml.safe_load((out / SLUG / "en" / "quiz.yml").read_text(encoding="utf-8"))
    assert {q["id"]: q.get("lesson") for q in exported["questions"]} == {
        "pick-one": "lesson-1",
        "pick-many": "lesson-2",
        "true-or-false": "lesson-1",
        "type-it": None,
    }
    again = demo.test_cli_runner().invoke(args=["import-courses", str(out)])
    assert again.exit_code == 0 and "unchanged: " + SLUG in again.output
    second = tmp_path / "second"
    demo.test_cli_runner().invoke(args=["export-courses", str(second), "--module", SLUG])
    for lang in ("vi", "en"):
        first = (out / SLUG / lang / "quiz.yml").read_bytes()
        assert first == (second / SLUG / lang / "quiz.yml").read_bytes()


def test_does_every_shipped_question_name_a_lesson_of_its_module():
    missing = [
        (module.slug, q.key)
        for module in load_courses(COURSES)
        for q in module.questions
        if q.lesson not in {lesson.slug for lesson in module.lessons}
    ]

    assert missing == []


# --- the editor -------------------------------------------------------------------------


def test_can_a_trainer_choose_the_lesson_of_a_question_and_publish_it(demo):
    trainer = signed_in(demo, "trainer")
    assert create_module(trainer, "web-taught").status_code == 302
    for slug in ("first", "second"):
        fields = lesson_fields(slug, vi=f"Nội dung {slug}", en=f"Text {slug}")
        assert add_lesson(trainer, "web-taught", fields).status_code == 302
    form = trainer.get("/authoring/m/web-taught/questions/new").get_data(as_text=True)
    assert '<select id="lesson" name="lesson">' in form
    assert 'value="second"' in form

    fields = {**single_choice_fields("taught"), "lesson": "second"}
    assert add_question(trainer, "web-taught", fields).status_code == 302
    assert draft_data(demo, "web-taught")["questions"][0]["lesson"] == "second"
    page = trainer.get("/authoring/m/web-taught/questions/taught").get_data(as_text=True)
    assert re.search(r'<option selected value="second">|<option value="second" selected>', page)
    assert publish(trainer, "web-taught").status_code == 302

    with demo.app_context():
        question = db.session.scalar(select(Question).where(Question.key == "taught"))
        assert question.lesson_slug == "second"


def test_is_a_lesson_that_is_not_in_the_draft_refused_by_the_question_form(demo):
    trainer = signed_in(demo, "trainer")
    assert create_module(trainer, "web-refused").status_code == 302
    assert (
        add_lesson(trainer, "web-refused", lesson_fields("only", vi="Nội dung")).status_code == 302
    )

    response = add_question(
        trainer, "web-refused", {**single_choice_fields("q"), "lesson": "not-a-lesson"}
    )

    assert response.status_code == 200
    assert draft_data(demo, "web-refused")["questions"] == []


def test_does_renaming_a_lesson_in_the_editor_carry_its_questions_along(demo):
    trainer = signed_in(demo, "trainer")
    assert create_module(trainer, "web-renamed").status_code == 302
    assert (
        add_lesson(trainer, "web-renamed", lesson_fields("old", vi="Nội dung")).status_code == 302
    )
    fields = {**single_choice_fields("q"), "lesson": "old"}
    assert add_question(trainer, "web-renamed", fields).status_code == 302

    response = fill_and_post(
        trainer, "/authoring/m/web-renamed/lessons/old", {"slug": "new"}, field="body_vi"
    )

    assert response.status_code == 302
    assert draft_data(demo, "web-renamed")["questions"][0]["lesson"] == "new"


def test_does_deleting_a_lesson_in_the_editor_leave_its_questions_publishable(demo):
    trainer = signed_in(demo, "trainer")
    assert create_module(trainer, "web-deleted").status_code == 302
    for slug in ("kept", "gone"):
        fields = lesson_fields(slug, vi=f"Nội dung {slug}", en=f"Text {slug}")
        assert add_lesson(trainer, "web-deleted", fields).status_code == 302
    fields = {**single_choice_fields("q"), "lesson": "gone"}
    assert add_question(trainer, "web-deleted", fields).status_code == 302

    delete_url = "/authoring/m/web-deleted/lessons/gone/delete"
    page = trainer.get(delete_url).get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    assert trainer.post(delete_url, data={"csrf_token": token}).status_code == 302

    assert draft_data(demo, "web-deleted")["questions"][0]["lesson"] == ""
    assert publish(trainer, "web-deleted").status_code == 302
