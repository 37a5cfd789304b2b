"""The learner's whole journey on a 360x740 phone in real Chromium (issue 3 item 10):
sign in, Continue, read, mark done, fail the quiz, retake, pass, open the certificate,
and verify it while signed out."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from learnapp import db
from learnapp.models import QuizAttempt
from tests.factories import answer_values, import_into

pytestmark = pytest.mark.browser

COURSES = Path(__file__).resolve().parents[2] / "courses"
MODULE = "cell-meetings"
LEARNER_NAME = "Hoàng Văn An"


def expect(locator):
    # Imported here: without Playwright the folder is skipped, not broken at import.
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(locator)


def scroll_width(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


def answer_every_question(page, app, *, right: bool) -> int:
    """Fill the open attempt's form with all right or all wrong answers; return its id."""
    attempt_id = int(urlsplit(page.url).path.rsplit("/", 1)[1])
    with app.app_context():
        values = answer_values(db.session.get(QuizAttempt, attempt_id), right=right)
    assert len(values) == 10
    for name, chosen in values.items():
        inputs = page.locator(f"input[name={name}]")
        if inputs.first.get_attribute("type") == "text":
            inputs.fill(chosen[0])
            continue
        for value in chosen:
            page.check(f"input[name={name}][value='{value}']")
    return attempt_id


def test_can_a_learner_read_fail_retake_pass_and_have_the_certificate_verified(
    demo, live_server, phone
):
    app = demo
    import_into(app, COURSES)

    # Sign in, in English.
    phone.goto(live_server + "/sign-in")
    phone.fill("input[name=identifier]", "learner")
    phone.fill("input[name=password]", "learnapp-demo")
    phone.click("form[action$='/sign-in'] button[type=submit]")
    phone.wait_for_url(live_server + "/")
    phone.click("form.lang button[value=en]")
    expect(phone.locator("h1")).to_contain_text(f"Hello, {LEARNER_NAME}")

    # Continue leads to the first lesson; read it and mark it done.
    phone.get_by_role("link", name="Continue").click()
    phone.wait_for_url(re.compile(rf"/m/{MODULE}/meeting-types$"))
    expect(phone.locator("article.lesson h1")).to_have_text(
        "Types of cell meeting and the minimum rules"
    )
    expect(phone.locator("article.lesson .admonition.example")).to_be_visible()
    assert scroll_width(phone) <= 360
    with phone.expect_navigation():
        phone.get_by_role("button", name="Mark as done").click()
    expect(phone.locator(".flash-success")).to_contain_text("Lesson marked as done.")

    # The other lessons, one after the other, each read on the phone and marked done.
    lessons_seen = 1
    while re.search(rf"/m/{MODULE}/[a-z-]+$", urlsplit(phone.url).path):
        lessons_seen += 1
        expect(phone.locator("article.lesson h1")).to_be_visible()
        assert scroll_width(phone) <= 360, phone.url
        with phone.expect_navigation():
            phone.get_by_role("button", name="Mark as done").click()
    assert lessons_seen == 5
    assert urlsplit(phone.url).path == f"/m/{MODULE}"
    expect(phone.locator("li.done")).to_have_count(5)

    # The quiz: everything wrong first.
    phone.get_by_role("link", name="Go to the quiz").click()
    phone.get_by_role("button", name="Start the quiz").click()
    phone.wait_for_url(re.compile(r"/quiz/attempts/\d+$"))
    expect(phone.locator("fieldset.question")).to_have_count(10)
    assert scroll_width(phone) <= 360
    first = answer_every_question(phone, app, right=False)
    assert scroll_width(phone) <= 360
    phone.get_by_role("button", name="Submit my answers").click()
    phone.wait_for_url(re.compile(rf"/quiz/attempts/{first}/result$"))
    expect(phone.locator(".result .tag.bad")).to_have_text("Not passed yet")
    expect(phone.locator(".result .score")).to_contain_text("0%")
    expect(phone.locator(".explanation")).to_have_count(10)
    assert scroll_width(phone) <= 360

    # Try again, everything right.
    phone.get_by_role("button", name="Try again").click()
    phone.wait_for_url(re.compile(r"/quiz/attempts/\d+$"))
    second = answer_every_question(phone, app, right=True)
    assert second != first
    phone.get_by_role("button", name="Submit my answers").click()
    phone.wait_for_url(re.compile(rf"/quiz/attempts/{second}/result$"))
    expect(phone.locator(".result .tag.ok")).to_have_text("Passed")
    expect(phone.locator(".result .score")).to_contain_text("100%")
    assert scroll_width(phone) <= 360

    # The certificate, and the address that proves it.
    phone.get_by_role("link", name="Open your certificate").click()
    phone.wait_for_url(re.compile(r"/certificates/[A-Za-z0-9_-]{20,}$"))
    expect(phone.locator(".cert-name")).to_have_text(LEARNER_NAME)
    expect(phone.locator(".cert-module")).to_have_text("Running Party cell meetings well")
    assert scroll_width(phone) <= 360
    verify_url = phone.locator(".cert-verify .code").inner_text().strip()
    code = urlsplit(phone.url).path.rsplit("/", 1)[1]
    assert verify_url == f"{live_server}/verify/{code}"

    # Signed out, anyone with the address sees who completed what.
    phone.get_by_role("button", name="Sign out").click()
    phone.wait_for_url(re.compile(r"/sign-in"))
    phone.goto(verify_url)
    expect(phone.locator(".flash-success")).to_be_visible()
    facts = phone.locator("dl.facts")
    expect(facts).to_contain_text(LEARNER_NAME)
    expect(facts).to_contain_text(
        re.compile("Tổ chức sinh hoạt chi bộ hiệu quả|Running Party cell meetings well")
    )
    expect(facts).to_contain_text(re.compile(r"\d\d/\d\d/\d{4}"))
    assert scroll_width(phone) <= 360
    # ...and it really is the signed-out view: the certificate page itself is closed.
    phone.goto(f"{live_server}/certificates/{code}")
    phone.wait_for_url(re.compile(r"/sign-in"))
