"""Importing courses/ files: validation with file and line, all or nothing, versions,
retirement, and Markdown sanitised once at import (issue 3 item 1, SECURITY 15)."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import func, select

from learnapp import db
from learnapp.content.sources import ContentError
from learnapp.models import (
    Choice,
    ChoiceText,
    JobAid,
    Lesson,
    LessonProgress,
    LessonText,
    Module,
    Question,
    QuestionText,
    Quiz,
    QuizAttempt,
)
from tests.conftest import post
from tests.factories import (
    LANGS,
    PNG_BYTES,
    import_into,
    module_settings,
    row_counts,
    sample_lessons,
    sample_questions,
    user_id,
    write_module,
)

SLUG = "test-module"


# --- helpers -------------------------------------------------------------------------


def line_of(path: Path, needle: str, occurrence: int = 1) -> int:
    """The 1-based line of the n-th line of the file that contains needle."""
    seen = 0
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if needle in line:
            seen += 1
            if seen == occurrence:
                return number
    raise AssertionError(f"{needle!r} not in {path}")


def import_problems(app, root: Path) -> list:
    with pytest.raises(ContentError) as caught:
        import_into(app, root)
    return caught.value.problems


def lesson_row(slug: str, lesson_slug: str) -> Lesson:
    return db.session.scalar(
        select(Lesson).join(Module).where(Module.slug == slug, Lesson.slug == lesson_slug)
    )


def lesson_text(slug: str, lesson_slug: str, lang: str) -> LessonText:
    return next(t for t in lesson_row(slug, lesson_slug).texts if t.language == lang)


def rewrite_lesson_body(folder: Path, file_name: str, extra: str) -> None:
    for lang in LANGS:
        path = folder / lang / file_name
        path.write_text(path.read_text(encoding="utf-8") + extra, encoding="utf-8")


# --- a valid folder ------------------------------------------------------------------


def test_does_a_valid_folder_import_every_lesson_question_choice_and_aid(app, tmp_path):
    root = tmp_path / "courses"
    write_module(
        root,
        SLUG,
        settings=module_settings(quiz={"draw": 3, "max_attempts": 2, "time_limit_minutes": 15}),
        lessons=[
            *sample_lessons(2),
            {
                "slug": "with-picture",
                "title": "Picture @lang",
                "minutes": 3,
                "body": "Look:\n\n![A map](images/map.png)\n",
            },
        ],
        aids=[{"slug": "agenda", "title": "Agenda @lang"}],
        images={"map.png": PNG_BYTES},
    )

    report = import_into(app, root)

    assert report.created == [SLUG]
    counts = row_counts(app)
    assert counts["module"] == 1 and counts["module_text"] == 2
    assert counts["lesson"] == 3 and counts["lesson_text"] == 6
    assert counts["job_aid"] == 1 and counts["job_aid_text"] == 2
    assert counts["quiz"] == 1 and counts["question"] == 4 and counts["question_text"] == 8
    # single 3 + multiple 4 + truefalse 2 (true, false) + short 0
    assert counts["choice"] == 9 and counts["choice_text"] == 18
    with app.app_context():
        quiz = db.session.scalar(select(Quiz))
        assert (quiz.pass_mark, quiz.draw_count, quiz.max_attempts, quiz.time_limit_minutes) == (
            70,
            3,
            2,
            15,
        )
        assert [q.key for q in quiz.questions] == [
            "pick-one",
            "pick-many",
            "true-or-false",
            "type-it",
        ]
        tf = next(q for q in quiz.questions if q.key == "true-or-false")
        # answer: false, so the "false" choice (position 1) is the correct one
        assert [c.is_correct for c in tf.choices] == [False, True]
        short = next(q for q in quiz.questions if q.key == "type-it")
        assert {t.accepted_answers[0] for t in short.texts} == {"tin giả"}
        picture = lesson_text(SLUG, "with-picture", "en")
        src = re.search(r'<img alt="A map" src="(/media/[0-9a-f]+\.png)"', picture.body_html)
        assert src, picture.body_html
        stored = Path(app.instance_path) / "media" / src.group(1).removeprefix("/media/")
        assert stored.read_bytes() == PNG_BYTES
        assert lesson_text(SLUG, "lesson-1", "en").title == "Lesson 1 en"
        assert lesson_text(SLUG, "lesson-1", "vi").title == "Lesson 1 vi"


def test_does_the_feedback_of_each_truefalse_answer_reach_its_stored_choice(app, tmp_path):
    root = tmp_path / "courses"
    questions = sample_questions()
    tf = next(q for q in questions if q["type"] == "truefalse")
    tf["feedback_true"] = "Look again at the sky, *@lang*"
    tf["feedback_false"] = "Right, @lang"
    write_module(root, SLUG, questions=questions)

    import_into(app, root)

    with app.app_context():
        question = db.session.scalar(select(Question).where(Question.key == tf["id"]))
        by_answer = {
            c.position: {t.language: (t.feedback_md, t.feedback_html) for t in c.texts}
            for c in question.choices
        }
    assert by_answer[0]["en"] == (
        "Look again at the sky, *en*",
        "Look again at the sky, <em>en</em>",
    )
    assert by_answer[1]["vi"] == ("Right, vi", "Right, vi")


def test_is_a_lesson_image_served_to_a_learner_with_its_type_and_nosniff(
    demo, client, auth, tmp_path
):
    root = tmp_path / "courses"
    lesson = {"slug": "picture", "title": "P", "minutes": 3, "body": "![A map](images/map.png)\n"}
    write_module(root, SLUG, lessons=[lesson], images={"map.png": PNG_BYTES})
    import_into(demo, root)
    auth.sign_in("learner")

    page = client.get(f"/m/{SLUG}/picture").get_data(as_text=True)
    src = re.search(r'<img alt="A map" src="(/media/[0-9a-f]+\.png)"', page).group(1)
    image = client.get(src)
    anonymous = demo.test_client().get(src)

    assert image.status_code == 200 and image.data == PNG_BYTES
    assert image.mimetype == "image/png"
    assert image.headers["X-Content-Type-Options"] == "nosniff"
    assert anonymous.status_code == 302


# --- each kind of bad file -----------------------------------------------------------
# A case breaks the freshly written test-module folder and returns where the problem is:
# (path relative to courses/, the acceptable line numbers, a fragment of the message).

Case = Callable[[Path], tuple[str, set[int], str]]


def _rewrite_questions(folder: Path, change: Callable[[list[dict]], object]) -> None:
    questions = sample_questions()
    change(questions)
    write_module(folder.parent, folder.name, questions=questions)


def yaml_syntax_error(folder: Path):
    (folder / "module.yml").write_text(
        "order: 1\ndefault_language: vi\ntitle: vi: two colons\n", encoding="utf-8"
    )
    return f"{SLUG}/module.yml", {3}, "YAML cannot be read"


def yaml_syntax_error_in_quiz(folder: Path):
    path = folder / "en" / "quiz.yml"
    text = path.read_text(encoding="utf-8").replace(
        "  text: Tick the right ones en", "  text: [Tick the right ones en"
    )
    path.write_text(text, encoding="utf-8")
    line = line_of(path, "[Tick the right ones")
    # PyYAML notices the unclosed bracket on that line or the next one.
    return f"{SLUG}/en/quiz.yml", {line, line + 1}, "YAML cannot be read"


def missing_module_yml(folder: Path):
    (folder / "module.yml").unlink()
    return SLUG, {1}, "module.yml is missing"


def unknown_key_in_module_yml(folder: Path):
    path = folder / "module.yml"
    path.write_text(path.read_text(encoding="utf-8") + "colour: red\n", encoding="utf-8")
    return (
        f"{SLUG}/module.yml",
        {1, line_of(path, "colour")},
        "unknown key(s) in module.yml: colour",
    )


def unknown_key_in_question(folder: Path):
    _rewrite_questions(folder, lambda qs: qs[1].update(hint="Look closely"))
    path = folder / "en" / "quiz.yml"
    return (
        f"{SLUG}/en/quiz.yml",
        {line_of(path, "- id: pick-many"), line_of(path, "hint:")},
        "unknown key(s) in question: hint",
    )


def lesson_without_front_matter(folder: Path):
    (folder / "en" / "01-lesson-1.md").write_text("Just a text, no front matter.\n")
    return f"{SLUG}/en/01-lesson-1.md", {1}, "must start with '---'"


def bad_file_name(folder: Path):
    (folder / "en" / "1_Intro.md").write_text("---\ntitle: Intro\n---\nText.\n")
    return f"{SLUG}/en/1_Intro.md", {1}, "NN-lesson-slug.md"


def missing_title(folder: Path):
    (folder / "vi" / "02-lesson-2.md").write_text("---\nminutes: 4\n---\nText.\n")
    return f"{SLUG}/vi/02-lesson-2.md", {1, 2}, "'title' is missing"


def lesson_missing_in_one_language(folder: Path):
    (folder / "en" / "02-lesson-2.md").unlink()
    return SLUG, {1}, "lesson 'lesson-2' is missing in: en"


def question_id_used_twice(folder: Path):
    _rewrite_questions(folder, lambda qs: qs[2].update(id="pick-one"))
    path = folder / "en" / "quiz.yml"
    return f"{SLUG}/en/quiz.yml", {line_of(path, "- id: pick-one", 2)}, "'pick-one' is used twice"


def single_with_no_correct_choice(folder: Path):
    _rewrite_questions(folder, lambda qs: qs[0]["choices"][0].pop("correct"))
    path = folder / "vi" / "quiz.yml"
    return (
        f"{SLUG}/vi/quiz.yml",
        {line_of(path, "- id: pick-one")},
        "exactly one correct choice, it has 0",
    )


def single_with_two_correct_choices(folder: Path):
    _rewrite_questions(folder, lambda qs: qs[0]["choices"][1].update(correct=True))
    path = folder / "vi" / "quiz.yml"
    return (
        f"{SLUG}/vi/quiz.yml",
        {line_of(path, "- id: pick-one")},
        "exactly one correct choice, it has 2",
    )


def multiple_with_no_correct_choice(folder: Path):
    def change(qs):
        for choice in qs[1]["choices"]:
            choice.pop("correct", None)

    _rewrite_questions(folder, change)
    path = folder / "en" / "quiz.yml"
    return f"{SLUG}/en/quiz.yml", {line_of(path, "- id: pick-many")}, "at least one correct choice"


def truefalse_without_answer(folder: Path):
    _rewrite_questions(folder, lambda qs: qs[2].pop("answer"))
    path = folder / "en" / "quiz.yml"
    return (
        f"{SLUG}/en/quiz.yml",
        {line_of(path, "- id: true-or-false")},
        "'answer: true' or 'answer: false'",
    )


def short_without_answers(folder: Path):
    _rewrite_questions(folder, lambda qs: qs[3].pop("answers"))
    path = folder / "en" / "quiz.yml"
    return f"{SLUG}/en/quiz.yml", {line_of(path, "- id: type-it")}, "list of accepted 'answers'"


def question_missing_in_one_language(folder: Path):
    questions = sample_questions()
    write_module(folder.parent, folder.name, questions={"vi": questions, "en": questions[:3]})
    return f"{SLUG}/en/quiz.yml", {1}, "question 'type-it' is missing in this language"


def correct_positions_differ_between_languages(folder: Path):
    vi = sample_questions()
    en = sample_questions()
    en[0]["choices"][0], en[0]["choices"][1] = en[0]["choices"][1], en[0]["choices"][0]
    write_module(folder.parent, folder.name, questions={"vi": vi, "en": en})
    path = folder / "en" / "quiz.yml"
    return (
        f"{SLUG}/en/quiz.yml",
        {line_of(path, "- id: pick-one")},
        "correct positions differ from vi",
    )


def missing_explanation(folder: Path):
    _rewrite_questions(folder, lambda qs: qs[1].pop("explanation"))
    path = folder / "en" / "quiz.yml"
    return f"{SLUG}/en/quiz.yml", {line_of(path, "- id: pick-many")}, "'explanation' is missing"


def truefalse_feedback_on_a_single_question(folder: Path):
    _rewrite_questions(folder, lambda qs: qs[0].update(feedback_true="Not here"))
    path = folder / "en" / "quiz.yml"
    return (
        f"{SLUG}/en/quiz.yml",
        {line_of(path, "feedback_true:")},
        "'feedback_true' is only for a truefalse question",
    )


def image_referenced_but_absent(folder: Path):
    path = folder / "en" / "01-lesson-1.md"
    path.write_text(
        path.read_text(encoding="utf-8") + "\nSee the map:\n\n![The map](images/map.png)\n",
        encoding="utf-8",
    )
    return (
        f"{SLUG}/en/01-lesson-1.md",
        {line_of(path, "![The map]")},
        "image 'images/map.png' not found",
    )


def image_that_is_not_what_it_claims(folder: Path):
    (folder / "images").mkdir()
    (folder / "images" / "map.png").write_bytes(b"GIF89a\x01\x00\x01\x00\x00\x00\x00;")
    return f"{SLUG}/images/map.png", {1}, "content is not a png image"


def svg_named_as_png(folder: Path):
    (folder / "images").mkdir()
    (folder / "images" / "logo.png").write_bytes(
        b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    )
    return f"{SLUG}/images/logo.png", {1}, "content is not a png image"


def non_utf8_file(folder: Path):
    (folder / "vi" / "01-lesson-1.md").write_bytes(
        "---\ntitle: Bài một\n---\nTiếng Việt.\n".encode("utf-16")
    )
    return f"{SLUG}/vi/01-lesson-1.md", {1}, "not UTF-8 text"


def non_utf8_quiz(folder: Path):
    (folder / "en" / "quiz.yml").write_bytes("questions:\n  - id: café\n".encode("latin-1"))
    return f"{SLUG}/en/quiz.yml", {1}, "not UTF-8 text"


BAD_FILES: dict[str, Case] = {
    "yaml-syntax-error": yaml_syntax_error,
    "yaml-syntax-error-in-quiz": yaml_syntax_error_in_quiz,
    "missing-module-yml": missing_module_yml,
    "unknown-key-in-module-yml": unknown_key_in_module_yml,
    "unknown-key-in-question": unknown_key_in_question,
    "lesson-without-front-matter": lesson_without_front_matter,
    "bad-file-name": bad_file_name,
    "missing-title": missing_title,
    "lesson-missing-in-one-language": lesson_missing_in_one_language,
    "question-id-used-twice": question_id_used_twice,
    "single-with-no-correct-choice": single_with_no_correct_choice,
    "single-with-two-correct-choices": single_with_two_correct_choices,
    "multiple-with-no-correct-choice": multiple_with_no_correct_choice,
    "truefalse-without-answer": truefalse_without_answer,
    "short-without-answers": short_without_answers,
    "question-missing-in-one-language": question_missing_in_one_language,
    "correct-positions-differ-between-languages": correct_positions_differ_between_languages,
    "missing-explanation": missing_explanation,
    "truefalse-feedback-on-a-single-question": truefalse_feedback_on_a_single_question,
    "image-referenced-but-absent": image_referenced_but_absent,
    "image-that-is-not-what-it-claims": image_that_is_not_what_it_claims,
    "svg-named-as-png": svg_named_as_png,
    "non-utf8-lesson": non_utf8_file,
    "non-utf8-quiz": non_utf8_quiz,
}


@pytest.mark.parametrize("break_folder", BAD_FILES.values(), ids=BAD_FILES.keys())
def test_is_a_bad_file_reported_with_file_line_and_reason_and_nothing_changed(
    app, tmp_path, break_folder
):
    root = tmp_path / "courses"
    good = write_module(root, "good-module")
    import_into(app, root)
    # A change to the good module too: an import that went halfway would show it.
    rewrite_lesson_body(good, "01-lesson-1.md", "\nCHANGED-IN-BAD-IMPORT\n")
    folder = write_module(root, SLUG)
    path, lines, fragment = break_folder(folder)

    assert_reported_and_nothing_imported(app, root, path, lines, fragment)


def assert_reported_and_nothing_imported(app, root: Path, path: str, lines, fragment) -> None:
    """The import of root names path, one of lines and fragment, and changes nothing.

    root holds "good-module", imported before and changed since, beside the broken SLUG.
    """
    before = row_counts(app)

    problems = import_problems(app, root)

    matching = [p for p in problems if p.path == path and fragment in p.message]
    assert matching, "\n".join(map(str, problems))
    assert matching[0].line in lines, str(matching[0])
    assert re.fullmatch(rf"{re.escape(path)}:\d+: .+", str(matching[0]))
    assert row_counts(app) == before
    with app.app_context():
        assert db.session.scalar(select(Module).where(Module.slug == SLUG)) is None
        assert "CHANGED-IN-BAD-IMPORT" not in lesson_text("good-module", "lesson-1", "vi").body_md
        assert lesson_row("good-module", "lesson-1").version == 1


def test_is_a_bad_front_matter_value_reported_on_the_line_where_it_is_written(app, tmp_path):
    root = tmp_path / "courses"
    folder = write_module(root, SLUG)
    path = folder / "en" / "01-lesson-1.md"
    path.write_text("---\ntitle: One\nminutes: 99\n---\nText.\n", encoding="utf-8")

    problems = import_problems(app, root)

    minutes = next(p for p in problems if "'minutes'" in p.message)
    assert (minutes.path, minutes.line) == (f"{SLUG}/en/01-lesson-1.md", 3)


def test_are_all_problems_of_a_folder_reported_in_one_go(app, tmp_path):
    root = tmp_path / "courses"
    folder = write_module(root, SLUG)
    non_utf8_file(folder)
    short_without_answers_path = folder / "vi" / "quiz.yml"
    text = short_without_answers_path.read_text(encoding="utf-8")
    short_without_answers_path.write_text(text.replace("  answer: false\n", ""), encoding="utf-8")
    bad_file_name(folder)

    problems = import_problems(app, root)

    messages = "\n".join(map(str, problems))
    assert "not UTF-8" in messages
    assert "'answer: true' or 'answer: false'" in messages
    assert "NN-lesson-slug.md" in messages


def test_does_one_bad_module_among_good_ones_import_nothing_at_all(app, tmp_path):
    root = tmp_path / "courses"
    write_module(root, "aaa-good", images={"map.png": PNG_BYTES})
    write_module(root, "bbb-bad", questions=[{**sample_questions()[0], "explanation": ""}])
    write_module(root, "ccc-good")

    problems = import_problems(app, root)

    assert {p.path.split("/")[0] for p in problems} == {"bbb-bad"}
    assert all(count == 0 for count in row_counts(app).values()), row_counts(app)
    media = Path(app.instance_path) / "media"
    assert not media.exists() or not any(media.iterdir())


def test_does_importing_twice_change_nothing(app, tmp_path):
    root = tmp_path / "courses"
    write_module(root, SLUG, images={"map.png": PNG_BYTES})
    write_module(root, "second-module", aids=[{"slug": "card", "title": "Card @lang"}])
    import_into(app, root)
    before = row_counts(app)
    with app.app_context():
        versions = dict(db.session.execute(select(Lesson.id, Lesson.version)).all())
        module_versions = dict(db.session.execute(select(Module.slug, Module.version)).all())

    report = import_into(app, root)

    assert sorted(report.unchanged) == ["second-module", SLUG]
    assert report.created == report.updated == report.new_lesson_versions == []
    assert row_counts(app) == before
    with app.app_context():
        assert dict(db.session.execute(select(Lesson.id, Lesson.version)).all()) == versions
        assert dict(db.session.execute(select(Module.slug, Module.version)).all()) == (
            module_versions
        )


def test_does_a_changed_module_keep_its_unchanged_rows_and_versions(app, tmp_path):
    root = tmp_path / "courses"
    folder = write_module(root, SLUG)
    import_into(app, root)
    before = row_counts(app)
    with app.app_context():
        ids = {
            "lessons": set(db.session.scalars(select(Lesson.id))),
            "questions": set(db.session.scalars(select(Question.id))),
            "choices": set(db.session.scalars(select(Choice.id))),
        }
    rewrite_lesson_body(folder, "02-lesson-2.md", "\nOne more line.\n")

    import_into(app, root)

    after = row_counts(app)
    # The only new row is the record of the module's new published version.
    assert after.pop("module_version") - before.pop("module_version") == 1
    assert after == before
    with app.app_context():
        assert set(db.session.scalars(select(Lesson.id))) == ids["lessons"]
        assert set(db.session.scalars(select(Question.id))) == ids["questions"]
        assert set(db.session.scalars(select(Choice.id))) == ids["choices"]
        assert lesson_row(SLUG, "lesson-1").version == 1
        assert lesson_row(SLUG, "lesson-2").version == 2


def test_does_a_changed_lesson_get_a_new_version_while_the_learner_keeps_the_progress(
    demo, client, auth, tmp_path
):
    app = demo
    root = tmp_path / "courses"
    folder = write_module(root, SLUG)
    import_into(app, root)
    auth.sign_in("learner")
    response = post(client, f"/m/{SLUG}/lesson-1/done", token_from=f"/m/{SLUG}/lesson-1")
    assert response.status_code == 302
    with app.app_context():
        lesson_id = lesson_row(SLUG, "lesson-1").id
    learner_id = user_id(app, "learner")
    rewrite_lesson_body(folder, "01-lesson-1.md", "\nA new paragraph for version two.\n")

    report = import_into(app, root)

    assert report.new_lesson_versions == [f"{SLUG}/lesson-1 v2"]
    with app.app_context():
        lesson = lesson_row(SLUG, "lesson-1")
        assert (lesson.id, lesson.version) == (lesson_id, 2)
        assert "version two" in lesson_text(SLUG, "lesson-1", "en").body_html
        progress = db.session.scalars(
            select(LessonProgress).where(LessonProgress.user_id == learner_id)
        ).all()
        assert [(p.lesson_id, p.lesson_version) for p in progress] == [(lesson_id, 1)]
    page = client.get(f"/m/{SLUG}").get_data(as_text=True)
    assert re.search(rf'<li class="done">\s*<a href="/m/{SLUG}/lesson-1">', page), page
    assert re.search(rf'<li class="todo">\s*<a href="/m/{SLUG}/lesson-2">', page)


def test_is_a_removed_lesson_retired_and_not_deleted(demo, client, auth, tmp_path):
    app = demo
    root = tmp_path / "courses"
    folder = write_module(root, SLUG, lessons=sample_lessons(3))
    import_into(app, root)
    auth.sign_in("learner")
    post(client, f"/m/{SLUG}/lesson-2/done", token_from=f"/m/{SLUG}/lesson-2")
    for lang in LANGS:
        (folder / lang / "02-lesson-2.md").unlink()

    import_into(app, root)

    with app.app_context():
        retired = lesson_row(SLUG, "lesson-2")
        assert retired is not None and retired.is_retired
        assert {t.language for t in retired.texts} == set(LANGS)
        assert (
            db.session.scalar(
                select(func.count(LessonProgress.id)).where(LessonProgress.lesson_id == retired.id)
            )
            == 1
        )
        assert not lesson_row(SLUG, "lesson-1").is_retired
    assert client.get(f"/m/{SLUG}/lesson-2").status_code == 404
    page = client.get(f"/m/{SLUG}").get_data(as_text=True)
    assert f"/m/{SLUG}/lesson-3" in page and f"/m/{SLUG}/lesson-2" not in page


def test_does_a_lesson_put_back_come_back_with_its_progress(demo, client, auth, tmp_path):
    app = demo
    root = tmp_path / "courses"
    folder = write_module(root, SLUG)
    import_into(app, root)
    auth.sign_in("learner")
    post(client, f"/m/{SLUG}/lesson-2/done", token_from=f"/m/{SLUG}/lesson-2")
    saved = {lang: (folder / lang / "02-lesson-2.md").read_bytes() for lang in LANGS}
    for lang in LANGS:
        (folder / lang / "02-lesson-2.md").unlink()
    import_into(app, root)
    for lang, data in saved.items():
        (folder / lang / "02-lesson-2.md").write_bytes(data)

    import_into(app, root)

    with app.app_context():
        assert not lesson_row(SLUG, "lesson-2").is_retired
        assert db.session.scalar(select(func.count(Lesson.id))) == 2
    page = client.get(f"/m/{SLUG}").get_data(as_text=True)
    assert re.search(rf'<li class="done">\s*<a href="/m/{SLUG}/lesson-2">', page)


# --- Markdown is sanitised once, at import --------------------------------------------

EVIL = (
    "<script>alert('x')</script> [a link](javascript:alert('x')) "
    '<img src="p.png" onerror="alert(1)"> <iframe src="https://example.org/"></iframe> '
    "[data link](data:text/html;base64,PHNjcmlwdD4=)"
)


def _evil_module(root: Path) -> Path:
    question = {
        "id": "evil",
        "type": "single",
        "text": f"Question words {EVIL} {{{{7*7}}}}",
        "choices": [
            {"text": f"Good choice {EVIL}", "correct": True},
            {"text": f"Evil choice {EVIL}", "feedback": f"Evil feedback {EVIL}"},
        ],
        "explanation": f"Explanation words {EVIL}",
    }
    lesson = {
        "slug": "evil-lesson",
        "title": "Evil",
        "minutes": 3,
        "body": f"## Heading\n\nLesson words {EVIL}\n\n"
        '<iframe src="https://example.org/"></iframe>\n\n'
        "<script>document.cookie</script>\n\n"
        "Sum: {{7*7}} and {% if 1 %}x{% endif %}\n",
    }
    return write_module(root, SLUG, lessons=[lesson], questions=[question])


def _assert_clean(page: str) -> None:
    assert "<script>alert" not in page and "<script>document" not in page
    assert "javascript:" not in page.lower()
    assert "onerror" not in page.lower()
    assert "<iframe" not in page.lower()
    assert "data:text/html" not in page


def test_is_markdown_sanitised_in_lessons_questions_choices_and_feedback(
    demo, client, auth, tmp_path
):
    app = demo
    _evil_module(tmp_path / "courses")
    import_into(app, tmp_path / "courses")
    auth.sign_in("learner")

    lesson_page = client.get(f"/m/{SLUG}/evil-lesson").get_data(as_text=True)
    start = post(client, f"/m/{SLUG}/quiz/start", token_from=f"/m/{SLUG}/quiz")
    take_url = start.headers["Location"]
    take_page = client.get(take_url).get_data(as_text=True)
    with app.app_context():
        evil_choice = db.session.scalar(select(Choice).where(Choice.is_correct.is_(False)))
        question_id = evil_choice.question_id
    post(client, take_url, {f"q{question_id}": str(evil_choice.id)}, token_from=take_url)
    result_page = client.get(take_url + "/result").get_data(as_text=True)

    assert "Lesson words" in lesson_page and "a link" in lesson_page
    assert "Question words" in take_page and "Evil choice" in take_page
    assert "Evil feedback" in result_page and "Explanation words" in result_page
    for page in (lesson_page, take_page, result_page):
        _assert_clean(page)
    with app.app_context():
        stored = [
            *db.session.scalars(select(LessonText.body_html)),
            *db.session.scalars(select(QuestionText.text_html)),
            *db.session.scalars(select(QuestionText.explanation_html)),
            *db.session.scalars(select(ChoiceText.text_html)),
            *db.session.scalars(select(ChoiceText.feedback_html)),
        ]
    for html in stored:
        _assert_clean(html)


def test_does_template_syntax_in_a_lesson_or_question_render_literally(
    demo, client, auth, tmp_path
):
    app = demo
    _evil_module(tmp_path / "courses")
    import_into(app, tmp_path / "courses")
    auth.sign_in("learner")

    lesson_page = client.get(f"/m/{SLUG}/evil-lesson").get_data(as_text=True)
    start = post(client, f"/m/{SLUG}/quiz/start", token_from=f"/m/{SLUG}/quiz")
    take_page = client.get(start.headers["Location"]).get_data(as_text=True)

    article = re.search(r"<article.*?</article>", lesson_page, flags=re.S).group(0)
    question = re.search(r'<div class="qtext">.*?</div>', take_page, flags=re.S).group(0)
    assert "Sum: {{7*7}} and {% if 1 %}x{% endif %}" in article
    assert "49" not in article
    assert "{{7*7}}" in question and "49" not in question


def test_is_rendered_html_stored_and_never_rendered_again_on_a_page_view(
    demo, client, auth, tmp_path, monkeypatch
):
    app = demo
    root = tmp_path / "courses"
    write_module(root, SLUG, aids=[{"slug": "card", "title": "Card @lang", "body": "## Fill\n"}])
    import_into(app, root)
    with app.app_context():
        body_html = lesson_text(SLUG, "lesson-1", "vi").body_html
        aid_id = db.session.scalar(select(JobAid.id))
    assert "<h2>Part 1</h2>" in body_html and "<li>one</li>" in body_html
    assert aid_id is not None

    def refuse(*args, **kwargs):
        raise AssertionError("Markdown rendered during a request")

    import markdown as python_markdown

    from learnapp.content import markdown

    monkeypatch.setattr(markdown, "render", refuse)
    monkeypatch.setattr(markdown, "render_inline", refuse)
    monkeypatch.setattr(markdown, "sanitise", refuse)
    monkeypatch.setattr(python_markdown, "markdown", refuse)
    monkeypatch.setattr(python_markdown.Markdown, "convert", refuse)
    auth.sign_in("learner")

    lesson_page = client.get(f"/m/{SLUG}/lesson-1")
    aid_page = client.get(f"/m/{SLUG}/aids/card")
    start = post(client, f"/m/{SLUG}/quiz/start", token_from=f"/m/{SLUG}/quiz")
    take = client.get(start.headers["Location"])
    post(  # submitted blank, past the question that asks first
        client,
        start.headers["Location"],
        {"confirm_blank": "1"},
        token_from=start.headers["Location"],
    )
    result = client.get(start.headers["Location"] + "/result")

    assert lesson_page.status_code == 200 and body_html in lesson_page.get_data(as_text=True)
    assert aid_page.status_code == 200 and "<h2>Fill</h2>" in aid_page.get_data(as_text=True)
    assert take.status_code == 200 and "Which one is right? vi" in take.get_data(as_text=True)
    assert result.status_code == 200
    assert "Explanation of pick-one vi" in result.get_data(as_text=True)


# --- the command line ------------------------------------------------------------------


def test_does_the_cli_print_file_line_message_and_exit_non_zero_for_a_bad_folder(app, tmp_path):
    root = tmp_path / "courses"
    folder = write_module(root, SLUG)
    yaml_syntax_error(folder)
    (folder.parent / "other").mkdir()
    write_module(root, "other")
    missing_title(root / "other")

    result = app.test_cli_runner().invoke(args=["import-courses", str(root)])

    assert result.exit_code != 0
    output = result.stderr if hasattr(result, "stderr") else result.output
    lines = output.splitlines()
    assert f"{SLUG}/module.yml:3: YAML cannot be read: mapping values are not allowed here" in lines
    assert any(re.fullmatch(r"other/vi/02-lesson-2\.md:\d+: 'title' is missing", x) for x in lines)
    assert "nothing was imported" in output
    assert all(count == 0 for count in row_counts(app).values())


def test_does_the_cli_import_a_good_folder_and_say_what_it_did(app, tmp_path):
    root = tmp_path / "courses"
    write_module(root, SLUG)

    first = app.test_cli_runner().invoke(args=["import-courses", str(root)])
    second = app.test_cli_runner().invoke(args=["import-courses", str(root)])

    assert first.exit_code == 0, first.output
    assert f"created: {SLUG}" in first.output
    assert second.exit_code == 0 and f"unchanged: {SLUG}" in second.output
    assert row_counts(app)["lesson"] == 2


def test_does_an_import_leave_learners_attempts_alone(demo, client, auth, tmp_path):
    app = demo
    root = tmp_path / "courses"
    folder = write_module(root, SLUG)
    import_into(app, root)
    auth.sign_in("learner")
    start = post(client, f"/m/{SLUG}/quiz/start", token_from=f"/m/{SLUG}/quiz")
    post(  # submitted blank, past the question that asks first
        client,
        start.headers["Location"],
        {"confirm_blank": "1"},
        token_from=start.headers["Location"],
    )
    rewrite_lesson_body(folder, "01-lesson-1.md", "\nMore.\n")

    import_into(app, root)

    with app.app_context():
        assert db.session.scalar(select(func.count(QuizAttempt.id))) == 1
    assert client.get(start.headers["Location"] + "/result").status_code == 200
