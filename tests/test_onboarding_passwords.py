"""Bulk temporary passwords for a village or commune: issuing, cards, reprinting, expiry,
refusals, and the background hashing of large areas."""

from __future__ import annotations

import re
import time
from datetime import timedelta

import pytest
from sqlalchemy import select

from learnapp import db
from learnapp.admin import passwords
from learnapp.models import Area, AuditEvent, PasswordBatch, PasswordBatchStatus, User
from learnapp.models.base import utcnow
from tests.admin_support import PASSWORD, add_learners, make_admin, send, text
from tests.admin_support import area_id as area_named
from tests.conftest import Auth, post

EN = {"Accept-Language": "en"}
CARD_RE = re.compile(r'signin-username">([^<]+)</strong>.*?signin-password">([^<]+)</strong>', re.S)


def cards_of(html: str) -> dict[str, str]:
    return dict(CARD_RE.findall(html))


def issue(client, area: int, password: str = PASSWORD, **kw):
    return send(
        client,
        f"/admin/areas/{area}/passwords",
        {"current_password": password},
        token_from=f"/admin/areas/{area}/passwords",
        **kw,
    )


def hashes(app, ids: list[int]) -> list[str]:
    with app.app_context():
        return list(
            db.session.scalars(select(User.password_hash).where(User.id.in_(ids)).order_by(User.id))
        )


def test_does_a_village_get_cards_with_working_temporary_passwords(demo, client, auth):
    ids = add_learners(demo, "Lềm", "Kháng Nhật", ["Lò Văn Một", "Lò Thị Hai"])
    auth.sign_in("admin")
    lem = area_named(demo, "Lềm")
    page = text(client.get(f"/admin/areas/{lem}/passwords", headers=EN))
    assert "2 learners here have not chosen a password yet" in page
    response = issue(client, lem)
    assert response.status_code == 302
    cards = cards_of(text(client.get(response.headers["Location"], headers=EN)))
    # Only the people without a password of their own: the demo learner of Lềm keeps hers.
    assert set(cards) == {f"new{lem}x0", f"new{lem}x1"}
    assert all(re.fullmatch(r"[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}", p) for p in cards.values())
    with demo.app_context():
        batch = db.session.scalar(select(PasswordBatch))
        assert batch.status == PasswordBatchStatus.READY and batch.total == 2
        assert db.session.scalar(select(AuditEvent.id).where(AuditEvent.action == "password_batch"))
        people = [db.session.get(User, i) for i in ids]
        assert all(p.must_change_password and p.password_batch_id == batch.id for p in people)
        assert all(p.temporary_password_expires_at == batch.expires_at for p in people)
        assert batch.expires_at - batch.created_at == timedelta(days=30)

    other = demo.test_client()
    response = Auth(other).sign_in(f"new{lem}x0", cards[f"new{lem}x0"])
    assert response.headers["Location"].endswith("/")
    # The forced change does not ask again for the password typed a moment ago.
    page = text(other.get("/account/password", headers=EN))
    assert 'name="current_password"' not in page
    response = post(
        other,
        "/account/password",
        {"new_password": "ruộng lúa bậc thang", "confirm": "ruộng lúa bậc thang"},
        token_from="/account/password",
    )
    assert response.status_code == 302
    with demo.app_context():
        person = db.session.get(User, ids[0])
        assert not person.must_change_password
        assert person.password_batch_id is None and person.temporary_password_expires_at is None


def test_does_issuing_again_end_the_old_passwords(demo, client, auth):
    add_learners(demo, "Lềm", "Kháng Nhật", ["Lò Văn Một"])
    auth.sign_in("admin")
    lem = area_named(demo, "Lềm")
    first = cards_of(text(client.get(issue(client, lem).headers["Location"])))
    second = cards_of(text(client.get(issue(client, lem).headers["Location"])))
    username = f"new{lem}x0"
    assert first[username] != second[username]
    with demo.app_context():
        statuses = list(db.session.scalars(select(PasswordBatch.status).order_by(PasswordBatch.id)))
    assert statuses == [PasswordBatchStatus.ENDED, PasswordBatchStatus.READY]
    learner = Auth(demo.test_client())
    assert learner.sign_in(username, first[username]).status_code == 200  # refused
    assert learner.sign_in(username, second[username]).status_code == 302


def test_is_an_unused_temporary_password_refused_after_30_days(demo, client, auth):
    ids = add_learners(demo, "Lềm", "Kháng Nhật", ["Lò Văn Một"])
    auth.sign_in("admin")
    lem = area_named(demo, "Lềm")
    password = cards_of(text(client.get(issue(client, lem).headers["Location"])))[f"new{lem}x0"]
    with demo.app_context():
        db.session.get(User, ids[0]).temporary_password_expires_at = utcnow() - timedelta(minutes=1)
        db.session.commit()
    learner = demo.test_client()
    response = Auth(learner).sign_in(f"new{lem}x0", password, headers=EN)
    assert response.status_code == 200
    assert "This temporary password has expired" in text(response)
    assert learner.get("/").status_code == 302  # not signed in


def test_is_a_commune_issued_at_once_and_paged_by_village(demo, client, auth):
    add_learners(demo, "Lềm", "Kháng Nhật", ["Lò Văn Một"])
    add_learners(demo, "Đồng Tâm", "Kháng Nhật", ["Hà Văn Ba"])
    add_learners(demo, "Cây Nhãn", "Tứ Quận", ["Ngoài Xã"])
    auth.sign_in("admin")
    commune = area_named(demo, "Kháng Nhật", "commune")
    page = text(client.get(issue(client, commune).headers["Location"]))
    names = re.findall(r'signin-card-name">([^<]+)<', page)
    assert names == ["Hà Văn Ba", "Lò Văn Một"]  # Đồng Tâm then Lềm; not Tứ Quận's


def test_are_the_refusals_clear_and_change_nothing(demo, client, auth):
    ids = add_learners(demo, "Lềm", "Kháng Nhật", ["Lò Văn Một"])
    lem = area_named(demo, "Lềm")
    before = hashes(demo, ids)
    auth.sign_in("admin")
    response = issue(client, lem, password="not my password")
    assert response.status_code == 400
    assert "Your password is not right." in text(response)
    response = issue(client, lem, password="")
    assert "type your own password again" in text(response)
    response = client.post(f"/admin/areas/{lem}/passwords", data={"current_password": PASSWORD})
    assert response.status_code == 400  # no CSRF token
    # Only villages and communes.
    district = area_named(demo, "Sơn Dương", "district")
    assert client.get(f"/admin/areas/{district}/passwords").status_code == 404
    with demo.app_context():
        assert db.session.scalar(select(PasswordBatch.id)) is None
    assert hashes(demo, ids) == before


def test_may_only_an_admin_of_the_area_issue_or_see_passwords(demo, client, auth):
    add_learners(demo, "Lềm", "Kháng Nhật", ["Lò Văn Một"])
    make_admin(demo, "tuquan-admin", "Tứ Quận")
    lem = area_named(demo, "Lềm")
    auth.sign_in("committee")
    assert client.get(f"/admin/areas/{lem}/passwords").status_code == 403
    auth.sign_out()
    auth.sign_in("tuquan-admin")
    assert client.get(f"/admin/areas/{lem}/passwords").status_code == 404
    assert issue_without_page(client, lem).status_code == 404
    auth.sign_out()
    # Another admin of the area sees the batch but not its passwords: only the session
    # that issued them holds their secret.
    auth.sign_in("admin")
    location = issue(client, lem).headers["Location"]
    other = demo.test_client()
    Auth(other).sign_in("admin")
    page = text(other.get(location, headers=EN))
    assert "can be printed only from the browser that issued them" in page
    assert "signin-password" not in page
    outsider = demo.test_client()
    Auth(outsider).sign_in("tuquan-admin")
    assert outsider.get(location).status_code == 404


def issue_without_page(client, area: int):
    return send(client, f"/admin/areas/{area}/passwords", {"current_password": PASSWORD})


def test_is_a_village_where_everyone_chose_a_password_told_so(demo, client, auth):
    auth.sign_in("admin")
    lem = area_named(demo, "Lềm")
    page = text(client.get(f"/admin/areas/{lem}/passwords", headers=EN))
    assert "Nobody here needs a temporary password" in page
    response = issue(client, lem)
    assert response.status_code == 302
    assert "Nobody here needs a temporary password" in text(
        client.get(response.headers["Location"], headers=EN)
    )
    with demo.app_context():
        assert db.session.scalar(select(PasswordBatch.id)) is None


def test_does_a_late_worker_of_an_ended_batch_write_nothing(demo):
    ids = add_learners(demo, "Lềm", "Kháng Nhật", ["Lò Văn Một", "Lò Thị Hai"])
    with demo.app_context():
        admin = db.session.scalar(select(User).where(User.username == "admin"))
        lem = db.session.get(Area, area_named(demo, "Lềm"))
        old, old_secret = passwords.issue_batch(admin, lem)
        new, new_secret = passwords.issue_batch(admin, lem)
        db.session.refresh(old)
        assert old.status == PasswordBatchStatus.ENDED
        assert passwords.hash_some(old.id, old_secret) is False
        assert set(hashes_in(ids)) == {"!"}
        passwords.hash_all(new.id, new_secret)
        from learnapp.auth.services import verify_password

        for uid in ids:
            person = db.session.get(User, uid)
            db.session.refresh(person)
            assert verify_password(
                person.password_hash, passwords.derive_password(new_secret, new.id, uid)
            )
            assert not verify_password(
                person.password_hash, passwords.derive_password(old_secret, old.id, uid)
            )


def hashes_in(ids: list[int]) -> list[str]:
    return list(db.session.scalars(select(User.password_hash).where(User.id.in_(ids))))


def test_is_a_stalled_batch_claimed_by_one_request_only(demo):
    add_learners(demo, "Lềm", "Kháng Nhật", ["Lò Văn Một"])
    with demo.app_context():
        admin = db.session.scalar(select(User).where(User.username == "admin"))
        batch, _secret = passwords.issue_batch(admin, db.session.get(Area, area_named(demo, "Lềm")))
        assert not passwords.is_stale(batch)
        assert passwords.claim_stale(batch) is False
        batch.heartbeat_at = utcnow() - timedelta(minutes=5)
        db.session.flush()
        assert passwords.is_stale(batch)
        assert passwords.claim_stale(batch) is True
        assert passwords.claim_stale(batch) is False


@pytest.mark.real_commits
def test_is_a_large_area_hashed_in_the_background_and_then_printable(demo, client, auth):
    demo.config["PASSWORD_BATCH_INLINE_MAX"] = 0
    add_learners(demo, "Lềm", "Kháng Nhật", [f"Người Thứ {i}" for i in range(30)])
    auth.sign_in("admin")
    lem = area_named(demo, "Lềm")
    location = issue(client, lem).headers["Location"]
    deadline = time.monotonic() + 60
    while True:
        # The page first, then the batch: a batch still hashing afterwards was hashing
        # while the page was made (the other order raced the thread finishing).
        page = text(client.get(location, headers=EN))
        with demo.app_context():
            batch = db.session.scalar(select(PasswordBatch))
            status, hashed = batch.status, batch.hashed
        if status == PasswordBatchStatus.READY or time.monotonic() > deadline:
            break
        assert "Preparing the passwords" in page and "signin-password" not in page
        time.sleep(0.2)
    assert status == PasswordBatchStatus.READY and hashed == 30
    cards = cards_of(text(client.get(location)))
    assert len(cards) == 30
    username, password = next(iter(cards.items()))
    assert Auth(demo.test_client()).sign_in(username, password).status_code == 302


def test_are_the_cards_of_a_large_area_paged(demo, client, auth, monkeypatch):
    monkeypatch.setattr(passwords, "CARDS_PER_PAGE", 2)
    add_learners(demo, "Lềm", "Kháng Nhật", ["Một", "Hai", "Ba"])
    auth.sign_in("admin")
    location = issue(client, area_named(demo, "Lềm")).headers["Location"]
    first = cards_of(text(client.get(location)))
    second = cards_of(text(client.get(location, query_string={"page": 2})))
    assert len(first) == 2 and len(second) == 1
    assert not set(first) & set(second)
