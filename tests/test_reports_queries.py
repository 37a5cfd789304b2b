"""Reports issue a fixed number of SQL statements, whatever the number of learners.

Each page and export is requested with 20 learners in the province and again with 200
(all with lessons, attempts and certificates), counting the statements the database
receives during the request. A query per row would make the second count larger.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from flask import Blueprint
from sqlalchemy import select

from learnapp import db
from learnapp.learn import progress
from learnapp.learn.services import active_lessons
from learnapp.models import (
    Area,
    Assignment,
    AttemptStatus,
    Certificate,
    LessonProgress,
    QuizAttempt,
    User,
)
from learnapp.models.base import utcnow
from tests.factories import seed_four_level_world
from tests.reports_support import (
    CM,
    DS,
    MI,
    add_learner,
    build_once,
    fetch_export,
    import_real_courses,
    the_area,
    the_module,
)
from tests.sql_recorder import statements_sent

# A fresh copy of the database for each test. On the worker's shared rollback database,
# which earlier tests have filled and emptied, PostgreSQL's rebuild of these 200 learners'
# roll-ups has run past the 300 s timeout (the statement was busy, not waiting on a lock).
# A fresh copy has no such history.
pytestmark = pytest.mark.real_commits


def build_counted_world(app) -> None:
    seed_four_level_world()
    import_real_courses(app)
    db.session.add(
        Assignment(
            module_id=the_module(CM).id,
            area_id=the_area("Tuyên Quang", "province").id,
            due_on=utcnow().date() - timedelta(days=3),
        )
    )


def add_learners(start: int, count: int) -> None:
    """Learners spread over every village, each with a different mix of progress.

    Inserted straight into the tables, then module_progress rebuilt from them, as
    `flask rebuild-progress` does after a bulk load.
    """
    villages = list(db.session.scalars(select(Area).where(Area.level == "village")))
    modules = [the_module(slug) for slug in (CM, DS, MI)]
    now = utcnow()
    for n in range(start, start + count):
        user = add_learner(f"bulk{n:04d}", f"Học Viên {n:04d}", villages[n % len(villages)])
        user.last_active_at = now - timedelta(hours=n)
        module = modules[n % 3]
        if n % 4 in (0, 1):
            for lesson in active_lessons(module)[: 1 + n % 5]:
                db.session.add(LessonProgress(user_id=user.id, lesson_id=lesson.id))
        if n % 4 in (0, 2):
            db.session.add(
                QuizAttempt(
                    user_id=user.id,
                    quiz_id=module.quiz.id,
                    status=AttemptStatus.SUBMITTED,
                    language="vi",
                    layout=[],
                    submitted_at=now,
                    percent=(n * 7) % 101,
                    passed=(n * 7) % 101 >= 70,
                )
            )
        if n % 4 == 0:
            db.session.add(Certificate(code=f"bulk-{n}", user_id=user.id, module_id=module.id))
    db.session.flush()
    progress.rebuild()
    db.session.commit()


def counting(app):
    """Count the SQL statements sent to the database inside the block."""
    return statements_sent(app)


def statements_for(app, client, url: str) -> int:
    export = url.endswith((".csv", ".xlsx"))
    page = client.get(url)  # once first, so one-off work (template compiling) is not counted
    if export:
        # A download button POSTs with the page's token; the export answers 303 to its
        # job's page, and Huey runs the job inside the request in tests, so the file's
        # statements are counted here too.
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
        client.post(url, data={"csrf_token": token})
    with counting(app) as statements:
        response = client.post(url, data={"csrf_token": token}) if export else client.get(url)
    assert response.status_code == (303 if export else 200), url
    return len(statements)


@pytest.fixture
def world(app):
    build_once(app, "counted", build_counted_world)
    return app


def urls(app) -> dict[str, str]:
    with app.app_context():
        province = the_area("Tuyên Quang", "province").id
        commune = the_area("Kháng Nhật").id
        learner = db.session.scalar(select(User.id).where(User.username == "bulk0000"))
    return {
        "province dashboard": f"/reports/areas/{province}",
        "province dashboard, filtered and sorted": (
            f"/reports/areas/{province}?module={CM}&status=in_progress&q=hoc"
            "&sort=best&dir=desc&asort=completion&adir=desc&page=2"
        ),
        "commune dashboard": f"/reports/areas/{commune}",
        "learner export (CSV)": f"/reports/areas/{province}/learners.csv",
        "learner export (XLSX)": f"/reports/areas/{province}/learners.xlsx",
        "sub-area export (XLSX)": f"/reports/areas/{province}/sub-areas.xlsx",
        "overdue call list": f"/reports/areas/{province}/overdue",
        "overdue export (CSV)": f"/reports/areas/{province}/overdue.csv",
        "overdue export (XLSX)": f"/reports/areas/{province}/overdue.xlsx",
        "learner page": f"/reports/people/{learner}",
    }


def test_does_each_report_issue_the_same_number_of_queries_for_20_and_200_learners(
    world, client, auth
):
    with world.app_context():
        add_learners(0, 20)
    auth.sign_in("admin")  # the province committee
    pages = urls(world)
    small = {name: statements_for(world, client, url) for name, url in pages.items()}
    with world.app_context():
        add_learners(20, 180)
    large = {name: statements_for(world, client, url) for name, url in pages.items()}
    assert large == small
    assert all(count > 0 for count in small.values())


def test_do_the_exports_really_hold_every_one_of_the_200_learners(world, client, auth):
    """The counts above are for full tables, not for pages of 25."""
    with world.app_context():
        add_learners(0, 200)
        province = the_area("Tuyên Quang", "province").id
    auth.sign_in("admin")
    lines = fetch_export(client, f"/reports/areas/{province}/learners.csv").get_data(as_text=True)
    assert len(lines.strip().splitlines()) == 1 + 200 + 17  # header, bulk, demo learners
    overdue = fetch_export(client, f"/reports/areas/{province}/overdue.csv").get_data(as_text=True)
    assert len(overdue.strip().splitlines()) > 100


@pytest.mark.own_app
def test_does_the_counter_see_a_page_that_queries_once_per_learner(world, client, auth):
    """The comparison above can fail: a page with a query per row counts more with more."""
    bp = Blueprint("per_row", __name__)

    @bp.get("/_per_row")
    def per_row():
        ids = db.session.scalars(select(User.id)).all()
        return ",".join(db.session.get(User, i).full_name for i in ids)

    world.register_blueprint(bp)
    auth.sign_in("admin")
    with world.app_context():
        add_learners(0, 20)
    small = statements_for(world, client, "/_per_row")
    with world.app_context():
        add_learners(20, 30)
    assert statements_for(world, client, "/_per_row") > small


@pytest.mark.parametrize("large_from", [None, 0], ids=["as-configured", "every-area-large"])
def test_does_every_page_of_the_learner_table_equal_that_slice_of_the_whole_table(
    world, monkeypatch, large_from
):
    """Sorted by name, village or last activity, a page is picked before the figures are
    computed; it must hold exactly the rows the full sorted table has in that place.

    Also when every area counts as large, so SQLite pages by name along the name index
    as it does for a province of thousands."""
    from learnapp.reports import services
    from learnapp.reports.queries import Filters

    if large_from is not None:
        monkeypatch.setattr(services, "_LARGE_AREA", large_from)
    with world.app_context():
        add_learners(0, 60)
        # Ties and gaps: the same name twice, and accounts never active.
        for username in ("bulk0003", "bulk0017"):
            user = db.session.scalar(select(User).where(User.username == username))
            user.full_name = "Học Viên Trùng Tên"
        for username in ("bulk0005", "bulk0031", "bulk0044"):
            user = db.session.scalar(select(User).where(User.username == username))
            user.last_active_at = None
        db.session.commit()
        province = the_area("Tuyên Quang", "province")
        today = utcnow().date()
        cm = the_module(CM).id

        def key(row) -> tuple:
            return (row.user_id, row.village, row.status, row.best, row.overdue, row.certs)

        checked = 0
        for filters in (Filters(), Filters(module_id=cm), Filters(search="vien 00")):
            for sort in ("name", "village", "active", "status", "best"):
                for descending in (False, True):
                    whole = services.all_learner_rows(province, filters, today, sort, descending)
                    pages = -(-len(whole) // services.PAGE_SIZE)
                    for page in range(1, pages + 1):
                        shown = services.dashboard(
                            province, filters, today, page=page, sort=sort, descending=descending
                        )
                        start = (page - 1) * services.PAGE_SIZE
                        expected = whole[start : start + services.PAGE_SIZE]
                        assert [key(r) for r in shown.learners] == [key(r) for r in expected], (
                            filters,
                            sort,
                            descending,
                            page,
                        )
                        assert shown.total_learners == len(whole)
                        checked += 1
        assert checked > 60
