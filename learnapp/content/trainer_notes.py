"""Trainer's notes: a callout for trainers inside a lesson, folded away for learners.

A lesson keeps researchers' names, full citations and teaching hints out of the
learner's way in a block written like a callout:

    !!! trainer "Ghi chú cho giảng viên"
        Indented text of the note (four spaces).

It renders as a closed `<details>` (folding needs no JavaScript); the editor's
preview opens it, and the print stylesheet shows it on paper. It is not part of the
lesson's length for learners.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as etree

from markdown import Extension, Markdown
from markdown.treeprocessors import Treeprocessor

KIND = "trainer"
CSS_CLASS = "trainer-note"
_CLOSED = f'<details class="{CSS_CLASS}">'
_OPEN = f'<details class="{CSS_CLASS}" open>'
_UNTITLED_RE = re.compile(rf"^!!! {KIND}\s*$")


class _NoteToDetails(Treeprocessor):
    """Turn the admonition `<div class="admonition trainer">` into `<details>`."""

    def run(self, root: etree.Element) -> None:
        for element in root.iter("div"):
            if KIND not in element.get("class", "").split():
                continue
            element.tag = "details"
            element.set("class", CSS_CLASS)
            title = element.find("p")
            if title is not None and "admonition-title" in title.get("class", "").split():
                title.tag = "summary"
                del title.attrib["class"]


class TrainerNoteExtension(Extension):
    def extendMarkdown(self, md: Markdown) -> None:  # noqa: N802 (python-markdown's API)
        # After the inline patterns (priority 20), so the title's Markdown is rendered.
        md.treeprocessors.register(_NoteToDetails(md), "trainer_note", 5)


def for_trainers(html: str) -> str:
    """The same sanitised HTML with every trainer's note unfolded (editor previews)."""
    return html.replace(_CLOSED, _OPEN)


def is_note_start(line: str) -> bool:
    return line.startswith(f"!!! {KIND}") and (
        len(line) == len(f"!!! {KIND}") or line[len(f"!!! {KIND}")] in ' "'
    )


def learner_text(markdown_text: str) -> str:
    """The Markdown without its trainer's notes: what a learner reads unfolded."""
    kept, in_note = [], False
    for line in markdown_text.splitlines():
        if is_note_start(line):
            in_note = True
            continue
        if in_note and (line.startswith("    ") or not line.strip()):
            continue
        in_note = False
        kept.append(line)
    return "\n".join(kept) + ("\n" if markdown_text.endswith("\n") else "")


def untitled_note_lines(markdown_text: str) -> list[int]:
    """Line offsets of notes without a quoted title (the summary learners see)."""
    return [
        offset for offset, line in enumerate(markdown_text.splitlines()) if _UNTITLED_RE.match(line)
    ]
