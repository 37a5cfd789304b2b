"""The report roll-ups (area_progress, area_module_progress) against the live figures.

Every committee page and export takes its summary, sub-area and per-module figures from
the roll-ups. Here random histories (learners placed, moved and deactivated, lessons,
quiz attempts, certificates, requirements with dates on both sides of today, a village
moved to another commune) are made through the services and committed one step at a
time, as the site would; after each batch every figure of every area's page, overall and
per module, must equal the live computation from the learners' own rows, and the rows
must equal a full rebuild.
"""

from __future__ import annotations

import random
import threading
from datetime import timedelta

import pytest
from sqlalchemy import select

from learnapp import daily, db
from learnapp.learn import facts, rollups
from learnapp.learn import services as learn_services
from learnapp.models import (
    Area,
    AreaModuleProgress,
    AreaProgress,
    Assignment,
    Module,
    ModuleStatus,
    User,
)
from learnapp.models.base import utcnow, vietnam_today
from learnapp.org.services import move_area
from learnapp.reports import queries
from tests.factories import seed_four_level_world
from tests.race_support import hold_until_another_waits, needs_postgres, run_threads
from tests.reports_support import (
    add_learner,
    do_lessons,
    import_real_courses,
    take_quiz,
)

FIGURES = (
    "learners",
    "completed",
    "in_progress",
    "not_started",
    "overdue",
    "certificates",
    "optional_done",
    "needed",
    "needed_done",
    "best_count",
)
MODULE_FIGURES = ("learners", "required", "completed", "in_progress", "not_started", "overdue")


def _bucket_figures(rows) -> dict[int, tuple]:  # noqa: ANN001
    # Sums of averages: compared to 6 places, since the order of addition differs.
    return {
        r.bucket: (
            *(int(getattr(r, name)) for name in FIGURES),
            round(float(r.best_sum), 6) if r.best_sum is not None else None,
        )
        for r in rows
    }


def live_and_rolled_up(area_id: int, module_id: int | None) -> tuple[dict, dict]:
    today = vietnam_today()
    live = db.session.execute(
        queries.buckets(queries.learner_facts(area_id, module_id, today), area_id)
    ).all()
    rolled = db.session.execute(queries.rollup_buckets(area_id, module_id)).all()
    return _bucket_figures(live), _bucket_figures(rolled)


def breakdowns(area_id: int) -> tuple[dict, dict]:
    def figures(rows) -> dict:  # noqa: ANN001
        return {r.module_id: tuple(int(getattr(r, n)) for n in MODULE_FIGURES) for r in rows}

    live = db.session.execute(queries.module_breakdown(area_id, vietnam_today())).all()
    rolled = db.session.execute(queries.rollup_module_breakdown(area_id)).all()
    return figures(live), figures(rolled)


def rollup_rows() -> tuple[list, list]:
    def rows(model) -> list:  # noqa: ANN001
        return [
            tuple(getattr(r, c.name) for c in model.__table__.columns)
            for r in db.session.scalars(select(model).order_by(*model.__table__.primary_key))
        ]

    return rows(AreaProgress), rows(AreaModuleProgress)


def assert_every_page_agrees() -> None:
    """Every area, overall and per published module: the roll-ups equal the live sums."""
    modules = [None, *db.session.scalars(select(Module.id).where(Module.status == "published"))]
    for area_id in db.session.scalars(select(Area.id)):
        for module_id in modules:
            live, rolled = live_and_rolled_up(area_id, module_id)
            assert rolled == live, (area_id, module_id)
        live, rolled = breakdowns(area_id)
        assert rolled == live, area_id
    kept = rollup_rows()
    rollups.rebuild(db.session())
    assert rollup_rows() == kept
    db.session.commit()


def module_id(slug: str) -> int:
    return db.session.scalar(select(Module.id).where(Module.slug == slug))


def random_step(rng: random.Random, serial: list[int]) -> None:
    """One thing a learner, admin or trainer does, committed as its request would be."""
    villages = list(db.session.scalars(select(Area).where(Area.level == "village")))
    people = list(
        db.session.scalars(select(User).where(User.area_id.is_not(None)).order_by(User.id))
    )
    learners = [p for p in people if p.username.startswith(("secretary", "learner", "r-"))]
    slugs = list(
        db.session.scalars(select(Module.slug).where(Module.status == ModuleStatus.PUBLISHED))
    )
    kind = rng.choice(
        ["lessons", "lessons", "quiz", "quiz", "learner", "move", "deactivate", "assign", "village"]
    )
    if kind == "lessons":
        do_lessons(rng.choice(learners), rng.choice(slugs), rng.randint(1, 5))
    elif kind == "quiz":
        take_quiz(rng.choice(learners), rng.choice(slugs), rng.choice([40, 70, 80, 100]))
    elif kind == "learner":
        serial[0] += 1
        add_learner(
            f"r-{serial[0]}",
            f"Random {serial[0]}",
            rng.choice(villages),
            joined_days_ago=rng.choice([0, 10, 40, 400]),
        )
    elif kind == "move":
        rng.choice(learners).place_in(rng.choice(villages))
    elif kind == "deactivate":
        person = rng.choice(learners)
        person.is_active = not person.is_active
    elif kind == "assign":
        db.session.add(
            Assignment(
                module_id=db.session.scalar(
                    select(Module.id).where(Module.slug == rng.choice(slugs))
                ),
                area_id=rng.choice(list(db.session.scalars(select(Area.id)))),
                due_on=vietnam_today() + timedelta(days=rng.choice([-90, -5, -1, 0, 3, 60])),
                grace_days=rng.choice([0, 7, 30, 365]),
            )
        )
    else:
        communes = list(db.session.scalars(select(Area).where(Area.level == "commune")))
        village = rng.choice(villages)
        target = rng.choice([c for c in communes if c.id != village.parent_id])
        move_area(village, target)
    db.session.commit()


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_does_every_page_figure_from_the_rollups_equal_the_live_figure(app, seed):
    rng = random.Random(seed)
    with app.app_context():
        seed_four_level_world()
        import_real_courses(app)
        db.session.commit()
        assert_every_page_agrees()
        serial = [0]
        for _batch in range(3):
            for _ in range(8):
                random_step(rng, serial)
            assert_every_page_agrees()
        assert db.session.scalar(select(AreaProgress.learners).limit(1)) is not None
        # The histories really reached the figures the pages show.
        totals = db.session.execute(
            queries.rollup_buckets(
                db.session.scalar(select(Area.id).where(Area.level == "province")), None
            )
        ).all()
        assert sum(r.learners for r in totals) > 0


def test_does_a_learner_action_recompute_their_village_in_the_same_transaction(app):
    with app.app_context():
        seed_four_level_world()
        import_real_courses(app)
        db.session.commit()
        learner = db.session.scalar(select(User).where(User.username == "learner"))
        before = db.session.get(AreaProgress, learner.area_id)
        assert (before.in_progress, before.not_started) == (0, 1)
        module = db.session.scalar(select(Module).where(Module.slug == "cell-meetings"))
        learn_services.record_lesson_done(learner, learn_services.active_lessons(module)[0])
        learn_services.check_completion(learner, module)
        # Not committed yet: the refresh itself wrote the village's row.
        db.session.expire_all()
        after = db.session.get(AreaProgress, learner.area_id)
        assert (after.in_progress, after.not_started) == (1, 0)
        db.session.rollback()


def test_does_the_daily_job_count_the_learners_who_became_overdue_overnight(app):
    with app.app_context():
        seed_four_level_world()
        import_real_courses(app)
        learner = db.session.scalar(select(User).where(User.username == "learner"))
        learner.joined_area_on = vietnam_today() - timedelta(days=400)
        db.session.add(
            Assignment(
                module_id=db.session.scalar(
                    select(Module.id).where(Module.slug == "cell-meetings")
                ),
                area_id=learner.area_id,
                due_on=vietnam_today(),
                grace_days=0,
            )
        )
        db.session.commit()
        assert db.session.get(AreaProgress, learner.area_id).overdue == 0
        # Two days on (the daily job is given its time), the same rows say overdue.
        daily.run(now=utcnow() + timedelta(days=2))
        db.session.commit()
        db.session.expire_all()
        row = db.session.get(AreaProgress, learner.area_id)
        assert (row.overdue, row.computed_on) == (1, vietnam_today() + timedelta(days=2))


def test_does_archiving_a_module_take_it_out_of_the_rollups(app):
    with app.app_context():
        seed_four_level_world()
        import_real_courses(app)
        db.session.commit()
        module = db.session.scalar(select(Module).where(Module.slug == "digital-skills"))
        assert db.session.scalar(
            select(AreaModuleProgress.area_id).where(AreaModuleProgress.module_id == module.id)
        )
        module.status = ModuleStatus.ARCHIVED
        db.session.commit()
        assert (
            db.session.scalar(
                select(AreaModuleProgress.area_id).where(AreaModuleProgress.module_id == module.id)
            )
            is None
        )


def test_are_empty_rollups_after_the_upgrade_noticed_and_filled(app):
    with app.app_context():
        seed_four_level_world()
        db.session.commit()
        db.session.execute(AreaProgress.__table__.delete())
        assert rollups.are_missing(db.session())
        live = db.session.execute(facts.area_figures(select(Area.id), vietnam_today())).all()
        rollups.rebuild(db.session())
        assert not rollups.are_missing(db.session())
        assert len(live) == len(db.session.scalars(select(AreaProgress.area_id)).all())
        db.session.rollback()


@pytest.mark.postgres_only
@needs_postgres
def test_do_two_learners_of_one_village_acting_at_once_both_count(app):
    # READ COMMITTED: without the area lock the later recompute's DELETE missed the row
    # the earlier one inserted, and its INSERT failed on the village's key.
    with app.app_context():
        seed_four_level_world()
        import_real_courses(app)
        village = db.session.scalar(select(Area).where(Area.name == "Lềm"))
        ids = [add_learner(f"race-{n}", f"Race {n}", village).id for n in range(2)]
        db.session.commit()
    first_done = threading.Event()
    barrier = threading.Barrier(2)

    def act(n: int) -> None:
        with app.app_context():
            user = db.session.get(User, ids[n])
            module = db.session.scalar(select(Module).where(Module.slug == "cell-meetings"))
            lesson = learn_services.active_lessons(module)[0]
            db.session.commit()
            barrier.wait(timeout=30)
            if n == 1:
                assert first_done.wait(timeout=30)
            learn_services.record_lesson_done(user, lesson)
            learn_services.check_completion(user, module)
            if n == 0:
                first_done.set()
                assert hold_until_another_waits(app), "the second learner never waited"
            db.session.commit()

    assert run_threads(2, act) == []
    with app.app_context():
        row = db.session.get(AreaProgress, village_id())
        assert row.in_progress >= 2
        assert_every_page_agrees()


def village_id() -> int:
    return db.session.scalar(select(Area.id).where(Area.name == "Lềm"))
