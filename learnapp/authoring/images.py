"""Lesson pictures uploaded in the editor: checked by content, resized, renamed."""

from __future__ import annotations

import io
import secrets
from pathlib import Path

from flask_babel import gettext as _
from PIL import Image, UnidentifiedImageError
from werkzeug.datastructures import FileStorage

from learnapp import audit, db
from learnapp.models import MediaFile, User

MAX_BYTES = 2 * 1024 * 1024
MAX_WIDTH = 960  # wider than any phone screen we serve, small enough for 3G
FORMATS = {
    "PNG": ("png", "image/png"),
    "JPEG": ("jpg", "image/jpeg"),
    "WEBP": ("webp", "image/webp"),
}
Image.MAX_IMAGE_PIXELS = 40_000_000  # refuses decompression bombs


class ImageRefused(ValueError):
    """The upload is not a picture we accept; the message says why, for the person."""


def store_upload(upload: FileStorage, media_dir: Path, user: User) -> MediaFile:
    """Check, shrink and save the picture under a random name outside static/."""
    data = upload.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise ImageRefused(_("The picture is larger than 2 MB."))
    try:
        with Image.open(io.BytesIO(data)) as probe:
            kind = probe.format
            probe.verify()
        image = Image.open(io.BytesIO(data))
        image.load()
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError) as exc:
        raise ImageRefused(_("This file is not a PNG, JPEG or WebP picture.")) from exc
    if kind not in FORMATS:
        raise ImageRefused(_("This file is not a PNG, JPEG or WebP picture."))
    if image.width > MAX_WIDTH:
        height = round(image.height * MAX_WIDTH / image.width)
        image = image.resize((MAX_WIDTH, height), Image.Resampling.LANCZOS)
    ext, content_type = FORMATS[kind]
    if kind == "JPEG" and image.mode not in ("RGB", "L"):
        image = image.convert("RGB")
    out = io.BytesIO()
    # Re-encoding drops metadata (camera, GPS) and anything hidden after the image data.
    image.save(out, format=kind, **({"quality": 82, "optimize": True} if kind == "JPEG" else {}))
    name = f"{secrets.token_hex(16)}.{ext}"
    media_dir.mkdir(parents=True, exist_ok=True)
    (media_dir / name).write_bytes(out.getvalue())
    record = MediaFile(
        name=name,
        original_name=(upload.filename or "")[:200],
        content_type=content_type,
        size_bytes=len(out.getvalue()),
        width=image.width,
        height=image.height,
        uploaded_by_id=user.id,
    )
    db.session.add(record)
    audit.record("image_upload", actor=user, detail=name)
    db.session.flush()
    return record
