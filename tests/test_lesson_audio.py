"""A lesson's recorded audio (issue 17 item 4): per language, Opus or MP3 of at most 2 MB
recognised by its bytes, part of the course files and their export, attached and removed
in the editor, played on the lesson page only in the language it was recorded in."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from sqlalchemy import select

from learnapp import db
from learnapp.content import audio
from learnapp.content.export import export_modules
from learnapp.models import Module
from tests.admin_support import PASSWORD, token_of
from tests.authoring_helpers import (
    add_lesson,
    add_question,
    create_module,
    draft_data,
    fill_and_post,
    lesson_fields,
    publish,
    signed_in,
    single_choice_fields,
)
from tests.conftest import post
from tests.factories import PNG_BYTES, import_into, row_counts, write_module
from tests.test_course_import import SLUG, import_problems, line_of

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "audio"
# One second of a 440 Hz tone, made with sox and encoded with lame and opusenc.
MP3 = (FIXTURES / "tone-1s.mp3").read_bytes()
OPUS = (FIXTURES / "tone-1s.opus").read_bytes()
# The start of a WebM file holding one Opus track, as browsers' recorders write it:
# EBML header with DocType "webm", then a track whose CodecID (0x86) is A_OPUS.
WEBM_HEAD = (
    b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\xf7\x81\x01\x42\xf2\x81\x04\x42\xf3\x81\x08"
    b"\x42\x82\x84webm\x42\x87\x81\x04\x42\x85\x81\x02"
    b"\x18\x53\x80\x67\x01\xff\xff\xff\xff\xff\xff\xff"
    b"\x16\x54\xae\x6b\x8f\xae\x8d\xd7\x81\x01\x83\x81\x02\x86\x86A_OPUS"
)
NOT_AUDIO = b"<html><body>not a recording</body></html>\n" * 40


# --- recognising a recording by its bytes --------------------------------------------


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (MP3, "mp3"),
        (OPUS, "ogg"),
        (WEBM_HEAD + b"\x00" * 100, "webm"),
        # An ID3 tag (title, cover picture) before the first frame.
        (b"ID3\x04\x00\x00\x00\x00\x00\x05" + b"TIT2\x00" + MP3, "mp3"),
        (NOT_AUDIO, None),
        (PNG_BYTES, None),
        (b"", None),
        # One plausible frame header followed by text is no MP3.
        (b"\xff\xfb\x90\x00" + b"x" * 600, None),
        # Ogg, but Vorbis rather than Opus.
        (OPUS[:28] + b"\x01vorbis" + OPUS[35:], None),
        # WebM with a video track.
        (WEBM_HEAD + b"\x86\x85V_VP8", None),
    ],
)
def test_is_a_recording_recognised_by_its_bytes(data, kind):
    assert audio.audio_kind(data) == kind


def test_are_the_fixtures_tiny_real_recordings():
    assert len(MP3) < 4096 and len(OPUS) < 4096
    assert MP3[:2] == b"\xff\xe3" and OPUS[:4] == b"OggS"


# --- the course files ----------------------------------------------------------------


def module_with_audio(root: Path, files: dict[str, bytes], names: dict[str, str]) -> Path:
    """A module whose first lesson names a recording per language (names[lang])."""
    folder = write_module(root, SLUG)
    (folder / "audio").mkdir()
    for name, data in files.items():
        (folder / "audio" / name).write_bytes(data)
    for lang, name in names.items():
        path = folder / lang / "01-lesson-1.md"
        text = path.read_text(encoding="utf-8")
        path.write_text(text.replace("minutes: 4\n", f"minutes: 4\naudio: {name}\n"), "utf-8")
    return folder


def lesson_texts(app) -> dict[str, str]:
    with app.app_context():
        module = db.session.scalar(select(Module).where(Module.slug == SLUG))
        lesson = next(x for x in module.lessons if x.slug == "lesson-1")
        return {t.language: t.audio_url for t in lesson.texts}


def test_does_an_import_store_each_languages_recording_and_serve_it(app, client, tmp_path):
    root = tmp_path / "courses"
    module_with_audio(
        root,
        {"tone-vi.mp3": MP3, "tone-en.opus": OPUS},
        {"vi": "tone-vi.mp3", "en": "tone-en.opus"},
    )
    import_into(app, root)
    urls = lesson_texts(app)
    assert re.fullmatch(r"/media/[0-9a-f]{32}\.mp3", urls["vi"])
    assert re.fullmatch(r"/media/[0-9a-f]{32}\.opus", urls["en"])
    media = Path(app.instance_path) / "media"
    assert (media / urls["vi"].removeprefix("/media/")).read_bytes() == MP3
    with app.app_context():
        module = db.session.scalar(select(Module).where(Module.slug == SLUG))
        assert audio.module_audio_urls(module) == sorted(urls.values())
    # A second import of the same files changes nothing.
    assert import_into(app, root).unchanged == [SLUG]


@pytest.mark.parametrize(
    ("files", "name", "where", "fragment"),
    [
        (
            {"long.mp3": MP3 * (audio.MAX_AUDIO_BYTES // len(MP3) + 1)},
            "long.mp3",
            "audio/long.mp3",
            "audio file is larger than 2 MB",
        ),
        ({"page.mp3": NOT_AUDIO}, "page.mp3", "audio/page.mp3", "is not Opus (Ogg or WebM) or MP3"),
        ({"pic.mp3": PNG_BYTES}, "pic.mp3", "audio/pic.mp3", "is not Opus (Ogg or WebM) or MP3"),
        (
            {"tone.opus": MP3},
            "tone.opus",
            "audio/tone.opus",
            "holds MP3 audio but its name ends in .opus: name it .mp3",
        ),
        (
            {"tone.mp3": OPUS},
            "tone.mp3",
            "audio/tone.mp3",
            "holds Opus in Ogg audio but its name ends in .mp3: name it .ogg or .opus",
        ),
        ({"tone.wav": MP3}, "tone.mp3", "audio/tone.wav", "audio files are .mp3, .opus, .ogg"),
        ({}, "missing.mp3", "vi/01-lesson-1.md", "audio 'missing.mp3' not found"),
        ({"tone.mp3": MP3}, "../tone.mp3", "vi/01-lesson-1.md", "must be the name of a .mp3"),
    ],
)
def test_is_a_bad_recording_refused_with_its_file_and_nothing_imported(
    app, tmp_path, files, name, where, fragment
):
    root = tmp_path / "courses"
    folder = module_with_audio(root, files, {"vi": name})
    before = row_counts(app)
    problems = import_problems(app, root)
    matching = [p for p in problems if p.path == f"{SLUG}/{where}" and fragment in p.message]
    assert matching, "\n".join(map(str, problems))
    if where.endswith(".md"):
        assert matching[0].line == line_of(folder / "vi" / "01-lesson-1.md", "audio:")
    assert row_counts(app) == before
    assert not (Path(app.instance_path) / "media").exists()


def test_is_a_refused_file_named_by_a_lesson_reported_once(app, tmp_path):
    root = tmp_path / "courses"
    module_with_audio(root, {"page.mp3": NOT_AUDIO}, {"vi": "page.mp3"})
    problems = import_problems(app, root)
    assert [p.path for p in problems] == [f"{SLUG}/audio/page.mp3"]


def test_does_an_export_write_the_recordings_back_byte_for_byte_and_reimport_as_a_no_op(
    app, tmp_path
):
    root = tmp_path / "courses"
    module_with_audio(
        root,
        {"tone-vi.mp3": MP3, "tone-en.opus": OPUS},
        {"vi": "tone-vi.mp3", "en": "tone-en.opus"},
    )
    import_into(app, root)
    media = Path(app.instance_path) / "media"
    with app.app_context():
        export_modules(tmp_path / "out", media, [SLUG])
        export_modules(tmp_path / "again", media, [SLUG])
    folder = tmp_path / "out" / SLUG
    recordings = {p.name: p.read_bytes() for p in (folder / "audio").iterdir()}
    assert sorted(recordings.values()) == sorted([MP3, OPUS])
    for lang in ("vi", "en"):
        front = (folder / lang / "01-lesson-1.md").read_text(encoding="utf-8")
        (name,) = re.findall(r"^audio: (\S+)$", front, re.M)
        assert recordings[name] == (MP3 if lang == "vi" else OPUS)
        assert "audio:" not in (folder / lang / "02-lesson-2.md").read_text(encoding="utf-8")
    # Byte-stable: a second export writes the same bytes.
    again = tmp_path / "again" / SLUG
    assert {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()
    } == {p.relative_to(again).as_posix(): p.read_bytes() for p in again.rglob("*") if p.is_file()}
    before = row_counts(app)
    assert import_into(app, tmp_path / "out").unchanged == [SLUG]
    assert row_counts(app) == before


# --- the lesson page -----------------------------------------------------------------


@pytest.fixture
def recorded(demo, tmp_path):
    """The test module imported with a Vietnamese recording of lesson 1 only."""
    root = tmp_path / "courses"
    module_with_audio(root, {"tone-vi.mp3": MP3}, {"vi": "tone-vi.mp3"})
    import_into(demo, root)
    return demo


def learner_in(app, language: str):
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = language
    response = post(client, "/sign-in", {"identifier": "learner", "password": "learnapp-demo"})
    assert response.status_code == 302
    return client


def test_does_the_lesson_page_play_the_recording_in_the_readers_language(recorded):
    (url,) = set(lesson_texts(recorded).values()) - {""}
    page = learner_in(recorded, "vi").get(f"/m/{SLUG}/lesson-1").get_data(as_text=True)
    (player,) = re.findall(r"<audio[^>]*>", page)
    assert 'controls preload="none" lang="vi"' in player
    assert f'src="{url}"' in player
    served = learner_in(recorded, "vi").get(url)
    assert served.status_code == 200
    assert served.mimetype == "audio/mpeg" and served.data == MP3
    assert served.headers["X-Content-Type-Options"] == "nosniff"


def test_is_there_no_player_in_a_language_without_a_recording(recorded):
    english = learner_in(recorded, "en")
    page = english.get(f"/m/{SLUG}/lesson-1").get_data(as_text=True)
    assert "Lesson 1 en" in page  # the English text is shown, and it has no recording
    assert "<audio" not in page
    vietnamese = learner_in(recorded, "vi")
    assert "<audio" not in vietnamese.get(f"/m/{SLUG}/lesson-2").get_data(as_text=True)


def test_is_the_recording_served_to_signed_in_people_only(recorded, client):
    (url,) = set(lesson_texts(recorded).values()) - {""}
    response = client.get(url)
    assert response.status_code == 302 and "/sign-in" in response.headers["Location"]


# --- the editor ----------------------------------------------------------------------

WEB = "spoken"
LESSON_PAGE = f"/authoring/m/{WEB}/lessons/first"


@pytest.fixture
def editor(demo):
    """A trainer with a new web module in Vietnamese only: one lesson, one question."""
    trainer = signed_in(demo, "trainer")
    assert create_module(trainer, WEB, en=False).status_code == 302
    response = add_lesson(trainer, WEB, lesson_fields("first", vi="Nội dung bài."))
    assert response.status_code == 302
    question = single_choice_fields("first-question", langs=("vi",))
    assert add_question(trainer, WEB, question).status_code == 302
    return trainer


def upload(client, lang: str, data: bytes, filename: str, **kw):
    """Send a file as the page's upload form for that language does."""
    if lang == "vi":  # the page's first upload form: chosen off the page itself
        return fill_and_post(
            client,
            LESSON_PAGE,
            {"audio": (io.BytesIO(data), filename)},
            field="audio",
            content_type="multipart/form-data",
            **kw,
        )
    return client.post(
        f"/authoring/m/{WEB}/lessons/first/audio/{lang}",
        data={"csrf_token": token_of(client, LESSON_PAGE), "audio": (io.BytesIO(data), filename)},
        content_type="multipart/form-data",
        **kw,
    )


def draft_audio(app) -> dict[str, str]:
    lesson = next(x for x in draft_data(app, WEB)["lessons"] if x["slug"] == "first")
    return {lang: text.get("audio", "") for lang, text in lesson["texts"].items()}


def media_files(app) -> list[str]:
    folder = Path(app.instance_path) / "media"
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def test_does_a_trainer_attach_a_recording_that_learners_hear_after_publishing(demo, editor):
    response = upload(editor, "vi", MP3, "ghi-am.mp3", follow_redirects=True)
    assert "Recording saved in the draft" in response.get_data(as_text=True)
    url = draft_audio(demo)["vi"]
    assert re.fullmatch(r"/media/[0-9a-f]{32}\.mp3", url)
    assert media_files(demo) == [url.removeprefix("/media/")]
    assert f'src="{url}"' in editor.get(LESSON_PAGE).get_data(as_text=True)
    # Saving the lesson's text afterwards keeps the recording.
    response = fill_and_post(editor, LESSON_PAGE, {"body_vi": "Nội dung mới."}, field="body_vi")
    assert response.status_code == 302
    assert draft_audio(demo)["vi"] == url

    response = publish(editor, WEB)
    assert response.status_code == 302, response.get_data(as_text=True)
    with demo.app_context():
        module = db.session.scalar(select(Module).where(Module.slug == WEB))
        (published,) = audio.module_audio_urls(module)
    page = learner_in(demo, "vi").get(f"/m/{WEB}/first").get_data(as_text=True)
    assert f'<audio controls preload="none" lang="vi" src="{published}"' in page
    assert learner_in(demo, "vi").get(published).data == MP3


def test_does_an_opus_upload_keep_its_bytes_and_play_as_ogg(demo, editor):
    upload(editor, "vi", OPUS, "recording.ogg")
    url = draft_audio(demo)["vi"]
    assert url.endswith(".opus")
    served = editor.get(url)
    assert served.mimetype == "audio/ogg" and served.data == OPUS


def test_does_a_trainer_remove_a_recording_from_the_draft(demo, editor):
    upload(editor, "vi", MP3, "ghi-am.mp3")
    page = editor.get(LESSON_PAGE).get_data(as_text=True)
    action = f"/authoring/m/{WEB}/lessons/first/audio/vi/remove"
    assert f'action="{action}"' in page
    response = post(editor, action, token_from=LESSON_PAGE, follow_redirects=True)
    assert "Recording removed from the draft." in response.get_data(as_text=True)
    assert draft_audio(demo)["vi"] == ""
    assert "<audio" not in editor.get(LESSON_PAGE).get_data(as_text=True)


@pytest.mark.parametrize(
    ("lang", "data", "filename", "message"),
    [
        (
            "vi",
            NOT_AUDIO,
            "ghi-am.mp3",
            "This file is not a recording in Opus (Ogg or WebM) or MP3.",
        ),
        (
            "vi",
            PNG_BYTES,
            "ghi-am.opus",
            "This file is not a recording in Opus (Ogg or WebM) or MP3.",
        ),
        ("vi", MP3 * (audio.MAX_AUDIO_BYTES // len(MP3) + 1), "big.mp3", "larger than 2 MB"),
        ("vi", b"", "empty.mp3", "Choose a recording."),
        ("en", MP3, "ghi-am.mp3", "Write the lesson in this language first"),
    ],
)
def test_is_a_bad_upload_refused_with_a_message_and_nothing_changed(
    demo, editor, lang, data, filename, message
):
    before = row_counts(demo)
    draft_before = draft_data(demo, WEB)
    response = upload(editor, lang, data, filename, follow_redirects=True)
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert draft_data(demo, WEB) == draft_before
    assert row_counts(demo) == before
    assert media_files(demo) == []


def test_is_the_refusal_in_vietnamese_for_a_vietnamese_trainer(demo, editor):
    editor.environ_base["HTTP_ACCEPT_LANGUAGE"] = "vi"
    response = upload(editor, "vi", NOT_AUDIO, "ghi-am.mp3", follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "This file is not a recording" not in page
    assert "không phải bản ghi âm" in page


def test_is_an_upload_without_the_csrf_token_refused_and_nothing_changed(demo, editor):
    before = row_counts(demo)
    response = editor.post(
        f"/authoring/m/{WEB}/lessons/first/audio/vi",
        data={"audio": (io.BytesIO(MP3), "ghi-am.mp3")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    remove = editor.post(f"/authoring/m/{WEB}/lessons/first/audio/vi/remove")
    assert remove.status_code == 400
    assert row_counts(demo) == before
    assert media_files(demo) == []


def test_is_a_learner_refused_the_upload(demo, editor):
    before = row_counts(demo)
    learner = learner_in(demo, "en")
    token = token_of(learner, "/")
    response = learner.post(
        f"/authoring/m/{WEB}/lessons/first/audio/vi",
        data={"csrf_token": token, "audio": (io.BytesIO(MP3), "ghi-am.mp3")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 403
    assert media_files(demo) == []
    # The refusal itself is logged (learnapp.errors); nothing else changed.
    after = row_counts(demo)
    after.pop("audit_event"), before.pop("audit_event")
    assert after == before


def test_is_another_provinces_trainer_refused_the_upload_and_the_removal(demo, editor):
    from learnapp.auth.services import create_user
    from learnapp.models import Role
    from learnapp.org.services import create_area

    upload(editor, "vi", MP3, "ghi-am.mp3")
    with demo.app_context():
        other_root = create_area("Hà Giang", "province")
        create_user(
            username="other-trainer",
            full_name="Trainer of another province",
            password=PASSWORD,
            area=other_root,
            roles=[(Role.TRAINER, other_root)],
            must_change_password=False,
        )
        db.session.commit()
    other = demo.test_client()
    assert (
        post(other, "/sign-in", {"identifier": "other-trainer", "password": PASSWORD}).status_code
        == 302
    )
    token = token_of(other, "/")
    draft_before = draft_data(demo, WEB)
    files_before = media_files(demo)
    response = other.post(
        f"/authoring/m/{WEB}/lessons/first/audio/vi",
        data={"csrf_token": token, "audio": (io.BytesIO(OPUS), "x.opus")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 403
    response = other.post(
        f"/authoring/m/{WEB}/lessons/first/audio/vi/remove", data={"csrf_token": token}
    )
    assert response.status_code == 403
    assert draft_data(demo, WEB) == draft_before
    assert media_files(demo) == files_before


def test_is_an_unknown_lesson_or_language_not_found(demo, editor):
    token = token_of(editor, LESSON_PAGE)
    for path in (
        f"/authoring/m/{WEB}/lessons/nowhere/audio/vi",
        f"/authoring/m/{WEB}/lessons/first/audio/fr",
    ):
        response = editor.post(
            path,
            data={"csrf_token": token, "audio": (io.BytesIO(MP3), "x.mp3")},
            content_type="multipart/form-data",
        )
        assert response.status_code == 404, path
    assert media_files(demo) == []
