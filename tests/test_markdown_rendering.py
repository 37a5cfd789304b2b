"""One Markdown converter per thread, reused: no document sees another's state."""

from __future__ import annotations

import threading

import markdown as python_markdown
import pytest

from learnapp.content import markdown

LESSON = """# Họp chi bộ

Chuẩn bị **nội dung** trước [một tuần][huong-dan].

| Bước | Việc |
|---|---|
| 1 | Gửi giấy mời |

[huong-dan]: https://example.org/huong-dan
"""


def test_does_a_reused_converter_render_exactly_as_a_new_one():
    fresh = python_markdown.markdown(LESSON, extensions=markdown.EXTENSIONS, output_format="html")
    for _ in range(3):
        assert markdown.render(LESSON) == markdown.sanitise(fresh)


def test_does_a_link_reference_of_one_document_stay_out_of_the_next():
    assert 'href="https://example.org/huong-dan"' in markdown.render(LESSON)
    assert "href" not in markdown.render("Đọc [một tuần][huong-dan].")


def test_does_a_failed_document_leave_the_converter_clean(monkeypatch):
    converter = markdown._converter()

    def explode(_text):
        converter.references["stale"] = ("https://example.org/stale", None)
        raise RuntimeError("broken extension")

    monkeypatch.setattr(converter, "convert", explode)
    with pytest.raises(RuntimeError):
        markdown.render("anything")
    monkeypatch.undo()
    assert "href" not in markdown.render("[x][stale]")


def test_does_each_thread_get_its_own_converter():
    seen: dict[str, object] = {"main": markdown._converter()}

    def remember(name: str) -> None:
        seen[name] = markdown._converter()
        assert "<strong>" in markdown.render(f"**{name}**")

    threads = [threading.Thread(target=remember, args=(f"t{n}",)) for n in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len({id(converter) for converter in seen.values()}) == 4
