"""Listen-aloud on a 360-px phone, with the phone's voice stubbed to record what it says."""

from __future__ import annotations

import json

import pytest

from tests.browser.conftest import sign_in
from tests.test_lesson_audio import SLUG, recorded  # noqa: F401 (fixture)

pytestmark = pytest.mark.browser

# A stand-in for the phone's voice and media player that records every call.
STUB = """(() => {
  window.__spoken = []; window.__calls = []; window.__played = 0;
  window.SpeechSynthesisUtterance = function (text) {
    this.text = text; this.lang = ''; this.rate = 1;
  };
  const synth = {
    speaking: false, paused: false,
    getVoices: () => VOICES,
    speak(u) {
      window.__spoken.push({text: u.text, lang: u.lang, rate: u.rate}); this.speaking = true;
    },
    cancel() { this.speaking = false; },
    pause() { window.__calls.push('pause'); this.paused = true; },
    resume() { window.__calls.push('resume'); this.paused = false; },
  };
  Object.defineProperty(window, 'speechSynthesis', {value: synth, configurable: true});
  HTMLMediaElement.prototype.play = function () { window.__played += 1; return Promise.resolve(); };
})();"""


def stub_voice(page, voices: list[str]) -> None:
    listed = json.dumps([{"lang": v, "name": v} for v in voices])
    page.add_init_script(STUB.replace("VOICES", listed))


def expect(locator):
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(locator)


def test_does_listen_read_a_lesson_in_vietnamese_with_pause_and_speed(
    recorded,  # noqa: F811
    live_server,
    phone,
):
    stub_voice(phone, ["en-US", "vi-VN"])
    sign_in(phone, live_server)
    phone.goto(f"{live_server}/m/{SLUG}/lesson-2")
    lesson_text = phone.locator("article.lesson").inner_text()
    phone.get_by_role("button", name="Nghe", exact=True).click()
    spoken = phone.evaluate("window.__spoken")
    assert len(spoken) == 1
    assert spoken[0]["lang"] == "vi-VN" and spoken[0]["rate"] == 1
    assert spoken[0]["text"].strip() == lesson_text.strip()
    assert phone.locator("h1").inner_text() in spoken[0]["text"]

    phone.get_by_role("button", name="Tạm dừng").click()
    phone.get_by_role("button", name="Nghe tiếp").click()
    assert phone.evaluate("window.__calls") == ["pause", "resume"]

    phone.locator("[data-listen-rate]").select_option("1.25")
    spoken = phone.evaluate("window.__spoken")
    assert len(spoken) == 2 and spoken[1]["rate"] == 1.25
    assert phone.evaluate("window.__played") == 0


def test_does_a_question_read_its_text_and_choices(recorded, live_server, phone):  # noqa: F811
    stub_voice(phone, ["vi-VN"])
    sign_in(phone, live_server)
    phone.goto(f"{live_server}/m/{SLUG}/quiz")
    phone.click("form[action$='/quiz/start'] button[type=submit]")
    phone.wait_for_url(lambda url: "/quiz/attempts/" in url)
    first = phone.locator("fieldset.question").first
    first.get_by_role("button", name="Nghe", exact=True).click()
    (said,) = phone.evaluate("window.__spoken")
    assert first.locator(".qtext").inner_text().strip() in said["text"]
    for label in first.locator("label:not([data-listen] label)").all_inner_texts():
        assert label.strip() in said["text"]
    assert "Tốc độ" not in said["text"]  # the controls' own labels are not read


def test_does_a_phone_without_a_vietnamese_voice_say_so(recorded, live_server, phone):  # noqa: F811
    stub_voice(phone, ["en-US"])
    sign_in(phone, live_server)
    phone.goto(f"{live_server}/m/{SLUG}/lesson-2")
    phone.get_by_role("button", name="Nghe", exact=True).click()
    expect(phone.locator("[data-listen-msg]")).to_contain_text("không có giọng đọc")
    assert phone.evaluate("window.__spoken") == []


def test_does_the_recording_play_instead_of_the_phones_voice(recorded, live_server, phone):  # noqa: F811
    stub_voice(phone, ["vi-VN"])
    sign_in(phone, live_server)
    phone.goto(f"{live_server}/m/{SLUG}/lesson-1")
    phone.get_by_role("button", name="Nghe", exact=True).click()
    assert phone.evaluate("window.__played") == 1
    assert phone.evaluate("window.__spoken") == []
