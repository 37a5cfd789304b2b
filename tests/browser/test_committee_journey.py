"""The commune committee member's round on a 360-px phone, in real Chromium."""

from __future__ import annotations

import re

import openpyxl
import pytest

from learnapp import db
from tests.browser.conftest import fits_phone
from tests.reports_support import CM, do_lessons, import_real_courses, take_quiz, the_user

pytestmark = pytest.mark.browser

# Every table sits in a .table-wrap that scrolls sideways by itself, inside the screen.
TABLES_SCROLL_INSIDE = """() => [...document.querySelectorAll('table')].map(table => {
    const wrap = table.closest('.table-wrap');
    return {
        wrapped: wrap !== null,
        scrolls: wrap !== null && ['auto', 'scroll'].includes(getComputedStyle(wrap).overflowX),
        right: (wrap || table).getBoundingClientRect().right,
    };
})"""


def expect(locator):
    # Imported here: without Playwright the folder is skipped, not broken at import.
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(locator)


def tables_fit(page) -> None:
    tables = page.evaluate(TABLES_SCROLL_INSIDE)
    assert tables, "the page should have tables"
    assert all(t["wrapped"] and t["scrolls"] and t["right"] <= 360 for t in tables), tables


@pytest.fixture
def lem_learner(demo):
    """The courses, and some progress for Hoàng Văn An (the demo learner in Lềm)."""
    with demo.app_context():
        import_real_courses(demo)
        learner = the_user("learner")
        do_lessons(learner, CM, 2)
        take_quiz(learner, CM, 60)
        db.session.commit()
    return demo


def test_can_the_commune_committee_drill_down_to_a_learner_and_download_the_table_on_a_phone(
    lem_learner, live_server, phone, tmp_path
):
    phone.goto(live_server + "/sign-in")
    phone.fill("input[name=identifier]", "committee")
    phone.fill("input[name=password]", "learnapp-demo")
    phone.click("form[action$='/sign-in'] button[type=submit]")
    # A committee member lands on their reports.
    phone.wait_for_url(re.compile(r"/reports/areas/\d+$"))

    phone.click("a[href='/reports/']")
    phone.wait_for_url(re.compile(r"/reports/areas/\d+$"))
    expect(phone.locator("h1")).to_contain_text("Kháng Nhật")
    fits_phone(phone)
    tables_fit(phone)
    commune_url = phone.url

    phone.locator("table.report a", has_text=re.compile(r"^Lềm$")).click()
    phone.wait_for_url(re.compile(r"/reports/areas/\d+$"))
    assert phone.url != commune_url
    expect(phone.locator("h1")).to_contain_text("Lềm")
    fits_phone(phone)
    village_url = phone.url

    phone.get_by_role("link", name="Hoàng Văn An").click()
    phone.wait_for_url(re.compile(r"/reports/people/\d+$"))
    expect(phone.locator("h1")).to_have_text("Hoàng Văn An")
    expect(phone.locator("main")).to_contain_text("60%")  # the attempt and its score
    fits_phone(phone)

    phone.go_back()
    phone.wait_for_url(village_url)
    expect(phone.locator("h1")).to_contain_text("Lềm")

    # The link queues the file and opens its page, which offers it once made.
    phone.click("form[action*='/learners.xlsx'] button")
    phone.wait_for_url(re.compile(r"/reports/exports/\d+$"))
    expect(phone.locator("main")).to_contain_text("Tệp đã sẵn sàng.")  # the file is ready
    fits_phone(phone)
    with phone.expect_download() as download_info:
        phone.click("a[href$='/file']")
    download = download_info.value
    assert download.suggested_filename.endswith(".xlsx")
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    sheet = openpyxl.load_workbook(saved).worksheets[0]
    cells = [cell for row in sheet.iter_rows(values_only=True) for cell in row]
    assert "Hoàng Văn An" in cells
    assert "Ma Thị Bình" not in cells


def test_does_the_district_dashboard_fit_a_360_px_screen(lem_learner, live_server, phone):
    """The widest report page: three communes, three modules, eight learners."""
    phone.goto(live_server + "/sign-in")
    phone.fill("input[name=identifier]", "district")
    phone.fill("input[name=password]", "learnapp-demo")
    phone.click("form[action$='/sign-in'] button[type=submit]")
    # A committee member lands on their reports.
    phone.wait_for_url(re.compile(r"/reports/areas/\d+$"))
    phone.click("a[href='/reports/']")
    phone.wait_for_url(re.compile(r"/reports/areas/\d+$"))
    expect(phone.locator("h1")).to_contain_text("Sơn Dương")
    fits_phone(phone)
    tables_fit(phone)
    phone.click("a[href$='/overdue']")
    expect(phone.locator("h1")).to_contain_text("Sơn Dương")
    fits_phone(phone)
    tables_fit(phone)
