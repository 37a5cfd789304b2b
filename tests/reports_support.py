"""Helpers shared by the committee-report tests: the real courses, progress, page tables.

Progress is recorded through the real services (`record_lesson_done`, `start_attempt`,
`submit_attempt`, `check_completion`), so the reports read what learners really leave.
"""

from __future__ import annotations

import atexit
import csv
import io
import random
import re
import shutil
import tempfile
from datetime import timedelta
from html.parser import HTMLParser
from pathlib import Path

import openpyxl
from sqlalchemy import insert, select, text

from learnapp import db
from learnapp.content.importer import import_courses
from learnapp.db import Base
from learnapp.learn import services as learn_services
from learnapp.models import Area, Module, QuizAttempt, Role, RoleGrant, User
from learnapp.models.base import utcnow, vietnam_date
from learnapp.quiz import services as quiz_services
from tests.factories import answer_values

COURSES = Path(__file__).resolve().parent.parent / "courses"
CM, DS, MI = "cell-meetings", "digital-skills", "countering-misinformation"
TITLES = {
    CM: "Running Party cell meetings well",
    DS: "Digital skills for the secretary",
    MI: "Countering misinformation online",
}

# --- the real courses, and whole test worlds, built once per run ----------------------

_imported: dict[str, list[dict]] = {}
_worlds: dict[str, dict[str, list[dict]]] = {}


# Derived rows: the commit after a copy recomputes them (the copy reaches every area),
# and rows copied beside the recomputed ones would collide; the cache stamp row comes
# with the schema.
_RECOMPUTED = {"area_progress", "area_module_progress", "cache_stamp"}


def _rows_of_every_table() -> dict[str, list[dict]]:
    return {
        table.name: [
            dict(row._mapping)
            for row in db.session.execute(select(table).order_by(*table.primary_key.columns))
        ]
        for table in Base.metadata.sorted_tables
        if table.name not in _RECOMPUTED
    }


def _insert_rows(rows_by_table: dict[str, list[dict]]) -> None:
    """Insert rows copied from another test's database, parents first."""
    for table in Base.metadata.sorted_tables:
        rows = rows_by_table.get(table.name)
        if rows:
            db.session.execute(insert(table), rows)
    if db.session.get_bind().dialect.name == "postgresql":
        # Explicit ids leave the sequences behind; later inserts must not collide.
        for name, rows in rows_by_table.items():
            if rows and "id" in Base.metadata.tables[name].c:
                db.session.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                        f'(SELECT max(id) FROM "{name}"))'
                    )
                )


def _report_world_courses() -> Path:
    """A folder holding only the three real modules the report worlds are written for.

    The expected figures count every published module, so a module added to courses/
    later must not change them.
    """
    folder = Path(tempfile.mkdtemp(prefix="report-world-courses-"))
    atexit.register(shutil.rmtree, folder, True)
    for slug in (CM, DS, MI):
        (folder / slug).symlink_to(COURSES / slug, target_is_directory=True)
    return folder


def import_real_courses(app) -> None:
    """Import the three real modules of the report worlds (inside an app context) and commit.

    The first call runs the real importer; later calls copy the rows it wrote, because
    rendering every lesson and question's Markdown takes seconds each time.
    """
    if not _imported:
        before = {name: len(rows) for name, rows in _rows_of_every_table().items()}
        import_courses(_report_world_courses(), Path(app.instance_path) / "media")
        db.session.commit()
        for name, rows in _rows_of_every_table().items():
            if len(rows) != before[name]:
                _imported[name] = rows
        return
    _insert_rows(_imported)
    db.session.commit()


def build_once(app, key: str, build) -> None:
    """Run build(app) in an app context and commit; later calls copy the rows it left.

    Tests get a fresh database each; building the same world through the services
    for each of them would take seconds a test, so the first build is kept as rows.
    """
    with app.app_context():
        if key in _worlds:
            _insert_rows(_worlds[key])
        else:
            build(app)
            db.session.commit()
            _worlds[key] = _rows_of_every_table()
        db.session.commit()


# --- looking things up ---------------------------------------------------------------


def the_user(username: str) -> User:
    return db.session.scalar(select(User).where(User.username == username))


def the_module(slug: str) -> Module:
    return db.session.scalar(select(Module).where(Module.slug == slug))


def the_area(name: str, level: str = "commune") -> Area:
    """The demo area of that name and level (village names repeat: use unique ones)."""
    found = db.session.scalars(select(Area).where(Area.name == name, Area.level == level)).all()
    assert len(found) == 1, f"{len(found)} areas named {name!r} at level {level}"
    return found[0]


def area_id(app, name: str, level: str = "commune") -> int:
    with app.app_context():
        return the_area(name, level).id


def user_id(app, username: str) -> int:
    with app.app_context():
        return the_user(username).id


# --- recording progress through the services -----------------------------------------


def do_lessons(user: User, slug: str, count: int | None = None) -> None:
    lessons = learn_services.active_lessons(the_module(slug))
    for lesson in lessons[: len(lessons) if count is None else count]:
        learn_services.record_lesson_done(user, lesson)
    # As the "Mark as done" view does after each lesson: the report row follows.
    learn_services.check_completion(user, the_module(slug))


def take_quiz(user: User, slug: str, percent: int) -> QuizAttempt:
    """Submit an attempt with percent/10 of the 10 drawn questions right."""
    module = the_module(slug)
    attempt = quiz_services.start_attempt(user, module.quiz, "vi", rng=random.Random(7))
    right = answer_values(attempt, right=True)
    wrong = answer_values(attempt, right=False)
    good = {f"q{question_id}" for question_id, _ in attempt.layout[: percent // 10]}
    values = {key: (right[key] if key in good else wrong[key]) for key in right}
    quiz_services.submit_attempt(attempt, values)
    assert attempt.percent == percent
    learn_services.check_completion(user, module)
    return attempt


def finish(user: User, slug: str, percent: int) -> None:
    """Every lesson, then the quiz at that score: the module's certificate."""
    do_lessons(user, slug)
    take_quiz(user, slug, percent)
    assert learn_services.certificate_for(user, the_module(slug)) is not None


def add_learner(
    username: str,
    full_name: str,
    village: Area,
    phone: str | None = None,
    joined_days_ago: int = 60,
) -> User:
    """A learner inserted straight into the tables (quicker than hashing a password).

    Placed in the village `joined_days_ago` days ago, as the demo's people are, so a
    newcomer's grace period does not hide a requirement already past its date.
    """
    joined = utcnow() - timedelta(days=joined_days_ago)
    user = User(
        username=username,
        full_name=full_name,
        password_hash="not-a-real-hash",
        area_id=village.id,
        phone=phone,
        is_demo=True,
        created_at=joined,
        joined_area_on=vietnam_date(joined),
    )
    db.session.add(user)
    db.session.flush()
    db.session.add(RoleGrant(user_id=user.id, role=Role.LEARNER, area_id=village.id))
    return user


# --- reading pages and files ---------------------------------------------------------


class _Tables(HTMLParser):
    """Every <table> of a page as rows of cell texts, the header row first."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: list[list[list[str]]] = []
        self._cell: list[str] | None = None
        self._row: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.tables.append([])
        elif tag == "tr":
            self._row = []
        elif tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None and self._row is not None:
            cell = " ".join("".join(self._cell).split())
            self._row.append(cell.replace(" ▲", "").replace(" ▼", ""))
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self.tables[-1].append(self._row)
            self._row = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def tables(html: str) -> dict[str, list[list[str]]]:
    """The page's tables by the text of their first header cell, header row dropped."""
    parser = _Tables()
    parser.feed(html)
    return {table[0][0]: table[1:] for table in parser.tables if table}


def learner_rows(html: str) -> list[dict]:
    """The learners table of a report page (read in English)."""
    rows = []
    for cells in tables(html).get("Name", []):
        if len(cells) == 1:  # "No learner matches these filters."
            continue
        name, village, status, best, active = cells
        status, _, optional = status.partition(" also completed: ")
        rows.append(
            {
                "name": name,
                "village": village,
                "status": status.removesuffix(" overdue"),
                "overdue": status.endswith(" overdue"),
                "optional": int(optional.removesuffix(" optional") or 0),
                "best": None if best == "—" else int(best.removesuffix("%")),
                "active": active,
            }
        )
    return rows


def names(html: str) -> list[str]:
    return [row["name"] for row in learner_rows(html)]


def sub_area_rows(html: str) -> dict[str, tuple]:
    """Sub-area name -> (learners, completion % or None when nothing is required there,
    average best %, overdue), in page order."""
    result = {}
    for name, learners, completion, best, overdue in tables(html).get("Area", []):
        result[name] = (
            int(learners),
            None if completion == "nothing required" else int(completion.removesuffix("%")),
            None if best == "—" else int(best.removesuffix("%")),
            int(overdue),
        )
    return result


def summary(html: str) -> dict[str, int]:
    section = html.split('<section class="stats"', 1)[1].split("</section>", 1)[0]
    found = re.findall(r'<span class="num">(\d+)</span>\s*([^<]+?)\s*</div>', section)
    return {label: int(number) for number, label in found}


def read_csv(response) -> list[list[str]]:
    data = response.get_data()
    assert data.startswith(b"\xef\xbb\xbf"), "a CSV export must start with a UTF-8 BOM"
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def read_xlsx(response) -> list[list]:
    workbook = openpyxl.load_workbook(io.BytesIO(response.get_data()))
    return [list(row) for row in workbook.worksheets[0].iter_rows(values_only=True)]


def export_text(response) -> str:
    """Everything an export holds, as text: CSV decoded, XLSX cells joined."""
    if response.mimetype == "text/csv":
        return "\n".join(",".join(row) for row in read_csv(response))
    return "\n".join(
        ",".join("" if v is None else str(v) for v in row) for row in read_xlsx(response)
    )


def fetch_export(client, url: str, **kwargs):
    """The file a download button gives: the GET page asks, its POST queues a job (run at
    once in tests) and leads to its status page, which offers the download. Refusals come
    back as they are."""
    response = client.get(url, **kwargs)
    asks = response.status_code == 200 and url.split("?")[0].endswith((".csv", ".xlsx"))
    token = asks and re.search(r'name="csrf_token" value="([^"]+)"', response.text)
    if not token:  # a page, a refusal, or a file served at once (the session sheets)
        return response
    response = client.post(url, data={"csrf_token": token.group(1)}, **kwargs)
    location = response.headers.get("Location", "")
    if response.status_code != 303 or "/reports/exports/" not in location:
        return response
    status = client.get(location, **kwargs)
    assert status.status_code == 200
    return client.get(location.rstrip("/") + "/file", **kwargs)
