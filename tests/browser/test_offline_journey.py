"""Offline on a 360x740 phone (issue 17): download a module, lose the server, read and
mark every lesson, answer and submit the quiz, get the server back: one attempt, marked
offline, and every lesson done. Stopping the server (not only the browser context)
also cuts the service worker's own requests."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import func, select

from learnapp import db
from learnapp.models import LessonProgress, QuizAttempt
from tests.browser.conftest import sign_in
from tests.browser.test_learner_journey import answer_every_question
from tests.factories import import_into, user_id

pytestmark = [pytest.mark.browser, pytest.mark.real_commits]

COURSES = Path(__file__).resolve().parents[2] / "courses"
MODULE = "cell-meetings"


def expect(locator):
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(locator)


def lesson_paths(app) -> list[str]:
    from learnapp.content.published import published_module
    from learnapp.learn.services import active_lessons

    with app.app_context():
        module = published_module(MODULE)
        return [f"/m/{MODULE}/{lesson.slug}" for lesson in active_lessons(module)]


def download(phone, base: str, slug: str) -> None:
    """Download a module for offline use from its page, once the worker is running."""
    phone.goto(base + f"/m/{slug}")
    phone.evaluate("navigator.serviceWorker.ready.then(() => true)")
    phone.reload()
    box = phone.locator("[data-offline-module]")
    expect(box).to_be_visible()
    box.locator("[data-download]").click()
    expect(box.locator("[data-state]")).to_contain_text("KB", timeout=20_000)
    expect(box.locator("[data-remove]")).to_be_visible()


def go_offline_with_a_downloaded_module(app, server, phone) -> tuple[int, list[str]]:
    import_into(app, COURSES)
    phone.on("dialog", lambda dialog: dialog.accept())
    sign_in(phone, server.url)
    download(phone, server.url, MODULE)

    # The quiz is started online: questions and their order come from the server.
    phone.goto(server.url + f"/m/{MODULE}/quiz")
    phone.locator("form[action$='/quiz/start'] button[type=submit]").click()
    phone.wait_for_url(re.compile(r"/quiz/attempts/\d+$"))
    server.stop()
    attempt_id = answer_every_question(phone, app, right=True)
    phone.locator("form.quiz button[type=submit]").last.click()
    expect(phone.locator("form.quiz .flash-info")).to_be_visible()

    lessons = lesson_paths(app)
    for path in lessons:
        phone.goto(server.url + path)
        expect(phone.locator("main[data-offline]")).to_have_count(1)
        expect(phone.locator("[data-offline-banner]")).to_be_visible()
        expect(phone.locator("article.lesson h1")).to_be_visible()
        with phone.expect_navigation():
            phone.locator(f"form[action='{path}/done'] button[type=submit]").click()
    queue = phone.evaluate("Object.keys(localStorage).filter(k => k.startsWith('offline:queue'))")
    assert len(queue) == 1
    return attempt_id, lessons


def counts(app, attempt_id: int) -> tuple[int, int, bool]:
    with app.app_context():
        learner = user_id(app, "learner")
        attempts = db.session.scalar(
            select(func.count(QuizAttempt.id)).where(
                QuizAttempt.user_id == learner, QuizAttempt.status == "submitted"
            )
        )
        done = db.session.scalar(
            select(func.count(LessonProgress.id)).where(LessonProgress.user_id == learner)
        )
        return attempts, done, db.session.get(QuizAttempt, attempt_id).submitted_offline


def wait_for_empty_queue(phone) -> None:
    # Polled from here: wait_for_function evaluates a string, which the site's CSP forbids.
    for _ in range(100):
        left = phone.evaluate(
            "Object.keys(localStorage).filter(k => k.startsWith('offline:queue'))"
            ".reduce((n, k) => n + JSON.parse(localStorage.getItem(k)).length, 0)"
        )
        if left == 0:
            return
        phone.wait_for_timeout(200)
    raise AssertionError(f"{left} actions still waiting to be sent")


def test_does_a_module_read_and_a_quiz_taken_offline_reach_the_server_once(demo, server, phone):
    attempt_id, lessons = go_offline_with_a_downloaded_module(demo, server, phone)

    server.start()
    phone.goto(server.url + "/")
    wait_for_empty_queue(phone)

    assert counts(demo, attempt_id) == (1, len(lessons), True)


def test_does_the_same_queue_sent_twice_still_give_one_attempt(demo, server, phone):
    attempt_id, lessons = go_offline_with_a_downloaded_module(demo, server, phone)
    key = phone.evaluate("Object.keys(localStorage).find(k => k.startsWith('offline:queue'))")
    saved = phone.evaluate(f"localStorage.getItem('{key}')")

    server.start()
    phone.goto(server.url + "/")
    wait_for_empty_queue(phone)
    # The phone lost the server's reply and sends the whole queue again.
    phone.evaluate(f"localStorage.setItem('{key}', {saved!r})")
    phone.reload()
    wait_for_empty_queue(phone)

    assert counts(demo, attempt_id) == (1, len(lessons), True)


def test_does_a_page_without_javascript_show_no_offline_ui(demo, browser, live_server):
    import_into(demo, COURSES)
    context = browser.new_context(viewport={"width": 360, "height": 740}, java_script_enabled=False)
    page = context.new_page()
    try:
        sign_in(page, live_server)
        page.goto(live_server + f"/m/{MODULE}")
        expect(page.locator("[data-offline-module]")).to_be_hidden()
        expect(page.locator("[data-offline-banner]")).to_be_hidden()
        first = lesson_paths(demo)[0]
        page.goto(live_server + first)
        with page.expect_navigation():
            page.locator(f"form[action='{first}/done'] button[type=submit]").click()
        # Marked done by the form post as before, not queued.
        expect(page.locator(".flash-success")).to_be_visible()
        with demo.app_context():
            assert db.session.scalar(select(func.count(LessonProgress.id))) == 1
    finally:
        context.close()
