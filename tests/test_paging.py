"""Lists that grow with a village or a province come in pages (issue 13, finding 8): the
sign-in cards and the overdue call list; the downloads keep every row."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

from sqlalchemy import select

from learnapp import db
from learnapp.admin.cards import CARDS_PER_PAGE
from learnapp.models import Area, Assignment, Role, RoleGrant, User
from learnapp.models.base import utcnow, vietnam_today
from learnapp.reports.services import OVERDUE_PAGE_SIZE
from tests.admin_support import published_module
from tests.reports_support import fetch_export


def add_learners(app, count: int) -> int:
    """`count` learners in Lềm since 60 days (past any grace period), straight into the
    tables; returns Lềm's id."""
    with app.app_context():
        village = db.session.scalar(select(Area).where(Area.name == "Lềm"))
        for n in range(count):
            user = User(
                username=f"many{n:05d}",
                full_name=f"Người {n:05d}",
                password_hash="not-a-real-hash",
                area_id=village.id,
                joined_area_on=vietnam_today() - timedelta(days=60),
                is_demo=True,
            )
            db.session.add(user)
            db.session.flush()
            db.session.add(RoleGrant(user_id=user.id, role=Role.LEARNER, area_id=village.id))
        db.session.commit()
        return village.id


def test_do_the_sign_in_cards_of_a_big_village_come_in_pages(demo, client, auth):
    village = add_learners(demo, CARDS_PER_PAGE + 10)
    auth.sign_in("admin")
    first = client.get(f"/admin/areas/{village}/cards").get_data(as_text=True)
    assert first.count('class="signin-card"') == CARDS_PER_PAGE
    assert f"/admin/areas/{village}/cards?page=2" in first
    second = client.get(f"/admin/areas/{village}/cards?page=2").get_data(as_text=True)
    names = set(re.findall(r"many\d{5}", first)) | set(re.findall(r"many\d{5}", second))
    assert len(names) == CARDS_PER_PAGE + 10


def test_does_the_overdue_call_list_come_in_pages_and_the_download_hold_everyone(
    demo, client, auth
):
    village = add_learners(demo, OVERDUE_PAGE_SIZE + 5)
    module_id = published_module(demo)
    with demo.app_context():
        db.session.add(
            Assignment(
                module_id=module_id, area_id=village, due_on=utcnow().date() - timedelta(days=2)
            )
        )
        db.session.commit()
    auth.sign_in("committee")
    with demo.app_context():
        commune = db.session.scalar(select(Area.parent_id).where(Area.id == village))
    first = client.get(f"/reports/areas/{commune}/overdue").get_data(as_text=True)
    second = client.get(f"/reports/areas/{commune}/overdue?page=2").get_data(as_text=True)
    on_pages = re.findall(r"Người \d{5}", first) + re.findall(r"Người \d{5}", second)
    assert first.count('href="/reports/people/') == OVERDUE_PAGE_SIZE
    assert len(set(on_pages)) == OVERDUE_PAGE_SIZE + 5
    download = fetch_export(client, f"/reports/areas/{commune}/overdue.csv").get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(download.lstrip("\ufeff"))))
    assert sum(1 for r in rows if r[0].startswith("Người ")) == OVERDUE_PAGE_SIZE + 5
