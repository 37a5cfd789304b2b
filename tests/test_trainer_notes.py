"""Trainer's notes in lessons (issue 20 item 6): a course-format block that trainers see
in the editor's preview and on paper, folded away for learners, sanitised like the rest
and outside the lesson's word count."""

from __future__ import annotations

import re
from pathlib import Path

from learnapp.content import markdown, trainer_notes
from tests.authoring_helpers import signed_in
from tests.conftest import csrf_token
from tests.factories import import_into, module_settings, write_module
from tests.test_course_import import import_problems, line_of
from tests.test_courses_content import COURSES, lesson_files, split_front_matter, words

NOTE_SLUG = "noted-module"
LESSON_BODY = """## Part one

Learners read this sentence.

!!! trainer "Note for @lang trainers"
    Wineburg and McGrew (2019) studied lateral reading. <script>alert(1)</script>
    [bad](javascript:alert(1)) <img src=x onerror=alert(1)>

    A second paragraph for trainers only.

## Sources

One line for learners.
"""


def noted_courses(tmp_path: Path) -> Path:
    root = tmp_path / "courses"
    write_module(
        root,
        NOTE_SLUG,
        settings=module_settings(completion="lessons"),
        lessons=[
            {
                "slug": "with-note",
                "minutes": 4,
                "title": "Noted @lang",
                "objective": "Objective @lang",
                "body": LESSON_BODY,
            }
        ],
        questions=[],
    )
    return root


def text_of(response) -> str:
    assert response.status_code == 200
    return response.get_data(as_text=True)


def details_blocks(html: str) -> list[str]:
    return re.findall(r"<details[^>]*>.*?</details>", html, re.S)


def test_is_a_trainers_note_rendered_as_a_closed_details_block_for_learners():
    html = markdown.render(LESSON_BODY, shift_headings=True)

    [note] = details_blocks(html)
    assert note.startswith('<details class="trainer-note">')
    assert "<summary>Note for @lang trainers</summary>" in note
    assert "Wineburg and McGrew (2019)" in note and "A second paragraph" in note
    assert "Learners read this sentence." not in note
    assert "Learners read this sentence." in html


def test_is_a_trainers_note_unfolded_in_the_trainers_view():
    html = trainer_notes.for_trainers(markdown.render(LESSON_BODY, shift_headings=True))

    [note] = details_blocks(html)
    assert note.startswith('<details class="trainer-note" open>')


def test_is_a_trainers_note_sanitised_like_the_rest_of_the_lesson():
    html = markdown.render(LESSON_BODY, shift_headings=True)

    for active in ("<script", "javascript:", "onerror"):
        assert active not in html


def test_can_raw_html_neither_open_a_note_for_learners_nor_smuggle_attributes():
    html = markdown.render(
        '<details open onclick="alert(1)" class="trainer-note x"><summary>s</summary>t</details>'
    )

    assert "open" not in html and "onclick" not in html
    assert '<details class="trainer-note">' in html


def test_does_the_learner_text_leave_out_only_the_trainers_notes():
    learner = trainer_notes.learner_text(LESSON_BODY)

    assert "Wineburg" not in learner and "A second paragraph" not in learner
    assert "Learners read this sentence." in learner and "One line for learners." in learner
    assert " ".join(learner.split()) == (
        "## Part one Learners read this sentence. ## Sources One line for learners."
    )
    assert words(learner) < words(LESSON_BODY)


def test_do_the_real_lessons_with_notes_count_only_what_learners_read():
    noted = []
    for module in sorted(p.name for p in COURSES.iterdir() if (p / "module.yml").is_file()):
        for lang in ("vi", "en"):
            for path in lesson_files(module, lang).values():
                _, body = split_front_matter(path)
                if "!!! trainer" in body:
                    noted.append(path)
                    learner = trainer_notes.learner_text(body)
                    assert words(learner) < words(body)
                    assert "!!! trainer" not in learner

    assert noted, "no real lesson has a trainer's note"


def test_does_the_import_store_the_note_folded_for_the_learner_page(demo, tmp_path):
    import_into(demo, noted_courses(tmp_path))
    learner = signed_in(demo, "learner")

    page = text_of(learner.get(f"/m/{NOTE_SLUG}/with-note"))

    [note] = details_blocks(page)
    assert note.startswith('<details class="trainer-note">')
    assert "Wineburg and McGrew (2019)" in note
    assert "<script>alert" not in page


def test_does_the_editor_preview_show_the_note_unfolded_to_a_trainer(demo, tmp_path):
    import_into(demo, noted_courses(tmp_path))
    trainer = signed_in(demo, "trainer")

    page = text_of(trainer.get(f"/authoring/m/{NOTE_SLUG}/preview/with-note"))

    [note] = details_blocks(page)
    assert note.startswith('<details class="trainer-note" open>')


def test_does_the_live_preview_show_the_note_unfolded(demo):
    trainer = signed_in(demo, "trainer")
    token = csrf_token(trainer, "/authoring/")

    response = trainer.post(
        "/authoring/render",
        data={"csrf_token": token, "markdown": '!!! trainer "T"\n    Hidden from learners.\n'},
    )

    assert '<details class="trainer-note" open>' in text_of(response)


def test_is_a_trainers_note_without_a_title_reported_and_nothing_imported(app, tmp_path):
    root = noted_courses(tmp_path)
    path = root / NOTE_SLUG / "en" / "01-with-note.md"
    path.write_text(
        path.read_text(encoding="utf-8").replace(
            '!!! trainer "Note for en trainers"', "!!! trainer"
        ),
        encoding="utf-8",
    )

    problems = import_problems(app, root)

    assert [(p.path, p.line) for p in problems if "trainer's note needs a title" in p.message] == [
        (f"{NOTE_SLUG}/en/01-with-note.md", line_of(path, "!!! trainer"))
    ]
