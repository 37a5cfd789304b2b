"""Completion follows requirements, and due dates are fair to newcomers.

The world: the demo with the three real courses; Kháng Nhật requires cell meetings (CM)
and digital skills (DS), both due five days ago; countering misinformation (MI) is
optional everywhere. Hoàng Văn An (`learner`, Lềm) has passed CM and DS and not started
MI; Nguyễn Văn Cường (`secretary01`, Tân Lập) has passed CM only. The demo's people
joined their village 60 days ago, so the 30-day grace period is long over for them.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select

from learnapp import db
from learnapp.learn import requirements
from learnapp.models import Area, Assignment, Module, ModuleStatus, ModuleText, User
from learnapp.models.base import utcnow, vietnam_date, vietnam_today
from tests.admin_support import send, text
from tests.factories import seed_four_level_world
from tests.reports_support import (
    CM,
    DS,
    MI,
    TITLES,
    add_learner,
    area_id,
    build_once,
    fetch_export,
    finish,
    import_real_courses,
    learner_rows,
    read_csv,
    read_xlsx,
    sub_area_rows,
    summary,
    tables,
    the_area,
    the_module,
    the_user,
    user_id,
)
from tests.test_migrations import fresh_url  # noqa: F401  (the fixture, shared)

AN, CUONG = "Hoàng Văn An", "Nguyễn Văn Cường"
EN = {"Accept-Language": "en"}


def build_world(app) -> None:
    seed_four_level_world()
    import_real_courses(app)
    kn = the_area("Kháng Nhật")
    for slug in (CM, DS):
        db.session.add(
            Assignment(
                module_id=the_module(slug).id,
                area_id=kn.id,
                due_on=vietnam_today() - timedelta(days=5),
            )
        )
    an, cuong = the_user("learner"), the_user("secretary01")
    finish(an, CM, 100)
    finish(an, DS, 90)
    finish(cuong, CM, 80)


@pytest.fixture
def world(app):
    build_once(app, "completion", build_world)
    return app


@pytest.fixture
def committee(world, client, auth):
    """The Kháng Nhật committee member, reading pages in English."""
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    assert auth.sign_in("committee").status_code == 302
    return client


def page_of(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.get_data(as_text=True)


def statuses(client, area: int) -> dict[str, str]:
    return {r["name"]: r["status"] for r in learner_rows(page_of(client, f"/reports/areas/{area}"))}


def call_list(client, area: int) -> dict[str, list[tuple[str, str]]]:
    """Name -> [(module, due)] on the overdue call list."""
    rows: dict[str, list[tuple[str, str]]] = {}
    for row in tables(page_of(client, f"/reports/areas/{area}/overdue"))["Name"]:
        if len(row) > 1:
            rows.setdefault(row[0], []).append((row[3], row[4]))
    return rows


def person_status(client, username: str, app) -> str:
    page = page_of(client, f"/reports/people/{user_id(app, username)}")
    match = re.search(r"<dt>Status</dt><dd>([^<]+)", page)
    assert match, "the learner's page shows no status"
    return match.group(1).strip()


def dmy(day: date) -> str:
    return day.strftime("%d/%m/%Y")


# --- completion follows requirements -------------------------------------------------


def test_is_a_learner_with_both_required_modules_passed_completed_everywhere(world, committee):
    """Both required modules passed and the optional one not started: completed, on
    every committee page and export."""
    client = committee
    kn = area_id(world, "Kháng Nhật")
    lem = area_id(world, "Lềm", "village")
    page = page_of(client, f"/reports/areas/{kn}")
    assert summary(page)["completed"] == 1
    assert statuses(client, kn)[AN] == "Completed"
    assert statuses(client, lem)[AN] == "Completed"  # the drill-down to the village
    assert sub_area_rows(page)["Lềm"] == (1, 100, 95, 0)
    # The per-module table: An and Cường hold CM, An DS; MI is optional here.
    modules = {row[0]: row[1:3] for row in tables(page)["Module"]}
    assert modules == {
        TITLES[CM]: ["3", "2"],
        TITLES[DS]: ["3", "1"],
        TITLES[MI]: ["optional", "0"],
    }
    assert person_status(client, "learner", world) == "Completed"
    assert AN not in call_list(client, kn)
    for fmt, read in (("csv", read_csv), ("xlsx", read_xlsx)):
        learners = read(fetch_export(client, f"/reports/areas/{kn}/learners.{fmt}"))
        row = next(r for r in learners if r[0] == AN)
        assert [str(v) for v in row[4:8]] == ["Completed", "2", "2", "0"]
        areas = read(fetch_export(client, f"/reports/areas/{kn}/sub-areas.{fmt}"))
        lem_row = next(r for r in areas if r[0] == "Lềm")
        assert [int(v) for v in lem_row[1:4]] == [1, 1, 100]
        overdue = read(fetch_export(client, f"/reports/areas/{kn}/overdue.{fmt}"))
        assert AN not in [r[0] for r in overdue]


def test_is_a_learner_with_one_required_module_of_two_in_progress_and_overdue(world, committee):
    client = committee
    kn = area_id(world, "Kháng Nhật")
    assert statuses(client, kn)[CUONG] == "In progress"
    assert call_list(client, kn)[CUONG] == [(TITLES[DS], dmy(vietnam_today() - timedelta(5)))]
    assert person_status(client, "secretary01", world) == "In progress"


def test_does_the_learners_home_page_say_every_required_module_is_done(world, client, auth):
    auth.sign_in("learner")
    home = text(client.get("/", headers=EN))
    assert "You have completed every required module (2 of 2)" in home
    # MI is still there to take, marked optional, and is what comes next.
    assert "Optional" in home and "Countering misinformation online" in home
    auth.sign_out()
    auth.sign_in("secretary01")
    home = text(client.get("/", headers=EN))
    assert "1 of 2 required modules completed." in home
    assert "Overdue: required by" in home


def test_does_publishing_an_optional_module_later_change_no_learners_status(world, committee):
    client = committee
    kn = area_id(world, "Kháng Nhật")
    before = statuses(client, kn)
    before_summary = summary(page_of(client, f"/reports/areas/{kn}"))
    with world.app_context():
        module = Module(slug="new-optional", status=ModuleStatus.PUBLISHED, position=9)
        module.texts = [
            ModuleText(language=language, title="Một mô-đun mới" if language == "vi" else "New")
            for language in ("vi", "en")
        ]
        db.session.add(module)
        db.session.commit()
    assert statuses(client, kn) == before
    assert summary(page_of(client, f"/reports/areas/{kn}")) == before_summary
    assert before[AN] == "Completed"


def test_does_a_requirement_added_later_change_the_status(world, committee):
    client = committee
    kn = area_id(world, "Kháng Nhật")
    assert statuses(client, kn)[AN] == "Completed"
    with world.app_context():
        db.session.add(
            Assignment(
                module_id=the_module(MI).id,
                area_id=the_area("Sơn Dương", "district").id,
                due_on=vietnam_today() + timedelta(days=20),
            )
        )
        db.session.commit()
    assert statuses(client, kn)[AN] == "In progress"
    assert summary(page_of(client, f"/reports/areas/{kn}"))["completed"] == 0
    assert person_status(client, "learner", world) == "In progress"


def test_does_a_requirement_on_an_archived_module_count_for_nothing(world, committee):
    client = committee
    kn = area_id(world, "Kháng Nhật")
    with world.app_context():
        the_module(DS).status = ModuleStatus.ARCHIVED
        db.session.commit()
    # Cường now has every (published) required module: CM.
    assert statuses(client, kn)[CUONG] == "Completed"
    assert CUONG not in call_list(client, kn)
    assert sub_area_rows(page_of(client, f"/reports/areas/{kn}"))["Tân Lập"] == (1, 100, 80, 0)


def test_are_optional_certificates_reported_apart(world, committee):
    client = committee
    kn = area_id(world, "Kháng Nhật")
    with world.app_context():
        finish(the_user("secretary01"), MI, 100)
        db.session.commit()
    page = page_of(client, f"/reports/areas/{kn}")
    row = next(r for r in learner_rows(page) if r["name"] == CUONG)
    assert (row["status"], row["optional"]) == ("In progress", 1)
    assert "Also completed: 1 optional" in page
    exported = read_csv(fetch_export(client, f"/reports/areas/{kn}/learners.csv"))
    assert next(r for r in exported if r[0] == CUONG)[4:8] == ["In progress", "2", "1", "1"]


def test_does_an_area_with_no_requirement_say_so_instead_of_0_percent(world, client, auth):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    auth.sign_in("admin")  # the province committee
    yen_son = area_id(world, "Yên Sơn", "district")
    page = page_of(client, f"/reports/areas/{yen_son}")
    assert "No module is required in this area" in page
    rows = sub_area_rows(page)
    assert rows and all(completion is None for _, completion, _, _ in rows.values())
    assert "0%" not in "".join(tables(page)["Area"][0])
    assert summary(page)["completed"] == 0
    exported = read_csv(fetch_export(client, f"/reports/areas/{yen_son}/sub-areas.csv"))
    assert {row[3] for row in exported[1:]} == {"nothing required"}
    # The province, where Kháng Nhật requires something, shows a percentage.
    province = page_of(client, f"/reports/areas/{area_id(world, 'Tuyên Quang', 'province')}")
    assert sub_area_rows(province)["Sơn Dương"][1] is not None


# --- due dates fair to newcomers -----------------------------------------------------


def add_newcomer(app, days_ago: int = 0) -> int:
    """A learner placed in Kháng Nhật's Đồng Tâm `days_ago` days ago, nothing done."""
    with app.app_context():
        village = db.session.scalar(
            select(Area).where(Area.name == "Đồng Tâm", Area.parent_id == the_area("Kháng Nhật").id)
        )
        user = add_learner("newcomer", "Lò Văn Mới", village, joined_days_ago=days_ago)
        db.session.commit()
        return user.id


def test_is_a_new_account_not_overdue_for_a_date_that_passed_before_it_existed(
    world, committee, client, auth
):
    add_newcomer(world, days_ago=0)
    kn = area_id(world, "Kháng Nhật")
    assert "Lò Văn Mới" not in call_list(committee, kn)
    row = next(
        r
        for r in learner_rows(page_of(committee, f"/reports/areas/{kn}"))
        if r["name"] == "Lò Văn Mới"
    )
    assert (row["status"], row["overdue"]) == ("Not started", False)
    with world.app_context():
        due = requirements.due_dates(db.session.get(User, user_id(world, "newcomer")))
    # Its own due date: the day it joined plus the 30 days of grace.
    assert set(due.values()) == {vietnam_today() + timedelta(days=30)}


def test_is_a_newcomer_overdue_once_the_grace_period_is_over(world, committee):
    newcomer = add_newcomer(world, days_ago=31)
    kn = area_id(world, "Kháng Nhật")
    with world.app_context():
        joined = db.session.get(User, newcomer).joined_area_on
    due = dmy(joined + timedelta(days=30))
    assert call_list(committee, kn)["Lò Văn Mới"] == [(TITLES[CM], due), (TITLES[DS], due)]
    assert f"Overdue: required by {due}" in page_of(committee, f"/reports/people/{newcomer}")


def test_does_the_newcomers_home_page_show_their_own_due_date(world, client, auth):
    with world.app_context():
        village = the_area("Lềm", "village")
        from learnapp.auth.services import create_user
        from learnapp.models import Role

        create_user(
            username="moi",
            full_name="Lò Văn Mới",
            password="learnapp-demo",
            area=village,
            roles=[(Role.LEARNER, village)],
            must_change_password=False,
        )
        db.session.commit()
    auth.sign_in("moi")
    home = text(client.get("/", headers=EN))
    assert "Overdue" not in home
    assert f"Required by {dmy(vietnam_today() + timedelta(days=30))}" in home


def test_does_a_shorter_grace_period_bring_the_newcomers_date_forward(world, committee):
    newcomer = add_newcomer(world, days_ago=10)
    kn = area_id(world, "Kháng Nhật")
    assert "Lò Văn Mới" not in call_list(committee, kn)
    with world.app_context():
        for assignment in db.session.scalars(select(Assignment)):
            assignment.grace_days = 7
        db.session.commit()
        joined = db.session.get(User, newcomer).joined_area_on
    due = dmy(joined + timedelta(days=7))
    assert call_list(committee, kn)["Lò Văn Mới"] == [(TITLES[CM], due), (TITLES[DS], due)]


def test_does_the_later_of_the_two_dates_apply(world, committee):
    """A due date still to come beats the end of a grace period already over."""
    newcomer = add_newcomer(world, days_ago=45)
    with world.app_context():
        later = vietnam_today() + timedelta(days=3)
        for assignment in db.session.scalars(select(Assignment)):
            assignment.due_on = later
        db.session.commit()
        due = requirements.due_dates(db.session.get(User, newcomer))
    assert set(due.values()) == {later}


def test_does_moving_a_person_to_another_village_start_their_grace_again(world, client, auth):
    newcomer = add_newcomer(world, days_ago=45)
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    auth.sign_in("admin")
    province = area_id(world, "Tuyên Quang", "province")
    assert "Lò Văn Mới" in call_list(client, province)
    lem = area_id(world, "Lềm", "village")
    response = send(
        client,
        f"/admin/people/{newcomer}",
        {
            "full_name": "Lò Văn Mới",
            "phone": "",
            "area_id": lem,
            "roles": ["learner"],
            "is_active": "y",
        },
    )
    assert response.status_code == 302
    with world.app_context():
        assert db.session.get(User, newcomer).joined_area_on == vietnam_today()
    assert "Lò Văn Mới" not in call_list(client, province)


def test_is_overdue_counted_by_the_vietnam_date_not_the_utc_date(world, committee, monkeypatch):
    """At 18:00 UTC it is already the next day in Vietnam: a module due that UTC day is
    overdue there, and the call list says so."""
    import learnapp.models.base as base

    kn = area_id(world, "Kháng Nhật")
    utc_evening = datetime.combine(utcnow().date(), datetime.min.time()) + timedelta(hours=18)
    with world.app_context():
        for assignment in db.session.scalars(select(Assignment)):
            assignment.due_on = utc_evening.date()
        db.session.commit()
    monkeypatch.setattr(base, "utcnow", lambda: utc_evening)
    assert vietnam_today() == utc_evening.date() + timedelta(days=1)
    assert set(call_list(committee, kn)) == {CUONG, "Lý Thị Dung"}
    # Early morning in Vietnam (before 17:00 UTC the day before), it is not yet late.
    monkeypatch.setattr(base, "utcnow", lambda: utc_evening - timedelta(hours=2))
    assert call_list(committee, kn) == {}


def test_does_the_overdue_rule_hold_on_the_due_day_and_the_day_after():
    due = date(2026, 12, 4)
    assert not requirements.is_overdue(due, False, due)
    assert requirements.is_overdue(due, False, due + timedelta(days=1))
    assert not requirements.is_overdue(due, True, due + timedelta(days=1))
    assert not requirements.is_overdue(None, False, due)
    assert vietnam_date(datetime(2026, 12, 4, 16, 59)) == date(2026, 12, 4)
    assert vietnam_date(datetime(2026, 12, 4, 17, 0)) == date(2026, 12, 5)


def test_does_the_demo_call_list_still_show_who_is_late(app, client, auth):
    from tests.factories import seed_four_level_assignments

    with app.app_context():
        seed_four_level_world()
        import_real_courses(app)
        seed_four_level_assignments()
        db.session.commit()
        joined = {u.joined_area_on for u in db.session.scalars(select(User))}
    assert joined == {vietnam_today() - timedelta(days=60)}
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    auth.sign_in("district")
    late = call_list(client, area_id(app, "Sơn Dương", "district"))
    assert len(late) == 8  # every Sơn Dương secretary: misinformation, due a week ago


# --- the migration -------------------------------------------------------------------


def test_does_the_migration_date_each_account_from_its_creation_in_vietnam(fresh_url):  # noqa: F811
    """Existing accounts joined their area when created; a requirement gets 30 days."""
    from sqlalchemy import create_engine, text

    from learnapp import migrate

    migrate.upgrade(fresh_url, "0003")
    engine = create_engine(fresh_url)
    with engine.begin() as conn:
        for n, created in enumerate(("2026-03-01 16:59:00", "2026-03-01 17:00:00"), start=1):
            conn.execute(
                text(
                    "INSERT INTO user_account (id, username, full_name, password_hash,"
                    " is_active, must_change_password, session_version, is_demo, created_at)"
                    " VALUES (:id, :username, 'X', 'x', true, false, 1, false, :created)"
                ),
                {"id": n, "username": f"u{n}", "created": created},
            )
        conn.execute(
            text(
                "INSERT INTO area (id, name, level, depth, created_at)"
                " VALUES (1, 'A', 'province', 0, '2026-01-01')"
            )
        )
        conn.execute(
            text(
                "INSERT INTO module (id, slug, position, default_language, completion_rule,"
                " status, version, source_hash, created_at, updated_at) VALUES (1, 'm', 1,"
                " 'vi', 'lessons', 'published', 1, '', '2026-01-01', '2026-01-01')"
            )
        )
        conn.execute(
            text(
                "INSERT INTO assignment (id, module_id, area_id, due_on, created_at)"
                " VALUES (1, 1, 1, '2026-04-01', '2026-01-01')"
            )
        )
    engine.dispose()

    migrate.upgrade(fresh_url)

    engine = create_engine(fresh_url)
    with engine.connect() as conn:
        joined = conn.execute(text("SELECT joined_area_on FROM user_account ORDER BY id"))
        # 16:59 UTC is still 1 March in Vietnam; 17:00 UTC is already 2 March there.
        assert [str(day) for day in joined.scalars()] == ["2026-03-01", "2026-03-02"]
        assert conn.execute(text("SELECT grace_days FROM assignment")).scalar() == 30
    engine.dispose()
