"""The trainer's editor (issue 6 items 1, 2 and 8): who may author, modules, lessons and
questions through the forms, validation, translations, preview, and no mass assignment."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from learnapp import db
from learnapp.models import (
    Area,
    Module,
    ModuleDraft,
    ModuleStatus,
    ModuleVersion,
    Quiz,
    Role,
    RoleGrant,
    User,
)
from tests.authoring_helpers import (
    REAL_MODULE,
    add_lesson,
    add_question,
    create_module,
    draft_data,
    fill_and_post,
    form_with,
    import_real_courses,
    lesson_fields,
    post_button,
    publish,
    publishable_module,
    signed_in,
    single_choice_fields,
    user_id,
)
from tests.conftest import csrf_token
from tests.test_access import row_counts

REAL_LESSON = "meeting-types"
REAL_QUESTION = "thematic-meeting-frequency"
SAMPLE_VALUES = {
    "slug": REAL_MODULE,
    "lesson_slug": REAL_LESSON,
    "key": REAL_QUESTION,
    "kind": "lessons",
    "item": REAL_LESSON,
    "direction": "up",
    "lang": "vi",
}


def authoring_urls(app) -> list[tuple[str, str]]:
    """(method, url) for every route of the editor, filled with a real module's names."""
    found = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if not rule.endpoint.startswith("authoring."):
            continue
        values = {k: SAMPLE_VALUES[k] for k in rule.arguments if k not in (rule.defaults or {})}
        url = rule.build(values, append_unknown=False)[1]
        for method in sorted(rule.methods & {"GET", "POST"}):
            found.append((method, url))
    return found


def lesson_slugs(app, slug: str) -> list[str]:
    return [x["slug"] for x in draft_data(app, slug)["lessons"]]


def question_keys(app, slug: str) -> list[str]:
    return [q["key"] for q in draft_data(app, slug)["questions"]]


def text_of(response) -> str:
    return response.get_data(as_text=True)


# --- who may author ---------------------------------------------------------------


def test_does_the_route_walk_cover_the_whole_editor(app):
    urls = authoring_urls(app)
    assert len({url for _, url in urls}) >= 15
    assert ("POST", f"/authoring/m/{REAL_MODULE}/publish") in urls
    assert ("POST", "/authoring/render") in urls


@pytest.mark.parametrize("username", ["trainer", "admin"])
def test_can_a_trainer_and_an_admin_open_every_page_of_the_editor(demo, username):
    import_real_courses(demo)
    client = signed_in(demo, username)
    failures = []
    for method, url in authoring_urls(demo):
        if method == "GET":
            status = client.get(url).status_code
            if status != 200:
                failures.append(f"GET {url} -> {status}")
    assert failures == []
    home = text_of(client.get("/"))
    assert 'href="/authoring/"' in home


def test_does_opening_the_editor_pages_of_a_published_module_change_nothing(demo):
    """SECURITY 13 with real names: looking at a lesson, question, delete or GIFT page
    must not start a draft (a draft makes the module look edited and can go stale)."""
    import_real_courses(demo)
    client = signed_in(demo, "trainer")
    client.get("/authoring/")  # the session's first page may record the sign-in's last steps
    before = row_counts(demo)
    for method, url in authoring_urls(demo):
        if method == "GET":
            assert client.get(url).status_code == 200, url
    assert row_counts(demo) == before
    assert draft_data(demo, REAL_MODULE) is None


def test_is_an_anonymous_visitor_sent_to_sign_in_from_every_editor_route(demo):
    import_real_courses(demo)
    client = demo.test_client()
    token = csrf_token(client)
    before = row_counts(demo)
    wrong = []
    for method, url in authoring_urls(demo):
        if method == "GET":
            response = client.get(url)
        else:
            response = client.post(url, data={"csrf_token": token, "markdown": "x"})
        location = urlsplit(response.headers.get("Location", "")).path
        if response.status_code != 302 or location != "/sign-in":
            wrong.append(f"{method} {url} -> {response.status_code} {location}")
    assert wrong == []
    assert row_counts(demo) == before


@pytest.mark.parametrize("username", ["learner", "committee"])
def test_are_a_learner_and_a_committee_member_refused_on_every_editor_route(demo, username):
    import_real_courses(demo)
    client = signed_in(demo, username)
    token = csrf_token(client, "/")
    before = row_counts(demo)
    before.pop("audit_event", None)  # the refusals themselves are logged
    wrong = []
    for method, url in authoring_urls(demo):
        if method == "GET":
            response = client.get(url)
        else:
            response = client.post(
                url,
                data={
                    "csrf_token": token,
                    "slug": "sneaky",
                    "default_language": "vi",
                    "title_vi": "Lén",
                    "markdown": "x",
                },
            )
        if response.status_code != 403:
            wrong.append(f"{method} {url} -> {response.status_code}")
    assert wrong == []
    after = row_counts(demo)
    after.pop("audit_event", None)
    assert after == before
    assert 'href="/authoring/"' not in text_of(client.get("/"))


# --- modules ------------------------------------------------------------------------


def test_can_a_trainer_create_a_module_that_starts_as_an_unpublished_web_draft(demo):
    client = signed_in(demo, "trainer")
    response = create_module(client, "village-finances")
    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == "/authoring/m/village-finances"
    with demo.app_context():
        module = db.session.scalar(select(Module).where(Module.slug == "village-finances"))
        assert module.status == ModuleStatus.DRAFT
        assert module.origin == "web"
        assert module.published_at is None
        draft = db.session.scalar(select(ModuleDraft).where(ModuleDraft.module_id == module.id))
        assert draft.base_version == 0
        assert draft.data["titles"] == {
            "vi": "Mô-đun village-finances",
            "en": "Module village-finances",
        }
    page = text_of(client.get("/authoring/m/village-finances"))
    assert "Not published yet: learners do not see it." in page


@pytest.mark.parametrize("slug", ["Làng-mới", "has space", "UPPER", "-dash-first", "a_b", ""])
def test_is_a_bad_module_slug_refused_with_a_message_and_nothing_saved(demo, slug):
    client = signed_in(demo, "trainer")
    response = create_module(client, slug)
    assert response.status_code == 200
    page = text_of(response)
    assert (
        "Use lower-case letters without accents, digits and hyphens" in page
        or "This field is required." in page
    )
    with demo.app_context():
        assert db.session.scalars(select(Module)).all() == []


def test_is_a_module_slug_that_exists_refused_with_a_message(demo):
    import_real_courses(demo)
    client = signed_in(demo, "trainer")
    response = create_module(client, REAL_MODULE)
    assert response.status_code == 200
    assert "A module with this short name already exists." in text_of(response)
    with demo.app_context():
        module = db.session.scalar(select(Module).where(Module.slug == REAL_MODULE))
        assert module.origin == "files"
        assert db.session.scalars(select(ModuleDraft)).all() == []


def test_is_a_new_module_without_a_title_in_its_main_language_refused(demo):
    client = signed_in(demo, "trainer")
    response = fill_and_post(
        client,
        "/authoring/new",
        {"slug": "no-title", "default_language": "vi", "title_en": "Only English"},
        field="slug",
    )
    assert response.status_code == 200
    assert "Give a title in the main language." in text_of(response)
    with demo.app_context():
        assert db.session.scalars(select(Module)).all() == []


def test_do_the_quiz_settings_save_in_the_draft_and_reach_the_quiz_on_publish(demo):
    client = signed_in(demo, "trainer")
    publishable_module(client, "settings-test")
    response = fill_and_post(
        client,
        "/authoring/m/settings-test",
        {
            "summary_vi": "Tóm tắt mới",
            "summary_en": "New summary",
            "order": "7",
            "completion": "lessons_and_quiz",
            "pass_mark": "80",
            "draw": "3",
            "max_attempts": "2",
            "time_limit_minutes": "15",
        },
        field="pass_mark",
    )
    assert response.status_code == 302
    data = draft_data(demo, "settings-test")
    assert (data["pass_mark"], data["draw"], data["max_attempts"]) == (80, 3, 2)
    assert (data["time_limit_minutes"], data["position"]) == (15, 7)
    assert data["summaries"] == {"vi": "Tóm tắt mới", "en": "New summary"}
    assert publish(client, "settings-test").status_code == 302
    with demo.app_context():
        quiz = db.session.scalar(select(Quiz).join(Module).where(Module.slug == "settings-test"))
        assert (quiz.pass_mark, quiz.draw_count, quiz.max_attempts) == (80, 3, 2)
        assert quiz.time_limit_minutes == 15


def test_is_an_out_of_range_pass_mark_refused_and_not_saved(demo):
    client = signed_in(demo, "trainer")
    create_module(client, "range-test")
    response = fill_and_post(
        client, "/authoring/m/range-test", {"pass_mark": "150"}, field="pass_mark"
    )
    assert response.status_code == 200
    assert "Number must be between 1 and 100." in text_of(response)
    assert draft_data(demo, "range-test")["pass_mark"] == 70


# --- lessons ------------------------------------------------------------------------


def test_can_a_trainer_add_a_lesson_in_both_languages_to_the_draft(demo):
    client = signed_in(demo, "trainer")
    create_module(client, "lesson-test")
    fields = lesson_fields("first-steps", vi="## Phần một\n\nNội dung.", en="## Part one\n\nText.")
    response = add_lesson(client, "lesson-test", fields)
    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == (
        "/authoring/m/lesson-test/lessons/first-steps"
    )
    (lesson,) = draft_data(demo, "lesson-test")["lessons"]
    assert lesson["slug"] == "first-steps"
    assert lesson["minutes"] == 4
    assert lesson["texts"]["vi"] == {
        "title": "Bài first-steps",
        "objective": "Mục tiêu first-steps",
        "body_md": "## Phần một\n\nNội dung.\n",
    }
    assert lesson["texts"]["en"]["body_md"] == "## Part one\n\nText.\n"
    module_page = text_of(client.get("/authoring/m/lesson-test"))
    assert 'href="/authoring/m/lesson-test/lessons/first-steps"' in module_page


def test_can_a_trainer_edit_a_lesson_of_a_published_module_in_its_draft(demo):
    import_real_courses(demo)
    client = signed_in(demo, "trainer")
    url = f"/authoring/m/{REAL_MODULE}/lessons/{REAL_LESSON}"
    page = text_of(client.get(url))
    assert "Sinh hoạt chi bộ là nơi đảng viên" in page  # the published text, to edit
    response = fill_and_post(
        client, url, {"body_en": "Rewritten in the draft.", "action": "save"}, field="body_en"
    )
    assert response.status_code == 302
    lesson = next(x for x in draft_data(demo, REAL_MODULE)["lessons"] if x["slug"] == REAL_LESSON)
    assert lesson["texts"]["en"]["body_md"] == "Rewritten in the draft.\n"
    assert lesson["texts"]["vi"]["body_md"].startswith("Sinh hoạt chi bộ là nơi đảng viên")
    assert lesson_slugs(demo, REAL_MODULE)[0] == REAL_LESSON  # kept its place


@pytest.mark.parametrize("slug", ["Bài-một", "two words", "UPPER", "trailing-"])
def test_is_a_bad_lesson_slug_refused_with_a_message_and_nothing_saved(demo, slug):
    client = signed_in(demo, "trainer")
    create_module(client, "slug-test")
    response = add_lesson(client, "slug-test", lesson_fields(slug, vi="Text", en="Text"))
    assert response.status_code == 200
    assert "Use lower-case letters without accents, digits and hyphens" in text_of(response)
    assert draft_data(demo, "slug-test")["lessons"] == []


def test_is_a_lesson_slug_used_twice_in_a_module_refused_and_nothing_saved(demo):
    client = signed_in(demo, "trainer")
    create_module(client, "dup-test")
    add_lesson(client, "dup-test", lesson_fields("same", vi="One", en="One"))
    add_lesson(client, "dup-test", lesson_fields("other", vi="Two", en="Two"))
    before = draft_data(demo, "dup-test")
    response = add_lesson(client, "dup-test", lesson_fields("same", vi="Three", en="Three"))
    assert response.status_code == 200
    assert "Another lesson in this module already has this short name." in text_of(response)
    renamed = fill_and_post(
        client,
        "/authoring/m/dup-test/lessons/other",
        {"slug": "same", "action": "save"},
        field="body_vi",
    )
    assert renamed.status_code == 200
    assert "Another lesson in this module already has this short name." in text_of(renamed)
    assert draft_data(demo, "dup-test") == before


def test_is_a_lesson_without_a_title_in_the_main_language_refused(demo):
    client = signed_in(demo, "trainer")
    create_module(client, "main-lang")
    fields = lesson_fields("only-english", vi="", en="English only")
    fields["title_vi"] = ""
    response = add_lesson(client, "main-lang", fields)
    assert response.status_code == 200
    assert "Give the lesson a title and text in the main language." in text_of(response)
    assert draft_data(demo, "main-lang")["lessons"] == []


def test_can_lessons_be_moved_up_and_down(demo):
    client = signed_in(demo, "trainer")
    create_module(client, "order-test")
    for slug in ("a", "b", "c"):
        add_lesson(client, "order-test", lesson_fields(slug, vi=slug, en=slug))
    page = "/authoring/m/order-test"
    assert post_button(client, page, "/lessons/c/move/up").status_code == 302
    assert lesson_slugs(demo, "order-test") == ["a", "c", "b"]
    assert post_button(client, page, "/lessons/a/move/down").status_code == 302
    assert lesson_slugs(demo, "order-test") == ["c", "a", "b"]
    post_button(client, page, "/lessons/c/move/up")  # already first: stays
    post_button(client, page, "/lessons/b/move/down")  # already last: stays
    assert lesson_slugs(demo, "order-test") == ["c", "a", "b"]
    positions = [x["position"] for x in draft_data(demo, "order-test")["lessons"]]
    assert positions == [1, 2, 3]
    listing = text_of(client.get(page))
    assert listing.index("lessons/c") < listing.index("lessons/a") < listing.index("lessons/b")


def test_does_a_move_without_the_csrf_token_change_nothing(demo):
    client = signed_in(demo, "trainer")
    create_module(client, "csrf-move")
    for slug in ("a", "b"):
        add_lesson(client, "csrf-move", lesson_fields(slug, vi=slug, en=slug))
    response = client.post("/authoring/m/csrf-move/lessons/b/move/up")
    assert response.status_code == 400
    assert lesson_slugs(demo, "csrf-move") == ["a", "b"]


def test_is_a_lesson_deleted_only_after_the_confirmation_page(demo):
    client = signed_in(demo, "trainer")
    create_module(client, "delete-test")
    for slug in ("keep", "drop"):
        add_lesson(client, "delete-test", lesson_fields(slug, vi=slug, en=slug))
    confirm = client.get("/authoring/m/delete-test/lessons/drop/delete")
    assert confirm.status_code == 200
    assert "Delete from the draft?" in text_of(confirm)
    assert lesson_slugs(demo, "delete-test") == ["keep", "drop"]  # asking deletes nothing
    response = post_button(client, "/authoring/m/delete-test/lessons/drop/delete", None)
    assert response.status_code == 302
    assert lesson_slugs(demo, "delete-test") == ["keep"]
    assert client.get("/authoring/m/delete-test/lessons/drop").status_code == 404


# --- questions ----------------------------------------------------------------------


def test_can_a_single_choice_question_with_feedback_be_added(demo):
    client = signed_in(demo, "trainer")
    create_module(client, "q-single")
    fields = single_choice_fields("pick-one")
    fields["points"] = "3"
    response = add_question(client, "q-single", fields)
    assert response.status_code == 302
    (question,) = draft_data(demo, "q-single")["questions"]
    assert (question["key"], question["type"], question["points"]) == ("pick-one", "single", 3)
    assert [c["is_correct"] for c in question["choices"]] == [True, False]
    assert question["choices"][1]["texts"]["en"] == {
        "text": "Sai en",
        "feedback": "Phản hồi sai en",
    }
    assert question["texts"]["vi"]["explanation"] == "Giải thích pick-one vi"


def test_can_a_multiple_answer_question_have_several_right_choices(demo):
    client = signed_in(demo, "trainer")
    create_module(client, "q-multiple")
    fields = single_choice_fields("pick-many")
    fields.update({"type": "multiple", "correct_2": "y"})
    fields.update({"choice_2_vi": "Cũng đúng", "choice_2_en": "Also right"})
    assert add_question(client, "q-multiple", fields).status_code == 302
    (question,) = draft_data(demo, "q-multiple")["questions"]
    assert question["type"] == "multiple"
    assert [c["is_correct"] for c in question["choices"]] == [True, False, True]


@pytest.mark.parametrize("truth", ["true", "false"])
def test_can_a_true_or_false_question_be_added(demo, truth):
    client = signed_in(demo, "trainer")
    create_module(client, "q-truefalse")
    fields = {
        "key": "sky-is-blue",
        "type": "truefalse",
        "truth": truth,
        "text_vi": "Trời màu xanh.",
        "text_en": "The sky is blue.",
        "explanation_vi": "Vì vậy.",
        "explanation_en": "Because.",
    }
    assert add_question(client, "q-truefalse", fields).status_code == 302
    (question,) = draft_data(demo, "q-truefalse")["questions"]
    assert question["type"] == "truefalse"
    assert [c["is_correct"] for c in question["choices"]] == [truth == "true", truth != "true"]
    assert question["choices"][0]["texts"]["vi"]["text"] == "true"


def test_can_a_short_answer_question_with_accepted_answers_be_added(demo):
    client = signed_in(demo, "trainer")
    create_module(client, "q-short")
    fields = {
        "key": "fake-news-site",
        "type": "short",
        "match": "diacritics",
        "text_vi": "Trang web nào?",
        "text_en": "Which website?",
        "answers_vi": "tingia.gov.vn\r\n tingia \r\n\r\n",
        "answers_en": "tingia.gov.vn",
        "explanation_vi": "Trung tâm.",
        "explanation_en": "The centre.",
    }
    assert add_question(client, "q-short", fields).status_code == 302
    (question,) = draft_data(demo, "q-short")["questions"]
    assert (question["type"], question["match"]) == ("short", "diacritics")
    assert question["texts"]["vi"]["answers"] == ["tingia.gov.vn", "tingia"]
    assert question["choices"] == []


def test_can_a_question_be_edited_and_keep_its_place(demo):
    client = signed_in(demo, "trainer")
    create_module(client, "q-edit")
    add_question(client, "q-edit", single_choice_fields("first"))
    add_question(client, "q-edit", single_choice_fields("second"))
    response = fill_and_post(
        client,
        "/authoring/m/q-edit/questions/first",
        {"text_en": "Edited question", "correct_0": None, "correct_1": "y"},
        field="text_en",
    )
    assert response.status_code == 302
    questions = draft_data(demo, "q-edit")["questions"]
    assert [q["key"] for q in questions] == ["first", "second"]
    assert questions[0]["texts"]["en"]["text"] == "Edited question"
    assert [c["is_correct"] for c in questions[0]["choices"]] == [False, True]


INVALID_QUESTIONS = {
    "no correct choice": ({"correct_0": None}, "Tick the right answer."),
    "two correct for single choice": (
        {"correct_1": "y"},
        "A question with one right answer cannot have two ticked.",
    ),
    "fewer than two choices": (
        {"choice_1_vi": "", "choice_1_en": "", "feedback_1_vi": "", "feedback_1_en": ""},
        "Give at least two choices.",
    ),
    "empty question text": ({"text_vi": "  ", "text_en": ""}, "Write the question."),
    "short answer without accepted answers": (
        {"type": "short", "answers_vi": "", "answers_en": " \n "},
        "Give at least one accepted answer.",
    ),
    "missing explanation": ({"explanation_en": ""}, "Write the explanation (en)."),
    "bad question id": (
        {"key": "Câu hỏi 1"},
        "Use lower-case letters without accents, digits and hyphens",
    ),
    "question id used twice": (
        {"key": "existing"},
        "Another question in this module already has this id.",
    ),
}


@pytest.mark.parametrize("case", INVALID_QUESTIONS, ids=list(INVALID_QUESTIONS))
def test_is_an_invalid_question_refused_with_a_clear_message_and_nothing_saved(demo, case):
    changes, message = INVALID_QUESTIONS[case]
    client = signed_in(demo, "trainer")
    create_module(client, "q-invalid")
    add_question(client, "q-invalid", single_choice_fields("existing"))
    before = draft_data(demo, "q-invalid")
    fields = {**single_choice_fields("new-question"), **changes}
    response = add_question(client, "q-invalid", fields)
    assert response.status_code == 200
    assert message in text_of(response)
    assert draft_data(demo, "q-invalid") == before


def test_is_an_edit_that_breaks_a_question_refused_and_the_question_kept(demo):
    client = signed_in(demo, "trainer")
    create_module(client, "q-break")
    add_question(client, "q-break", single_choice_fields("fine"))
    before = draft_data(demo, "q-break")
    response = fill_and_post(
        client, "/authoring/m/q-break/questions/fine", {"correct_0": None}, field="text_vi"
    )
    assert response.status_code == 200
    assert "Tick the right answer." in text_of(response)
    assert draft_data(demo, "q-break") == before


def test_can_questions_be_reordered_and_deleted_after_confirmation(demo):
    client = signed_in(demo, "trainer")
    create_module(client, "q-order")
    for key in ("q-a", "q-b", "q-c"):
        add_question(client, "q-order", single_choice_fields(key))
    post_button(client, "/authoring/m/q-order", "/questions/q-a/move/down")
    assert question_keys(demo, "q-order") == ["q-b", "q-a", "q-c"]
    post_button(client, "/authoring/m/q-order", "/questions/q-c/move/up")
    assert question_keys(demo, "q-order") == ["q-b", "q-c", "q-a"]
    confirm = client.get("/authoring/m/q-order/questions/q-c/delete")
    assert confirm.status_code == 200
    assert "q-c" in text_of(confirm)
    assert question_keys(demo, "q-order") == ["q-b", "q-c", "q-a"]
    post_button(client, "/authoring/m/q-order/questions/q-c/delete", None)
    assert question_keys(demo, "q-order") == ["q-b", "q-a"]


# --- translations and preview -------------------------------------------------------


def test_are_missing_translations_flagged_on_the_module_page(demo):
    client = signed_in(demo, "trainer")
    create_module(client, "half-translated")
    add_lesson(client, "half-translated", lesson_fields("both", vi="Việt", en="English"))
    add_lesson(client, "half-translated", lesson_fields("vi-only", vi="Chỉ tiếng Việt"))
    add_question(client, "half-translated", single_choice_fields("q-both"))
    add_question(client, "half-translated", single_choice_fields("q-vi-only", langs=("vi",)))
    # English question text, but one choice left in Vietnamese only.
    no_choice = single_choice_fields("q-no-en-choice")
    no_choice["choice_1_en"] = ""
    no_choice["feedback_1_en"] = ""
    add_question(client, "half-translated", no_choice)
    page = text_of(client.get("/authoring/m/half-translated"))
    items = {
        m.group(1): m.group(0)
        for m in re.finditer(
            r"<li><a href=\"/authoring/m/half-translated/\w+/([\w-]+)\".*?</li>", page, re.S
        )
    }
    assert set(items) == {
        "both",
        "vi-only",
        "q-both",
        "q-vi-only",
        "q-no-en-choice",
    }
    assert "missing: en" in items["vi-only"]
    assert "missing: en" in items["q-vi-only"]
    assert "missing: en" in items["q-no-en-choice"]
    assert "missing" not in items["both"]
    assert "missing" not in items["q-both"]
    editor = text_of(client.get("/authoring/m/half-translated/lessons/vi-only"))
    english_box = editor[editor.index('<fieldset class="card" lang="en">') :]
    assert "missing" in english_box[: english_box.index("</legend>")]


def test_does_the_preview_button_show_the_sanitised_lesson_without_javascript(demo):
    client = signed_in(demo, "trainer")
    create_module(client, "preview-test")
    body = (
        "# Big title\n\nSome **bold** words.\n\n<script>alert('x')</script>\n\n"
        "[bad](javascript:alert(1)) <img src=x onerror=alert(1)>"
    )
    fields = lesson_fields("previewed", vi=body, en="Plain *English*")
    fields["action"] = "preview"
    response = add_lesson(client, "preview-test", fields)
    assert response.status_code == 200
    page = text_of(response)
    frame = re.search(r'<div class="lesson" id="preview-vi">(.*?)</div></div>', page, re.S)
    assert frame, "no preview of the Vietnamese text on the page"
    preview = frame.group(1)
    assert "<h2>Big title</h2>" in preview  # the page title is the h1, as for learners
    assert "<strong>bold</strong>" in preview
    assert "<script" not in preview and "onerror" not in preview
    assert "javascript:" not in preview
    assert "<em>English</em>" in page
    assert draft_data(demo, "preview-test")["lessons"] == []  # previewing saves nothing


def test_does_the_live_preview_return_sanitised_html(demo):
    client = signed_in(demo, "trainer")
    token = csrf_token(client, "/authoring/")
    markdown = (
        "# Title\n\n**bold** <script>alert(1)</script> [x](javascript:alert(1))\n\n"
        '<iframe src="https://evil.example"></iframe> <img src=x onerror=alert(1)>\n\n'
        '<a href="data:text/html,<script>alert(1)</script>">d</a> {{7*7}}'
    )
    response = client.post("/authoring/render", data={"csrf_token": token, "markdown": markdown})
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    html = text_of(response)
    assert "<h2>Title</h2>" in html and "<strong>bold</strong>" in html
    for active in ("<script", "javascript:", "<iframe", "onerror", "data:text/html"):
        assert active not in html
    assert "{{7*7}}" in html


def test_does_the_live_preview_refuse_a_post_without_the_csrf_token(demo):
    client = signed_in(demo, "trainer")
    response = client.post("/authoring/render", data={"markdown": "**x**"})
    assert response.status_code == 400
    assert "<strong>x</strong>" not in text_of(response)


# --- true/false feedback, many choices ----------------------------------------------


def test_can_a_true_or_false_question_have_feedback_for_each_answer(demo):
    client = signed_in(demo, "trainer")
    create_module(client, "q-tf-feedback")
    fields = {
        "key": "sky-is-green",
        "type": "truefalse",
        "truth": "false",
        "text_vi": "Trời màu xanh lá.",
        "text_en": "The sky is green.",
        "explanation_vi": "Vì vậy.",
        "explanation_en": "Because.",
        "feedback_true_vi": "Nhìn lại bầu trời.",
        "feedback_true_en": "Look at the sky again.",
        "feedback_false_vi": "Đúng.",
        "feedback_false_en": "Right.",
    }
    assert add_question(client, "q-tf-feedback", fields).status_code == 302
    (question,) = draft_data(demo, "q-tf-feedback")["questions"]
    assert [c["texts"]["en"] for c in question["choices"]] == [
        {"text": "true", "feedback": "Look at the sky again."},
        {"text": "false", "feedback": "Right."},
    ]
    # Shown again in the editor, and kept by a save that does not touch them.
    url = "/authoring/m/q-tf-feedback/questions/sky-is-green"
    editor = form_with(text_of(client.get(url)), "feedback_true_vi")["fields"]
    assert (editor["feedback_true_vi"], editor["feedback_false_en"]) == (
        "Nhìn lại bầu trời.",
        "Right.",
    )
    assert fill_and_post(client, url, {"text_en": "Green sky?"}, field="text_en").status_code == 302
    (question,) = draft_data(demo, "q-tf-feedback")["questions"]
    assert question["choices"][0]["texts"]["vi"]["feedback"] == "Nhìn lại bầu trời."


EIGHT_CHOICES = (
    "::Eight::Việc nào là của bí thư chi bộ? {=Chuẩn bị nội dung#Đúng."
    " ~Ký thay ~Thu phí ~Đi vắng ~Bỏ họp ~Xóa biên bản ~Giữ con dấu ~Ghi hộ#Không."
    " ####Bí thư chuẩn bị nội dung.}"
)


def eight_choice_question(client, slug: str) -> str:
    """A one-language module with a GIFT-imported single-choice question of 8 choices."""
    assert create_module(client, slug, en=False).status_code == 302
    url = f"/authoring/m/{slug}/gift"
    saved = fill_and_post(client, url, {"text": EIGHT_CHOICES, "action": "save"}, field="text")
    assert saved.status_code == 302
    return f"/authoring/m/{slug}/questions/eight"


def test_does_editing_a_question_with_eight_choices_keep_all_eight(demo):
    client = signed_in(demo, "trainer")
    url = eight_choice_question(client, "q-eight")
    before = draft_data(demo, "q-eight")["questions"][0]
    assert len(before["choices"]) == 8
    form = form_with(text_of(client.get(url)), "text_vi")
    assert form["fields"]["choice_7_vi"] == "Ghi hộ"
    assert form["fields"]["feedback_7_vi"] == "Không."
    assert "choice_9_vi" in form["names"]  # room for two more

    response = fill_and_post(client, url, {"text_vi": "Việc của bí thư?"}, field="text_vi")
    assert response.status_code == 302
    after = draft_data(demo, "q-eight")["questions"][0]
    assert after["choices"] == before["choices"]
    assert after["texts"]["vi"]["text"] == "Việc của bí thư?"


def test_can_a_ninth_choice_be_added_to_a_question_with_eight(demo):
    client = signed_in(demo, "trainer")
    url = eight_choice_question(client, "q-nine")
    response = fill_and_post(client, url, {"choice_8_vi": "Đọc nghị quyết"}, field="text_vi")
    assert response.status_code == 302
    choices = draft_data(demo, "q-nine")["questions"][0]["choices"]
    assert [c["texts"]["vi"]["text"] for c in choices][-2:] == ["Ghi hộ", "Đọc nghị quyết"]
    assert "choice_10_vi" in form_with(text_of(client.get(url)), "text_vi")["names"]


# --- the quiz draws more than its pool ----------------------------------------------

DRAW_WARNING = "Each attempt is to draw 10 questions, but the pool has only 1"


def test_is_a_draw_count_larger_than_the_pool_warned_about_when_saving_the_settings(demo):
    client = signed_in(demo, "trainer")
    publishable_module(client, "draw-test")  # one question, 10 drawn by default
    response = fill_and_post(
        client, "/authoring/m/draw-test", {"draw": "10"}, field="pass_mark", follow_redirects=True
    )
    page = text_of(response)
    assert "Settings saved in the draft." in page
    assert page.count(DRAW_WARNING) == 2  # the message after saving, and beside the field
    assert draft_data(demo, "draw-test")["draw"] == 10  # saved: more questions may follow

    for draw in ("0", "1"):
        response = fill_and_post(
            client,
            "/authoring/m/draw-test",
            {"draw": draw},
            field="pass_mark",
            follow_redirects=True,
        )
        assert "but the pool has only" not in text_of(response)


def test_does_the_module_page_keep_warning_until_the_pool_is_big_enough(demo):
    client = signed_in(demo, "trainer")
    publishable_module(client, "draw-grow")
    fill_and_post(client, "/authoring/m/draw-grow", {"draw": "2"}, field="pass_mark")
    assert "but the pool has only 1" in text_of(client.get("/authoring/m/draw-grow"))
    add_question(client, "draw-grow", single_choice_fields("second-question"))
    assert "but the pool has only" not in text_of(client.get("/authoring/m/draw-grow"))


# --- two trainers, one draft ------------------------------------------------------

STALE = "Someone else saved this draft since you opened this page, so nothing was saved."


def post_opened_form(client, url: str, form: dict, changes: dict):
    """Post a form the way it was when its page was loaded earlier, with some changes."""
    return client.post(url, data={**form["fields"], **changes})


def test_is_a_question_save_over_someone_elses_newer_save_refused(demo):
    trainer, admin = signed_in(demo, "trainer"), signed_in(demo, "admin")
    create_module(trainer, "two-editors")
    add_question(trainer, "two-editors", single_choice_fields("shared"))
    url = "/authoring/m/two-editors/questions/shared"
    opened = form_with(text_of(trainer.get(url)), "text_en")

    assert (
        fill_and_post(admin, url, {"text_en": "Admin's words"}, field="text_en").status_code == 302
    )
    after_admin = draft_data(demo, "two-editors")
    response = post_opened_form(trainer, url, opened, {"text_en": "Trainer's words"})

    assert response.status_code == 200
    page = text_of(response)
    assert STALE in page and "Reload the page" in page
    assert "Trainer&#39;s words" in page  # what was typed is still there to copy
    assert draft_data(demo, "two-editors") == after_admin
    # After a reload the trainer sees the admin's words and can save.
    reloaded = fill_and_post(trainer, url, {"text_vi": "Lời mới"}, field="text_en")
    assert reloaded.status_code == 302
    question = draft_data(demo, "two-editors")["questions"][0]
    assert question["texts"]["en"]["text"] == "Admin's words"
    assert question["texts"]["vi"]["text"] == "Lời mới"


def test_is_a_lesson_save_over_someone_elses_newer_save_refused(demo):
    trainer, admin = signed_in(demo, "trainer"), signed_in(demo, "admin")
    create_module(trainer, "two-lesson-editors")
    add_lesson(trainer, "two-lesson-editors", lesson_fields("shared", vi="Gốc", en="Original"))
    url = "/authoring/m/two-lesson-editors/lessons/shared"
    opened = form_with(text_of(trainer.get(url)), "body_vi")

    changed = fill_and_post(
        admin, url, {"body_en": "Admin's text", "action": "save"}, field="body_vi"
    )
    assert changed.status_code == 302
    after_admin = draft_data(demo, "two-lesson-editors")
    response = post_opened_form(
        trainer, url, opened, {"body_en": "Trainer's text", "action": "save"}
    )

    assert response.status_code == 200
    assert STALE in text_of(response)
    assert draft_data(demo, "two-lesson-editors") == after_admin
    # Previewing is no save: it works from the old page.
    preview = post_opened_form(trainer, url, opened, {"body_en": "*x*", "action": "preview"})
    assert preview.status_code == 200 and STALE not in text_of(preview)


def test_is_a_settings_save_over_someone_elses_newer_save_refused(demo):
    trainer, admin = signed_in(demo, "trainer"), signed_in(demo, "admin")
    create_module(trainer, "two-settings")
    url = "/authoring/m/two-settings"
    opened = form_with(text_of(trainer.get(url)), "pass_mark")
    assert fill_and_post(admin, url, {"pass_mark": "90"}, field="pass_mark").status_code == 302

    response = post_opened_form(trainer, url, opened, {"max_attempts": "3"})

    assert response.status_code == 200
    assert STALE in text_of(response)
    data = draft_data(demo, "two-settings")
    assert (data["pass_mark"], data["max_attempts"]) == (90, 0)


def test_can_two_trainers_save_different_lessons_of_one_draft(demo):
    trainer, admin = signed_in(demo, "trainer"), signed_in(demo, "admin")
    create_module(trainer, "two-lessons")
    add_lesson(trainer, "two-lessons", lesson_fields("one", vi="Một", en="One"))
    add_lesson(trainer, "two-lessons", lesson_fields("two", vi="Hai", en="Two"))
    url_one, url_two = (
        "/authoring/m/two-lessons/lessons/one",
        "/authoring/m/two-lessons/lessons/two",
    )
    opened = form_with(text_of(trainer.get(url_one)), "body_vi")

    saved = fill_and_post(
        admin, url_two, {"body_en": "Two, by admin", "action": "save"}, field="body_vi"
    )
    assert saved.status_code == 302
    response = post_opened_form(
        trainer, url_one, opened, {"body_en": "One, by trainer", "action": "save"}
    )

    assert response.status_code == 302
    bodies = {
        x["slug"]: x["texts"]["en"]["body_md"] for x in draft_data(demo, "two-lessons")["lessons"]
    }
    assert bodies == {"one": "One, by trainer\n", "two": "Two, by admin\n"}


# --- no mass assignment (SECURITY 11) -----------------------------------------------


def extras(app) -> dict:
    """Fields no editor form has, naming what a trainer must not be able to set."""
    with app.app_context():
        other_area = db.session.scalar(select(Area.id).where(Area.name == "Cây Nhãn"))
    return {
        "role": "admin",
        "roles": "admin",
        "area_id": str(other_area),
        "status": "published",
        "origin": "files",
        "version": "99",
        "base_version": "99",
        "published_by_id": str(user_id(app, "admin")),
        "updated_by_id": str(user_id(app, "admin")),
        "module_id": "1",
        "is_demo": "false",
    }


def trainer_state(app) -> tuple:
    with app.app_context():
        trainer = db.session.scalar(select(User).where(User.username == "trainer"))
        grants = db.session.execute(
            select(RoleGrant.role, RoleGrant.area_id).where(RoleGrant.user_id == trainer.id)
        ).all()
        return trainer.area_id, sorted((str(r), a) for r, a in grants)


def module_state(app, slug: str) -> tuple:
    with app.app_context():
        module = db.session.scalar(select(Module).where(Module.slug == slug))
        draft = db.session.scalar(select(ModuleDraft).where(ModuleDraft.module_id == module.id))
        return (
            module.status,
            module.origin,
            module.version,
            module.published_by_id,
            draft.base_version if draft else None,
            draft.updated_by_id if draft else None,
        )


def test_do_extra_fields_posted_to_the_editor_forms_change_nothing_they_name(demo):
    import_real_courses(demo)
    client = signed_in(demo, "trainer")
    more = extras(demo)
    trainer = user_id(demo, "trainer")
    before_trainer = trainer_state(demo)
    assert before_trainer[1] == [(str(Role.TRAINER), before_trainer[0])]

    # A new module: still an unpublished web draft, version 1, whatever is posted.
    response = fill_and_post(
        client,
        "/authoring/new",
        {"slug": "mass-new", "default_language": "vi", "title_vi": "Mới", **more},
        field="slug",
    )
    assert response.status_code == 302
    assert module_state(demo, "mass-new") == (ModuleStatus.DRAFT, "web", 1, None, 0, trainer)

    # Every editor form of a published module, each with the extra fields.
    module_url = f"/authoring/m/{REAL_MODULE}"
    posts = [
        fill_and_post(client, module_url, {"pass_mark": "75", **more}, field="pass_mark"),
        fill_and_post(
            client,
            f"{module_url}/lessons/{REAL_LESSON}",
            {"action": "save", **more},
            field="body_vi",
        ),
        fill_and_post(
            client,
            f"{module_url}/lessons/new",
            {**lesson_fields("mass-lesson", vi="Việt", en="English"), **more},
            field="body_vi",
        ),
        fill_and_post(client, f"{module_url}/questions/{REAL_QUESTION}", more, field="text_vi"),
        fill_and_post(
            client,
            f"{module_url}/questions/new",
            {**single_choice_fields("mass-q"), **more},
            field="text_vi",
        ),
        fill_and_post(
            client,
            f"{module_url}/gift",
            {"text": "::Mass:: Hai cộng hai? {=bốn ~năm}", "action": "save", **more},
            field="text",
        ),
        post_button(client, module_url, f"/lessons/{REAL_LESSON}/move/down", more),
        post_button(client, f"{module_url}/lessons/mass-lesson/delete", None, more),
        fill_and_post(client, "/authoring/images", {"alt": "x", **more}, field="alt"),
    ]
    assert [p.status_code for p in posts] == [302] * 8 + [200]  # no picture: asked for one
    assert module_state(demo, REAL_MODULE) == (ModuleStatus.PUBLISHED, "files", 1, None, 1, trainer)
    data = draft_data(demo, REAL_MODULE)
    assert data["pass_mark"] == 75  # the real field did save
    assert "status" not in data and "version" not in data and "origin" not in data
    assert trainer_state(demo) == before_trainer

    # Publishing with the extras: version 2 from the web by the trainer, nothing else.
    # (The GIFT question is in Vietnamese only, which publishing would rightly refuse.)
    assert "mass" in [q["key"] for q in data["questions"]]
    post_button(client, f"{module_url}/questions/mass/delete", None)
    assert publish(client, REAL_MODULE, extra=more).status_code == 302
    assert module_state(demo, REAL_MODULE) == (
        ModuleStatus.PUBLISHED,
        "web",
        2,
        trainer,
        None,
        None,
    )
    with demo.app_context():
        version = db.session.scalar(
            select(ModuleVersion)
            .join(Module)
            .where(Module.slug == REAL_MODULE, ModuleVersion.version == 2)
        )
        assert (version.origin, version.published_by_id) == ("web", trainer)
    assert trainer_state(demo) == before_trainer
