"""Recorded audio of a lesson: recognised by its bytes, stored beside the pictures.

A lesson may carry one recording per language (Opus in Ogg or WebM, or MP3). Its kind is
read from the file's first bytes, never from its name or declared type, so a renamed
page or program is refused both in the course files and in the editor.
"""

from __future__ import annotations

import re
from pathlib import Path

from sqlalchemy import select

from learnapp import db
from learnapp.content.media import store_image
from learnapp.models import Lesson, LessonText, Module

MAX_AUDIO_BYTES = 2 * 1024 * 1024
AUDIO_NAME_RE = re.compile(r"^[a-z0-9][a-z0-9_-]*\.(mp3|ogg|opus|webm)$")
# The container each file name ending promises.
KIND_OF_EXTENSION = {"mp3": "mp3", "ogg": "ogg", "opus": "ogg", "webm": "webm"}
KIND_LABELS = {"mp3": "MP3", "ogg": "Opus in Ogg", "webm": "Opus in WebM"}
CONTENT_TYPES = {"mp3": "audio/mpeg", "ogg": "audio/ogg", "opus": "audio/ogg", "webm": "audio/webm"}
# A recording the editor stored, as a draft or the database names it.
MEDIA_AUDIO_RE = re.compile(r"^/media/([a-z0-9]{8,64}\.(?:mp3|ogg|opus|webm))$")

# MPEG audio frame header tables (Layer III only), in kbit/s and Hz.
_MP3_BITRATES = {
    "1": (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320),
    "2": (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),
}
_MP3_RATES = {3: (44100, 48000, 32000), 2: (22050, 24000, 16000), 0: (11025, 12000, 8000)}


def _mp3_frame_length(data: bytes, at: int) -> int | None:
    """The length of the Layer III frame whose header starts at `at`, or None."""
    if at + 4 > len(data) or data[at] != 0xFF or data[at + 1] & 0xE0 != 0xE0:
        return None
    version = (data[at + 1] >> 3) & 3  # 3: MPEG-1, 2: MPEG-2, 0: MPEG-2.5, 1: reserved
    layer = (data[at + 1] >> 1) & 3  # 1: Layer III
    bitrate_index = data[at + 2] >> 4
    rate_index = (data[at + 2] >> 2) & 3
    if version == 1 or layer != 1 or bitrate_index in (0, 15) or rate_index == 3:
        return None
    bitrate = _MP3_BITRATES["1" if version == 3 else "2"][bitrate_index] * 1000
    rate = _MP3_RATES[version][rate_index]
    padding = (data[at + 2] >> 1) & 1
    return (144 if version == 3 else 72) * bitrate // rate + padding


def _is_mp3(data: bytes) -> bool:
    start = 0
    if data[:3] == b"ID3" and len(data) >= 10:
        # An ID3v2 tag (title, cover picture) comes first; its size is "syncsafe".
        size = (data[6] << 21) | (data[7] << 14) | (data[8] << 7) | data[9]
        start = 10 + size + (10 if data[5] & 0x10 else 0)
    first = _mp3_frame_length(data, start)
    if first is None:
        return False
    # A second header where the first frame ends (or the file ending there): two random
    # bytes pass the first test, rarely the second.
    following = start + first
    return following == len(data) or _mp3_frame_length(data, following) is not None


def _is_ogg_opus(data: bytes) -> bool:
    # The first Ogg page (27-byte header, then its segment table) starts the stream and
    # holds the Opus identification header.
    if len(data) < 28 or data[:5] != b"OggS\x00" or not data[5] & 0x02:
        return False
    body = 27 + data[26]
    return data[body : body + 8] == b"OpusHead"


def _is_webm_opus(data: bytes) -> bool:
    # An EBML document of DocType "webm" whose tracks name the Opus codec and no video.
    head = data[:65536]
    return (
        head[:4] == b"\x1a\x45\xdf\xa3"
        and b"\x42\x82\x84webm" in head[:64]
        and b"A_OPUS" in head
        and re.search(rb"\x86[\x80-\xff]V_", head) is None
    )


def audio_kind(data: bytes) -> str | None:
    """ "mp3", "ogg" or "webm" when the bytes are such a recording, else None."""
    if _is_ogg_opus(data):
        return "ogg"
    if _is_webm_opus(data):
        return "webm"
    if _is_mp3(data):
        return "mp3"
    return None


def store_audio(media_dir: Path, data: bytes, name: str) -> str:
    """Save the recording (once per content) and return the URL lessons use for it."""
    return store_image(media_dir, data, name)  # the same content-named store as pictures


def module_audio_urls(module: Module) -> list[str]:
    """Every recording the published module's active lessons play, each URL once.

    What a downloaded (offline) module must carry besides its pages and pictures.
    """
    urls = db.session.scalars(
        select(LessonText.audio_url)
        .join(Lesson, Lesson.id == LessonText.lesson_id)
        .where(
            Lesson.module_id == module.id,
            Lesson.is_retired.is_(False),
            LessonText.audio_url != "",
        )
        .distinct()
    )
    return sorted(urls)
