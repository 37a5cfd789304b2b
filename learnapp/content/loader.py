"""Read and validate a courses/ folder into ModuleSource records.

Every problem is collected with its file and line, so a trainer fixes them all in one
go; if there is any, nothing is returned and nothing is imported.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Any

import yaml

from learnapp.config import LANGUAGES
from learnapp.content import audio as lesson_audio
from learnapp.content import quiz_bias, trainer_notes
from learnapp.content import sources as s
from learnapp.quiz import types as question_types

log = logging.getLogger(__name__)

SLUG = r"[a-z0-9]+(?:-[a-z0-9]+)*"
SLUG_RE = re.compile(rf"^{SLUG}$")
NUMBERED_RE = re.compile(rf"^(\d\d)-({SLUG})\.md$")
IMAGE_RE = re.compile(r"^[a-z0-9][a-z0-9_-]*\.(png|jpg|jpeg|webp)$")
IMAGE_MAGIC = {"png": b"\x89PNG\r\n\x1a\n", "jpg": b"\xff\xd8\xff", "jpeg": b"\xff\xd8\xff"}
MAX_IMAGE_BYTES = 1024 * 1024
MAX_TEXT_BYTES = 200 * 1024
MATCH_MODES = ("loose", "diacritics", "exact")
COMPLETION_RULES = ("lessons_and_quiz", "lessons", "quiz")
MODULE_KEYS = {"order", "default_language", "title", "summary", "completion", "quiz"}
QUIZ_KEYS = {"pass_mark", "draw", "max_attempts", "time_limit_minutes"}
# Keys every question has; each type adds its own (quiz.types).
QUESTION_KEYS = {"id", "type", "points", "text", "match", "explanation", "lesson"}.union(
    *(kind.file_keys for kind in question_types.KINDS.values())
)
LINE = "__line__"
KEY_LINES = "__key_lines__"
_BOOKKEEPING = {LINE, KEY_LINES}


class _LineLoader(yaml.SafeLoader):
    """A safe loader that remembers the line of each mapping and of each of its keys."""

    line_offset = 0

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict:
        mapping = super().construct_mapping(node, deep=deep)
        mapping[LINE] = node.start_mark.line + 1 + self.line_offset
        mapping[KEY_LINES] = {
            key_node.value: key_node.start_mark.line + 1 + self.line_offset
            for key_node, _ in node.value
            if isinstance(key_node, yaml.ScalarNode)
        }
        return mapping


def line_of(data: dict, key: str | None = None) -> int:
    """The line a key is written on, else the line its mapping starts on."""
    return data.get(KEY_LINES, {}).get(key, data.get(LINE, 1))


class _Reader:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.problems: list[s.Problem] = []

    def problem(self, path: Path, line: int, message: str) -> None:
        self.problems.append(s.Problem(self.rel(path), line, message))

    def rel(self, path: Path) -> str:
        try:
            return path.relative_to(self.root).as_posix()
        except ValueError:
            return path.as_posix()

    def line_of(self, data: dict, key: str | None = None) -> int:
        return line_of(data, key)

    def read_text(self, path: Path) -> str | None:
        if path.stat().st_size > MAX_TEXT_BYTES:
            self.problem(path, 1, f"file is larger than {MAX_TEXT_BYTES // 1024} KB")
            return None
        try:
            # Files saved on Windows end lines with CRLF; they mean the same.
            return path.read_bytes().decode("utf-8").replace("\r\n", "\n")
        except UnicodeDecodeError as exc:
            self.problem(path, 1, f"not UTF-8 text ({exc.reason} at byte {exc.start})")
            return None

    def load_yaml(self, path: Path, text: str, first_line: int = 1) -> Any:
        loader = _LineLoader(text)
        loader.line_offset = first_line - 1
        try:
            return loader.get_single_data()
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            line = first_line + (mark.line if mark else 0)
            reason = getattr(exc, "problem", None) or str(exc)
            self.problem(path, line, f"YAML cannot be read: {reason}")
            return None
        finally:
            loader.dispose()

    # --- small typed getters that record a problem instead of raising ---

    def get_str(self, data: dict, key: str, path: Path, *, required: bool = True) -> str:
        value = data.get(key)
        if value is None:
            if required:
                self.problem(path, line_of(data), f"'{key}' is missing")
            return ""
        if not isinstance(value, str | int | float) or isinstance(value, bool):
            self.problem(path, line_of(data, key), f"'{key}' must be text")
            return ""
        text = str(value).strip()
        if required and not text:
            self.problem(path, line_of(data, key), f"'{key}' is empty")
        return text

    def get_int(self, data: dict, key: str, path: Path, default: int, low: int, high: int) -> int:
        value = data.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            self.problem(
                path, line_of(data, key), f"'{key}' must be a whole number from {low} to {high}"
            )
            return default
        return value

    def unknown_keys(self, data: dict, allowed: set[str], path: Path, what: str) -> None:
        extra = sorted(k for k in data if k not in _BOOKKEEPING and k not in allowed)
        if extra:
            self.problem(
                path,
                line_of(data, extra[0]),
                f"unknown key(s) in {what}: {', '.join(map(str, extra))}",
            )


def _front_matter(reader: _Reader, path: Path, text: str) -> tuple[dict, str, int] | None:
    """Split `---` front matter from the body; return (meta, body, body's first line)."""
    if not text.startswith("---\n"):
        reader.problem(path, 1, "must start with '---' and YAML front matter (title, minutes)")
        return None
    end = text.find("\n---\n", 4)
    if end == -1 and text.endswith("\n---"):
        end = len(text) - 4
    if end == -1:
        reader.problem(path, 1, "front matter is not closed by a line '---'")
        return None
    meta = reader.load_yaml(path, text[4 : end + 1], first_line=2)
    if meta is None:
        return None
    if not isinstance(meta, dict):
        reader.problem(path, 2, "front matter must be key: value lines")
        return None
    body_line = text[: end + 5].count("\n") + 1
    return meta, text[end + 5 :], body_line


def _check_markdown(
    reader: _Reader, path: Path, body: str, first_line: int, images: set[str]
) -> None:
    for offset in trainer_notes.untitled_note_lines(body):
        reader.problem(
            path,
            first_line + offset,
            "a trainer's note needs a title in quotes, e.g. !!! trainer \"Trainer's note\"",
        )
    for offset, line in enumerate(body.splitlines()):
        for target in re.findall(r"!\[[^\]]*\]\(([^)\s]+)", line):
            name = target.removeprefix("images/")
            if not target.startswith("images/") or name not in images:
                reader.problem(
                    path,
                    first_line + offset,
                    f"image '{target}' not found: put it in the module's images/ folder",
                )


def _lesson_audio(reader: _Reader, path: Path, meta: dict, audio: set[str]) -> str:
    """The recording the front matter names, checked against the module's audio/ folder."""
    name = reader.get_str(meta, "audio", path, required=False)
    if not name:
        return ""
    if not lesson_audio.AUDIO_NAME_RE.match(name):
        reader.problem(
            path,
            line_of(meta, "audio"),
            f"audio '{name}' must be the name of a .mp3, .opus, .ogg or .webm file "
            "in the module's audio/ folder, in lower-case ASCII",
        )
    elif name not in audio:
        reader.problem(
            path,
            line_of(meta, "audio"),
            f"audio '{name}' not found: put it in the module's audio/ folder",
        )
    return name


def _read_lessons(
    reader: _Reader, folder: Path, images: set[str], audio: set[str]
) -> dict[str, tuple]:
    found = {}
    for path in sorted(folder.glob("*.md")):
        match = NUMBERED_RE.match(path.name)
        if not match:
            reader.problem(
                path, 1, "a lesson file is named NN-lesson-slug.md, e.g. 01-meeting-types.md"
            )
            continue
        text = reader.read_text(path)
        if text is None:
            continue
        split = _front_matter(reader, path, text)
        if split is None:
            continue
        meta, body, body_line = split
        reader.unknown_keys(meta, {"title", "minutes", "objective", "audio"}, path, "front matter")
        title = reader.get_str(meta, "title", path)
        objective = reader.get_str(meta, "objective", path, required=False)
        recording = _lesson_audio(reader, path, meta, audio)
        minutes = reader.get_int(meta, "minutes", path, 5, 1, 60)
        if not body.strip():
            reader.problem(path, body_line, "the lesson has no text after the front matter")
        _check_markdown(reader, path, body, body_line, images)
        found[match.group(2)] = (
            int(match.group(1)),
            minutes,
            s.LessonText(title, objective, body.strip() + "\n", recording),
        )
    return found


def _read_aids(reader: _Reader, folder: Path, images: set[str]) -> dict[str, tuple]:
    found = {}
    if not folder.is_dir():
        return found
    for path in sorted(folder.glob("*.md")):
        match = NUMBERED_RE.match(path.name)
        if not match:
            reader.problem(path, 1, "a job aid file is named NN-aid-slug.md")
            continue
        text = reader.read_text(path)
        split = _front_matter(reader, path, text) if text is not None else None
        if split is None:
            continue
        meta, body, body_line = split
        reader.unknown_keys(meta, {"title", "summary"}, path, "front matter")
        title = reader.get_str(meta, "title", path)
        _check_markdown(reader, path, body, body_line, images)
        found[match.group(2)] = (int(match.group(1)), s.AidText(title, body.strip() + "\n"))
    return found


def _read_question(reader: _Reader, path: Path, raw: Any, seen: set[str]) -> tuple | None:
    if not isinstance(raw, dict):
        reader.problem(path, 1, "each question must be a mapping with id, type, text, ...")
        return None
    line = raw.get(LINE, 1)
    reader.unknown_keys(raw, QUESTION_KEYS, path, "question")
    key = reader.get_str(raw, "id", path)
    if key and not SLUG_RE.match(key):
        reader.problem(
            path, line, f"question id '{key}' must be lower-case letters, digits and hyphens"
        )
    if key in seen:
        reader.problem(path, line, f"question id '{key}' is used twice")
    seen.add(key)
    qtype = reader.get_str(raw, "type", path)
    kind = question_types.kind_named(qtype) if qtype else None
    if qtype and kind is None:
        reader.problem(
            path, line, f"type '{qtype}' is not one of {', '.join(question_types.names())}"
        )
        return None
    text = reader.get_str(raw, "text", path)
    explanation = reader.get_str(raw, "explanation", path)
    points = reader.get_int(raw, "points", path, 1, 1, 100)
    lesson = reader.get_str(raw, "lesson", path, required=False)
    if lesson and not SLUG_RE.match(lesson):
        reader.problem(path, line_of(raw, "lesson"), f"lesson '{lesson}' is not a lesson slug")
    match_mode = raw.get("match", "loose")
    if match_mode not in MATCH_MODES:
        reader.problem(path, line, f"match must be one of {', '.join(MATCH_MODES)}")
    choices: list[tuple[bool, s.ChoiceText]] = []
    answers: list[str] = []
    if kind is not None:
        _refuse_other_types_keys(reader, path, raw, kind)
        choices, answers = kind.read(reader, path, raw, line)
    return (
        key,
        qtype,
        points,
        match_mode,
        choices,
        s.QuestionText(text, explanation, answers),
        line,
        lesson,
    )


def _refuse_other_types_keys(
    reader: _Reader, path: Path, raw: dict, kind: question_types.Kind
) -> None:
    """A key that belongs to another type only ("steps" on a single-choice question)."""
    for name in raw:
        owners = [k.name for k in question_types.KINDS.values() if name in k.exclusive_keys]
        if not owners or kind.name in owners:
            continue
        if name == "choices":
            reader.problem(path, line_of(raw), f"a {kind.name} question has no choices")
        else:
            reader.problem(
                path, line_of(raw, name), f"'{name}' is only for a {' or '.join(owners)} question"
            )


def _read_quiz(reader: _Reader, path: Path) -> list[tuple] | None:
    if not path.exists():
        return None
    text = reader.read_text(path)
    data = reader.load_yaml(path, text) if text is not None else None
    if data is None:
        return []
    if not isinstance(data, dict) or not isinstance(data.get("questions"), list):
        reader.problem(path, 1, "quiz.yml must hold 'questions:' followed by a list")
        return []
    seen: set[str] = set()
    questions = [_read_question(reader, path, raw, seen) for raw in data["questions"]]
    return [q for q in questions if q is not None]


def _read_images(reader: _Reader, folder: Path) -> dict[str, bytes]:
    images = {}
    if not folder.is_dir():
        return images
    for path in sorted(folder.iterdir()):
        ext = path.suffix.lower().lstrip(".")
        if not IMAGE_RE.match(path.name):
            reader.problem(path, 1, "images are .png, .jpg or .webp with a lower-case ASCII name")
            continue
        data = path.read_bytes()
        if len(data) > MAX_IMAGE_BYTES:
            reader.problem(path, 1, "image is larger than 1 MB: make it smaller for phones")
            continue
        magic_ok = (
            data.startswith(IMAGE_MAGIC[ext])
            if ext in IMAGE_MAGIC
            else (data[:4] == b"RIFF" and data[8:12] == b"WEBP")
        )
        if not magic_ok:
            reader.problem(path, 1, f"the file's content is not a {ext} image")
            continue
        images[path.name] = data
    return images


def _read_audio(reader: _Reader, folder: Path) -> dict[str, bytes]:
    """The module's recordings, each checked by its bytes against its name."""
    found: dict[str, bytes] = {}
    if not folder.is_dir():
        return found
    for path in sorted(folder.iterdir()):
        if not lesson_audio.AUDIO_NAME_RE.match(path.name) or not path.is_file():
            reader.problem(
                path, 1, "audio files are .mp3, .opus, .ogg or .webm with a lower-case ASCII name"
            )
            continue
        if path.stat().st_size > lesson_audio.MAX_AUDIO_BYTES:
            reader.problem(
                path, 1, "audio file is larger than 2 MB: record it shorter or at a lower bitrate"
            )
            continue
        data = path.read_bytes()
        kind = lesson_audio.audio_kind(data)
        ext = path.suffix.lower().lstrip(".")
        if kind is None:
            reader.problem(path, 1, "the file's content is not Opus (Ogg or WebM) or MP3 audio")
            continue
        if lesson_audio.KIND_OF_EXTENSION[ext] != kind:
            endings = " or ".join(
                f".{e}" for e, k in lesson_audio.KIND_OF_EXTENSION.items() if k == kind
            )
            reader.problem(
                path,
                1,
                f"the file holds {lesson_audio.KIND_LABELS[kind]} audio but its name ends in "
                f".{ext}: name it {endings}",
            )
            continue
        found[path.name] = data
    return found


def _merge_languages(
    reader: _Reader, folder: Path, per_lang: dict[str, dict], what: str
) -> list[str]:
    """Slugs present in every language; a problem for each one missing somewhere."""
    all_slugs = sorted(set().union(*(d.keys() for d in per_lang.values())))
    for slug in all_slugs:
        missing = [lang for lang, found in per_lang.items() if slug not in found]
        if missing:
            reader.problem(folder, 1, f"{what} '{slug}' is missing in: {', '.join(missing)}")
    return [slug for slug in all_slugs if all(slug in d for d in per_lang.values())]


def _read_module(reader: _Reader, folder: Path) -> s.ModuleSource | None:
    module_file = folder / "module.yml"
    if not module_file.exists():
        reader.problem(folder, 1, "module.yml is missing")
        return None
    text = reader.read_text(module_file)
    meta = reader.load_yaml(module_file, text) if text is not None else None
    if not isinstance(meta, dict):
        if meta is not None:
            reader.problem(module_file, 1, "module.yml must be key: value lines")
        return None
    reader.unknown_keys(meta, MODULE_KEYS, module_file, "module.yml")
    languages = sorted(p.name for p in folder.iterdir() if p.is_dir() and p.name in LANGUAGES)
    for p in folder.iterdir():
        if p.is_dir() and p.name not in LANGUAGES and p.name not in ("images", "audio"):
            reader.problem(
                p, 1, f"unknown folder: use a language ({', '.join(LANGUAGES)}), images or audio"
            )
    if not languages:
        reader.problem(folder, 1, f"no language folder ({', '.join(LANGUAGES)})")
        return None
    default_language = meta.get("default_language", "vi")
    if default_language not in languages:
        reader.problem(
            module_file,
            line_of(meta, "default_language"),
            f"default_language '{default_language}' has no folder",
        )
    titles, summaries = {}, {}
    for key, target in (("title", titles), ("summary", summaries)):
        value = meta.get(key)
        if not isinstance(value, dict):
            reader.problem(
                module_file,
                line_of(meta, key),
                f"'{key}' must give one line per language, e.g. vi: ...",
            )
            continue
        for lang in languages:
            target[lang] = reader.get_str(value, lang, module_file, required=key == "title")
    completion = meta.get("completion", "lessons_and_quiz")
    if completion not in COMPLETION_RULES:
        reader.problem(
            module_file,
            line_of(meta, "completion"),
            f"completion must be one of {', '.join(COMPLETION_RULES)}",
        )
    quiz = meta.get("quiz") or {}
    if not isinstance(quiz, dict):
        reader.problem(module_file, line_of(meta, "quiz"), "'quiz' must be a mapping")
        quiz = {}
    reader.unknown_keys(quiz, QUIZ_KEYS, module_file, "quiz settings")

    images = _read_images(reader, folder / "images")
    audio = _read_audio(reader, folder / "audio")
    # A file refused above is named there; a lesson naming it is not told "not found".
    audio_names = (
        {p.name for p in (folder / "audio").iterdir()} if (folder / "audio").is_dir() else set()
    )
    lessons = {
        lang: _read_lessons(reader, folder / lang, set(images), audio_names) for lang in languages
    }
    aids = {lang: _read_aids(reader, folder / lang / "aids", set(images)) for lang in languages}
    quizzes = {lang: _read_quiz(reader, folder / lang / "quiz.yml") for lang in languages}

    module = s.ModuleSource(
        slug=folder.name,
        position=reader.get_int(meta, "order", module_file, 0, 0, 10_000),
        default_language=default_language,
        completion=completion,
        pass_mark=reader.get_int(quiz, "pass_mark", module_file, 70, 1, 100),
        draw=reader.get_int(quiz, "draw", module_file, 0, 0, 500),
        max_attempts=reader.get_int(quiz, "max_attempts", module_file, 0, 0, 100),
        time_limit_minutes=reader.get_int(quiz, "time_limit_minutes", module_file, 0, 0, 600),
        titles=titles,
        summaries=summaries,
        source_hash="",
        images=images,
        audio=audio,
    )
    for slug in _merge_languages(reader, folder, lessons, "lesson"):
        positions = {lessons[lang][slug][0] for lang in languages}
        minutes = {lessons[lang][slug][1] for lang in languages}
        lesson = s.LessonSource(slug=slug, position=min(positions), minutes=max(minutes))
        lesson.texts = {lang: lessons[lang][slug][2] for lang in languages}
        module.lessons.append(lesson)
    module.lessons.sort(key=lambda x: (x.position, x.slug))
    for slug in _merge_languages(reader, folder, aids, "job aid"):
        aid = s.AidSource(slug=slug, position=min(aids[lang][slug][0] for lang in languages))
        aid.texts = {lang: aids[lang][slug][1] for lang in languages}
        module.aids.append(aid)
    module.aids.sort(key=lambda x: (x.position, x.slug))
    _merge_quiz(reader, folder, module, quizzes, languages)
    module.source_hash = s.content_hash(module)
    if completion != "lessons" and not module.questions:
        reader.problem(
            module_file,
            line_of(meta, "completion"),
            f"completion '{completion}' needs a quiz.yml with questions",
        )
    if completion != "quiz" and not module.lessons:
        reader.problem(
            module_file,
            line_of(meta, "completion"),
            f"completion '{completion}' needs at least one lesson",
        )
    return module


def _merge_quiz(
    reader: _Reader,
    folder: Path,
    module: s.ModuleSource,
    quizzes: dict[str, list | None],
    languages: list[str],
) -> None:
    present = {lang: q for lang, q in quizzes.items() if q is not None}
    if not present:
        return
    for lang in languages:
        if lang not in present:
            reader.problem(folder / lang, 1, "quiz.yml is missing in this language")
    by_lang = {lang: {q[0]: q for q in qs} for lang, qs in present.items()}
    reference_lang = (
        module.default_language if module.default_language in present else sorted(present)[0]
    )
    reference = present[reference_lang]
    for lang, questions in by_lang.items():
        for key in questions.keys() - by_lang[reference_lang].keys():
            reader.problem(
                folder / lang / "quiz.yml",
                questions[key][6],
                f"question '{key}' is not in the {reference_lang} quiz",
            )
    lesson_slugs = {lesson.slug for lesson in module.lessons}
    for position, question_tuple in enumerate(reference):
        key, qtype, points, match_mode, choices, _text, line, lesson = question_tuple
        question = s.QuestionSource(
            key=key, type=qtype, points=points, match=match_mode, position=position, lesson=lesson
        )
        if lesson and lesson not in lesson_slugs:
            reader.problem(
                folder / reference_lang / "quiz.yml",
                line,
                f"question '{key}': lesson '{lesson}' is not a lesson of this module",
            )
        for lang in present:
            other = by_lang[lang].get(key)
            path = folder / lang / "quiz.yml"
            if other is None:
                reader.problem(path, 1, f"question '{key}' is missing in this language")
                continue
            if other[1] != qtype:
                reader.problem(
                    path,
                    other[6],
                    f"question '{key}' has type {other[1]} here but {qtype} in {reference_lang}",
                )
                continue
            if other[7] != lesson:
                reader.problem(
                    path,
                    other[6],
                    f"question '{key}' names lesson '{other[7] or '(none)'}' here but "
                    f"'{lesson or '(none)'}' in {reference_lang}",
                )
            if [c for c, _ in other[4]] != [c for c, _ in choices]:
                reader.problem(
                    path,
                    other[6],
                    f"question '{key}': the choices or their correct positions "
                    f"differ from {reference_lang}",
                )
                continue
            question.texts[lang] = other[5]
        question.choices = [
            s.ChoiceSource(
                is_correct=correct,
                texts={
                    lang: by_lang[lang][key][4][i][1]
                    for lang in present
                    if key in by_lang[lang] and len(by_lang[lang][key][4]) == len(choices)
                },
            )
            for i, (correct, _t) in enumerate(choices)
        ]
        module.questions.append(question)


def load_courses(root: Path) -> list[s.ModuleSource]:
    """Every module under root, validated; raise ContentError listing all problems."""
    reader = _Reader(root)
    if not root.is_dir():
        raise s.ContentError([s.Problem(str(root), 0, "the courses folder does not exist")])
    modules = []
    for folder in sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")):
        if not SLUG_RE.match(folder.name):
            reader.problem(
                folder, 1, "a module folder name is lower-case letters, digits and hyphens"
            )
            continue
        module = _read_module(reader, folder)
        if module is not None:
            modules.append(module)
    if reader.problems:
        raise s.ContentError(reader.problems)
    # Not problems: a biased pool still imports, but its author hears about it.
    for warning in quiz_bias.course_warnings(modules):
        log.warning("quiz warning: %s", warning)
    return modules
