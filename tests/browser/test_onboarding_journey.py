"""An admin prints a village's sign-in cards with temporary passwords on a 360-px phone,
and a secretary signs in with one, choosing their own password at once."""

from __future__ import annotations

import re

import pytest

from tests.admin_support import add_learners
from tests.admin_support import area_id as area_named
from tests.browser.conftest import fits_phone, phone_context, sign_in

pytestmark = pytest.mark.browser


def expect(locator):
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(locator)


def test_can_an_admin_print_a_villages_cards_and_a_secretary_sign_in_with_one(
    demo, live_server, phone, browser
):
    add_learners(demo, "Lềm", "Kháng Nhật", ["Lò Văn Một", "Lò Thị Hai", "Hà Văn Ba"])
    lem = area_named(demo, "Lềm")
    sign_in(phone, live_server, "admin")
    assert phone.url == live_server + "/admin/"  # an admin lands on administration
    phone.goto(f"{live_server}/admin/areas/{lem}")
    phone.get_by_role("link", name="Mật khẩu tạm và thẻ đăng nhập").click()
    expect(phone.locator("h1")).to_contain_text("Mật khẩu tạm: Lềm")
    # The show-password toggle works where JavaScript runs.
    field = phone.locator("input[name=current_password]")
    field.fill("learnapp-demo")
    toggle = phone.locator("[data-reveal]")
    expect(toggle).to_be_visible()
    toggle.click()
    expect(field).to_have_attribute("type", "text")
    phone.get_by_role("button", name="Cấp mật khẩu tạm và in thẻ").click()
    phone.wait_for_url(re.compile(r"/admin/password-batches/\d+$"))
    cards = phone.locator("article.signin-card")
    expect(cards).to_have_count(3)
    fits_phone(phone)
    first = cards.filter(has_text="Hà Văn Ba")
    username = first.locator(".signin-username").inner_text().strip()
    password = first.locator(".signin-password").inner_text().strip()
    assert re.fullmatch(r"[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}", password)
    expect(first.locator("img")).to_have_attribute("src", re.compile(r"^data:image/"))

    # Printed: eight cards to an A4 sheet, each whole on its page.
    phone.emulate_media(media="print")
    expect(phone.locator(".admin-nav")).to_be_hidden()
    height_mm = cards.first.evaluate("el => el.getBoundingClientRect().height") * 25.4 / 96
    assert 60 <= height_mm <= 70  # four rows of two fit the 277 mm of an A4 page
    phone.emulate_media(media="screen")

    # The secretary, on their own phone, follows the card's QR link and signs in.
    secretary = phone_context(browser, timeout_ms=None).new_page()
    try:
        secretary.goto(f"{live_server}/sign-in?u={username}")
        expect(secretary.locator("input[name=identifier]")).to_have_value(username)
        secretary.fill("input[name=password]", password)
        secretary.click("form[action$='/sign-in'] button[type=submit]")
        secretary.wait_for_url(re.compile(r"/account/password$"))
        # Typed a moment ago: not asked again.
        expect(secretary.locator("input[name=current_password]")).to_have_count(0)
        secretary.fill("input[name=new_password]", "12345678")
        secretary.fill("input[name=confirm]", "12345678")
        secretary.get_by_role("button", name="Lưu mật khẩu mới").click()
        expect(secretary.locator("#new_password-error")).to_contain_text("phổ biến nhất")
        secretary.fill("input[name=new_password]", "ruộng lúa bậc thang")
        secretary.fill("input[name=confirm]", "ruộng lúa bậc thang")
        secretary.get_by_role("button", name="Lưu mật khẩu mới").click()
        secretary.wait_for_url(live_server + "/")
        expect(secretary.locator("h1")).to_contain_text("Xin chào")
        fits_phone(secretary)
    finally:
        secretary.context.close()
