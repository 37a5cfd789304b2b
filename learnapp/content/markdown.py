"""Trainer Markdown to safe HTML: python-markdown renders, nh3 sanitises.

python-markdown passes raw HTML, `javascript:` links and event attributes straight
through, so nothing it produces reaches a page without nh3.
"""

from __future__ import annotations

import re
import threading

import markdown as md
import nh3

from learnapp.content import trainer_notes

EXTENSIONS = [
    "tables",
    "admonition",
    "fenced_code",
    "def_list",
    "sane_lists",
    "smarty",
    trainer_notes.TrainerNoteExtension(),
]

ALLOWED_TAGS = {
    "a",
    "abbr",
    "b",
    "blockquote",
    "br",
    "code",
    "dd",
    "del",
    "details",
    "div",
    "dl",
    "dt",
    "em",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "i",
    "img",
    "li",
    "ol",
    "p",
    "pre",
    "s",
    "span",
    "strong",
    "sub",
    "summary",
    "sup",
    "table",
    "tbody",
    "td",
    "tfoot",
    "th",
    "thead",
    "tr",
    "ul",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "th": {"align"},
    "td": {"align"},
    "ol": {"start"},
    "div": {"class"},
    # No "open": learners get every trainer's note folded; trainer_notes.for_trainers
    # unfolds them after sanitising, for the editor's previews.
    "details": {"class"},
    "p": {"class"},
}
# Only the callout classes the admonition extension writes survive.
CALLOUT_KINDS = ("note", "tip", "warning", "example")
_CLASS_VALUES = {"admonition", "admonition-title", *CALLOUT_KINDS, trainer_notes.CSS_CLASS}


def _filter_attribute(tag: str, attr: str, value: str) -> str | None:
    if attr == "class":
        kept = [c for c in value.split() if c in _CLASS_VALUES]
        return " ".join(kept) or None
    return value


def sanitise(html: str) -> str:
    """Keep the tags a lesson needs; links only http, https, mailto or site-relative."""
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        attribute_filter=_filter_attribute,
        link_rel="noopener noreferrer nofollow",
        # A lesson's pictures load only when scrolled to: on a weak 3G line the text
        # comes first, and a learner who stops halfway does not pay for the rest.
        # A wide table scrolls sideways inside the lesson (app.css): tabindex lets a
        # keyboard reach and scroll it too.
        set_tag_attribute_values={"img": {"loading": "lazy"}, "table": {"tabindex": "0"}},
        strip_comments=True,
    )


_converters = threading.local()


def _converter() -> md.Markdown:
    # Building a Markdown object loads every extension and costs more than converting a
    # lesson, so each thread keeps one; it is not thread-safe, hence one per thread.
    converter = getattr(_converters, "markdown", None)
    if converter is None:
        converter = md.Markdown(extensions=EXTENSIONS, output_format="html")
        _converters.markdown = converter
    return converter


def _to_html(text: str) -> str:
    converter = _converter()
    try:
        return converter.convert(text)
    finally:
        # Footnotes, abbreviations and the like keep state per document.
        converter.reset()


def render(text: str, *, shift_headings: bool = False) -> str:
    """Render trainer Markdown to sanitised HTML."""
    html = _to_html(text or "")
    if shift_headings:
        # The page title is the h1; a stray "# heading" in a lesson becomes h2.
        html = re.sub(r"<(/?)h1>", r"<\1h2>", html)
    return sanitise(html)


def render_inline(text: str) -> str:
    """Render a short text (a choice, a feedback line) without the wrapping paragraph."""
    html = render(text)
    if html.startswith("<p>") and html.endswith("</p>") and html.count("<p>") == 1:
        return html[3:-4]
    return html
