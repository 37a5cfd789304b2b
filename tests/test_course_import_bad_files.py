"""Every check of the course-file loader (learnapp/content/loader.py) not already covered
by BAD_FILES in test_course_import.py: each bad file is reported with its file, line and
what is wrong, and nothing at all is imported (issue 3 item 1)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import select

from learnapp import db
from learnapp.models import Lesson
from tests.factories import (
    LANGS,
    PNG_BYTES,
    dump_yaml,
    import_into,
    module_settings,
    sample_questions,
    write_module,
)
from tests.test_course_import import (
    SLUG,
    Case,
    _rewrite_questions,
    assert_reported_and_nothing_imported,
    lesson_text,
    line_of,
    rewrite_lesson_body,
)

# --- module.yml ----------------------------------------------------------------------


def _rewrite_settings(folder: Path, **overrides) -> Path:
    path = folder / "module.yml"
    path.write_text(dump_yaml(module_settings(**overrides)), encoding="utf-8")
    return path


def unknown_completion_rule(folder: Path):
    path = _rewrite_settings(folder, completion="sometimes")
    return f"{SLUG}/module.yml", {line_of(path, "completion:")}, "completion must be one of"


def completion_with_a_quiz_but_no_quiz_file(folder: Path):
    path = folder / "module.yml"
    for lang in LANGS:
        (folder / lang / "quiz.yml").unlink()
    return (
        f"{SLUG}/module.yml",
        {line_of(path, "completion:")},
        "completion 'lessons_and_quiz' needs a quiz.yml with questions",
    )


def quiz_completion_without_a_quiz_file(folder: Path):
    path = _rewrite_settings(folder, completion="quiz")
    for lang in LANGS:
        (folder / lang / "quiz.yml").unlink()
    return (
        f"{SLUG}/module.yml",
        {line_of(path, "completion:")},
        "completion 'quiz' needs a quiz.yml with questions",
    )


def completion_with_lessons_but_no_lesson(folder: Path):
    path = folder / "module.yml"
    for lesson in folder.glob("*/*.md"):
        lesson.unlink()
    return (
        f"{SLUG}/module.yml",
        {line_of(path, "completion:")},
        "completion 'lessons_and_quiz' needs at least one lesson",
    )


def _out_of_range(key: str, value: int, low: int, high: int) -> Case:
    def case(folder: Path):
        path = _rewrite_settings(folder, quiz={key: value})
        return (
            f"{SLUG}/module.yml",
            {line_of(path, f"{key}:")},
            f"'{key}' must be a whole number from {low} to {high}",
        )

    case.__name__ = f"{key}_out_of_range"
    return case


def default_language_without_its_folder(folder: Path):
    shutil.rmtree(folder / "en")
    path = _rewrite_settings(folder, default_language="en")
    return (
        f"{SLUG}/module.yml",
        {line_of(path, "default_language:")},
        "default_language 'en' has no folder",
    )


def no_language_folder(folder: Path):
    for lang in LANGS:
        shutil.rmtree(folder / lang)
    return SLUG, {1}, "no language folder (vi, en)"


def unknown_folder(folder: Path):
    (folder / "fr").mkdir()
    (folder / "fr" / "01-lesson-1.md").write_text("---\ntitle: Un\n---\nTexte.\n")
    return f"{SLUG}/fr", {1}, "unknown folder: use a language (vi, en), images or audio"


# --- lesson files ----------------------------------------------------------------------


def lesson_over_200_kb(folder: Path):
    path = folder / "vi" / "01-lesson-1.md"
    path.write_text("---\ntitle: Big\n---\n" + "Chữ rất dài. " * 20_000, encoding="utf-8")
    return f"{SLUG}/vi/01-lesson-1.md", {1}, "file is larger than 200 KB"


def quiz_over_200_kb(folder: Path):
    path = folder / "en" / "quiz.yml"
    path.write_text(path.read_text(encoding="utf-8") + "#" * 205_000 + "\n", encoding="utf-8")
    return f"{SLUG}/en/quiz.yml", {1}, "file is larger than 200 KB"


def unclosed_front_matter(folder: Path):
    path = folder / "en" / "02-lesson-2.md"
    path.write_text("---\ntitle: Two\nminutes: 4\n\nThe text, but no closing line.\n")
    return f"{SLUG}/en/02-lesson-2.md", {1}, "front matter is not closed by a line '---'"


def empty_lesson_body(folder: Path):
    path = folder / "vi" / "02-lesson-2.md"
    path.write_text("---\ntitle: Hai\nminutes: 4\n---\n\n   \n", encoding="utf-8")
    # The problem is on the first line of the (empty) body, after the closing '---'.
    return (
        f"{SLUG}/vi/02-lesson-2.md",
        {line_of(path, "---", 2) + 1},
        "the lesson has no text after the front matter",
    )


def badly_named_image(folder: Path):
    (folder / "images").mkdir()
    (folder / "images" / "Bản Đồ.PNG").write_bytes(PNG_BYTES)
    return (
        f"{SLUG}/images/Bản Đồ.PNG",
        {1},
        "images are .png, .jpg or .webp with a lower-case ASCII name",
    )


# --- quiz.yml --------------------------------------------------------------------------


def _question_line(folder: Path, question_id: str, lang: str = "en") -> int:
    return line_of(folder / lang / "quiz.yml", f"- id: {question_id}")


def unknown_question_type(folder: Path):
    _rewrite_questions(folder, lambda qs: qs[0].update(type="essay"))
    return (
        f"{SLUG}/en/quiz.yml",
        {_question_line(folder, "pick-one"), line_of(folder / "en" / "quiz.yml", "type: essay")},
        "type 'essay' is not one of single, multiple, truefalse, short",
    )


def unknown_match_mode(folder: Path):
    _rewrite_questions(folder, lambda qs: qs[3].update(match="fuzzy"))
    return (
        f"{SLUG}/en/quiz.yml",
        {_question_line(folder, "type-it"), line_of(folder / "en" / "quiz.yml", "match: fuzzy")},
        "match must be one of loose, diacritics, exact",
    )


def correct_that_is_not_true_or_false(folder: Path):
    _rewrite_questions(folder, lambda qs: qs[1]["choices"][0].update(correct="right"))
    return (
        f"{SLUG}/en/quiz.yml",
        {line_of(folder / "en" / "quiz.yml", "correct: right")},
        "'correct' must be true or false",
    )


def choices_on_a_truefalse_question(folder: Path):
    _rewrite_questions(folder, lambda qs: qs[2].update(choices=[{"text": "Yes"}, {"text": "No"}]))
    return (
        f"{SLUG}/en/quiz.yml",
        {_question_line(folder, "true-or-false")},
        "a truefalse question has no choices",
    )


def choices_on_a_short_question(folder: Path):
    _rewrite_questions(folder, lambda qs: qs[3].update(choices=[{"text": "A"}, {"text": "B"}]))
    return (
        f"{SLUG}/en/quiz.yml",
        {_question_line(folder, "type-it")},
        "a short question has no choices",
    )


def empty_accepted_answer(folder: Path):
    _rewrite_questions(folder, lambda qs: qs[3].update(answers=["tin giả", "  "]))
    return (
        f"{SLUG}/en/quiz.yml",
        {_question_line(folder, "type-it")},
        "an accepted answer is empty",
    )


def question_type_differs_between_languages(folder: Path):
    en = sample_questions()
    en[0]["type"] = "multiple"  # one correct choice: a valid multiple-answer question
    write_module(folder.parent, folder.name, questions={"vi": sample_questions(), "en": en})
    return (
        f"{SLUG}/en/quiz.yml",
        {_question_line(folder, "pick-one")},
        "question 'pick-one' has type multiple here but single in vi",
    )


def extra_question_in_one_language(folder: Path):
    en = sample_questions()
    en.append({**sample_questions()[0], "id": "only-in-english"})
    write_module(folder.parent, folder.name, questions={"vi": sample_questions(), "en": en})
    return (
        f"{SLUG}/en/quiz.yml",
        {_question_line(folder, "only-in-english")},
        "question 'only-in-english' is not in the vi quiz",
    )


def quiz_file_missing_in_one_language(folder: Path):
    (folder / "en" / "quiz.yml").unlink()
    return f"{SLUG}/en", {1}, "quiz.yml is missing in this language"


BAD_FILES: dict[str, Case] = {
    "unknown-completion-rule": unknown_completion_rule,
    "completion-with-a-quiz-but-no-quiz-file": completion_with_a_quiz_but_no_quiz_file,
    "quiz-completion-without-a-quiz-file": quiz_completion_without_a_quiz_file,
    "completion-with-lessons-but-no-lesson": completion_with_lessons_but_no_lesson,
    "pass-mark-0": _out_of_range("pass_mark", 0, 1, 100),
    "pass-mark-101": _out_of_range("pass_mark", 101, 1, 100),
    "draw-negative": _out_of_range("draw", -1, 0, 500),
    "draw-501": _out_of_range("draw", 501, 0, 500),
    "max-attempts-101": _out_of_range("max_attempts", 101, 0, 100),
    "time-limit-601": _out_of_range("time_limit_minutes", 601, 0, 600),
    "default-language-without-its-folder": default_language_without_its_folder,
    "no-language-folder": no_language_folder,
    "unknown-folder": unknown_folder,
    "lesson-over-200-kb": lesson_over_200_kb,
    "quiz-over-200-kb": quiz_over_200_kb,
    "unclosed-front-matter": unclosed_front_matter,
    "empty-lesson-body": empty_lesson_body,
    "badly-named-image": badly_named_image,
    "unknown-question-type": unknown_question_type,
    "unknown-match-mode": unknown_match_mode,
    "correct-that-is-not-true-or-false": correct_that_is_not_true_or_false,
    "choices-on-a-truefalse-question": choices_on_a_truefalse_question,
    "choices-on-a-short-question": choices_on_a_short_question,
    "empty-accepted-answer": empty_accepted_answer,
    "question-type-differs-between-languages": question_type_differs_between_languages,
    "extra-question-in-one-language": extra_question_in_one_language,
    "quiz-file-missing-in-one-language": quiz_file_missing_in_one_language,
}


@pytest.fixture
def courses_with_a_good_module(app, tmp_path) -> Path:
    """courses/ holding an imported good module, changed since, and a fresh test-module."""
    root = tmp_path / "courses"
    good = write_module(root, "good-module")
    import_into(app, root)
    # A change to the good module too: an import that went halfway would show it.
    rewrite_lesson_body(good, "01-lesson-1.md", "\nCHANGED-IN-BAD-IMPORT\n")
    write_module(root, SLUG)
    return root


@pytest.mark.parametrize("break_folder", BAD_FILES.values(), ids=BAD_FILES.keys())
def test_is_each_bad_file_reported_with_file_line_and_reason_and_nothing_imported(
    app, courses_with_a_good_module, break_folder
):
    path, lines, fragment = break_folder(courses_with_a_good_module / SLUG)

    assert_reported_and_nothing_imported(app, courses_with_a_good_module, path, lines, fragment)


def test_is_an_accepted_answer_left_blank_in_the_list_reported_as_empty(
    app, courses_with_a_good_module
):
    folder = courses_with_a_good_module / SLUG
    _rewrite_questions(folder, lambda qs: qs[3].update(answers=["tin giả", None]))

    assert_reported_and_nothing_imported(
        app,
        courses_with_a_good_module,
        f"{SLUG}/en/quiz.yml",
        {_question_line(folder, "type-it")},
        "an accepted answer is empty",
    )


def test_does_a_course_saved_with_windows_line_endings_import_like_the_same_files(app, tmp_path):
    unix, windows = tmp_path / "unix", tmp_path / "windows"
    write_module(unix, SLUG)
    shutil.copytree(unix, windows)
    for path in windows.rglob("*"):
        if path.suffix in (".md", ".yml"):
            path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))
    first = import_into(app, windows)
    assert first.created == [SLUG]
    with app.app_context():
        lesson = db.session.scalars(select(Lesson).where(Lesson.module.has(slug=SLUG))).first()
        text = lesson_text(SLUG, lesson.slug, "en")
        assert "\r" not in text.body_md and text.body_html.strip()
    # The same course with Unix line endings is the same content: nothing to change.
    again = import_into(app, unix)
    assert again.unchanged == [SLUG] and not again.updated
