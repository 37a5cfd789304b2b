"""Committee report numbers: a known set of progress, and the figures each page shows.

The `world` fixture is the demo province with the three real courses and this progress
(CM = cell-meetings, DS = digital-skills, MI = countering-misinformation; CM is required
in Sơn Dương with a date in the past, DS in Kháng Nhật with a date to come, MI in Tú
Quận with a date in the past):

    learner      Hoàng Văn An      Kháng Nhật/Lềm       CM done (50% then 80%), 2 DS lessons
    secretary01  Nguyễn Văn Cường  Kháng Nhật/Tân Lập   2 CM lessons, CM quiz 60%
    secretary02  Lý Thị Dung       Kháng Nhật/Đồng Tâm  nothing
    secretary03  Triệu Văn Đức     Tú Thịnh/Tân Lập     CM 100%, DS 90%, MI 70%: all done
    secretary04  Bàn Thị Hoa       Tú Thịnh/Hòa Bình    5 CM lessons, CM quiz 40%
    secretary05  Quan Văn Hùng     Sơn Nam/Thác Nông    MI done (70%), CM quiz 90%, no lesson
    secretary06  Hà Thị Lan        Sơn Nam/Đồng Tâm     nothing
    secretary07  Phùng Văn Minh    Sơn Nam/Tân Tiến     CM done (100%)
    learner2     Ma Thị Bình       Tứ Quận/Cây Nhãn     CM done, DS done: outside Sơn Dương

"Completed" follows the requirements: in Kháng Nhật CM and DS are required, elsewhere
in Sơn Dương CM alone, so Đức and Minh are completed and An (DS to finish) is not;
Đức's DS and MI and Hùng's MI are optional certificates, counted apart.
"""

from __future__ import annotations

import io
import re
import unicodedata
from collections import Counter
from datetime import timedelta

import openpyxl
import pytest
from sqlalchemy import select

from learnapp import db
from learnapp.learn import progress
from learnapp.learn import services as learn_services
from learnapp.models import (
    Assignment,
    AttemptStatus,
    Certificate,
    LessonProgress,
    ModuleStatus,
    QuizAttempt,
    User,
)
from learnapp.models.base import utcnow
from learnapp.org.services import create_area
from tests.factories import seed_four_level_world
from tests.reports_support import (
    CM,
    DS,
    MI,
    TITLES,
    add_learner,
    area_id,
    build_once,
    do_lessons,
    fetch_export,
    finish,
    import_real_courses,
    learner_rows,
    names,
    read_csv,
    read_xlsx,
    sub_area_rows,
    summary,
    tables,
    take_quiz,
    the_area,
    the_module,
    the_user,
    user_id,
)

FILTER_MESSAGE = "Some filters were not understood and were ignored."

AN, CUONG, DUNG = "Hoàng Văn An", "Nguyễn Văn Cường", "Lý Thị Dung"
DUC, HOA = "Triệu Văn Đức", "Bàn Thị Hoa"
HUNG, LAN, MINH = "Quan Văn Hùng", "Hà Thị Lan", "Phùng Văn Minh"


def breakdown(html: str) -> dict[str, tuple[int, ...]]:
    """Per module title: required for (0 when optional), completed, in progress, not
    started, overdue."""
    return {
        row[0]: tuple(0 if x == "optional" else int(x) for x in row[1:])
        for row in tables(html).get("Module", [])
    }


def xlsx_cells(response) -> list:
    workbook = openpyxl.load_workbook(io.BytesIO(response.get_data()))
    return [cell for row in workbook.worksheets[0].iter_rows() for cell in row]


def decomposed(text: str) -> str:
    return unicodedata.normalize("NFD", text)


def build_world(app) -> None:
    """The demo, the real courses and the progress of the module docstring."""
    seed_four_level_world()
    import_real_courses(app)
    today = utcnow().date()
    db.session.add_all(
        [
            Assignment(
                module_id=the_module(CM).id,
                area_id=the_area("Sơn Dương", "district").id,
                due_on=today - timedelta(days=10),
            ),
            Assignment(
                module_id=the_module(DS).id,
                area_id=the_area("Kháng Nhật").id,
                due_on=today + timedelta(days=30),
            ),
            Assignment(
                module_id=the_module(MI).id,
                area_id=the_area("Tứ Quận").id,
                due_on=today - timedelta(days=3),
            ),
        ]
    )
    an, cuong, dung = (the_user(u) for u in ("learner", "secretary01", "secretary02"))
    duc, hoa, hung = (the_user(u) for u in ("secretary03", "secretary04", "secretary05"))
    minh, binh = the_user("secretary07"), the_user("learner2")
    cuong.phone, dung.phone, hoa.phone = "0987000001", "0987000002", "0987000004"

    do_lessons(an, CM)
    take_quiz(an, CM, 50)
    take_quiz(an, CM, 80)
    do_lessons(an, DS, 2)
    do_lessons(cuong, CM, 2)
    take_quiz(cuong, CM, 60)
    finish(duc, CM, 100)
    finish(duc, DS, 90)
    finish(duc, MI, 70)
    do_lessons(hoa, CM)
    take_quiz(hoa, CM, 40)
    finish(hung, MI, 70)
    take_quiz(hung, CM, 90)
    finish(minh, CM, 100)
    finish(binh, CM, 100)
    finish(binh, DS, 100)
    assert learn_services.certificate_for(an, the_module(CM)) is not None


@pytest.fixture
def world(app):
    build_once(app, "numbers", build_world)
    return app


@pytest.fixture
def english(client):
    """The test client, reading pages in English."""
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.fixture
def viewer(world, english, auth):
    """Sign in as a committee account and read the pages in English."""
    client = english

    def sign_in(username: str):
        response = auth.sign_in(username)
        assert response.status_code == 302
        return client

    return sign_in


def html_of(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.get_data(as_text=True)


# --- the dashboard's numbers ---------------------------------------------------------


def test_are_the_district_summary_counts_exactly_right(world, viewer):
    client = viewer("district")
    page = html_of(client, f"/reports/areas/{area_id(world, 'Sơn Dương', 'district')}")
    assert summary(page) == {
        "learners": 8,
        "completed": 2,
        "in progress": 4,
        "not started": 2,
        "overdue": 5,
    }


def test_are_the_district_sub_area_rows_exactly_right(world, viewer):
    client = viewer("district")
    page = html_of(client, f"/reports/areas/{area_id(world, 'Sơn Dương', 'district')}")
    # (learners, completion %, average best %, overdue); completion is the required
    # (learner, module) pairs holding a certificate, rounded down (Kháng Nhật: 1 of 6);
    # best is the mean of each learner's mean best.
    assert sub_area_rows(page) == {
        "Kháng Nhật": (3, 16, 70, 2),
        "Tú Thịnh": (2, 50, 63, 1),
        "Sơn Nam": (3, 33, 90, 2),
    }


def test_does_each_sub_area_have_a_bar_as_long_as_its_completion(world, viewer):
    client = viewer("district")
    page = html_of(client, f"/reports/areas/{area_id(world, 'Sơn Dương', 'district')}")
    bars = re.findall(r'aria-label="(\d+)%"><span class="fill w(\d+)">', page)
    assert sorted(bars) == sorted([("16", "15"), ("50", "50"), ("33", "30")])


def test_are_the_per_module_counts_of_the_district_exactly_right(world, viewer):
    client = viewer("district")
    page = html_of(client, f"/reports/areas/{area_id(world, 'Sơn Dương', 'district')}")
    # required for (0: optional), completed, in progress, not started, overdue
    assert breakdown(page) == {
        TITLES[CM]: (8, 3, 3, 2, 5),
        TITLES[DS]: (3, 1, 1, 6, 0),
        TITLES[MI]: (0, 2, 0, 6, 0),
    }


def test_is_each_district_learners_status_and_best_score_exactly_right(world, viewer):
    client = viewer("district")
    page = html_of(client, f"/reports/areas/{area_id(world, 'Sơn Dương', 'district')}")
    got = {
        r["name"]: (r["village"], r["status"], r["overdue"], r["best"], r["optional"])
        for r in learner_rows(page)
    }
    assert got == {
        AN: ("Lềm", "In progress", False, 80, 0),
        CUONG: ("Tân Lập", "In progress", True, 60, 0),
        DUNG: ("Đồng Tâm", "Not started", True, None, 0),
        DUC: ("Tân Lập", "Completed", False, 87, 2),
        HOA: ("Hòa Bình", "In progress", True, 40, 0),
        HUNG: ("Thác Nông", "In progress", True, 80, 1),
        LAN: ("Đồng Tâm", "Not started", True, None, 0),
        MINH: ("Tân Tiến", "Completed", False, 100, 0),
    }


def test_are_the_commune_numbers_exactly_right(world, viewer):
    client = viewer("committee")
    page = html_of(client, f"/reports/areas/{area_id(world, 'Kháng Nhật')}")
    assert summary(page) == {
        "learners": 3,
        "completed": 0,
        "in progress": 2,
        "not started": 1,
        "overdue": 2,
    }
    assert sub_area_rows(page) == {
        "Lềm": (1, 50, 80, 0),
        "Tân Lập": (1, 0, 60, 1),
        "Đồng Tâm": (1, 0, None, 1),
    }
    got = {
        r["name"]: (r["village"], r["status"], r["overdue"], r["best"]) for r in learner_rows(page)
    }
    assert got == {
        AN: ("Lềm", "In progress", False, 80),
        CUONG: ("Tân Lập", "In progress", True, 60),
        DUNG: ("Đồng Tâm", "Not started", True, None),
    }
    # DS is required here, but by a date still to come: nobody is overdue for it.
    assert breakdown(page)[TITLES[DS]] == (3, 0, 1, 2, 0)


def test_does_a_certificate_clear_only_its_holders_overdue(world, viewer):
    """Hoàng Văn An's CM certificate must not clear the others' overdue CM."""
    client = viewer("committee")
    page = html_of(client, f"/reports/areas/{area_id(world, 'Kháng Nhật')}?status=overdue")
    assert sorted(names(page)) == sorted([CUONG, DUNG])


def test_does_the_village_page_show_the_village_alone(world, viewer):
    client = viewer("committee")
    lem = area_id(world, "Lềm", "village")
    page = html_of(client, f"/reports/areas/{lem}")
    assert summary(page)["learners"] == 1
    assert names(page) == [AN]
    assert "Sub-areas" not in page


# --- filters -------------------------------------------------------------------------


def test_does_the_module_filter_count_that_module_alone(world, viewer):
    client = viewer("district")
    page = html_of(client, f"/reports/areas/{area_id(world, 'Sơn Dương', 'district')}?module={CM}")
    assert summary(page) == {
        "learners": 8,
        "completed": 3,
        "in progress": 3,
        "not started": 2,
        "overdue": 5,
    }
    assert sub_area_rows(page) == {
        "Kháng Nhật": (3, 33, 70, 2),
        "Tú Thịnh": (2, 50, 70, 1),
        "Sơn Nam": (3, 33, 95, 2),
    }
    best = {r["name"]: r["best"] for r in learner_rows(page)}
    assert best == {
        AN: 80,
        CUONG: 60,
        DUNG: None,
        DUC: 100,
        HOA: 40,
        HUNG: 90,
        LAN: None,
        MINH: 100,
    }
    assert breakdown(page) == {}  # one module chosen: no per-module table


def test_does_a_module_with_a_due_date_to_come_make_nobody_overdue(world, viewer):
    client = viewer("committee")
    page = html_of(client, f"/reports/areas/{area_id(world, 'Kháng Nhật')}?module={DS}")
    assert summary(page) == {
        "learners": 3,
        "completed": 0,
        "in progress": 1,
        "not started": 2,
        "overdue": 0,
    }


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("completed", {DUC, MINH}),
        ("in_progress", {AN, CUONG, HOA, HUNG}),
        ("not_started", {DUNG, LAN}),
        ("overdue", {CUONG, DUNG, HOA, HUNG, LAN}),
    ],
)
def test_does_the_status_filter_list_exactly_those_learners(world, viewer, status, expected):
    client = viewer("district")
    district = area_id(world, "Sơn Dương", "district")
    page = html_of(client, f"/reports/areas/{district}?status={status}")
    assert set(names(page)) == expected
    assert f"({len(expected)})" in page  # the count next to the table's title
    # The summary stays the whole area's, whatever the table shows.
    assert summary(page)["learners"] == 8


def test_do_module_and_status_filters_combine(world, viewer):
    client = viewer("district")
    district = area_id(world, "Sơn Dương", "district")
    page = html_of(client, f"/reports/areas/{district}?module={CM}&status=completed")
    assert set(names(page)) == {AN, DUC, MINH}
    page = html_of(client, f"/reports/areas/{district}?module={MI}&status=in_progress")
    assert names(page) == []
    assert "No learner matches these filters." in page


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("Đức", {DUC}),  # as written
        ("đức", {DUC}),  # lower case: SQLite's lower() knows ASCII letters only
        ("ĐỨC", {DUC}),
        ("duc", {DUC}),  # typed without marks, as many do on a phone
        ("DUC", {DUC}),
        (decomposed("Đức"), {DUC}),  # marks typed as separate combining characters
        ("Văn", {AN, CUONG, DUC, HUNG, MINH}),
        ("van", {AN, CUONG, DUC, HUNG, MINH}),
        ("thi", {DUNG, HOA, LAN}),
        ("Thị Lan", {LAN}),
        ("hoa", {HOA, AN}),  # Bàn Thị Hoa, and Hoàng Văn An without the marks
        ("Thị Hoa", {HOA}),
        ("cuong", {CUONG}),
        ("  Cường  ", {CUONG}),
        ("secretary03", {DUC}),  # username
        ("0987000001", {CUONG}),  # phone
        ("Bình", {HOA}),  # Ma Thị Bình is in Yên Sơn; Bàn Thị Hoa lives in Hòa Bình village
        ("xyz", set()),
    ],
)
def test_does_the_name_search_find_learners_with_or_without_marks(world, viewer, typed, expected):
    client = viewer("district")
    district = area_id(world, "Sơn Dương", "district")
    response = client.get(f"/reports/areas/{district}", query_string={"q": typed})
    assert response.status_code == 200
    assert set(names(response.get_data(as_text=True))) == expected


def test_does_the_name_search_combine_with_the_status_filter(world, viewer):
    client = viewer("district")
    district = area_id(world, "Sơn Dương", "district")
    page = html_of(client, f"/reports/areas/{district}?q=van&status=overdue")
    assert set(names(page)) == {CUONG, HUNG}


def test_does_a_drill_down_link_keep_the_filters(world, viewer):
    client = viewer("district")
    district = area_id(world, "Sơn Dương", "district")
    page = html_of(client, f"/reports/areas/{district}?module={CM}&status=overdue")
    kn = area_id(world, "Kháng Nhật")
    links = re.findall(rf'href="(/reports/areas/{kn}\?[^"]+)"', page)
    drill = next(link for link in links if "sort" not in link).replace("&amp;", "&")
    assert f"module={CM}" in drill and "status=overdue" in drill
    assert set(names(html_of(client, drill))) == {CUONG, DUNG}


# --- sorting, on a commune built for it ----------------------------------------------
#
# Minh Thanh commune, every column with distinct values (CM required, due in the past;
# DS required in Nà Bó too, due in a month):
#   village   learner          certificates    best per quiz     last active
#   Cả        Bế Thị Hai       CM, DS, MI      90, 90, 90        3 days ago
#   Cả        Dương Thị Bốn    CM              CM 76             10 days ago
#   Nà Bó     Cù Văn Ba        DS              DS 80, CM 0       1 day ago
#   Nà Bó     Giáp Văn Năm     -               -                 never
#   Nà Bó     Hứa Thị Sáu      - (1 CM lesson) -                 5 days ago
#   Thanh La  An Văn Một       MI              MI 100, CM 90     2 days ago

SORT_PEOPLE = {
    "An Văn Một": ("Thanh La", [MI], {MI: 100, CM: 90}, 2, 0),
    "Bế Thị Hai": ("Cả", [CM, DS, MI], {CM: 90, DS: 90, MI: 90}, 3, 0),
    "Cù Văn Ba": ("Nà Bó", [DS], {DS: 80, CM: 0}, 1, 0),
    "Dương Thị Bốn": ("Cả", [CM], {CM: 76}, 10, 0),
    "Giáp Văn Năm": ("Nà Bó", [], {}, None, 0),
    "Hứa Thị Sáu": ("Nà Bó", [], {}, 5, 1),
}
A, B, C, D, G, H = sorted(SORT_PEOPLE)

LEARNER_ORDERS = {
    "name": [A, B, C, D, G, H],
    "village": [B, D, C, G, H, A],  # Cả, Nà Bó, Thanh La; by name within a village
    "status": [B, D, A, C, H, G],  # completed (CM), in progress, not started
    "best": [G, H, C, D, B, A],  # no score counts as the lowest
    "certs": [G, H, A, C, D, B],
    "active": [G, D, H, B, A, C],  # never active counts as the oldest
}
LEARNER_ORDERS_DESC = {
    "name": [H, G, D, C, B, A],
    "village": [A, C, G, H, B, D],
    "status": [G, A, C, H, B, D],
    "best": [A, B, D, C, G, H],
    "certs": [B, A, C, D, G, H],
    "active": [C, A, B, H, D, G],
}
# learners: Cả 2, Nà Bó 3, Thanh La 1; completion (required pairs with a certificate):
# 100, 16 (Ba's DS of 6), 0; best: 83, 40, 95; overdue (no CM certificate): 0, 3, 1.
AREA_ORDERS = {
    "name": ["Cả", "Nà Bó", "Thanh La"],
    "learners": ["Thanh La", "Cả", "Nà Bó"],
    "completion": ["Thanh La", "Nà Bó", "Cả"],
    "best": ["Nà Bó", "Cả", "Thanh La"],
    "overdue": ["Cả", "Thanh La", "Nà Bó"],
}


def build_sort_world(app) -> None:
    """The demo, the courses, and Minh Thanh commune as the table above describes."""
    seed_four_level_world()
    import_real_courses(app)
    modules = {slug: the_module(slug) for slug in (CM, DS, MI)}
    commune = create_area("Minh Thanh", "commune", the_area("Sơn Dương", "district"))
    villages = {n: create_area(n, "village", commune) for n in ("Cả", "Nà Bó", "Thanh La")}
    now = utcnow()
    db.session.add(
        Assignment(
            module_id=modules[CM].id,
            area_id=commune.id,
            due_on=now.date() - timedelta(days=7),
        )
    )
    db.session.add(
        Assignment(
            module_id=modules[DS].id,
            area_id=villages["Nà Bó"].id,
            due_on=now.date() + timedelta(days=30),
        )
    )
    for index, (name, (village, certs, best, days, lessons)) in enumerate(
        sorted(SORT_PEOPLE.items())
    ):
        user = add_learner(f"mt{index}", name, villages[village])
        user.last_active_at = None if days is None else now - timedelta(days=days)
        for slug in certs:
            db.session.add(
                Certificate(code=f"mt{index}-{slug}", user_id=user.id, module_id=modules[slug].id)
            )
        for slug, percent in best.items():
            db.session.add(
                QuizAttempt(
                    user_id=user.id,
                    quiz_id=modules[slug].quiz.id,
                    status=AttemptStatus.SUBMITTED,
                    language="vi",
                    layout=[],
                    submitted_at=now,
                    percent=percent,
                    passed=percent >= 70,
                )
            )
        for lesson in learn_services.active_lessons(modules[CM])[:lessons]:
            db.session.add(LessonProgress(user_id=user.id, lesson_id=lesson.id))
    db.session.flush()
    progress.rebuild()  # what `flask rebuild-progress` does after a bulk load
    db.session.flush()
    # Inserted straight into the tables, as a bulk load would: rebuild the report rows.
    progress.rebuild()


@pytest.fixture
def sort_world(app):
    build_once(app, "sorting", build_sort_world)
    return app, area_id(app, "Minh Thanh")


def test_does_the_sort_commune_show_the_numbers_the_orders_rely_on(sort_world, english, auth):
    app, commune = sort_world
    client = english
    auth.sign_in("district")
    page = html_of(client, f"/reports/areas/{commune}")
    assert sub_area_rows(page) == {
        "Cả": (2, 100, 83, 0),
        "Nà Bó": (3, 16, 40, 3),
        "Thanh La": (1, 0, 95, 1),
    }


@pytest.mark.parametrize("direction", ["asc", "desc"])
@pytest.mark.parametrize("column", sorted(LEARNER_ORDERS))
def test_does_sorting_the_learners_by_each_column_give_that_order(
    sort_world, english, auth, column, direction
):
    app, commune = sort_world
    client = english
    auth.sign_in("district")
    page = html_of(client, f"/reports/areas/{commune}?sort={column}&dir={direction}")
    expected = (LEARNER_ORDERS if direction == "asc" else LEARNER_ORDERS_DESC)[column]
    assert names(page) == expected
    # ...and the export lists them in the same order.
    exported = read_csv(
        fetch_export(client, f"/reports/areas/{commune}/learners.csv?sort={column}&dir={direction}")
    )
    assert [row[0] for row in exported[1:]] == expected


@pytest.mark.parametrize("direction", ["asc", "desc"])
@pytest.mark.parametrize("column", sorted(AREA_ORDERS))
def test_does_sorting_the_sub_areas_by_each_column_give_that_order(
    sort_world, english, auth, column, direction
):
    app, commune = sort_world
    client = english
    auth.sign_in("district")
    page = html_of(client, f"/reports/areas/{commune}?asort={column}&adir={direction}")
    expected = AREA_ORDERS[column] if direction == "asc" else AREA_ORDERS[column][::-1]
    assert list(sub_area_rows(page)) == expected
    exported = read_csv(
        fetch_export(
            client, f"/reports/areas/{commune}/sub-areas.csv?asort={column}&adir={direction}"
        )
    )
    assert [row[0] for row in exported[1:]] == expected


def test_does_a_sort_link_turn_the_direction_round(sort_world, english, auth):
    app, commune = sort_world
    client = english
    auth.sign_in("district")
    page = html_of(client, f"/reports/areas/{commune}?sort=best&dir=asc")
    link = re.search(r'<th aria-sort="ascending"><a href="([^"]+)">Best score', page)
    assert link is not None
    assert (
        names(html_of(client, link.group(1).replace("&amp;", "&"))) == LEARNER_ORDERS_DESC["best"]
    )


# --- pagination ----------------------------------------------------------------------


@pytest.fixture
def crowded_lem(world):
    """Thirty more learners in Lềm: 31 there, two pages of 25."""
    with world.app_context():
        lem = the_area("Lềm", "village")
        for n in range(1, 31):
            add_learner(f"lem{n:02d}", f"Người Học {n:02d}", lem)
        db.session.commit()
    return world


def test_does_a_large_village_split_into_pages_of_25_without_losing_anyone(crowded_lem, viewer):
    client = viewer("committee")
    lem = area_id(crowded_lem, "Lềm", "village")
    first = html_of(client, f"/reports/areas/{lem}")
    second = html_of(client, f"/reports/areas/{lem}?page=2")
    assert "Page 1 of 2" in first and "Page 2 of 2" in second
    assert len(names(first)) == 25 and len(names(second)) == 6
    everyone = names(first) + names(second)
    assert everyone == sorted(everyone)
    assert set(everyone) == {AN} | {f"Người Học {n:02d}" for n in range(1, 31)}
    assert summary(second)["learners"] == 31
    assert f'href="/reports/areas/{lem}?page=2"' in first


def test_does_a_page_past_the_end_show_the_last_page(crowded_lem, viewer):
    client = viewer("committee")
    lem = area_id(crowded_lem, "Lềm", "village")
    assert names(html_of(client, f"/reports/areas/{lem}?page=99")) == names(
        html_of(client, f"/reports/areas/{lem}?page=2")
    )


def test_do_pages_keep_the_filters_and_the_sort(crowded_lem, viewer):
    client = viewer("committee")
    lem = area_id(crowded_lem, "Lềm", "village")
    url = f"/reports/areas/{lem}?status=not_started&sort=name&dir=desc"
    first = html_of(client, url)
    assert "Page 1 of 2" in first
    next_link = re.search(r'href="([^"]+)"[^>]*>Next', first).group(1).replace("&amp;", "&")
    second = html_of(client, next_link)
    listed = names(first) + names(second)
    assert listed == [f"Người Học {n:02d}" for n in range(30, 0, -1)]  # An has started
    # The export holds the whole filtered table, not one page.
    exported = read_csv(
        fetch_export(client, f"/reports/areas/{lem}/learners.csv?status=not_started")
    )
    assert len(exported) == 1 + 30


# --- exports equal the page ----------------------------------------------------------


def _export_rows_as_page(rows: list[list]) -> list[dict]:
    """Export rows (header dropped) reduced to what the page shows."""
    result = []
    for row in rows:
        name, _username, _phone, village, status, _required, _done, optional = row[:8]
        _certs, best, overdue, _active = row[8:]
        result.append(
            {
                "name": name,
                "village": village,
                "status": status,
                "overdue": int(overdue) > 0,
                "optional": int(optional),
                "best": None if best in ("", None) else int(best),
            }
        )
    return result


def _page_rows(page: str) -> list[dict]:
    return [{k: v for k, v in row.items() if k != "active"} for row in learner_rows(page)]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize(
    "query",
    ["", f"?module={CM}", "?status=overdue&sort=best&dir=desc", f"?module={MI}&q=van"],
)
def test_do_the_learner_export_numbers_equal_the_page(world, viewer, fmt, query):
    client = viewer("district")
    district = area_id(world, "Sơn Dương", "district")
    page = html_of(client, f"/reports/areas/{district}{query}")
    response = fetch_export(client, f"/reports/areas/{district}/learners.{fmt}{query}")
    assert response.status_code == 200
    rows = read_csv(response) if fmt == "csv" else read_xlsx(response)
    assert rows[0][:5] == ["Name", "Username", "Phone", "Village", "Status"]
    exported = _export_rows_as_page(rows[1:])
    if "module=" in query:
        # With one module chosen the page shows no optional count; the export's columns
        # then describe that module alone.
        for row in exported:
            row["optional"] = 0
    assert exported == _page_rows(page)
    if "status=" not in query and "q=" not in query:
        # Without a status or name filter the rows add up to the summary's counts.
        statuses = Counter(row[4] for row in rows[1:])
        counts = summary(page)
        assert len(rows) - 1 == counts["learners"]
        assert statuses["Completed"] == counts["completed"]
        assert statuses["In progress"] == counts["in progress"]
        assert statuses["Not started"] == counts["not started"]
        assert sum(1 for row in rows[1:] if int(row[10]) > 0) == counts["overdue"]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_does_the_learner_export_hold_the_numbers_of_each_learner(world, viewer, fmt):
    client = viewer("committee")
    response = fetch_export(client, f"/reports/areas/{area_id(world, 'Kháng Nhật')}/learners.{fmt}")
    rows = read_csv(response) if fmt == "csv" else read_xlsx(response)
    assert rows[0][4:9] == [
        "Status",
        "Required modules",
        "Required completed",
        "Optional completed",
        "Certificates",
    ]
    body = {row[0]: [str(v) if v is not None else "" for v in row[1:11]] for row in rows[1:]}
    # CM and DS are required in Kháng Nhật: An has CM's certificate and not yet DS's.
    assert body == {
        AN: ["learner", "0912000001", "Lềm", "In progress", "2", "1", "0", "1", "80", "0"],
        CUONG: [
            "secretary01",
            "0987000001",
            "Tân Lập",
            "In progress",
            "2",
            "0",
            "0",
            "0",
            "60",
            "1",
        ],
        DUNG: [
            "secretary02",
            "0987000002",
            "Đồng Tâm",
            "Not started",
            "2",
            "0",
            "0",
            "0",
            "",
            "1",
        ],
    }


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("query", ["", f"?module={CM}", "?asort=overdue&adir=desc"])
def test_do_the_sub_area_export_numbers_equal_the_page(world, viewer, fmt, query):
    client = viewer("district")
    district = area_id(world, "Sơn Dương", "district")
    page = html_of(client, f"/reports/areas/{district}{query}")
    response = fetch_export(client, f"/reports/areas/{district}/sub-areas.{fmt}{query}")
    assert response.status_code == 200
    rows = read_csv(response) if fmt == "csv" else read_xlsx(response)
    assert rows[0] == [
        "Area",
        "Learners",
        "Completed",
        "Completion (%)",
        "Average best score (%)",
        "Overdue",
    ]
    exported = {
        row[0]: (
            int(row[1]),
            None if row[3] == "nothing required" else int(row[3]),
            None if row[4] in ("", None) else int(row[4]),
            int(row[5]),
        )
        for row in rows[1:]
    }
    assert exported == sub_area_rows(page)
    assert list(exported) == list(sub_area_rows(page))  # same order too
    # The completed column adds up to the page's completed count.
    if query != f"?module={CM}":
        assert sum(int(row[2]) for row in rows[1:]) == summary(page)["completed"]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize(
    "who, where", [("district", ("Sơn Dương", "district")), ("committee", ("Kháng Nhật",))]
)
def test_do_the_per_module_export_numbers_equal_the_page(world, viewer, fmt, who, where):
    client = viewer(who)
    area = area_id(world, *where)
    page = html_of(client, f"/reports/areas/{area}")
    response = fetch_export(client, f"/reports/areas/{area}/modules.{fmt}")
    assert response.status_code == 200
    rows = read_csv(response) if fmt == "csv" else read_xlsx(response)
    assert rows[0] == [
        "Module",
        "Required for",
        "Completed",
        "In progress",
        "Not started",
        "Overdue",
    ]
    exported = {row[0]: tuple(int(x) for x in row[1:]) for row in rows[1:]}
    assert exported == breakdown(page)
    assert len(exported) == 3


def test_is_the_per_module_export_of_another_commune_not_found(world, viewer):
    client = viewer("committee")
    tu_quan = area_id(world, "Tứ Quận")
    assert fetch_export(client, f"/reports/areas/{tu_quan}/modules.csv").status_code == 404
    assert fetch_export(client, f"/reports/areas/{tu_quan}/modules.xlsx").status_code == 404


@pytest.mark.parametrize(
    "path",
    [
        "learners.csv",
        "learners.xlsx",
        "sub-areas.csv",
        "modules.csv",
        "modules.xlsx",
        "overdue.csv",
        "overdue.xlsx",
    ],
)
def test_does_each_export_come_as_a_named_attachment(world, viewer, path):
    client = viewer("committee")
    kn = area_id(world, "Kháng Nhật")
    response = fetch_export(client, f"/reports/areas/{kn}/{path}")
    assert response.status_code == 200
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert disposition.endswith("." + path.rsplit(".", 1)[1] + '"')
    expected = "text/csv" if path.endswith("csv") else "application/vnd.openxmlformats"
    assert response.mimetype.startswith(expected)


def test_does_every_csv_export_start_with_a_utf8_bom_and_keep_vietnamese(world, viewer):
    client = viewer("committee")
    kn = area_id(world, "Kháng Nhật")
    for path in ("learners.csv", "sub-areas.csv", "overdue.csv"):
        data = fetch_export(client, f"/reports/areas/{kn}/{path}").get_data()
        assert data[:3] == b"\xef\xbb\xbf", path
        assert data[3:4] != b"\xef"  # one BOM, not two
        text = data.decode("utf-8-sig")
        assert ("Nguyễn Văn Cường" in text) or ("Đồng Tâm" in text), path


# --- formula injection ---------------------------------------------------------------

DANGEROUS = ['=HYPERLINK("http://x")', "+1", "-1", "@x", "=1+2"]


@pytest.fixture
def dangerous_names(world):
    with world.app_context():
        lem = the_area("Lềm", "village")
        for n, name in enumerate(DANGEROUS):
            add_learner(f"danger{n}", name, lem)
            create_area("=cmd|' /C calc'!A0", "village", the_area("Kháng Nhật"))
        db.session.commit()
    return world


@pytest.mark.parametrize("path", ["learners.csv", "overdue.csv", "sub-areas.csv"])
def test_are_formula_like_cells_neutralised_in_csv(dangerous_names, viewer, path):
    client = viewer("committee")
    rows = read_csv(
        fetch_export(client, f"/reports/areas/{area_id(dangerous_names, 'Kháng Nhật')}/{path}")
    )
    cells = [cell for row in rows for cell in row]
    risky = [cell for cell in cells if cell[:1] in ("=", "+", "-", "@", "\t", "\r")]
    assert risky == []
    if path == "sub-areas.csv":
        assert "'=cmd|' /C calc'!A0" in cells
    else:
        for name in DANGEROUS:
            assert "'" + name in cells


@pytest.mark.parametrize("path", ["learners.xlsx", "overdue.xlsx", "sub-areas.xlsx"])
def test_are_formula_like_cells_neutralised_in_xlsx(dangerous_names, viewer, path):
    client = viewer("committee")
    cells = xlsx_cells(
        fetch_export(client, f"/reports/areas/{area_id(dangerous_names, 'Kháng Nhật')}/{path}")
    )
    assert [c.coordinate for c in cells if c.data_type == "f"] == []
    risky = [c.value for c in cells if isinstance(c.value, str) and c.value[:1] in "=+-@"]
    assert risky == []
    values = [c.value for c in cells]
    if path == "sub-areas.xlsx":
        assert "'=cmd|' /C calc'!A0" in values
    else:
        for name in DANGEROUS:
            assert "'" + name in values


def test_does_the_page_show_a_formula_like_name_as_plain_text(dangerous_names, viewer):
    client = viewer("committee")
    lem = area_id(dangerous_names, "Lềm", "village")
    assert set(DANGEROUS) <= set(names(html_of(client, f"/reports/areas/{lem}")))


# --- the overdue call list -----------------------------------------------------------


def overdue_rows(page: str) -> dict[str, tuple]:
    return {row[0]: tuple(row[1:]) for row in tables(page)["Name"] if len(row) > 1}


def test_does_the_overdue_list_show_who_to_call_and_what_they_lack(world, viewer):
    client = viewer("district")
    page = html_of(client, f"/reports/areas/{area_id(world, 'Sơn Dương', 'district')}/overdue")
    due = (utcnow().date() - timedelta(days=10)).strftime("%d/%m/%Y")
    cm = TITLES[CM]
    assert overdue_rows(page) == {
        CUONG: ("0987000001", "Tân Lập", cm, due, "3 lessons, the quiz"),
        DUNG: ("0987000002", "Đồng Tâm", cm, due, "5 lessons, the quiz"),
        HOA: ("0987000004", "Hòa Bình", cm, due, "the quiz"),
        HUNG: ("—", "Thác Nông", cm, due, "5 lessons"),
        LAN: ("—", "Đồng Tâm", cm, due, "5 lessons, the quiz"),
    }
    assert 'href="tel:0987000001"' in page


def test_does_the_commune_overdue_list_hold_its_own_people_only(world, viewer):
    client = viewer("committee")
    page = html_of(client, f"/reports/areas/{area_id(world, 'Kháng Nhật')}/overdue")
    assert set(overdue_rows(page)) == {CUONG, DUNG}


def test_does_an_area_with_nobody_overdue_say_so(world, viewer):
    client = viewer("committee")
    lem = area_id(world, "Lềm", "village")
    page = html_of(client, f"/reports/areas/{lem}/overdue")
    assert overdue_rows(page) == {}
    assert "Nobody is overdue" in page


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_does_the_overdue_export_match_the_overdue_page(world, viewer, fmt):
    client = viewer("district")
    district = area_id(world, "Sơn Dương", "district")
    page = overdue_rows(html_of(client, f"/reports/areas/{district}/overdue"))
    response = fetch_export(client, f"/reports/areas/{district}/overdue.{fmt}")
    rows = read_csv(response) if fmt == "csv" else read_xlsx(response)
    assert rows[0] == [
        "Name",
        "Phone",
        "Village",
        "Module",
        "Due",
        "Lessons done",
        "Lessons in the module",
        "Quiz passed",
    ]
    exported = {}
    for name, phone, village, module, due, done, total, passed in rows[1:]:
        lacking = []
        if int(done) < int(total):
            lacking.append(f"{int(total) - int(done)} lessons")
        if passed == "no":
            lacking.append("the quiz")
        day = due if isinstance(due, str) else due.isoformat()
        exported[name] = (
            phone or "—",
            village,
            module,
            "/".join(reversed(day.split("-"))),
            ", ".join(lacking),
        )
    assert exported == page
    assert len(rows) - 1 == len(page) == 5


# --- one learner's page --------------------------------------------------------------


def test_does_the_learner_page_show_lessons_attempts_last_active_and_certificates(world, viewer):
    client = viewer("committee")
    page = html_of(client, f"/reports/people/{user_id(world, 'learner')}")
    # Times show in Vietnam's time (UTC+7): after 17:00 UTC it is already tomorrow there.
    # The world may have been built before that hour and reused after it, so the dates
    # expected are those of the rows themselves, not of the clock now.
    with world.app_context():
        learner = db.session.get(User, user_id(world, "learner"))
        active_at = learner.last_active_at
        issued_at = db.session.scalar(
            select(Certificate.issued_at).where(Certificate.user_id == learner.id)
        )
    active_day, issued_day = (
        (moment + timedelta(hours=7)).strftime("%d/%m/%Y") for moment in (active_at, issued_at)
    )
    text = " ".join(re.sub(r"<[^>]+>", " ", page).split())
    assert "<h1>Hoàng Văn An</h1>" in page
    assert f"Last active {active_day}" in text
    assert "0912000001" in text and "Lềm" in text
    cards = re.findall(r'<section class="card">(.*?)</section>', page, re.S)
    by_title = {re.search(r"<h3>(.*?)</h3>", card).group(1): card for card in cards}
    assert set(by_title) == set(TITLES.values())
    cm_card = by_title[TITLES[CM]]
    assert "5 of 5 lessons done" in cm_card
    assert "best quiz score 80%" in cm_card
    assert re.search(rf"Completed</span>\s*{issued_day}", cm_card)  # the certificate and its date
    assert "2 of 5 lessons done" in by_title[TITLES[DS]]
    assert "Completed" not in by_title[TITLES[DS]]
    assert "0 of 5 lessons done" in by_title[TITLES[MI]]
    attempts = tables(page)["Date"]
    assert sorted((row[1], row[2], row[3]) for row in attempts) == [
        (TITLES[CM], "50%", "Not passed"),
        (TITLES[CM], "80%", "Passed"),
    ]


def test_does_the_learner_page_keep_the_attempts_of_an_archived_module(world, viewer):
    with world.app_context():
        the_module(CM).status = ModuleStatus.ARCHIVED
        db.session.commit()
    client = viewer("committee")
    page = html_of(client, f"/reports/people/{user_id(world, 'learner')}")
    attempts = tables(page)["Date"]
    assert sorted((row[1], row[2]) for row in attempts) == [
        (f"{TITLES[CM]} (archived)", "50%"),
        (f"{TITLES[CM]} (archived)", "80%"),
    ]


def test_does_the_learner_page_show_an_overdue_module(world, viewer):
    client = viewer("committee")
    page = html_of(client, f"/reports/people/{user_id(world, 'secretary02')}")
    due = (utcnow().date() - timedelta(days=10)).strftime("%d/%m/%Y")
    assert f"Overdue: required by {due}" in page
    assert "No quiz taken yet." in page
    assert "never" in page  # last active


# --- deactivation --------------------------------------------------------------------


def test_does_a_deactivated_learner_disappear_from_the_counts(world, viewer):
    with world.app_context():
        the_user("secretary01").is_active = False
        db.session.commit()
    client = viewer("district")
    district = area_id(world, "Sơn Dương", "district")
    page = html_of(client, f"/reports/areas/{district}")
    assert summary(page) == {
        "learners": 7,
        "completed": 2,
        "in progress": 3,
        "not started": 2,
        "overdue": 4,
    }
    assert sub_area_rows(page)["Kháng Nhật"] == (2, 25, 80, 1)
    assert CUONG not in names(page)
    assert CUONG not in html_of(client, f"/reports/areas/{district}/overdue")
    exported = read_csv(fetch_export(client, f"/reports/areas/{district}/learners.csv"))
    assert CUONG not in [row[0] for row in exported]
    # The record is kept: the person's page still shows the progress, marked deactivated.
    person = html_of(client, f"/reports/people/{user_id(world, 'secretary01')}")
    assert "deactivated" in person and "2 of 5 lessons done" in person


# --- bad filter values ---------------------------------------------------------------

BAD_QUERIES = [
    "module=no-such-module",
    "status=bogus",
    "page=-3",
    "page=0",
    "page=abc",
    "page=99999999999999999999",
    "sort=password",
    "sort=full_name%20desc",
    "dir=sideways",
    "asort=learners;drop",
    "adir=up",
    "q=" + "x" * 81,
]


@pytest.mark.parametrize("query", BAD_QUERIES)
def test_does_a_bad_filter_value_give_the_default_results_and_a_message(world, viewer, query):
    client = viewer("district")
    district = area_id(world, "Sơn Dương", "district")
    default = html_of(client, f"/reports/areas/{district}")
    response = client.get(f"/reports/areas/{district}?{query}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert FILTER_MESSAGE in page
    assert FILTER_MESSAGE not in default
    assert names(page) == names(default)
    assert summary(page) == summary(default)
    assert sub_area_rows(page) == sub_area_rows(default)


@pytest.mark.parametrize("query", BAD_QUERIES)
def test_does_a_bad_filter_value_never_break_an_export_or_the_call_list(world, viewer, query):
    client = viewer("district")
    district = area_id(world, "Sơn Dương", "district")
    statuses = {}
    for path in ("learners.csv", "learners.xlsx", "sub-areas.csv", "sub-areas.xlsx"):
        statuses[path] = fetch_export(
            client, f"/reports/areas/{district}/{path}?{query}"
        ).status_code
    for path in ("overdue", "overdue.csv", "overdue.xlsx"):
        statuses[path] = fetch_export(
            client, f"/reports/areas/{district}/{path}?{query}"
        ).status_code
    assert set(statuses.values()) == {200}, statuses
    # The default rows: every learner of the district.
    assert (
        len(read_csv(fetch_export(client, f"/reports/areas/{district}/learners.csv?{query}")))
        == 1 + 8
    )
    assert (
        len(read_xlsx(fetch_export(client, f"/reports/areas/{district}/learners.xlsx?{query}")))
        == 1 + 8
    )


def test_do_report_tables_carry_card_labels_and_sort_on_the_header_cell(sort_world, english, auth):
    app, commune = sort_world
    client = english
    auth.sign_in("district")
    page = html_of(client, f"/reports/areas/{commune}?sort=best&dir=asc")
    assert '<th aria-sort="ascending"><a href=' in page
    assert not re.search(r"<a [^>]*aria-sort", page)
    assert page.count('class="report stack"') == 2
    assert 'data-label="Best score"' in page and 'data-label="Average best score"' in page
