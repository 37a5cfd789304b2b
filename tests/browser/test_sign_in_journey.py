"""The demo learner's first visit on a 360-px phone, in real Chromium."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import fits_phone

pytestmark = pytest.mark.browser


def expect(locator):
    # Imported here: without Playwright the folder is skipped, not broken at import.
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(locator)


def test_can_the_demo_learner_sign_in_switch_language_and_sign_out_on_a_phone(live_server, phone):
    phone.goto(live_server + "/")
    phone.wait_for_url(re.compile(r"/sign-in"))
    assert phone.locator("html").get_attribute("lang") == "vi"

    phone.fill("input[name=identifier]", "learner")
    phone.fill("input[name=password]", "learnapp-demo")
    phone.click("form[action$='/sign-in'] button[type=submit]")
    phone.wait_for_url(live_server + "/")
    expect(phone.locator("h1")).to_contain_text("Xin chào")
    fits_phone(phone)

    phone.click("form.lang button[value=en]")
    expect(phone.locator("h1")).to_contain_text("Hello")
    expect(phone.locator("html")).to_have_attribute("lang", "en")
    fits_phone(phone)

    phone.get_by_role("button", name="Sign out").click()
    phone.wait_for_url(re.compile(r"/sign-in"))
    expect(phone.locator("input[name=identifier]")).to_be_visible()
    fits_phone(phone)


def test_are_the_sign_in_pages_tap_targets_and_text_big_enough(live_server, phone):
    phone.goto(live_server + "/sign-in")
    fits_phone(phone)
    body_px = phone.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
    assert body_px >= 18
    # A checkbox's tap target is the label around it.
    heights = phone.evaluate(
        """() => [...document.querySelectorAll('a, button, input, select, textarea')]
            .filter(el => el.type !== 'hidden' && el.offsetParent !== null)
            .map(el => {
                const target = el.closest('label') || el;
                return [el.outerHTML.slice(0, 80), target.getBoundingClientRect().height];
            })"""
    )
    assert len(heights) >= 5  # brand link, two language buttons, two fields, box, button
    small = [(html, h) for html, h in heights if h < 44]
    assert small == []


def test_does_a_wrong_password_show_the_message_on_the_phone(live_server, phone):
    phone.goto(live_server + "/sign-in")
    phone.fill("input[name=identifier]", "learner")
    phone.fill("input[name=password]", "not-the-password")
    phone.click("form[action$='/sign-in'] button[type=submit]")
    expect(phone.locator("#password-error")).to_contain_text("Sai tên đăng nhập")
    fits_phone(phone)
