"""The learner's whole journey on a 360x740 phone in real Chromium (issue 3 item 10):
sign in, Continue, read, mark done, fail the quiz, retake, pass, open the certificate,
and verify it while signed out."""

from __future__ import annotations

import io
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from learnapp import db
from learnapp.models import Certificate, Module, QuizAttempt
from tests.browser.conftest import fits_phone, page_width, sign_in
from tests.factories import (
    answer_values,
    import_into,
    module_settings,
    sample_lessons,
    user_id,
    write_module,
)

pytestmark = pytest.mark.browser

COURSES = Path(__file__).resolve().parents[2] / "courses"
MODULE = "cell-meetings"
LEARNER_NAME = "Hoàng Văn An"


def expect(locator):
    # Imported here: without Playwright the folder is skipped, not broken at import.
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(locator)


def answer_every_question(page, app, *, right: bool) -> int:
    """Fill the open attempt's form with all right or all wrong answers; return its id."""
    attempt_id = int(urlsplit(page.url).path.rsplit("/", 1)[1])
    with app.app_context():
        values = answer_values(db.session.get(QuizAttempt, attempt_id), right=right)
    assert len(values) == 10
    give_answers(page, values)
    return attempt_id


def give_answers(page, values: dict[str, list[str]]) -> None:
    """Type or tick each question's values, as a learner would."""
    for name, chosen in values.items():
        inputs = page.locator(f"input[name={name}]")
        if inputs.first.get_attribute("type") == "text":
            inputs.fill(chosen[0])
            continue
        for value in chosen:
            page.check(f"input[name={name}][value='{value}']")


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
    fits_phone(phone)
    with phone.expect_navigation():
        phone.get_by_role("button", name="Mark as done").click()
    expect(phone.locator(".flash-success")).to_contain_text("Lesson marked as done.")

    # The other lessons, one after the other, each read on the phone and marked done.
    lessons_seen = 1
    while re.search(rf"/m/{MODULE}/[a-z-]+$", urlsplit(phone.url).path):
        lessons_seen += 1
        expect(phone.locator("article.lesson h1")).to_be_visible()
        fits_phone(phone)
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
    fits_phone(phone)
    first = answer_every_question(phone, app, right=False)
    fits_phone(phone)
    phone.get_by_role("button", name="Submit my answers").click()
    phone.wait_for_url(re.compile(rf"/quiz/attempts/{first}/result$"))
    expect(phone.locator(".result .tag.bad")).to_have_text("Not passed yet")
    expect(phone.locator(".result .score")).to_contain_text("0%")
    expect(phone.locator(".explanation")).to_have_count(10)
    # Each wrong answer links to the lesson that teaches it.
    expect(phone.locator(".review.wrong .read-again a")).to_have_count(10)
    fits_phone(phone)

    # Try again (the button below the answers; there is one above too), everything right.
    expect(phone.get_by_role("button", name="Try again")).to_have_count(2)
    phone.locator("#try-again-bottom").click()
    phone.wait_for_url(re.compile(r"/quiz/attempts/\d+$"))
    second = answer_every_question(phone, app, right=True)
    assert second != first
    phone.get_by_role("button", name="Submit my answers").click()
    phone.wait_for_url(re.compile(rf"/quiz/attempts/{second}/result$"))
    expect(phone.locator(".result .tag.ok")).to_have_text("Passed")
    expect(phone.locator(".result .score")).to_contain_text("100%")
    # Right answers are folded away until the learner opens them.
    folded = phone.locator("details.right-answers")
    expect(folded.locator(".review").first).to_be_hidden()
    folded.locator("summary").click()
    expect(folded.locator(".review")).to_have_count(10)
    expect(folded.locator(".review").first).to_be_visible()
    fits_phone(phone)

    # The certificate, and the address that proves it.
    phone.get_by_role("link", name="Open your certificate").click()
    phone.wait_for_url(re.compile(r"/certificates/[A-Za-z0-9_-]{20,}$"))
    expect(phone.locator(".cert-name")).to_have_text(LEARNER_NAME)
    expect(phone.locator(".cert-module")).to_have_text("Running Party cell meetings well")
    fits_phone(phone)
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
    fits_phone(phone)
    # ...and it really is the signed-out view: the certificate page itself is closed.
    phone.goto(f"{live_server}/certificates/{code}")
    phone.wait_for_url(re.compile(r"/sign-in"))


# --- a lesson with wide things, and tap targets beyond the sign-in page ---------------------

WIDE_MODULE = "wide-things"
LONG_CODE_LINE = "flask import-courses " + "--an-option-with-a-long-name " * 12
WIDE_TABLE = "\n".join(
    [
        "| " + " | ".join(f"Column heading {n}" for n in range(1, 9)) + " |",
        "|" + "---|" * 8,
        "| " + " | ".join(["Biên-bản-họp-chi-bộ-thường-kỳ"] * 8) + " |",
        "",
    ]
)
FILL_IN_FORM = "\n".join(
    [
        "| No. | Name of the member absent | Reason | Told beforehand |",
        "|---|---|---|---|",
        *(f"| {n} | ........ | ........ | Yes / No |" for n in range(1, 4)),
        "",
    ]
)
WIDE_LESSON = {
    "slug": "wide-things",
    "title": "Wide things @lang",
    "minutes": 3,
    "body": (
        f"## Code\n\n```\n{LONG_CODE_LINE}\n```\n\n"
        f"## Table\n\n{WIDE_TABLE}\n"
        "## Picture\n\n![A wide picture](images/wide.png)\n\n"
        "A [link in the text](https://example.org/) and a long word: " + "x" * 80 + "\n"
    ),
}


def wide_png(width: int = 1200, height: int = 240) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (139, 0, 0)).save(buffer, "PNG")
    return buffer.getvalue()


def write_wide_module(app, tmp_path: Path) -> None:
    root = tmp_path / "courses"
    write_module(
        root,
        WIDE_MODULE,
        settings=module_settings(completion="lessons_and_quiz"),
        lessons=[*sample_lessons(1), WIDE_LESSON],
        aids=[{"slug": "absences", "title": "Absences @lang", "body": FILL_IN_FORM}],
        images={"wide.png": wide_png()},
    )
    import_into(app, root)


def small_tap_targets(page) -> list:
    """Links, buttons and fields shorter than 44 px (a checkbox counts its label).

    Links inside the lesson's own sentences are left out: an inline link in running text
    is exempt (WCAG 2.5.8), and it is the author's text, not the layout.
    """
    return page.evaluate(
        """() => [...document.querySelectorAll('a, button, input, select, textarea')]
            .filter(el => el.type !== 'hidden' && el.offsetParent !== null)
            .filter(el => !el.closest('article.lesson p, article.lesson li'))
            .map(el => {
                const target = el.closest('label') || el;
                return [el.outerHTML.slice(0, 100), target.getBoundingClientRect().height];
            })
            .filter(([html, height]) => height < 44)"""
    )


def body_font_px(page) -> float:
    return page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")


def test_does_a_lesson_with_a_long_code_line_a_wide_table_and_a_picture_fit_a_360px_phone(
    demo, live_server, phone, tmp_path
):
    write_wide_module(demo, tmp_path)
    sign_in(phone, live_server)

    phone.goto(f"{live_server}/m/{WIDE_MODULE}/wide-things")
    phone.wait_for_load_state("load")

    expect(phone.locator("article.lesson pre")).to_contain_text("--an-option-with-a-long-name")
    picture = phone.locator("article.lesson img[alt='A wide picture']")
    expect(picture).to_be_visible()
    natural, shown = picture.evaluate(
        "img => [img.naturalWidth, img.getBoundingClientRect().width]"
    )
    assert natural == 1200 and shown <= 360
    # The code block and the table scroll inside themselves; the page does not.
    for selector in ("article.lesson pre", "article.lesson table"):
        inner, box = phone.locator(selector).evaluate("el => [el.scrollWidth, el.clientWidth]")
        assert inner > box, selector
    fits_phone(phone)


def test_are_tap_targets_and_text_big_enough_on_the_learners_pages(
    demo, live_server, phone, tmp_path
):
    app = demo
    write_wide_module(app, tmp_path)
    sign_in(phone, live_server)
    # One submitted attempt, so the progress page has its table of attempts.
    phone.goto(f"{live_server}/m/{WIDE_MODULE}/quiz")
    phone.get_by_role("button", name=re.compile("Bắt đầu|Start")).click()
    phone.wait_for_url(re.compile(r"/quiz/attempts/\d+$"))
    with phone.expect_navigation():
        phone.get_by_role("button", name="Nộp bài").click()
    # Submitted blank: the site asks first.
    with phone.expect_navigation():
        phone.get_by_role("button", name="Vẫn nộp bài").click()

    small, fonts, widths = {}, {}, {}
    for path in (
        "/",
        f"/m/{WIDE_MODULE}",
        f"/m/{WIDE_MODULE}/lesson-1",
        f"/m/{WIDE_MODULE}/wide-things",
        f"/m/{WIDE_MODULE}/progress",
    ):
        phone.goto(live_server + path)
        phone.wait_for_load_state("load")
        small[path] = small_tap_targets(phone)
        fonts[path] = body_font_px(phone)
        widths[path] = page_width(phone)

    assert all(targets == [] for targets in small.values()), small
    assert all(px >= 18 for px in fonts.values()), fonts
    assert all(width <= 360 for width in widths.values()), widths
    phone.goto(f"{live_server}/m/{WIDE_MODULE}/progress")
    expect(phone.locator("td a")).not_to_have_count(0)


A4_POINTS = (595, 842)


def pdf_pages(pdf: bytes) -> list[tuple[int, int]]:
    """The size of each page of a PDF Chromium printed, in points (rounded)."""
    boxes = re.findall(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", pdf)
    return [(round(float(w)), round(float(h))) for w, h in boxes]


def test_do_a_job_aid_and_a_certificate_print_well_on_a4(demo, live_server, phone, tmp_path):
    app = demo
    write_wide_module(app, tmp_path)
    learner = user_id(app, "learner")
    with app.app_context():
        module_id = db.session.scalar(select(Module.id).where(Module.slug == WIDE_MODULE))
        db.session.add(
            Certificate(
                code="printed-certificate-0001",
                user_id=learner,
                module_id=module_id,
            )
        )
        db.session.commit()
    sign_in(phone, live_server)

    phone.goto(f"{live_server}/m/{WIDE_MODULE}/aids/absences")
    phone.emulate_media(media="print")
    table = phone.locator("article.lesson table")
    display, border, inner, box = table.evaluate(
        """t => [getComputedStyle(t).display,
                 getComputedStyle(t.querySelector('td')).borderTopStyle,
                 t.scrollWidth, t.clientWidth]"""
    )
    aid_pdf = phone.pdf(prefer_css_page_size=True)
    phone.goto(f"{live_server}/certificates/printed-certificate-0001")
    certificate_pdf = phone.pdf(prefer_css_page_size=True)

    # The whole fill-in table is printed, every cell ruled, nothing cut off at the side.
    assert (display, border) == ("table", "solid")
    assert inner <= box
    assert pdf_pages(aid_pdf) == [A4_POINTS]
    # The certificate keeps its own print CSS: one A4 page.
    assert pdf_pages(certificate_pdf) == [A4_POINTS]
