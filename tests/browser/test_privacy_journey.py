"""A learner downloads their data and an admin deletes a person, on a 360-px phone."""

from __future__ import annotations

import re

import pytest

from tests.admin_support import user_id
from tests.browser.conftest import fits_phone, page_width, sign_in
from tests.privacy_support import seed_world

pytestmark = pytest.mark.browser


def expect(locator):
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(locator)


def too_wide(page) -> list[str]:
    """The elements sticking out of a 360-px screen, to say what broke the layout."""
    return page.evaluate(
        """() => [...document.querySelectorAll('body *')]
            .filter(el => el.getBoundingClientRect().right > 361)
            .slice(0, 5).map(el => el.outerHTML.slice(0, 120))"""
    )


def test_can_a_learner_download_their_data_and_read_it_on_the_phone(
    demo, live_server, phone, tmp_path
):
    seed_world(demo)
    sign_in(phone, live_server, "learner")
    phone.get_by_role("link", name="Tài khoản của tôi").click()
    phone.wait_for_url(live_server + "/account")
    expect(phone.locator("h1")).to_have_text("Tài khoản của tôi")
    fits_phone(phone)

    with phone.expect_download() as info:
        phone.get_by_role("button", name="Tải dữ liệu của tôi").click()
    saved = tmp_path / info.value.suggested_filename
    info.value.save_as(saved)
    assert saved.name.startswith("learnapp-learner-") and saved.suffix == ".html"

    phone.goto(saved.as_uri())
    expect(phone.locator("h1")).to_contain_text("Hoàng Văn An")
    expect(phone.locator("#attempts")).to_have_text("Các lần làm bài kiểm tra và câu trả lời")
    expect(phone.locator("#certificates + table")).to_be_visible()
    assert phone.locator(".attempt li").count() == 10
    assert page_width(phone) <= 360, too_wide(phone)


def test_can_an_admin_delete_a_person_whose_session_then_ends(demo, live_server, phone, browser):
    seed_world(demo)
    learner_phone = browser.new_context(viewport={"width": 360, "height": 740}).new_page()
    sign_in(learner_phone, live_server, "learner")

    learner = user_id(demo, "learner")
    sign_in(phone, live_server, "admin")
    phone.goto(f"{live_server}/admin/people/{learner}")
    phone.get_by_role("link", name="Xóa người này…").click()
    phone.wait_for_url(re.compile(rf"/admin/people/{learner}/delete$"))
    expect(phone.locator("h1")).to_have_text("Xóa Hoàng Văn An?")
    fits_phone(phone)

    phone.fill("input[name=current_password]", "not-my-password")
    phone.get_by_role("button", name="Xóa người này").click()
    expect(phone.locator(".errors")).to_contain_text("Mật khẩu")
    phone.fill("input[name=current_password]", "learnapp-demo")
    phone.get_by_role("button", name="Xóa người này").click()
    phone.wait_for_url(live_server + "/admin/people")
    expect(phone.locator(".flash-success")).to_contain_text("Hoàng Văn An đã bị xóa.")
    expect(phone.locator("main")).not_to_contain_text("0912000001")
    fits_phone(phone)

    learner_phone.reload()
    learner_phone.wait_for_url(re.compile(r"/sign-in"))
    learner_phone.context.close()
