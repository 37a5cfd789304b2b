"""Modules, lessons, job aids and quizzes, with their text per language.

Identity rows (Module, Lesson, Question, Choice) hold what is the same in every
language; *Text rows hold one language's words and their rendered, sanitised HTML,
so Markdown is rendered once per version, never per request.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from learnapp.db import Base
from learnapp.i18n import by_language, in_language
from learnapp.models.base import str_enum, utcnow


class ModuleStatus(enum.StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    ARCHIVED = "archived"


class CompletionRule(enum.StrEnum):
    LESSONS_AND_QUIZ = "lessons_and_quiz"
    LESSONS = "lessons"
    QUIZ = "quiz"


class QuestionType(enum.StrEnum):
    SINGLE = "single"
    MULTIPLE = "multiple"
    TRUEFALSE = "truefalse"
    SHORT = "short"
    ORDERING = "ordering"


class MatchMode(enum.StrEnum):
    LOOSE = "loose"
    DIACRITICS = "diacritics"
    EXACT = "exact"


class Module(Base):
    __tablename__ = "module"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    default_language: Mapped[str] = mapped_column(String(5), default="vi")
    completion_rule: Mapped[CompletionRule] = mapped_column(
        str_enum(CompletionRule), default=CompletionRule.LESSONS_AND_QUIZ
    )
    status: Mapped[ModuleStatus] = mapped_column(
        str_enum(ModuleStatus), default=ModuleStatus.PUBLISHED
    )
    version: Mapped[int] = mapped_column(Integer, default=1)
    # Hash of the content last published (learnapp.content.sources.content_hash), so a
    # second import of the same files, or of an export, is a no-op.
    source_hash: Mapped[str] = mapped_column(String(64), default="")
    # Where the published version came from: "files" (import-courses) or "web" (editor).
    # An import never silently replaces a version published from the web.
    origin: Mapped[str] = mapped_column(String(10), default="files", server_default="files")
    published_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    # The top-level area whose trainers and admins may change the module, and whose
    # admins see its changes in the audit log. None for modules from course files:
    # every top-level author may change those, and the top-level admins see it.
    owner_area_id: Mapped[int | None] = mapped_column(ForeignKey("area.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    published_at: Mapped[datetime | None]

    texts: Mapped[list[ModuleText]] = relationship(cascade="all, delete-orphan", lazy="selectin")
    lessons: Mapped[list[Lesson]] = relationship(
        back_populates="module", order_by="Lesson.position", cascade="all, delete-orphan"
    )
    quiz: Mapped[Quiz | None] = relationship(back_populates="module", uselist=False)

    def text(self, language: str) -> ModuleText:
        """This module's words in the language, else in its default language."""
        return in_language(by_language(self.texts), language, self.default_language)

    def languages(self) -> list[str]:
        return sorted(t.language for t in self.texts)


class ModuleText(Base):
    __tablename__ = "module_text"

    module_id: Mapped[int] = mapped_column(
        ForeignKey("module.id", ondelete="CASCADE"), primary_key=True
    )
    language: Mapped[str] = mapped_column(String(5), primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text, default="")


class Lesson(Base):
    __tablename__ = "lesson"
    __table_args__ = (UniqueConstraint("module_id", "slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("module.id", ondelete="CASCADE"))
    slug: Mapped[str] = mapped_column(String(80))
    position: Mapped[int] = mapped_column(Integer, default=0)
    minutes: Mapped[int] = mapped_column(Integer, default=5)
    version: Mapped[int] = mapped_column(Integer, default=1)
    # A lesson removed from the files is retired, so past progress stays reportable.
    is_retired: Mapped[bool] = mapped_column(default=False)

    module: Mapped[Module] = relationship(back_populates="lessons")
    texts: Mapped[list[LessonText]] = relationship(cascade="all, delete-orphan", lazy="selectin")

    def text(self, language: str) -> LessonText:
        return in_language(by_language(self.texts), language, self.module.default_language)


class LessonText(Base):
    __tablename__ = "lesson_text"

    lesson_id: Mapped[int] = mapped_column(
        ForeignKey("lesson.id", ondelete="CASCADE"), primary_key=True
    )
    language: Mapped[str] = mapped_column(String(5), primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    objective: Mapped[str] = mapped_column(Text, default="")
    # Deferred: lists of lessons need titles, not every lesson's whole text.
    body_md: Mapped[str] = mapped_column(Text, deferred=True)
    body_html: Mapped[str] = mapped_column(Text, deferred=True)
    content_hash: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The recording of this language ("/media/<name>.mp3"), "" for none: the lesson page
    # plays it, and an offline module stores it (learnapp.content.audio).
    audio_url: Mapped[str] = mapped_column(String(100), default="", server_default="")


class JobAid(Base):
    """A printable template or card that belongs to a module."""

    __tablename__ = "job_aid"
    __table_args__ = (UniqueConstraint("module_id", "slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("module.id", ondelete="CASCADE"))
    slug: Mapped[str] = mapped_column(String(80))
    position: Mapped[int] = mapped_column(Integer, default=0)
    is_retired: Mapped[bool] = mapped_column(default=False)

    texts: Mapped[list[JobAidText]] = relationship(cascade="all, delete-orphan", lazy="selectin")


class JobAidText(Base):
    __tablename__ = "job_aid_text"

    job_aid_id: Mapped[int] = mapped_column(
        ForeignKey("job_aid.id", ondelete="CASCADE"), primary_key=True
    )
    language: Mapped[str] = mapped_column(String(5), primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    body_md: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    content_hash: Mapped[str] = mapped_column(String(64))


class Quiz(Base):
    __tablename__ = "quiz"

    id: Mapped[int] = mapped_column(primary_key=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("module.id", ondelete="CASCADE"), unique=True)
    pass_mark: Mapped[int] = mapped_column(Integer, default=70)
    draw_count: Mapped[int] = mapped_column(Integer, default=0)
    max_attempts: Mapped[int] = mapped_column(Integer, default=0)
    time_limit_minutes: Mapped[int] = mapped_column(Integer, default=0)

    module: Mapped[Module] = relationship(back_populates="quiz")
    questions: Mapped[list[Question]] = relationship(
        back_populates="quiz", order_by="Question.position", cascade="all, delete-orphan"
    )


class Question(Base):
    __tablename__ = "question"
    __table_args__ = (UniqueConstraint("quiz_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    quiz_id: Mapped[int] = mapped_column(ForeignKey("quiz.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(80))
    type: Mapped[QuestionType] = mapped_column(str_enum(QuestionType))
    points: Mapped[int] = mapped_column(Integer, default=1)
    position: Mapped[int] = mapped_column(Integer, default=0)
    match_mode: Mapped[MatchMode] = mapped_column(str_enum(MatchMode), default=MatchMode.LOOSE)
    is_retired: Mapped[bool] = mapped_column(default=False)
    # The slug of the module's lesson that teaches it ("" for none): the results page
    # sends a learner who got it wrong there.
    lesson_slug: Mapped[str] = mapped_column(String(80), default="", server_default="")

    quiz: Mapped[Quiz] = relationship(back_populates="questions")
    texts: Mapped[list[QuestionText]] = relationship(cascade="all, delete-orphan", lazy="selectin")
    choices: Mapped[list[Choice]] = relationship(
        order_by="Choice.position", cascade="all, delete-orphan", lazy="selectin"
    )

    def text(self, language: str, default_language: str) -> QuestionText:
        return in_language(by_language(self.texts), language, default_language)


class QuestionText(Base):
    __tablename__ = "question_text"

    question_id: Mapped[int] = mapped_column(
        ForeignKey("question.id", ondelete="CASCADE"), primary_key=True
    )
    language: Mapped[str] = mapped_column(String(5), primary_key=True)
    text_md: Mapped[str] = mapped_column(Text)
    text_html: Mapped[str] = mapped_column(Text)
    explanation_md: Mapped[str] = mapped_column(Text, default="")
    explanation_html: Mapped[str] = mapped_column(Text, default="")
    # Accepted answers of a short-answer question, as the author wrote them.
    accepted_answers: Mapped[list[str]] = mapped_column(JSON, default=list)


class Choice(Base):
    __tablename__ = "choice"
    __table_args__ = (UniqueConstraint("question_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("question.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    is_correct: Mapped[bool] = mapped_column(default=False)

    texts: Mapped[list[ChoiceText]] = relationship(cascade="all, delete-orphan", lazy="selectin")

    def text(self, language: str, default_language: str) -> ChoiceText:
        return in_language(by_language(self.texts), language, default_language)


class ChoiceText(Base):
    __tablename__ = "choice_text"

    choice_id: Mapped[int] = mapped_column(
        ForeignKey("choice.id", ondelete="CASCADE"), primary_key=True
    )
    language: Mapped[str] = mapped_column(String(5), primary_key=True)
    text_html: Mapped[str] = mapped_column(Text)
    text_md: Mapped[str] = mapped_column(Text)
    feedback_html: Mapped[str] = mapped_column(Text, default="")
    feedback_md: Mapped[str] = mapped_column(Text, default="")
