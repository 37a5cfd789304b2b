"""Deleting a person: an admin's explicit act, and its replay after a restore.

The person's name, phone, username, password, area, roles and training rows go. One row
stays in user_account as a nameless placeholder (deleted_at set) so that certificates
still verify ("issued, holder removed"), audit events keep pointing at one person with
the name blanked, and the id is never issued again (an old session cookie naming it must
never match a new account). Every session ends because the placeholder cannot sign in
and its session version moves on.
"""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import delete, func, or_, select

from learnapp import audit, db
from learnapp.errors import DomainError
from learnapp.models import (
    AuditEvent,
    LessonProgress,
    ModuleProgress,
    QuizAttempt,
    RoleGrant,
    SessionAttendance,
    SessionMarkReceipt,
    SessionNotice,
    SessionSignup,
    User,
)
from learnapp.models.base import utcnow
from learnapp.privacy import deletion_log

# What deletion does with every column that refers to a person (tests/test_privacy_tables.py
# fails when a table gains such a column and neither this nor the export names it).
HANDLED: dict[tuple[str, str], str] = {
    ("user_account", "id"): "kept as a nameless placeholder",
    ("role_grant", "user_id"): "deleted",
    ("lesson_progress", "user_id"): "deleted",
    ("quiz_attempt", "user_id"): "deleted, with its answers",
    ("module_progress", "user_id"): "deleted",
    ("certificate", "user_id"): "kept: verifies as issued, holder removed",
    ("audit_event", "subject_user_id"): "kept, name, username and phone blanked",
    ("audit_event", "actor_id"): "kept, name, username and phone blanked",
    ("role_grant", "granted_by_id"): "kept: points at the placeholder",
    ("assignment", "created_by_id"): "kept: points at the placeholder",
    ("module", "published_by_id"): "kept: points at the placeholder",
    ("module_version", "published_by_id"): "kept: points at the placeholder",
    ("module_draft", "updated_by_id"): "kept: points at the placeholder",
    ("media_file", "uploaded_by_id"): "kept: points at the placeholder",
    ("site_setting", "updated_by_id"): "kept: points at the placeholder",
    ("password_batch", "created_by_id"): "kept: points at the placeholder",
    ("notification", "user_id"): "deleted (messages carry names and numbers)",
    ("notification_setting", "user_id"): "deleted",
    ("call_record", "user_id"): "deleted",
    ("call_record", "called_by_id"): "kept: points at the placeholder",
    ("training_session", "trainer_id"): "kept: points at the placeholder",
    ("training_session", "created_by_id"): "kept: points at the placeholder",
    ("session_signup", "user_id"): "deleted",
    ("session_attendance", "user_id"): "deleted",
    ("session_attendance", "recorded_by_id"): "kept: points at the placeholder",
    ("session_notice", "user_id"): "deleted",
    ("session_mark_receipt", "user_id"): "deleted",
    ("export_job", "user_id"): "deleted (report files name people)",
    ("pending_import", "owner_id"): "deleted (uploaded rows name people)",
    ("offline_action", "user_id"): "deleted",
}

# Never a valid username (they start with a letter or digit), so nobody can claim it.
PLACEHOLDER_PREFIX = "~removed-"
NO_PASSWORD = "!"  # noqa: S105  (argon2 refuses it as a hash: no password opens it)


def _delete_notification_rows(person: User) -> None:
    from learnapp.notify.models import CallRecord, Notification, NotificationSetting

    for model in (Notification, NotificationSetting, CallRecord):
        db.session.execute(delete(model).where(model.user_id == person.id))


def _delete_pending_files(person: User) -> None:
    from learnapp.admin.models import PendingImport
    from learnapp.reports.models import ExportJob

    db.session.execute(delete(ExportJob).where(ExportJob.user_id == person.id))
    db.session.execute(delete(PendingImport).where(PendingImport.owner_id == person.id))


def _delete_offline_receipts(person: User) -> None:
    from learnapp.offline.models import OfflineAction

    db.session.execute(delete(OfflineAction).where(OfflineAction.user_id == person.id))


def is_removed(person: User | None) -> bool:
    return person is not None and person.deleted_at is not None


def check_delete(admin: User, person: User) -> None:
    """Raise DomainError when the admin may not delete this person."""
    from learnapp.admin.scope import manages

    if person.deleted_at is not None:
        raise DomainError("already_deleted")
    if person.id == admin.id:
        raise DomainError("delete_self")
    if not manages(admin, person):
        raise DomainError("not_managed")


def delete_person(
    person: User, *, actor: User | None, now: datetime | None = None, log: bool = True
) -> None:
    """Remove the person's data (see the module docstring); the caller commits.

    The deletion log is written before the caller commits: should the commit then fail,
    a restore would delete someone the admin meant to delete, never the reverse.
    """
    now = now or utcnow()
    if person.deleted_at is not None:
        return
    former_area_id = person.area_id
    _blank_audit_details(person)
    attempt_ids = select(QuizAttempt.id).where(QuizAttempt.user_id == person.id)
    # Answers go with their attempt (ON DELETE CASCADE on both databases).
    db.session.execute(delete(QuizAttempt).where(QuizAttempt.id.in_(attempt_ids)))
    db.session.execute(delete(LessonProgress).where(LessonProgress.user_id == person.id))
    db.session.execute(delete(ModuleProgress).where(ModuleProgress.user_id == person.id))
    db.session.execute(delete(RoleGrant).where(RoleGrant.user_id == person.id))
    _delete_notification_rows(person)
    _delete_pending_files(person)
    _delete_offline_receipts(person)
    for table in (SessionSignup, SessionAttendance, SessionNotice, SessionMarkReceipt):
        db.session.execute(delete(table).where(table.user_id == person.id))
    db.session.expire(person, ["grants"])
    person.username = f"{PLACEHOLDER_PREFIX}{person.id}"
    person.full_name = ""
    person.phone = None
    person.password_hash = NO_PASSWORD
    person.area_id = None
    person.locale = None
    person.is_active = False
    person.must_change_password = False
    person.session_version += 1
    person.last_sign_in_at = None
    person.last_active_at = None
    person.deleted_at = now
    audit.record("person_delete", actor=actor, subject=person, area_id=former_area_id)
    db.session.flush()
    if log:
        deletion_log.append(person.id, now)


def _blank_audit_details(person: User) -> None:
    """Take the person's name, username and phone out of every audit detail naming them.

    Whole words only, so "learner" leaves "learner2" (another person) as it was.
    """
    words = [w for w in (person.full_name, person.username, person.phone) if w and len(w) > 1]
    detail = func.lower(AuditEvent.detail)
    conditions = [AuditEvent.subject_user_id == person.id, AuditEvent.actor_id == person.id]
    conditions += [detail.contains(w.lower(), autoescape=True) for w in words]
    patterns = [re.compile(rf"(?<!\w){re.escape(w)}(?!\w)", re.IGNORECASE) for w in words]
    for event in db.session.scalars(select(AuditEvent).where(or_(*conditions))):
        if event.action == "sign_in_failed" and event.subject_user_id == person.id:
            # The identifier typed: a username or any spelling of the phone number.
            event.detail = ""
            continue
        for pattern in patterns:
            event.detail = pattern.sub("", event.detail)


def replay(entries: list[deletion_log.Entry]) -> int:
    """Delete again the logged people a restored backup brought back; how many."""
    count = 0
    for entry in entries:
        person = db.session.get(User, entry.user_id)
        if person is None or person.deleted_at is not None:
            continue
        # Already in the log: one line per deletion, however often it is replayed.
        delete_person(person, actor=None, now=entry.deleted_at, log=False)
        count += 1
    db.session.flush()
    return count


def what_goes(person: User) -> dict[str, int]:
    """What deleting the person removes or keeps, for the confirmation page."""
    from learnapp.models import Certificate

    def count(model, column) -> int:
        query = select(func.count()).select_from(model).where(column == person.id)
        return int(db.session.scalar(query) or 0)

    return {
        "lessons": count(LessonProgress, LessonProgress.user_id),
        "attempts": count(QuizAttempt, QuizAttempt.user_id),
        "certificates": count(Certificate, Certificate.user_id),
    }
