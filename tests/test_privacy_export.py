"""A learner's own data: the account page and the download (SECURITY 27)."""

from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import select

from learnapp import db
from learnapp.models import AuditEvent, Certificate, User
from tests.admin_support import text, user_id
from tests.conftest import Auth, csrf_token, post
from tests.privacy_support import seed_world

EN = {"Accept-Language": "en"}


@pytest.fixture
def world(app):
    seed_world(app)
    return app


def signed_in(app, username: str, **headers):
    client = app.test_client()
    assert Auth(client).sign_in(username, headers=headers).status_code == 302
    return client


def download(client):
    return post(client, "/account/my-data", token_from="/account")


def embedded(html: str) -> dict:
    block = re.search(
        r'<script type="application/json" id="learnapp-data">(.*?)</script>', html, re.S
    )
    assert block, "no JSON inside the download"
    return json.loads(block.group(1))


def test_does_the_account_page_show_the_profile_and_the_download_button(world):
    client = signed_in(world, "learner")
    page = text(client.get("/account", headers=EN))
    assert "Hoàng Văn An" in page and "0912000001" in page and "Lềm" in page
    assert 'action="/account/my-data"' in page and "Download my data" in page
    assert 'href="/account"' in text(client.get("/", headers=EN))


def test_does_the_download_hold_profile_lessons_attempts_answers_certificates_and_events(world):
    client = signed_in(world, "learner")
    response = download(client)
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert ".html" in response.headers["Content-Disposition"]
    html = response.get_data(as_text=True)
    data = embedded(html)
    assert data["profile"]["full_name"] == "Hoàng Văn An"
    assert data["profile"]["phone"] == "0912000001"
    assert data["profile"]["area"].endswith("Kháng Nhật / Lềm")
    assert len(data["lessons_done"]) == 5
    [attempt] = data["attempts"]
    assert attempt["percent"] == 80 and attempt["passed"] is True
    assert len(attempt["answers"]) == 10
    assert sum(a["is_correct"] for a in attempt["answers"]) == 8
    assert all(a["question"] and (a["chosen"] or a["text_response"]) for a in attempt["answers"])
    with world.app_context():
        code = db.session.scalar(
            select(Certificate.code).join(User).where(User.username == "learner")
        )
    assert [c["code"] for c in data["certificates"]] == [code]
    assert "sign_in" in {e["action"] for e in data["events"]}
    # Readable, not only machine data: the same facts appear as the page's text.
    assert code in html and "Hoàng Văn An" in html and "80%" in html


def test_is_the_download_in_the_persons_language(world):
    with world.app_context():
        db.session.scalar(select(User).where(User.username == "learner")).locale = "en"
        db.session.commit()
    english = download(signed_in(world, "learner")).get_data(as_text=True)
    assert "Quiz attempts and answers" in english and 'lang="en"' in english
    assert "Running Party cell meetings well" in english
    with world.app_context():
        db.session.scalar(select(User).where(User.username == "learner")).locale = "vi"
        db.session.commit()
    vietnamese = download(signed_in(world, "learner")).get_data(as_text=True)
    assert 'lang="vi"' in vietnamese and "Quiz attempts and answers" not in vietnamese


def test_does_the_download_hold_nothing_of_another_person(world):
    html = download(signed_in(world, "learner2")).get_data(as_text=True)
    data = embedded(html)
    assert data["profile"]["username"] == "learner2"
    assert "Hoàng Văn An" not in html and "0912000001" not in html
    assert data["certificates"] == []
    assert all(a["percent"] == 40 for a in data["attempts"])


def test_is_the_download_written_in_the_audit_log(world):
    client = signed_in(world, "learner")
    download(client)
    uid = user_id(world, "learner")
    with world.app_context():
        actions = db.session.scalars(
            select(AuditEvent.action).where(AuditEvent.subject_user_id == uid)
        ).all()
    assert "data_export" in actions


def test_is_the_download_refused_without_csrf_by_get_and_to_visitors(world):
    client = signed_in(world, "learner")
    assert client.post("/account/my-data").status_code == 400
    assert client.get("/account/my-data").status_code == 405
    visitor = world.test_client()
    token = csrf_token(visitor)
    response = visitor.post("/account/my-data", data={"csrf_token": token})
    assert response.status_code == 302 and "/sign-in" in response.headers["Location"]
    assert "/sign-in" in visitor.get("/account").headers["Location"]


@pytest.mark.parametrize("username", ["trainer", "committee", "admin"])
def test_can_every_role_download_their_own_data(world, username):
    html = download(signed_in(world, username)).get_data(as_text=True)
    assert embedded(html)["profile"]["username"] == username
