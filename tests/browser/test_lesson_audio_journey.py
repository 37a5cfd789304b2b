"""A lesson's recording on a 360x740 phone in real Chromium (issue 17 item 4): the player
is there in the lesson's language, downloads nothing until asked, and its source is
served and plays as one second of sound."""

from __future__ import annotations

import pytest

from tests.browser.conftest import fits_phone, sign_in
from tests.factories import import_into
from tests.test_lesson_audio import MP3, SLUG, module_with_audio

pytestmark = pytest.mark.browser


def test_is_the_lesson_recording_a_player_that_loads_only_when_asked(
    demo, live_server, phone, tmp_path
):
    root = tmp_path / "courses"
    module_with_audio(root, {"tone-vi.mp3": MP3}, {"vi": "tone-vi.mp3"})
    import_into(demo, root)
    media_requests: list[str] = []
    phone.on("request", lambda r: media_requests.append(r.url) if "/media/" in r.url else None)
    sign_in(phone, live_server)
    phone.goto(f"{live_server}/m/{SLUG}/lesson-1")

    player = phone.locator("article.lesson audio")
    assert player.count() == 1
    assert player.get_attribute("controls") is not None
    assert player.get_attribute("preload") == "none"
    assert player.get_attribute("lang") == "vi"
    box = player.bounding_box()
    assert box is not None and box["width"] > 150 and box["x"] + box["width"] <= 360, box
    fits_phone(phone)
    # A weak network downloads nothing of the recording until the learner asks for it.
    phone.wait_for_timeout(300)
    assert media_requests == []

    source = player.get_attribute("src")
    served = phone.request.get(live_server + source)
    assert served.status == 200
    assert served.headers["content-type"] == "audio/mpeg"
    assert served.body() == MP3
    # Chromium decodes it: one second of sound, once the learner starts it.
    player.evaluate("a => { a.preload = 'metadata'; a.load(); }")
    phone.wait_for_function("a => a.readyState >= 1 && a.duration > 0", arg=player.element_handle())
    assert 0.9 <= player.evaluate("a => a.duration") <= 1.3
    assert any(source in url for url in media_requests)
