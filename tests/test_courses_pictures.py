"""The step-by-step pictures of the digital lessons (issue 20, item 9): every
digital-skills lesson and the fact-check lesson show at least two pictures in both
languages, each a small file drawn by the project, marked as an illustration, with alt
text in the lesson's language; the drawing script reproduces the committed files; and
the rendered lesson lets the browser load them lazily."""

from __future__ import annotations

import importlib.util
import io
import re
import sys
import unicodedata
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import select

from learnapp import db
from learnapp.content import markdown
from learnapp.models import Lesson, LessonText, Module
from tests.factories import import_into
from tests.test_courses_content import COURSES, LANGS, lesson_files, split_front_matter


def _load_script():
    # scripts/ is a folder of tools, not a package: load the drawing script by its path.
    path = COURSES.parent / "scripts" / "draw_illustrations.py"
    spec = importlib.util.spec_from_file_location("draw_illustrations", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


draw_illustrations = _load_script()

ILLUSTRATED = [
    *(("digital-skills", name) for name in lesson_files("digital-skills", "vi")),
    ("countering-misinformation", "02-two-minute-check.md"),
]
MAX_BYTES = 60 * 1024
ALT_PREFIX = {"vi": "Hình minh họa:", "en": "Illustration:"}
IMAGE_MD_RE = re.compile(r"!\[([^\]]*)\]\(([^)\s]+)\)")
# Letters only Vietnamese uses (among Vietnamese and English text): đ, ơ, ư, and any
# vowel with a tone mark.
VIETNAMESE_RE = re.compile(r"[đơưĐƠƯ]|[aeiouyAEIOUY][\u0300\u0301\u0303\u0309\u0323]")
QUOTED_RE = re.compile(r'"[^"]*"')


def pictures(slug: str, name: str, lang: str) -> list[tuple[str, str]]:
    """(alt, target) of each picture of one lesson file."""
    _, body = split_front_matter(COURSES / slug / lang / name)
    return IMAGE_MD_RE.findall(body)


def looks_vietnamese(text: str) -> bool:
    return bool(VIETNAMESE_RE.search(unicodedata.normalize("NFD", text)))


@pytest.mark.parametrize(("slug", "name"), ILLUSTRATED)
@pytest.mark.parametrize("lang", LANGS)
def test_does_every_digital_lesson_show_at_least_two_pictures(slug, name, lang):
    assert len(pictures(slug, name, lang)) >= 2


@pytest.mark.parametrize(("slug", "name"), ILLUSTRATED)
@pytest.mark.parametrize("lang", LANGS)
def test_is_every_picture_a_small_png_or_webp_in_the_modules_images_folder(slug, name, lang):
    problems = []
    for _, target in pictures(slug, name, lang):
        path = COURSES / slug / target
        if not target.startswith("images/") or not path.is_file():
            problems.append((target, "missing"))
            continue
        data = path.read_bytes()
        if len(data) >= MAX_BYTES:
            problems.append((target, f"{len(data)} bytes"))
        with Image.open(io.BytesIO(data)) as image:
            if image.format not in ("PNG", "WEBP"):
                problems.append((target, image.format))
            if image.width > 960:
                problems.append((target, f"{image.width} px wide"))

    assert problems == []


@pytest.mark.parametrize(("slug", "name"), ILLUSTRATED)
@pytest.mark.parametrize("lang", LANGS)
def test_is_the_alt_text_marked_and_in_the_lessons_language(slug, name, lang):
    problems = []
    for alt, target in pictures(slug, name, lang):
        if not alt.startswith(ALT_PREFIX[lang]):
            problems.append((target, "alt text does not start with " + ALT_PREFIX[lang]))
        if len(alt.split()) < 8:
            problems.append((target, "alt text too short to describe the steps"))
        if not target.endswith(f"-{lang}.png"):
            problems.append((target, f"not the {lang} drawing"))
        # English alt text may quote the app's own Vietnamese labels, nothing else.
        unquoted = QUOTED_RE.sub("", alt)
        if looks_vietnamese(unquoted) != (lang == "vi"):
            problems.append((target, f"alt text is not in {lang}"))

    assert problems == []


def test_does_the_language_check_tell_the_two_languages_apart():
    assert looks_vietnamese("Hình minh họa: bước 1 chạm vào ô")
    assert not looks_vietnamese("Illustration: step 1 tap the tile")
    assert not looks_vietnamese(QUOTED_RE.sub("", 'Illustration: tap "Thủ tục hành chính"'))


@pytest.mark.parametrize("lang", LANGS)
def test_is_every_picture_marked_as_an_illustration_in_its_own_band(lang):
    """The band across the top is drawn in the band colour, with the words in white."""
    for slug in ("digital-skills", "countering-misinformation"):
        for path in sorted((COURSES / slug / "images").glob(f"*-{lang}.png")):
            with Image.open(path) as image:
                rgb = image.convert("RGB")
                band = [rgb.getpixel((x, 4)) for x in range(0, rgb.width, 25)]
                letters = {rgb.getpixel((x, y)) for x in range(100, 400) for y in range(10, 30)}
            assert set(band) == {draw_illustrations.BAND}, path.name
            assert (255, 255, 255) in letters, path.name


def test_does_the_script_redraw_exactly_the_committed_pictures():
    """Re-runnable and deterministic: a fresh run changes no byte, and every picture in
    the two modules' images folders is one the script draws."""
    drawn = draw_illustrations.render_all()
    committed = {
        path
        for slug in draw_illustrations.PICTURES
        for path in (COURSES / slug / "images").glob("*.png")
    }

    assert set(drawn) == committed
    assert [p.name for p, data in drawn.items() if p.read_bytes() != data] == []


def test_does_every_drawn_picture_appear_in_a_lesson_of_its_language():
    used = {
        (slug, target.removeprefix("images/"))
        for slug, name in ILLUSTRATED
        for lang in LANGS
        for _, target in pictures(slug, name, lang)
    }
    drawn = {(path.parent.parent.name, path.name) for path in draw_illustrations.render_all()}

    assert drawn == used


def test_does_a_rendered_lesson_picture_load_lazily_whatever_the_author_wrote():
    html = markdown.render(
        '![Hình minh họa: bước 1](images/a.png)\n\n<img src="/x.png" loading="eager">'
    )

    assert html.count('loading="lazy"') == 2
    assert "eager" not in html


def test_do_the_imported_lessons_show_the_pictures_from_the_media_folder(app):
    import_into(app, COURSES)

    with app.app_context():
        text = db.session.scalar(
            select(LessonText)
            .join(Lesson)
            .join(Module)
            .where(
                Module.slug == "digital-skills",
                Lesson.slug == "vneid-public-services",
                LessonText.language == "vi",
            )
        )
        sources = re.findall(
            r'<img alt="Hình minh họa:[^"]*" src="(/media/[0-9a-f]{32}\.png)" loading="lazy">',
            text.body_html,
        )

    media = Path(app.instance_path) / "media"
    assert len(sources) == 3
    assert all((media / src.removeprefix("/media/")).is_file() for src in sources)
