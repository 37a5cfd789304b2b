"""A learner's own data, gathered for the download on their account page.

The download is one HTML file: a phone opens it in its browser without any other app
(a zip needs an unzipper, a CSV a spreadsheet), it reads as a document in the person's
language and prints, and it carries the same data as JSON inside it for anyone who
wants to move it elsewhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from learnapp import db
from learnapp.models import (
    AuditEvent,
    Certificate,
    Choice,
    Lesson,
    LessonProgress,
    Module,
    ModuleProgress,
    Question,
    Quiz,
    QuizAttempt,
    SessionAttendance,
    SessionSignup,
    TrainingSession,
    User,
)
from learnapp.org.scope import chain_names

# Every column referring to a person whose rows the download carries; the others are named
# in learnapp.privacy.deletion.HANDLED (tests/test_privacy_tables.py checks both).
EXPORTED: dict[tuple[str, str], str] = {
    ("user_account", "id"): "profile",
    ("role_grant", "user_id"): "profile: roles",
    ("lesson_progress", "user_id"): "lessons done",
    ("module_progress", "user_id"): "modules",
    ("quiz_attempt", "user_id"): "attempts with answers",
    ("certificate", "user_id"): "certificates",
    ("audit_event", "subject_user_id"): "events about the person",
    ("session_signup", "user_id"): "training sessions: sign-ups",
    ("session_attendance", "user_id"): "training sessions: attendance",
}


@dataclass
class Answer:
    question_html: str
    question_md: str
    chosen: list[tuple[str, str]]  # (html, markdown) of each choice ticked
    text_response: str | None
    is_correct: bool
    score: float


@dataclass
class Attempt:
    module: str
    started_at: datetime
    submitted_at: datetime | None
    status: str
    percent: int
    passed: bool
    answers: list[Answer]


def area_path(area_id: int | None) -> str:
    """'Tuyên Quang / Tân Thanh / Lềm' for the area, from the root down."""
    if area_id is None:
        return ""
    names = chain_names(area_id, root_first=True)
    return " / ".join(names)


def collect(person: User, language: str) -> dict:
    """Everything stored about the person, with module and question texts in the language."""
    modules = {m.id: m for m in db.session.scalars(select(Module))}

    def title(module_id: int) -> str:
        module = modules.get(module_id)
        return module.text(language).title if module else ""

    lessons = [
        {
            "module": title(lesson.module_id),
            "lesson": lesson.text(language).title,
            "completed_at": done.completed_at,
        }
        for done, lesson in db.session.execute(
            select(LessonProgress, Lesson)
            .join(Lesson, Lesson.id == LessonProgress.lesson_id)
            .where(LessonProgress.user_id == person.id)
            .order_by(LessonProgress.completed_at, Lesson.position)
        ).all()
    ]
    summaries = [
        {
            "module": title(row.module_id),
            "lessons_done": row.lessons_done,
            "attempts": row.attempts,
            "best_percent": row.best_percent,
            "passed": row.passed,
            "completed_at": row.completed_at,
        }
        for row in db.session.scalars(
            select(ModuleProgress).where(ModuleProgress.user_id == person.id)
        )
    ]
    certificates = [
        {"module": title(cert.module_id), "code": cert.code, "issued_at": cert.issued_at}
        for cert in db.session.scalars(
            select(Certificate)
            .where(Certificate.user_id == person.id)
            .order_by(Certificate.issued_at)
        )
    ]
    sessions = _sessions(person, title)
    events = [
        {"at": event.at, "action": event.action, "ip": event.ip, "detail": event.detail}
        for event in db.session.scalars(
            select(AuditEvent)
            .where(AuditEvent.subject_user_id == person.id)
            .order_by(AuditEvent.at, AuditEvent.id)
        )
    ]
    return {
        "profile": {
            "full_name": person.full_name,
            "username": person.username,
            "phone": person.phone,
            "area": area_path(person.area_id),
            "language": person.locale,
            "roles": sorted(f"{g.role.value} · {g.area.name}" for g in person.grants),
            "is_active": person.is_active,
            "created_at": person.created_at,
            "last_sign_in_at": person.last_sign_in_at,
            "last_active_at": person.last_active_at,
        },
        "modules": summaries,
        "lessons_done": lessons,
        "attempts": _attempts(person, language, modules),
        "certificates": certificates,
        "training_sessions": sessions,
        "events": events,
    }


def _sessions(person: User, title) -> list[dict]:  # noqa: ANN001
    """Each training session the person signed up for or has a register mark at."""
    signups = {
        row.session_id: row.status.value
        for row in db.session.scalars(
            select(SessionSignup).where(SessionSignup.user_id == person.id)
        )
    }
    marks = {
        row.session_id: row
        for row in db.session.scalars(
            select(SessionAttendance).where(SessionAttendance.user_id == person.id)
        )
    }
    ids = set(signups) | set(marks)
    if not ids:
        return []
    return [
        {
            "module": title(session.module_id),
            # Vietnam wall-clock time, as the session was scheduled.
            "starts_at_local": session.starts_at.strftime("%Y-%m-%d %H:%M"),
            "place": session.place,
            "cancelled": session.is_cancelled,
            "sign_up": signups.get(session.id),
            "attendance": marks[session.id].status.value if session.id in marks else None,
            "reason": marks[session.id].reason if session.id in marks else None,
        }
        for session in db.session.scalars(
            select(TrainingSession)
            .where(TrainingSession.id.in_(ids))
            .order_by(TrainingSession.starts_at)
        )
    ]


def _attempts(person: User, language: str, modules: dict[int, Module]) -> list[Attempt]:
    rows = db.session.execute(
        select(QuizAttempt, Quiz.module_id)
        .join(Quiz, Quiz.id == QuizAttempt.quiz_id)
        .where(QuizAttempt.user_id == person.id)
        .order_by(QuizAttempt.started_at, QuizAttempt.id)
    ).all()
    question_ids = {answer.question_id for attempt, _ in rows for answer in attempt.answers}
    questions = {
        q.id: q for q in db.session.scalars(select(Question).where(Question.id.in_(question_ids)))
    }
    choice_ids = {c.choice_id for attempt, _ in rows for a in attempt.answers for c in a.chosen}
    choices = {c.id: c for c in db.session.scalars(select(Choice).where(Choice.id.in_(choice_ids)))}
    attempts = []
    for attempt, module_id in rows:
        module = modules.get(module_id)
        default = module.default_language if module else language
        answers = []
        for answer in sorted(attempt.answers, key=lambda a: a.id):
            question = questions.get(answer.question_id)
            text = question.text(language, default) if question else None
            chosen = []
            for link in answer.chosen:
                choice = choices.get(link.choice_id)
                if choice is not None:
                    words = choice.text(language, default)
                    chosen.append((words.text_html, words.text_md))
            answers.append(
                Answer(
                    question_html=text.text_html if text else "",
                    question_md=text.text_md if text else "",
                    chosen=chosen,
                    text_response=answer.text_response,
                    is_correct=answer.is_correct,
                    score=answer.score,
                )
            )
        attempts.append(
            Attempt(
                module=module.text(language).title if module else "",
                started_at=attempt.started_at,
                submitted_at=attempt.submitted_at,
                status=attempt.status.value,
                percent=attempt.percent,
                passed=attempt.passed,
                answers=answers,
            )
        )
    return attempts


def as_json(data: dict) -> dict:
    """The collected data with plain JSON values (dates as ISO text, UTC)."""

    def plain(value):
        if isinstance(value, datetime):
            return value.isoformat(timespec="seconds") + "Z"
        if isinstance(value, dict):
            return {k: plain(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [plain(v) for v in value]
        if isinstance(value, Attempt):
            return plain(
                {
                    "module": value.module,
                    "started_at": value.started_at,
                    "submitted_at": value.submitted_at,
                    "status": value.status,
                    "percent": value.percent,
                    "passed": value.passed,
                    "answers": [
                        {
                            "question": a.question_md,
                            "chosen": [md for _html, md in a.chosen],
                            "text_response": a.text_response,
                            "is_correct": a.is_correct,
                            "score": a.score,
                        }
                        for a in value.answers
                    ],
                }
            )
        return value

    return plain(data)
