"""Who sees which area's reports (SECURITY 7 to 12), as a matrix over roles and routes.

Every report route is tried by every kind of viewer on areas and people inside and
outside the viewer's subtree. An allowed answer must also hold nobody from outside:
the body of each page and export (XLSX read cell by cell) is searched for the names of
every learner outside the subtree.

The learner-side rules of SECURITY 10 (another learner's attempt, result or
certificate answers 404 and changes nothing) are proved in tests/test_quiz_flow.py.
"""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from learnapp import db
from learnapp.auth.services import create_user
from learnapp.demo.province import DEMO_PASSWORD
from learnapp.models import Area, AreaClosure, Assignment, Role, RoleGrant, User
from learnapp.models.base import utcnow
from tests.conftest import masked_page
from tests.factories import seed_four_level_world
from tests.reports_support import (
    CM,
    DS,
    add_learner,
    build_once,
    do_lessons,
    export_text,
    fetch_export,
    finish,
    import_real_courses,
    names,
    read_csv,
    sub_area_rows,
    summary,
    take_quiz,
    the_area,
    the_module,
    the_user,
)

# Where each target lies: (name, level).
AREAS = {
    "Tuyên Quang": "province",
    "Sơn Dương": "district",
    "Yên Sơn": "district",
    "Kháng Nhật": "commune",
    "Tứ Quận": "commune",
    "Lềm": "village",
    "Cây Nhãn": "village",
}
PEOPLE = ("learner", "learner2")  # Hoàng Văn An in Lềm, Ma Thị Bình in Cây Nhãn
AREA_ROUTES = (
    "",
    "/learners.csv",
    "/learners.xlsx",
    "/sub-areas.csv",
    "/sub-areas.xlsx",
    "/overdue",
    "/overdue.csv",
    "/overdue.xlsx",
)
# The committee area of each signed-in viewer (None: no committee role at all).
VIEWERS = {
    "learner": None,
    "trainer": None,
    "committee": "Kháng Nhật",
    "tuquan": "Tứ Quận",
    "district": "Sơn Dương",
    "admin": "Tuyên Quang",
}


def build_scope_world(app) -> None:
    """The demo, the courses, a Tứ Quận committee member, some progress everywhere."""
    seed_four_level_world()
    import_real_courses(app)
    tu_quan = the_area("Tứ Quận")
    create_user(
        username="tuquan",
        full_name="Đỗ Văn Quận",
        password=DEMO_PASSWORD,
        area=tu_quan,
        roles=[(Role.COMMITTEE, tu_quan)],
        must_change_password=False,
        is_demo=True,
    )
    # Required everywhere and past due: every call list has people on it.
    db.session.add(
        Assignment(
            module_id=the_module(CM).id,
            area_id=the_area("Tuyên Quang", "province").id,
            due_on=utcnow().date() - timedelta(days=5),
        )
    )
    do_lessons(the_user("learner"), CM, 3)
    take_quiz(the_user("learner"), CM, 80)
    do_lessons(the_user("learner2"), CM, 2)
    take_quiz(the_user("learner2"), CM, 50)
    finish(the_user("secretary08"), CM, 90)  # Tứ Quận/Tân Lập


@pytest.fixture
def world(app):
    build_once(app, "scope", build_scope_world)
    return app


@pytest.fixture
def client(client):
    """The test client, reading pages in English."""
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def ids(app) -> tuple[dict[str, int], dict[str, int]]:
    with app.app_context():
        areas = {name: the_area(name, level).id for name, level in AREAS.items()}
        people = {username: the_user(username).id for username in PEOPLE}
    return areas, people


def subtree_of(app, area_name: str | None) -> set[int]:
    if area_name is None:
        return set()
    with app.app_context():
        top = the_area(area_name, AREAS[area_name])
        return set(
            db.session.scalars(
                select(AreaClosure.descendant_id).where(AreaClosure.ancestor_id == top.id)
            )
        )


def learner_names(app, inside: set[int] | None = None, *, outside: set[int] | None = None):
    """Full names of the learners in (or not in) a set of areas."""
    with app.app_context():
        rows = db.session.execute(
            select(User.full_name, User.area_id)
            .join(RoleGrant, RoleGrant.user_id == User.id)
            .where(RoleGrant.role == Role.LEARNER)
        ).all()
    if inside is not None:
        return {name for name, area in rows if area in inside}
    return {name for name, area in rows if area not in (outside or set())}


def body_text(response) -> str:
    if response.mimetype == "text/html":
        return response.get_data(as_text=True)
    return export_text(response)


def goes_to_sign_in(response) -> bool:
    return response.status_code == 302 and urlsplit(response.headers["Location"]).path == (
        "/sign-in"
    )


def every_request(app) -> list[tuple[str, str, str]]:
    """(url, kind, target name) for every report route and target."""
    areas, people = ids(app)
    requests = [("/reports/", "index", "")]
    for name, area in areas.items():
        requests += [(f"/reports/areas/{area}{route}", "area", name) for route in AREA_ROUTES]
    requests += [(f"/reports/people/{people[u]}", "person", u) for u in PEOPLE]
    return requests


# --- the matrix ----------------------------------------------------------------------


def test_does_every_report_route_send_an_anonymous_visitor_to_sign_in(world, client):
    wrong = [
        f"{url} -> {response.status_code}"
        for url, _kind, _target in every_request(world)
        if not goes_to_sign_in(response := client.get(url))
    ]
    assert wrong == []


@pytest.mark.parametrize("username", ["learner", "trainer"])
def test_does_every_report_route_refuse_a_learner_or_trainer_with_403(
    world, client, auth, username
):
    auth.sign_in(username)
    wrong = [
        f"{url} -> {response.status_code}"
        for url, _kind, _target in every_request(world)
        if (response := client.get(url)).status_code != 403
    ]
    assert wrong == []
    # ...and the refusal shows nobody's name.
    assert "Ma Thị Bình" not in client.get(f"/reports/people/{ids(world)[1]['learner2']}").text


@pytest.mark.parametrize("username", ["committee", "tuquan", "district", "admin"])
def test_does_a_committee_member_get_their_subtree_and_404_for_the_rest(
    world, client, auth, username
):
    assert auth.sign_in(username).status_code == 302
    scope = subtree_of(world, VIEWERS[username])
    foreign = learner_names(world, outside=scope)
    own = learner_names(world, inside=scope)
    areas, people = ids(world)
    with world.app_context():
        person_area = {u: the_user(u).area_id for u in PEOPLE}
    wrong, leaks = [], []
    for url, kind, target in every_request(world):
        # An export link answers with its queued file: the file is what must not leak.
        response = fetch_export(client, url)
        if kind == "index":
            expected = 302  # one committee area: straight to it
        elif kind == "area":
            expected = 200 if areas[target] in scope else 404
        else:
            expected = 200 if person_area[target] in scope else 404
        if response.status_code != expected:
            wrong.append(f"{url} -> {response.status_code}, expected {expected}")
            continue
        if expected == 200:
            text = body_text(response)
            leaks += [f"{url} shows {name}" for name in foreign if name in text]
    assert wrong == []
    assert leaks == []
    # The check above can fail: the viewer's own people do appear on their pages.
    home = client.get("/reports/", follow_redirects=True).get_data(as_text=True)
    assert own and all(name in home for name in own)


def test_does_the_matrix_expect_what_the_issue_says(world):
    """Spelled out for the named cases, so the matrix cannot drift from the issue."""
    areas, _people = ids(world)
    kn, sd, ts = (subtree_of(world, VIEWERS[u]) for u in ("committee", "district", "tuquan"))
    assert areas["Lềm"] in kn and areas["Kháng Nhật"] in kn
    assert areas["Tứ Quận"] not in kn and areas["Cây Nhãn"] not in kn
    assert areas["Tuyên Quang"] not in kn and areas["Sơn Dương"] not in kn
    assert areas["Kháng Nhật"] in sd and areas["Yên Sơn"] not in sd
    assert areas["Cây Nhãn"] in ts and areas["Lềm"] not in ts
    assert "Ma Thị Bình" in learner_names(world, outside=kn)
    assert "Hoàng Văn An" not in learner_names(world, outside=kn)


# --- Kháng Nhật asking for what is not theirs ----------------------------------------


@pytest.mark.parametrize("target", ["Tuyên Quang", "Yên Sơn", "Tứ Quận", "Cây Nhãn", "Sơn Dương"])
def test_does_kháng_nhật_get_404_for_another_area_by_any_url_or_parameter(
    world, client, auth, target
):
    auth.sign_in("committee")
    area = ids(world)[0][target]
    queries = ["", "?page=2", "?q=Bình", "?status=overdue", f"?module={CM}", "?sort=name&dir=desc"]
    answers = {
        f"/reports/areas/{area}{route}{query}": client.get(
            f"/reports/areas/{area}{route}{query}"
        ).status_code
        for route in AREA_ROUTES
        for query in queries
    }
    assert set(answers.values()) == {404}, {k: v for k, v in answers.items() if v != 404}


@pytest.mark.parametrize("typed", ["Bình", "binh", "Ma Thị", "learner2", "0912000002"])
def test_does_kháng_nhật_searching_for_a_tứ_quận_learner_find_nobody(world, client, auth, typed):
    auth.sign_in("committee")
    kn = ids(world)[0]["Kháng Nhật"]
    page = client.get(f"/reports/areas/{kn}", query_string={"q": typed})
    assert page.status_code == 200
    assert names(page.get_data(as_text=True)) == []
    assert "Ma Thị Bình" not in page.get_data(as_text=True)
    for fmt in ("csv", "xlsx"):
        export = fetch_export(
            client, f"/reports/areas/{kn}/learners.{fmt}", query_string={"q": typed}
        )
        assert export.status_code == 200
        assert "Ma Thị Bình" not in export_text(export)
        assert len(export_text(export).splitlines()) == 1  # the header row alone


def test_does_page_2_of_kháng_nhật_hold_kháng_nhật_people_only(world, client, auth):
    with world.app_context():
        lem, cay_nhan = the_area("Lềm", "village"), the_area("Cây Nhãn", "village")
        for n in range(1, 31):
            add_learner(f"lem{n:02d}", f"Người Lềm {n:02d}", lem)
            add_learner(f"cay{n:02d}", f"Người Cây Nhãn {n:02d}", cay_nhan)
        db.session.commit()
    auth.sign_in("committee")
    kn = ids(world)[0]["Kháng Nhật"]
    own = learner_names(world, inside=subtree_of(world, "Kháng Nhật"))
    assert len(own) == 33
    listed = []
    for page in (1, 2, 3):
        html = client.get(f"/reports/areas/{kn}?page={page}").get_data(as_text=True)
        listed += names(html)
        assert "Người Cây Nhãn" not in html
    assert len(listed) == 33 + 8  # pages 1 and 2, then page 3 clamped to page 2
    assert set(listed) == own
    exported = read_csv(fetch_export(client, f"/reports/areas/{kn}/learners.csv?page=2"))
    assert {row[0] for row in exported[1:]} == own
    second = client.get(f"/reports/areas/{kn}?page=2").get_data(as_text=True)
    assert summary(second)["learners"] == 33


def test_does_a_foreign_person_page_look_exactly_like_a_missing_one(world, client, auth):
    auth.sign_in("committee")
    foreign = f"/reports/people/{ids(world)[1]['learner2']}"
    missing = "/reports/people/987654"
    one, two = client.get(foreign), client.get(missing)
    assert one.status_code == two.status_code == 404
    assert masked_page(one, foreign) == masked_page(two, missing)


def test_does_another_communes_progress_leave_kháng_nhật_numbers_unchanged(world, client, auth):
    auth.sign_in("committee")
    kn = ids(world)[0]["Kháng Nhật"]
    urls = [
        f"/reports/areas/{kn}",
        f"/reports/areas/{kn}/learners.csv",
        f"/reports/areas/{kn}/sub-areas.csv",
        f"/reports/areas/{kn}/overdue.csv",
    ]

    def numbers():
        page = client.get(urls[0]).get_data(as_text=True)
        return (
            summary(page),
            sub_area_rows(page),
            [read_csv(fetch_export(client, url))[1:] for url in urls[1:]],
        )

    before = numbers()
    with world.app_context():
        finish(the_user("learner2"), CM, 100)
        finish(the_user("learner2"), DS, 100)
        finish(the_user("secretary09"), CM, 70)  # Tứ Quận/Hòa Bình
        finish(the_user("secretary03"), CM, 100)  # Tú Thịnh, Sơn Dương
        db.session.commit()
    assert numbers() == before
    # The comparison can fail: progress inside Kháng Nhật does change them.
    with world.app_context():
        finish(the_user("secretary01"), CM, 100)  # Kháng Nhật/Tân Lập
        db.session.commit()
    assert numbers() != before


# --- the district ---------------------------------------------------------------------


def test_does_sơn_dương_see_every_sơn_dương_commune_and_nothing_of_yên_sơn(world, client, auth):
    auth.sign_in("district")
    inside = subtree_of(world, "Sơn Dương")
    with world.app_context():
        district = the_area("Sơn Dương", "district")
        every_area = db.session.execute(select(Area.id, Area.name)).all()
        communes = set(db.session.scalars(select(Area.name).where(Area.parent_id == district.id)))
    page = client.get(f"/reports/areas/{district.id}").get_data(as_text=True)
    assert set(sub_area_rows(page)) == communes == {"Kháng Nhật", "Tú Thịnh", "Sơn Nam"}
    assert set(names(page)) == learner_names(world, inside=inside)
    for name in ("Yên Sơn", "Tứ Quận", "Xuân Vân", "Lâm Bình", "Na Hang", "Ma Thị Bình"):
        assert name not in page
    answers = {
        (area, name): client.get(f"/reports/areas/{area}").status_code for area, name in every_area
    }
    assert {k for k, v in answers.items() if v == 200} == {k for k in answers if k[0] in inside}
    assert {v for k, v in answers.items() if k[0] not in inside} == {404}


def test_does_a_member_of_two_communes_committees_see_both_and_only_them(world, client, auth):
    with world.app_context():
        kn, xv = the_area("Kháng Nhật"), the_area("Xuân Vân")
        create_user(
            username="twocommunes",
            full_name="Vương Thị Hai",
            password=DEMO_PASSWORD,
            area=kn,
            roles=[(Role.COMMITTEE, kn), (Role.COMMITTEE, xv)],
            must_change_password=False,
            is_demo=True,
        )
        db.session.commit()
        kn_id, xv_id, tq_id = kn.id, xv.id, the_area("Tứ Quận").id
    auth.sign_in("twocommunes")
    index = client.get("/reports/")
    assert index.status_code == 200
    links = {f"/reports/areas/{kn_id}", f"/reports/areas/{xv_id}"}
    assert all(f'href="{link}"' in index.text for link in links)
    assert f'href="/reports/areas/{tq_id}"' not in index.text
    assert client.get(f"/reports/areas/{xv_id}").status_code == 200
    assert client.get(f"/reports/areas/{tq_id}").status_code == 404


def test_does_a_learner_role_in_lềm_give_no_report_on_lềm_to_a_tứ_quận_member(world, client, auth):
    """Scopes are per role: learning in Lềm is not a committee seat there."""
    with world.app_context():
        member = the_user("tuquan")
        member.grants.append(RoleGrant(role=Role.LEARNER, area=the_area("Lềm", "village")))
        db.session.commit()
    auth.sign_in("tuquan")
    areas, people = ids(world)
    assert client.get(f"/reports/areas/{areas['Lềm']}").status_code == 404
    assert client.get(f"/reports/people/{people['learner']}").status_code == 404
    assert client.get(f"/reports/areas/{areas['Cây Nhãn']}").status_code == 200


def test_does_the_path_above_a_village_start_at_the_viewers_own_area(world, client, auth):
    """The page's path names no area above the viewer's grant: for the commune member
    it starts at Kháng Nhật, for the province's admin at Tuyên Quang."""
    lem = ids(world)[0]["Lềm"]
    for viewer, first in (("committee", "Kháng Nhật"), ("admin", "Tuyên Quang")):
        auth.sign_in(viewer)
        html = client.get(f"/reports/areas/{lem}").get_data(as_text=True)
        path = re.search(r'<nav class="crumbs"[^>]*>(.*?)</nav>', html, re.S).group(1)
        crumbs = re.findall(r">([^<>]+)</a>", path)
        assert crumbs[0] == first, (viewer, crumbs)
        assert crumbs[-1] == "Lềm"
        if viewer == "committee":
            assert "Tuyên Quang" not in path and "Sơn Dương" not in path
        auth.sign_out()
