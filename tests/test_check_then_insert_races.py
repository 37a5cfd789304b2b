"""Check-then-insert races on PostgreSQL (issue 13, finding 7), driven with two real
connections: the first request inserts and keeps its transaction open until the second
is seen waiting for a lock (or, where the old code never waited, for a few seconds), so
the interleaving that used to end in a 500 or a duplicate happens on every run."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from learnapp import db
from learnapp.admin import areas as admin_areas
from learnapp.auth.services import create_user
from learnapp.authoring import services as authoring_services
from learnapp.errors import DomainError
from learnapp.models import Area, Module, ModuleDraft, User
from tests.factories import import_into, write_module
from tests.race_support import hold_until_another_waits, needs_postgres, run_threads

pytestmark = [pytest.mark.postgres_only, needs_postgres]


def race(app, first, second, *, hold: float = 20.0) -> tuple[list, list]:
    """Run first() then second() in two connections; first commits only once second
    waits for a lock (or after `hold` seconds). Returns (results, errors)."""
    inserted = threading.Event()
    results: list = [None, None]

    def act(n: int) -> None:
        with app.app_context():
            if n == 0:
                results[0] = first()
                inserted.set()
                hold_until_another_waits(app, timeout=hold)
                db.session.commit()
            else:
                assert inserted.wait(timeout=30)
                try:
                    results[1] = second()
                    db.session.commit()
                except DomainError as exc:
                    db.session.rollback()
                    results[1] = exc

    errors = run_threads(2, act)
    return results, errors


def test_do_two_creates_of_one_username_give_one_account_and_a_message(demo):
    def create() -> int:
        area = db.session.scalar(select(Area).where(Area.name == "Lềm"))
        user = create_user(
            username="same.name",
            full_name="Người Trùng",
            password="a-long-password",
            area=area,
            roles=[],
        )
        return user.id

    (first, second), errors = race(demo, create, create)
    assert errors == []
    assert isinstance(first, int)
    assert isinstance(second, DomainError) and str(second) == "username_taken"
    with demo.app_context():
        assert (
            db.session.scalar(select(func.count(User.id)).where(User.username == "same.name")) == 1
        )


def test_do_two_first_drafts_of_one_module_give_one_draft(demo, tmp_path):
    write_module(tmp_path / "c", "drafted")
    import_into(demo, tmp_path / "c")

    def start() -> int:
        module = db.session.scalar(select(Module).where(Module.slug == "drafted"))
        trainer = db.session.scalar(select(User).where(User.username == "trainer"))
        return authoring_services.start_draft(module, trainer, for_update=True).id

    (first, second), errors = race(demo, start, start)
    assert errors == []
    assert first == second
    with demo.app_context():
        assert db.session.scalar(select(func.count(ModuleDraft.id))) == 1


def test_do_two_adds_of_one_village_name_give_one_village_and_a_message(demo):
    def add() -> int:
        admin = db.session.scalar(select(User).where(User.username == "admin"))
        commune = db.session.scalar(select(Area).where(Area.name == "Kháng Nhật"))
        return admin_areas.create_child_area(admin, commune, "Thôn Mới", "village").id

    # The old code never waited for a lock here; five seconds let both commit.
    (first, second), errors = race(demo, add, add, hold=5.0)
    assert errors == []
    assert isinstance(first, int)
    assert isinstance(second, DomainError) and str(second) == "area_name_taken"
    with demo.app_context():
        assert db.session.scalar(select(func.count(Area.id)).where(Area.name == "Thôn Mới")) == 1
