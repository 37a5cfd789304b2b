"""Helpers for the backup, export and deletion tests: a seeded world and database wipes."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import MetaData

from learnapp import db, migrate
from learnapp.models import User
from tests.reports_support import (
    CM,
    DS,
    MI,
    do_lessons,
    finish,
    import_real_courses,
    take_quiz,
    the_user,
)

PICTURE = b"\x89PNG\r\n\x1a\n" + b"not really a picture, but bytes to carry" * 10


def seed_world(app) -> None:
    """Demo people, the real courses and progress of several kinds, and a picture."""
    from tests.factories import seed_four_level_assignments, seed_four_level_world

    with app.app_context():
        seed_four_level_world()
        db.session.commit()
        import_real_courses(app)
        seed_four_level_assignments()
        finish(the_user("learner"), CM, 80)
        take_quiz(the_user("learner2"), MI, 40)
        do_lessons(the_user("secretary01"), DS, 2)
        db.session.commit()
    media = Path(app.instance_path) / "media"
    media.mkdir(parents=True, exist_ok=True)
    (media / "drill-picture.png").write_bytes(PICTURE)


def wipe_database(app) -> None:
    """Drop every table, as a lost or broken database would leave nothing."""
    with app.app_context():
        db.session.remove()
        engine = db.engine_of(app)
        with engine.begin() as conn:
            tables = MetaData()
            tables.reflect(conn)
            tables.drop_all(conn)
        engine.dispose()


def ensure_schema(app) -> None:
    """Put the schema back if a failed restore left none (the next tests need it)."""
    with app.app_context():
        db.session.remove()
        db.engine_of(app).dispose()
    migrate.upgrade(app.config["DATABASE_URL"])


def person_by_id(user_id: int) -> User | None:
    db.session.expire_all()
    return db.session.get(User, user_id)


__all__ = [
    "CM",
    "DS",
    "MI",
    "PICTURE",
    "ensure_schema",
    "person_by_id",
    "seed_world",
    "wipe_database",
]
