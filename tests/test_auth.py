"""Sign-in, sign-out, passwords and sessions (SECURITY 1-6; the issue's bad-input rules)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import pytest
from argon2 import PasswordHasher
from sqlalchemy import func, select
from werkzeug.routing import AnyConverter, IntegerConverter

from learnapp import db
from learnapp.auth import services
from learnapp.models import AuditEvent, Role, User
from learnapp.models.base import utcnow
from tests.conftest import CSRF_RE, csrf_token, post

PASSWORD = "learnapp-demo"
WRONG = "Wrong username, phone number or password."
WRONG_VI = "Sai tên đăng nhập, số điện thoại hoặc mật khẩu."
EN = {"Accept-Language": "en"}
VI = {"Accept-Language": "vi"}


# --- helpers -------------------------------------------------------------------------


def location_path(response) -> str:
    return urlsplit(response.headers["Location"]).path


def get_user(app, username: str) -> User:
    with app.app_context():
        return db.session.scalar(select(User).where(User.username == username))


def audit_events(app, action: str | None = None) -> list[AuditEvent]:
    with app.app_context():
        query = select(AuditEvent).order_by(AuditEvent.id)
        if action:
            query = query.where(AuditEvent.action == action)
        return list(db.session.scalars(query))


def audit_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(AuditEvent.id)))


def is_signed_in(client) -> bool:
    response = client.get("/")
    if response.status_code == 200:
        return True
    assert response.status_code == 302 and location_path(response) == "/sign-in"
    return False


def sign_in(
    client, identifier: str, password: str = PASSWORD, *, headers=None, environ_base=None, **fields
):
    """Post the sign-in form; extra keyword arguments are more form fields."""
    data = {"identifier": identifier, "password": password, **fields}
    request_args = {"headers": headers or {}}
    if environ_base:
        request_args["environ_base"] = environ_base
    return post(client, "/sign-in", data, **request_args)


def cookie_header(client) -> str:
    """The Cookie header this browser would send, to replay it elsewhere."""
    names = ("session", "remember_token")
    parts = [f"{n}={client.get_cookie(n).value}" for n in names if client.get_cookie(n)]
    return "; ".join(parts)


def replay(app, header: str, path: str = "/"):
    """Send a stolen Cookie header from a brand-new browser."""
    return app.test_client(use_cookies=False).get(path, headers={"Cookie": header})


def change_password(client, current: str, new: str, confirm: str | None = None, **kwargs):
    return post(
        client,
        "/account/password",
        {
            "current_password": current,
            "new_password": new,
            "confirm": new if confirm is None else confirm,
        },
        token_from="/account/password",
        **kwargs,
    )


def _sample_value(converter):
    """1 for an int, the first allowed word for an any(...), "x" for any other string."""
    if isinstance(converter, IntegerConverter):
        return 1
    if isinstance(converter, AnyConverter):
        return sorted(converter.items)[0]
    return "x"


def get_routes(app) -> list[str]:
    """Every GET route, with a sample value for each parameter."""
    urls = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint == "static":
            continue
        values = {name: _sample_value(rule._converters.get(name)) for name in rule.arguments}
        urls.append(rule.build(values)[1])
    return urls


@pytest.fixture
def newcomer(demo):
    """An account an admin just created: it must choose its own password first."""
    from tests.factories import build_four_level_tree

    with demo.app_context():
        lem = build_four_level_tree()["Kháng Nhật/Lềm"]
        services.create_user(
            username="newcomer",
            full_name="Người Mới",
            password="given-by-admin",
            area=lem,
            roles=[(Role.LEARNER, lem)],
            must_change_password=True,
        )
        db.session.commit()
    return "newcomer"


# --- signing in ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "identifier",
    ["learner", "Learner ", "0912000001", "+84 912 000 001", "0912.000.001"],
)
def test_can_the_learner_sign_in_with_username_or_phone_number(demo, client, identifier):
    response = sign_in(client, identifier)
    assert response.status_code == 302
    assert location_path(response) == "/"
    home = client.get("/", headers=VI)
    assert home.status_code == 200
    assert "Hoàng Văn An" in home.get_data(as_text=True)


def test_does_another_accounts_phone_number_sign_in_as_that_account(demo, client):
    sign_in(client, "0912000002")
    assert "Ma Thị Bình" in client.get("/").get_data(as_text=True)


def test_do_a_wrong_password_and_an_unknown_user_get_the_same_answer(demo, client):
    wrong_password = sign_in(client, "learner", "not-the-password", headers=EN)
    unknown_user = sign_in(client, "nobody-here", "not-the-password", headers=EN)
    assert wrong_password.status_code == unknown_user.status_code == 200
    for response in (wrong_password, unknown_user):
        assert WRONG in response.get_data(as_text=True)

    def without_echo(response) -> str:
        html = CSRF_RE.sub("", response.get_data(as_text=True))
        return html.replace("learner", "").replace("nobody-here", "")

    assert without_echo(wrong_password) == without_echo(unknown_user)
    assert not is_signed_in(client)


def test_is_the_wrong_password_message_in_vietnamese_for_a_vietnamese_browser(demo, client):
    response = sign_in(client, "learner", "not-the-password", headers=VI)
    assert WRONG_VI in response.get_data(as_text=True)


def test_does_an_inactive_account_get_the_same_answer_as_a_wrong_password(demo, client):
    with demo.app_context():
        db.session.scalar(select(User).where(User.username == "learner")).is_active = False
        db.session.commit()
    response = sign_in(client, "learner", PASSWORD, headers=EN)
    assert response.status_code == 200
    assert WRONG in response.get_data(as_text=True)
    assert not is_signed_in(client)


@pytest.mark.parametrize(
    ("headers", "heading"),
    [(VI, "Biểu mẫu đã hết hạn"), (EN, "The form has expired")],
)
@pytest.mark.parametrize("token", [None, "forged-token", ""])
def test_is_a_sign_in_without_a_valid_csrf_token_refused_and_changes_nothing(
    demo, client, token, headers, heading
):
    before = audit_count(demo)
    data = {"identifier": "learner", "password": PASSWORD}
    if token is not None:
        data["csrf_token"] = token
    response = client.post("/sign-in", data=data, headers=headers)
    assert response.status_code == 400
    assert heading in response.get_data(as_text=True)
    assert audit_count(demo) == before
    assert get_user(demo, "learner").last_sign_in_at is None
    assert not is_signed_in(client)


def test_is_a_csrf_token_from_another_browser_refused(demo, client):
    other = demo.test_client()
    token = csrf_token(other)
    client.get("/sign-in")
    response = client.post(
        "/sign-in", data={"identifier": "learner", "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 400
    assert not is_signed_in(client)


def test_are_sign_out_and_password_change_refused_without_a_csrf_token(demo, client):
    sign_in(client, "learner")
    version = get_user(demo, "learner").session_version
    password_hash = get_user(demo, "learner").password_hash
    assert client.post("/sign-out").status_code == 400
    response = client.post(
        "/account/password",
        data={"current_password": PASSWORD, "new_password": "a-new-password", "confirm": "x"},
    )
    assert response.status_code == 400
    assert is_signed_in(client)
    after = get_user(demo, "learner")
    assert (after.session_version, after.password_hash) == (version, password_hash)


# --- throttling ----------------------------------------------------------------------


def test_is_the_sixth_failed_sign_in_in_a_minute_refused_with_429(demo, client):
    for _ in range(5):
        assert sign_in(client, "learner", "wrong-password", headers=EN).status_code == 200
    response = sign_in(client, "learner", "wrong-password", headers=EN)
    assert response.status_code == 429
    assert "too many failed sign-ins" in response.get_data(as_text=True)
    # Even the right password waits: otherwise the throttle would only slow guessing down.
    assert sign_in(client, "learner", PASSWORD).status_code == 429
    assert not is_signed_in(client)


def test_is_the_429_page_in_vietnamese_for_a_vietnamese_browser(demo, client):
    for _ in range(5):
        sign_in(client, "learner", "wrong-password")
    response = sign_in(client, "learner", "wrong-password", headers=VI)
    assert response.status_code == 429
    assert "Thử quá nhiều lần" in response.get_data(as_text=True)


def test_does_the_account_throttle_count_the_account_whatever_its_spelling(demo, client):
    for spelling in ("learner", "LEARNER", " learner", "Learner", "learner "):
        assert sign_in(client, spelling, "wrong-password").status_code == 200
    assert sign_in(client, "learner", "wrong-password").status_code == 429


def test_does_the_account_throttle_count_username_and_phone_spellings_together(demo, client):
    """One account, five spellings: its username and its phone number, written three ways."""
    for spelling in ("learner", "0912000001", "+84 912 000 001", "LEARNER", "0912.000.001"):
        assert sign_in(client, spelling, "wrong-password").status_code == 200, spelling
    assert sign_in(client, "84912000001", "wrong-password").status_code == 429
    assert sign_in(client, "learner", PASSWORD).status_code == 429
    assert sign_in(client, "learner2", PASSWORD).status_code == 302


def test_does_the_account_throttle_count_an_unknown_phone_number_whatever_its_spelling(
    demo, client
):
    for spelling in ("0999000111", "+84 999 000 111", "0999 000 111", "84999000111", "0999000111"):
        assert sign_in(client, spelling, "wrong-password").status_code == 200, spelling
    assert sign_in(client, "+84999000111", "wrong-password").status_code == 429


def test_does_throttling_one_account_leave_other_accounts_alone(demo, client):
    for _ in range(6):
        sign_in(client, "learner", "wrong-password")
    response = sign_in(client, "learner2", PASSWORD)
    assert response.status_code == 302


def test_are_failed_sign_ins_from_one_ip_throttled_across_accounts(demo, client):
    for n in range(20):
        assert sign_in(client, f"nobody{n}", "wrong-password").status_code == 200
    assert sign_in(client, "nobody-else", "wrong-password").status_code == 429


def test_are_successful_sign_ins_never_throttled(demo, client, auth):
    for _ in range(12):
        response = sign_in(client, "learner")
        assert response.status_code == 302
        assert auth.sign_out().status_code == 302


# --- where sign-in leads ---------------------------------------------------------------


@pytest.mark.parametrize(
    "target",
    [
        "https://elsewhere.example/",
        "//elsewhere.example/",
        "/\\elsewhere.example/",
        "\\\\elsewhere.example/",
        "http:elsewhere.example",
        "javascript:alert(1)",
        "/\t/elsewhere.example",
    ],
)
def test_does_next_never_lead_off_the_site(demo, client, target):
    response = sign_in(client, "learner", next=target)
    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    assert location.netloc in ("", "localhost")
    assert location.path == "/"


def test_is_a_local_next_path_followed(demo, client):
    response = sign_in(client, "learner", next="/account/password?from=card")
    assert response.status_code == 302
    assert response.headers["Location"] == "/account/password?from=card"


def test_does_the_sign_in_page_bring_the_person_back_where_they_were_going(demo, client):
    first = client.get("/account/password")
    assert location_path(first) == "/sign-in"
    page = client.get(first.headers["Location"]).get_data(as_text=True)
    assert 'name="next" type="hidden" value="/account/password"' in page
    response = sign_in(client, "learner", next="/account/password")
    assert response.headers["Location"] == "/account/password"


@pytest.mark.parametrize("target", ["https://elsewhere.example/", "//elsewhere.example/"])
def test_does_the_language_switch_never_lead_off_the_site(demo, client, target):
    response = post(client, "/language", {"language": "en", "next": target})
    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).netloc in ("", "localhost")


# --- passwords -------------------------------------------------------------------------


def test_is_the_stored_hash_argon2id_and_never_the_password(demo):
    stored = get_user(demo, "learner").password_hash
    assert stored.startswith("$argon2id$")
    assert PASSWORD not in stored
    assert PasswordHasher().verify(stored, PASSWORD)


def test_does_production_hash_with_argon2s_rfc_9106_defaults_and_tests_with_the_minimum(app):
    """Tests lower argon2's cost (ARGON2_PARAMETERS); without the setting, as in production,
    hashes carry argon2-cffi's RFC 9106 parameters, and either kind verifies."""
    with app.app_context():
        test_hash = services.hash_password(PASSWORD)
        del app.config["ARGON2_PARAMETERS"]
        production_hash = services.hash_password(PASSWORD)
        assert "$m=8,t=1,p=1$" in test_hash
        assert "$m=65536,t=3,p=4$" in production_hash
        assert services.verify_password(test_hash, PASSWORD)
        assert services.verify_password(production_hash, PASSWORD)


def test_is_a_changed_password_stored_as_argon2id_too(demo, client):
    sign_in(client, "learner")
    change_password(client, PASSWORD, "my own new password")
    stored = get_user(demo, "learner").password_hash
    assert stored.startswith("$argon2id$")
    assert "my own new password" not in stored


def test_does_a_password_change_take_effect_for_the_next_sign_in(demo, client, auth):
    sign_in(client, "learner")
    response = change_password(client, PASSWORD, "my own new password")
    assert response.status_code == 302
    auth.sign_out()
    assert sign_in(client, "learner", PASSWORD).status_code == 200
    assert sign_in(client, "learner", "my own new password").status_code == 302


@pytest.mark.parametrize(
    ("current", "new", "confirm", "message"),
    [
        (PASSWORD, "short12", None, "at least 8 characters"),
        (PASSWORD, "a" * 129, None, "at most 128 characters"),
        (PASSWORD, "a" * 5000, None, "at most 128 characters"),
        (PASSWORD, PASSWORD, None, "different from the current one"),
        ("not-my-password", "a-good-new-password", None, "The current password is not right."),
        (PASSWORD, "a-good-new-password", "a-different-one", "not the same"),
        (PASSWORD, "", None, "Enter a new password."),
    ],
    ids=[
        "7-chars",
        "129-chars",
        "5000-chars",
        "same-as-current",
        "wrong-current",
        "mismatch",
        "empty",
    ],
)
def test_is_a_bad_new_password_refused_and_changes_nothing(
    demo, client, current, new, confirm, message
):
    sign_in(client, "learner")
    before = get_user(demo, "learner")
    events = audit_count(demo)
    response = change_password(client, current, new, confirm, headers=EN)
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    after = get_user(demo, "learner")
    assert after.password_hash == before.password_hash
    assert after.session_version == before.session_version
    assert audit_count(demo) == events
    assert is_signed_in(client)


@pytest.mark.parametrize("length", [8, 128])
def test_are_passwords_at_the_length_limits_accepted_without_truncation(demo, client, auth, length):
    new = ("correct horse battery staple " * 5)[:length]
    sign_in(client, "learner")
    assert change_password(client, PASSWORD, new).status_code == 302
    auth.sign_out()
    assert sign_in(client, "learner", new[:-1]).status_code == 200
    assert sign_in(client, "learner", new).status_code == 302


def test_is_the_password_rule_message_in_vietnamese_for_a_vietnamese_browser(demo, client):
    sign_in(client, "learner")
    response = change_password(client, PASSWORD, "short12", headers=VI)
    html = response.get_data(as_text=True)
    assert "Mật khẩu mới" in html
    assert "at least" not in html


# --- sessions --------------------------------------------------------------------------


def test_is_a_replayed_cookie_refused_after_sign_out(demo, client, auth):
    post(client, "/sign-in", {"identifier": "learner", "password": PASSWORD, "remember": "y"})
    stolen = cookie_header(client)
    assert "remember_token=" in stolen
    assert replay(demo, stolen).status_code == 200  # the copy works while signed in
    auth.sign_out()
    response = replay(demo, stolen)
    assert response.status_code == 302
    assert location_path(response) == "/sign-in"


def test_is_a_replayed_remember_cookie_alone_refused_after_sign_out(demo, client, auth):
    post(client, "/sign-in", {"identifier": "learner", "password": PASSWORD, "remember": "y"})
    remember_only = f"remember_token={client.get_cookie('remember_token').value}"
    assert replay(demo, remember_only).status_code == 200
    auth.sign_out()
    assert location_path(replay(demo, remember_only)) == "/sign-in"


def test_does_sign_out_tell_the_browser_to_forget_the_remember_cookie(demo, client, auth):
    post(client, "/sign-in", {"identifier": "learner", "password": PASSWORD, "remember": "y"})
    assert client.get_cookie("remember_token") is not None
    auth.sign_out()
    assert client.get_cookie("remember_token") is None


def test_does_a_password_change_end_other_sessions_but_keep_this_one(demo, client):
    phone = demo.test_client()
    sign_in(phone, "learner", remember="y")
    stolen = cookie_header(phone)
    sign_in(client, "learner")
    assert is_signed_in(phone)

    assert change_password(client, PASSWORD, "my own new password").status_code == 302

    assert is_signed_in(client)
    assert not is_signed_in(phone)
    assert location_path(replay(demo, stolen)) == "/sign-in"


def test_does_sign_in_start_a_new_session_keeping_only_the_language(demo, client):
    client.get("/sign-in")
    with client.session_transaction() as session:
        session["planted"] = "by someone else"
        session["locale"] = "en"
        session["_user_id"] = "999:1"
    sign_in(client, "learner")
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session["locale"] == "en"
        # id:session version:time of sign-in (see test_does_a_remember_me_restore_...)
        uid, version, signed_in = session["_user_id"].split(":")
        assert (uid, version) == (str(get_user(demo, "learner").id), "1")
        assert abs(int(signed_in) - session["signed_in_at"]) < 2
    assert "Hello" in client.get("/").get_data(as_text=True)


def test_are_session_cookies_httponly_and_samesite_lax(demo, client):
    response = sign_in(client, "learner", remember="y")
    cookies = {c.split("=", 1)[0]: c for c in response.headers.getlist("Set-Cookie")}
    for name in ("session", "remember_token"):
        assert "HttpOnly" in cookies[name]
        assert "SameSite=Lax" in cookies[name]


def _age_session(client, **seconds_ago: float) -> None:
    with client.session_transaction() as session:
        now = utcnow().timestamp()
        for key, ago in seconds_ago.items():
            session[key] = now - ago


def test_does_an_idle_session_end_after_the_idle_timeout(demo, client):
    idle = demo.config["SESSION_IDLE_TIMEOUT"].total_seconds()
    sign_in(client, "learner")
    _age_session(client, seen_at=idle + 60)
    response = client.get("/account/password")
    assert response.status_code == 302
    assert location_path(response) == "/sign-in"
    assert not is_signed_in(client)


def test_does_a_sign_out_sent_after_the_idle_timeout_still_end_the_remember_cookie(demo, client):
    # A phone that signed out offline sends the sign-out when the network returns, maybe
    # days later: the copy of the keep-me-signed-in cookie must die with it.
    idle = demo.config["SESSION_IDLE_TIMEOUT"].total_seconds()
    sign_in(client, "learner", remember="y")
    remember_only = f"remember_token={client.get_cookie('remember_token').value}"
    token = csrf_token(client, "/")
    _age_session(client, seen_at=idle + 60)

    response = client.post("/sign-out", data={"csrf_token": token})

    assert location_path(response) == "/sign-in"
    assert not is_signed_in(client)
    assert location_path(replay(demo, remember_only)) == "/sign-in"


def test_does_a_session_used_within_the_idle_timeout_continue_and_stay_fresh(demo, client):
    idle = demo.config["SESSION_IDLE_TIMEOUT"].total_seconds()
    sign_in(client, "learner")
    _age_session(client, seen_at=idle - 60)
    assert client.get("/").status_code == 200
    with client.session_transaction() as session:
        assert utcnow().timestamp() - session["seen_at"] < 60


def test_does_a_busy_session_still_end_at_the_absolute_timeout(demo, client):
    absolute = demo.config["SESSION_ABSOLUTE_TIMEOUT"].total_seconds()
    sign_in(client, "learner")
    _age_session(client, signed_in_at=absolute + 60, seen_at=10)
    assert location_path(client.get("/")) == "/sign-in"
    assert not is_signed_in(client)


def test_does_the_absolute_timeout_end_a_keep_me_signed_in_session_too(demo, client):
    absolute = demo.config["SESSION_ABSOLUTE_TIMEOUT"].total_seconds()
    sign_in(client, "learner", remember="y")
    _age_session(client, signed_in_at=absolute + 60, seen_at=10)
    assert location_path(client.get("/")) == "/sign-in"
    # The remember-me cookie must not sign the person straight back in.
    assert not is_signed_in(client)


def _shift_clock(monkeypatch, seconds: float) -> None:
    """Move the clock the session timeouts read forward by this many seconds."""
    import learnapp

    real = learnapp.utcnow
    monkeypatch.setattr(learnapp, "utcnow", lambda: real() + timedelta(seconds=seconds))


def test_does_a_remember_me_restore_keep_the_time_of_the_real_sign_in(demo, client, monkeypatch):
    absolute = demo.config["SESSION_ABSOLUTE_TIMEOUT"].total_seconds()
    sign_in(client, "learner", remember="y")
    with client.session_transaction() as session:
        signed_in_at = session["signed_in_at"]
    # The browser was closed: only the keep-me-signed-in cookie is left, a day before the end.
    client.delete_cookie("session")
    _shift_clock(monkeypatch, absolute - 24 * 3600)
    assert client.get("/").status_code == 200
    with client.session_transaction() as session:
        assert int(session["signed_in_at"]) == int(signed_in_at)


def test_does_a_remember_me_restore_after_the_absolute_timeout_sign_out(demo, client, monkeypatch):
    absolute = demo.config["SESSION_ABSOLUTE_TIMEOUT"].total_seconds()
    sign_in(client, "learner", remember="y")
    client.delete_cookie("session")
    _shift_clock(monkeypatch, absolute + 60)
    response = client.get("/")
    assert location_path(response) == "/sign-in"
    assert not is_signed_in(client)
    assert client.get_cookie("remember_token") is None


# --- the forced change at first sign-in ---------------------------------------------------


def test_must_an_admin_created_account_change_its_password_before_anything_else(
    demo, client, newcomer
):
    response = sign_in(client, newcomer, "given-by-admin")
    assert response.status_code == 302
    for url in get_routes(demo):
        if url == "/account/password":
            continue
        page = client.get(url)
        assert page.status_code == 302, url
        assert location_path(page) == "/account/password", url
    assert client.get("/account/password").status_code == 200

    assert change_password(client, "given-by-admin", "my very own password").status_code == 302
    assert client.get("/").status_code == 200
    assert get_user(demo, newcomer).must_change_password is False


def test_can_an_account_that_must_change_its_password_still_sign_out(demo, client, newcomer):
    sign_in(client, newcomer, "given-by-admin")
    response = post(client, "/sign-out", token_from="/account/password")
    assert location_path(response) == "/sign-in"
    assert get_user(demo, newcomer).must_change_password is True


# --- oversized and malformed input ---------------------------------------------------------


@pytest.mark.parametrize(("headers", "heading"), [(VI, "Dữ liệu gửi quá lớn"), (EN, "Too much")])
def test_is_a_3_mb_body_refused_with_the_413_page(demo, client, headers, heading):
    before = audit_count(demo)
    token = csrf_token(client)
    body = {"csrf_token": token, "identifier": "learner", "password": "x" * (3 * 1024 * 1024)}
    response = client.post("/sign-in", data=body, headers=headers)
    assert response.status_code == 413
    assert heading in response.get_data(as_text=True)
    assert audit_count(demo) == before
    assert not is_signed_in(client)


def test_is_an_oversized_multipart_field_refused_with_the_413_page(demo, client):
    token = csrf_token(client)
    body = {"csrf_token": token, "identifier": "x" * (600 * 1024), "password": "x"}
    response = client.post("/sign-in", data=body, content_type="multipart/form-data", headers=EN)
    assert response.status_code == 413
    assert "Too much" in response.get_data(as_text=True)


@pytest.mark.parametrize(("headers", "message"), [(VI, WRONG_VI), (EN, WRONG)])
def test_is_a_10000_character_identifier_a_form_error_in_the_persons_language(
    demo, client, headers, message
):
    response = sign_in(client, "x" * 10_000, "whatever", headers=headers)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert f'<ul class="errors" id="identifier-error"><li>{message}</li></ul>' in html
    assert not is_signed_in(client)


@pytest.mark.parametrize(
    "data",
    [
        {"identifier": "", "password": ""},
        {"identifier": "learner"},
        {"password": PASSWORD},
        {"identifier": "learner\x00", "password": PASSWORD},
        {"identifier": "👩‍🌾" * 30, "password": "p" * 129},
        {"identifier": "learner", "password": PASSWORD, "remember": "maybe", "next": "x" * 5000},
    ],
    ids=["empty", "no-password", "no-identifier", "nul-byte", "emoji", "odd-extras"],
)
def test_does_malformed_sign_in_input_get_a_page_not_a_crash(demo, client, data):
    response = post(client, "/sign-in", data, headers=EN)
    assert response.status_code in (200, 302)
    if response.status_code == 200:
        assert 'class="errors"' in response.get_data(as_text=True)
        assert not is_signed_in(client)


# --- the audit trail -----------------------------------------------------------------------


def test_are_sign_ins_and_failures_recorded_with_the_ip_in_utc(demo, client):
    ip = {"REMOTE_ADDR": "203.0.113.7"}
    learner = get_user(demo, "learner")
    sign_in(client, "learner", "wrong-password", environ_base=ip)
    sign_in(client, "nobody-here", "wrong-password", environ_base=ip)
    sign_in(client, "learner", environ_base=ip)

    failures = audit_events(demo, "sign_in_failed")
    assert [(e.subject_user_id, e.ip) for e in failures] == [
        (learner.id, "203.0.113.7"),
        (None, "203.0.113.7"),
    ]
    [success] = audit_events(demo, "sign_in")
    assert (success.actor_id, success.subject_user_id, success.ip) == (
        learner.id,
        learner.id,
        "203.0.113.7",
    )
    now = datetime.now(UTC).replace(tzinfo=None)
    assert abs(now - success.at) < timedelta(minutes=5)


def test_is_no_password_ever_written_to_the_audit_log(demo, client):
    sign_in(client, "learner", "my-secret-guess")
    sign_in(client, "learner")
    change_password(client, PASSWORD, "my brand new secret")
    for event in audit_events(demo):
        for secret in ("my-secret-guess", PASSWORD, "my brand new secret"):
            assert secret not in event.detail


def test_does_a_failed_sign_in_record_the_identifier_only_and_no_password(demo, client):
    sign_in(client, "learner", "the-real-secret")
    sign_in(client, "+84 912 000 009", "another-secret")
    # A password typed in the username box, and an identifier too long for any account.
    sign_in(client, "My Secret Pass 2024!", "whatever")
    sign_in(client, "a" * 110, "whatever")
    details = [e.detail for e in audit_events(demo, "sign_in_failed")]
    assert details[:2] == ["learner", "+84 912 000 009"]
    assert details[2] == "My\u2026 (length 20)"
    assert details[3] == "aa\u2026 (length 110)"
    for detail in details:
        assert len(detail) <= services.USERNAME_MAX
        for secret in ("the-real-secret", "another-secret", "whatever", "Secret Pass"):
            assert secret not in detail


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
def test_can_a_newline_in_the_username_forge_an_audit_line(demo, client, newline):
    forged = f"nobody{newline}2026-01-01 sign_in admin 10.0.0.1"
    sign_in(client, forged, "wrong-password")
    [event] = audit_events(demo, "sign_in_failed")
    assert "\n" not in event.detail and "\r" not in event.detail
    # Not shaped like a username: kept as its first letters and its length only.
    assert event.detail.startswith("no") and "sign_in admin" not in event.detail


def test_are_sign_out_and_password_change_recorded(demo, client, auth):
    sign_in(client, "learner")
    change_password(client, PASSWORD, "my own new password")
    auth.sign_out()
    learner = get_user(demo, "learner")
    actions = [(e.action, e.actor_id) for e in audit_events(demo)]
    assert ("password_change", learner.id) in actions
    assert ("sign_out", learner.id) in actions


# --- no mass assignment (SECURITY 11) ------------------------------------------------------


def account_facts(app, username: str) -> dict:
    """Everything about an account that no self-service form may change."""
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == username))
        return {
            "username": user.username,
            "full_name": user.full_name,
            "phone": user.phone,
            "area_id": user.area_id,
            "is_active": user.is_active,
            "is_demo": user.is_demo,
            "grants": sorted((g.role.value, g.area_id) for g in user.grants),
        }


def _smuggled(app) -> dict:
    """Fields an attacker adds to a form, hoping they are copied onto the account."""
    from learnapp.models import Area

    with app.app_context():
        province = db.session.scalar(select(Area.id).where(Area.level == "province"))
    return {
        "role": "admin",
        "roles": ["admin", "committee"],
        "area_id": str(province),
        "area": str(province),
        "is_active": "",
        "is_demo": "y",
        "username": "admin",
        "full_name": "Taken Over",
        "phone": "0900000000",
        "must_change_password": "y",
        "session_version": "99",
    }


def test_does_the_password_form_change_the_password_and_nothing_else(demo, client):
    sign_in(client, "learner")
    before = account_facts(demo, "learner")
    response = post(
        client,
        "/account/password",
        {
            "current_password": PASSWORD,
            "new_password": "my own new password",
            "confirm": "my own new password",
            **_smuggled(demo),
        },
        token_from="/account/password",
    )
    assert response.status_code == 302
    assert account_facts(demo, "learner") == before
    after = get_user(demo, "learner")
    assert services.verify_password(after.password_hash, "my own new password")
    assert after.must_change_password is False
    assert after.session_version == 2  # one step, not the posted 99
    assert is_signed_in(client)


def test_does_the_language_switch_change_the_language_and_nothing_else(demo, client):
    sign_in(client, "learner")
    before = account_facts(demo, "learner")
    password_hash = get_user(demo, "learner").password_hash
    response = post(client, "/language", {"language": "en", **_smuggled(demo)}, token_from="/")
    assert response.status_code == 302
    assert account_facts(demo, "learner") == before
    after = get_user(demo, "learner")
    assert (after.locale, after.password_hash, after.session_version) == ("en", password_hash, 1)
    assert after.must_change_password is False
