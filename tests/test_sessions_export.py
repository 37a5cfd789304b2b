"""The sessions sheet of the committee's exports: one row per register mark of a
learner in the committee's area, and nothing of another area's sessions."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from tests.sessions_support import area, begin_now, import_module, schedule
from tests.test_sessions import attend, csv_rows, signed_in, text


@pytest.fixture
def world(demo, tmp_path):
    import_module(demo, tmp_path)
    here = schedule(demo, areas=("Kháng Nhật",), place="Hội trường xã Kháng Nhật")
    there = schedule(demo, areas=("Tứ Quận",), place="=Nhà văn hoá Tứ Quận")
    for session_id in (here, there):
        begin_now(demo, session_id)
    attend(demo, here, "learner")
    attend(demo, here, "secretary01", "absent")
    attend(demo, there, "learner2")
    return demo


def kn(app) -> int:
    with app.app_context():
        return area("Kháng Nhật").id


def test_does_the_csv_hold_the_committees_area_only(world):
    committee = signed_in(world, "committee")
    response = committee.get(f"/sessions/reports/areas/{kn(world)}/marks.csv")
    assert response.status_code == 200
    rows = csv_rows(response)
    assert rows[0] == [
        "Name",
        "Username",
        "Area",
        "Module",
        "Date",
        "Place",
        "Attendance",
        "Reason",
    ]
    body = sorted((r[1], r[5], r[6]) for r in rows[1:])
    assert body == [
        ("learner", "Hội trường xã Kháng Nhật", "Attended"),
        ("secretary01", "Hội trường xã Kháng Nhật", "Absent"),
    ]
    assert "learner2" not in text(response)


def test_does_the_xlsx_hold_the_same_rows(world):
    committee = signed_in(world, "committee")
    response = committee.get(f"/sessions/reports/areas/{kn(world)}/marks.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert len(values) == 3
    assert sorted(v[1] for v in values[1:]) == ["learner", "secretary01"]


def test_is_a_formula_like_place_kept_as_text(world):
    trainer_view = signed_in(world, "admin")
    with world.app_context():
        tq = area("Tứ Quận").id
    rows = csv_rows(trainer_view.get(f"/sessions/reports/areas/{tq}/marks.csv"))
    assert rows[1][5] == "'=Nhà văn hoá Tứ Quận"


def test_is_another_areas_sheet_not_found_and_a_learners_refused(world):
    committee = signed_in(world, "committee")
    with world.app_context():
        other = area("Tứ Quận").id
    assert committee.get(f"/sessions/reports/areas/{other}/marks.csv").status_code == 404
    learner = signed_in(world, "learner")
    assert learner.get(f"/sessions/reports/areas/{kn(world)}/marks.xlsx").status_code == 403


def test_does_the_dashboard_link_to_the_sheet(world):
    committee = signed_in(world, "committee")
    page = text(committee.get(f"/reports/areas/{kn(world)}"))
    assert f"/sessions/reports/areas/{kn(world)}/marks.csv" in page


def test_does_the_learners_own_download_hold_their_sessions_only(world):
    from tests.conftest import post
    from tests.test_privacy_export import embedded

    learner = signed_in(world, "learner")
    response = post(learner, "/account/my-data", token_from="/account")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    sessions = embedded(html)["training_sessions"]
    assert [(s["place"], s["attendance"]) for s in sessions] == [
        ("Hội trường xã Kháng Nhật", "attended")
    ]
    assert 'id="training-sessions"' in html and "Tứ Quận" not in html
