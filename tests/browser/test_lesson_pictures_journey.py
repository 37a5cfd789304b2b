"""A digital lesson's step pictures on a 360x740 phone in real Chromium (issue 20 item 9):
they load (lazily, as the learner scrolls to them) and none is wider than the screen."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser.conftest import fits_phone, sign_in
from tests.factories import import_into

pytestmark = pytest.mark.browser

COURSES = Path(__file__).resolve().parents[2] / "courses"
LESSON = "/m/digital-skills/vneid-public-services"


def test_do_a_lessons_pictures_load_and_fit_a_phone_screen(demo, live_server, phone):
    # The import writes the pictures into this test's own media folder.
    import_into(demo, COURSES)
    sign_in(phone, live_server)
    phone.goto(live_server + LESSON)
    pictures = phone.locator("article.lesson img")

    assert pictures.count() == 3
    assert pictures.first.get_attribute("loading") == "lazy"
    assert pictures.first.get_attribute("alt").startswith("Hình minh họa:")
    for i in range(pictures.count()):
        picture = pictures.nth(i)
        picture.scroll_into_view_if_needed()
        phone.wait_for_function(
            "img => img.complete && img.naturalWidth > 0", arg=picture.element_handle()
        )
        box = picture.bounding_box()
        assert box is not None and box["width"] > 200, box  # readable, not a thumbnail
        assert box["x"] >= 0 and box["x"] + box["width"] <= 360, box
    # Nothing on the page is pushed sideways by a picture.
    fits_phone(phone)
