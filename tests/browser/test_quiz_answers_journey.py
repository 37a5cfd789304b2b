"""Answers survive a weak network, on a 360x740 phone in real Chromium (issue 12 item 4):
each answer is saved as it is given and is there again after a reload and a trip home;
a save that fails says so and is tried again; a blank submit asks first."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from learnapp import db
from learnapp.models import AttemptStatus, QuizAttempt, SavedAnswer
from tests.browser.conftest import fits_phone, phone_context
from tests.factories import answer_values, import_into

pytestmark = pytest.mark.browser

COURSES = Path(__file__).resolve().parents[2] / "courses"
MODULE = "cell-meetings"


def expect(locator):
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(locator)


def sign_in_and_start(phone, live_server, app) -> int:
    import_into(app, COURSES)
    phone.goto(live_server + "/sign-in")
    phone.fill("input[name=identifier]", "learner")
    phone.fill("input[name=password]", "learnapp-demo")
    phone.click("form[action$='/sign-in'] button[type=submit]")
    phone.wait_for_url(live_server + "/")
    phone.goto(f"{live_server}/m/{MODULE}/quiz")
    phone.get_by_role("button", name="Bắt đầu").click()
    phone.wait_for_url(re.compile(r"/quiz/attempts/\d+$"))
    return int(urlsplit(phone.url).path.rsplit("/", 1)[1])


def choice_answers(app, attempt_id: int, count: int) -> list[tuple[str, str]]:
    """(field name, value) of the right answer to the first `count` choice questions."""
    with app.app_context():
        values = answer_values(db.session.get(QuizAttempt, attempt_id), right=True)
    picked = []
    for name, chosen in values.items():
        if chosen and chosen[0].isdigit():
            picked.append((name, chosen[0]))
        if len(picked) == count:
            break
    return picked


def saved(app, attempt_id: int) -> dict[int, list[str]]:
    with app.app_context():
        return dict(
            db.session.execute(
                select(SavedAnswer.question_id, SavedAnswer.answer_values).where(
                    SavedAnswer.attempt_id == attempt_id
                )
            ).all()
        )


def expect_checked(phone, answers) -> None:
    for name, value in answers:
        expect(phone.locator(f"input[name={name}][value='{value}']")).to_be_checked()


def test_do_answers_survive_a_reload_and_a_trip_home(demo, live_server, phone):
    attempt_id = sign_in_and_start(phone, live_server, demo)
    answers = choice_answers(demo, attempt_id, 3)

    for name, value in answers:
        phone.check(f"input[name={name}][value='{value}']")
        box = phone.locator(f"fieldset[data-question='{name[1:]}'] .save-state")
        expect(box).to_have_text("Đã lưu")
    fits_phone(phone)
    assert {f"q{qid}": v for qid, v in saved(demo, attempt_id).items()} == {
        name: [value] for name, value in answers
    }

    phone.reload()
    expect_checked(phone, answers)

    # Home, then back through the module's quiz page.
    phone.click("a.brand")
    phone.wait_for_url(live_server + "/")
    phone.goto(f"{live_server}/m/{MODULE}/quiz")
    phone.get_by_role("link", name="Tiếp tục làm bài").click()
    phone.wait_for_url(re.compile(rf"/quiz/attempts/{attempt_id}$"))
    expect_checked(phone, answers)
    expect(phone.locator(".save-summary")).to_be_hidden()


def test_does_a_failed_save_say_so_and_succeed_on_retry(demo, live_server, phone):
    attempt_id = sign_in_and_start(phone, live_server, demo)
    ((name, value),) = choice_answers(demo, attempt_id, 1)
    state = phone.locator(f"fieldset[data-question='{name[1:]}'] .save-state")

    # The network drops every save for now.
    phone.route(re.compile(r".*/answers$"), lambda route: route.abort())
    phone.check(f"input[name={name}][value='{value}']")
    expect(state).to_have_text("Chưa lưu được: đang thử lại…")
    expect(phone.locator(".save-summary")).to_be_visible()
    assert saved(demo, attempt_id) == {}

    # The connection comes back: the retry saves it without the learner doing anything.
    phone.unroute(re.compile(r".*/answers$"))
    expect(state).to_have_text("Đã lưu", timeout=15_000)
    expect(phone.locator(".save-summary")).to_be_hidden()
    assert saved(demo, attempt_id) == {int(name[1:]): [value]}


def test_does_a_blank_submit_ask_first(demo, live_server, phone):
    attempt_id = sign_in_and_start(phone, live_server, demo)

    phone.get_by_role("button", name="Nộp bài").click()
    phone.wait_for_url(re.compile(rf"/quiz/attempts/{attempt_id}/confirm$"))
    expect(phone.locator("h2")).to_have_text("Có câu chưa được trả lời")
    fits_phone(phone)
    with demo.app_context():
        assert db.session.get(QuizAttempt, attempt_id).status == AttemptStatus.OPEN

    # Going back keeps the attempt open; submitting anyway closes it.
    phone.get_by_role("link", name="Quay lại trả lời các câu đó").click()
    phone.wait_for_url(re.compile(rf"/quiz/attempts/{attempt_id}$"))
    phone.get_by_role("button", name="Nộp bài").click()
    phone.get_by_role("button", name="Vẫn nộp bài").click()
    phone.wait_for_url(re.compile(rf"/quiz/attempts/{attempt_id}/result$"))
    with demo.app_context():
        assert db.session.get(QuizAttempt, attempt_id).status == AttemptStatus.SUBMITTED


def test_does_the_save_button_keep_answers_without_javascript(demo, live_server, browser):
    context = phone_context(browser, java_script_enabled=False)
    phone = context.new_page()
    try:
        attempt_id = sign_in_and_start(phone, live_server, demo)
        answers = choice_answers(demo, attempt_id, 2)
        for name, value in answers:
            phone.check(f"input[name={name}][value='{value}']")
        assert saved(demo, attempt_id) == {}

        phone.get_by_role("button", name="Lưu câu trả lời").click()
        phone.wait_for_url(re.compile(rf"/quiz/attempts/{attempt_id}$"))
        phone.goto(live_server + "/")
        phone.goto(f"{live_server}/quiz/attempts/{attempt_id}")

        expect_checked(phone, answers)
        assert len(saved(demo, attempt_id)) == 10
    finally:
        context.close()
