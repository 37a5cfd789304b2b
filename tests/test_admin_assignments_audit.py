"""Required modules with due dates, and the audit log scoped to the admin's areas."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from learnapp import db
from learnapp.models import Assignment, AuditEvent, ModuleStatus
from learnapp.models.base import vietnam_today
from tests.admin_support import (
    PASSWORD,
    area_id,
    audit_actions,
    make_admin,
    published_module,
    row_counts,
    send,
    text,
    token_of,
    user_id,
)

EN = {"Accept-Language": "en"}


def in_days(days: int) -> date:
    return vietnam_today() + timedelta(days=days)


def assignments(app) -> list[tuple[int, int, date]]:
    with app.app_context():
        return [
            tuple(row)
            for row in db.session.execute(
                select(Assignment.module_id, Assignment.area_id, Assignment.due_on).order_by(
                    Assignment.id
                )
            )
        ]


def assignment_id(app) -> int:
    with app.app_context():
        return db.session.scalar(select(Assignment.id).order_by(Assignment.id.desc()))


def require(
    client,
    module: int,
    area: int,
    due: date | str,
    grace_days=None,
    escalate_after_days=None,
    **kw,
):
    due_on = due.isoformat() if isinstance(due, date) else due
    form = {"module_id": module, "area_id": area, "due_on": due_on}
    if grace_days is not None:
        form["grace_days"] = grace_days
    if escalate_after_days is not None:
        form["escalate_after_days"] = escalate_after_days
    return send(client, "/admin/assignments", form, **kw)


# --- required modules --------------------------------------------------------------------


def test_does_a_required_module_reach_the_learners_home_page(demo, client, auth):
    module = published_module(demo)
    auth.sign_in("admin")
    kn = area_id(demo, "Kháng Nhật")
    response = require(client, module, kn, in_days(30))
    assert response.status_code == 302
    assert assignments(demo) == [(module, kn, in_days(30))]
    created = f"cell-meetings-101 due {in_days(30).isoformat()}, grace 30 days, call after 14 days"
    assert ("assignment_create", created) in (audit_actions(demo, "assignment_create"))
    listing = text(client.get("/admin/assignments", headers=EN))
    assert "Better cell meetings" in listing and "Kháng Nhật" in listing
    auth.sign_out()
    auth.sign_in("learner")  # in Lềm, under Kháng Nhật
    assert "Required by" in text(client.get("/", headers=EN))
    auth.sign_out()
    auth.sign_in("learner2")  # in Tứ Quận
    assert "Required by" not in text(client.get("/", headers=EN))


def test_does_requiring_the_same_module_again_change_the_date(demo, client, auth):
    module = published_module(demo)
    auth.sign_in("admin")
    kn = area_id(demo, "Kháng Nhật")
    require(client, module, kn, in_days(30))
    response = require(client, module, kn, in_days(60), follow_redirects=True)
    assert "its due date and grace period have been changed" in text(response)
    assert assignments(demo) == [(module, kn, in_days(60))]
    assert len(audit_actions(demo, "assignment_change")) == 1


def test_is_a_bad_assignment_refused_with_a_message(demo, client, auth):
    module = published_module(demo)
    with demo.app_context():
        from learnapp.models import Module

        draft = Module(slug="draft-one", status=ModuleStatus.DRAFT)
        db.session.add(draft)
        db.session.commit()
        draft_id = draft.id
    auth.sign_in("admin")
    kn = area_id(demo, "Kháng Nhật")
    before = row_counts(demo)
    cases = [
        ((module, kn, in_days(-1)), "The due date cannot be in the past."),
        ((module, kn, "31/02/2026"), "Enter a date, for example"),
        ((module, kn, ""), "Enter the due date."),
        ((draft_id, kn, in_days(5)), "Choose a published module from the list."),
        ((987654, kn, in_days(5)), "Choose a published module from the list."),
        ((module, "", in_days(5)), "Choose an area from the list."),
        ((module, 987654, in_days(5)), "This area is not one you manage."),
    ]
    for args, message in cases:
        response = require(client, *args)
        assert response.status_code == 200
        assert message in text(response), args
    assert row_counts(demo) == before


def test_can_the_due_date_be_changed_and_the_assignment_deleted_after_confirmation(
    demo, client, auth
):
    module = published_module(demo)
    auth.sign_in("admin")
    kn = area_id(demo, "Kháng Nhật")
    require(client, module, kn, in_days(30))
    aid = assignment_id(demo)
    response = send(client, f"/admin/assignments/{aid}", {"due_on": in_days(10).isoformat()})
    assert response.status_code == 302
    assert assignments(demo) == [(module, kn, in_days(10))]
    response = send(client, f"/admin/assignments/{aid}", {"due_on": in_days(-3).isoformat()})
    assert "cannot be in the past" in text(response)
    assert assignments(demo) == [(module, kn, in_days(10))]

    # Asking to delete shows a confirmation and deletes nothing.
    page = text(client.get(f"/admin/assignments/{aid}/delete", headers=EN))
    assert "Stop requiring a module?" in page
    assert assignments(demo) != []
    response = send(client, f"/admin/assignments/{aid}/delete")
    assert response.status_code == 302
    assert assignments(demo) == []
    actions = [a for a, _ in audit_actions(demo) if a.startswith("assignment_")]
    assert actions == ["assignment_create", "assignment_change", "assignment_delete"]


def test_is_deleting_an_assignment_refused_without_a_csrf_token(demo, client, auth):
    module = published_module(demo)
    auth.sign_in("admin")
    require(client, module, area_id(demo, "Kháng Nhật"), in_days(30))
    response = client.post(f"/admin/assignments/{assignment_id(demo)}/delete")
    assert response.status_code == 400
    assert len(assignments(demo)) == 1


def test_does_a_commune_admin_get_404_for_another_communes_assignment(demo, client, auth):
    module = published_module(demo)
    auth.sign_in("admin")
    tu_quan = area_id(demo, "Tứ Quận")
    require(client, module, tu_quan, in_days(30))
    aid = assignment_id(demo)
    auth.sign_out()
    make_admin(demo, "kn-admin", "Kháng Nhật")
    auth.sign_in("kn-admin")
    before = assignments(demo)
    assert "Tứ Quận" not in text(client.get("/admin/assignments"))
    assert client.get(f"/admin/assignments/{aid}").status_code == 404
    assert client.get(f"/admin/assignments/{aid}/delete").status_code == 404
    response = send(client, f"/admin/assignments/{aid}", {"due_on": in_days(90).isoformat()})
    assert response.status_code == 404
    assert send(client, f"/admin/assignments/{aid}/delete").status_code == 404
    # Posting Tứ Quận's id as the area of a new assignment is refused too.
    response = require(client, module, tu_quan, in_days(40))
    assert "This area is not one you manage." in text(response)
    # ...and so is the province above the commune.
    response = require(client, module, area_id(demo, "Tuyên Quang"), in_days(40))
    assert "This area is not one you manage." in text(response)
    assert assignments(demo) == before


# --- audit log ---------------------------------------------------------------------------


def test_does_the_audit_log_show_who_what_whom_where_and_when(demo, client, auth):
    auth.sign_in("admin")
    learner = user_id(demo, "learner")
    send(client, f"/admin/people/{learner}/deactivate")
    page = text(client.get("/admin/audit?action=account_deactivate", headers=EN))
    row = page.split("<tbody>", 1)[1].split("</tr>", 1)[0]
    assert "Phạm Quốc Tuấn" in row  # who
    assert "Account deactivated" in row  # what
    assert "Hoàng Văn An" in row  # whom
    assert "Lềm" in row  # where
    assert "127.0.0.1" in row  # from where
    stamp = re.search(r"\d\d/\d\d/\d{4} \d\d:\d\d", row)[0]
    with demo.app_context():
        at = db.session.scalar(
            select(AuditEvent.at).where(AuditEvent.action == "account_deactivate")
        )
    # Stored in UTC, shown in Vietnam time with the zone stated once above the table.
    assert stamp == (at + timedelta(hours=7)).strftime("%d/%m/%Y %H:%M")
    assert page.count("Vietnam time (UTC+7)") == 1


def test_does_a_commune_admin_see_only_their_communes_events(demo, client, auth):
    from tests.conftest import Auth

    for username in ("learner", "learner2"):
        other = demo.test_client()
        Auth(other).sign_in(username)
    make_admin(demo, "kn-admin", "Kháng Nhật")
    auth.sign_in("kn-admin")
    page = text(client.get("/admin/audit?action=sign_in", headers=EN))
    assert "Hoàng Văn An" in page  # signed in in Lềm
    assert "Ma Thị Bình" not in page  # signed in in Cây Nhãn, Tứ Quận
    tu_quan = area_id(demo, "Tứ Quận")
    assert client.get(f"/admin/audit?area={tu_quan}").status_code == 404
    lem = area_id(demo, "Lềm")
    assert "Hoàng Văn An" in text(client.get(f"/admin/audit?area={lem}&action=sign_in"))


def test_does_the_audit_log_filter_by_action_and_area_and_page(demo, client, auth):
    auth.sign_in("admin")
    lem = area_id(demo, "Lềm")
    for n in range(60):
        send(client, f"/admin/areas/{lem}/rename", {"name": f"Lềm {n}"})
    first = text(client.get("/admin/audit?action=area_rename", headers=EN))
    assert "60 events" in first and "Page 1 of 2" in first
    assert first.index("Lềm 58 -&gt; Lềm 59") < first.index("Lềm 57 -&gt; Lềm 58")  # newest first
    second = text(client.get("/admin/audit?action=area_rename&page=2", headers=EN))
    assert "Lềm -&gt; Lềm 0" in second and "Lềm 58 -&gt; Lềm 59" not in second
    by_area = text(client.get(f"/admin/audit?area={area_id(demo, 'Cây Nhãn')}", headers=EN))
    assert "Area renamed" not in by_area.split("<tbody>")[-1]
    # An unknown action filters nothing out and breaks nothing.
    assert client.get("/admin/audit?action=%0Adrop").status_code == 200


def test_is_every_admin_change_recorded_in_the_audit_log(demo, client, auth):
    module = published_module(demo)
    auth.sign_in("admin")
    kn = area_id(demo, "Kháng Nhật")
    lem = area_id(demo, "Lềm")
    learner = user_id(demo, "learner")
    send(
        client, "/admin/people/new", {"full_name": "Lò Văn Ươn", "area_id": lem, "roles": "learner"}
    )
    send(client, f"/admin/people/{learner}/deactivate")
    send(client, f"/admin/people/{learner}/reactivate")
    send(client, f"/admin/people/{learner}/reset-password", {"current_password": PASSWORD})
    send(client, f"/admin/areas/{kn}/children", {"name": "Bản Mới", "level": "village"})
    send(client, f"/admin/areas/{lem}/rename", {"name": "Lềm Mới"})
    send(client, f"/admin/areas/{lem}/move", {"parent_id": area_id(demo, "Sơn Nam")})
    require(client, module, kn, in_days(30))
    send(client, f"/admin/assignments/{assignment_id(demo)}", {"due_on": in_days(9).isoformat()})
    send(client, f"/admin/assignments/{assignment_id(demo)}/delete")
    recorded = {a for a, _ in audit_actions(demo)}
    assert {
        "account_create",
        "role_grant",
        "account_deactivate",
        "account_reactivate",
        "password_reset",
        "area_create",
        "area_rename",
        "area_move",
        "assignment_create",
        "assignment_change",
        "assignment_delete",
    } <= recorded
    # Never a password in the log.
    with demo.app_context():
        details = " ".join(db.session.scalars(select(AuditEvent.detail)))
    assert "learnapp-demo" not in details


def test_does_a_province_admin_see_failed_sign_ins_that_belong_to_no_area(demo, client, auth):
    """An unknown username has no area: only the admins of a top area see the attempt."""
    from tests.conftest import Auth

    stranger = demo.test_client()
    Auth(stranger).sign_in("nobody-here", "wrong-password")
    make_admin(demo, "kn-admin", "Kháng Nhật")
    make_admin(demo, "sd-admin", "Sơn Dương", level="district")

    auth.sign_in("admin")  # admin of Tuyên Quang, the top of the tree
    page = text(client.get("/admin/audit?action=sign_in_failed", headers=EN))
    assert "nobody-here" in page and "1 event" in page
    # Filtered to an area, the log shows that area's events only.
    lem = area_id(demo, "Lềm")
    assert "nobody-here" not in text(client.get(f"/admin/audit?area={lem}", headers=EN))
    auth.sign_out()

    for admin in ("kn-admin", "sd-admin"):
        auth.sign_in(admin)
        page = text(client.get("/admin/audit?action=sign_in_failed", headers=EN))
        assert "nobody-here" not in page, admin
        assert "No event matches." in page, admin
        auth.sign_out()


# --- grace periods -------------------------------------------------------------------


def graces(app) -> list[int]:
    with app.app_context():
        return list(db.session.scalars(select(Assignment.grace_days).order_by(Assignment.id)))


def test_does_a_new_requirement_take_the_grace_period_the_admin_gives(demo, client, auth):
    module = published_module(demo)
    auth.sign_in("admin")
    kn = area_id(demo, "Kháng Nhật")
    response = require(client, module, kn, in_days(30), grace_days="10")
    assert response.status_code == 302
    assert graces(demo) == [10]
    assert "10 days" in text(client.get("/admin/assignments", headers=EN))
    # Left empty, a new requirement gets the default 30 days.
    other = published_module(demo, slug="another-one", title="Another")
    require(client, other, kn, in_days(30), grace_days="")
    assert graces(demo) == [10, 30]


@pytest.mark.parametrize("bad", ["abc", "-1", "366", "1.5"])
def test_is_a_bad_grace_period_refused_with_a_message(demo, client, auth, bad):
    module = published_module(demo)
    auth.sign_in("admin")
    kn = area_id(demo, "Kháng Nhật")
    require(client, module, kn, in_days(30))
    aid = assignment_id(demo)
    before = row_counts(demo)
    response = require(client, module, kn, in_days(40), grace_days=bad)
    assert response.status_code == 200
    assert "Enter a number of days from 0 to 365." in text(response)
    response = send(
        client, f"/admin/assignments/{aid}", {"due_on": in_days(40).isoformat(), "grace_days": bad}
    )
    assert response.status_code == 200
    assert "Enter a number of days from 0 to 365." in text(response)
    assert row_counts(demo) == before
    assert assignments(demo) == [(module, kn, in_days(30))] and graces(demo) == [30]


def test_can_the_grace_period_of_a_requirement_already_past_its_date_be_changed(demo, client, auth):
    module = published_module(demo)
    kn = area_id(demo, "Kháng Nhật")
    with demo.app_context():
        db.session.add(Assignment(module_id=module, area_id=kn, due_on=in_days(-7)))
        db.session.commit()
    aid = assignment_id(demo)
    auth.sign_in("admin")
    page = text(client.get(f"/admin/assignments/{aid}", headers=EN))
    assert "Grace period" in page and 'value="30"' in page
    response = send(
        client, f"/admin/assignments/{aid}", {"due_on": in_days(-7).isoformat(), "grace_days": "5"}
    )
    assert response.status_code == 302
    assert graces(demo) == [5] and assignments(demo) == [(module, kn, in_days(-7))]
    assert any(
        "grace 30 days, call after 14 days -> " in d
        and d.endswith("grace 5 days, call after 14 days")
        for _, d in audit_actions(demo, "assignment_change")
    )
    # Moving that past date to another past date is still refused.
    response = send(
        client, f"/admin/assignments/{aid}", {"due_on": in_days(-3).isoformat(), "grace_days": "5"}
    )
    assert "cannot be in the past" in text(response)


def test_can_a_committee_member_not_change_a_grace_period(demo, client, auth):
    module = published_module(demo)
    kn = area_id(demo, "Kháng Nhật")
    with demo.app_context():
        db.session.add(Assignment(module_id=module, area_id=kn, due_on=in_days(7)))
        db.session.commit()
    aid = assignment_id(demo)
    auth.sign_in("committee")
    response = client.post(
        f"/admin/assignments/{aid}", data={"due_on": in_days(7).isoformat(), "grace_days": "1"}
    )
    assert response.status_code in (400, 403)
    assert graces(demo) == [30]


# --- days overdue before the committee is asked to call ------------------------------------


def call_days(app) -> list[int]:
    with app.app_context():
        return list(
            db.session.scalars(select(Assignment.escalate_after_days).order_by(Assignment.id))
        )


def test_does_a_requirement_take_the_call_after_days_the_admin_gives(demo, client, auth):
    module = published_module(demo)
    auth.sign_in("admin")
    kn = area_id(demo, "Kháng Nhật")
    response = require(client, module, kn, in_days(30), escalate_after_days="7")
    assert response.status_code == 302
    assert call_days(demo) == [7]
    assert "7 days overdue" in text(client.get("/admin/assignments", headers=EN))
    # Left empty, a new requirement gets the default 14 days.
    other = published_module(demo, slug="another-one", title="Another")
    require(client, other, kn, in_days(30), escalate_after_days="")
    assert call_days(demo) == [7, 14]
    # The edit page shows it and changes it, and the audit log says so.
    aid = assignment_id(demo)
    assert 'name="escalate_after_days"' in text(client.get(f"/admin/assignments/{aid}"))
    response = send(
        client,
        f"/admin/assignments/{aid}",
        {"due_on": in_days(30).isoformat(), "grace_days": "30", "escalate_after_days": "21"},
    )
    assert response.status_code == 302
    assert call_days(demo) == [7, 21]
    assert any(
        "call after 14 days -> " in d and d.endswith("call after 21 days")
        for _, d in audit_actions(demo, "assignment_change")
    )


@pytest.mark.parametrize("bad", ["abc", "0", "-3", "366", "2.5"])
def test_is_a_bad_call_after_days_refused_with_a_message(demo, client, auth, bad):
    module = published_module(demo)
    auth.sign_in("admin")
    kn = area_id(demo, "Kháng Nhật")
    require(client, module, kn, in_days(30))
    aid = assignment_id(demo)
    before = row_counts(demo)
    response = require(client, module, kn, in_days(40), escalate_after_days=bad)
    assert response.status_code == 200
    assert "Enter a number of days from 1 to 365." in text(response)
    response = send(
        client,
        f"/admin/assignments/{aid}",
        {"due_on": in_days(40).isoformat(), "escalate_after_days": bad},
    )
    assert response.status_code == 200
    assert "Enter a number of days from 1 to 365." in text(response)
    assert row_counts(demo) == before
    assert assignments(demo) == [(module, kn, in_days(30))] and call_days(demo) == [14]


def test_is_the_call_after_days_message_in_vietnamese_for_a_vietnamese_admin(demo, client, auth):
    module = published_module(demo)
    auth.sign_in("admin")
    kn = area_id(demo, "Kháng Nhật")
    payload = {
        "module_id": module,
        "area_id": kn,
        "due_on": in_days(30).isoformat(),
        "escalate_after_days": "0",
        "csrf_token": token_of(client, "/admin/"),
    }
    response = client.post("/admin/assignments", data=payload, headers={"Accept-Language": "vi"})
    assert response.status_code == 200
    assert "Nhập số ngày từ 1 đến 365." in text(response)
    assert call_days(demo) == []


def test_can_a_committee_member_not_change_the_call_after_days(demo, client, auth):
    module = published_module(demo)
    kn = area_id(demo, "Kháng Nhật")
    with demo.app_context():
        db.session.add(Assignment(module_id=module, area_id=kn, due_on=in_days(7)))
        db.session.commit()
    aid = assignment_id(demo)
    auth.sign_in("committee")
    response = client.post(
        f"/admin/assignments/{aid}",
        data={"due_on": in_days(7).isoformat(), "escalate_after_days": "1"},
    )
    assert response.status_code in (400, 403)
    assert call_days(demo) == [14]
