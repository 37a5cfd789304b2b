"""Settings, the SQLite connection, security headers, error pages and the two languages."""

from __future__ import annotations

import logging
import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from flask import render_template_string
from flask_babel import force_locale
from sqlalchemy import event, insert, select

from learnapp import create_app, db
from learnapp.config import ConfigError
from learnapp.models import AuditEvent, User
from tests.conftest import FAST_ARGON2, post

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "learnapp" / "translations"
EN = {"Accept-Language": "en"}
VI = {"Accept-Language": "vi"}


@pytest.fixture
def no_env_secret(monkeypatch):
    monkeypatch.delenv("LEARNAPP_SECRET_KEY", raising=False)
    monkeypatch.delenv("LEARNAPP_ENV", raising=False)


@pytest.fixture
def make_app(migrated, tmp_path):
    """Build extra apps on the test database; their engines are closed afterwards."""
    built = []

    def make(**settings):
        settings.setdefault("DATABASE_URL", migrated)
        settings.setdefault("INSTANCE_PATH", tmp_path / "other-instance")
        settings.setdefault("ARGON2_PARAMETERS", FAST_ARGON2)
        application = create_app(settings)
        built.append(application)
        return application

    yield make
    for application in built:
        db.engine_of(application).dispose()


# --- settings ---------------------------------------------------------------------------


def test_does_production_refuse_to_start_without_a_secret_key(no_env_secret, make_app):
    with pytest.raises(ConfigError, match="LEARNAPP_SECRET_KEY"):
        make_app(ENV="production")


def test_does_production_read_the_environment_too(no_env_secret, make_app, monkeypatch):
    monkeypatch.setenv("LEARNAPP_ENV", "production")
    with pytest.raises(ConfigError):
        make_app()
    monkeypatch.setenv("LEARNAPP_SECRET_KEY", "k" * 64)
    assert make_app().config["SESSION_COOKIE_SECURE"] is True


def test_are_cookies_secure_and_hsts_sent_in_production(demo, make_app):
    prod = make_app(ENV="production", SECRET_KEY="a-long-production-secret-" * 3)
    client = prod.test_client()
    https = {"base_url": "https://localhost"}
    page = client.get("/sign-in", **https)
    assert page.headers["Strict-Transport-Security"].startswith("max-age=")
    token = page.get_data(as_text=True).split('name="csrf_token" type="hidden" value="')[1]
    response = client.post(
        "/sign-in",
        data={
            "csrf_token": token.split('"')[0],
            "identifier": "learner",
            "password": "learnapp-demo",
            "remember": "y",
        },
        headers={"Referer": "https://localhost/sign-in"},
        **https,
    )
    assert response.status_code == 302
    cookies = {c.split("=", 1)[0]: c for c in response.headers.getlist("Set-Cookie")}
    assert set(cookies) >= {"session", "remember_token"}
    for cookie in cookies.values():
        assert "; Secure" in cookie
        assert "; HttpOnly" in cookie
        assert "SameSite=Lax" in cookie
    assert "Strict-Transport-Security" in response.headers


def test_does_production_warn_when_the_sign_in_throttle_counts_per_worker(make_app, caplog):
    with caplog.at_level(logging.WARNING, logger="learnapp"):
        app = make_app(ENV="production", SECRET_KEY="a-long-production-secret-" * 3)
    assert app.config["RATELIMIT_STORAGE_URI"] == "memory://"
    [warning] = [r for r in caplog.records if "RATELIMIT" in r.getMessage()]
    assert warning.levelno == logging.WARNING
    assert "each gunicorn worker" in warning.getMessage()
    assert "redis://" in warning.getMessage()


def test_is_the_memory_throttle_not_warned_about_outside_production(make_app, caplog):
    with caplog.at_level(logging.WARNING, logger="learnapp"):
        make_app()
    assert "RATELIMIT" not in caplog.text


def test_is_hsts_left_out_outside_production(client):
    assert "Strict-Transport-Security" not in client.get("/sign-in").headers


def test_is_a_secret_key_generated_once_and_reused(no_env_secret, make_app, tmp_path):
    instance = tmp_path / "fresh-instance"
    first = make_app(INSTANCE_PATH=instance)
    key_file = instance / "secret_key"
    assert key_file.exists()
    assert key_file.stat().st_mode & 0o777 == 0o600
    assert len(first.secret_key) >= 32
    assert first.secret_key == key_file.read_text().strip()
    second = make_app(INSTANCE_PATH=instance)
    assert second.secret_key == first.secret_key
    elsewhere = make_app(INSTANCE_PATH=tmp_path / "another-instance")
    assert elsewhere.secret_key != first.secret_key


def test_does_a_session_survive_a_restart_with_the_generated_key(
    demo, no_env_secret, make_app, tmp_path
):
    instance = tmp_path / "restart-instance"
    before = make_app(INSTANCE_PATH=instance).test_client()
    post(before, "/sign-in", {"identifier": "learner", "password": "learnapp-demo"})
    cookie = f"session={before.get_cookie('session').value}"
    after = make_app(INSTANCE_PATH=instance).test_client(use_cookies=False)
    assert after.get("/", headers={"Cookie": cookie}).status_code == 200


# --- the SQLite connection ------------------------------------------------------------------


@pytest.fixture
def sqlite_app(make_app, tmp_path):
    """Whatever database the suite runs on, these checks are about SQLite's settings."""
    from learnapp import migrate

    url = f"sqlite:///{tmp_path / 'pragmas.db'}"
    migrate.upgrade(url)
    return make_app(DATABASE_URL=url)


def test_does_every_sqlite_connection_use_wal_a_busy_timeout_and_foreign_keys(sqlite_app):
    engine = db.engine_of(sqlite_app)
    # Two connections open at once, so the pool cannot hand back the same one twice.
    first, second = engine.raw_connection(), engine.raw_connection()
    try:
        assert first.driver_connection is not second.driver_connection
        for conn in (first, second):
            cursor = conn.cursor()
            assert cursor.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
            assert cursor.execute("PRAGMA busy_timeout").fetchone()[0] >= 5000
            assert cursor.execute("PRAGMA foreign_keys").fetchone()[0] == 1
            cursor.close()
    finally:
        first.close()
        second.close()


def test_does_sqlite_refuse_a_row_pointing_at_nothing(sqlite_app):
    from sqlalchemy.exc import IntegrityError

    with sqlite_app.app_context(), pytest.raises(IntegrityError):
        db.session.execute(insert(AuditEvent).values(action="x", actor_id=424242))
        db.session.flush()


def test_do_sqlite_writes_begin_immediate_and_get_requests_deferred(sqlite_app):
    seen = []
    engine = db.engine_of(sqlite_app)
    event.listen(
        engine, "before_cursor_execute", lambda c, cur, stmt, *a: seen.append(stmt.strip())
    )
    with sqlite_app.app_context():
        db.session.add(AuditEvent(action="cli-write"))
        db.session.commit()
    assert seen[0] == "BEGIN IMMEDIATE"
    seen.clear()
    with sqlite_app.test_request_context("/", method="GET"):
        db.session.scalar(select(User.id))
    assert seen[0] == "BEGIN"


# --- headers on every response ----------------------------------------------------------------


def _directives(csp: str) -> dict[str, list[str]]:
    out = {}
    for part in csp.split(";"):
        words = part.split()
        if words:
            out[words[0]] = words[1:]
    return out


def _responses(app, client, auth):
    yield "sign-in page", client.get("/sign-in")
    yield "redirect", client.get("/")
    yield "404", client.get("/no-such-page")
    yield "static", client.get("/static/css/app.css")
    yield "csrf 400", client.post("/sign-in", data={"identifier": "x"})
    yield "405", client.get("/sign-out")
    auth.sign_in("learner")
    yield "home signed in", client.get("/")
    yield "password page", client.get("/account/password")


def test_does_every_response_carry_the_security_headers(demo, client, auth):
    for what, response in _responses(demo, client, auth):
        csp = _directives(response.headers.get("Content-Security-Policy", ""))
        script_src = csp.get("script-src", csp.get("default-src"))
        assert script_src, what
        assert "'unsafe-inline'" not in script_src, what
        assert "'unsafe-eval'" not in script_src, what
        assert csp.get("frame-ancestors") == ["'none'"], what
        assert csp.get("object-src") == ["'none'"], what
        assert response.headers.get("X-Content-Type-Options") == "nosniff", what
        assert response.headers.get("Referrer-Policy") in (
            "no-referrer",
            "same-origin",
            "strict-origin",
            "strict-origin-when-cross-origin",
        ), what


def test_are_pages_about_a_signed_in_person_kept_out_of_shared_caches(demo, client, auth):
    auth.sign_in("learner")
    assert "no-store" in client.get("/").headers.get("Cache-Control", "")


def test_do_the_pages_carry_no_inline_script(demo, client, auth):
    for what, response in _responses(demo, client, auth):
        html = response.get_data(as_text=True)
        if response.mimetype == "text/html":
            assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), what
            assert not re.search(r"\son[a-z]+\s*=", html), what
            assert "javascript:" not in html, what


# --- error pages -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("headers", "heading"), [(VI, "Không tìm thấy trang"), (EN, "Page not found")]
)
def test_is_the_404_page_friendly_in_the_browsers_language(client, headers, heading):
    response = client.get("/no-such-page", headers=headers)
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert heading in html
    assert f'<html lang="{headers["Accept-Language"]}">' in html


def test_does_the_404_page_follow_the_language_chosen_with_the_form(client):
    post(client, "/language", {"language": "en"})
    response = client.get("/no-such-page", headers=VI)
    assert "Page not found" in response.get_data(as_text=True)
    post(client, "/language", {"language": "vi"})
    response = client.get("/no-such-page", headers=EN)
    assert "Không tìm thấy trang" in response.get_data(as_text=True)


@pytest.mark.own_app
@pytest.mark.parametrize(
    ("headers", "heading"), [(VI, "Đã có lỗi xảy ra"), (EN, "Something went wrong")]
)
def test_does_a_crash_show_the_friendly_500_page_and_no_traceback(
    app, client, caplog, headers, heading
):
    @app.get("/_boom")
    def boom():
        raise RuntimeError("secret-internal-detail")

    with caplog.at_level(logging.ERROR):
        response = client.get("/_boom", headers=headers)
    assert response.status_code == 500
    html = response.get_data(as_text=True)
    assert heading in html
    assert "Traceback" not in html
    assert "secret-internal-detail" not in html
    assert "RuntimeError" not in html
    # The log keeps what the page hides.
    assert "secret-internal-detail" in caplog.text


@pytest.mark.own_app
def test_does_a_crash_roll_back_what_the_request_had_written(app, client):
    @app.get("/_half_done")
    def half_done():
        from learnapp import audit

        audit.record("half-done")
        db.session.flush()
        raise RuntimeError("after the write")

    assert client.get("/_half_done").status_code == 500
    with app.app_context():
        assert db.session.scalar(select(AuditEvent.id)) is None


CHOICES = [
    ("vi", EN, "Tài khoản của đồng chí không mở được trang này", "Biểu mẫu đã hết hạn"),
    ("en", VI, "This page is not for your account", "The form has expired"),
]


@pytest.mark.parametrize(("choice", "browser", "heading", "_csrf"), CHOICES)
def test_is_the_403_page_in_the_language_the_person_chose(
    demo, client, auth, choice, browser, heading, _csrf
):
    """The browser asks for the other language; the person's own choice wins."""
    auth.sign_in("learner")
    post(client, "/language", {"language": choice}, token_from="/")
    response = client.get("/admin/", headers=browser)
    assert response.status_code == 403
    html = response.get_data(as_text=True)
    assert heading in html
    assert f'<html lang="{choice}">' in html


@pytest.mark.parametrize(("choice", "browser", "_403", "heading"), CHOICES)
@pytest.mark.parametrize("signed_in", [True, False], ids=["signed-in", "anonymous"])
def test_is_the_csrf_failure_page_in_the_language_the_person_chose(
    demo, client, auth, choice, browser, _403, heading, signed_in
):
    if signed_in:
        auth.sign_in("learner")
    post(client, "/language", {"language": choice})
    path = "/account/password" if signed_in else "/sign-in"
    response = client.post(path, data={"csrf_token": "forged"}, headers=browser)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert heading in html
    assert f'<html lang="{choice}">' in html


def test_is_a_method_not_allowed_a_friendly_page(client):
    response = client.get("/sign-out", headers=EN)
    assert response.status_code == 405
    assert "This request could not be handled" in response.get_data(as_text=True)


# --- the language switch ----------------------------------------------------------------------


def test_is_the_language_choice_remembered_on_the_account(demo, client, auth):
    auth.sign_in("learner")
    assert "Xin chào" in client.get("/", headers=VI).get_data(as_text=True)
    response = post(client, "/language", {"language": "en", "next": "/"}, token_from="/")
    assert response.status_code == 302
    assert "Hello" in client.get("/", headers=VI).get_data(as_text=True)
    with demo.app_context():
        locale = db.session.scalar(select(User.locale).where(User.username == "learner"))
    assert locale == "en"
    auth.sign_out()

    # Another phone, a Vietnamese browser: the account's choice wins once signed in.
    phone = demo.test_client()
    post(phone, "/sign-in", {"identifier": "learner", "password": "learnapp-demo"})
    assert "Hello" in phone.get("/", headers=VI).get_data(as_text=True)


def test_does_an_anonymous_language_choice_last_for_the_visit(client):
    post(client, "/language", {"language": "en"})
    assert "<h1>Sign in</h1>" in client.get("/sign-in", headers=VI).get_data(as_text=True)


@pytest.mark.parametrize("code", ["fr", "", "vi-VN", "en\n", "x" * 500])
def test_is_an_unknown_language_code_refused_and_changes_nothing(demo, client, auth, code):
    auth.sign_in("learner")
    response = post(client, "/language", {"language": code}, token_from="/", headers=VI)
    assert response.status_code == 302
    page = client.get("/", headers=VI).get_data(as_text=True)
    assert "Xin chào" in page
    assert 'class="flash flash-error"' in page
    with demo.app_context():
        locale = db.session.scalar(select(User.locale).where(User.username == "learner"))
    assert locale is None


def test_is_the_language_switch_refused_without_a_csrf_token(demo, client, auth):
    auth.sign_in("learner")
    assert client.post("/language", data={"language": "en"}).status_code == 400
    with demo.app_context():
        assert db.session.scalar(select(User.locale).where(User.username == "learner")) is None


def test_does_a_template_follow_a_language_forced_for_one_message(app):
    # Texts are looked up once per request and language: an e-mail rendered in its
    # recipient's language during someone else's request still gets that language, and
    # the page's own language comes back after it.
    page = "{{ _('Home') }}|{{ _('%(n)s minutes to read', n=3) }}|{{ get_locale() }}"
    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        assert render_template_string(page) == "Home|3 minutes to read|en"
        with force_locale("vi"):
            assert render_template_string(page) == "Trang chủ|Đọc trong 3 phút|vi"
        assert render_template_string(page) == "Home|3 minutes to read|en"


# --- translation catalogs -----------------------------------------------------------------------


def _catalog(language: str):
    with open(TRANSLATIONS / language / "LC_MESSAGES" / "messages.po", "rb") as handle:
        return read_po(handle)


@pytest.mark.parametrize("language", ["vi", "en"])
def test_is_every_message_of_the_catalog_translated(language):
    catalog = _catalog(language)
    missing = []
    for message in catalog:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy or not all(s.strip() for s in strings):
            missing.append(message.id)
    assert missing == []
    assert len(catalog) > 20


@pytest.fixture(scope="module")
def extracted(tmp_path_factory):
    target = tmp_path_factory.mktemp("pot") / "messages.pot"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "extract",
            "-k",
            "_l",
            "-k",
            "lazy_gettext",
            "-F",
            "learnapp/babel.cfg",
            "-o",
            str(target),
            ".",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    with open(target, "rb") as handle:
        return read_po(handle)


def test_does_extraction_find_the_strings_we_know_about(extracted):
    ids = {m.id for m in extracted if m.id}
    assert "Wrong username, phone number or password." in ids  # Python, with _
    assert "Username or phone number" in ids  # Python, with _l
    assert "Page not found" in ids  # a template


@pytest.mark.parametrize("language", ["vi", "en"])
def test_is_every_string_marked_in_the_code_in_the_catalog(extracted, language):
    catalog = _catalog(language)
    known = {m.id for m in catalog if m.id}
    missing = sorted(
        f"{m.locations[0][0] if m.locations else '?'}: {m.id}"
        for m in extracted
        if m.id and m.id not in known
    )
    assert missing == []


# --- NUL characters (PostgreSQL refuses them in text) ---------------------------------------


def test_are_nul_characters_replaced_in_every_form_field_and_query_parameter(app):
    with app.test_request_context(
        "/?q=a%00b&q=c", method="POST", data={"name": "Lò\x00Văn", "other": "x"}
    ):
        from flask import request

        assert request.args.getlist("q") == ["a b", "c"]
        assert request.form["name"] == "Lò Văn"
        assert request.form["other"] == "x"


def test_is_a_nul_in_a_report_search_harmless_on_either_database(demo, client, auth):
    auth.sign_in("committee")
    area = client.get("/reports/").headers["Location"]
    response = client.get(f"{area}?q=L%E1%BB%81m%00", headers=EN)
    assert response.status_code == 200
    assert 'value="Lềm "' in response.get_data(as_text=True)
