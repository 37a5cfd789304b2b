"""Published content kept in each worker's memory, for the learner's pages.

Content changes only when a module is published, imported, archived or edited; learners
read it on every page. A worker loads every published module once (lessons with their
bodies, job aids, the quiz with its questions and choices, in every language) and keeps
it while the content stamp stays the same, so a lesson page asks the database at most
for the learner's own progress (which learn.done_lessons keeps too, with Redis).

The copies are detached ORM objects, shared by every thread of the worker: read them,
never change them or hand them to a session (use their ids to write).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from learnapp import db
from learnapp.cache import stamps
from learnapp.cache.watch import content_changed
from learnapp.models import (
    JobAid,
    Lesson,
    LessonText,
    Module,
    ModuleStatus,
    Question,
    Quiz,
)


@dataclass(frozen=True)
class Published:
    """Every published module and what a learner reads of it, as of one stamp."""

    stamp: str
    modules: tuple[Module, ...]  # in course order
    loaded_at: float = field(default_factory=time.monotonic)
    by_slug: dict[str, Module] = field(default_factory=dict)
    modules_by_id: dict[int, Module] = field(default_factory=dict)
    quizzes_by_id: dict[int, Quiz] = field(default_factory=dict)
    quizzes: dict[int, Quiz] = field(default_factory=dict)  # by module id
    questions: dict[int, Question] = field(default_factory=dict)  # by id, retired too
    aids: dict[int, tuple[JobAid, ...]] = field(default_factory=dict)  # by module id
    # Parts of learners' pages rendered from this content (learnapp.page_parts.once):
    # they go when the content does.
    rendered: dict = field(default_factory=dict)

    def module(self, slug: str) -> Module | None:
        return self.by_slug.get(slug)

    def by_id(self, module_id: int) -> Module | None:
        return self.modules_by_id.get(module_id)

    def quiz_of(self, module_id: int) -> Quiz | None:
        return self.quizzes.get(module_id)

    def quiz_by_id(self, quiz_id: int) -> Quiz | None:
        return self.quizzes_by_id.get(quiz_id)

    def aid(self, module_id: int, slug: str) -> JobAid | None:
        return next((a for a in self.aids.get(module_id, ()) if a.slug == slug), None)


def _load(session: Session, stamp: str) -> Published:
    modules = list(
        session.scalars(
            select(Module)
            .where(Module.status == ModuleStatus.PUBLISHED)
            .order_by(Module.position, Module.slug)
            .options(
                selectinload(Module.lessons)
                .selectinload(Lesson.texts)
                .undefer(LessonText.body_html),
                selectinload(Module.quiz).selectinload(Quiz.questions),
            )
        )
    )
    ids = [m.id for m in modules]
    aids: dict[int, list[JobAid]] = {}
    for aid in session.scalars(
        select(JobAid)
        .where(JobAid.module_id.in_(ids), JobAid.is_retired.is_(False))
        .order_by(JobAid.module_id, JobAid.position)
    ):
        aids.setdefault(aid.module_id, []).append(aid)
    quizzes, questions = {}, {}
    for module in modules:
        # Back references resolve from the identity map now, with no statement; once
        # detached they could not load at all.
        for lesson in module.lessons:
            _ = lesson.module
        quiz = module.quiz
        if quiz is None:
            continue
        _ = quiz.module
        quizzes[module.id] = quiz
        for question in quiz.questions:
            _ = question.quiz
            questions[question.id] = question
    return Published(
        stamp=stamp,
        modules=tuple(modules),
        by_slug={m.slug: m for m in modules},
        modules_by_id={m.id: m for m in modules},
        quizzes_by_id={q.id: q for q in quizzes.values()},
        quizzes=quizzes,
        questions=questions,
        aids={key: tuple(value) for key, value in aids.items()},
    )


class ContentCache:
    """One worker's copy; threads share it and replace it whole, never in part."""

    def __init__(self) -> None:
        self._current: Published | None = None
        self._lock = threading.Lock()
        self.loads = 0  # how often the worker read the content (tests and benches count it)

    def get(self) -> Published:
        session = db.session()
        if content_changed(session):
            # This transaction changed content it has not committed: what it reads is
            # for this request alone.
            return self._read(session, stamp="")
        stamp = stamps.read([stamps.CONTENT])[stamps.CONTENT]
        current = self._current
        if self._serves(current, stamp):
            return current
        with self._lock:
            current = self._current
            if not self._serves(current, stamp):
                current = self._read(session, stamp)
                self._current = current
        return current

    @staticmethod
    def _serves(current: Published | None, stamp: str) -> bool:
        return (
            current is not None
            and bool(stamp)
            and current.stamp == stamp
            and time.monotonic() - current.loaded_at < stamps.MAX_AGE_SECONDS
        )

    def _read(self, session: Session, stamp: str) -> Published:
        # A session of its own on the request's connection: the same transaction (so the
        # same view as the stamp just read), and closing it detaches every copy at once.
        with Session(bind=session.connection()) as reader:
            published = _load(reader, stamp)
        self.loads += 1
        return published


def init_app(app) -> None:  # noqa: ANN001
    app.extensions["content_cache"] = ContentCache()


def published() -> Published:
    """The published content as of now, from this worker's memory where it is current."""
    return current_app.extensions["content_cache"].get()
