"""Notice, in every session, changes to what workers keep in memory, and change the stamps.

Content (modules, lessons, job aids, quizzes and their texts): the database stamp is
changed in the same transaction, and the Redis one after the commit. People (the person
and their roles): the Redis stamp after the commit; without Redis nobody keeps people in
memory. ORM changes name the person; a bulk statement on people changes everyone's stamp.
"""

from __future__ import annotations

from flask import current_app, has_app_context
from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction

from learnapp.cache import stamps
from learnapp.models import (
    Choice,
    ChoiceText,
    JobAid,
    JobAidText,
    Lesson,
    LessonProgress,
    LessonText,
    Module,
    ModuleText,
    Question,
    QuestionText,
    Quiz,
    RoleGrant,
    User,
)

CONTENT_CLASSES = (
    Module,
    ModuleText,
    Lesson,
    LessonText,
    JobAid,
    JobAidText,
    Quiz,
    Question,
    QuestionText,
    Choice,
    ChoiceText,
)
CONTENT_TABLES = frozenset(cls.__table__.name for cls in CONTENT_CLASSES)
PEOPLE_TABLES = frozenset({User.__table__.name, RoleGrant.__table__.name})
PROGRESS_TABLE = LessonProgress.__table__.name
# Execution option naming whose done lessons a statement changes (see _note_statement).
LEARNER_OPTION = "learner"

_PENDING = "cache_stamps_pending"


def _pending(session: Session) -> set[str]:
    return session.info.setdefault(_PENDING, set())


def content_changed(session: Session) -> bool:
    """Whether this session's transaction has changed content not yet committed: what it
    reads must then not be kept for other requests."""
    return stamps.CONTENT in session.info.get(_PENDING, ())


def progress_changed(session: Session, user_id: int) -> bool:
    """Whether this session's transaction has changed the person's done lessons: they
    must then be read from the transaction, not from memory."""
    pending = session.info.get(_PENDING, ())
    return stamps.progress_key(user_id) in pending or stamps.PEOPLE in pending


def _note_flush(session: Session, _context, _instances) -> None:  # noqa: ANN001
    names: set[str] = set()
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, CONTENT_CLASSES):
            if obj in session.dirty and not session.is_modified(obj):
                continue
            names.add(stamps.CONTENT)
        elif isinstance(obj, User) and obj.id is not None:
            names.add(stamps.person_key(obj.id))
        elif isinstance(obj, LessonProgress):
            user_id = obj.user_id
            names.add(stamps.progress_key(user_id) if user_id is not None else stamps.PEOPLE)
        elif isinstance(obj, RoleGrant):
            user_id = obj.user_id if obj.user_id is not None else getattr(obj.user, "id", None)
            names.add(stamps.person_key(user_id) if user_id is not None else stamps.PEOPLE)
    _record(session, names)


def _note_statement(state) -> None:  # noqa: ANN001
    if not (state.is_insert or state.is_update or state.is_delete):
        return
    name = getattr(getattr(state.statement, "table", None), "name", None)
    if name in CONTENT_TABLES:
        _record(state.session, {stamps.CONTENT})
    elif name in PEOPLE_TABLES and not state.is_insert:
        # New rows are nobody's cached copy; changed or removed ones may be anyone's.
        _record(state.session, {stamps.PEOPLE})
    elif name == PROGRESS_TABLE:
        # A new row changes its learner's done lessons too. "Mark as done" names the
        # learner; a statement that does not may have changed anyone's.
        learner = state.execution_options.get(LEARNER_OPTION)
        _record(
            state.session,
            {stamps.progress_key(learner) if learner is not None else stamps.PEOPLE},
        )


def _record(session: Session, names: set[str]) -> None:
    if not names:
        return
    pending = _pending(session)
    if stamps.CONTENT in names and has_app_context():
        # In the transaction itself: a worker that reads the new content reads the new
        # stamp with it, or an older one it will not match for long.
        stamps.bump_in_database(session, stamps.CONTENT)
    pending |= names


def _after_commit(session: Session) -> None:
    names = session.info.pop(_PENDING, None)
    if not names or not has_app_context():
        return
    store = current_app.extensions.get("cache_stamps")
    if store is None:
        return
    try:
        store.bump(sorted(names))
    except stamps.redis_errors() as exc:
        # Committed already: the copies in memory expire on their own (MAX_AGE_SECONDS).
        current_app.logger.error("cache stamps not changed for %s: %s", sorted(names), exc)


def _forget(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:
        session.info.pop(_PENDING, None)


event.listen(Session, "before_flush", _note_flush)
event.listen(Session, "do_orm_execute", _note_statement)
event.listen(Session, "after_commit", _after_commit)
event.listen(Session, "after_transaction_end", _forget)
