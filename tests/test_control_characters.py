"""Control characters (issue 13, finding 4): names and other text fields refuse them with
a message and change nothing, and a name that holds one already cannot break an export."""

from __future__ import annotations

import io

import openpyxl
import pytest
from sqlalchemy import select

from learnapp import db
from learnapp.forms import control_characters
from learnapp.models import Area, User
from tests.admin_support import send, text
from tests.factories import row_counts
from tests.reports_support import fetch_export
from tests.test_admin_import import csv_bytes, preview, row_problems

CONTROLS = ["\x01", "\x07", "\x08", "\x1b", "\x7f", "\x9b"]
MESSAGE = "Remove the invisible control characters from this text."


def admin_client(demo, auth, client):
    assert auth.sign_in("admin").status_code == 302
    return client


def village_id(app, name: str = "Lềm") -> int:
    with app.app_context():
        return db.session.scalar(select(Area.id).where(Area.name == name))


def test_are_line_breaks_allowed_only_in_texts_of_several_lines():
    assert control_characters("a\x07b")
    assert control_characters("a\nb")
    assert not control_characters("a\nb\r\n\tc", multiline=True)
    assert control_characters("a\nb\x08", multiline=True)
    assert not control_characters("Lò Văn Ươn")


@pytest.mark.parametrize("char", CONTROLS)
def test_does_a_control_character_in_a_persons_name_get_a_message(demo, auth, client, char):
    admin_client(demo, auth, client)
    before = row_counts(demo)
    response = send(
        client,
        "/admin/people/new",
        {"full_name": f"Lò Văn{char} Ươn", "area_id": village_id(demo), "roles": "learner"},
        token_from="/admin/people/new",
    )
    assert response.status_code == 200
    assert MESSAGE in text(response)
    assert row_counts(demo) == before


@pytest.mark.parametrize("char", CONTROLS)
def test_does_a_control_character_in_an_areas_name_get_a_message(demo, auth, client, char):
    admin_client(demo, auth, client)
    area = village_id(demo)
    before = row_counts(demo)
    response = send(
        client,
        f"/admin/areas/{area}/rename",
        {"name": f"Lềm{char}"},
        token_from=f"/admin/areas/{area}",
    )
    assert response.status_code == 200
    assert MESSAGE in text(response)
    response = send(
        client,
        f"/admin/areas/{village_id(demo, 'Kháng Nhật')}/children",
        {"name": f"Mới{char}", "level": "village"},
        token_from=f"/admin/areas/{area}",
    )
    assert response.status_code == 200
    assert MESSAGE in text(response)
    assert row_counts(demo) == before


def test_does_a_control_character_in_an_imported_row_get_a_message(demo, auth, client):
    admin_client(demo, auth, client)
    rows = [["Lò Văn\x07 Ươn", "", "Lềm", "", "", ""], ["Hà Văn Tư", "", "Lềm\x01", "", "", ""]]
    problems = row_problems(preview(client, csv_bytes(rows))[1])
    assert sorted(problems) == [2, 3]
    assert all(
        "Remove the invisible control characters from this row." in p for p in problems.values()
    )


def test_does_a_name_stored_with_a_control_character_still_export(demo, auth, client):
    with demo.app_context():
        learner = db.session.scalar(select(User).where(User.username == "learner"))
        learner.full_name = "Bell\x07 Name\x01"
        db.session.commit()
        area = learner.area_id
    auth.sign_in("committee")
    response = fetch_export(client, f"/reports/areas/{area}/learners.xlsx")
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.data)).active
    assert "Bell Name" in [row[0] for row in sheet.iter_rows(values_only=True)]
