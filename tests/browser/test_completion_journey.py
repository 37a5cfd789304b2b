"""Completion and due dates as a committee member and a newcomer see them on a phone.

Kháng Nhật requires cell meetings and digital skills, both due five days ago. Hoàng Văn
An has passed both and not started the optional third module; Nguyễn Văn Cường has
passed one of them; a secretary whose
account was created today joins Lềm. On a 360-px phone, in Vietnamese: An is completed
on every committee page and in every download, and the newcomer is not overdue.
"""

from __future__ import annotations

import csv
import re
from datetime import timedelta

import openpyxl
import pytest

from learnapp import db
from learnapp.auth.services import create_user
from learnapp.models import Assignment, Role
from learnapp.models.base import vietnam_today
from tests.browser.conftest import fits_phone, sign_in
from tests.reports_support import (
    CM,
    DS,
    finish,
    import_real_courses,
    the_area,
    the_module,
    the_user,
)

pytestmark = pytest.mark.browser

AN, NEWCOMER = "Hoàng Văn An", "Lò Văn Mới"
COMPLETED, IN_PROGRESS = "Đã hoàn thành", "Đang học"


def expect(locator):
    # Imported here: without Playwright the folder is skipped, not broken at import.
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(locator)


@pytest.fixture
def world(demo):
    with demo.app_context():
        import_real_courses(demo)
        kn = the_area("Kháng Nhật")
        for slug in (CM, DS):
            db.session.add(
                Assignment(
                    module_id=the_module(slug).id,
                    area_id=kn.id,
                    due_on=vietnam_today() - timedelta(days=5),
                )
            )
        an = the_user("learner")
        finish(an, CM, 100)
        finish(an, DS, 90)
        finish(the_user("secretary01"), CM, 80)  # one required module of two
        lem = the_area("Lềm", "village")
        create_user(
            username="moi",
            full_name=NEWCOMER,
            password="learnapp-demo",
            area=lem,
            roles=[(Role.LEARNER, lem)],
            must_change_password=False,
        )
        db.session.commit()
    return demo


def status_cell(phone, name: str):
    row = phone.locator("table.report tr", has=phone.get_by_role("link", name=name, exact=True))
    return row.locator("td").nth(2)


def download(phone, selector: str, tmp_path) -> list[list]:
    """Click a download link, then the file its page offers once made (the task runs
    at once in tests); the file's rows (CSV or XLSX) as lists of cell values."""
    back = phone.url
    phone.click(selector)
    phone.wait_for_url(re.compile(r"/reports/exports/\d+$"))
    with phone.expect_download() as info:
        phone.click("a[href$='/file']")
    phone.go_back()  # to the report, so the journey's own history stays as it was
    phone.wait_for_url(back)
    saved = tmp_path / info.value.suggested_filename
    info.value.save_as(saved)
    if saved.suffix == ".csv":
        with saved.open(encoding="utf-8-sig", newline="") as handle:
            return list(csv.reader(handle))
    sheet = openpyxl.load_workbook(saved).worksheets[0]
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def test_is_the_learner_who_passed_the_required_modules_completed_on_every_committee_page(
    world, live_server, phone, tmp_path
):
    sign_in(phone, live_server, "committee")
    phone.click("a[href='/reports/']")
    phone.wait_for_url(re.compile(r"/reports/areas/\d+$"))
    expect(phone.locator("h1")).to_contain_text("Kháng Nhật")
    fits_phone(phone)
    stats = phone.locator("section.stats")
    expect(stats.locator(".stat.ok .num")).to_have_text("1")
    expect(status_cell(phone, AN)).to_contain_text(COMPLETED)
    expect(status_cell(phone, "Nguyễn Văn Cường")).to_contain_text(IN_PROGRESS)
    expect(status_cell(phone, NEWCOMER)).not_to_contain_text("quá hạn")

    # Every download of the commune's page says the same.
    for fmt in ("csv", "xlsx"):
        learners = download(phone, f"form[action*='/learners.{fmt}'] button", tmp_path)
        an = next(row for row in learners if row[0] == AN)
        assert [str(v) for v in an[4:8]] == [COMPLETED, "2", "2", "0"], an
        areas = download(phone, f"form[action*='/sub-areas.{fmt}'] button", tmp_path)
        lem = next(row for row in areas if row[0] == "Lềm")
        assert [int(v) for v in lem[1:3]] == [2, 1], lem  # two learners, one completed
        modules = download(phone, f"form[action*='/modules.{fmt}'] button", tmp_path)
        assert sum(int(row[2]) for row in modules[1:]) == 3  # An's two, Cường's one

    phone.click("a[href$='/overdue']")
    phone.wait_for_url(re.compile(r"/overdue$"))
    expect(phone.locator("h1")).to_contain_text("Kháng Nhật")
    fits_phone(phone)
    expect(phone.locator("main")).not_to_contain_text(AN)
    expect(phone.locator("main")).not_to_contain_text(NEWCOMER)
    for fmt in ("csv", "xlsx"):
        overdue = download(phone, f"form[action$='/overdue.{fmt}'] button", tmp_path)
        names = {row[0] for row in overdue[1:]}
        assert AN not in names and NEWCOMER not in names
        assert "Nguyễn Văn Cường" in names  # passed one required module of two
    phone.go_back()

    phone.locator("table.report a", has_text=re.compile(r"^Lềm$")).click()
    phone.wait_for_url(re.compile(r"/reports/areas/\d+$"))
    expect(phone.locator("h1")).to_contain_text("Lềm")
    fits_phone(phone)
    expect(status_cell(phone, AN)).to_contain_text(COMPLETED)

    phone.get_by_role("link", name=AN, exact=True).click()
    phone.wait_for_url(re.compile(r"/reports/people/\d+$"))
    expect(phone.locator("dl.facts")).to_contain_text(COMPLETED)
    fits_phone(phone)

    # The district above counts An completed too.
    phone.context.clear_cookies()
    sign_in(phone, live_server, "district")
    phone.click("a[href='/reports/']")
    phone.wait_for_url(re.compile(r"/reports/areas/\d+$"))
    expect(phone.locator("h1")).to_contain_text("Sơn Dương")
    fits_phone(phone)
    expect(phone.locator("section.stats .stat.ok .num")).to_have_text("1")
    expect(status_cell(phone, AN)).to_contain_text(COMPLETED)


def test_is_a_new_account_not_overdue_on_its_home_page(world, live_server, phone):
    sign_in(phone, live_server, "moi")
    fits_phone(phone)
    main = phone.locator("main")
    expect(main).not_to_contain_text("Quá hạn")
    due = (vietnam_today() + timedelta(days=30)).strftime("%d/%m/%Y")
    expect(main).to_contain_text(f"Phải hoàn thành trước {due}")
    expect(main).to_contain_text("Đã hoàn thành 0/2 chuyên đề bắt buộc.")


def test_does_the_learner_who_passed_see_it_on_their_home_page(world, live_server, phone):
    sign_in(phone, live_server, "learner")
    fits_phone(phone)
    expect(phone.locator("#completion")).to_contain_text(
        "Đồng chí đã hoàn thành tất cả các chuyên đề bắt buộc (2/2)"
    )
