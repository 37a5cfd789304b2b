"""ModuleSource records back to course files, in the format loader.py reads.

Byte-stable: the same source always gives the same bytes, so an export can be
committed to git and re-imported as a no-op.
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from learnapp.content import sources as s
from learnapp.content.audio import MEDIA_AUDIO_RE
from learnapp.quiz import types as question_types


class _Dumper(yaml.SafeDumper):
    pass


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str)


def _yaml(data: object) -> str:
    return yaml.dump(data, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=1000)


def _markdown_file(meta: dict, body: str) -> str:
    return "---\n" + _yaml(meta) + "---\n\n" + body.strip() + "\n"


def _question(q: s.QuestionSource, lang: str) -> dict:
    text = q.texts[lang]
    item: dict = {"id": q.key, "type": q.type}
    if q.points != 1:
        item["points"] = q.points
    if q.lesson:
        item["lesson"] = q.lesson
    item["text"] = text.text
    kind = question_types.kind_named(q.type)
    if kind is not None:
        kind.write(q, lang, item)
    item["explanation"] = text.explanation
    return item


def module_files(module: s.ModuleSource) -> dict[str, bytes]:
    """The files of one module folder, by path relative to the folder."""
    languages = sorted(module.titles)
    meta = {
        "order": module.position,
        "default_language": module.default_language,
        "title": {lang: module.titles[lang] for lang in languages},
        "summary": {lang: module.summaries.get(lang, "") for lang in languages},
        "completion": module.completion,
        "quiz": {
            "pass_mark": module.pass_mark,
            "draw": module.draw,
            "max_attempts": module.max_attempts,
            "time_limit_minutes": module.time_limit_minutes,
        },
    }
    files = {"module.yml": _yaml(meta)}
    for lang in languages:
        for index, lesson in enumerate(module.lessons, start=1):
            if lang not in lesson.texts:
                continue  # the loader then names the missing translation
            text = lesson.texts[lang]
            front = {"title": text.title, "minutes": lesson.minutes}
            if text.objective:
                front["objective"] = text.objective
            if text.audio:
                front["audio"] = text.audio
            files[f"{lang}/{index:02d}-{lesson.slug}.md"] = _markdown_file(front, text.body_md)
        for index, aid in enumerate(module.aids, start=1):
            if lang not in aid.texts:
                continue
            text = aid.texts[lang]
            files[f"{lang}/aids/{index:02d}-{aid.slug}.md"] = _markdown_file(
                {"title": text.title}, text.body_md
            )
        if module.questions:
            questions = [_question(q, lang) for q in module.questions if lang in q.texts]
            files[f"{lang}/quiz.yml"] = _yaml({"questions": questions})
    out = {path: text.encode("utf-8") for path, text in files.items()}
    for name, data in module.images.items():
        out[f"images/{name}"] = data
    for name, data in module.audio.items():
        out[f"audio/{name}"] = data
    return out


MEDIA_LINK = re.compile(r"\]\(/media/([a-z0-9]{8,64}\.(?:png|jpg|jpeg|webp))\)")


def with_local_images(module: s.ModuleSource, media_dir: Path) -> s.ModuleSource:
    """Point image links at the module's images/ folder and carry the image bytes along;
    lesson recordings likewise go to its audio/ folder (with_local_audio)."""

    def rewrite(body: str) -> str:
        for name in MEDIA_LINK.findall(body):
            path = media_dir / name
            if path.is_file():
                module.images[name] = path.read_bytes()
        return MEDIA_LINK.sub(lambda m: f"](images/{m.group(1)})", body)

    for lesson in module.lessons:
        for text in lesson.texts.values():
            text.body_md = rewrite(text.body_md)
    for aid in module.aids:
        for text in aid.texts.values():
            text.body_md = rewrite(text.body_md)
    return with_local_audio(module, media_dir)


def with_local_audio(module: s.ModuleSource, media_dir: Path) -> s.ModuleSource:
    """Name each stored recording ("/media/<name>") as a file of the module's audio/
    folder and carry its bytes along, byte for byte."""
    for lesson in module.lessons:
        for text in lesson.texts.values():
            match = MEDIA_AUDIO_RE.match(text.audio)
            if match is None:
                continue
            text.audio = match.group(1)
            path = media_dir / text.audio
            if path.is_file():  # else the loader says the file is missing
                module.audio[text.audio] = path.read_bytes()
    return module


def write_module(module: s.ModuleSource, folder: Path) -> list[Path]:
    """Write the module's files into folder/<slug>, replacing what was there."""
    target = folder / module.slug
    written = []
    if target.exists():
        for old in sorted(target.rglob("*"), reverse=True):
            if old.is_file():
                old.unlink()
            elif old.is_dir():
                old.rmdir()
    for relative, data in sorted(module_files(module).items()):
        path = target / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        written.append(path)
    return written
