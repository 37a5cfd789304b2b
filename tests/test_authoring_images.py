"""Pictures uploaded in the editor (issue 6 item 6, SECURITY 17): checked by content,
re-encoded without metadata, shrunk for phones, stored outside static/ under random
names and served with nosniff to signed-in people only."""

from __future__ import annotations

import io
import random
import re
from pathlib import Path

import pytest
from PIL import Image, ImageChops, ImageFile
from PIL.PngImagePlugin import PngInfo
from sqlalchemy import select

import learnapp
from learnapp import db
from learnapp.authoring import images
from learnapp.content.loader import MAX_IMAGE_BYTES
from learnapp.models import MediaFile
from tests.authoring_helpers import (
    add_lesson,
    create_module,
    fill_and_post,
    lesson_fields,
    publish,
    signed_in,
    user_id,
)

STATIC = Path(learnapp.__file__).resolve().parent / "static"
REFUSED = "This file is not a PNG, JPEG or WebP picture."


def picture(kind: str, width: int, height: int, **save) -> bytes:
    out = io.BytesIO()
    image = Image.new("RGB", (width, height), (20, 120, 60))
    image.putpixel((0, 0), (255, 255, 255))
    image.save(out, format=kind, **save)
    return out.getvalue()


def jpeg_with_exif() -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "SecretCam"  # camera make
    exif[0x0110] = "Model 7"
    exif[0x0131] = "GPS-Tracker 1.0"  # software
    return picture("JPEG", 400, 300, exif=exif.tobytes())


def upload(client, data: bytes, filename: str, alt: str = "Sơ đồ thôn"):
    return fill_and_post(
        client,
        "/authoring/images",
        {"alt": alt, "image": (io.BytesIO(data), filename)},
        field="alt",
        content_type="multipart/form-data",
    )


def media_dir(app) -> Path:
    return Path(app.instance_path) / "media"


def stored_files(app) -> list[Path]:
    folder = media_dir(app)
    return sorted(folder.iterdir()) if folder.exists() else []


def media_rows(app) -> list[MediaFile]:
    with app.app_context():
        rows = db.session.scalars(select(MediaFile)).all()
        for row in rows:
            db.session.expunge(row)
        return rows


def text_of(response) -> str:
    return response.get_data(as_text=True)


def static_files() -> set[Path]:
    return {p for p in STATIC.rglob("*") if p.is_file()}


@pytest.fixture
def trainer(demo):
    return signed_in(demo, "trainer")


def test_is_a_wide_png_stored_outside_static_under_a_random_name_and_shrunk(demo, trainer):
    static_before = static_files()
    response = upload(trainer, picture("PNG", 2000, 500), "ban-do-thon.png")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Saved (960 x 240 pixels)." in page
    (row,) = media_rows(demo)
    assert re.fullmatch(r"[0-9a-f]{32}\.png", row.name)
    assert "ban-do-thon" not in row.name
    assert (row.original_name, row.content_type) == ("ban-do-thon.png", "image/png")
    assert (row.width, row.height) == (960, 240)
    assert row.uploaded_by_id == user_id(demo, "trainer")
    assert stored_files(demo) == [media_dir(demo) / row.name]
    with Image.open(media_dir(demo) / row.name) as stored:
        assert (stored.format, stored.size) == ("PNG", (960, 240))
    assert static_files() == static_before
    assert f"![Sơ đồ thôn](/media/{row.name})" in page


def test_are_two_uploads_of_the_same_file_given_different_random_names(demo, trainer):
    data = picture("PNG", 100, 100)
    upload(trainer, data, "same.png")
    upload(trainer, data, "same.png")
    names = [row.name for row in media_rows(demo)]
    assert len(names) == 2 and names[0] != names[1]


def test_is_a_jpeg_stored_without_its_exif_metadata(demo, trainer):
    original = jpeg_with_exif()
    with Image.open(io.BytesIO(original)) as probe:
        assert probe.getexif()[0x010F] == "SecretCam"  # the test's picture has it
    response = upload(trainer, original, "IMG_2041.JPG")
    assert response.status_code == 200
    (row,) = media_rows(demo)
    assert re.fullmatch(r"[0-9a-f]{32}\.jpg", row.name)
    assert (row.content_type, row.width, row.height) == ("image/jpeg", 400, 300)  # not enlarged
    stored = (media_dir(demo) / row.name).read_bytes()
    assert b"SecretCam" not in stored and b"GPS-Tracker" not in stored
    with Image.open(io.BytesIO(stored)) as image:
        assert image.format == "JPEG"
        assert dict(image.getexif()) == {}


def test_is_a_png_stored_without_its_text_chunks_or_trailing_data(demo, trainer):
    info = PngInfo()
    info.add_text("Comment", "home of the secretary: 21.7, 105.3")
    data = picture("PNG", 50, 50, pnginfo=info) + b"<script>alert(1)</script>"
    upload(trainer, data, "map.png")
    (row,) = media_rows(demo)
    stored = (media_dir(demo) / row.name).read_bytes()
    assert b"secretary" not in stored and b"<script" not in stored


@pytest.mark.parametrize(("kind", "content_type"), [("PNG", "image/png"), ("JPEG", "image/jpeg")])
def test_is_an_uploaded_picture_served_to_a_signed_in_learner_with_nosniff(
    demo, trainer, kind, content_type
):
    upload(trainer, picture(kind, 30, 20), f"small.{kind.lower()}")
    (row,) = media_rows(demo)
    learner = signed_in(demo, "learner")
    response = learner.get(f"/media/{row.name}")
    assert response.status_code == 200
    assert response.mimetype == content_type
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.data == (media_dir(demo) / row.name).read_bytes()


def test_can_an_anonymous_visitor_not_fetch_an_uploaded_picture(demo, trainer):
    upload(trainer, picture("PNG", 30, 20), "small.png")
    (row,) = media_rows(demo)
    response = demo.test_client().get(f"/media/{row.name}")
    assert response.status_code == 302
    assert response.headers["Location"].split("?")[0].endswith("/sign-in")
    assert response.data != (media_dir(demo) / row.name).read_bytes()


SVG = (
    b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
    b"<script>alert(1)</script><rect width='10' height='10'/></svg>"
)
NOT_PICTURES = {
    "svg": (SVG, "diagram.svg"),
    "svg named png": (SVG, "diagram.png"),
    "html named png": (b"<!doctype html><html><script>alert(1)</script></html>", "photo.png"),
    "text file": ("Ghi chú cuộc họp\n".encode(), "notes.txt"),
    "gif": (None, "animation.gif"),
}


@pytest.mark.parametrize("case", NOT_PICTURES, ids=list(NOT_PICTURES))
def test_is_a_file_that_is_not_a_png_jpeg_or_webp_refused_and_nothing_stored(demo, trainer, case):
    data, filename = NOT_PICTURES[case]
    if data is None:
        data = picture("GIF", 20, 20)
    response = upload(trainer, data, filename)
    assert response.status_code == 200
    assert REFUSED in response.get_data(as_text=True)
    assert media_rows(demo) == []
    assert stored_files(demo) == []


def test_is_an_upload_larger_than_the_request_limit_refused_with_413(demo, trainer):
    limit = demo.config["MAX_CONTENT_LENGTH"]
    assert limit == 2 * 1024 * 1024 + 64 * 1024  # a 2 MB file and its multipart envelope
    big = picture("PNG", 10, 10) + b"\0" * limit
    response = upload(trainer, big, "huge.png")
    assert response.status_code == 413
    assert media_rows(demo) == []
    assert stored_files(demo) == []


def test_is_an_upload_without_a_file_asked_for_one(demo, trainer):
    response = fill_and_post(trainer, "/authoring/images", {"alt": "x"}, field="alt")
    assert response.status_code == 200
    assert "Choose a picture." in response.get_data(as_text=True)
    assert media_rows(demo) == []


def test_can_a_learner_not_upload_a_picture(demo):
    learner = signed_in(demo, "learner")
    token_page = learner.get("/").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', token_page).group(1)
    response = learner.post(
        "/authoring/images",
        data={
            "csrf_token": token,
            "alt": "x",
            "image": (io.BytesIO(picture("PNG", 5, 5)), "a.png"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 403
    assert media_rows(demo) == []
    assert stored_files(demo) == []


# --- what is stored must publish; decompression bombs --------------------------------


def noisy_photo(width: int, height: int, *, alpha: bool = False) -> bytes:
    """A photo-like PNG (a gradient with grain): PNG keeps every grain, so it is big."""
    rng = random.Random(6)
    base = Image.linear_gradient("L").resize((width, height)).convert("RGB")
    grain = rng.randbytes(width * height * 3).translate(bytes(i % 8 for i in range(256)))
    image = ImageChops.add(base, Image.frombytes("RGB", (width, height), grain))
    if alpha:
        image.putalpha(Image.linear_gradient("L").resize((width, height)))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def test_is_a_small_file_declaring_48_million_pixels_refused_before_it_is_decoded(
    demo, trainer, monkeypatch
):
    out = io.BytesIO()
    Image.new("1", (8000, 6000)).save(out, format="PNG")
    bomb = out.getvalue()
    assert len(bomb) < 100_000  # tiny on disk, 48 million pixels once decoded

    def no_decoding(self):  # noqa: ANN001, ANN202
        raise AssertionError("the picture was decoded before its size was checked")

    monkeypatch.setattr(ImageFile.ImageFile, "load", no_decoding)
    response = upload(trainer, bomb, "bomb.png")
    assert response.status_code == 200
    assert "The picture has too many pixels (at most 20 million)." in text_of(response)
    assert media_rows(demo) == []
    assert stored_files(demo) == []


def test_is_a_png_photo_too_big_to_publish_stored_small_enough_and_then_published(demo, trainer):
    data = noisy_photo(960, 1300)
    assert MAX_IMAGE_BYTES < len(data) < 2 * 1024 * 1024  # accepted, but too big as a PNG
    response = upload(trainer, data, "anh-chup.png")
    assert response.status_code == 200
    assert "Saved (960 x 1300 pixels)." in text_of(response)
    (row,) = media_rows(demo)
    stored = (media_dir(demo) / row.name).read_bytes()
    assert len(stored) <= MAX_IMAGE_BYTES and row.size_bytes == len(stored)
    assert (row.content_type, row.name[-4:]) == ("image/jpeg", ".jpg")
    with Image.open(io.BytesIO(stored)) as image:
        assert (image.format, image.size) == ("JPEG", (960, 1300))

    assert create_module(trainer, "with-photo", en=False).status_code == 302
    line = f"![Ảnh chụp](/media/{row.name})"
    lesson = lesson_fields("photo", vi=f"Xem ảnh:\n\n{line}\n")
    assert add_lesson(trainer, "with-photo", lesson).status_code == 302
    fill_and_post(trainer, "/authoring/m/with-photo", {"completion": "lessons"}, field="pass_mark")
    response = publish(trainer, "with-photo")
    assert response.status_code == 302, text_of(response)


def test_does_a_transparent_photo_keep_its_transparency_when_made_smaller(demo, trainer):
    data = noisy_photo(900, 1200, alpha=True)
    assert MAX_IMAGE_BYTES < len(data) < 2 * 1024 * 1024
    upload(trainer, data, "logo.png")
    (row,) = media_rows(demo)
    assert row.content_type == "image/webp"
    stored = (media_dir(demo) / row.name).read_bytes()
    assert len(stored) <= MAX_IMAGE_BYTES
    with Image.open(io.BytesIO(stored)) as image:
        assert image.mode == "RGBA"
        assert image.getpixel((0, 0))[3] < 10  # the gradient's clear corner stays clear


def test_is_a_tall_picture_shrunk_to_at_most_1600_pixels_high(demo, trainer):
    response = upload(trainer, picture("PNG", 500, 4000), "cuon-dai.png")
    assert "Saved (200 x 1600 pixels)." in text_of(response)
    (row,) = media_rows(demo)
    assert (row.width, row.height) == (200, 1600)


def test_is_a_picture_that_cannot_be_made_small_enough_refused_with_a_reason(
    demo, trainer, monkeypatch
):
    monkeypatch.setattr(images, "STORED_MAX_BYTES", 200)
    response = upload(trainer, noisy_photo(300, 200), "anh.png")
    assert response.status_code == 200
    assert "This picture cannot be made smaller than 0 KB for phones." in text_of(response)
    assert media_rows(demo) == []
    assert stored_files(demo) == []


def test_is_a_jpeg_stored_without_its_comment_segment(demo, trainer):
    # Issue 13, finding 8: Pillow carries a JPEG comment into the re-encoded file.
    original = picture("JPEG", 60, 40, comment=b"home of the secretary: 21.7, 105.3")
    assert b"home of the secretary" in original
    upload(trainer, original, "commented.jpg")
    (row,) = media_rows(demo)
    stored = (media_dir(demo) / row.name).read_bytes()
    assert b"secretary" not in stored


def test_is_a_portrait_phone_photo_stored_upright(demo, trainer):
    # Issue 13, finding 8: the camera stores it 400 wide, 300 high, and says "turn it".
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: rotate 90 degrees clockwise to view
    upload(trainer, picture("JPEG", 400, 300, exif=exif.tobytes()), "portrait.jpg")
    (row,) = media_rows(demo)
    assert (row.width, row.height) == (300, 400)
    with Image.open(media_dir(demo) / row.name) as image:
        assert image.size == (300, 400)
        assert 0x0112 not in image.getexif()
