"""A learner's progress: lessons done, module completion, certificates, what is next."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from learnapp import db, site_settings
from learnapp.cache.content import published
from learnapp.learn import certificate_codes, done_lessons, progress, requirements
from learnapp.models import (
    Certificate,
    CompletionRule,
    Lesson,
    LessonProgress,
    Module,
    Quiz,
    User,
)
from learnapp.models.base import utcnow
from learnapp.org.scope import chain_names
from learnapp.quiz import services as quiz_services


@dataclass
class ModuleState:
    module: Module
    lessons_total: int
    lessons_done: int
    quiz: Quiz | None
    best_percent: int | None
    quiz_passed: bool
    certificate: Certificate | None
    due_on: date | None

    @property
    def is_complete(self) -> bool:
        return self.certificate is not None

    @property
    def steps_total(self) -> int:
        rule = self.module.completion_rule
        return (self.lessons_total if rule != CompletionRule.QUIZ else 0) + (
            1 if self.quiz is not None and rule != CompletionRule.LESSONS else 0
        )

    @property
    def steps_done(self) -> int:
        if self.is_complete:
            return self.steps_total
        rule = self.module.completion_rule
        return (self.lessons_done if rule != CompletionRule.QUIZ else 0) + (
            1 if self.quiz_passed and rule != CompletionRule.LESSONS else 0
        )

    @property
    def is_required(self) -> bool:
        return self.due_on is not None

    def is_overdue(self, today: date) -> bool:
        return requirements.is_overdue(self.due_on, self.is_complete, today)


def active_lessons(module: Module) -> list[Lesson]:
    return [lesson for lesson in module.lessons if not lesson.is_retired]


def done_lesson_ids(user: User, modules: list[Module] | None = None) -> set[int]:
    """The lessons the user has done: all of them, or those of the given modules."""
    done = done_lessons.of(user.id)
    if modules is None:
        return set(done)
    return done.intersection(x.id for m in modules for x in m.lessons)


def _done_online(
    user: User, modules: list[Module]
) -> tuple[set[int], dict[int, Quiz], dict[int, tuple[int | None, bool]]]:
    """What the user has done online in the modules: the lessons done, each module's quiz
    (by module id) and the best attempt at each quiz (by quiz id)."""
    module_ids = [m.id for m in modules]
    done = done_lesson_ids(user, modules)
    content = published()
    quizzes = {mid: content.quizzes[mid] for mid in module_ids if mid in content.quizzes}
    elsewhere = [mid for mid in module_ids if content.by_id(mid) is None]
    if elsewhere:
        quizzes.update(
            (q.module_id, q)
            for q in db.session.scalars(select(Quiz).where(Quiz.module_id.in_(elsewhere)))
        )
    best = quiz_services.best_attempts(user, [q.id for q in quizzes.values()])
    return done, quizzes, best


def module_states(user: User, modules: list[Module]) -> list[ModuleState]:
    """Progress in each module, from a fixed number of queries whatever the count.

    Quizzes of published modules come from the content in memory; only those of other
    modules (archived since) are read from the database.
    """
    module_ids = [m.id for m in modules]
    done, quizzes, best = _done_online(user, modules)
    certificates = {
        c.module_id: c
        for c in db.session.scalars(
            select(Certificate).where(
                Certificate.user_id == user.id, Certificate.module_id.in_(module_ids)
            )
        )
    }
    dues = requirements.due_dates(user)
    states = []
    for module in modules:
        lessons = active_lessons(module)
        quiz = quizzes.get(module.id)
        best_percent, passed = best.get(quiz.id, (None, False)) if quiz else (None, False)
        states.append(
            ModuleState(
                module=module,
                lessons_total=len(lessons),
                lessons_done=sum(1 for lesson in lessons if lesson.id in done),
                quiz=quiz,
                best_percent=best_percent,
                quiz_passed=passed,
                certificate=certificates.get(module.id),
                due_on=dues.get(module.id),
            )
        )
    return states


def next_lesson(module: Module, done: set[int]) -> Lesson | None:
    return next((lesson for lesson in active_lessons(module) if lesson.id not in done), None)


def is_completed(states: list[ModuleState]) -> bool:
    """Completed as `learnapp.learn.requirements` defines it, from the published states."""
    required = [st for st in states if st.is_required]
    return requirements.is_completed(len(required), sum(st.is_complete for st in required))


def ordered_for_learner(states: list[ModuleState]) -> list[ModuleState]:
    """Required modules first, soonest due first; then the rest in course order."""
    return sorted(
        states,
        key=lambda st: (st.due_on is None, st.due_on or date.max, st.module.position),
    )


def record_lesson_done(user: User, lesson: Lesson) -> bool:
    """Mark the lesson done (idempotent); True if this call recorded it.

    The caller then runs `check_completion`, which brings the report row up to date.
    """
    # One statement whether or not the row exists: the same tap arriving twice, or racing
    # itself from two workers, inserts once and the other finds it there.
    recorded = db.session.execute(
        db.insert_ignoring_duplicates(LessonProgress, ("user_id", "lesson_id"))
        .values(user_id=user.id, lesson_id=lesson.id, lesson_version=lesson.version)
        .returning(LessonProgress.id)
        .execution_options(learner=user.id)  # every worker's copy of their lessons ends
    ).scalar()
    if recorded is None:
        return False
    user.last_active_at = utcnow()
    return True


def is_module_complete(user: User, module: Module) -> bool:
    """Whether the module's completion rule holds for the user, with a session attended
    where a requirement asks for one (see `requirements.what_counts`)."""
    needs_online, needs_attendance = requirements.what_counts(user, module.id)
    if needs_attendance and not requirements.has_attended(user.id, module.id):
        return False
    if not needs_online:
        return True
    # Only what the rule reads: not the due dates or certificates a page shows.
    done, quizzes, best = _done_online(user, [module])
    lessons_ok = all(lesson.id in done for lesson in active_lessons(module))
    quiz = quizzes.get(module.id)
    quiz_ok = quiz is not None and best.get(quiz.id, (None, False))[1]
    if module.completion_rule == CompletionRule.LESSONS:
        return lessons_ok
    if module.completion_rule == CompletionRule.QUIZ:
        return quiz_ok
    return lessons_ok and (quiz_ok or quiz is None)


def check_completion(user: User, module: Module) -> Certificate | None:
    """After any learner action in the module: issue the certificate if its rule now
    holds and none exists yet, and bring the learner's report row up to date.

    Returns the certificate issued by this call, or None.
    """
    # Serialise this learner's actions: a quiz submit racing "Mark as done" in the same
    # module must not compute the certificate or the report row from a stale view.
    progress.lock_learner(user.id)
    certificate = _issue_certificate_if_complete(user, module)
    progress.refresh(user.id, module.id)
    return certificate


def _issue_certificate_if_complete(user: User, module: Module) -> Certificate | None:
    existing = db.session.scalar(
        select(Certificate.id).where(
            Certificate.user_id == user.id, Certificate.module_id == module.id
        )
    )
    if existing is not None or not is_module_complete(user, module):
        return None
    issuer = {lang: name for lang, name in site_settings.issuer_names().items() if name}
    certificate = Certificate(
        code=certificate_codes.new_code(),
        user_id=user.id,
        module_id=module.id,
        issuer=issuer or None,
        area_id=user.area_id,
        area_name=area_label(user.area_id),
    )
    try:
        with db.session.begin_nested():
            db.session.add(certificate)
    except IntegrityError:
        return None  # issued by a concurrent request
    return certificate


def area_label(area_id: int | None) -> str | None:
    """The area and those above it, nearest first ("Lềm, Tân Thanh, Tuyên Quang")."""
    if area_id is None:
        return None
    names = chain_names(area_id, root_first=False)
    return ", ".join(names)[:400] or None


def certificate_by_code(code: str) -> Certificate | None:
    """The certificate a typed or scanned code names: exactly as printed (codes of every
    scheme), else read as Crockford base32 (any case, dashes optional, O for 0, I/L for 1)."""
    if not code or len(code) > 60:
        return None
    found = db.session.scalar(select(Certificate).where(Certificate.code == code))
    if found is not None:
        return found
    printed = certificate_codes.canonical(code)
    if printed is None or printed == code:
        return None
    return db.session.scalar(select(Certificate).where(Certificate.code == printed))


def completed_at(certificate: Certificate | None) -> datetime | None:
    return certificate.issued_at if certificate else None


def certificate_for(user: User, module: Module) -> Certificate | None:
    return db.session.scalar(
        select(Certificate).where(
            Certificate.user_id == user.id, Certificate.module_id == module.id
        )
    )
