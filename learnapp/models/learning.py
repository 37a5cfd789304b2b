"""What learners did: lessons done, quiz attempts, certificates; and what they must do."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from learnapp.db import Base
from learnapp.models.base import str_enum, utcnow
from learnapp.models.content import Module

# A newcomer's days to meet a requirement whose date has passed (admins may change it).
DEFAULT_ESCALATE_DAYS = 14
DEFAULT_GRACE_DAYS = 30


class Requirement(enum.StrEnum):
    """What an assignment asks for: the module online, a session attended, or both."""

    ONLINE = "online"
    IN_PERSON = "in_person"
    BOTH = "both"


class AttemptStatus(enum.StrEnum):
    OPEN = "open"
    SUBMITTED = "submitted"


class LessonProgress(Base):
    __tablename__ = "lesson_progress"
    __table_args__ = (
        UniqueConstraint("user_id", "lesson_id"),
        Index("ix_lesson_progress_lesson", "lesson_id", "user_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lesson.id", ondelete="CASCADE"))
    lesson_version: Mapped[int] = mapped_column(Integer, default=1)
    completed_at: Mapped[datetime] = mapped_column(default=utcnow)


class QuizAttempt(Base):
    __tablename__ = "quiz_attempt"
    __table_args__ = (
        # At most one open attempt per learner and quiz, whatever races the requests run.
        Index(
            "uq_quiz_attempt_open",
            "user_id",
            "quiz_id",
            unique=True,
            sqlite_where=text("status = 'open'"),
            postgresql_where=text("status = 'open'"),
        ),
        Index("ix_quiz_attempt_user_quiz", "user_id", "quiz_id", "status"),
        Index("ix_quiz_attempt_quiz", "quiz_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    quiz_id: Mapped[int] = mapped_column(ForeignKey("quiz.id", ondelete="CASCADE"))
    status: Mapped[AttemptStatus] = mapped_column(
        str_enum(AttemptStatus), default=AttemptStatus.OPEN
    )
    language: Mapped[str] = mapped_column(String(5))
    # The drawn questions and each one's choice order: [[question_id, [choice_id, ...]], ...]
    layout: Mapped[list] = mapped_column(JSON)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    deadline_at: Mapped[datetime | None]
    submitted_at: Mapped[datetime | None]
    score: Mapped[float] = mapped_column(Float, default=0.0)
    max_score: Mapped[float] = mapped_column(Float, default=0.0)
    percent: Mapped[int] = mapped_column(Integer, default=0)
    passed: Mapped[bool] = mapped_column(default=False)
    # Touched by every save while the attempt is open: the guarded UPDATE that refuses a
    # save to a submitted attempt, and the row lock that orders it against the submit.
    answers_saved_at: Mapped[datetime | None]
    # Answered on the phone without a network and sent later (offline.sync).
    submitted_offline: Mapped[bool] = mapped_column(default=False, server_default=false())

    answers: Mapped[list[AttemptAnswer]] = relationship(
        cascade="all, delete-orphan", lazy="selectin"
    )


class AttemptAnswer(Base):
    __tablename__ = "attempt_answer"
    __table_args__ = (
        UniqueConstraint("attempt_id", "question_id"),
        Index("ix_attempt_answer_question", "question_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("quiz_attempt.id", ondelete="CASCADE"))
    question_id: Mapped[int] = mapped_column(ForeignKey("question.id", ondelete="CASCADE"))
    text_response: Mapped[str | None] = mapped_column(String(500))
    score: Mapped[float] = mapped_column(Float, default=0.0)
    is_correct: Mapped[bool] = mapped_column(default=False)

    chosen: Mapped[list[AnswerChoice]] = relationship(cascade="all, delete-orphan", lazy="selectin")


class SavedAnswer(Base):
    """An answer given while the attempt is open, saved as the learner goes so that a
    dropped connection or a trip away loses nothing; graded only at submit."""

    __tablename__ = "saved_answer"

    attempt_id: Mapped[int] = mapped_column(
        ForeignKey("quiz_attempt.id", ondelete="CASCADE"), primary_key=True
    )
    question_id: Mapped[int] = mapped_column(
        ForeignKey("question.id", ondelete="CASCADE"), primary_key=True
    )
    # The form values as the page sends them: choice ids as text, or the typed answer.
    answer_values: Mapped[list] = mapped_column(JSON)
    saved_at: Mapped[datetime] = mapped_column(default=utcnow)


class AnswerChoice(Base):
    """A choice ticked in an answer: kept as rows so statistics are plain SQL."""

    __tablename__ = "answer_choice"
    __table_args__ = (Index("ix_answer_choice_choice", "choice_id"),)

    answer_id: Mapped[int] = mapped_column(
        ForeignKey("attempt_answer.id", ondelete="CASCADE"), primary_key=True
    )
    choice_id: Mapped[int] = mapped_column(
        ForeignKey("choice.id", ondelete="CASCADE"), primary_key=True
    )
    # The place the learner gave this step, for an ordering question (1 = first); None
    # for a ticked choice.
    position: Mapped[int | None] = mapped_column(Integer, nullable=True)


class Certificate(Base):
    __tablename__ = "certificate"
    __table_args__ = (UniqueConstraint("user_id", "module_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    module_id: Mapped[int] = mapped_column(ForeignKey("module.id", ondelete="CASCADE"))
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Kept as they were at issue: a later move or a renamed body does not rewrite the
    # certificate. NULL on certificates issued before these were recorded.
    issuer: Mapped[dict | None] = mapped_column(JSON)  # language -> name of the body
    area_id: Mapped[int | None] = mapped_column(ForeignKey("area.id", ondelete="SET NULL"))
    area_name: Mapped[str | None] = mapped_column(String(400))

    def issuer_in(self, language: str) -> str | None:
        """The issuing body's name in the language, else in any language it was given in."""
        names = self.issuer or {}
        return names.get(language) or next((n for n in names.values() if n), None)


class Assignment(Base):
    """A module required of every learner in an area and below, by a date."""

    __tablename__ = "assignment"
    __table_args__ = (UniqueConstraint("module_id", "area_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("module.id", ondelete="CASCADE"))
    area_id: Mapped[int] = mapped_column(ForeignKey("area.id", ondelete="CASCADE"), index=True)
    due_on: Mapped[date]
    # Days a person placed in the area later gets, counted from the day they joined:
    # their due date is the later of due_on and that (see learnapp.learn.requirements).
    grace_days: Mapped[int] = mapped_column(
        Integer, default=DEFAULT_GRACE_DAYS, server_default=text(str(DEFAULT_GRACE_DAYS))
    )
    # Online only unless said otherwise, so every requirement made before sessions
    # existed keeps its meaning.
    requirement: Mapped[Requirement] = mapped_column(
        str_enum(Requirement), default=Requirement.ONLINE, server_default=Requirement.ONLINE.value
    )
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Days past a person's due date after which their commune committee is asked to call
    # them (learnapp.notify): on the weekly digest and the "needs a call" list.
    escalate_after_days: Mapped[int] = mapped_column(
        Integer, default=DEFAULT_ESCALATE_DAYS, server_default=text(str(DEFAULT_ESCALATE_DAYS))
    )

    module: Mapped[Module] = relationship()


class ModuleProgress(Base):
    """One row per learner and module, kept current by the learner services.

    Reports aggregate these few rows per learner instead of every lesson and attempt
    row; `learnapp.learn.progress.rebuild` recomputes them all from the source tables.
    """

    __tablename__ = "module_progress"
    __table_args__ = (Index("ix_module_progress_module", "module_id", "user_id"),)

    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True
    )
    module_id: Mapped[int] = mapped_column(
        ForeignKey("module.id", ondelete="CASCADE"), primary_key=True
    )
    lessons_done: Mapped[int] = mapped_column(Integer, default=0)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    best_percent: Mapped[int | None] = mapped_column(Integer)
    passed: Mapped[bool] = mapped_column(default=False)
    completed_at: Mapped[datetime | None]
    last_activity_at: Mapped[datetime | None]


class AreaProgress(Base):
    """The figures of the learners placed directly on one area (a village, as a rule).

    A committee page sums these rows over its subtree instead of reading every learner's
    rows. Recomputed from module_progress and the requirements for the one area after
    each learner action, never incremented (`learnapp.learn.rollups`); overdue counts
    hold for `computed_on`, the Vietnam date the daily job recomputes them for.
    """

    __tablename__ = "area_progress"

    area_id: Mapped[int] = mapped_column(
        ForeignKey("area.id", ondelete="CASCADE"), primary_key=True
    )
    learners: Mapped[int] = mapped_column(Integer, default=0)
    completed: Mapped[int] = mapped_column(Integer, default=0)
    in_progress: Mapped[int] = mapped_column(Integer, default=0)
    not_started: Mapped[int] = mapped_column(Integer, default=0)
    overdue: Mapped[int] = mapped_column(Integer, default=0)
    certificates: Mapped[int] = mapped_column(Integer, default=0)
    optional_done: Mapped[int] = mapped_column(Integer, default=0)
    needed: Mapped[int] = mapped_column(Integer, default=0)
    needed_done: Mapped[int] = mapped_column(Integer, default=0)
    # Sum and count of the learners' average best scores, so sums over areas average right.
    best_sum: Mapped[float | None] = mapped_column(Float)
    best_count: Mapped[int] = mapped_column(Integer, default=0)
    computed_on: Mapped[date]


class AreaModuleProgress(Base):
    """The figures of one published module among the learners placed on one area."""

    __tablename__ = "area_module_progress"
    __table_args__ = (Index("ix_area_module_progress_module", "module_id", "area_id"),)

    area_id: Mapped[int] = mapped_column(
        ForeignKey("area.id", ondelete="CASCADE"), primary_key=True
    )
    module_id: Mapped[int] = mapped_column(
        ForeignKey("module.id", ondelete="CASCADE"), primary_key=True
    )
    learners: Mapped[int] = mapped_column(Integer, default=0)
    required: Mapped[int] = mapped_column(Integer, default=0)
    completed: Mapped[int] = mapped_column(Integer, default=0)
    in_progress: Mapped[int] = mapped_column(Integer, default=0)
    not_started: Mapped[int] = mapped_column(Integer, default=0)
    overdue: Mapped[int] = mapped_column(Integer, default=0)
    required_done: Mapped[int] = mapped_column(Integer, default=0)
    best_sum: Mapped[int | None] = mapped_column(Integer)
    best_count: Mapped[int] = mapped_column(Integer, default=0)
    computed_on: Mapped[date]
