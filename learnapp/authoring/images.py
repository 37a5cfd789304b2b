"""Lesson pictures uploaded in the editor: checked by content, resized, renamed.

What is stored must publish: the course-file checks refuse a picture over
MAX_IMAGE_BYTES, so an upload is made to fit that here, or refused here with a reason,
never accepted and then found unpublishable.
"""

from __future__ import annotations

import io
import secrets
import warnings
from pathlib import Path

from flask_babel import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError
from werkzeug.datastructures import FileStorage

from learnapp import audit, db
from learnapp.content.loader import MAX_IMAGE_BYTES
from learnapp.models import MediaFile, User

MAX_BYTES = 2 * 1024 * 1024
MAX_WIDTH = 960  # wider than any phone screen we serve, small enough for 3G
MAX_HEIGHT = 1600  # a tall screenshot or a scanned page, still readable when scrolled
# More pixels than a 20-megapixel camera gives is no lesson picture: a small file
# declaring that many is a decompression bomb, refused before anything is decoded.
MAX_PIXELS = 20_000_000
STORED_MAX_BYTES = MAX_IMAGE_BYTES
FORMATS = {
    "PNG": ("png", "image/png"),
    "JPEG": ("jpg", "image/jpeg"),
    "WEBP": ("webp", "image/webp"),
}
# Tried in this order when the picture in its own format is too large to publish.
JPEG_QUALITIES = (82, 70, 60, 50, 40)
WEBP_QUALITIES = (80, 65, 50, 40)
# Pillow's own guard: it warns above this and refuses above twice this.
Image.MAX_IMAGE_PIXELS = MAX_PIXELS


class ImageRefused(ValueError):
    """The upload is not a picture we accept; the message says why, for the person."""


def _not_a_picture() -> ImageRefused:
    return ImageRefused(_("This file is not a PNG, JPEG or WebP picture."))


def _too_many_pixels() -> ImageRefused:
    return ImageRefused(
        _(
            "The picture has too many pixels (at most %(n)s million). "
            "Make it smaller before uploading it.",
            n=MAX_PIXELS // 1_000_000,
        )
    )


def _open(data: bytes) -> tuple[Image.Image, str]:
    """The decoded picture and its format, the declared size checked before decoding."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                kind, (width, height) = probe.format, probe.size
                if kind not in FORMATS:
                    raise _not_a_picture()
                if width * height > MAX_PIXELS:
                    raise _too_many_pixels()
                probe.verify()
            image = Image.open(io.BytesIO(data))
            image.load()
    except ImageRefused:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise _too_many_pixels() from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise _not_a_picture() from exc
    return image, kind


def _upright(image: Image.Image) -> Image.Image:
    """The picture turned as the camera meant it (a phone stores a portrait photo on its
    side with an EXIF orientation), keeping none of the file's metadata: Pillow would
    otherwise write a JPEG comment segment back into the re-encoded file."""
    turned = ImageOps.exif_transpose(image) or image
    turned.info = {k: v for k, v in image.info.items() if k == "transparency"}
    return turned


def _fit(image: Image.Image) -> Image.Image:
    """Shrunk to fit MAX_WIDTH x MAX_HEIGHT, keeping its proportions."""
    scale = min(MAX_WIDTH / image.width, MAX_HEIGHT / image.height)
    if scale >= 1:
        return image
    size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
    return image.resize(size, Image.Resampling.LANCZOS)


def _has_alpha(image: Image.Image) -> bool:
    return image.mode in ("RGBA", "LA", "PA") or (
        image.mode == "P" and "transparency" in image.info
    )


def _save(image: Image.Image, kind: str, **options: object) -> bytes:
    out = io.BytesIO()
    image.save(out, format=kind, **options)
    return out.getvalue()


def _encodings(image: Image.Image, kind: str):  # noqa: ANN202
    """(format, bytes) candidates, the picture's own format first, then smaller ones."""
    # Re-encoding drops metadata (camera, GPS) and anything hidden after the image data.
    if kind == "JPEG":
        rgb = image if image.mode in ("RGB", "L") else image.convert("RGB")
        yield from (("JPEG", _save(rgb, "JPEG", quality=q, optimize=True)) for q in JPEG_QUALITIES)
        return
    if kind == "PNG":
        yield "PNG", _save(image, "PNG")
    if _has_alpha(image):
        # A photo with transparency: lossy WebP keeps the transparency, JPEG could not.
        rgba = image if image.mode == "RGBA" else image.convert("RGBA")
        yield from (("WEBP", _save(rgba, "WEBP", quality=q)) for q in WEBP_QUALITIES)
        return
    if kind == "WEBP":
        rgb = image if image.mode == "RGB" else image.convert("RGB")
        yield from (("WEBP", _save(rgb, "WEBP", quality=q)) for q in WEBP_QUALITIES)
    # A photo saved as PNG is far larger than the same photo as JPEG.
    rgb = image if image.mode in ("RGB", "L") else image.convert("RGB")
    yield from (("JPEG", _save(rgb, "JPEG", quality=q, optimize=True)) for q in JPEG_QUALITIES)


def _encode(image: Image.Image, kind: str) -> tuple[str, bytes]:
    """The first encoding that is small enough to publish, or ImageRefused."""
    try:
        for fmt, data in _encodings(image, kind):
            if len(data) <= STORED_MAX_BYTES:
                return fmt, data
    except (OSError, ValueError) as exc:  # a pixel format Pillow cannot convert
        raise _not_a_picture() from exc
    raise ImageRefused(
        _(
            "This picture cannot be made smaller than %(n)s KB for phones. "
            "Crop it or save it in a smaller size, then upload it again.",
            n=STORED_MAX_BYTES // 1024,
        )
    )


def store_upload(upload: FileStorage, media_dir: Path, user: User) -> MediaFile:
    """Check, shrink and save the picture under a random name outside static/."""
    data = upload.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise ImageRefused(_("The picture is larger than 2 MB."))
    image, kind = _open(data)
    image = _fit(_upright(image))
    kind, encoded = _encode(image, kind)
    ext, content_type = FORMATS[kind]
    name = f"{secrets.token_hex(16)}.{ext}"
    media_dir.mkdir(parents=True, exist_ok=True)
    (media_dir / name).write_bytes(encoded)
    record = MediaFile(
        name=name,
        original_name=(upload.filename or "")[:200],
        content_type=content_type,
        size_bytes=len(encoded),
        width=image.width,
        height=image.height,
        uploaded_by_id=user.id,
    )
    db.session.add(record)
    audit.record("image_upload", actor=user, detail=name)
    db.session.flush()
    return record
