"""Listen-aloud hooks: every lesson, job aid, question and result carries hidden controls
with their texts in the reader's language, and the script that shows them."""

from __future__ import annotations

import re

import pytest

from tests.test_lesson_audio import SLUG, learner_in, recorded  # noqa: F401 (fixture)
from tests.test_quiz_flow import course, pass_quiz, start  # noqa: F401 (fixture)

STRINGS = {
    "vi": (
        "Nghe",
        "Tạm dừng",
        "Nghe tiếp",
        "Tốc độ đọc",
        "không có giọng đọc",
        'data-lang="vi-VN"',
    ),
    "en": ("Listen", "Pause", "Resume", "Speed", "has no voice", 'data-lang="en"'),
}


def listen_boxes(page: str) -> list[str]:
    return re.findall(
        r"<div class=\"listen no-print\" data-listen [^>]*hidden>.*?</div>", page, re.S
    )


def assert_listens(page: str, language: str, target: str, count: int = 1) -> None:
    boxes = listen_boxes(page)
    assert len(boxes) == count, boxes
    for box in boxes:
        assert f'data-target="{target}"' in box
        for text in STRINGS[language]:
            assert text in box, (text, box)
    assert re.search(r'<script src="[^"]*js/listen\.js[^"]*" defer>', page)


@pytest.mark.parametrize("language", ["vi", "en"])
def test_does_a_lesson_carry_hidden_listen_controls_in_the_readers_language(recorded, language):  # noqa: F811
    page = learner_in(recorded, language).get(f"/m/{SLUG}/lesson-1").get_data(as_text=True)
    assert_listens(page, language, ".lesson")


def test_does_a_page_with_nothing_to_read_load_no_listen_script(recorded):  # noqa: F811
    page = learner_in(recorded, "vi").get("/").get_data(as_text=True)
    assert "data-listen" not in page and "listen.js" not in page


@pytest.mark.parametrize("language", ["vi", "en"])
def test_do_each_question_and_the_result_carry_listen_controls(course, language):  # noqa: F811
    app = course()
    client = learner_in(app, language)
    path = start(client)
    assert_listens(client.get(path).get_data(as_text=True), language, "fieldset", count=4)
    result = pass_quiz(app, client)
    page = client.get(result, follow_redirects=True).get_data(as_text=True)
    assert_listens(page, language, ".result")
