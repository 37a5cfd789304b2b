"""An ordering question on a 360x740 phone in real Chromium: without JavaScript a select
per step does it, and a place given twice comes back with a message; with JavaScript
each change is saved and a place taken from another step swaps the two."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from learnapp import db
from learnapp.models import AttemptStatus, Question, QuizAttempt, SavedAnswer
from tests.browser.conftest import fits_phone, phone_context, sign_in
from tests.factories import import_into, module_settings, write_module

pytestmark = pytest.mark.browser

SLUG = "order-module"
QUESTION = {
    "id": "put-in-order",
    "type": "ordering",
    "text": "Xếp các bước @lang",
    "choices": [{"text": f"Bước {n} @lang"} for n in range(1, 5)],
    "explanation": "Giải thích @lang",
}


def expect(locator):
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(locator)


@pytest.fixture
def order_course(demo, tmp_path):
    root = tmp_path / "courses"
    write_module(
        root, SLUG, settings=module_settings(completion="quiz"), lessons=[], questions=[QUESTION]
    )
    import_into(demo, root)
    return demo


@pytest.fixture
def phone_without_js(browser):
    context = phone_context(browser, java_script_enabled=False)
    yield context.new_page()
    context.close()


def start(page, live_server) -> int:
    sign_in(page, live_server)
    page.goto(f"{live_server}/m/{SLUG}/quiz")
    page.get_by_role("button", name="Bắt đầu").click()
    page.wait_for_url(re.compile(r"/quiz/attempts/\d+$"))
    return int(urlsplit(page.url).path.rsplit("/", 1)[1])


def steps(app, attempt_id: int) -> tuple[int, list[int]]:
    """(question id, its choice ids in the right order)."""
    with app.app_context():
        ((question_id, _shown),) = db.session.get(QuizAttempt, attempt_id).layout
        return question_id, [c.id for c in db.session.get(Question, question_id).choices]


def place(page, qid: int, cid: int, n: int) -> None:
    page.select_option(f"#q{qid}-{cid}", f"{cid}:{n}")


def submit(page) -> None:
    page.locator("form.quiz button[type=submit]").first.click()


def status(app, attempt_id: int) -> tuple[AttemptStatus, int | None]:
    with app.app_context():
        attempt = db.session.get(QuizAttempt, attempt_id)
        return attempt.status, attempt.percent


def test_can_a_learner_order_steps_without_javascript(order_course, live_server, phone_without_js):
    page = phone_without_js
    attempt_id = start(page, live_server)
    qid, right = steps(order_course, attempt_id)
    assert page.locator(f"select[name=q{qid}]").count() == 4

    for n, cid in enumerate(right, start=1):
        place(page, qid, cid, 1 if n == 2 else n)  # step 2 also in place 1
    submit(page)
    expect(page.get_by_role("status").first).to_contain_text("Câu 1: có hai bước cùng một vị trí")
    assert status(order_course, attempt_id)[0] == AttemptStatus.OPEN
    with order_course.app_context():
        assert db.session.scalars(select(SavedAnswer.attempt_id)).all() == []  # nothing saved
    # What was sent is still chosen, so only the repeat needs fixing.
    expect(page.locator(f"#q{qid}-{right[2]}")).to_have_value(f"{right[2]}:3")
    fits_phone(page)

    place(page, qid, right[1], 2)
    submit(page)
    page.wait_for_url(re.compile(r"/result$"))
    assert status(order_course, attempt_id) == (AttemptStatus.SUBMITTED, 100)
    expect(page.locator("ol.review-steps").first).to_contain_text("Bước 1 vi")


def test_does_the_page_script_save_each_place_and_swap_a_taken_one(
    order_course, live_server, phone
):
    attempt_id = start(phone, live_server)
    qid, right = steps(order_course, attempt_id)
    for n, cid in enumerate(right, start=1):
        place(phone, qid, cid, n)
    state = phone.locator(f"fieldset[data-question='{qid}'] .save-state")
    expect(state).to_have_text("Đã lưu")

    # Step 1 takes place 2: step 2, which had it, takes place 1.
    place(phone, qid, right[0], 2)
    expect(phone.locator(f"#q{qid}-{right[1]}")).to_have_value(f"{right[1]}:1")
    expect(state).to_have_text("Đã lưu")

    def saved() -> list[str]:
        with order_course.app_context():
            return db.session.scalar(
                select(SavedAnswer.answer_values).where(SavedAnswer.attempt_id == attempt_id)
            )

    assert sorted(saved()) == sorted(
        [f"{right[0]}:2", f"{right[1]}:1", f"{right[2]}:3", f"{right[3]}:4"]
    )
    phone.reload()
    expect(phone.locator(f"#q{qid}-{right[0]}")).to_have_value(f"{right[0]}:2")

    place(phone, qid, right[0], 1)  # and back
    expect(phone.locator(f"#q{qid}-{right[1]}")).to_have_value(f"{right[1]}:2")
    expect(state).to_have_text("Đã lưu")
    fits_phone(phone)
    submit(phone)
    phone.wait_for_url(re.compile(r"/result$"))
    assert status(order_course, attempt_id) == (AttemptStatus.SUBMITTED, 100)
