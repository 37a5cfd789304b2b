"""Admin accounts: who may reach the admin pages, list, create, edit, roles, deactivate, reset."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, select
from werkzeug.routing import IntegerConverter

from learnapp import db
from learnapp.admin.people import username_base
from learnapp.models import Lesson, LessonProgress, Module, ModuleText, Role, User
from tests.admin_support import (
    PASSWORD,
    audit_actions,
    make_admin,
    person,
    row_counts,
    send,
    text,
    user_id,
)
from tests.admin_support import area_id as area_named
from tests.conftest import post

EN = {"Accept-Language": "en"}


def admin_rules(app):
    return sorted(
        (r for r in app.url_map.iter_rules() if r.endpoint.startswith("admin.")),
        key=lambda r: r.rule,
    )


def build(rule) -> str:
    values = {
        name: 1 if isinstance(rule._converters.get(name), IntegerConverter) else "x" * 32
        for name in rule.arguments
    }
    return rule.build(values)[1]


def goes_to_sign_in(response) -> bool:
    return response.status_code == 302 and urlsplit(response.headers["Location"]).path == (
        "/sign-in"
    )


# --- who may come in ---------------------------------------------------------------------


def test_are_there_admin_routes_for_every_part_of_the_feature(app):
    paths = {r.rule for r in admin_rules(app)}
    for expected in (
        "/admin/people",
        "/admin/people/new",
        "/admin/import",
        "/admin/areas",
        "/admin/assignments",
        "/admin/audit",
        "/admin/areas/<int:area_id>/cards",
    ):
        assert expected in paths


def test_does_every_admin_route_send_an_anonymous_visitor_to_sign_in(demo, client):
    before = row_counts(demo)
    for rule in admin_rules(demo):
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = client.open(build(rule), method=method)
            # A POST without a session fails CSRF first or goes to sign-in: both refuse.
            assert goes_to_sign_in(response) or response.status_code == 400, (method, rule)
    assert row_counts(demo) == before


@pytest.mark.parametrize("username", ["learner", "trainer", "committee", "district"])
def test_does_every_admin_route_refuse_a_non_admin_with_403(demo, client, auth, username):
    auth.sign_in(username)
    before = row_counts(demo)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', text(client.get("/")))[1]
    for rule in admin_rules(demo):
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = client.open(build(rule), method=method, data={"csrf_token": token})
            assert response.status_code == 403, (username, method, rule.rule)
    assert row_counts(demo) == before


def test_is_the_administration_link_shown_to_admins_only(demo, client, auth):
    auth.sign_in("learner")
    assert "/admin/" not in text(client.get("/"))
    auth.sign_out()
    auth.sign_in("admin")
    assert 'href="/admin/"' in text(client.get("/"))
    assert client.get("/admin/").status_code == 200


# --- the list ----------------------------------------------------------------------------


def test_does_a_commune_admin_list_only_the_people_of_their_commune(demo, client, auth):
    make_admin(demo, "kn-admin", "Kháng Nhật")
    auth.sign_in("kn-admin")
    page = text(client.get("/admin/people", headers=EN))
    assert "Hoàng Văn An" in page  # learner, Lềm
    assert "Ma Thị Bình" not in page  # learner2, Cây Nhãn in Tứ Quận
    assert "Phạm Quốc Tuấn" not in page  # the province admin
    tu_quan = area_named(demo, "Tứ Quận")
    assert client.get(f"/admin/people?area={tu_quan}").status_code == 404
    assert client.get("/admin/people?q=learner2&page=2").status_code == 200
    assert "Ma Thị Bình" not in text(client.get("/admin/people?q=Ma"))


def test_does_the_list_search_by_name_username_and_phone(demo, client, auth):
    auth.sign_in("admin")
    assert "Hoàng Văn An" in text(client.get("/admin/people?q=hoàng"))
    assert "Hoàng Văn An" in text(client.get("/admin/people?q=LEARNER"))
    by_phone = text(client.get("/admin/people?q=0912 000 002"))
    assert "Ma Thị Bình" in by_phone and "Hoàng Văn An" not in by_phone
    assert "Nobody matches" in text(client.get("/admin/people?q=zzz%25_", headers=EN))


@pytest.mark.parametrize("typed", ["hoang van", "HOÀNG VĂN", "Hoang Văn", "văn an"])
def test_does_the_list_search_find_a_name_typed_without_marks_or_in_capitals(
    demo, client, auth, typed
):
    auth.sign_in("admin")
    page = text(client.get(f"/admin/people?q={typed}"))
    assert "Hoàng Văn An" in page
    assert "Ma Thị Bình" not in page


def test_does_the_list_page_25_people_sorted_by_area_then_name(demo, client, auth):
    from learnapp.admin.people import create_person
    from learnapp.models import Area

    lem_id = area_named(demo, "Lềm")
    with demo.app_context():
        admin = db.session.scalar(select(User).where(User.username == "admin"))
        lem = db.session.get(Area, lem_id)
        for n in range(30):
            create_person(
                admin,
                full_name=f"Người {n:02d}",
                username=None,
                phone=None,
                area=lem,
                roles=[Role.LEARNER],
            )
        db.session.commit()
    auth.sign_in("admin")
    first = text(client.get(f"/admin/people?area={lem_id}", headers=EN))
    second = text(client.get(f"/admin/people?area={lem_id}&page=2", headers=EN))
    names = re.findall(r'/admin/people/\d+">([^<]+)</a>', first)
    assert len(names) == 25
    assert names == sorted(names)
    rest = re.findall(r'/admin/people/\d+">([^<]+)</a>', second)
    assert len(rest) == 31 - 25  # 30 new people and the demo learner of Lềm
    assert not set(names) & set(rest)
    assert "Page 2 of 2" in second
    # The page link keeps the filter.
    assert f"area={lem_id}" in first.split('rel="next"')[0].rsplit("href=", 1)[1]


# --- creating ----------------------------------------------------------------------------


def test_is_a_username_made_from_the_name_without_accents():
    assert username_base("Hoàng Văn An") == "hoangvanan"
    assert username_base("Đặng Thị Ánh") == "dangthianh"
    assert username_base("  Lò  Văn  Ươn ") == "lovanuon"
    assert username_base("Ư") == "useru"


def test_does_creating_a_person_show_a_temporary_password_once(demo, client, auth):
    auth.sign_in("admin")
    lem = area_named(demo, "Lềm")
    response = send(
        client,
        "/admin/people/new",
        {"full_name": "Hoàng Văn An", "phone": "0988 111 222", "area_id": lem, "roles": "learner"},
    )
    assert response.status_code == 200
    page = text(response)
    password = re.search(r'id="temporary-password">([^<]+)<', page)[1]
    assert "shown only this once" in page
    created = person(demo, "hoangvanan")
    assert created["must_change_password"] is True
    assert created["phone"] == "0988111222"
    assert created["grants"] == [("learner", "Lềm")]
    assert password not in created["password_hash"]
    # The next visit to the person's page does not show it again.
    assert password not in text(client.get(f"/admin/people/{user_id(demo, 'hoangvanan')}"))
    assert ("account_create", "") in audit_actions(demo, "account_create")

    # A second person of the same name gets the next free username.
    send(
        client,
        "/admin/people/new",
        {
            "full_name": "Hoàng Văn An",
            "area_id": lem,
            "roles": ["learner", "committee"],
            "current_password": PASSWORD,
        },
    )
    assert person(demo, "hoangvanan2")["grants"] == [("committee", "Lềm"), ("learner", "Lềm")]

    # The person signs in with it and must choose their own password first.
    auth.sign_out()
    response = auth.sign_in("hoangvanan", password)
    assert response.status_code == 302
    assert client.get("/").headers["Location"].endswith("/account/password")


@pytest.mark.parametrize("role", ["trainer", "committee", "admin"])
def test_does_creating_a_person_with_a_role_beyond_learner_need_the_admins_password(
    demo, client, auth, role
):
    auth.sign_in("admin")
    form = {"full_name": "Lò Văn Ươn", "area_id": area_named(demo, "Lềm"), "roles": [role]}
    before = row_counts(demo)
    response = send(client, "/admin/people/new", form)
    assert response.status_code == 200
    assert "To give a role other than learner, type your own password again." in text(response)
    response = send(client, "/admin/people/new", {**form, "current_password": "wrong-one"})
    assert response.status_code == 200
    assert "Your password is not right." in text(response)
    assert row_counts(demo) == before
    assert person(demo, "lovanuon") == {}

    response = send(client, "/admin/people/new", {**form, "current_password": PASSWORD})
    assert 'id="temporary-password"' in text(response)
    assert person(demo, "lovanuon")["grants"] == [(role, "Lềm")]


def test_is_the_password_question_on_the_new_person_page_in_vietnamese(demo, client, auth):
    auth.sign_in("admin")
    form = {"full_name": "Lò Văn Ươn", "area_id": area_named(demo, "Lềm"), "roles": "committee"}
    form["csrf_token"] = re.search(
        r'name="csrf_token" type="hidden" value="([^"]+)"', text(client.get("/admin/"))
    )[1]
    response = client.post("/admin/people/new", data=form, headers={"Accept-Language": "vi"})
    assert "hãy nhập lại mật khẩu của đồng chí" in text(response)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"full_name": ""}, "Enter the person's full name."),
        ({"username": "learner"}, "This username is already in use."),
        ({"username": "Bad Name!"}, "A username uses lower-case letters"),
        ({"phone": "12345"}, "This is not a Vietnamese phone number"),
        ({"phone": "0912000002"}, "This phone number already belongs to another account."),
        ({"roles": []}, "Choose at least one role."),
        ({"roles": ["superuser"]}, "Choose roles from the list."),
        ({"area_id": "abc"}, "Choose an area from the list."),
        ({"area_id": "987654"}, "This area is not one you manage."),
    ],
)
def test_is_a_bad_new_person_refused_with_a_message_and_nothing_created(
    demo, client, auth, data, message
):
    auth.sign_in("admin")
    form = {"full_name": "Lò Văn Ươn", "area_id": area_named(demo, "Lềm"), "roles": "learner"}
    form.update(data)
    before = row_counts(demo)
    response = send(client, "/admin/people/new", form)
    assert response.status_code == 200
    assert message in text(response)
    assert row_counts(demo) == before


def test_can_a_commune_admin_not_create_a_person_in_another_commune(demo, client, auth):
    make_admin(demo, "kn-admin", "Kháng Nhật")
    auth.sign_in("kn-admin")
    before = row_counts(demo)
    response = send(
        client,
        "/admin/people/new",
        {"full_name": "Lò Văn Ươn", "area_id": area_named(demo, "Cây Nhãn"), "roles": "admin"},
    )
    assert "This area is not one you manage." in text(response)
    assert row_counts(demo) == before
    # The choices offered are the commune's own areas only.
    form = text(client.get("/admin/people/new"))
    assert "Lềm" in form and "Cây Nhãn" not in form and "Tuyên Quang" not in form


def test_is_creating_a_person_refused_without_a_csrf_token(demo, client, auth):
    auth.sign_in("admin")
    before = row_counts(demo)
    response = client.post(
        "/admin/people/new",
        data={"full_name": "X Y", "area_id": area_named(demo, "Lềm"), "roles": "learner"},
    )
    assert response.status_code == 400
    assert row_counts(demo) == before


# --- editing -----------------------------------------------------------------------------


def edit_form(app, username: str, **changes) -> dict:
    current = person(app, username)
    form = {
        "full_name": current["full_name"],
        "phone": current["phone"] or "",
        "area_id": area_named(app, current["area"], parent=_parent_name(app, username)),
        "roles": [role for role, _ in current["grants"]],
        "is_active": "y" if current["is_active"] else "",
    }
    form.update(changes)
    return form


def _parent_name(app, username: str) -> str | None:
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == username))
        return user.area.parent.name if user.area and user.area.parent else None


def test_does_an_edit_change_name_phone_and_area_and_record_it(demo, client, auth):
    auth.sign_in("admin")
    learner = user_id(demo, "learner")
    response = send(
        client,
        f"/admin/people/{learner}",
        edit_form(
            demo,
            "learner",
            full_name="Hoàng Văn Ân",
            phone="+84 912 333 444",
            area_id=area_named(demo, "Thác Nông"),
        ),
    )
    assert response.status_code == 302
    after = person(demo, "learner")
    assert (after["full_name"], after["phone"], after["area"]) == (
        "Hoàng Văn Ân",
        "0912333444",
        "Thác Nông",
    )
    assert ("account_edit", "full_name, phone, area") in audit_actions(demo, "account_edit")


def test_does_changing_roles_need_the_admins_own_password(demo, client, auth):
    auth.sign_in("admin")
    learner = user_id(demo, "learner")
    before = person(demo, "learner")
    response = send(
        client, f"/admin/people/{learner}", edit_form(demo, "learner", roles=["learner", "admin"])
    )
    assert "To change roles, type your own password again." in text(response)
    response = send(
        client,
        f"/admin/people/{learner}",
        edit_form(demo, "learner", roles=["learner", "admin"], current_password="wrong-one"),
    )
    assert "Your password is not right." in text(response)
    assert person(demo, "learner") == before

    response = send(
        client,
        f"/admin/people/{learner}",
        edit_form(demo, "learner", roles=["learner", "committee"], current_password=PASSWORD),
    )
    assert response.status_code == 302
    assert person(demo, "learner")["grants"] == [("committee", "Lềm"), ("learner", "Lềm")]
    assert ("role_grant", "committee") in audit_actions(demo, "role_grant")

    send(
        client,
        f"/admin/people/{learner}",
        edit_form(demo, "learner", roles=["learner"], current_password=PASSWORD),
    )
    assert person(demo, "learner")["grants"] == [("learner", "Lềm")]
    assert ("role_revoke", "committee") in audit_actions(demo, "role_revoke")


def test_is_an_edit_without_role_changes_saved_without_the_password(demo, client, auth):
    auth.sign_in("admin")
    learner = user_id(demo, "learner")
    response = send(client, f"/admin/people/{learner}", edit_form(demo, "learner", phone=""))
    assert response.status_code == 302
    assert person(demo, "learner")["phone"] is None


def test_can_an_admin_not_remove_their_own_admin_role_or_deactivate_themself(demo, client, auth):
    auth.sign_in("admin")
    me = user_id(demo, "admin")
    before = person(demo, "admin")
    response = send(
        client,
        f"/admin/people/{me}",
        edit_form(demo, "admin", roles=["committee"], current_password=PASSWORD),
    )
    assert "You cannot remove your own administrator role." in text(response)
    response = send(client, f"/admin/people/{me}", edit_form(demo, "admin", is_active=""))
    assert "You cannot deactivate your own account." in text(response)
    response = send(client, f"/admin/people/{me}/deactivate", follow_redirects=True)
    assert "You cannot deactivate your own account." in text(response)
    response = send(client, f"/admin/people/{me}/reset-password", follow_redirects=True)
    assert "use the Password page" in text(response)
    assert person(demo, "admin") == before


def test_does_posting_another_provinces_area_or_unknown_role_change_nothing(demo, client, auth):
    make_admin(demo, "kn-admin", "Kháng Nhật")
    auth.sign_in("kn-admin")
    learner = user_id(demo, "learner")
    before = person(demo, "learner")
    counts = row_counts(demo)
    for changes in (
        {"area_id": area_named(demo, "Cây Nhãn")},
        {"area_id": area_named(demo, "Tuyên Quang")},  # above the admin's own commune
        {"roles": ["learner", "root"], "current_password": PASSWORD},
    ):
        response = send(client, f"/admin/people/{learner}", edit_form(demo, "learner", **changes))
        assert response.status_code == 200
        assert "This area is not one you manage." in text(
            response
        ) or "Choose roles from the list." in text(response)
    assert person(demo, "learner") == before
    assert row_counts(demo) == counts


def test_does_a_commune_admin_get_404_for_a_person_of_another_commune(demo, client, auth):
    make_admin(demo, "kn-admin", "Kháng Nhật")
    auth.sign_in("kn-admin")
    other = user_id(demo, "learner2")
    before = person(demo, "learner2")
    assert client.get(f"/admin/people/{other}").status_code == 404
    for path in ("", "/deactivate", "/reactivate", "/reset-password"):
        response = send(client, f"/admin/people/{other}{path}", edit_form(demo, "learner2"))
        assert response.status_code == 404, path
    assert person(demo, "learner2") == before


def test_can_a_commune_admin_not_change_someone_holding_a_wider_role(demo, client, auth):
    """A province admin who lives in Lềm must not be reset by Kháng Nhật's admin."""
    from learnapp.auth.services import create_user
    from learnapp.models import Area

    lem_id, province_id = area_named(demo, "Lềm"), area_named(demo, "Tuyên Quang")
    with demo.app_context():
        lem = db.session.get(Area, lem_id)
        province = db.session.get(Area, province_id)
        create_user(
            username="boss",
            full_name="Province Boss",
            password=PASSWORD,
            area=lem,
            roles=[(Role.ADMIN, province)],
        )
        db.session.commit()
    make_admin(demo, "kn-admin", "Kháng Nhật")
    auth.sign_in("kn-admin")
    boss = user_id(demo, "boss")
    before = person(demo, "boss")
    page = text(client.get(f"/admin/people/{boss}", headers=EN))
    assert "only an administrator of that wider area" in page
    assert "reset-password" not in page
    send(client, f"/admin/people/{boss}/reset-password")
    send(client, f"/admin/people/{boss}/deactivate")
    send(client, f"/admin/people/{boss}", edit_form(demo, "boss", full_name="Taken Over"))
    assert person(demo, "boss") == before


# --- deactivating and resetting ----------------------------------------------------------


def add_progress(app, username: str) -> int:
    with app.app_context():
        module = Module(slug="progress-kept", texts=[ModuleText(language="vi", title="Giữ")])
        db.session.add(module)
        db.session.flush()
        lesson = Lesson(module_id=module.id, slug="one")
        db.session.add(lesson)
        db.session.flush()
        uid = db.session.scalar(select(User.id).where(User.username == username))
        db.session.add(LessonProgress(user_id=uid, lesson_id=lesson.id))
        db.session.commit()
        return uid


def progress_rows(app, uid: int) -> int:
    with app.app_context():
        return db.session.scalar(
            select(func.count(LessonProgress.id)).where(LessonProgress.user_id == uid)
        )


def test_does_a_deactivated_person_lose_sign_in_and_sessions_but_keep_progress(demo, app, auth):
    learner = add_progress(demo, "learner")
    learner_client = demo.test_client()
    from tests.conftest import Auth

    Auth(learner_client).sign_in("learner")
    assert learner_client.get("/").status_code == 200

    admin_client = demo.test_client()
    Auth(admin_client).sign_in("admin")
    response = send(admin_client, f"/admin/people/{learner}/deactivate")
    assert response.status_code == 302
    assert person(demo, "learner")["is_active"] is False
    assert progress_rows(demo, learner) == 1
    assert ("account_deactivate", "") in audit_actions(demo, "account_deactivate")

    # The open session ends and signing in again fails.
    assert goes_to_sign_in(learner_client.get("/"))
    response = Auth(learner_client).sign_in("learner", headers=EN)
    assert response.status_code == 200
    assert "Wrong username, phone number or password." in text(response)
    assert goes_to_sign_in(learner_client.get("/"))

    send(admin_client, f"/admin/people/{learner}/reactivate")
    assert person(demo, "learner")["is_active"] is True
    assert Auth(learner_client).sign_in("learner").status_code == 302
    assert progress_rows(demo, learner) == 1


def test_does_the_edit_form_deactivate_too(demo, client, auth):
    auth.sign_in("admin")
    learner = user_id(demo, "learner")
    version = person(demo, "learner")["session_version"]
    send(client, f"/admin/people/{learner}", edit_form(demo, "learner", is_active=""))
    after = person(demo, "learner")
    assert after["is_active"] is False and after["session_version"] == version + 1


def test_does_a_password_reset_show_it_once_and_force_a_change(demo, client, auth):
    learner_client = demo.test_client()
    from tests.conftest import Auth

    Auth(learner_client).sign_in("learner")
    auth.sign_in("admin")
    learner = user_id(demo, "learner")
    response = send(
        client, f"/admin/people/{learner}/reset-password", {"current_password": PASSWORD}
    )
    assert response.status_code == 200
    password = re.search(r'id="temporary-password">([^<]+)<', text(response))[1]
    assert re.fullmatch(r"[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}", password)
    assert "no-store" in response.headers["Cache-Control"]
    assert password not in text(client.get(f"/admin/people/{learner}"))
    assert ("password_reset", "") in audit_actions(demo, "password_reset")

    # The learner's open session has ended; the old password no longer works.
    assert goes_to_sign_in(learner_client.get("/"))
    assert Auth(learner_client).sign_in("learner", PASSWORD).status_code == 200
    # The temporary one works, once, and leads straight to choosing a new password.
    assert Auth(learner_client).sign_in("learner", password).status_code == 302
    assert learner_client.get("/").headers["Location"].endswith("/account/password")
    response = post(
        learner_client,
        "/account/password",
        {"current_password": password, "new_password": "my own words", "confirm": "my own words"},
        token_from="/account/password",
    )
    assert response.status_code == 302
    assert learner_client.get("/").status_code == 200
    assert person(demo, "learner")["must_change_password"] is False


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        (None, "To give a temporary password, type your own password again."),
        ("", "To give a temporary password, type your own password again."),
        ("wrong-one", "Your password is not right."),
        ("x" * 500, "Your password is not right."),
    ],
    ids=["missing", "empty", "wrong", "oversized"],
)
def test_does_a_password_reset_need_the_admins_own_password(demo, client, auth, typed, message):
    learner_client = demo.test_client()
    from tests.conftest import Auth

    Auth(learner_client).sign_in("learner")
    auth.sign_in("admin")
    learner = user_id(demo, "learner")
    before = person(demo, "learner")
    counts = row_counts(demo)
    data = {} if typed is None else {"current_password": typed}
    response = send(client, f"/admin/people/{learner}/reset-password", data)
    assert response.status_code == 200
    page = text(response)
    assert message in page
    assert 'id="temporary-password"' not in page
    # Nothing changed: same hash, the learner's session goes on, nothing logged.
    assert person(demo, "learner") == before
    assert row_counts(demo) == counts
    assert learner_client.get("/").status_code == 200


@pytest.mark.parametrize("action", ["deactivate", "reset-password"])
def test_are_the_account_buttons_refused_without_a_csrf_token(demo, client, auth, action):
    auth.sign_in("admin")
    learner = user_id(demo, "learner")
    before = person(demo, "learner")
    counts = row_counts(demo)
    response = client.post(f"/admin/people/{learner}/{action}")
    assert response.status_code == 400
    assert person(demo, "learner") == before
    assert row_counts(demo) == counts


def test_is_an_edit_refused_without_a_csrf_token(demo, client, auth):
    auth.sign_in("admin")
    learner = user_id(demo, "learner")
    before = person(demo, "learner")
    response = client.post(f"/admin/people/{learner}", data=edit_form(demo, "learner", phone=""))
    assert response.status_code == 400
    assert person(demo, "learner") == before


def test_is_a_nul_character_in_a_name_or_search_harmless(demo, client, auth):
    """PostgreSQL refuses NUL in text: the forms drop it instead of failing with a 500."""
    auth.sign_in("admin")
    lem = area_named(demo, "Lềm")
    response = send(
        client,
        "/admin/people/new",
        {"full_name": "Lò\x00Văn Ươn", "area_id": lem, "roles": "learner"},
    )
    assert response.status_code == 200
    assert person(demo, "lovanuon")["full_name"] == "Lò Văn Ươn"
    assert client.get("/admin/people?q=a%00b").status_code == 200
    area = area_named(demo, "Kháng Nhật")
    response = send(
        client, f"/admin/areas/{area}/children", {"name": "Bản\x00X", "level": "village"}
    )
    assert response.status_code == 302
    assert area_named(demo, "Bản X")
