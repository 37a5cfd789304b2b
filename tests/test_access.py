"""Deny by default (SECURITY 7), GET never writes (13), and the permission helpers."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from flask import Blueprint
from sqlalchemy import select
from werkzeug.routing import AnyConverter, IntegerConverter

from learnapp import db
from learnapp.models import Area, AuditEvent, Role, User
from learnapp.security import load_area, load_person, roles_required
from tests.conftest import csrf_token, masked_page, post
from tests.factories import REFUSALS_LOGGED, row_counts

# Endpoints anyone may use without signing in. Each needs a reason; everything else
# must send an anonymous visitor to the sign-in page.
PUBLIC_ENDPOINTS = {
    "auth.sign_in",  # the way in
    "auth.set_language",  # the sign-in page must be readable in English or Vietnamese
    "static",  # CSS, scripts, icons: nothing about anyone
    "learn.verify",  # checking a printed certificate's QR code needs no account
    "learn.help_page",  # how to sign in is for those who cannot yet; no contact shown
    "offline.static",  # the app's icons and worker registration: nothing about anyone
    "offline.manifest",  # browsers fetch it without cookies; names the site only
    "offline.favicon",  # asked for by every browser on every page, signed in or not
    "offline.service_worker",  # static code; the worker stores nothing until signed in
}

DEMO_ACCOUNTS = ["learner", "learner2", "trainer", "committee", "district", "admin"]
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


def _sample_value(converter):
    """1 for an int, the first allowed word for an any(...), "x" for any other string."""
    if isinstance(converter, IntegerConverter):
        return 1
    if isinstance(converter, AnyConverter):
        return sorted(converter.items)[0]
    return "x"


def rule_url(rule) -> str:
    """The rule's URL with a sample value for each parameter."""
    values = {name: _sample_value(rule._converters.get(name)) for name in rule.arguments}
    return rule.build(values)[1]


def routes(app, *, public: bool):
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if (rule.endpoint in PUBLIC_ENDPOINTS) == public:
            yield rule


def goes_to_sign_in(response) -> bool:
    return response.status_code == 302 and (
        urlsplit(response.headers["Location"]).path == "/sign-in"
    )


def test_does_the_route_walk_see_the_routes_that_exist(app):
    endpoints = {rule.endpoint for rule in routes(app, public=False)}
    assert {"learn.home", "auth.change_password", "auth.sign_out"} <= endpoints


def test_does_every_non_public_get_route_send_an_anonymous_visitor_to_sign_in(demo, client):
    refused = []
    for rule in routes(demo, public=False):
        if "GET" not in rule.methods:
            continue
        url = rule_url(rule)
        response = client.get(url)
        if not goes_to_sign_in(response):
            refused.append(f"GET {url} ({rule.endpoint}) -> {response.status_code}")
    assert refused == []


def test_does_every_non_public_write_route_refuse_an_anonymous_visitor(demo, client):
    before = row_counts(demo)
    token = csrf_token(client)
    allowed = []
    for rule in routes(demo, public=False):
        for method in sorted(rule.methods - SAFE_METHODS):
            url = rule_url(rule)
            # With a valid CSRF token, so the refusal comes from the permission check.
            response = client.open(
                url, method=method, data={"csrf_token": token}, headers={"X-CSRFToken": token}
            )
            if not (goes_to_sign_in(response) or response.status_code in (400, 401, 403)):
                allowed.append(f"{method} {url} ({rule.endpoint}) -> {response.status_code}")
    assert allowed == []
    assert row_counts(demo) == before


def test_are_the_public_routes_really_usable_without_an_account(demo, client):
    assert client.get("/sign-in").status_code == 200
    assert client.get("/static/css/app.css").status_code == 200
    response = post(client, "/language", {"language": "en"})
    assert response.status_code == 302
    assert "Sign in" in client.get("/sign-in").get_data(as_text=True)


def _refusals_logged(app) -> list[str]:
    with app.app_context():
        return list(
            db.session.scalars(
                select(AuditEvent.action).where(AuditEvent.action.in_(REFUSALS_LOGGED))
            )
        )


def _crawl(app, client) -> list[str]:
    problems = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if "GET" not in rule.methods:
            continue
        url = rule_url(rule)
        before, refusals = row_counts(app), len(_refusals_logged(app))
        response = client.get(url)
        if response.status_code >= 500:
            problems.append(f"GET {url} -> {response.status_code}")
        after = row_counts(app)
        # A refused GET leaves one line in the audit log (row_counts leaves such lines out);
        # nothing else.
        logged = len(_refusals_logged(app)) - refusals
        if after != before or logged > (1 if response.status_code in (403, 404, 429) else 0):
            problems.append(f"GET {url} changed row counts")
    return problems


@pytest.mark.parametrize("username", [None, *DEMO_ACCOUNTS])
def test_does_no_get_request_change_any_row_count(demo, client, auth, username):
    if username:
        assert auth.sign_in(username).status_code == 302
    assert _crawl(demo, client) == []


@pytest.mark.own_app
def test_does_the_crawl_notice_a_get_that_writes(demo, client):
    """The crawl above must be able to fail: a GET that writes is caught."""
    from learnapp import audit

    bp = Blueprint("writes_on_get", __name__)

    @bp.get("/_writes")
    def writes():
        audit.record("oops")
        db.session.commit()
        return "written"

    demo.register_blueprint(bp)
    assert _crawl(demo, client) == ["GET /_writes changed row counts"]


# --- roles_required, load_person, load_area ---------------------------------------------


@pytest.fixture
def probe(demo):
    """A throwaway blueprint using the helpers the way every feature will."""
    bp = Blueprint("probe", __name__)

    @bp.get("/_probe/admin-only")
    @roles_required(Role.ADMIN)
    def admin_only():
        return "admin page"

    @bp.get("/_probe/report")
    @roles_required(Role.COMMITTEE, Role.ADMIN)
    def report():
        return "report page"

    @bp.get("/_probe/person/<int:user_id>")
    @roles_required(Role.COMMITTEE)
    def person(user_id: int):
        return "person " + load_person(user_id, Role.COMMITTEE).username

    @bp.get("/_probe/area/<int:area_id>")
    @roles_required(Role.COMMITTEE)
    def area(area_id: int):
        return "area " + load_area(area_id, Role.COMMITTEE).name

    demo.register_blueprint(bp)
    return demo


def user_id(app, username: str) -> int:
    with app.app_context():
        return db.session.scalar(select(User.id).where(User.username == username))


def area_id(app, name: str) -> int:
    with app.app_context():
        return db.session.scalar(select(Area.id).where(Area.name == name, Area.level != "village"))


@pytest.mark.parametrize(
    ("username", "status"),
    [
        ("learner", 403),
        ("trainer", 403),
        ("committee", 403),
        ("district", 403),
        ("admin", 200),
    ],
)
@pytest.mark.own_app
def test_does_roles_required_refuse_the_wrong_role_with_403(probe, client, auth, username, status):
    auth.sign_in(username)
    response = client.get("/_probe/admin-only", headers={"Accept-Language": "en"})
    assert response.status_code == status
    if status == 403:
        assert "This page is not for your account" in response.get_data(as_text=True)
        assert "admin page" not in response.get_data(as_text=True)


@pytest.mark.own_app
def test_does_roles_required_let_through_any_of_the_roles(probe, client, auth):
    for username in ("committee", "admin"):
        auth.sign_in(username)
        assert client.get("/_probe/report").get_data(as_text=True) == "report page"
        auth.sign_out()


@pytest.mark.own_app
def test_does_roles_required_send_an_anonymous_visitor_to_sign_in(probe, client):
    assert goes_to_sign_in(client.get("/_probe/admin-only"))


@pytest.mark.parametrize(
    ("viewer", "target", "status"),
    [
        ("committee", "learner", 200),  # Kháng Nhật sees Lềm
        ("committee", "learner2", 404),  # ...but not Cây Nhãn in Tứ Quận
        ("committee", "secretary01", 200),  # another village of Kháng Nhật
        ("district", "learner", 200),  # Sơn Dương sees every commune under it
        ("district", "learner2", 404),  # ...but not Yên Sơn's
        ("admin", "learner2", 200),  # the province committee sees everyone
        ("learner", "learner", 403),  # a learner is no committee, not even for themself
    ],
)
@pytest.mark.own_app
def test_does_load_person_answer_404_outside_the_scope(probe, client, auth, viewer, target, status):
    auth.sign_in(viewer)
    response = client.get(f"/_probe/person/{user_id(probe, target)}")
    assert response.status_code == status
    if status == 200:
        assert response.get_data(as_text=True) == f"person {target}"


@pytest.mark.own_app
def test_does_a_person_outside_the_scope_look_exactly_like_no_person(probe, client, auth):
    auth.sign_in("committee")
    outside_url = f"/_probe/person/{user_id(probe, 'learner2')}"
    outside = client.get(outside_url)
    missing = client.get("/_probe/person/987654")
    assert outside.status_code == missing.status_code == 404
    # Identical but for the page's own address (the language form returns there).
    assert masked_page(outside, outside_url) == masked_page(missing, "/_probe/person/987654")


@pytest.mark.parametrize(
    ("viewer", "area", "status"),
    [
        ("committee", "Kháng Nhật", 200),
        ("committee", "Sơn Dương", 404),  # the district above is not the commune's
        ("committee", "Tứ Quận", 404),
        ("district", "Sơn Nam", 200),
        ("district", "Xuân Vân", 404),
        ("admin", "Năng Khả", 200),
    ],
)
@pytest.mark.own_app
def test_does_load_area_answer_404_outside_the_scope(probe, client, auth, viewer, area, status):
    auth.sign_in(viewer)
    response = client.get(f"/_probe/area/{area_id(probe, area)}")
    assert response.status_code == status


def test_does_load_person_use_only_the_scope_of_the_role_asked_for(demo):
    """The admin's ADMIN grant must not widen a scope asked for as LEARNER."""
    from flask_login import login_user
    from werkzeug.exceptions import NotFound

    with demo.test_request_context():
        learner = db.session.scalar(select(User).where(User.username == "learner"))
        learner2 = db.session.scalar(select(User).where(User.username == "learner2"))
        login_user(learner)
        assert load_person(learner.id, Role.LEARNER) is learner
        with pytest.raises(NotFound):
            load_person(learner2.id, Role.LEARNER)
        with pytest.raises(NotFound):
            load_person(learner.id, Role.COMMITTEE)
