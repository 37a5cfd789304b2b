"""Lesson images and recordings, stored outside static/ under names derived from their
content."""

from __future__ import annotations

import hashlib
from pathlib import Path

CONTENT_TYPES = {
    "png": "image/png",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "webp": "image/webp",
    # Lesson recordings (learnapp.content.audio), served from the same folder.
    "mp3": "audio/mpeg",
    "ogg": "audio/ogg",
    "opus": "audio/ogg",
    "webm": "audio/webm",
}


def store_image(media_dir: Path, data: bytes, original_name: str) -> str:
    """Save the image (once per content) and return the URL lessons use for it."""
    ext = original_name.rsplit(".", 1)[-1].lower()
    name = f"{hashlib.sha256(data).hexdigest()[:32]}.{ext}"
    media_dir.mkdir(parents=True, exist_ok=True)
    target = media_dir / name
    if not target.exists():
        target.write_bytes(data)
    # A plain path: the importer runs from the CLI, where no request can build URLs.
    return f"/media/{name}"
