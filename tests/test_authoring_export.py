"""Export to course files and the import guard (issue 6 item 5): exports re-import as a
no-op, are byte-stable, and `flask import-courses` never silently overwrites a newer
web edit."""

from __future__ import annotations

import io
import time
import zipfile
from pathlib import Path

from PIL import Image
from sqlalchemy import select

from learnapp import db
from learnapp.models import Lesson, Module, Question
from tests.authoring_helpers import (
    REAL_MODULE,
    add_lesson,
    add_question,
    create_module,
    fill_and_post,
    import_real_courses,
    lesson_fields,
    publish,
    publishable_module,
    signed_in,
    single_choice_fields,
)
from tests.test_access import row_counts

LESSON = "meeting-types"
WEB_TEXT = "Văn bản sửa trên web"


def content_state(app) -> dict:
    """What learners would see change: every module's, lesson's and question's version."""
    with app.app_context():
        modules = {
            m.slug: (m.version, m.origin, m.source_hash, m.status.value, m.published_at)
            for m in db.session.scalars(select(Module))
        }
        lessons = {
            (m, lesson.slug): (lesson.version, lesson.is_retired, lesson.position)
            for lesson, m in db.session.execute(select(Lesson, Module.slug).join(Module))
        }
        questions = {
            q.key: (q.is_retired, q.position, q.points)
            for q in db.session.scalars(select(Question))
        }
    return {"modules": modules, "lessons": lessons, "questions": questions, "rows": row_counts(app)}


def cli(app, *args: str):
    return app.test_cli_runner().invoke(args=list(args))


def files_of(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()
    }


def web_module_with_everything(client, slug: str, image_line: str = "") -> None:
    """A module written in the editor: two lessons, every question type, both languages."""
    assert create_module(client, slug).status_code == 302
    body_vi = f"## Phần một\n\nMột **đoạn** văn.\n\n- một\n- hai\n\n{image_line}\n"
    add_lesson(client, slug, lesson_fields("part-one", vi=body_vi, en="## One\n\nText."))
    add_lesson(client, slug, lesson_fields("part-two", vi="Bài hai.", en="Lesson two."))
    add_question(client, slug, single_choice_fields("pick-one"))
    many = single_choice_fields("pick-many")
    many.update({"type": "multiple", "correct_1": "y", "points": "2"})
    add_question(client, slug, many)
    add_question(
        client,
        slug,
        {
            "key": "true-false",
            "type": "truefalse",
            "truth": "false",
            "text_vi": "Sai?",
            "text_en": "False?",
            "explanation_vi": "Vì.",
            "explanation_en": "Because.",
            "feedback_true_vi": "Chưa đúng: *đọc lại*.",
            "feedback_true_en": "Not right: *read again*.",
            "feedback_false_vi": "Đúng rồi.",
            "feedback_false_en": "Right.",
        },
    )
    add_question(
        client,
        slug,
        {
            "key": "type-it",
            "type": "short",
            "match": "exact",
            "text_vi": "Gõ: tin giả",
            "text_en": "Type: tin giả",
            "answers_vi": "tin giả\ntin gia",
            "answers_en": "tin giả",
            "explanation_vi": "Vì.",
            "explanation_en": "Because.",
        },
    )
    fill_and_post(
        client,
        f"/authoring/m/{slug}",
        {"summary_vi": "Tóm tắt", "summary_en": "Summary", "draw": "0", "max_attempts": "3"},
        field="pass_mark",
    )
    response = publish(client, slug)
    assert response.status_code == 302, response.get_data(as_text=True)


def test_does_an_export_of_the_real_courses_reimport_as_a_no_op(demo, tmp_path):
    import_real_courses(demo)
    before = content_state(demo)
    result = cli(demo, "export-courses", str(tmp_path / "out"))
    assert result.exit_code == 0, result.output
    assert f"{REAL_MODULE}: " in result.output
    assert (tmp_path / "out" / REAL_MODULE / "module.yml").is_file()

    result = cli(demo, "import-courses", str(tmp_path / "out"))
    assert result.exit_code == 0, result.output
    assert "unchanged: cell-meetings, countering-misinformation, digital-skills" in result.output
    assert "created" not in result.output and "updated" not in result.output
    assert content_state(demo) == before


def test_does_a_module_published_from_the_editor_export_and_reimport_as_a_no_op(demo, tmp_path):
    trainer = signed_in(demo, "trainer")
    web_module_with_everything(trainer, "web-made")
    before = content_state(demo)
    result = cli(demo, "export-courses", str(tmp_path / "out"), "--module", "web-made")
    assert result.exit_code == 0, result.output
    exported = files_of(tmp_path / "out")
    assert set(exported) == {
        "web-made/module.yml",
        "web-made/vi/01-part-one.md",
        "web-made/vi/02-part-two.md",
        "web-made/vi/quiz.yml",
        "web-made/en/01-part-one.md",
        "web-made/en/02-part-two.md",
        "web-made/en/quiz.yml",
    }
    result = cli(demo, "import-courses", str(tmp_path / "out"))
    assert result.exit_code == 0, result.output
    # Its one single-choice question is keyed on the longest choice: warned, not refused.
    lines = [x for x in result.output.splitlines() if not x.startswith("quiz warning: ")]
    assert lines == ["unchanged: web-made"]
    assert content_state(demo) == before


def test_does_the_feedback_of_a_truefalse_question_survive_export_and_reimport(demo, tmp_path):
    trainer = signed_in(demo, "trainer")
    web_module_with_everything(trainer, "web-made")
    before = content_state(demo)
    assert cli(demo, "export-courses", str(tmp_path / "out")).exit_code == 0

    quiz_en = (tmp_path / "out" / "web-made" / "en" / "quiz.yml").read_text(encoding="utf-8")
    assert "feedback_true: 'Not right: *read again*.'" in quiz_en
    assert "feedback_false: Right." in quiz_en
    result = cli(demo, "import-courses", str(tmp_path / "out"))
    assert result.exit_code == 0, result.output
    assert "unchanged: web-made" in result.output
    assert content_state(demo) == before
    with demo.app_context():
        question = db.session.scalar(select(Question).where(Question.key == "true-false"))
        feedback = [{t.language: t.feedback_md for t in c.texts} for c in question.choices]
    assert feedback == [
        {"vi": "Chưa đúng: *đọc lại*.", "en": "Not right: *read again*."},
        {"vi": "Đúng rồi.", "en": "Right."},
    ]


def png_bytes(width: int = 40, height: int = 20) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 30)).save(out, format="PNG")
    return out.getvalue()


def test_does_a_lesson_with_an_uploaded_picture_publish_export_and_reimport_as_a_no_op(
    demo, tmp_path
):
    trainer = signed_in(demo, "trainer")
    upload = fill_and_post(
        trainer,
        "/authoring/images",
        {"alt": "Sơ đồ", "image": (io.BytesIO(png_bytes()), "map.png")},
        field="alt",
        content_type="multipart/form-data",
    )
    with demo.app_context():
        from learnapp.models import MediaFile

        name = db.session.scalar(select(MediaFile.name))
    line = f"![Sơ đồ](/media/{name})"
    assert line in upload.get_data(as_text=True)  # what the page tells the trainer to copy
    web_module_with_everything(trainer, "with-picture", image_line=line)
    learner = signed_in(demo, "learner")
    learner.environ_base["HTTP_ACCEPT_LANGUAGE"] = "vi"
    page = learner.get("/m/with-picture/part-one").get_data(as_text=True)
    src = page[page.index('<img alt="Sơ đồ" src="') :].split('"')[3]
    assert learner.get(src).status_code == 200  # the picture shows for learners

    before = content_state(demo)
    assert cli(demo, "export-courses", str(tmp_path / "out")).exit_code == 0
    images = list((tmp_path / "out" / "with-picture" / "images").iterdir())
    assert len(images) == 1
    assert images[0].read_bytes() == (Path(demo.instance_path) / "media" / name).read_bytes()
    lesson = (tmp_path / "out" / "with-picture" / "vi" / "01-part-one.md").read_text()
    assert f"](images/{images[0].name})" in lesson
    result = cli(demo, "import-courses", str(tmp_path / "out"))
    assert result.exit_code == 0, result.output
    lines = [x for x in result.output.splitlines() if not x.startswith("quiz warning: ")]
    assert lines == ["unchanged: with-picture"]
    assert content_state(demo) == before


def test_does_the_zip_download_hold_the_module_folder_and_reimport_as_a_no_op(demo, tmp_path):
    import_real_courses(demo)
    trainer = signed_in(demo, "trainer")
    publishable_module(trainer, "zipped")
    assert publish(trainer, "zipped").status_code == 302
    for slug in (REAL_MODULE, "zipped"):
        response = trainer.get(f"/authoring/m/{slug}/export.zip")
        assert response.status_code == 200
        assert response.mimetype == "application/zip"
        assert f'filename="{slug}.zip"' in response.headers["Content-Disposition"]
        archive = zipfile.ZipFile(io.BytesIO(response.data))
        names = archive.namelist()
        assert f"{slug}/module.yml" in names
        assert f"{slug}/vi/quiz.yml" in names and f"{slug}/en/quiz.yml" in names
        assert all(n.startswith(f"{slug}/") and ".." not in n for n in names)
        archive.extractall(tmp_path / "unzipped")
    assert "cell-meetings/vi/01-meeting-types.md" in files_of(tmp_path / "unzipped")
    before = content_state(demo)
    result = cli(demo, "import-courses", str(tmp_path / "unzipped"))
    assert result.exit_code == 0, result.output
    lines = [x for x in result.output.splitlines() if not x.startswith("quiz warning: ")]
    assert lines == ["unchanged: cell-meetings, zipped"]
    assert content_state(demo) == before


def test_is_the_zip_of_an_unpublished_module_not_found(demo):
    trainer = signed_in(demo, "trainer")
    create_module(trainer, "unpublished")
    assert trainer.get("/authoring/m/unpublished/export.zip").status_code == 404


def test_are_two_exports_byte_identical(demo, tmp_path, monkeypatch):
    import_real_courses(demo)
    trainer = signed_in(demo, "trainer")
    web_module_with_everything(trainer, "web-made")
    assert cli(demo, "export-courses", str(tmp_path / "first")).exit_code == 0
    assert cli(demo, "export-courses", str(tmp_path / "second")).exit_code == 0
    first, second = files_of(tmp_path / "first"), files_of(tmp_path / "second")
    assert len(first) > 30
    assert first == second
    zips = [trainer.get(f"/authoring/m/{REAL_MODULE}/export.zip").data]
    # The second download "a year later": no clock may leak into the bytes.
    year = 366 * 24 * 3600
    real_localtime, real_time = time.localtime, time.time
    monkeypatch.setattr(
        time,
        "localtime",
        lambda seconds=None: real_localtime((real_time() if seconds is None else seconds) + year),
    )
    zips.append(trainer.get(f"/authoring/m/{REAL_MODULE}/export.zip").data)
    monkeypatch.undo()
    assert zips[0] == zips[1]
    # The zip holds exactly the files the CLI writes.
    archive = zipfile.ZipFile(io.BytesIO(zips[0]))
    in_zip = {n: archive.read(n) for n in archive.namelist()}
    assert in_zip == {k: v for k, v in first.items() if k.startswith(f"{REAL_MODULE}/")}


def publish_web_edit(app) -> None:
    trainer = signed_in(app, "trainer")
    response = fill_and_post(
        trainer,
        f"/authoring/m/{REAL_MODULE}/lessons/{LESSON}",
        {"body_vi": WEB_TEXT, "action": "save"},
        field="body_vi",
    )
    assert response.status_code == 302
    assert publish(trainer, REAL_MODULE).status_code == 302


def lesson_body(app, language: str = "vi") -> str:
    with app.app_context():
        lesson = db.session.scalar(
            select(Lesson).join(Module).where(Module.slug == REAL_MODULE, Lesson.slug == LESSON)
        )
        return lesson.text(language).body_md


def test_does_import_courses_refuse_to_overwrite_a_newer_web_edit(demo):
    import_real_courses(demo)
    publish_web_edit(demo)
    before = content_state(demo)
    result = cli(demo, "import-courses")  # the original files, which differ now
    assert result.exit_code != 0
    assert f"{REAL_MODULE}/module.yml:1: version 2 of this module was published in the web " in (
        result.output
    )
    assert "--overwrite-web-edits" in result.output
    assert "nothing was imported" in result.output
    assert content_state(demo) == before
    assert lesson_body(demo).startswith(WEB_TEXT)


def test_does_import_courses_with_overwrite_web_edits_replace_the_web_version(demo):
    import_real_courses(demo)
    publish_web_edit(demo)
    result = cli(demo, "import-courses", "--overwrite-web-edits")
    assert result.exit_code == 0, result.output
    assert f"updated: {REAL_MODULE}" in result.output
    assert "unchanged: countering-misinformation, digital-skills" in result.output
    state = content_state(demo)
    version, origin, *_ = state["modules"][REAL_MODULE]
    assert (version, origin) == (3, "files")
    assert lesson_body(demo).startswith("Sinh hoạt chi bộ là nơi đảng viên")


def test_does_an_export_after_a_web_publish_let_the_files_import_again(demo, tmp_path):
    import_real_courses(demo)
    publish_web_edit(demo)
    before = content_state(demo)
    assert cli(demo, "export-courses", str(tmp_path / "out")).exit_code == 0
    result = cli(demo, "import-courses", str(tmp_path / "out"))
    assert result.exit_code == 0, result.output
    assert "updated" not in result.output
    assert content_state(demo) == before


def test_does_an_export_of_a_course_folder_with_a_picture_reimport_as_a_no_op(demo, tmp_path):
    from tests.factories import PNG_BYTES, import_into, sample_lessons, write_module

    lessons = sample_lessons()
    lessons[0]["body"] = "Look:\n\n![A map](images/map.png)\n"
    write_module(tmp_path / "src", "with-map", lessons=lessons, images={"map.png": PNG_BYTES})
    import_into(demo, tmp_path / "src")
    before = content_state(demo)
    assert cli(demo, "export-courses", str(tmp_path / "out")).exit_code == 0
    images = list((tmp_path / "out" / "with-map" / "images").iterdir())
    assert [p.read_bytes() for p in images] == [PNG_BYTES]
    result = cli(demo, "import-courses", str(tmp_path / "out"))
    assert result.exit_code == 0, result.output
    lines = [x for x in result.output.splitlines() if not x.startswith("quiz warning: ")]
    assert lines == ["unchanged: with-map"]
    assert content_state(demo) == before


def test_does_start_up_keep_a_web_edit_and_still_import_the_other_modules(demo, tmp_path):
    import shutil

    import_real_courses(demo)
    publish_web_edit(demo)
    root = tmp_path / "courses"
    shutil.copytree(Path(demo.config["COURSES_DIR"]), root)
    lesson_file = root / "digital-skills" / "vi" / "01-smartphone-basics.md"
    lesson_file.write_text(
        lesson_file.read_text(encoding="utf-8") + "\nMột dòng mới trong tệp.\n", encoding="utf-8"
    )
    before = content_state(demo)["modules"][REAL_MODULE]

    result = cli(demo, "import-courses", "--skip-web-published", str(root))

    assert result.exit_code == 0, result.output
    assert "updated: digital-skills" in result.output
    assert (
        f"kept as published in the web editor, not imported: {REAL_MODULE} (version 2, "
        in result.output
    )
    assert content_state(demo)["modules"][REAL_MODULE] == before
    assert lesson_body(demo).startswith(WEB_TEXT)


def test_does_make_run_import_with_skip_web_published_and_refuse_both_choices(demo):
    makefile = (Path(__file__).parents[1] / "Makefile").read_text(encoding="utf-8")
    run_target = makefile.split("\nrun:", 1)[1].split("\n\n", 1)[0]
    assert "import-courses --skip-web-published" in run_target

    both = cli(demo, "import-courses", "--skip-web-published", "--overwrite-web-edits")
    assert both.exit_code == 2 and "not both" in both.output
