"""Certificates worth checking (issue 12 item 7): the issuing body a province admin sets,
the learner's area as it was at issue, Crockford codes checked in any case and with the
look-alikes, old codes still valid; and the settings page that holds the issuer."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select, update

from learnapp import db, site_settings
from learnapp.learn import certificate_codes
from learnapp.models import Area, Certificate, SiteSetting, User
from tests.admin_support import audit_actions, make_admin, send, text
from tests.conftest import post
from tests.factories import import_into, module_settings, user_id, write_module

SLUG = "test-module"
EN = {"Accept-Language": "en"}
ISSUER_VI = "Ban Tuyên giáo tỉnh (thử)"
ISSUER_EN = "Provincial committee (test)"


@pytest.fixture
def course(demo, tmp_path):
    write_module(tmp_path / "courses", SLUG, settings=module_settings(completion="lessons"))
    import_into(demo, tmp_path / "courses")
    return demo


def earn_certificate(client) -> Certificate:
    """Sign in as the demo learner and read both lessons: the module's rule is lessons."""
    post(client, "/sign-in", {"identifier": "learner", "password": "learnapp-demo"})
    for lesson in ("lesson-1", "lesson-2"):
        post(client, f"/m/{SLUG}/{lesson}/done", token_from=f"/m/{SLUG}/{lesson}")
    app = client.application
    with app.app_context():
        cert = db.session.scalar(select(Certificate))
        assert cert is not None
        db.session.expunge(cert)
        return cert


def set_issuer(app, vi: str, en: str) -> None:
    with app.app_context():
        site_settings.put(site_settings.issuer_key("vi"), vi)
        site_settings.put(site_settings.issuer_key("en"), en)
        db.session.commit()


def set_code(app, cert_id: int, code: str) -> None:
    with app.app_context():
        db.session.execute(update(Certificate).where(Certificate.id == cert_id).values(code=code))
        db.session.commit()


# --- codes --------------------------------------------------------------------------------


def test_are_new_codes_crockford_base32_without_look_alikes():
    codes = {certificate_codes.new_code() for _ in range(200)}

    assert len(codes) == 200
    for code in codes:
        assert re.fullmatch(r"[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){4}", code), code
        assert not set(code) & set("ILOU")
        assert certificate_codes.canonical(code) == code


@pytest.mark.parametrize(
    ("typed", "meaning"),
    [
        ("0123-4567-89ab-cdef-ghjk", "lower case"),
        ("0123456789ABCDEFGHJK", "without dashes"),
        ("O123-4567-89AB-CDEF-GHJK", "O for 0"),
        ("0I23-4567-89AB-CDEF-GHJK", "I for 1"),
        ("0l23 4567 89ab cdef ghjk", "l for 1, spaces, lower case"),
    ],
)
def test_does_a_code_verify_in_any_case_and_with_look_alikes(course, client, typed, meaning):
    cert = earn_certificate(client)
    set_code(course, cert.id, "0123-4567-89AB-CDEF-GHJK")
    post(client, "/sign-out", token_from="/")

    by_path = client.get(f"/verify/{typed}")
    by_form = client.get("/verify", query_string={"code": typed})

    assert by_path.status_code == 200, meaning
    assert by_form.status_code == 200, meaning
    assert "Hoàng Văn An" in text(by_path) and "Hoàng Văn An" in text(by_form)
    assert "0123-4567-89AB-CDEF-GHJK" in text(by_path)


def test_does_a_new_certificate_get_a_crockford_code_that_verifies(course, client):
    cert = earn_certificate(client)

    response = client.get(f"/verify/{cert.code.lower().replace('-', '')}")

    assert certificate_codes.canonical(cert.code) == cert.code
    assert response.status_code == 200 and "Hoàng Văn An" in text(response)


def test_does_an_old_code_keep_verifying_exactly_as_printed(course, client):
    cert = earn_certificate(client)
    old = "Zk3_pQ-9xYw2LmN0aBcD7e"  # token_urlsafe(16), as codes were issued before
    set_code(course, cert.id, old)

    exact = client.get(f"/verify/{old}")
    own_page = client.get(f"/certificates/{old}")

    assert exact.status_code == 200 and "Hoàng Văn An" in text(exact)
    assert own_page.status_code == 200


@pytest.mark.parametrize(
    "typed",
    [
        "0123-4567-89AB-CDEF-GHJ",  # one character short
        "0123-4567-89AB-CDEF-GHJU",  # U is not in the alphabet
        "0123-4567-89AB-CDEF-GHJKX",
        "x" * 61,
        "%00",
    ],
)
def test_is_a_code_that_names_no_certificate_unknown(course, client, typed):
    cert = earn_certificate(client)
    set_code(course, cert.id, "0123-4567-89AB-CDEF-GHJK")

    response = client.get("/verify", query_string={"code": typed})

    assert response.status_code == 404
    assert "Hoàng Văn An" not in text(response)


def test_does_the_empty_check_form_show_without_signing_in(client):
    response = client.get("/verify")

    assert response.status_code == 200
    assert 'name="code"' in text(response)


# --- issuer and area at issue ----------------------------------------------------------------


def test_does_the_certificate_name_the_issuer_in_the_readers_language(course, client):
    set_issuer(course, ISSUER_VI, ISSUER_EN)
    cert = earn_certificate(client)

    vi_page = text(client.get(f"/certificates/{cert.code}"))
    post(client, "/language", {"language": "en", "next": "/"}, token_from="/")
    en_page = text(client.get(f"/certificates/{cert.code}"))
    en_check = text(client.get(f"/verify/{cert.code}"))

    assert cert.issuer == {"vi": ISSUER_VI, "en": ISSUER_EN}
    assert ISSUER_VI in vi_page and ISSUER_EN not in vi_page
    assert ISSUER_EN in en_page and "Issued by" in en_page
    assert ISSUER_EN in en_check


def test_does_the_certificate_keep_the_issuer_and_area_it_was_issued_with(course, client):
    set_issuer(course, ISSUER_VI, ISSUER_EN)
    cert = earn_certificate(client)
    set_issuer(course, "Một cơ quan khác", "Another body")
    learner_id = user_id(course, "learner")
    with course.app_context():
        # The learner moves to another village afterwards.
        elsewhere = db.session.scalar(select(Area).where(Area.name == "Cây Nhãn"))
        learner = db.session.get(User, learner_id)
        learner.area_id = elsewhere.id
        db.session.commit()

    page = text(client.get(f"/verify/{cert.code}"))

    assert cert.area_name == "Lềm, Kháng Nhật, Sơn Dương, Tuyên Quang"
    assert "Lềm, Kháng Nhật, Sơn Dương, Tuyên Quang" in page and "Cây Nhãn" not in page
    assert ISSUER_VI in page and "Một cơ quan khác" not in page


def test_does_a_certificate_without_an_issuer_set_say_nothing_false(course, client):
    cert = earn_certificate(client)

    page = text(client.get(f"/certificates/{cert.code}"))

    assert cert.issuer is None
    assert "Đơn vị cấp" not in page


def test_does_a_certificate_issued_before_issuer_and_area_were_kept_still_show(course, client):
    cert = earn_certificate(client)
    with course.app_context():
        db.session.execute(update(Certificate).values(issuer=None, area_id=None, area_name=None))
        db.session.commit()

    response = client.get(f"/verify/{cert.code}")

    assert response.status_code == 200 and "Hoàng Văn An" in text(response)
    assert "Địa bàn khi cấp" not in text(response)


# --- the settings page ------------------------------------------------------------------------


def sign_in(client, username: str) -> None:
    response = post(client, "/sign-in", {"identifier": username, "password": "learnapp-demo"})
    assert response.status_code == 302


def settings_rows(app) -> dict[str, str]:
    with app.app_context():
        return dict(db.session.execute(select(SiteSetting.key, SiteSetting.value)).all())


GOOD = {"issuer_vi": ISSUER_VI, "issuer_en": ISSUER_EN, "stats_min_answers": "25"}


def test_can_a_province_admin_set_the_issuer_in_both_languages(demo, client):
    sign_in(client, "admin")

    page = client.get("/admin/settings", headers=EN)
    response = send(client, "/admin/settings", GOOD, token_from="/admin/settings")

    assert page.status_code == 200 and "Issuing body, in Vietnamese" in text(page)
    assert response.status_code == 302
    assert settings_rows(demo) == {
        "certificate_issuer_vi": ISSUER_VI,
        "certificate_issuer_en": ISSUER_EN,
        "stats_min_answers": "25",
    }
    assert [a for a, _ in audit_actions(demo, "settings_change")] == ["settings_change"]
    assert "Settings" in text(client.get("/admin/", headers=EN))


def test_is_the_settings_page_refused_to_a_commune_admin(demo, client):
    make_admin(demo, "commune_admin", "Kháng Nhật")
    sign_in(client, "commune_admin")

    page = client.get("/admin/settings")
    response = post(client, "/admin/settings", GOOD, token_from="/admin/")

    assert page.status_code == 403 and response.status_code == 403
    assert settings_rows(demo) == {}
    assert 'href="/admin/settings"' not in text(client.get("/admin/"))


@pytest.mark.parametrize("username", ["learner", "trainer", "committee"])
def test_is_the_settings_page_refused_to_people_who_are_not_admins(demo, client, username):
    sign_in(client, username)

    assert client.get("/admin/settings").status_code == 403
    assert post(client, "/admin/settings", GOOD, token_from="/").status_code == 403
    assert settings_rows(demo) == {}


def test_does_saving_settings_without_the_csrf_token_change_nothing(demo, client):
    sign_in(client, "admin")

    response = client.post("/admin/settings", data=GOOD)

    assert response.status_code == 400
    assert settings_rows(demo) == {}


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("stats_min_answers", "many", "Enter a whole number"),
        ("stats_min_answers", "1", "Enter a whole number from 2 to 10000."),
        ("stats_min_answers", "100001", "Enter a whole number from 2 to 10000."),
        ("stats_min_answers", "", "Enter a whole number"),
        ("issuer_vi", "x" * 201, "At most 200 characters."),
        ("issuer_en", "Committee\x1b[31m", "Remove the invisible control characters"),
    ],
)
def test_are_bad_settings_refused_with_a_message_and_nothing_saved(
    demo, client, field, value, message
):
    sign_in(client, "admin")

    response = send(client, "/admin/settings", {**GOOD, field: value}, token_from="/admin/settings")

    assert response.status_code == 400
    assert message in text(response)
    assert settings_rows(demo) == {}
