"""What users expect on their first days: landing pages, help, Vietnam time, export names,
search on villages and any Unicode form, password rules, show-password toggles and the
forced change that trusts a temporary password typed minutes ago."""

from __future__ import annotations

import unicodedata
from datetime import datetime

import pytest
from sqlalchemy import select

from learnapp import db
from learnapp.auth import services
from learnapp.models import Area, AuditEvent, User
from learnapp.name_search import ascii_slug
from tests.admin_support import PASSWORD, make_admin, send, text
from tests.admin_support import area_id as area_named
from tests.conftest import Auth, post
from tests.reports_support import fetch_export

EN = {"Accept-Language": "en"}
VI = {"Accept-Language": "vi"}


# --- where each person lands -------------------------------------------------------------


@pytest.mark.parametrize(
    ("username", "landing"),
    [("admin", "/admin/"), ("committee", "/reports/"), ("learner", "/")],
)
def test_does_each_role_land_on_its_own_page_after_sign_in(demo, auth, username, landing):
    response = auth.sign_in(username)
    assert response.status_code == 302
    assert response.headers["Location"] == landing


def test_does_a_safe_next_still_win_over_the_landing_page(demo, auth):
    response = post(
        auth.client,
        "/sign-in",
        {"identifier": "committee", "password": PASSWORD, "next": "/account"},
    )
    assert response.headers["Location"] == "/account"


# --- help ----------------------------------------------------------------------------------


def set_contact(client, area: int, value: str, token_from: str | None = None):
    return send(
        client,
        f"/admin/areas/{area}/help-contact",
        {"help_contact": value},
        token_from=token_from or f"/admin/areas/{area}",
    )


def test_does_the_help_page_show_the_contact_the_admin_set_on_the_commune(demo, client, auth):
    commune = area_named(demo, "Kháng Nhật", "commune")
    auth.sign_in("admin")
    assert (
        set_contact(client, commune, "Chị Hà, cán bộ tuyên giáo xã: 0912 345 678").status_code
        == 302
    )
    with demo.app_context():
        assert db.session.scalar(
            select(AuditEvent.id).where(AuditEvent.action == "help_contact_change")
        )
    auth.sign_out()
    auth.sign_in("learner")  # of Lềm, in Kháng Nhật
    page = text(client.get("/help", headers=EN))
    assert "Chị Hà, cán bộ tuyên giáo xã: 0912 345 678" in page
    for heading in ("How to sign in", "How to continue", "How to take a quiz", "Who to call"):
        assert heading in page
    auth.sign_out()
    auth.sign_in("learner2")  # of Cây Nhãn, in Tứ Quận: no contact there
    page = text(client.get("/help", headers=VI))
    assert "0912 345 678" not in page
    assert "Cách đăng nhập" in page


def test_is_the_help_page_open_before_signing_in(demo, client):
    page = client.get("/help", headers=EN)
    assert page.status_code == 200
    assert "How to sign in" in text(page)
    assert "/help" in text(client.get("/sign-in"))


def test_are_help_contact_refusals_clear_and_harmless(demo, client, auth):
    commune = area_named(demo, "Kháng Nhật", "commune")
    other = area_named(demo, "Tứ Quận", "commune")
    make_admin(demo, "tuquan-admin", "Tứ Quận")
    auth.sign_in("tuquan-admin")
    assert set_contact(client, commune, "x", token_from=f"/admin/areas/{other}").status_code == 404
    response = set_contact(client, other, "x" * 201)
    assert response.status_code == 400
    assert "At most 200 characters." in text(response)
    response = client.post(f"/admin/areas/{other}/help-contact", data={"help_contact": "y"})
    assert response.status_code == 400  # no CSRF token
    auth.sign_out()
    auth.sign_in("committee")
    assert set_contact(client, commune, "z", token_from="/help").status_code == 403
    with demo.app_context():
        assert set(db.session.scalars(select(Area.help_contact))) == {None}


# --- Vietnam time and export names --------------------------------------------------------


def test_does_the_learner_export_show_vietnam_time_and_the_area_name(demo, client, auth):
    with demo.app_context():
        learner = db.session.scalar(select(User).where(User.username == "learner"))
        learner.last_active_at = datetime(2026, 12, 4, 20, 30)  # UTC: 03:30 on the 5th in Vietnam
        db.session.commit()
    commune = area_named(demo, "Kháng Nhật", "commune")
    auth.sign_in("admin")
    response = fetch_export(client, f"/reports/areas/{commune}/learners.csv", headers=EN)
    assert response.status_code == 200
    disposition = response.headers["Content-Disposition"]
    assert 'filename="learners-khang-nhat-' in disposition
    body = response.get_data(as_text=True)
    assert "Last active (Vietnam time, UTC+7)" in body
    assert "2026-12-05 03:30" in body and "2026-12-04 20:30" not in body
    overdue = fetch_export(client, f"/reports/areas/{commune}/overdue.xlsx")
    assert 'filename="overdue-khang-nhat-' in overdue.headers["Content-Disposition"]


def test_is_an_area_name_folded_to_plain_ascii_for_file_names():
    assert ascii_slug("Tân Thanh") == "tan-thanh"
    assert ascii_slug("Đồng Tâm / Lềm") == "dong-tam-lem"
    assert ascii_slug(unicodedata.normalize("NFD", "Cây Nhãn")) == "cay-nhan"
    assert ascii_slug("???") == "area"


def test_does_the_learner_page_state_vietnam_time(demo, client, auth):
    with demo.app_context():
        learner = db.session.scalar(select(User).where(User.username == "learner"))
        learner.last_active_at = datetime(2026, 12, 4, 20, 30)
        uid = learner.id
        db.session.commit()
    auth.sign_in("committee")
    page = text(client.get(f"/reports/people/{uid}", headers=EN))
    assert "05/12/2026 03:30" in page
    assert page.count("Vietnam time (UTC+7)") == 1


# --- search ----------------------------------------------------------------------------------


def admin_search(client, term: str) -> str:
    return text(client.get("/admin/people", query_string={"q": term}, headers=EN))


def test_does_the_admin_search_find_the_people_of_a_village_by_its_name(demo, client, auth):
    auth.sign_in("admin")
    page = admin_search(client, "lem")
    assert "Hoàng Văn An" in page  # the learner of Lềm
    assert "Ma Thị Bình" not in page  # of Cây Nhãn


def test_does_a_name_typed_in_decomposed_unicode_find_the_person(demo, client, auth):
    auth.sign_in("admin")
    decomposed = unicodedata.normalize("NFD", "Hoàng Văn An")
    assert decomposed != "Hoàng Văn An"
    assert "Hoàng Văn An" in admin_search(client, decomposed)
    commune = area_named(demo, "Kháng Nhật", "commune")
    page = text(client.get(f"/reports/areas/{commune}", query_string={"q": decomposed}, headers=EN))
    assert "Hoàng Văn An" in page


def test_does_the_reports_search_match_villages_too(demo, client, auth):
    auth.sign_in("admin")  # a committee member of the province too
    province = area_named(demo, "Tuyên Quang", "province")
    page = text(client.get(f"/reports/areas/{province}", query_string={"q": "cay nhan"}))
    assert "Ma Thị Bình" in page
    assert "Hoàng Văn An" not in page


def test_is_the_stored_folded_name_kept_in_step_with_the_name(demo, client, auth):
    with demo.app_context():
        learner = db.session.scalar(select(User).where(User.username == "learner"))
        assert learner.folded_name == "hoang van an"
        learner.full_name = "Đặng Thị Ước"
        db.session.commit()
        assert (
            db.session.scalar(select(User.folded_name).where(User.username == "learner"))
            == "dang thi uoc"
        )
    lem = area_named(demo, "Lềm")
    auth.sign_in("admin")
    send(client, f"/admin/areas/{lem}/rename", {"name": "Nà Lừa"}, token_from=f"/admin/areas/{lem}")
    with demo.app_context():
        assert db.session.get(Area, lem).folded_name == "na lua"
    assert "Đặng Thị Ước" in admin_search(client, "na lua")


def test_does_a_bulk_import_store_folded_names(demo, client, auth):
    from learnapp.admin import imports

    with demo.app_context():
        admin = db.session.scalar(select(User).where(User.username == "admin"))
        sheet = "full_name,village,commune\nLương Văn Ấm,Lềm,Kháng Nhật\n".encode()
        check = imports.check_rows(admin, imports.read_sheet(sheet))
        imports.apply_import(admin, check, "people.csv")
        db.session.commit()
        assert (
            db.session.scalar(select(User.folded_name).where(User.full_name == "Lương Văn Ấm"))
            == "luong van am"
        )


# --- password rules --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("password", "problem"),
    [
        ("12345678", "too_common"),
        ("123456789", "too_common"),
        ("matkhau123", "too_common"),
        ("anhyeuem", "too_common"),
        ("PASSWORD1", "too_common"),  # Django's list, any case
        ("sunshine", "too_common"),
        ("learner-2026", "personal"),  # the username
        ("hoangvanan!", "personal"),  # the name without marks or spaces
        ("Hoàng Văn An 1", "personal"),
        ("an-0912000001", "personal"),  # the phone number
        ("x912000001x", "personal"),
        ("ruộng lúa bậc thang", None),
        ("short", "too_short"),
    ],
)
def test_is_a_common_or_personal_password_refused(password, problem):
    found = services.password_problem(
        password, username="learner", full_name="Hoàng Văn An", phone="0912000001"
    )
    assert found == problem


@pytest.mark.parametrize(
    ("new", "headers", "message"),
    [
        ("12345678", EN, "one of the most common ones"),
        ("matkhau123", VI, "phổ biến nhất"),
        ("hoangvanan2026", EN, "must not contain your username, your name or your phone"),
        ("0912000001a", VI, "không được chứa tên đăng nhập"),
    ],
)
def test_does_the_password_page_refuse_it_in_the_persons_language(
    demo, client, auth, new, headers, message
):
    auth.sign_in("learner")
    before = password_hash(demo, "learner")
    response = post(
        client,
        "/account/password",
        {"current_password": PASSWORD, "new_password": new, "confirm": new},
        token_from="/account/password",
        headers=headers,
    )
    assert response.status_code == 200
    assert message in text(response)
    assert password_hash(demo, "learner") == before


def password_hash(app, username: str) -> str:
    with app.app_context():
        return db.session.scalar(select(User.password_hash).where(User.username == username))


# --- show-password toggles and the forced change -----------------------------------------


def test_are_show_password_toggles_hidden_until_javascript_shows_them(demo, client):
    page = text(client.get("/sign-in", headers=EN))
    assert 'data-reveal="password"' in page
    assert "hidden>Show password</button>" in page  # nothing dead without JavaScript
    assert 'type="password"' in page
    assert "js/app.js" in page


@pytest.fixture
def reset_learner(demo, client, auth):
    """The demo learner after an admin's reset: their temporary password."""
    auth.sign_in("admin")
    uid = demo_user_id(demo, "learner")
    response = send(
        client,
        f"/admin/people/{uid}/reset-password",
        {"current_password": PASSWORD},
        token_from=f"/admin/people/{uid}",
    )
    import re

    password = re.search(r'id="temporary-password">([^<]+)<', text(response)).group(1)
    auth.sign_out()
    return password


def demo_user_id(app, username: str) -> int:
    with app.app_context():
        return db.session.scalar(select(User.id).where(User.username == username))


def test_does_the_forced_change_ask_again_only_after_ten_minutes(demo, reset_learner):
    learner = demo.test_client()
    Auth(learner).sign_in("learner", reset_learner)
    assert 'name="current_password"' not in text(learner.get("/account/password"))
    with learner.session_transaction() as session:
        typed_at, fingerprint = session["temporary_typed"]
        session["temporary_typed"] = [
            typed_at - services.TEMPORARY_TRUSTED_SECONDS - 1,
            fingerprint,
        ]
    assert 'name="current_password"' in text(learner.get("/account/password"))


def test_is_the_temporary_password_refused_as_the_new_one(demo, reset_learner):
    learner = demo.test_client()
    Auth(learner).sign_in("learner", reset_learner)
    response = post(
        learner,
        "/account/password",
        {"new_password": reset_learner, "confirm": reset_learner},
        token_from="/account/password",
        headers=EN,
    )
    assert response.status_code == 200
    assert "different from the current one" in text(response)


def test_does_a_reset_after_sign_in_void_the_trust(demo, client, auth, reset_learner):
    learner = demo.test_client()
    Auth(learner).sign_in("learner", reset_learner)
    with demo.app_context():
        person = db.session.scalar(select(User).where(User.username == "learner"))
        person.password_hash = services.hash_password("another-temporary")
        db.session.commit()
    # The session's mark names the old hash: the page would ask again (the session itself
    # ends with a reset, which bumps the session version; here only the hash changed).
    page = text(learner.get("/account/password"))
    assert 'name="current_password"' in page


def test_does_a_voluntary_change_still_ask_for_the_current_password(demo, client, auth):
    auth.sign_in("learner")
    assert 'name="current_password"' in text(client.get("/account/password"))
