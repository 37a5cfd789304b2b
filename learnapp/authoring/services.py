"""Drafts: the trainer's working copy of a module, edited here and published through
the same importer as the course files, so versions and learners' progress behave alike."""

from __future__ import annotations

import hashlib
import json
import re
import tempfile
from dataclasses import asdict, dataclass, field, is_dataclass, replace
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from learnapp import audit, db
from learnapp.content import markdown
from learnapp.content import sources as s
from learnapp.content.importer import ImportReport, apply_module
from learnapp.content.loader import load_courses
from learnapp.content.snapshot import from_data, source_from_db, to_data
from learnapp.content.writer import with_local_images, write_module
from learnapp.errors import DomainError
from learnapp.learn import progress
from learnapp.models import (
    Area,
    Module,
    ModuleDraft,
    ModuleStatus,
    ModuleVersion,
    QuestionType,
    Role,
    User,
)
from learnapp.models.base import utcnow
from learnapp.quiz import types as question_types

SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


class PublishProblems(DomainError):
    """The draft cannot be published; `problems` says where and why."""

    def __init__(self, problems: list[s.Problem]) -> None:
        super().__init__("publish_problems")
        self.problems = problems


# Who may write training: a trainer or an admin granted on a top-level area (the
# province). Modules reach learners everywhere, so an admin of one commune must not be
# able to change or archive them; trainers made in a commune (say by a bulk import)
# read and report like anyone there but do not author.
AUTHOR_ROLES = (Role.TRAINER, Role.ADMIN)


class NotAnAuthor(DomainError):
    """The person may not change this module (or any, without a top-level grant)."""


def author_areas(user: User) -> list[int]:
    """The top-level areas where the user holds an authoring role, lowest id first."""
    granted = [g.area_id for g in user.grants if g.role in AUTHOR_ROLES]
    if not granted:
        return []
    return list(
        db.session.scalars(
            select(Area.id).where(Area.id.in_(granted), Area.parent_id.is_(None)).order_by(Area.id)
        )
    )


def may_author(user: User, module: Module | None = None) -> bool:
    """Whether the user may write training at all, or change this module."""
    areas = author_areas(user)
    if not areas:
        return False
    return module is None or module.owner_area_id is None or module.owner_area_id in areas


def require_author(user: User, module: Module | None = None) -> None:
    if not may_author(user, module):
        raise NotAnAuthor("not_an_author")


def _record(action: str, user: User, module: Module, detail: str | None = None) -> None:
    """Log a content change where the admins of the module's owning area see it."""
    audit.record(
        action,
        actor=user,
        area_id=module.owner_area_id,
        detail=detail if detail is not None else f"{module.slug} v{module.version}",
    )


def modules_for_authoring() -> list[tuple[Module, ModuleDraft | None]]:
    modules = db.session.scalars(
        select(Module).where(Module.status != ModuleStatus.ARCHIVED).order_by(Module.position)
    ).all()
    drafts = {
        d.module_id: d
        for d in db.session.scalars(
            select(ModuleDraft).where(ModuleDraft.module_id.in_([m.id for m in modules]))
        )
    }
    return [(m, drafts.get(m.id)) for m in modules]


def module_by_slug(slug: str) -> Module | None:
    return db.session.scalar(select(Module).where(Module.slug == slug))


def draft_of(module: Module, *, for_update: bool = False) -> ModuleDraft | None:
    """The module's draft; for_update locks its row (PostgreSQL) so two saves queue and
    neither loads the draft before the other's change is in."""
    query = select(ModuleDraft).where(ModuleDraft.module_id == module.id)
    return db.session.scalar(query.with_for_update() if for_update else query)


def start_draft(module: Module, user: User, *, for_update: bool = False) -> ModuleDraft:
    """The module's draft, made from the published version when there is none yet."""
    draft = draft_of(module, for_update=for_update)
    if draft is None:
        require_author(user, module)
        draft = ModuleDraft(
            module_id=module.id,
            data=to_data(source_from_db(module)),
            base_version=module.version,
            updated_by_id=user.id,
        )
        try:
            with db.session.begin_nested():
                db.session.add(draft)
        except IntegrityError:
            # Two first saves at once: the other request's draft is the one to edit.
            draft = draft_of(module, for_update=for_update)
            if draft is None:
                raise
    return draft


def create_module(slug: str, titles: dict[str, str], default_language: str, user: User) -> Module:
    """A new, unpublished module with an empty draft, owned by the author's top area."""
    require_author(user)
    if not SLUG_RE.match(slug):
        raise DomainError("bad_slug")
    if module_by_slug(slug) is not None:
        raise DomainError("slug_taken")
    position = (
        db.session.scalar(select(Module.position).order_by(Module.position.desc())) or 0
    ) + 1
    module = Module(
        slug=slug,
        status=ModuleStatus.DRAFT,
        default_language=default_language,
        position=position,
        origin="web",
        version=1,
        owner_area_id=author_areas(user)[0],
    )
    db.session.add(module)
    db.session.flush()
    source = s.ModuleSource(
        slug=slug,
        position=position,
        default_language=default_language,
        completion="lessons_and_quiz",
        pass_mark=70,
        draw=10,
        max_attempts=0,
        time_limit_minutes=0,
        titles=titles,
        summaries=dict.fromkeys(titles, ""),
        source_hash="",
    )
    db.session.add(
        ModuleDraft(
            module_id=module.id, data=to_data(source), base_version=0, updated_by_id=user.id
        )
    )
    _record("module_create", user, module, slug)
    db.session.flush()
    return module


def load(draft: ModuleDraft) -> s.ModuleSource:
    return from_data(draft.data)


def save(draft: ModuleDraft, source: s.ModuleSource, user: User) -> None:
    """Store the edited source; a new dict, so the JSON column sees the change."""
    module = db.session.get(Module, draft.module_id)
    require_author(user, module)
    draft.data = to_data(source)
    draft.updated_at = utcnow()
    draft.updated_by_id = user.id
    _record("module_edit", user, module, module.slug)
    db.session.flush()


def revision(part: object) -> str:
    """A fingerprint of what an edit page showed (a lesson, a question, the settings).

    The page sends it back with the save; when the part says something else by then,
    someone saved it in between, and saving would silently overwrite their work.
    """
    data = part
    if is_dataclass(part):
        data = asdict(part)
        data.pop("position", None)  # moving an item up or down is no edit of it
    canonical = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()[:24]


def settings_of(source: s.ModuleSource) -> dict:
    """The module-wide fields the settings form edits."""
    return {
        "titles": source.titles,
        "summaries": source.summaries,
        "position": source.position,
        "completion": source.completion,
        "pass_mark": source.pass_mark,
        "draw": source.draw,
        "max_attempts": source.max_attempts,
        "time_limit_minutes": source.time_limit_minutes,
    }


def draws_more_than_pool(source: s.ModuleSource) -> bool:
    """The quiz asks for more questions per attempt than its pool holds: learners
    would silently get the whole pool instead."""
    return 0 < len(source.questions) < source.draw


def languages(source: s.ModuleSource) -> list[str]:
    ordered = [source.default_language] + sorted(set(source.titles) - {source.default_language})
    return [lang for lang in ordered if lang in source.titles]


def missing_translations(source: s.ModuleSource) -> dict[str, list[str]]:
    """Per item ("lesson:slug", "question:key"), the module languages it lacks."""
    langs = languages(source)
    missing: dict[str, list[str]] = {}
    for lesson in source.lessons:
        gaps = [
            lang
            for lang in langs
            if lang not in lesson.texts
            or not lesson.texts[lang].title.strip()
            or not lesson.texts[lang].body_md.strip()
        ]
        if gaps:
            missing[f"lesson:{lesson.slug}"] = gaps
    for question in source.questions:
        gaps = [lang for lang in langs if not _question_complete_in(question, lang)]
        if gaps:
            missing[f"question:{question.key}"] = gaps
    return missing


def _question_complete_in(question: s.QuestionSource, lang: str) -> bool:
    """Text, explanation and the type's own parts (choices, steps, answers) in lang."""
    text = question.texts.get(lang)
    if text is None or not text.text.strip() or not text.explanation.strip():
        return False
    kind = question_types.kind_named(question.type)
    return kind is None or kind.complete_in(question, lang)


def upsert_lesson(source: s.ModuleSource, old_slug: str | None, lesson: s.LessonSource) -> None:
    """Replace the lesson called old_slug (or add it at the end)."""
    if lesson.slug != old_slug and any(x.slug == lesson.slug for x in source.lessons):
        raise DomainError("lesson_slug_taken")
    for index, existing in enumerate(source.lessons):
        if existing.slug == old_slug:
            # The text form does not carry the recordings: each language keeps its own.
            for lang, text in lesson.texts.items():
                if lang in existing.texts and not text.audio:
                    text.audio = existing.texts[lang].audio
            source.lessons[index] = replace(lesson, position=existing.position)
            # Questions that name the lesson follow it to its new slug.
            for question in source.questions:
                if old_slug and question.lesson == old_slug:
                    question.lesson = lesson.slug
            return
    lesson.position = len(source.lessons) + 1
    source.lessons.append(lesson)


def forget_lesson(source: s.ModuleSource, slug: str) -> None:
    """A lesson left the draft: its questions no longer name it (they would not publish)."""
    for question in source.questions:
        if question.lesson == slug:
            question.lesson = ""


def upsert_question(
    source: s.ModuleSource, old_key: str | None, question: s.QuestionSource
) -> None:
    if question.key != old_key and any(q.key == question.key for q in source.questions):
        raise DomainError("question_key_taken")
    for index, existing in enumerate(source.questions):
        if existing.key == old_key:
            source.questions[index] = replace(question, position=existing.position)
            return
    question.position = len(source.questions)
    source.questions.append(question)


def move(items: list, index: int, step: int) -> None:
    """Swap the item with its neighbour; positions follow the list order."""
    target = index + step
    if 0 <= index < len(items) and 0 <= target < len(items):
        items[index], items[target] = items[target], items[index]
    for position, item in enumerate(items, start=1):
        item.position = position


def unique_key(source: s.ModuleSource, base: str) -> str:
    base = re.sub(r"[^a-z0-9]+", "-", base.lower()).strip("-")[:60] or "question"
    taken = {q.key for q in source.questions}
    key, number = base, 2
    while key in taken:
        key, number = f"{base}-{number}", number + 1
    return key


def validate(source: s.ModuleSource) -> s.ModuleSource:
    """Run the draft through the course-file checks; return the source as files read it."""
    with tempfile.TemporaryDirectory() as folder:
        write_module(source, Path(folder))
        try:
            (checked,) = load_courses(Path(folder))
        except s.ContentError as exc:
            raise PublishProblems(exc.problems) from exc
    return checked


def publish(module: Module, draft: ModuleDraft, user: User, media_dir: Path) -> Module:
    """Make the draft the module's new published version; the draft is then gone."""
    require_author(user, module)
    if module.published_at is not None and draft.base_version != module.version:
        raise DomainError("draft_out_of_date")
    # Pictures uploaded in the editor are linked as /media/<name>: carry them along as
    # the module's images/, the way course files hold them.
    checked = validate(with_local_images(load(draft), media_dir))
    apply_module(checked, media_dir, ImportReport(), origin="web", user=user)
    # Lessons retired or brought back change every learner's count of lessons done.
    progress.refresh_modules([module.id])
    db.session.delete(draft)
    _record("module_publish", user, module)
    db.session.flush()
    return module


def archive(module: Module, user: User) -> None:
    """Take a published module away from learners; its records and certificates stay.

    The draft, if any, is kept for when the module is restored.
    """
    require_author(user, module)
    if module.status != ModuleStatus.PUBLISHED:
        raise DomainError("not_published")
    module.status = ModuleStatus.ARCHIVED
    module.updated_at = utcnow()
    _record("module_archive", user, module)
    db.session.flush()


def restore(module: Module, user: User) -> None:
    """Show an archived module to learners again, as it was when archived."""
    require_author(user, module)
    if module.status != ModuleStatus.ARCHIVED:
        raise DomainError("not_archived")
    module.status = ModuleStatus.PUBLISHED
    module.updated_at = utcnow()
    _record("module_restore", user, module)
    db.session.flush()


def archived_modules() -> list[Module]:
    return list(
        db.session.scalars(
            select(Module).where(Module.status == ModuleStatus.ARCHIVED).order_by(Module.slug)
        )
    )


def discard(draft: ModuleDraft, user: User) -> None:
    module = db.session.get(Module, draft.module_id)
    require_author(user, module)
    db.session.delete(draft)
    # A never-published module goes with its draft: the event keeps its area, not its id.
    _record("draft_discard", user, module, module.slug)
    if module.status == ModuleStatus.DRAFT:
        db.session.delete(module)  # never published: nothing else refers to it
    db.session.flush()


def versions(module: Module) -> list[tuple[ModuleVersion, User | None]]:
    rows = db.session.execute(
        select(ModuleVersion, User)
        .outerjoin(User, User.id == ModuleVersion.published_by_id)
        .where(ModuleVersion.module_id == module.id)
        .order_by(ModuleVersion.version.desc(), ModuleVersion.id.desc())
    ).all()
    return [(v, u) for v, u in rows]


@dataclass
class PreviewChoice:
    text_html: str
    feedback_html: str
    is_correct: bool


@dataclass
class PreviewQuestion:
    key: str
    type: str
    points: int
    language: str
    text_html: str
    explanation_html: str
    answers: list[str]
    choices: list[PreviewChoice] = field(default_factory=list)
    preview_template: str = ""  # the type's partial: the question as learners see it
    key_template: str = ""  # the type's partial: its right answer


def rendered_questions(source: s.ModuleSource, language: str) -> list[PreviewQuestion]:
    """The draft's pool in one language (else the main one), rendered and sanitised as
    the import renders it for learners."""
    rendered = []
    for question in source.questions:
        lang = next(
            (x for x in (language, source.default_language) if x in question.texts),
            next(iter(question.texts), language),
        )
        text = question.texts.get(lang) or s.QuestionText("", "", [])
        kind = question_types.kind_named(question.type) or question_types.KINDS[QuestionType.SINGLE]
        choices = []
        for choice in question.choices:
            words = choice.texts.get(lang) or s.ChoiceText("", "")
            choices.append(
                PreviewChoice(
                    markdown.render_inline(words.text),
                    markdown.render_inline(words.feedback) if words.feedback else "",
                    choice.is_correct,
                )
            )
        rendered.append(
            PreviewQuestion(
                key=question.key,
                type=question.type,
                points=question.points,
                language=lang,
                text_html=markdown.render(text.text),
                explanation_html=markdown.render(text.explanation) if text.explanation else "",
                answers=list(text.answers),
                choices=choices,
                preview_template=kind.preview_template,
                key_template=kind.key_template,
            )
        )
    return rendered
