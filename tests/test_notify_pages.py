"""The notification pages: a person's channels, the admin's dead letters, the commune
committee's "needs a call" list; each with its refusals."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from learnapp import db
from learnapp.auth.services import create_user
from learnapp.models import Area, AuditEvent, Role, User
from learnapp.notify import planning, sender
from learnapp.notify.models import CallRecord, Channel, NotificationSetting, Status
from tests.conftest import post
from tests.notify_support import (  # noqa: F401  (the fixture)
    TUESDAY_9AM,
    _clock_back_to_the_system,
    closed_port_url,
    outbox,
    set_up_world,
    vn,
)

pytestmark = pytest.mark.usefixtures("demo")


def area_id(app, name: str) -> int:
    with app.app_context():
        return db.session.scalar(select(Area.id).where(Area.name == name, Area.level == "commune"))


def setting_of(app, username: str) -> NotificationSetting | None:
    with app.app_context():
        uid = db.session.scalar(select(User.id).where(User.username == username))
        return db.session.get(NotificationSetting, uid)


# --- a person's channels -------------------------------------------------------------


def test_does_a_person_choose_their_channels_and_address(app, client, auth):
    auth.sign_in("learner")
    page = client.get("/notifications").get_data(as_text=True)
    # Everything is on until the person says otherwise.
    for channel in ("sms", "zalo", "email"):
        assert f'<input checked id="{channel}" name="{channel}" type="checkbox"' in page
    response = post(
        client,
        "/notifications",
        {"zalo": "y", "email": "y", "address": "an@example.vn"},
        token_from="/notifications",
    )
    assert response.status_code == 302
    choices = setting_of(app, "learner")
    assert (choices.sms_off, choices.zalo_off, choices.email_off) == (True, False, False)
    assert choices.email == "an@example.vn"


def test_is_a_bad_address_refused_in_the_persons_language_and_nothing_saved(app, client, auth):
    auth.sign_in("learner")
    response = post(
        client, "/notifications", {"address": "not an address"}, token_from="/notifications"
    )
    assert response.status_code == 200
    assert "Nhập địa chỉ thư điện tử dạng ten@example.vn" in response.get_data(as_text=True)
    assert setting_of(app, "learner") is None


def test_are_channels_refused_without_the_csrf_token_or_signed_out(app, client, auth):
    assert client.get("/notifications").status_code == 302
    auth.sign_in("learner")
    assert client.post("/notifications", data={"address": ""}).status_code == 400
    assert setting_of(app, "learner") is None


# --- dead letters ----------------------------------------------------------------------


def dead_letter_world(app, tmp_path):
    app.config.update(
        {
            "NOTIFY_CHANNELS": "sms,print",
            "NOTIFY_SMS_URL": closed_port_url(),
            "NOTIFY_MAX_ATTEMPTS": "1",
        }
    )
    set_up_world(app, tmp_path, due_in_days=0)
    with app.app_context():
        planning.plan()
        db.session.commit()
        sender.send_due()
    (dead,) = outbox(app, username="learner", channel=Channel.SMS)
    assert dead.status is Status.DEAD
    return dead


def test_does_an_admin_see_a_dead_letter_and_send_it_again(app, client, auth, tmp_path):
    dead = dead_letter_world(app, tmp_path)
    auth.sign_in("admin")
    page = client.get("/admin/notifications").get_data(as_text=True)
    assert "Hoàng Văn An" in page and "gave up after 1 tries" in page
    response = post(
        client, f"/admin/notifications/{dead.id}/resend", token_from="/admin/notifications"
    )
    assert response.status_code == 302
    (row,) = outbox(app, id=dead.id)
    assert (row.status, row.attempts) == (Status.PENDING, 0)
    with app.app_context():
        assert (
            db.session.scalar(
                select(func.count(AuditEvent.id)).where(AuditEvent.action == "notification_resent")
            )
            == 1
        )
    # Not dead any more: a second resend is refused with a message and changes nothing.
    response = post(
        client,
        f"/admin/notifications/{dead.id}/resend",
        token_from="/admin/notifications",
        follow_redirects=True,
    )
    assert "Chỉ gửi lại được tin nhắn đã lỗi." in response.get_data(as_text=True)


def test_are_dead_letters_refused_to_other_roles_and_without_csrf(app, client, auth, tmp_path):
    dead = dead_letter_world(app, tmp_path)
    for username in ("learner", "committee"):
        auth.sign_in(username)
        assert client.get("/admin/notifications").status_code == 403
        assert post(client, f"/admin/notifications/{dead.id}/resend").status_code == 403
        auth.sign_out()
    auth.sign_in("admin")
    assert client.post(f"/admin/notifications/{dead.id}/resend").status_code == 400
    assert post(client, "/admin/notifications/999999/resend").status_code == 404
    assert outbox(app, id=dead.id)[0].status is Status.DEAD


def test_is_another_areas_dead_letter_not_found_for_a_commune_admin(app, client, auth, tmp_path):
    dead = dead_letter_world(app, tmp_path)
    with app.app_context():
        other = db.session.scalar(select(Area).where(Area.name == "Tứ Quận"))
        create_user(
            username="tuquanadmin",
            full_name="Admin Tứ Quận",
            password="learnapp-demo",
            area=other,
            roles=[(Role.ADMIN, other)],
            must_change_password=False,
        )
        db.session.commit()
    auth.sign_in("tuquanadmin")
    assert "Hoàng Văn An" not in client.get("/admin/notifications").get_data(as_text=True)
    assert post(client, f"/admin/notifications/{dead.id}/resend").status_code == 404
    assert outbox(app, id=dead.id)[0].status is Status.DEAD


# --- the call list -------------------------------------------------------------------


def overdue_world(app, tmp_path):
    app.config.update({"NOTIFY_CHANNELS": "print"})
    return set_up_world(app, tmp_path, due_in_days=-20)


def test_does_the_commune_committee_see_who_needs_a_call(app, client, auth, tmp_path):
    overdue_world(app, tmp_path)
    with app.app_context():
        planning.plan()
        db.session.commit()
        sender.send_due()
    auth.sign_in("committee")
    page = client.get(f"/calls/{area_id(app, 'Kháng Nhật')}").get_data(as_text=True)
    assert "Hoàng Văn An" in page and "0912000001" in page
    assert "Ma Thị Bình" not in page  # Tứ Quận
    # The printed reminders of the commune's people are on the page to read out.
    assert "qua han tu" not in page and "quá hạn từ" in page


def test_does_the_menu_take_a_committee_member_to_their_own_call_list(app, client, auth, tmp_path):
    overdue_world(app, tmp_path)
    auth.sign_in("committee")
    assert "/calls" in client.get("/").get_data(as_text=True)
    response = client.get("/calls")
    assert response.headers["Location"].endswith(f"/calls/{area_id(app, 'Kháng Nhật')}")
    auth.sign_out()
    auth.sign_in("learner")
    assert client.get("/calls").status_code == 403


def test_is_nobody_on_the_list_before_the_assignments_days(app, client, auth, tmp_path):
    overdue_world(app, tmp_path)
    with app.app_context():
        from learnapp.models import Assignment

        db.session.execute(Assignment.__table__.update().values(escalate_after_days=21))
        db.session.commit()
    auth.sign_in("committee")
    page = client.get(f"/calls/{area_id(app, 'Kháng Nhật')}").get_data(as_text=True)
    assert "Hoàng Văn An" not in page and "Không ai cần gọi" in page


def test_is_another_communes_call_list_not_found_and_a_learner_refused(app, client, auth, tmp_path):
    overdue_world(app, tmp_path)
    auth.sign_in("committee")
    assert client.get(f"/calls/{area_id(app, 'Tứ Quận')}").status_code == 404
    auth.sign_out()
    auth.sign_in("learner")
    assert client.get(f"/calls/{area_id(app, 'Kháng Nhật')}").status_code == 403


def call_form(app, username: str, **overrides) -> dict:
    with app.app_context():
        uid = db.session.scalar(select(User.id).where(User.username == username))
    return {
        "user_id": str(uid),
        "called_on": vn(TUESDAY_9AM).isoformat(),
        "outcome": "no_answer",
        "note": "gọi lại thứ Năm",
        **overrides,
    }


def calls_recorded(app) -> list[CallRecord]:
    with app.app_context():
        return list(db.session.scalars(select(CallRecord)))


def test_is_a_call_recorded_and_kept_in_the_audit_log(app, client, auth, tmp_path):
    overdue_world(app, tmp_path)
    commune = area_id(app, "Kháng Nhật")
    auth.sign_in("committee")
    response = post(
        client, f"/calls/{commune}", call_form(app, "learner"), token_from=f"/calls/{commune}"
    )
    assert response.status_code == 302
    (call,) = calls_recorded(app)
    assert (call.outcome.value, call.note, call.called_on) == (
        "no_answer",
        "gọi lại thứ Năm",
        vn(TUESDAY_9AM),
    )
    with app.app_context():
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "call_recorded"))
        assert (
            event.detail
            == f"called on {vn(TUESDAY_9AM).isoformat()}, outcome: no_answer; gọi lại thứ Năm"
        )
    page = client.get(f"/calls/{commune}").get_data(as_text=True)
    assert "Không nghe máy" in page


@pytest.mark.parametrize(
    "overrides",
    [
        {"called_on": (vn(TUESDAY_9AM) + timedelta(days=1)).isoformat()},
        {"called_on": "hôm qua"},
        {"called_on": (vn(TUESDAY_9AM) - timedelta(days=61)).isoformat()},
        {"outcome": "shouted"},
        {"user_id": "abc"},
        {"note": "x" * 301},
    ],
)
def test_is_a_bad_call_refused_with_a_message_and_nothing_saved(
    app, client, auth, tmp_path, overrides
):
    overdue_world(app, tmp_path)
    commune = area_id(app, "Kháng Nhật")
    auth.sign_in("committee")
    response = post(client, f"/calls/{commune}", call_form(app, "learner", **overrides))
    assert response.status_code == 400
    assert "Chưa ghi được cuộc gọi" in response.get_data(as_text=True)
    assert calls_recorded(app) == []


def test_is_a_call_to_someone_outside_the_area_or_without_csrf_refused(app, client, auth, tmp_path):
    overdue_world(app, tmp_path)
    commune = area_id(app, "Kháng Nhật")
    auth.sign_in("committee")
    assert post(client, f"/calls/{commune}", call_form(app, "learner2")).status_code == 404
    assert client.post(f"/calls/{commune}", data=call_form(app, "learner")).status_code == 400
    other = area_id(app, "Tứ Quận")
    assert post(client, f"/calls/{other}", call_form(app, "learner2")).status_code == 404
    assert calls_recorded(app) == []
