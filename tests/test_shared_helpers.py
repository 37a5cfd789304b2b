"""The small helpers every feature shares: one answer each, whoever asks."""

from __future__ import annotations

from learnapp.errors import message_for
from learnapp.i18n import in_language
from learnapp.paging import clamp, page_count


def test_does_a_list_always_have_a_page_and_clamp_to_it():
    assert page_count(0, 25) == 1
    assert page_count(26, 25) == 2
    assert clamp(0, 26, 25) == 1
    assert clamp(9, 26, 25) == 2


def test_does_content_fall_back_to_its_own_language_then_any():
    texts = {"vi": "Chào", "en": "Hello"}
    assert in_language(texts, "en", "vi") == "Hello"
    assert in_language(texts, "fr", "vi") == "Chào"
    assert in_language({"en": "Hello"}, "fr", "vi") == "Hello"
    assert in_language({}, "vi", "vi") is None


def test_does_a_refusal_code_read_as_the_maps_words_else_the_fallback():
    messages = {"slug_taken": "Taken."}
    assert message_for("slug_taken", messages) == "Taken."
    assert message_for("odd_code", messages, "Not saved.") == "Not saved."
    assert message_for("odd_code", messages) == "odd_code"
