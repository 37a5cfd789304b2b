"""What "download for offline" stores for one module: its pages' URLs, their estimated
size and a version that changes when the module's published content does."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from flask import current_app, url_for
from sqlalchemy import select

from learnapp import db
from learnapp.learn import services as learn
from learnapp.models import JobAid, Module

MEDIA_URL = re.compile(r"/media/[A-Za-z0-9_.-]+")
# A page's frame (header, navigation, scripts' tags) around its text, compressed or not:
# an estimate is enough to tell the learner before downloading.
PAGE_OVERHEAD = 4000


def offline_manifest(module: Module, language: str) -> dict:
    lessons = learn.active_lessons(module)
    aids = db.session.scalars(
        select(JobAid).where(JobAid.module_id == module.id, JobAid.is_retired.is_(False))
    ).all()
    pages = [url_for("learn.home"), url_for("learn.module", slug=module.slug)]
    size = 2 * PAGE_OVERHEAD
    digest = hashlib.sha256(f"{module.id}:{module.version}:{language}".encode())
    media: set[str] = set()
    for lesson in lessons:
        text = lesson.text(language)
        pages.append(url_for("learn.lesson", slug=module.slug, lesson_slug=lesson.slug))
        size += PAGE_OVERHEAD + len(text.body_html.encode())
        digest.update(text.content_hash.encode())
        media.update(MEDIA_URL.findall(text.body_html))
        if text.audio_url:
            media.add(text.audio_url)
    for aid in aids:
        by_lang = {t.language: t for t in aid.texts}
        text = by_lang.get(language) or by_lang.get(module.default_language) or aid.texts[0]
        pages.append(url_for("learn.job_aid", slug=module.slug, aid_slug=aid.slug))
        size += PAGE_OVERHEAD + len(text.body_html.encode())
        digest.update(text.content_hash.encode())
        media.update(MEDIA_URL.findall(text.body_html))
    folder = Path(current_app.instance_path) / "media"
    for url in media:
        path = folder / url.rsplit("/", 1)[1]
        size += path.stat().st_size if path.is_file() else 0
    return {
        "module": module.slug,
        "version": digest.hexdigest()[:16],
        "urls": pages + sorted(media),
        "bytes": size,
    }
