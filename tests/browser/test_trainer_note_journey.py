"""A trainer's note on a 360 px phone in real Chromium (issue 20 item 6): folded away
for the learner until tapped, and printed with the lesson."""

from __future__ import annotations

import pytest

from tests.browser.conftest import sign_in
from tests.browser.test_learner_journey import expect
from tests.factories import import_into
from tests.test_trainer_notes import NOTE_SLUG, noted_courses

pytestmark = pytest.mark.browser

NOTE_TEXT = "Wineburg and McGrew (2019) studied lateral reading."


def open_noted_lesson(demo, live_server, phone, tmp_path):
    import_into(demo, noted_courses(tmp_path))
    sign_in(phone, live_server)
    phone.goto(f"{live_server}/m/{NOTE_SLUG}/with-note")
    phone.wait_for_load_state("load")
    return phone.locator("article.lesson details.trainer-note")


def test_is_the_trainers_note_folded_for_a_learner_until_tapped(demo, live_server, phone, tmp_path):
    note = open_noted_lesson(demo, live_server, phone, tmp_path)

    expect(note.locator("summary")).to_be_visible()
    expect(note.get_by_text(NOTE_TEXT)).to_be_hidden()
    expect(phone.get_by_text("Learners read this sentence.")).to_be_visible()

    note.locator("summary").click()

    expect(note.get_by_text(NOTE_TEXT)).to_be_visible()


def test_is_the_trainers_note_printed_with_the_lesson(demo, live_server, phone, tmp_path):
    note = open_noted_lesson(demo, live_server, phone, tmp_path)

    phone.emulate_media(media="print")

    assert note.get_attribute("open") is None  # unfolded by the print stylesheet alone
    expect(note.get_by_text(NOTE_TEXT)).to_be_visible()
