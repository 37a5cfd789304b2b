"""Drafts and publishing (issue 6 item 3): learners see only what is published; a
publish is a recorded version that keeps learners' progress; broken or out-of-date
drafts are refused; drafts can be discarded and previewed as a learner."""

from __future__ import annotations

import shutil
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from learnapp import db
from learnapp.content.importer import import_courses
from learnapp.models import (
    Certificate,
    Lesson,
    LessonProgress,
    Module,
    ModuleDraft,
    ModuleStatus,
    ModuleVersion,
)
from learnapp.models.base import utcnow
from tests.authoring_helpers import (
    COURSES,
    REAL_MODULE,
    add_lesson,
    add_question,
    archive,
    create_module,
    discard,
    draft_data,
    fill_and_post,
    import_real_courses,
    lesson_fields,
    post_button,
    publish,
    publishable_module,
    signed_in,
    single_choice_fields,
    user_id,
    without_own_scripts,
)
from tests.conftest import csrf_token
from tests.test_access import row_counts

LESSON = "meeting-types"
OLD_TEXT = "Sinh hoạt chi bộ là nơi đảng viên cùng bàn"
OLD_TEXT_EN = "The cell meeting is where Party members agree"
NEW_TEXT = "Đoạn văn mới viết trong trình soạn thảo"


def text_of(response) -> str:
    return response.get_data(as_text=True)


def edit_real_lesson(client, body: str):
    """Save the first lesson of the real module with this text in both languages."""
    return fill_and_post(
        client,
        f"/authoring/m/{REAL_MODULE}/lessons/{LESSON}",
        {"body_vi": body, "body_en": body, "action": "save"},
        field="body_vi",
    )


def lesson_row(app, slug: str, lesson_slug: str) -> tuple[int, int, bool]:
    """(id, version, is_retired) of the lesson."""
    with app.app_context():
        lesson = db.session.scalar(
            select(Lesson).join(Module).where(Module.slug == slug, Lesson.slug == lesson_slug)
        )
        return lesson.id, lesson.version, lesson.is_retired


def module_row(app, slug: str) -> Module | None:
    with app.app_context():
        module = db.session.scalar(select(Module).where(Module.slug == slug))
        if module is not None:
            db.session.expunge(module)
        return module


def vietnamese(app, username: str):
    client = signed_in(app, username)
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "vi"
    return client


def test_does_a_learner_see_the_old_lesson_text_until_the_draft_is_published(demo):
    import_real_courses(demo)
    trainer = signed_in(demo, "trainer")
    learner = vietnamese(demo, "learner")
    lesson_url = f"/m/{REAL_MODULE}/{LESSON}"
    _, version_before, _ = lesson_row(demo, REAL_MODULE, LESSON)

    assert edit_real_lesson(trainer, f"{NEW_TEXT}.\n\n## Phần hai\n\nThêm.").status_code == 302
    page = text_of(learner.get(lesson_url))
    assert OLD_TEXT in page
    assert NEW_TEXT not in page

    response = publish(trainer, REAL_MODULE)
    assert response.status_code == 302
    page = text_of(learner.get(lesson_url))
    assert NEW_TEXT in page
    assert OLD_TEXT not in page
    _, version_after, _ = lesson_row(demo, REAL_MODULE, LESSON)
    assert version_after == version_before + 1
    assert module_row(demo, REAL_MODULE).version == 2


def test_is_a_new_web_module_invisible_to_learners_until_published(demo):
    trainer = signed_in(demo, "trainer")
    learner = signed_in(demo, "learner")
    publishable_module(trainer, "brand-new", marker="BRAND-NEW-TEXT")
    for url in ("/m/brand-new", "/m/brand-new/first-lesson", "/m/brand-new/quiz"):
        assert learner.get(url).status_code == 404, url
    assert "brand-new" not in text_of(learner.get("/"))

    assert publish(trainer, "brand-new").status_code == 302
    assert 'href="/m/brand-new"' in text_of(learner.get("/"))
    lesson = learner.get("/m/brand-new/first-lesson")
    assert lesson.status_code == 200
    assert "English text BRAND-NEW-TEXT" in text_of(lesson)
    assert learner.get("/m/brand-new/quiz").status_code == 200


def test_does_publishing_record_who_and_when_and_list_the_version(demo):
    import_real_courses(demo)
    trainer = signed_in(demo, "trainer")
    edit_real_lesson(trainer, NEW_TEXT)
    started = utcnow() - timedelta(seconds=1)
    response = publish(trainer, REAL_MODULE, follow_redirects=True)
    assert "Published: learners now see version 2." in text_of(response)
    trainer_id = user_id(demo, "trainer")
    module = module_row(demo, REAL_MODULE)
    assert (module.origin, module.version, module.published_by_id) == ("web", 2, trainer_id)
    assert module.published_at >= started
    with demo.app_context():
        versions = db.session.scalars(
            select(ModuleVersion)
            .where(ModuleVersion.module_id == module.id)
            .order_by(ModuleVersion.version)
        ).all()
        assert [(v.version, v.origin) for v in versions] == [(1, "files"), (2, "web")]
        assert versions[0].published_by_id is None
        assert versions[1].published_by_id == trainer_id
        assert versions[1].published_at >= started
        assert versions[1].source_hash == module.source_hash
        assert any(
            NEW_TEXT in lesson["texts"]["vi"]["body_md"]
            for lesson in versions[1].snapshot["lessons"]
        )
        assert db.session.scalars(select(ModuleDraft)).all() == []  # the draft became v2
    page = text_of(trainer.get(f"/authoring/m/{REAL_MODULE}"))
    listing = page[page.index("Published versions") :]
    assert "v2 · " in listing and "from the editor · Trần Thu Hà" in listing
    assert "v1 · " in listing and "from files" in listing
    assert listing.index("v2 · ") < listing.index("v1 · ")


def test_does_a_learner_keep_a_finished_lesson_after_a_publish_that_keeps_it(demo):
    import_real_courses(demo)
    learner = signed_in(demo, "learner")
    trainer = signed_in(demo, "trainer")
    for lesson_slug in (LESSON, "follow-up"):
        page = f"/m/{REAL_MODULE}/{lesson_slug}"
        assert post_button(learner, page, f"{page}/done").status_code == 302
    kept_id, _, _ = lesson_row(demo, REAL_MODULE, LESSON)
    removed_id, _, _ = lesson_row(demo, REAL_MODULE, "follow-up")

    edit_real_lesson(trainer, NEW_TEXT)
    delete_url = f"/authoring/m/{REAL_MODULE}/lessons/follow-up/delete"
    assert post_button(trainer, delete_url, None).status_code == 302
    assert publish(trainer, REAL_MODULE).status_code == 302

    assert lesson_row(demo, REAL_MODULE, LESSON)[::2] == (kept_id, False)  # same row
    assert lesson_row(demo, REAL_MODULE, "follow-up") == (removed_id, 1, True)  # retired
    with demo.app_context():
        done = set(
            db.session.scalars(
                select(LessonProgress.lesson_id).where(
                    LessonProgress.user_id == user_id(demo, "learner")
                )
            )
        )
    assert done == {kept_id, removed_id}  # nothing the learner did was deleted
    module_page = text_of(learner.get(f"/m/{REAL_MODULE}"))
    item = module_page[module_page.index(f"/m/{REAL_MODULE}/{LESSON}") :]
    assert "Done" in item[: item.index("</li>")]
    assert f"/m/{REAL_MODULE}/follow-up" not in module_page
    assert learner.get(f"/m/{REAL_MODULE}/follow-up").status_code == 404
    assert "You have finished this lesson." in text_of(learner.get(f"/m/{REAL_MODULE}/{LESSON}"))


def test_is_a_draft_that_fails_the_course_file_checks_refused_with_its_problems(demo):
    import_real_courses(demo)
    trainer = signed_in(demo, "trainer")
    fields = lesson_fields("vietnamese-only", vi="Chỉ có tiếng Việt.")
    assert add_lesson(trainer, REAL_MODULE, fields).status_code == 302
    before = row_counts(demo)
    draft_before = draft_data(demo, REAL_MODULE)

    response = publish(trainer, REAL_MODULE)
    assert response.status_code == 422
    page = text_of(response)
    assert "The draft was not published" in page
    assert "lesson &#39;vietnamese-only&#39; is missing in: en" in page
    assert row_counts(demo) == before
    module = module_row(demo, REAL_MODULE)
    assert (module.version, module.origin, module.published_by_id) == (1, "files", None)
    assert draft_data(demo, REAL_MODULE) == draft_before  # the work is kept, to fix
    learner = signed_in(demo, "learner")
    assert learner.get(f"/m/{REAL_MODULE}/vietnamese-only").status_code == 404


def test_is_a_question_without_an_english_explanation_refused_at_publish(demo):
    trainer = signed_in(demo, "trainer")
    publishable_module(trainer, "gift-only")
    fill_and_post(
        trainer,
        "/authoring/m/gift-only/gift",
        {"text": "::Hai:: Hai cộng hai? {=bốn ~năm ####Vì 2+2=4.}", "action": "save"},
        field="text",
    )
    response = publish(trainer, "gift-only")
    assert response.status_code == 422
    assert "question &#39;hai&#39; is missing in this language" in text_of(response)
    assert module_row(demo, "gift-only").status == ModuleStatus.DRAFT


def test_can_a_draft_started_before_an_import_changed_the_module_not_be_published(demo, tmp_path):
    courses = tmp_path / "courses"
    shutil.copytree(COURSES, courses)
    with demo.app_context():
        import_courses(courses, Path(demo.instance_path) / "media")
        db.session.commit()
    trainer = signed_in(demo, "trainer")
    assert edit_real_lesson(trainer, NEW_TEXT).status_code == 302

    # Meanwhile someone changes the files and imports them: version 2 from files.
    lesson_file = courses / REAL_MODULE / "vi" / f"01-{LESSON}.md"
    lesson_file.write_text(
        lesson_file.read_text(encoding="utf-8") + "\nĐoạn thêm từ tệp.\n", encoding="utf-8"
    )
    with demo.app_context():
        import_courses(courses, Path(demo.instance_path) / "media")
        db.session.commit()
    assert module_row(demo, REAL_MODULE).version == 2

    response = publish(trainer, REAL_MODULE, follow_redirects=True)
    assert "The module was changed by someone else since this draft was started." in (
        text_of(response)
    )
    module = module_row(demo, REAL_MODULE)
    assert (module.version, module.origin) == (2, "files")
    learner = vietnamese(demo, "learner")
    page = text_of(learner.get(f"/m/{REAL_MODULE}/{LESSON}"))
    assert "Đoạn thêm từ tệp." in page and NEW_TEXT not in page

    response = discard(trainer, REAL_MODULE)
    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == f"/authoring/m/{REAL_MODULE}"
    assert draft_data(demo, REAL_MODULE) is None
    assert module_row(demo, REAL_MODULE).status == ModuleStatus.PUBLISHED
    # A new draft starts from version 2 and can be published.
    assert edit_real_lesson(trainer, NEW_TEXT).status_code == 302
    assert publish(trainer, REAL_MODULE).status_code == 302
    assert module_row(demo, REAL_MODULE).version == 3


def test_does_discarding_the_draft_of_a_never_published_module_remove_it(demo):
    trainer = signed_in(demo, "trainer")
    publishable_module(trainer, "short-lived")
    response = discard(trainer, "short-lived")
    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == "/authoring/"
    assert module_row(demo, "short-lived") is None
    with demo.app_context():
        assert db.session.scalars(select(ModuleDraft)).all() == []
    assert trainer.get("/authoring/m/short-lived").status_code == 404
    assert "short-lived" not in text_of(trainer.get("/authoring/"))


def test_does_discarding_a_draft_of_a_published_module_keep_the_published_version(demo):
    import_real_courses(demo)
    trainer = signed_in(demo, "trainer")
    edit_real_lesson(trainer, NEW_TEXT)
    assert discard(trainer, REAL_MODULE).status_code == 302
    module = module_row(demo, REAL_MODULE)
    assert (module.status, module.version) == (ModuleStatus.PUBLISHED, 1)
    assert draft_data(demo, REAL_MODULE) is None
    editor = text_of(trainer.get(f"/authoring/m/{REAL_MODULE}/lessons/{LESSON}"))
    assert OLD_TEXT in editor and OLD_TEXT_EN in editor and NEW_TEXT not in editor


def test_does_preview_as_a_learner_show_the_draft(demo):
    import_real_courses(demo)
    trainer = signed_in(demo, "trainer")
    edit_real_lesson(trainer, f"{NEW_TEXT} **đậm** <script>alert(1)</script>")
    add_lesson(trainer, REAL_MODULE, lesson_fields("draft-only", vi="Mới.", en="New."))

    overview = trainer.get(f"/authoring/m/{REAL_MODULE}/preview")
    assert overview.status_code == 200
    page = text_of(overview)
    assert "Preview of the draft as a learner sees it on a phone." in page
    assert f'href="/authoring/m/{REAL_MODULE}/preview/draft-only"' in page
    lesson = text_of(trainer.get(f"/authoring/m/{REAL_MODULE}/preview/{LESSON}"))
    assert NEW_TEXT in lesson and "<strong>đậm</strong>" in lesson
    assert "<script>alert" not in lesson
    assert trainer.get(f"/authoring/m/{REAL_MODULE}/preview/draft-only").status_code == 200

    learner = signed_in(demo, "learner")
    assert NEW_TEXT not in text_of(learner.get(f"/m/{REAL_MODULE}/{LESSON}"))
    assert learner.get(f"/m/{REAL_MODULE}/draft-only").status_code == 404


def test_does_a_module_without_a_draft_preview_its_published_version(demo):
    import_real_courses(demo)
    trainer = signed_in(demo, "trainer")
    page = text_of(trainer.get(f"/authoring/m/{REAL_MODULE}/preview/{LESSON}"))
    assert "Preview of the published version." in page
    assert OLD_TEXT_EN in page
    assert draft_data(demo, REAL_MODULE) is None  # looking makes no draft


def test_is_a_module_created_in_the_editor_a_web_draft_until_published(demo):
    trainer = signed_in(demo, "trainer")
    create_module(trainer, "not-yet")
    assert publish(trainer, "not-yet").status_code == 422  # no lesson, no quiz yet
    assert module_row(demo, "not-yet").status == ModuleStatus.DRAFT


# --- confirming a discard -----------------------------------------------------------


def test_is_a_draft_discarded_only_after_its_confirmation_page(demo):
    import_real_courses(demo)
    trainer = signed_in(demo, "trainer")
    edit_real_lesson(trainer, NEW_TEXT)
    before = row_counts(demo)
    page = trainer.get(f"/authoring/m/{REAL_MODULE}/discard")
    assert page.status_code == 200
    assert "Discard the draft?" in text_of(page)
    assert "Every change made since version 1 was published is lost." in text_of(page)
    assert row_counts(demo) == before and draft_data(demo, REAL_MODULE) is not None
    assert discard(trainer, REAL_MODULE).status_code == 302
    assert draft_data(demo, REAL_MODULE) is None


def test_does_the_discard_page_of_a_never_published_module_say_the_module_goes_too(demo):
    trainer = signed_in(demo, "trainer")
    publishable_module(trainer, "never-published")
    page = text_of(trainer.get("/authoring/m/never-published/discard"))
    assert "discarding the draft deletes the whole module" in page
    assert module_row(demo, "never-published") is not None


def test_is_a_discard_without_the_csrf_token_refused_and_the_draft_kept(demo):
    trainer = signed_in(demo, "trainer")
    publishable_module(trainer, "kept-draft")
    before = draft_data(demo, "kept-draft")
    response = trainer.post("/authoring/m/kept-draft/discard", data={})
    assert response.status_code == 400
    assert draft_data(demo, "kept-draft") == before


@pytest.mark.parametrize("username", ["learner", "committee"])
def test_are_people_who_do_not_author_refused_a_discard_or_an_archive(demo, username):
    import_real_courses(demo)
    trainer = signed_in(demo, "trainer")
    edit_real_lesson(trainer, NEW_TEXT)
    other = signed_in(demo, username)
    token = csrf_token(other, "/")
    for action in ("discard", "archive"):
        url = f"/authoring/m/{REAL_MODULE}/{action}"
        assert other.get(url).status_code == 403
        assert other.post(url, data={"csrf_token": token}).status_code == 403
    assert draft_data(demo, REAL_MODULE) is not None
    assert module_row(demo, REAL_MODULE).status == ModuleStatus.PUBLISHED


# --- archiving a module -------------------------------------------------------------


def give_certificate(app, username: str, slug: str) -> str:
    person = user_id(app, username)
    with app.app_context():
        module_id = db.session.scalar(select(Module.id).where(Module.slug == slug))
        code = f"TEST-{slug.upper()}"
        db.session.add(Certificate(code=code, user_id=person, module_id=module_id))
        db.session.commit()
        return code


def test_is_a_module_archived_only_after_its_confirmation_page(demo):
    import_real_courses(demo)
    trainer = signed_in(demo, "trainer")
    before = row_counts(demo)
    page = trainer.get(f"/authoring/m/{REAL_MODULE}/archive")
    assert page.status_code == 200
    assert "Archive this module?" in text_of(page)
    assert "Learners no longer see it on their home page" in text_of(page)
    assert row_counts(demo) == before
    assert module_row(demo, REAL_MODULE).status == ModuleStatus.PUBLISHED


def test_does_an_archived_module_leave_the_learners_home_but_keep_their_records(demo):
    import_real_courses(demo)
    learner = signed_in(demo, "learner")
    page = f"/m/{REAL_MODULE}/{LESSON}"
    assert post_button(learner, page, f"{page}/done").status_code == 302
    code = give_certificate(demo, "learner", REAL_MODULE)
    trainer = signed_in(demo, "trainer")
    assert f'href="/m/{REAL_MODULE}"' in text_of(learner.get("/"))

    response = archive(trainer, REAL_MODULE)

    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == "/authoring/"
    module = module_row(demo, REAL_MODULE)
    assert (module.status, module.version) == (ModuleStatus.ARCHIVED, 1)
    assert f'href="/m/{REAL_MODULE}"' not in text_of(learner.get("/"))
    assert learner.get(f"/m/{REAL_MODULE}").status_code == 404
    assert learner.get(f"/m/{REAL_MODULE}/quiz").status_code == 404
    learner_id = user_id(demo, "learner")
    with demo.app_context():
        done = db.session.scalars(
            select(LessonProgress).where(LessonProgress.user_id == learner_id)
        ).all()
        assert len(done) == 1
    assert learner.get(f"/certificates/{code}").status_code == 200
    assert demo.test_client().get(f"/verify/{code}").status_code == 200
    # Gone from the editor's list of modules, listed as archived instead.
    listing = text_of(trainer.get("/authoring/"))
    archived = listing[listing.index("Archived modules") :]
    assert f'href="/authoring/m/{REAL_MODULE}"' not in listing
    assert REAL_MODULE in archived and "Restore for learners" in archived


def test_is_an_archive_without_the_csrf_token_refused_and_the_module_kept(demo):
    import_real_courses(demo)
    trainer = signed_in(demo, "trainer")
    response = trainer.post(f"/authoring/m/{REAL_MODULE}/archive", data={})
    assert response.status_code == 400
    assert module_row(demo, REAL_MODULE).status == ModuleStatus.PUBLISHED


def test_can_a_module_never_published_not_be_archived(demo):
    trainer = signed_in(demo, "trainer")
    publishable_module(trainer, "not-archivable")
    page = text_of(trainer.get("/authoring/m/not-archivable/archive"))
    assert "Only a published module can be archived." in page
    response = post_button(trainer, "/authoring/m/not-archivable/discard", None)  # a token
    assert module_row(demo, "not-archivable") is None  # discarding removed it instead
    assert response.status_code == 302


def test_does_import_courses_leave_an_archived_module_archived(demo):
    import_real_courses(demo)
    trainer = signed_in(demo, "trainer")
    assert archive(trainer, REAL_MODULE).status_code == 302
    with demo.app_context():
        report = import_courses(COURSES, Path(demo.instance_path) / "media")
        db.session.commit()
    assert REAL_MODULE in report.archived and REAL_MODULE not in report.updated
    assert module_row(demo, REAL_MODULE).status == ModuleStatus.ARCHIVED


def test_can_an_archived_module_be_restored_for_learners(demo):
    import_real_courses(demo)
    trainer = signed_in(demo, "trainer")
    edit_real_lesson(trainer, NEW_TEXT)
    assert archive(trainer, REAL_MODULE).status_code == 302
    assert trainer.get(f"/authoring/m/{REAL_MODULE}").status_code == 404

    response = post_button(trainer, "/authoring/", f"/authoring/m/{REAL_MODULE}/restore")

    assert response.status_code == 302
    module = module_row(demo, REAL_MODULE)
    assert (module.status, module.version) == (ModuleStatus.PUBLISHED, 1)
    learner = signed_in(demo, "learner")
    assert learner.get(f"/m/{REAL_MODULE}").status_code == 200
    assert NEW_TEXT in text_of(trainer.get(f"/authoring/m/{REAL_MODULE}/lessons/{LESSON}"))


# --- previewing the quiz ------------------------------------------------------------


def test_does_the_quiz_preview_show_the_drafts_questions_as_a_learner_sees_them(demo):
    trainer = signed_in(demo, "trainer")
    publishable_module(trainer, "quiz-preview")
    question = single_choice_fields("evil")
    question.update(
        {
            "text_vi": "Câu **đậm** <script>alert(1)</script> [x](javascript:alert(1))",
            "text_en": "English question",
            "choice_0_vi": "Đúng <img src=x onerror=alert(1)>",
            "feedback_1_vi": "Sai *vì thế*",
            "explanation_vi": "Giải thích <iframe src=https://evil.example></iframe>",
        }
    )
    assert add_question(trainer, "quiz-preview", question).status_code == 302
    trainer.environ_base["HTTP_ACCEPT_LANGUAGE"] = "vi"

    overview = text_of(trainer.get("/authoring/m/quiz-preview/preview"))
    assert 'href="/authoring/m/quiz-preview/preview-quiz"' in overview
    response = trainer.get("/authoring/m/quiz-preview/preview-quiz")
    assert response.status_code == 200
    page = text_of(response)
    frame = page[page.index('id="quiz-preview"') : page.index('id="answers"')]
    answers = page[page.index('id="answers"') :]
    assert "Câu hỏi first-question vi" in frame  # the first question, in Vietnamese
    assert "Câu <strong>đậm</strong>" in frame and "Đúng vi" in frame and "Sai vi" in frame
    assert "English question" not in page
    assert frame.count('type="radio" disabled') == 4
    # Right answers, feedback and explanations only in the trainer's part.
    assert "đáp án đúng" not in frame and "Giải thích" not in frame
    assert "Phản hồi sai vi" not in frame
    assert "đáp án đúng" in answers and "Sai <em>vì thế</em>" in answers
    assert "Phản hồi sai vi" in answers and "Giải thích first-question vi" in answers
    page, _own = without_own_scripts(page)  # the site's static files only, no inline code
    for active in ("<script", "javascript:", "onerror", "<iframe"):
        assert active not in page.lower()
    assert draft_data(demo, "quiz-preview") is not None


def test_does_the_quiz_preview_show_true_false_and_typed_questions_read_only(demo):
    trainer = signed_in(demo, "trainer")
    create_module(trainer, "quiz-kinds", en=False)
    tf = {
        "key": "tf",
        "type": "truefalse",
        "truth": "true",
        "text_vi": "Trời xanh.",
        "explanation_vi": "Vì vậy.",
        "feedback_false_vi": "Nhìn lên trời.",
    }
    short = {
        "key": "typed",
        "type": "short",
        "text_vi": "Gõ tên trang web.",
        "answers_vi": "tingia.gov.vn",
        "explanation_vi": "Trang chính thức.",
    }
    for fields in (tf, short):
        assert add_question(trainer, "quiz-kinds", fields).status_code == 302
    page = text_of(trainer.get("/authoring/m/quiz-kinds/preview-quiz"))
    frame = page[page.index('id="quiz-preview"') : page.index('id="answers"')]
    answers = page[page.index('id="answers"') :]
    assert "Trời xanh." in frame and "True" in frame and "False" in frame
    assert '<input type="text" id="preview-q2" disabled>' in frame
    assert "tingia.gov.vn" not in frame and "tingia.gov.vn" in answers
    assert "Nhìn lên trời." in answers
