"""Write validated ModuleSource records into the database, versioned and idempotent."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select

from learnapp import db
from learnapp.content import markdown, quiz_bias
from learnapp.content import sources as s
from learnapp.content.audio import store_audio
from learnapp.content.loader import load_courses
from learnapp.content.media import store_image
from learnapp.content.snapshot import to_data
from learnapp.models import (
    Choice,
    ChoiceText,
    CompletionRule,
    JobAid,
    JobAidText,
    Lesson,
    LessonText,
    MatchMode,
    Module,
    ModuleStatus,
    ModuleText,
    ModuleVersion,
    Question,
    QuestionText,
    QuestionType,
    Quiz,
    User,
)
from learnapp.models.base import utcnow


@dataclass
class ImportReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    new_lesson_versions: list[str] = field(default_factory=list)
    archived: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    # Modules left as the web editor published them (import with skip_web_published).
    kept_web: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        out = []
        for label, items in (
            ("created", self.created),
            ("updated", self.updated),
            ("unchanged", self.unchanged),
            ("new lesson versions", self.new_lesson_versions),
            ("archived, not imported (restore it in the editor first)", self.archived),
        ):
            if items:
                out.append(f"{label}: {', '.join(items)}")
        out += [
            f"kept as published in the web editor, not imported: {kept}" for kept in self.kept_web
        ]
        out += [f"quiz warning: {warning}" for warning in self.warnings]
        return out


def _hash(*parts: object) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(str(part).encode())
        digest.update(b"\0")
    return digest.hexdigest()


def _rewrite_images(body: str, image_urls: dict[str, str]) -> str:
    for name, url in image_urls.items():
        body = body.replace(f"](images/{name}", f"]({url}")
    return body


def _sync_lessons(
    module: Module,
    src: s.ModuleSource,
    image_urls: dict[str, str],
    audio_urls: dict[str, str],
    report: ImportReport,
) -> None:
    existing = {lesson.slug: lesson for lesson in module.lessons}
    for lesson_src in src.lessons:
        lesson = existing.pop(lesson_src.slug, None)
        is_new = lesson is None
        if lesson is None:
            lesson = Lesson(slug=lesson_src.slug)
            module.lessons.append(lesson)
        lesson.position = lesson_src.position
        lesson.minutes = lesson_src.minutes
        lesson.is_retired = False
        texts = {t.language: t for t in lesson.texts}
        changed = False
        for lang, text in lesson_src.texts.items():
            body = _rewrite_images(text.body_md, image_urls)
            audio_url = audio_urls.get(text.audio, "")
            # The recording counts only when there is one, so lessons without keep their hash.
            digest = _hash(text.title, text.objective, body, *([audio_url] if audio_url else []))
            row = texts.pop(lang, None)
            if row is not None and row.content_hash == digest:
                continue
            changed = True
            if row is None:
                row = LessonText(language=lang)
                lesson.texts.append(row)
            row.title, row.objective, row.body_md = text.title, text.objective, body
            row.audio_url = audio_url
            # Rendered once here, per version; pages only read body_html.
            row.body_html = markdown.render(body, shift_headings=True)
            row.content_hash = digest
            row.updated_at = utcnow()
        for stale in texts.values():
            lesson.texts.remove(stale)
            changed = True
        if changed and not is_new:
            lesson.version += 1
            report.new_lesson_versions.append(f"{module.slug}/{lesson.slug} v{lesson.version}")
    for retired in existing.values():
        # Kept, so the progress people made on it stays in the reports.
        retired.is_retired = True


def _sync_aids(module: Module, src: s.ModuleSource, image_urls: dict[str, str]) -> None:
    existing = {
        aid.slug: aid
        for aid in db.session.scalars(select(JobAid).where(JobAid.module_id == module.id))
    }
    for aid_src in src.aids:
        aid = existing.pop(aid_src.slug, None)
        if aid is None:
            aid = JobAid(module_id=module.id, slug=aid_src.slug)
            db.session.add(aid)
        aid.position, aid.is_retired = aid_src.position, False
        texts = {t.language: t for t in aid.texts}
        for lang, text in aid_src.texts.items():
            body = _rewrite_images(text.body_md, image_urls)
            digest = _hash(text.title, body)
            row = texts.pop(lang, None)
            if row is not None and row.content_hash == digest:
                continue
            if row is None:
                row = JobAidText(language=lang)
                aid.texts.append(row)
            row.title, row.body_md = text.title, body
            row.body_html = markdown.render(body, shift_headings=True)
            row.content_hash = digest
        for stale in texts.values():
            aid.texts.remove(stale)
    for retired in existing.values():
        retired.is_retired = True


def _sync_choices(question: Question, src: s.QuestionSource) -> None:
    by_position = {c.position: c for c in question.choices}
    for position, choice_src in enumerate(src.choices):
        choice = by_position.pop(position, None)
        if choice is None:
            choice = Choice(position=position)
            question.choices.append(choice)
        choice.is_correct = choice_src.is_correct
        texts = {t.language: t for t in choice.texts}
        for lang, text in choice_src.texts.items():
            row = texts.pop(lang, None)
            if row is None:
                row = ChoiceText(language=lang)
                choice.texts.append(row)
            if row.text_md != text.text or row.feedback_md != text.feedback:
                row.text_md, row.feedback_md = text.text, text.feedback
                row.text_html = markdown.render_inline(text.text)
                row.feedback_html = markdown.render_inline(text.feedback) if text.feedback else ""
        for stale in texts.values():
            choice.texts.remove(stale)
    for extra in by_position.values():
        question.choices.remove(extra)


def _sync_quiz(module: Module, src: s.ModuleSource) -> None:
    quiz = db.session.scalar(select(Quiz).where(Quiz.module_id == module.id))
    if not src.questions:
        if quiz is not None:
            for question in quiz.questions:
                question.is_retired = True
        return
    if quiz is None:
        quiz = Quiz(module_id=module.id)
        db.session.add(quiz)
    quiz.pass_mark = src.pass_mark
    quiz.draw_count = src.draw
    quiz.max_attempts = src.max_attempts
    quiz.time_limit_minutes = src.time_limit_minutes
    existing = {q.key: q for q in quiz.questions}
    for question_src in src.questions:
        question = existing.pop(question_src.key, None)
        if question is None:
            question = Question(key=question_src.key)
            quiz.questions.append(question)
        question.type = QuestionType(question_src.type)
        question.points = question_src.points
        question.position = question_src.position
        question.match_mode = MatchMode(question_src.match)
        question.lesson_slug = question_src.lesson
        question.is_retired = False
        texts = {t.language: t for t in question.texts}
        for lang, text in question_src.texts.items():
            row = texts.pop(lang, None)
            if row is None:
                row = QuestionText(language=lang)
                question.texts.append(row)
            if (row.text_md, row.explanation_md, row.accepted_answers) != (
                text.text,
                text.explanation,
                text.answers,
            ):
                row.text_md, row.explanation_md = text.text, text.explanation
                row.text_html = markdown.render(text.text)
                row.explanation_html = markdown.render(text.explanation)
                row.accepted_answers = list(text.answers)
        for stale in texts.values():
            question.texts.remove(stale)
        _sync_choices(question, question_src)
    for retired in existing.values():
        retired.is_retired = True


def apply_module(
    src: s.ModuleSource,
    media_dir: Path,
    report: ImportReport,
    *,
    origin: str = "files",
    user: User | None = None,
) -> Module:
    """Publish one module from its source; an unchanged source is left alone."""
    module = db.session.scalar(select(Module).where(Module.slug == src.slug))
    if module is not None and module.status == ModuleStatus.ARCHIVED:
        # A trainer took it away from learners; its folder still being in courses/
        # must not bring it back on the next `make run`.
        report.archived.append(src.slug)
        return module
    if (
        module is not None
        and module.status == ModuleStatus.PUBLISHED
        and module.source_hash == src.source_hash
    ):
        report.unchanged.append(src.slug)
        return module
    is_new = module is None or module.status != ModuleStatus.PUBLISHED
    if module is None:
        module = Module(slug=src.slug)
        db.session.add(module)
    elif module.published_at is not None:
        module.version += 1
    module.status = ModuleStatus.PUBLISHED
    module.origin = origin
    module.published_at = utcnow()
    module.published_by_id = user.id if user else None
    module.position = src.position
    module.default_language = src.default_language
    module.completion_rule = CompletionRule(src.completion)
    module.source_hash = src.source_hash
    module.updated_at = utcnow()
    texts = {t.language: t for t in module.texts}
    for lang, title in src.titles.items():
        row = texts.pop(lang, None) or ModuleText(language=lang)
        if row not in module.texts:
            module.texts.append(row)
        row.title, row.summary = title, src.summaries.get(lang, "")
    for stale in texts.values():
        module.texts.remove(stale)
    db.session.flush()
    image_urls = {name: store_image(media_dir, data, name) for name, data in src.images.items()}
    audio_urls = {name: store_audio(media_dir, data, name) for name, data in src.audio.items()}
    _sync_lessons(module, src, image_urls, audio_urls, report)
    _sync_aids(module, src, image_urls)
    _sync_quiz(module, src)
    db.session.flush()
    db.session.add(
        ModuleVersion(
            module_id=module.id,
            version=module.version,
            origin=origin,
            source_hash=src.source_hash,
            published_by_id=module.published_by_id,
            snapshot=to_data(src),
        )
    )
    db.session.flush()
    (report.created if is_new else report.updated).append(src.slug)
    return module


@dataclass
class WebEdit:
    """A module whose published version came from the editor and differs from the files."""

    slug: str
    version: int
    published: str

    def problem(self) -> s.Problem:
        return s.Problem(
            f"{self.slug}/module.yml",
            1,
            f"version {self.version} of this module was published in the web editor "
            f"({self.published}) and differs from these files; export it first "
            f"(flask export-courses) or import with --overwrite-web-edits",
        )


def web_edit_conflicts(sources: list[s.ModuleSource], root: Path) -> list[s.Problem]:
    """Modules whose published version came from the editor and differs from the files."""
    return [edit.problem() for edit in web_edits(sources)]


def web_edits(sources: list[s.ModuleSource]) -> list[WebEdit]:
    """The modules among the sources that an import would take back from the editor."""
    edits = []
    for src in sources:
        module = db.session.scalar(select(Module).where(Module.slug == src.slug))
        if (
            module is None
            or module.origin != "web"
            or module.status == ModuleStatus.ARCHIVED  # not imported anyway
            or module.source_hash == src.source_hash
        ):
            continue
        when = module.published_at.strftime("%Y-%m-%d %H:%M UTC") if module.published_at else "?"
        edits.append(WebEdit(src.slug, module.version, when))
    return edits


def import_courses(
    root: Path,
    media_dir: Path,
    *,
    overwrite_web_edits: bool = False,
    skip_web_published: bool = False,
) -> ImportReport:
    """Validate every file under root, then import all modules; the caller commits.

    Raises ContentError (and writes nothing) when any file has a problem, or when a
    module's newer web edit would be replaced without overwrite_web_edits. With
    skip_web_published such a module is left as published, named in the report, and
    the others are imported: what start-up needs, so a trainer's web edit never stops
    the site from serving.
    """
    sources = load_courses(root)
    edits = [] if overwrite_web_edits else web_edits(sources)
    if edits and not skip_web_published:
        raise s.ContentError([edit.problem() for edit in edits])
    kept = {edit.slug for edit in edits}
    sources = [src for src in sources if src.slug not in kept]
    kept_web = [
        f"{edit.slug} (version {edit.version}, {edit.published}; "
        "flask export-courses writes it to the files)"
        for edit in edits
    ]
    report = ImportReport(
        warnings=[str(w) for w in quiz_bias.course_warnings(sources)], kept_web=kept_web
    )
    for src in sources:
        apply_module(src, media_dir, report)
    return report
