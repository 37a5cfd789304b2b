"""`flask demo --learners N`: a large province with learners and plausible progress."""

from __future__ import annotations

from collections import Counter, defaultdict
from pathlib import Path

import pytest
from sqlalchemy import func, select

from learnapp import db
from learnapp.content.published import published_modules
from learnapp.demo.large import USERNAME_PREFIX
from learnapp.learn.services import active_lessons
from learnapp.models import (
    Area,
    AreaClosure,
    Assignment,
    AttemptStatus,
    Certificate,
    Lesson,
    LessonProgress,
    Quiz,
    QuizAttempt,
    Role,
    RoleGrant,
    User,
)
from learnapp.models.base import utcnow

COURSES = Path(__file__).resolve().parent.parent / "courses"
LEARNERS = 300


@pytest.fixture
def courses(app):
    from learnapp.content.importer import import_courses

    with app.app_context():
        import_courses(COURSES, Path(app.instance_path) / "media")
        db.session.commit()
    return app


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


def run(runner, learners: int = LEARNERS):
    return runner.invoke(args=["demo", "--learners", str(learners)])


def large_learners():
    return db.session.scalars(
        select(User).where(User.username.like(f"{USERNAME_PREFIX}%"), User.is_demo.is_(True))
    ).all()


def table_count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_does_the_large_demo_create_learners_each_in_one_village(courses, runner):
    result = run(runner)
    assert result.exit_code == 0, result.output
    assert "Large demo generated" in result.output
    with courses.app_context():
        learners = large_learners()
        assert len(learners) == LEARNERS
        assert len({u.phone for u in learners}) == LEARNERS
        assert all(u.phone.startswith("0") and len(u.phone) == 10 for u in learners)
        assert all(len(u.full_name.split()) >= 3 for u in learners)
        assert all(not u.must_change_password and u.is_active for u in learners)
        # One shared password hash, computed once.
        assert len({u.password_hash for u in learners}) == 1
        for user in learners:
            assert len(user.grants) == 1, user.username
            grant = user.grants[0]
            assert grant.role == Role.LEARNER
            assert grant.area.level == "village"
            assert grant.area_id == user.area_id
        # About 60 learners a village, in villages generated for them.
        per_village = Counter(u.area_id for u in learners)
        assert 40 <= LEARNERS / len(per_village) <= 80
        names = {a.name for a in db.session.scalars(select(Area))}
        assert not any(n.startswith(("Thôn ", "Xã ", "Huyện ")) for n in names)


def test_are_the_closure_rows_of_every_area_consistent(courses, runner):
    assert run(runner).exit_code == 0
    with courses.app_context():
        areas = {a.id: a for a in db.session.scalars(select(Area))}
        closure = defaultdict(dict)
        for row in db.session.scalars(select(AreaClosure)):
            closure[row.descendant_id][row.ancestor_id] = row.distance
        (province,) = [a for a in areas.values() if a.parent_id is None]
        for area in areas.values():
            # The chain of parents is exactly the closure rows, with their distances.
            expected, node, distance = {}, area, 0
            while node is not None:
                expected[node.id] = distance
                node, distance = areas.get(node.parent_id), distance + 1
            assert closure[area.id] == expected, area
            assert area.depth == len(expected) - 1
            if area.level == "village":
                assert closure[area.id][area.id] == 0
                assert closure[area.id][province.id] == area.depth


def test_are_certificates_only_where_the_module_is_complete(courses, runner):
    assert run(runner).exit_code == 0
    with courses.app_context():
        ids = {u.id for u in large_learners()}
        modules = published_modules()
        quiz_of = {
            q.module_id: q.id
            for q in db.session.scalars(
                select(Quiz).where(Quiz.module_id.in_(m.id for m in modules))
            )
        }
        lessons_done = Counter(
            (user_id, module_id)
            for user_id, module_id in db.session.execute(
                select(LessonProgress.user_id, Lesson.module_id).join(
                    Lesson, Lesson.id == LessonProgress.lesson_id
                )
            )
        )
        attempts = defaultdict(list)
        for attempt in db.session.scalars(select(QuizAttempt).order_by(QuizAttempt.started_at)):
            assert attempt.status == AttemptStatus.SUBMITTED
            assert attempt.submitted_at > attempt.started_at
            assert attempt.percent == int(attempt.score * 100 // attempt.max_score)
            attempts[attempt.user_id, attempt.quiz_id].append(attempt)
        certificates = {
            (c.user_id, c.module_id): c for c in db.session.scalars(select(Certificate))
        }
        assert len({c.code for c in certificates.values()}) == len(certificates)
        statuses = Counter()
        for user_id in ids:
            for module in modules:
                total = len(active_lessons(module))
                tries = attempts.get((user_id, quiz_of.get(module.id)), [])
                passed = any(a.passed for a in tries)
                for earlier, later in zip(tries, tries[1:], strict=False):
                    assert earlier.submitted_at <= later.started_at, "overlapping attempts"
                certificate = certificates.get((user_id, module.id))
                if certificate is not None:
                    statuses["completed"] += 1
                    assert lessons_done[user_id, module.id] == total
                    assert passed and 1 <= len(tries) <= 3
                    assert tries[-1].passed and not any(a.passed for a in tries[:-1])
                    assert certificate.issued_at == tries[-1].submitted_at
                else:
                    assert not passed, "a passed quiz without a certificate"
                    started = lessons_done[user_id, module.id] or tries
                    statuses["in_progress" if started else "not_started"] += 1
        # About 30% / 40% / 30% of (learner, module) pairs.
        pairs = len(ids) * len(modules)
        for status, share in (("not_started", 0.3), ("in_progress", 0.4), ("completed", 0.3)):
            assert abs(statuses[status] / pairs - share) < 0.06, statuses
        # Last activity is the learner's last lesson or attempt; none for the idle.
        last = defaultdict(list)
        for user_id, moment in db.session.execute(
            select(LessonProgress.user_id, LessonProgress.completed_at)
        ):
            last[user_id].append(moment)
        for (user_id, _), tries in attempts.items():
            last[user_id] += [a.submitted_at for a in tries]
        for user in large_learners():
            assert user.last_active_at == max(last[user.id], default=None), user.username
            if user.last_active_at:
                assert user.created_at < min(last[user.id])
                assert user.last_active_at < utcnow()


def test_is_every_module_required_of_the_province_with_one_overdue(courses, runner):
    assert run(runner).exit_code == 0
    with courses.app_context():
        province = db.session.scalar(select(Area).where(Area.parent_id.is_(None)))
        # The small demo's own requirements (one for a district) stay as they were.
        assignments = db.session.scalars(
            select(Assignment).where(Assignment.area_id == province.id)
        ).all()
        assert {a.module_id for a in assignments} == {m.id for m in published_modules()}
        due = sorted(a.due_on for a in assignments)
        today = utcnow().date()
        assert due[0] < today < due[-1]


def test_does_a_second_run_add_nothing(courses, runner):
    assert run(runner).exit_code == 0
    with courses.app_context():
        before = {m: table_count(m) for m in (User, Area, LessonProgress, QuizAttempt, RoleGrant)}
    result = run(runner)
    assert result.exit_code == 0, result.output
    assert "already present" in result.output
    with courses.app_context():
        assert before == {m: table_count(m) for m in before}


def test_does_it_refuse_without_imported_courses(app, runner):
    result = run(runner)
    assert result.exit_code != 0
    assert "import-courses" in result.output
    with app.app_context():
        assert table_count(User) == 0
        assert table_count(Area) == 0


def test_does_the_same_seed_give_the_same_province(courses):
    from learnapp.demo.large import seed_large
    from learnapp.demo.province import seed_demo

    def snapshot() -> tuple:
        users = db.session.execute(
            select(User.username, User.full_name, User.phone, Area.name)
            .join(Area, Area.id == User.area_id)
            .where(User.username.like(f"{USERNAME_PREFIX}%"))
            .order_by(User.username)
        ).all()
        lessons = db.session.execute(
            select(User.username, LessonProgress.lesson_id, LessonProgress.completed_at)
            .join(User, User.id == LessonProgress.user_id)
            .order_by(User.username, LessonProgress.lesson_id)
        ).all()
        grants = table_count(RoleGrant)
        return users, lessons, grants

    with courses.app_context():
        seed_demo()
        counts = seed_large(120, seed=7)
        first = snapshot()
        db.session.rollback()
        seed_demo()
        assert seed_large(120, seed=7) == counts
        assert snapshot() == first
        db.session.rollback()
