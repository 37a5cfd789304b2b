"""Bulk import: CSV and XLSX, a preview listing every row's problem, confirm, re-import."""

from __future__ import annotations

import csv
import io
import re
import time
import zipfile
from datetime import timedelta

import pytest
from openpyxl import Workbook
from sqlalchemy import event, func, select

from learnapp import db
from learnapp.admin.models import PendingImport
from learnapp.models import AuditEvent, RoleGrant, User
from learnapp.models.base import utcnow
from tests.admin_support import (
    PASSWORD,
    audit_actions,
    make_admin,
    person,
    row_counts,
    send,
    text,
)
from tests.factories import PNG_BYTES

HEADER = ["full_name", "phone", "village", "commune", "username", "role"]


def csv_bytes(rows: list[list[str]], *, bom: bool = True, header=HEADER) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return ("\ufeff" if bom else "").encode() + out.getvalue().encode("utf-8")


def xlsx_bytes(rows: list[list[object]], header=HEADER) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def upload(client, content: bytes, filename: str = "people.csv"):
    return send(
        client,
        "/admin/import",
        {"file": (io.BytesIO(content), filename)},
        content_type="multipart/form-data",
    )


def preview(client, content: bytes, filename: str = "people.csv") -> tuple[str, str]:
    """Upload a file; return the preview's token and its page."""
    response = upload(client, content, filename)
    assert response.status_code == 302, text(response)
    location = response.headers["Location"]
    token = location.rsplit("/", 1)[1]
    return token, text(client.get(location, headers={"Accept-Language": "en"}))


def confirm(client, token: str, follow_redirects: bool = False, **extra):
    return send(
        client,
        "/admin/import/confirm",
        {"token": token, **extra},
        follow_redirects=follow_redirects,
    )


def user_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(User.id)))


def row_problems(page: str) -> dict[int, str]:
    """Row number -> the text of its problems, from the preview's problem table."""
    table = page.split('import-problems"', 1)[1].split("</table>", 1)[0]
    out = {}
    for number, cell in re.findall(r"<tr>\s*<td[^>]*>(\d+)</td>(.*?)</tr>", table, re.S):
        out[int(number)] = re.sub(r"<[^>]+>", " ", cell)
    return out


@pytest.fixture
def admin_client(demo, client, auth):
    auth.sign_in("admin")
    return client


# --- the happy path ----------------------------------------------------------------------


def test_does_a_csv_with_bom_import_nothing_until_confirmed(demo, admin_client):
    content = csv_bytes(
        [
            ["Lò Văn Ươn", "0977 000 001", "Lềm", "Kháng Nhật", "", ""],
            ["Đặng Thị Ánh", "", "Thác Nông", "", "anh.dang", "committee"],
            ["Hà Văn Tư", "+84977000003", "Cây Nhãn", "Tứ Quận", "", "learner"],
        ]
    )
    before = row_counts(demo)
    token, page = preview(admin_client, content)
    assert "New people</dt><dd>3" in page
    assert "Nothing has been imported yet." in page
    assert row_counts(demo) == before

    # A committee member among them: the admin's own password (SECURITY 5).
    response = confirm(admin_client, token, current_password=PASSWORD)
    assert response.status_code == 302
    assert user_count(demo) == before["user_account"] + 3
    uon = person(demo, "lovanuon")
    assert uon["phone"] == "0977000001" and uon["area"] == "Lềm"
    assert uon["grants"] == [("learner", "Lềm")]
    assert uon["must_change_password"] is True
    assert person(demo, "anh.dang")["grants"] == [("committee", "Thác Nông")]
    assert person(demo, "havantu")["phone"] == "0977000003"
    assert [a for a, _ in audit_actions(demo, "import")] == ["import"]
    assert "3 created" in audit_actions(demo, "import")[0][1]
    assert audit_actions(demo, "account_create")[-3:] == [("account_create", "import")] * 3
    # The preview is gone once used.
    assert admin_client.get(f"/admin/import/{token}").status_code == 404


def test_can_an_imported_person_not_sign_in_before_an_admin_gives_a_password(demo, admin_client):
    token, _ = preview(admin_client, csv_bytes([["Lò Văn Ươn", "", "Lềm", "", "", ""]]))
    confirm(admin_client, token)
    other = demo.test_client()
    from tests.conftest import Auth

    for guess in ("", "!", PASSWORD):
        assert Auth(other).sign_in("lovanuon", guess).status_code in (200, 400)
    with demo.app_context():
        uid = db.session.scalar(select(User.id).where(User.username == "lovanuon"))
    page = text(admin_client.get(f"/admin/people/{uid}", headers={"Accept-Language": "en"}))
    assert "none yet: give a temporary password" in page
    response = send(
        admin_client, f"/admin/people/{uid}/reset-password", {"current_password": PASSWORD}
    )
    password = re.search(r'id="temporary-password">([^<]+)<', text(response))[1]
    assert Auth(other).sign_in("lovanuon", password).status_code == 302


def test_does_an_xlsx_import_with_numbers_empty_rows_and_real_row_numbers(demo, admin_client):
    content = xlsx_bytes(
        [
            ["Lò Văn Ươn", 977000001, "Lềm", "Kháng Nhật", None, None],
            [None, None, None, None, None, None],  # row 3: empty, ignored
            ["   ", "", "", "", "", ""],  # row 4: blanks only, ignored
            ["Hà Văn Tư", "0977000002", "Không Có", None, None, None],  # row 5: unknown village
        ]
    )
    token, page = preview(admin_client, content, "people.xlsx")
    assert "Rows read</dt><dd>2" in page
    problems = row_problems(page)
    assert list(problems) == [5]
    assert "There is no village called “Không Có” in the areas you manage." in problems[5]
    confirm(admin_client, token)
    assert person(demo, "lovanuon")["phone"] == "0977000001"
    assert person(demo, "havantu") == {}


def test_are_empty_rows_and_lines_of_a_csv_ignored(demo, admin_client):
    content = csv_bytes([["Lò Văn Ươn", "", "Lềm", "", "", ""], ["", "", "", "", "", ""], []])
    content += b"\r\n\r\n,,,,,\r\n"
    token, page = preview(admin_client, content)
    assert "Rows read</dt><dd>1" in page and "Rows with problems</dt><dd>0" in page


def test_does_a_csv_without_bom_with_semicolons_and_vietnamese_headings_import(demo, admin_client):
    content = "Họ và tên;Số điện thoại;Thôn;Xã\nLò Văn Ươn;0977000001;Lềm;Kháng Nhật\n"
    token, page = preview(admin_client, content.encode())
    assert "New people</dt><dd>1" in page
    confirm(admin_client, token)
    assert person(demo, "lovanuon")["area"] == "Lềm"


# --- problems ----------------------------------------------------------------------------


def test_does_the_preview_list_every_rows_problem_and_import_only_good_rows(demo, admin_client):
    rows = [
        ["Lò Văn Ươn", "0977000001", "Lềm", "Kháng Nhật", "", ""],  # 2: good
        ["Người A", "", "Lềm", "", "dup", ""],  # 3: username also on 4
        ["Người B", "", "Lềm", "", "dup", ""],  # 4: username also on 3
        ["Người C", "0977000005", "Lềm", "", "", ""],  # 5: phone also on 6
        ["Người D", "0977000005", "Lềm", "", "", ""],  # 6: phone also on 5
        ["Người E", "0912000002", "Lềm", "", "nguoie", ""],  # 7: phone of learner2
        ["Người F", "", "Không Có", "", "", ""],  # 8: unknown village
        ["Người G", "", "Tân Lập", "", "", ""],  # 9: four villages are called Tân Lập
        ["Người H", "12345", "Lềm", "", "", ""],  # 10: bad phone
        ["", "0977000010", "Lềm", "", "", ""],  # 11: no name
        ["Người I", "", "Lềm", "", "", "boss"],  # 12: unknown role
        ["Người J", "", "Lềm", "Tứ Quận", "", ""],  # 13: no Lềm in Tứ Quận
        ["Người K", "", "", "", "Bad Name", ""],  # 14: no village, bad username
    ]
    before = row_counts(demo)
    token, page = preview(admin_client, csv_bytes(rows))
    assert row_counts(demo) == before
    problems = row_problems(page)
    assert sorted(problems) == list(range(3, 15))
    assert "The same username is also on row 4." in problems[3]
    assert "The same username is also on row 3." in problems[4]
    assert "The same phone number is also on row 6." in problems[5]
    assert "already belongs to another account" in problems[7]
    assert "There is no village called “Không Có” in the areas you manage." in problems[8]
    assert "fill in the commune column" in problems[9]
    assert "“12345” is not a Vietnamese phone number." in problems[10]
    assert "The name is missing." in problems[11]
    assert "Unknown role “boss”" in problems[12]
    assert "no village called “Lềm” in “Tứ Quận”" in problems[13]
    assert "The village is missing." in problems[14] and "cannot be a username" in problems[14]

    confirm(admin_client, token)
    assert user_count(demo) == before["user_account"] + 1
    assert person(demo, "lovanuon")["area"] == "Lềm"
    assert "12 skipped" in audit_actions(demo, "import")[0][1]


def test_does_a_commune_admins_preview_confirm_nothing_that_exists_elsewhere(demo, client, auth):
    make_admin(demo, "kn-admin", "Kháng Nhật")
    auth.sign_in("kn-admin")
    rows = [
        ["Người A", "", "Cây Nhãn", "", "", ""],  # a village of Tứ Quận
        ["Người B", "", "Không Có Đâu", "", "", ""],  # no such village anywhere
        ["Người C", "", "Lềm", "", "learner2", ""],  # an account of Tứ Quận
        ["Người D", "", "Lềm", "", "nobody.here", ""],  # a new username: fine
        ["Người E", "0912000002", "Lềm", "", "", ""],  # learner2's phone
    ]
    page = preview(client, csv_bytes(rows))[1]
    problems = row_problems(page)
    assert sorted(problems) == [2, 3, 4, 6]

    def message(text: str) -> str:
        flat = " ".join(text.split())
        return re.sub(r"“[^”]*”", "“…”", flat[flat.index("There") :])

    assert "There is no village called “Cây Nhãn” in the areas you manage." in problems[2]
    assert message(problems[2]) == message(problems[3])
    assert "cannot be used in the areas you manage" in problems[4]
    assert "cannot be used in the areas you manage" in problems[6]


def test_does_a_commune_admin_see_other_communes_as_problems(demo, client, auth):
    make_admin(demo, "kn-admin", "Kháng Nhật")
    auth.sign_in("kn-admin")
    rows = [
        ["Người A", "", "Cây Nhãn", "", "", ""],  # 2: Tứ Quận's village
        ["Ma Thị Bình", "", "Lềm", "", "learner2", ""],  # 3: account of Tứ Quận
        ["Người C", "", "Tân Lập", "", "", ""],  # 4: only one Tân Lập in Kháng Nhật: fine
    ]
    before = row_counts(demo)
    token, page = preview(client, csv_bytes(rows))
    problems = row_problems(page)
    assert sorted(problems) == [2, 3]
    # Said exactly as for a village or account that exists nowhere (issue 13, finding 9).
    assert "There is no village called “Cây Nhãn” in the areas you manage." in problems[2]
    assert "cannot be used in the areas you manage" in problems[3]
    assert row_counts(demo) == before
    confirm(client, token)
    assert person(demo, "nguoic")["area"] == "Tân Lập"
    assert person(demo, "learner2")["area"] == "Cây Nhãn"


@pytest.mark.parametrize(
    ("content", "filename", "message"),
    [
        (PNG_BYTES, "people.csv", "This file is not a spreadsheet."),
        (b"<!doctype html><script>alert(1)</script>", "people.csv", "not a spreadsheet"),
        (b'<svg xmlns="http://www.w3.org/2000/svg"/>', "people.xlsx", "not a spreadsheet"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "people.xls", "(.xls) cannot"),
        ("full_name,village\nHoàng Văn,Lem\n".encode("cp1258"), "people.csv", "not in UTF-8"),
        (b"", "people.csv", "The file is empty."),
        (b"name,phone\nA,1\n", "people.csv", "no column named: village"),
        (b"full_name,village\n", "people.csv", "column names but no people"),
    ],
)
def test_is_a_file_that_is_no_people_sheet_refused_with_a_clear_message(
    demo, admin_client, content, filename, message
):
    before = row_counts(demo)
    response = upload(admin_client, content, filename)
    assert response.status_code == 200
    assert message in text(response)
    assert row_counts(demo) == before
    assert pending_count(demo) == 0


def test_is_a_zip_that_is_no_workbook_refused(demo, admin_client):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("word/document.xml", "<w/>")
    response = upload(admin_client, out.getvalue(), "people.xlsx")
    assert "This is not an Excel workbook." in text(response)


def test_is_a_file_above_the_size_limit_refused_with_413(demo, admin_client):
    before = row_counts(demo)
    response = upload(admin_client, b"full_name,village\n" + b"x" * (3 * 1024 * 1024))
    assert response.status_code == 413
    assert row_counts(demo) == before


def test_is_confirming_refused_without_a_csrf_token(demo, admin_client):
    token, _ = preview(admin_client, csv_bytes([["Lò Văn Ươn", "", "Lềm", "", "", ""]]))
    before = row_counts(demo)
    response = admin_client.post("/admin/import/confirm", data={"token": token})
    assert response.status_code == 400
    assert row_counts(demo) == before


# --- the stored preview ------------------------------------------------------------------


def test_is_a_preview_private_to_the_admin_who_uploaded_it(demo, admin_client, auth):
    token, _ = preview(admin_client, csv_bytes([["Lò Văn Ươn", "", "Lềm", "", "", ""]]))
    auth.sign_out()
    make_admin(demo, "other-admin", "Tuyên Quang", level="province")
    auth.sign_in("other-admin")
    before = row_counts(demo)
    assert admin_client.get(f"/admin/import/{token}").status_code == 404
    assert confirm(admin_client, token).status_code == 404
    for bad in ("x" * 32, "../../secret_key", "not-a-token"):
        assert admin_client.get(f"/admin/import/{bad}").status_code == 404
        assert confirm(admin_client, bad).status_code == 404
    assert row_counts(demo) == before


def test_is_a_preview_refused_when_too_old(demo, admin_client):
    token, _ = preview(admin_client, csv_bytes([["Lò Văn Ươn", "", "Lềm", "", "", ""]]))
    with demo.app_context():
        db.session.get(PendingImport, token).created_at -= timedelta(hours=3)
        db.session.commit()
    before = row_counts(demo)
    response = confirm(admin_client, token, follow_redirects=True)
    assert "This preview is too old. Please upload the file again." in text(response)
    # Nothing imported; the old rows themselves are forgotten.
    assert row_counts(demo) == before
    with demo.app_context():
        assert db.session.get(PendingImport, token) is None


def test_are_stale_previews_removed_by_the_daily_job(demo, admin_client):
    from learnapp import daily

    token, _ = preview(admin_client, csv_bytes([["Lò Văn Ươn", "", "Lềm", "", "", ""]]))
    with demo.app_context():
        daily.run(now=utcnow() + timedelta(hours=1))
        assert db.session.get(PendingImport, token) is not None  # still valid
        daily.run(now=utcnow() + timedelta(hours=3))
        db.session.commit()
        assert db.session.get(PendingImport, token) is None


def pending_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(PendingImport))


# --- re-importing ------------------------------------------------------------------------


def test_does_reimporting_the_same_file_update_instead_of_duplicating(demo, admin_client):
    rows = [
        ["Lò Văn Ươn", "0977000001", "Lềm", "Kháng Nhật", "", ""],  # matched by phone
        ["Đặng Thị Ánh", "", "Thác Nông", "", "anh.dang", ""],  # matched by username
        ["Hà Văn Tư", "", "Cây Nhãn", "", "", ""],  # matched by name in the village
    ]
    token, _ = preview(admin_client, csv_bytes(rows))
    confirm(admin_client, token)
    count = user_count(demo)

    token, page = preview(admin_client, csv_bytes(rows))
    assert "New people</dt><dd>0" in page and "Already up to date</dt><dd>3" in page
    confirm(admin_client, token)
    assert user_count(demo) == count

    rows[0][0] = "Lò Văn Ướn"  # a corrected name
    rows[1][2], rows[1][3] = "Lềm", "Kháng Nhật"  # moved village
    token, page = preview(admin_client, csv_bytes(rows))
    assert "People to update</dt><dd>2" in page
    assert "Lò Văn Ươn → Lò Văn Ướn" in page
    confirm(admin_client, token)
    assert user_count(demo) == count
    assert person(demo, "lovanuon")["full_name"] == "Lò Văn Ướn"
    assert person(demo, "anh.dang")["area"] == "Lềm"
    assert any(d.startswith("import: ") for _, d in audit_actions(demo, "account_edit"))


def test_does_an_import_that_adds_a_role_need_the_admins_password(demo, admin_client):
    rows = [["Hoàng Văn An", "", "Lềm", "Kháng Nhật", "learner", "committee"]]
    token, page = preview(admin_client, csv_bytes(rows))
    assert "type your own password to confirm" in page
    before = person(demo, "learner")
    response = confirm(admin_client, token)
    assert "type your own password" in text(response)
    response = confirm(admin_client, token, current_password="wrong-one")
    assert "Your password is not right." in text(response)
    assert person(demo, "learner") == before
    assert confirm(admin_client, token, current_password=PASSWORD).status_code == 302
    assert ("committee", "Lềm") in person(demo, "learner")["grants"]


def test_does_the_example_sheet_download_with_a_bom(demo, admin_client):
    response = admin_client.get("/admin/import/template.csv")
    assert response.status_code == 200
    body = response.get_data()
    assert body.startswith("\ufeff".encode()) and b"full_name,phone,village" in body


# --- size --------------------------------------------------------------------------------


def test_do_5000_rows_import_in_one_go_with_a_bounded_number_of_queries(demo, admin_client):
    villages = [
        ("Lềm", "Kháng Nhật"),
        ("Tân Lập", "Kháng Nhật"),
        ("Thác Nông", "Sơn Nam"),
        ("Cây Nhãn", "Tứ Quận"),
        ("Hòa Bình", "Khuôn Hà"),
    ]
    rows = []
    for n in range(5000):
        village, commune = villages[n % len(villages)]
        phone = f"096{n:07d}" if n % 2 else ""
        rows.append([f"Nguyễn Văn Thử {n}", phone, village, commune, "", ""])
    content = csv_bytes(rows)
    before = user_count(demo)

    started = time.perf_counter()
    token, page = preview(admin_client, content)
    previewed = time.perf_counter()
    assert "New people</dt><dd>5000" in page

    statements = []
    engine = db.engine_of(demo)

    def count(_conn, _cursor, statement, *_args):
        statements.append(statement.split("(")[0][:60])

    event.listen(engine, "before_cursor_execute", count)
    try:
        response = confirm(admin_client, token)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    done = time.perf_counter()
    assert response.status_code == 302
    assert user_count(demo) == before + 5000
    # Generated usernames stay unique: "nguyenvanthu0" ... with no clash.
    with demo.app_context():
        grants = db.session.scalar(select(func.count(RoleGrant.id)))
        events = db.session.scalar(select(func.count(AuditEvent.id)))
    assert grants >= 5000 and events >= 10000
    # No statement per row: the whole confirmation runs a few dozen of them.
    assert len(statements) < 200, __import__("collections").Counter(statements).most_common(5)
    print(
        f"\n5,000 rows: upload+preview {previewed - started:.2f}s, "
        f"confirm {done - previewed:.2f}s, {len(statements)} statements"
    )


def test_are_two_rows_of_one_name_in_one_village_flagged_instead_of_duplicated(demo, admin_client):
    rows = [
        ["Lò Văn Ươn", "", "Lềm", "Kháng Nhật", "", ""],
        ["Lò  Văn  Ươn", "", "Lềm", "Kháng Nhật", "", ""],
        ["Lò Văn Ươn", "", "Thác Nông", "", "", ""],  # another village: a different person
        ["Lò Văn Ươn", "0977000009", "Lềm", "Kháng Nhật", "", ""],  # told apart by a phone
    ]
    before = user_count(demo)
    token, page = preview(admin_client, csv_bytes(rows))
    problems = row_problems(page)
    assert set(problems) == {2, 3}
    assert "also on row 3: add a phone number or a username" in problems[2]
    assert "also on row 2" in problems[3]
    assert "New people</dt><dd>2" in page
    confirm(admin_client, token)
    assert user_count(demo) == before + 2

    # Importing the same file again duplicates nobody either.
    token, page = preview(admin_client, csv_bytes(rows))
    assert set(row_problems(page)) == {2, 3}, row_problems(page)
    confirm(admin_client, token)
    assert user_count(demo) == before + 2


def test_is_a_name_that_two_people_of_the_village_share_flagged_on_reimport(demo, admin_client):
    """Two Lò Văn Ươn of Lềm, told apart by phone; a row with the name alone is neither."""
    rows = [
        ["Lò Văn Ươn", "0977000001", "Lềm", "Kháng Nhật", "", ""],
        ["Lò Văn Ươn", "0977000002", "Lềm", "Kháng Nhật", "", ""],
    ]
    token, _ = preview(admin_client, csv_bytes(rows))
    confirm(admin_client, token)
    before = user_count(demo)
    token, page = preview(admin_client, csv_bytes([["Lò Văn Ươn", "", "Lềm", "", "", ""]]))
    problems = row_problems(page)
    assert "Several people of this village already have this name" in problems[2]
    assert "New people</dt><dd>0" in page
    assert user_count(demo) == before


def test_does_an_import_creating_a_committee_member_need_the_admins_password(demo, admin_client):
    rows = [["Đặng Thị Ánh", "", "Thác Nông", "", "anh.dang", "committee"]]
    token, page = preview(admin_client, csv_bytes(rows))
    assert "type your own password to confirm" in page
    before = row_counts(demo)
    response = confirm(admin_client, token)
    assert "This import gives roles beyond learner: type your own password." in text(response)
    response = confirm(admin_client, token, current_password="wrong-one")
    assert "Your password is not right." in text(response)
    assert row_counts(demo) == before
    assert confirm(admin_client, token, current_password=PASSWORD).status_code == 302
    assert person(demo, "anh.dang")["grants"] == [("committee", "Thác Nông")]


def test_does_an_import_of_learners_only_need_no_password(demo, admin_client):
    token, page = preview(admin_client, csv_bytes([["Lò Văn Ươn", "", "Lềm", "", "", ""]]))
    assert "type your own password" not in page
    assert confirm(admin_client, token).status_code == 302


@pytest.mark.real_commits
def test_does_a_preview_made_on_one_host_confirm_on_another(demo, client, auth, tmp_path):
    """Two app objects on one database, each with its own instance folder: nothing of the
    preview lives on the host that made it."""
    from learnapp import create_app
    from tests.conftest import Auth, settings

    other = create_app(settings(demo.config["DATABASE_URL"], tmp_path / "other-instance"))
    try:
        auth.sign_in("admin")
        token, _ = preview(client, csv_bytes([["Lò Văn Ươn", "", "Lềm", "", "", ""]]))
        other_client = other.test_client()
        Auth(other_client).sign_in("admin")
        response = confirm(other_client, token, follow_redirects=True)
        assert response.status_code == 200
        assert "Imported: 1 new" in text(response)
        with demo.app_context():
            assert db.session.scalar(select(User).where(User.full_name == "Lò Văn Ươn"))
        assert pending_count(demo) == 0
        # Confirmed once: the same preview cannot be confirmed again on the first host.
        assert confirm(client, token).status_code == 404
    finally:
        with other.app_context():
            db.session.remove()
        db.engine_of(other).dispose()
