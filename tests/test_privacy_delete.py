"""Deleting a person: an admin in scope, after typing their own password (SECURITY 27)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from learnapp import db
from learnapp.models import AuditEvent, Certificate, LessonProgress, QuizAttempt, RoleGrant, User
from learnapp.privacy import deletion_log
from tests.admin_support import PASSWORD, make_admin, row_counts, send, text, user_id
from tests.conftest import Auth, post
from tests.privacy_support import CM, seed_world

EN = {"Accept-Language": "en"}


@pytest.fixture
def world(app):
    seed_world(app)
    return app


def signed_in(app, username: str):
    client = app.test_client()
    assert Auth(client).sign_in(username).status_code == 302
    return client


def delete(client, uid: int, password: str | None = PASSWORD):
    data = {} if password is None else {"current_password": password}
    return send(client, f"/admin/people/{uid}/delete", data, token_from=f"/admin/people/{uid}")


def snapshot(app, uid: int) -> dict:
    with app.app_context():
        user = db.session.get(User, uid)
        return {
            "username": user.username,
            "full_name": user.full_name,
            "phone": user.phone,
            "deleted_at": user.deleted_at,
            "lessons": db.session.scalar(
                select(func.count())
                .select_from(LessonProgress)
                .where(LessonProgress.user_id == uid)
            ),
        }


def test_does_the_confirmation_page_say_what_goes_and_what_stays(world):
    admin = signed_in(world, "admin")
    learner = user_id(world, "learner")
    page = text(admin.get(f"/admin/people/{learner}/delete", headers=EN))
    assert "Delete Hoàng Văn An?" in page
    assert "cannot be undone" in page
    assert "1 certificates" in page or "Kept: 1" in page
    assert 'name="current_password"' in page
    assert f'href="/admin/people/{learner}/delete"' in text(admin.get(f"/admin/people/{learner}"))


def test_does_deleting_remove_the_name_phone_username_and_training_rows(world):
    learner = user_id(world, "learner")
    with world.app_context():
        code = db.session.scalar(select(Certificate.code).where(Certificate.user_id == learner))
        phone = db.session.get(User, learner).phone
    assert phone
    admin = signed_in(world, "admin")
    response = delete(admin, learner)
    assert response.status_code == 302 and response.headers["Location"].endswith("/admin/people")
    assert "Hoàng Văn An has been deleted." in text(admin.get("/admin/people", headers=EN))
    with world.app_context():
        user = db.session.get(User, learner)
        assert (
            user.full_name == "" and user.phone is None and user.username == f"~removed-{learner}"
        )
        assert user.area_id is None and not user.is_active and user.deleted_at is not None
        for model in (LessonProgress, QuizAttempt, RoleGrant):
            count = select(func.count()).select_from(model).where(model.user_id == learner)
            assert db.session.scalar(count) == 0, model
        assert (
            db.session.scalar(select(Certificate.user_id).where(Certificate.code == code))
            == learner
        )
        # Nothing about the person is findable by name, username or phone any more.
        for word in ("Hoàng Văn An", "learner", phone):
            assert not db.session.scalar(select(User.id).where(User.full_name == word))
        assert not db.session.scalar(select(User.id).where(User.username == "learner"))
        assert not db.session.scalar(select(User.id).where(User.phone == phone))
    verify = text(world.test_client().get(f"/verify/{code}", headers=EN))
    assert "This certificate is genuine." in verify
    assert "holder has since been removed" in verify and "Hoàng Văn An" not in verify
    assert f'href="/admin/people/{learner}"' not in text(admin.get("/admin/people?q=an"))
    assert admin.get(f"/admin/people/{learner}").status_code == 404
    assert [entry.user_id for entry in deletion_log.entries(world.config["DELETION_LOG"])] == [
        learner
    ]


def test_are_audit_events_kept_with_the_name_blanked(world):
    learner = user_id(world, "learner")
    anonymous = world.test_client()
    Auth(anonymous).sign_in("LEARNER", password="wrong-password")
    Auth(anonymous).sign_in("0912000001", password="wrong-password")
    with world.app_context():
        # Someone typed the person's name into an event's detail elsewhere, too.
        db.session.add(AuditEvent(action="import", detail="Lềm sheet: learner, Hoàng Văn An"))
        db.session.commit()
        before = db.session.scalar(select(func.count()).select_from(AuditEvent))
    admin = signed_in(world, "admin")
    admin_id = user_id(world, "admin")
    delete(admin, learner)
    with world.app_context():
        events = db.session.scalars(select(AuditEvent)).all()
        assert len(events) >= before + 1  # nothing removed; the deletion itself added
        about = [e for e in events if e.subject_user_id == learner]
        assert {"sign_in_failed", "person_delete"} <= {e.action for e in about}
        for event in events:
            detail = event.detail.lower()
            assert "hoàng văn an" not in detail and "0912000001" not in detail, event.action
            assert "learner" not in detail.replace("learner2", ""), (event.action, event.detail)
        deleted = next(e for e in about if e.action == "person_delete")
        assert deleted.actor_id == admin_id and deleted.area_id is not None
    audit = text(admin.get("/admin/audit?action=person_delete", headers=EN))
    assert "Person deleted" in audit


def test_does_every_session_of_the_deleted_person_end_at_once(world):
    learner = user_id(world, "learner")
    phone = world.test_client()
    remembered = {"identifier": "learner", "password": PASSWORD, "remember": "y"}
    assert post(phone, "/sign-in", remembered).status_code == 302
    assert phone.get_cookie("remember_token") is not None
    laptop = signed_in(world, "learner")
    assert phone.get("/").status_code == 200
    delete(signed_in(world, "admin"), learner)
    for client in (phone, laptop):
        response = client.get("/")
        assert response.status_code == 302 and "/sign-in" in response.headers["Location"]
    assert Auth(world.test_client()).sign_in("learner").status_code == 200


def test_is_a_wrong_or_missing_password_refused_and_nothing_deleted(world):
    learner = user_id(world, "learner")
    admin = signed_in(world, "admin")
    before = snapshot(world, learner)
    wrong = delete(admin, learner, "not-my-password")
    assert wrong.status_code == 200 and "Your password is not right." in text(wrong)
    missing = delete(admin, learner, "")
    assert missing.status_code == 200 and "type your own password" in text(missing)
    assert snapshot(world, learner) == before
    assert deletion_log.entries(world.config["DELETION_LOG"]) == []


def test_is_a_delete_without_the_csrf_token_refused(world):
    learner = user_id(world, "learner")
    admin = signed_in(world, "admin")
    before = row_counts(world)
    response = admin.post(f"/admin/people/{learner}/delete", data={"current_password": PASSWORD})
    assert response.status_code == 400
    assert row_counts(world) == before


@pytest.mark.parametrize("username", ["learner2", "trainer", "committee", "district"])
def test_is_deleting_refused_to_anyone_but_an_admin(world, username):
    learner = user_id(world, "learner")
    client = signed_in(world, username)
    before = row_counts(world)
    assert client.get(f"/admin/people/{learner}/delete").status_code == 403
    response = send(
        client, f"/admin/people/{learner}/delete", {"current_password": PASSWORD}, token_from="/"
    )
    assert response.status_code == 403
    assert row_counts(world) == before


def test_is_a_person_of_another_area_not_found_for_a_commune_admin(world):
    make_admin(world, "kn-admin", "Kháng Nhật")
    learner2 = user_id(world, "learner2")  # Cây Nhãn, Tứ Quận commune
    client = signed_in(world, "kn-admin")
    before = snapshot(world, learner2)
    assert client.get(f"/admin/people/{learner2}/delete").status_code == 404
    response = send(client, f"/admin/people/{learner2}/delete", {"current_password": PASSWORD})
    assert response.status_code == 404
    assert snapshot(world, learner2) == before
    # Their own commune's learner they may delete.
    assert delete(client, user_id(world, "learner")).status_code == 302


def test_is_a_person_with_a_role_beyond_the_admins_scope_refused(world):
    from learnapp.models import Area, Role

    make_admin(world, "kn-admin", "Kháng Nhật")
    learner = user_id(world, "learner")
    with world.app_context():
        tu_quan = db.session.scalar(select(Area).where(Area.name == "Tứ Quận"))
        db.session.add(RoleGrant(user_id=learner, role=Role.COMMITTEE, area_id=tu_quan.id))
        db.session.commit()
    client = signed_in(world, "kn-admin")
    before = snapshot(world, learner)
    response = delete(client, learner)
    assert response.status_code == 302
    page = text(client.get(response.headers["Location"], headers=EN))
    assert "only an administrator of that wider area" in page
    assert snapshot(world, learner) == before


def test_can_an_admin_not_delete_themselves(world):
    admin = signed_in(world, "admin")
    uid = user_id(world, "admin")
    response = delete(admin, uid)
    assert response.status_code == 302
    assert "You cannot delete your own account." in text(
        admin.get(response.headers["Location"], headers=EN)
    )
    assert snapshot(world, uid)["deleted_at"] is None


def test_is_a_person_deleted_twice_not_found_the_second_time(world):
    learner = user_id(world, "learner")
    admin = signed_in(world, "admin")
    assert delete(admin, learner).status_code == 302
    assert delete(admin, learner).status_code == 404
    assert len(deletion_log.entries(world.config["DELETION_LOG"])) == 1


def test_does_a_deleted_person_drop_out_of_the_reports(world):
    from tests.reports_support import area_id

    committee = signed_in(world, "committee")
    commune = area_id(world, "Kháng Nhật")
    assert "Hoàng Văn An" in text(committee.get(f"/reports/areas/{commune}"))
    delete(signed_in(world, "admin"), user_id(world, "learner"))
    page = text(committee.get(f"/reports/areas/{commune}"))
    assert "Hoàng Văn An" not in page
    assert CM
