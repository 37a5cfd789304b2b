"""The world of the training-session tests: the four-level demo province, one module
finished by its lessons alone ("sess-mod"), and helpers to schedule, sign up and mark."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from learnapp import db
from learnapp.auth.services import create_user
from learnapp.models import Area, Assignment, Module, Requirement, Role, TrainingSession, User
from learnapp.models.base import vietnam_today
from learnapp.sessions import services
from tests.factories import import_into, module_settings, write_module

SLUG = "sess-mod"


def import_module(app, tmp_path: Path) -> None:
    write_module(
        tmp_path / "courses",
        SLUG,
        settings=module_settings(completion="lessons"),
        questions=[],
    )
    import_into(app, tmp_path / "courses")


def area(name: str, level: str | None = None) -> Area:
    """The area by name; without a level, the one that is not a village (names repeat
    among villages only)."""
    query = select(Area).where(Area.name == name)
    query = query.where(Area.level == level) if level else query.where(Area.level != "village")
    return db.session.scalar(query)


def user(username: str) -> User:
    return db.session.scalar(select(User).where(User.username == username))


def module() -> Module:
    return db.session.scalar(select(Module).where(Module.slug == SLUG))


def schedule(
    app,
    *,
    capacity: int = 2,
    areas: tuple[str, ...] = ("Kháng Nhật",),
    days: int = 3,
    place: str = "Hội trường xã",
) -> int:
    """A session scheduled by `trainer` `days` from now; returns its id."""
    with app.app_context():
        when = (services.vietnam_now() + timedelta(days=days)).replace(
            hour=8, minute=0, second=0, microsecond=0
        )
        session = services.schedule(
            user("trainer"),
            module(),
            when,
            240,
            place,
            capacity,
            None,
            [area(name) for name in areas],
        )
        db.session.commit()
        return session.id


def begin_now(app, session_id: int) -> None:
    """Time passes: the session started a few minutes ago, so the register is open."""
    with app.app_context():
        session = db.session.get(TrainingSession, session_id)
        now = services.vietnam_now().replace(second=0, microsecond=0)
        session.starts_at = now - timedelta(minutes=5)
        db.session.commit()


def require(app, requirement: Requirement, area_name: str = "Kháng Nhật") -> None:
    with app.app_context():
        db.session.add(
            Assignment(
                module_id=module().id,
                area_id=area(area_name).id,
                due_on=vietnam_today() + timedelta(days=30),
                requirement=requirement,
            )
        )
        db.session.commit()


def make_trainer(app, username: str, area_name: str) -> None:
    """A trainer whose scope is one commune."""
    with app.app_context():
        place = area(area_name)
        create_user(
            username=username,
            full_name=f"Trainer {area_name}",
            password="learnapp-demo",
            area=place,
            roles=[(Role.TRAINER, place)],
            must_change_password=False,
        )
        db.session.commit()


def form_time(days: int = 3) -> tuple[str, str]:
    day = (datetime.now() + timedelta(days=days)).date()
    return day.isoformat(), "08:00"
