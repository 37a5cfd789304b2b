"""Every table that refers to a person is either in the data download or handled by deletion."""

from __future__ import annotations

from sqlalchemy import func, select

from learnapp import db
from learnapp.db import Base
from learnapp.models import (
    Area,
    Assignment,
    AuditEvent,
    Certificate,
    MediaFile,
    Module,
    ModuleDraft,
    ModuleVersion,
    PasswordBatch,
    Role,
    RoleGrant,
    SiteSetting,
    User,
)
from learnapp.privacy.deletion import HANDLED, delete_person
from learnapp.privacy.export import EXPORTED
from tests.privacy_support import seed_world


def person_columns(metadata=Base.metadata) -> set[tuple[str, str]]:
    """(table, column) of every column that holds a person's id, the person's own row too."""
    found = {("user_account", "id")}
    for table in metadata.sorted_tables:
        for key in table.foreign_keys:
            if key.column.table.name == "user_account":
                found.add((table.name, key.parent.name))
    return found


def test_is_every_column_referring_to_a_person_exported_or_handled_by_deletion():
    columns = person_columns()
    unaccounted = columns - set(EXPORTED) - set(HANDLED)
    assert not unaccounted, (
        f"{sorted(unaccounted)} refer to a person: add them to the data download "
        "(learnapp/privacy/export.py EXPORTED) or to deletion (learnapp/privacy/deletion.py)"
    )


def test_does_deletion_name_what_it_does_with_every_such_column():
    # Deletion must decide for each of them, even those the download carries.
    assert person_columns() <= set(HANDLED)
    assert set(EXPORTED) <= person_columns() and set(HANDLED) <= person_columns()


def test_does_the_check_notice_a_new_table_that_refers_to_a_person():
    from sqlalchemy import Column, ForeignKey, Integer, MetaData, Table

    scratch = MetaData()
    for table in Base.metadata.sorted_tables:
        table.to_metadata(scratch)
    Table(
        "reminder",
        scratch,
        Column("id", Integer, primary_key=True),
        Column("user_id", ForeignKey("user_account.id")),
    )
    found = person_columns(scratch)
    assert found - set(EXPORTED) - set(HANDLED) == {("reminder", "user_id")}


def _add_notification_rows(uid: int) -> None:
    """A reminder to the person, their channel choices, and calls to and by them."""
    from datetime import date, datetime

    from learnapp.notify.models import (
        CallRecord,
        Channel,
        Kind,
        Notification,
        NotificationSetting,
        Outcome,
    )

    db.session.add(
        Notification(
            user_id=uid,
            kind=Kind.DUE_SOON,
            channel=Channel.SMS,
            event_key="x",
            locale="vi",
            address="+84912000001",
            body="Nhac: ...",
            link="http://x",
            next_attempt_at=datetime(2026, 12, 1),
        )
    )
    db.session.add(NotificationSetting(user_id=uid, email="learner@example.vn"))
    db.session.add(
        CallRecord(
            user_id=uid, called_by_id=uid, called_on=date(2026, 12, 1), outcome=Outcome.OTHER
        )
    )


def test_does_deletion_leave_no_personal_row_in_any_table_that_refers_to_a_person(app):
    """A person with a row in every such table: afterwards only nameless links remain."""
    seed_world(app)
    with app.app_context():
        person = db.session.scalar(select(User).where(User.username == "learner"))
        uid = person.id
        area = db.session.scalar(select(Area).where(Area.parent_id.is_(None)))
        module = db.session.scalar(select(Module))
        # The columns of what they authored or granted, so every table has a row of theirs.
        other = db.session.scalar(select(User).where(User.username == "learner2"))
        db.session.add(
            RoleGrant(user_id=other.id, role=Role.TRAINER, area_id=area.id, granted_by_id=uid)
        )
        db.session.add(
            AuditEvent(action="sign_in", actor_id=uid, subject_user_id=uid, detail="learner")
        )
        module.published_by_id = uid
        db.session.execute(Assignment.__table__.update().values(created_by_id=uid))
        db.session.execute(ModuleVersion.__table__.update().values(published_by_id=uid))
        db.session.add(ModuleDraft(module_id=module.id, data={}, updated_by_id=uid))
        db.session.add(
            MediaFile(
                name="x.png",
                content_type="image/png",
                size_bytes=1,
                width=1,
                height=1,
                uploaded_by_id=uid,
            )
        )
        db.session.add(SiteSetting(key="issuer_vi", value="Tỉnh ủy", updated_by_id=uid))
        db.session.add(
            PasswordBatch(area_id=area.id, created_by_id=uid, expires_at=area.created_at)
        )
        _add_notification_rows(uid)
        add_session_rows(uid, module.id)
        add_pending_file_rows(uid, area.id)
        add_offline_receipt(uid)
        db.session.commit()
        for table, column in person_columns():
            if (table, column) == ("user_account", "id"):
                continue
            t = Base.metadata.tables[table]
            count = db.session.scalar(select(func.count()).select_from(t).where(t.c[column] == uid))
            assert count, f"the test gives the person no row in {table}.{column}"

        delete_person(db.session.get(User, uid), actor=None)
        db.session.commit()

        for (table, column), how in HANDLED.items():
            if (table, column) == ("user_account", "id"):
                continue
            t = Base.metadata.tables[table]
            count = db.session.scalar(select(func.count()).select_from(t).where(t.c[column] == uid))
            if how.startswith("deleted"):
                assert count == 0, f"{table}.{column} still holds {count} rows of the person"
            else:
                assert how.startswith("kept"), how
        placeholder = db.session.get(User, uid)
        assert (placeholder.full_name, placeholder.phone, placeholder.area_id) == ("", None, None)
        assert placeholder.username != "learner"
        assert (
            db.session.scalar(
                select(func.count()).select_from(Certificate).where(Certificate.user_id == uid)
            )
            == 1
        )
        details = db.session.scalars(select(AuditEvent.detail)).all()
        assert not any("learner" in d.replace("learner2", "") for d in details)


def add_pending_file_rows(uid: int, area_id: int) -> None:
    """A report file the person asked for and an import preview they uploaded."""
    from learnapp.admin.models import PendingImport
    from learnapp.reports.models import ExportJob

    db.session.add(ExportJob(user_id=uid, area_id=area_id, table="learners", fmt="csv"))
    db.session.add(PendingImport(token="t" * 32, owner_id=uid, rows="[]"))


def add_offline_receipt(uid: int) -> None:
    """The receipt of a lesson the person marked done offline."""
    from learnapp.offline.models import OfflineAction

    db.session.add(OfflineAction(user_id=uid, client_id="c" * 32, kind="lesson_done"))


def add_session_rows(uid: int, module_id: int) -> None:
    """A training session the person leads, signed up for, attended and was told about."""
    from datetime import datetime

    from learnapp.models import (
        AttendanceStatus,
        NoticeKind,
        SessionAttendance,
        SessionMarkReceipt,
        SessionNotice,
        SessionSignup,
        SignupStatus,
        TrainingSession,
    )

    session = TrainingSession(
        module_id=module_id,
        starts_at=datetime(2026, 12, 12, 8, 0),
        place="Hội trường",
        capacity=5,
        trainer_id=uid,
        created_by_id=uid,
    )
    db.session.add(session)
    db.session.flush()
    db.session.add(SessionSignup(session_id=session.id, user_id=uid, status=SignupStatus.CONFIRMED))
    db.session.add(SessionMarkReceipt(session_id=session.id, client_id="mark-0001", user_id=uid))
    db.session.add(
        SessionAttendance(
            session_id=session.id,
            user_id=uid,
            status=AttendanceStatus.ATTENDED,
            recorded_by_id=uid,
        )
    )
    db.session.add(SessionNotice(session_id=session.id, user_id=uid, kind=NoticeKind.MOVED))
