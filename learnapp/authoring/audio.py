"""A lesson's recordings in the editor: one per language, checked by content.

What is accepted here must publish: the same limits as the course files
(learnapp.content.audio), so a draft that took a recording can always be published.
"""

from __future__ import annotations

from pathlib import Path

from flask_babel import gettext as _
from werkzeug.datastructures import FileStorage

from learnapp.content import sources as s
from learnapp.content.audio import MAX_AUDIO_BYTES, audio_kind, store_audio

# The file name ending each kind is stored under (served with its content type).
STORED_EXTENSION = {"mp3": "mp3", "ogg": "opus", "webm": "webm"}


class AudioRefused(ValueError):
    """The recording cannot be attached; the message says why, for the person."""


def _checked(upload: FileStorage | None) -> tuple[bytes, str]:
    data = upload.read(MAX_AUDIO_BYTES + 1) if upload else b""
    if not data:
        raise AudioRefused(_("Choose a recording."))
    if len(data) > MAX_AUDIO_BYTES:
        raise AudioRefused(
            _(
                "The recording is larger than %(n)s MB. Record it shorter or at a lower "
                "quality, then upload it again.",
                n=MAX_AUDIO_BYTES // (1024 * 1024),
            )
        )
    kind = audio_kind(data)
    if kind is None:
        raise AudioRefused(_("This file is not a recording in Opus (Ogg or WebM) or MP3."))
    return data, kind


def attach(
    lesson: s.LessonSource, language: str, upload: FileStorage | None, media_dir: Path
) -> None:
    """Store the recording and make it the lesson's in that language (in the draft)."""
    text = lesson.texts.get(language)
    if text is None or not text.title.strip() or not text.body_md.strip():
        raise AudioRefused(_("Write the lesson in this language first, then add its recording."))
    data, kind = _checked(upload)
    text.audio = store_audio(media_dir, data, f"recording.{STORED_EXTENSION[kind]}")


def remove(lesson: s.LessonSource, language: str) -> bool:
    """Take the recording off the lesson in that language; False when there was none."""
    text = lesson.texts.get(language)
    if text is None or not text.audio:
        return False
    text.audio = ""
    return True
