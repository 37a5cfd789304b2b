"""The GIFT import page end to end (issue 6 item 4): paste or upload, a preview of what
will and will not be imported, nothing added until "save", unique ids, clear refusals.
The parser itself is tested in test_gift.py."""

from __future__ import annotations

import html
import io
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from learnapp import db
from learnapp.models import QuizAttempt
from tests.authoring_helpers import (
    add_lesson,
    add_question,
    create_module,
    draft_data,
    fill_and_post,
    form_with,
    lesson_fields,
    post_button,
    publish,
    signed_in,
    single_choice_fields,
)
from tests.factories import answer_values

SLUG = "gift-test"
URL = f"/authoring/m/{SLUG}/gift"
NO_EXPLANATION = "No explanation (#### in GIFT): add one in the editor"
TESTDATA = Path(__file__).resolve().parents[2] / "shared" / "testdata" / "gift"
GIFT = """// Câu hỏi cho chi bộ: a comment line, ignored.
::Quorum::Chi bộ cần bao nhiêu đảng viên có mặt? {
=Quá nửa#Đúng.
~Một phần ba#Chưa đủ.
####Theo Điều lệ Đảng.}

::Tasks::Việc nào là của bí thư? {
~%50%Chuẩn bị nội dung
~%50%Điều hành buổi họp
~%-100%Ký thay đảng viên#Không bao giờ.
####Bí thư chuẩn bị và điều hành.}

::Monthly::Chi bộ sinh hoạt định kỳ mỗi tháng.{T####Mỗi tháng một lần.}

::Website::Trang của Trung tâm xử lý tin giả? {=tingia.gov.vn =tingia####Trang chính thức.}

::Match::Ghép tên với vai trò. {
=Hà Nội -> Thủ đô
=Huế -> Cố đô
=Đà Nẵng -> Thành phố cảng}

::Year::Đảng được thành lập năm nào? {#1930}

::Essay::Viết cảm nghĩ về buổi sinh hoạt gần nhất.{}
"""


def line_of(text: str, marker: str) -> int:
    return text[: text.index(marker)].count("\n") + 1


def listed(page: str, heading: str) -> list[str]:
    """The items under the section heading as plain text (tags removed, unescaped)."""
    start = page.index(heading)
    block = page[start : page.index("</ol>" if "Will be" in heading else "</ul>", start)]
    items = re.split(r'<li><span class="muted small">|<li>(?=line \d+:)', block)[1:]
    return [" ".join(html.unescape(re.sub(r"<[^>]+>", " ", i)).split()) for i in items]


def imported_lines(page: str) -> list[int]:
    start = page.index("Will be imported")
    block = page[start : page.index("</ol>", start)]
    return [int(n) for n in re.findall(r'<span class="muted small">line (\d+) ·', block)]


def skipped(page: str) -> list[tuple[int, str]]:
    """(line, kind as shown) of each question listed as not imported."""
    if "Not imported" not in page:
        return []
    found = re.findall(
        r"<li>line (\d+): <strong>.*?</strong> · ([\w ]+?) · ", page[page.index("Not imported") :]
    )
    return [(int(line), kind) for line, kind in found]


def press_save(client, preview_response):
    """Press "Add ... questions to the draft" on the preview page just shown."""
    form = form_with(preview_response.get_data(as_text=True), "text")
    assert ("action", "save") in form["buttons"], "the preview offers no save button"
    return client.post(URL, data={**form["fields"], "action": "save"})


@pytest.fixture
def trainer(demo):
    client = signed_in(demo, "trainer")
    assert create_module(client, SLUG).status_code == 302
    return client


def test_does_the_preview_list_what_will_and_will_not_be_imported_with_lines(demo, trainer):
    before = draft_data(demo, SLUG)
    response = fill_and_post(trainer, URL, {"text": GIFT, "action": "preview"}, field="text")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Will be imported (4)" in page
    assert imported_lines(page) == [
        line_of(GIFT, "::Quorum::"),
        line_of(GIFT, "::Tasks::"),
        line_of(GIFT, "::Monthly::"),
        line_of(GIFT, "::Website::"),
    ]
    items = listed(page, "Will be imported")
    assert "single · Quorum" in items[0] and "Quá nửa right answer" in items[0]
    assert "multiple · Tasks" in items[1]
    assert "truefalse · Monthly" in items[2] and "True" in items[2]
    assert "short · Website" in items[3] and "tingia.gov.vn / tingia" in items[3]
    assert "Not imported (3)" in page
    assert skipped(page) == [
        (line_of(GIFT, "::Match::"), "matching question"),
        (line_of(GIFT, "::Year::"), "numerical question"),
        (line_of(GIFT, "::Essay::"), "essay question"),
    ]
    not_imported = listed(page, "Not imported")
    assert [i.split(" · ")[0] for i in not_imported] == [
        f"line {line_of(GIFT, '::Match::')}: Match",
        f"line {line_of(GIFT, '::Year::')}: Year",
        f"line {line_of(GIFT, '::Essay::')}: Essay",
    ]
    assert "Add 4 questions to the draft" in page
    assert draft_data(demo, SLUG) == before  # a preview adds nothing


def test_are_the_questions_added_only_on_save_with_unique_ids(demo, trainer):
    assert add_question(trainer, SLUG, single_choice_fields("quorum")).status_code == 302
    preview = fill_and_post(trainer, URL, {"text": GIFT, "action": "preview"}, field="text")
    assert [q["key"] for q in draft_data(demo, SLUG)["questions"]] == ["quorum"]

    response = press_save(trainer, preview)
    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == f"/authoring/m/{SLUG}"
    questions = draft_data(demo, SLUG)["questions"]
    keys = [q["key"] for q in questions]
    assert keys == ["quorum", "quorum-2", "tasks", "monthly", "website"]
    by_key = {q["key"]: q for q in questions}
    single = by_key["quorum-2"]
    assert single["type"] == "single"
    assert [c["is_correct"] for c in single["choices"]] == [True, False]
    assert single["choices"][1]["texts"]["vi"] == {"text": "Một phần ba", "feedback": "Chưa đủ."}
    assert single["texts"]["vi"]["explanation"] == "Theo Điều lệ Đảng."
    assert [c["is_correct"] for c in by_key["tasks"]["choices"]] == [True, True, False]
    assert [c["is_correct"] for c in by_key["monthly"]["choices"]] == [True, False]
    assert by_key["website"]["texts"]["vi"]["answers"] == ["tingia.gov.vn", "tingia"]
    assert all(set(q["texts"]) == {"vi"} for q in questions[1:])

    # The same file again: new ids, nothing overwritten.
    again = fill_and_post(trainer, URL, {"text": GIFT, "action": "save"}, field="text")
    assert again.status_code == 302
    keys = [q["key"] for q in draft_data(demo, SLUG)["questions"]]
    assert len(keys) == 9 and len(set(keys)) == 9
    assert keys[5:] == ["quorum-3", "tasks-2", "monthly-2", "website-2"]
    module_page = trainer.get(f"/authoring/m/{SLUG}").get_data(as_text=True)
    assert "(9)" in module_page


def test_can_questions_be_imported_in_english(demo, trainer):
    response = fill_and_post(
        trainer,
        URL,
        {"text": "::Sky:: The sky is blue.{TRUE####Look up.}", "language": "en", "action": "save"},
        field="text",
    )
    assert response.status_code == 302
    (question,) = draft_data(demo, SLUG)["questions"]
    assert question["texts"] == {
        "en": {"text": "The sky is blue.", "explanation": "Look up.", "answers": []}
    }


def test_can_a_gift_file_be_uploaded_instead_of_pasted(demo, trainer):
    upload = (io.BytesIO(GIFT.encode("utf-8-sig")), "ngan-hang-cau-hoi.gift")
    response = fill_and_post(
        trainer,
        URL,
        {"text": "", "upload": upload, "action": "preview"},
        field="text",
        content_type="multipart/form-data",
    )
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Will be imported (4)" in page and "Not imported (3)" in page
    assert draft_data(demo, SLUG)["questions"] == []
    response = press_save(trainer, response)  # the file's text is now in the form
    assert response.status_code == 302
    assert len(draft_data(demo, SLUG)["questions"]) == 4


def upload_gift(client, data: bytes, action: str):
    return fill_and_post(
        client,
        URL,
        {"text": "", "upload": (io.BytesIO(data), "ngan-hang.gift"), "action": action},
        field="text",
        content_type="multipart/form-data",
    )


def test_is_a_gift_file_over_500_kb_refused_whole_and_nothing_imported(demo, trainer):
    padding = ("// " + "x" * 96 + "\n").encode()  # a comment line of 100 bytes
    data = GIFT.encode() + padding * 5000
    assert len(data) > 500_000
    for action in ("preview", "save"):
        response = upload_gift(trainer, data, action)
        assert response.status_code == 200
        page = response.get_data(as_text=True)
        assert "The file is larger than 500 KB." in page
        assert "Will be imported" not in page
    assert draft_data(demo, SLUG)["questions"] == []


def test_is_a_gift_file_of_exactly_500_kb_imported(demo, trainer):
    data = GIFT.encode()
    data += b"/" * (500_000 - len(data))  # one long comment line up to the limit
    response = upload_gift(trainer, data, "save")
    assert response.status_code == 302
    assert len(draft_data(demo, SLUG)["questions"]) == 4


def test_is_a_question_without_an_explanation_flagged_in_the_preview(demo, trainer):
    text = (
        "::With::Chi bộ họp mỗi tháng.{T####Điều lệ quy định.}\n\n"
        "::Without::Ai chủ trì buổi họp? {=Bí thư ~Trưởng thôn}\n\n"
        "::Empty::Họp trực tuyến được không? {T####}\n"
    )
    response = fill_and_post(trainer, URL, {"text": text, "action": "preview"}, field="text")
    items = listed(response.get_data(as_text=True), "Will be imported")
    assert len(items) == 3
    assert NO_EXPLANATION not in items[0]
    assert NO_EXPLANATION in items[1] and NO_EXPLANATION in items[2]
    assert draft_data(demo, SLUG)["questions"] == []


def test_does_the_feedback_of_a_truefalse_gift_question_reach_the_learners_result(demo, trainer):
    slug = "gift-true-false"
    assert create_module(trainer, slug, en=False).status_code == 302
    assert add_lesson(trainer, slug, lesson_fields("bai-mot", vi="Nội dung.")).status_code == 302
    gift = (
        "::Weekly::[markdown]Chi bộ sinh hoạt thường kỳ mỗi tuần một lần."
        "{F#Chưa đúng: mỗi *tháng* một lần.#Đúng vậy.####Điều lệ quy định mỗi tháng.}"
    )
    url = f"/authoring/m/{slug}/gift"
    saved = fill_and_post(trainer, url, {"text": gift, "action": "save"}, field="text")
    assert saved.status_code == 302
    editor = trainer.get(f"/authoring/m/{slug}/questions/weekly").get_data(as_text=True)
    fields = form_with(editor, "feedback_true_vi")["fields"]
    assert fields["feedback_true_vi"] == "Chưa đúng: mỗi *tháng* một lần."
    assert fields["feedback_false_vi"] == "Đúng vậy."
    response = publish(trainer, slug)
    assert response.status_code == 302, response.get_data(as_text=True)

    learner = signed_in(demo, "learner")
    start = post_button(learner, f"/m/{slug}/quiz", f"/m/{slug}/quiz/start")
    take_url = urlsplit(start.headers["Location"]).path
    take = learner.get(take_url).get_data(as_text=True)
    with demo.app_context():
        attempt = db.session.get(QuizAttempt, int(take_url.rsplit("/", 1)[1]))
        values = answer_values(attempt, right=False)  # "true", the wrong answer
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', take).group(1)
    done = learner.post(take_url, data={"csrf_token": token, **values})
    result = learner.get(urlsplit(done.headers["Location"]).path).get_data(as_text=True)
    assert "Chưa đúng: mỗi <em>tháng</em> một lần." in result
    assert "Đúng vậy." not in result  # the other answer's feedback is not the learner's


@pytest.mark.parametrize(
    ("encoding", "text"),
    [
        ("utf-16", GIFT),  # what Windows Notepad saves as "Unicode"
        ("cp1252", "::Cafe:: Un café ? {=oui ~non####Voilà.}"),  # an old Western file
    ],
)
def test_is_a_file_that_is_not_utf8_refused_with_a_clear_message(demo, trainer, encoding, text):
    data = text.encode(encoding)
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    for action in ("preview", "save"):
        response = fill_and_post(
            trainer,
            URL,
            {"text": "", "upload": (io.BytesIO(data), "cau-hoi.txt"), "action": action},
            field="text",
            content_type="multipart/form-data",
        )
        assert response.status_code == 200
        page = response.get_data(as_text=True)
        assert "The file is not UTF-8 text." in page
        assert "Will be imported" not in page
    assert draft_data(demo, SLUG)["questions"] == []


def test_is_an_empty_paste_asked_to_give_questions(demo, trainer):
    response = fill_and_post(trainer, URL, {"text": "  \n", "action": "save"}, field="text")
    assert response.status_code == 200
    assert "Paste GIFT questions or choose a file." in response.get_data(as_text=True)
    assert draft_data(demo, SLUG)["questions"] == []


def test_does_a_file_of_only_unsupported_questions_add_nothing_even_on_save(demo, trainer):
    text = "::Year::Năm nào? {#1930}\n\n::Essay::Viết đi.{}\n"
    response = fill_and_post(trainer, URL, {"text": text, "action": "save"}, field="text")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Will be imported (0)" in page
    assert skipped(page) == [(1, "numerical question"), (3, "essay question")]
    assert draft_data(demo, SLUG)["questions"] == []


def moodle_examples() -> str:
    path = TESTDATA / "moodle-examples.gift.txt"
    if not path.is_file():
        pytest.skip(f"Moodle's GIFT examples are not at {path} (../shared/testdata/gift/)")
    return path.read_text(encoding="utf-8")


def test_does_moodles_example_file_preview_and_import_through_the_page(demo, trainer):
    text = moodle_examples()
    response = fill_and_post(trainer, URL, {"text": text, "action": "preview"}, field="text")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Will be imported (32)" in page
    lines = imported_lines(page)
    assert lines[:4] == [8, 10, 12, 14]
    assert line_of(text, "::Kanji Origins::") in lines
    not_imported = skipped(page)
    assert (line_of(text, "Matching Question."), "matching question") in not_imported
    assert (line_of(text, "What's 2 plus 2?"), "numerical question") in not_imported
    assert (line_of(text, "::Numerical example::"), "numerical question") in not_imported
    assert {kind for _, kind in not_imported} == {"matching question", "numerical question"}
    assert len(not_imported) == 11
    assert draft_data(demo, SLUG)["questions"] == []

    assert press_save(trainer, response).status_code == 302
    keys = [q["key"] for q in draft_data(demo, SLUG)["questions"]]
    assert len(keys) == 32 and len(set(keys)) == 32
    assert "kanji-origins" in keys and "jesus-hometown-2" in keys
    assert all(re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*", k) for k in keys)


def test_are_the_reasons_for_not_importing_in_the_trainers_language(demo, trainer):
    trainer.environ_base["HTTP_ACCEPT_LANGUAGE"] = "vi"
    broken = GIFT + "\n::Broken::Câu hỏi thiếu dấu đóng {=Có ~Không\n"
    response = fill_and_post(trainer, URL, {"text": broken, "action": "preview"}, field="text")
    page = html.unescape(response.get_data(as_text=True))
    assert "câu hỏi ghép đôi ({=a -> b}): không nhập" in page
    assert "câu hỏi tự luận" in page
    assert "dấu ngoặc chưa đóng" in page
    assert "not imported" not in page
