"""Refusals an admin should know of are in the audit log, and searches find what was typed
(issue 13, finding 9): 403s, reaches into another area (404), throttled sign-ins (429);
% and _ in a search are characters, not wildcards."""

from __future__ import annotations

from sqlalchemy import select

from learnapp import db
from learnapp.models import Area, AuditEvent, User
from tests.conftest import post
from tests.reports_support import learner_rows


def events(app, action: str) -> list[tuple]:
    with app.app_context():
        return [
            (e.actor_id, e.area_id, e.detail)
            for e in db.session.scalars(select(AuditEvent).where(AuditEvent.action == action))
        ]


def the(app, model, **where):
    with app.app_context():
        return db.session.scalar(select(model).filter_by(**where))


def test_is_a_403_logged_with_who_and_where(demo, client, auth):
    auth.sign_in("learner")
    assert client.get("/admin/people").status_code == 403
    learner = the(demo, User, username="learner")
    assert events(demo, "access_denied") == [(learner.id, learner.area_id, "GET /admin/people")]


def test_is_a_reach_into_another_area_logged_but_a_missing_one_not(demo, client, auth):
    auth.sign_in("committee")
    other = the(demo, Area, name="Tứ Quận")
    assert client.get(f"/reports/areas/{other.id}").status_code == 404
    assert client.get("/reports/areas/2147483000").status_code == 404
    committee = the(demo, User, username="committee")
    assert events(demo, "out_of_scope") == [
        (committee.id, committee.area_id, f"GET /reports/areas/{other.id} (area {other.id})")
    ]


def test_is_a_throttled_sign_in_logged(demo, client):
    for _ in range(6):
        response = post(client, "/sign-in", {"identifier": "learner", "password": "wrong-one!"})
    assert response.status_code == 429
    assert events(demo, "rate_limited") == [(None, None, "POST /sign-in")]


def test_does_the_province_admin_see_refusals_in_the_audit_log(demo, client, auth):
    auth.sign_in("learner")
    client.get("/admin/people")
    auth.sign_out()
    auth.sign_in("admin")
    page = client.get(
        "/admin/audit", query_string={"action": "access_denied"}, headers={"Accept-Language": "en"}
    ).get_data(as_text=True)
    assert "GET /admin/people" in page


def test_are_percent_and_underscore_in_a_report_search_plain_characters(demo, client, auth):
    auth.sign_in("committee")
    post(client, "/language", {"language": "en"}, token_from="/")
    area = the(demo, User, username="learner").area_id
    everyone = learner_rows(client.get(f"/reports/areas/{area}").get_data(as_text=True))
    assert everyone
    for search in ("%", "_", "%_%"):
        page = client.get(f"/reports/areas/{area}", query_string={"q": search})
        assert learner_rows(page.get_data(as_text=True)) == [], search
