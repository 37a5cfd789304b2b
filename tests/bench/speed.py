"""A learner's actions and the committee pages' figures over a large province.

    .venv/bin/python -m tests.bench.speed [learners] [--postgres URL] [--existing FOLDER]

Builds a fresh database (SQLite in a temp folder, or the PostgreSQL database given,
which it empties first) with the shipped courses and `flask demo --learners N`
(20,000 by default); with `--existing`, uses the instance folder (and the PostgreSQL
database) of an earlier build as it is, so runs before and after a change time the
same data. Then, in-process, each timed as median and 95th percentile and
printed against a baseline measured in the same run (`SELECT count(*) FROM
lesson_progress`, which reads every learner's lessons):

- "Mark as done" (record the lesson, check completion, refresh the learner's
  module_progress row and their village's roll-ups, commit), and its parts;
- a quiz submit (grade, record, refresh, commit), the attempt started beforehand;
- the province and commune pages through the test client, with the statements each
  sends, and the figures they show
  (summary, sub-areas, per module) from the roll-ups against the same figures computed
  live from every learner's rows, the way the pages did before.
"""

from __future__ import annotations

import os
import random
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Callable

from sqlalchemy import event, select, text

from tests.bench.dashboard import build, copied_courses

RUNS = 30


def _stats(samples: list[float]) -> tuple[float, float]:
    samples = sorted(samples)
    return statistics.median(samples), samples[min(len(samples) - 1, int(0.95 * len(samples)))]


def _timed(fn: Callable[[], object], runs: int = RUNS) -> tuple[float, float]:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return _stats(samples)


def _line(label: str, timing: tuple[float, float], base: float, extra: str = "") -> None:
    median, p95 = timing
    print(
        f"  {label:<40}: median {median * 1000:8.2f} ms  p95 {p95 * 1000:8.2f} ms  "
        f"{median / base:7.2f}x baseline{extra}"
    )


def main() -> int:
    args = sys.argv[1:]
    learners = int(args[0]) if args and args[0].isdigit() else 20_000
    postgres = args[args.index("--postgres") + 1] if "--postgres" in args else None
    existing = args[args.index("--existing") + 1] if "--existing" in args else None
    folder = existing or tempfile.mkdtemp(prefix="learnapp-speed-")
    env = dict(os.environ, LEARNAPP_INSTANCE_PATH=folder, LEARNAPP_SECRET_KEY="bench")
    env.pop("LEARNAPP_DATABASE_URL", None)
    if existing:
        if postgres:
            env["LEARNAPP_DATABASE_URL"] = postgres
        print(f"using the database built earlier in {existing}")
    elif postgres:
        from sqlalchemy import create_engine

        env["LEARNAPP_DATABASE_URL"] = postgres
        engine = create_engine(postgres)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        engine.dispose()
    if not existing:
        print(f"building {'PostgreSQL' if postgres else 'SQLite'} with {learners:,} learners")
        build(env, learners, copied_courses(1))
    os.environ.update({k: v for k, v in env.items() if k.startswith("LEARNAPP_")})

    from learnapp import create_app, db
    from learnapp.learn import progress, rollups
    from learnapp.learn import services as learn_services
    from learnapp.models import Area, Lesson, LessonProgress, Module, QuizAttempt, User
    from learnapp.models.base import vietnam_today
    from learnapp.quiz import services as quiz_services
    from learnapp.reports import queries
    from tests.factories import answer_values

    app = create_app({"TESTING": True})
    rng = random.Random(5)
    with app.app_context():
        counts = {
            t: db.session.execute(text(f"SELECT count(*) FROM {t}")).scalar()  # noqa: S608
            for t in ("user_account", "lesson_progress", "quiz_attempt", "module_progress")
        }
        print("  " + ", ".join(f"{t} {n:,}" for t, n in counts.items()))
        base, base_p95 = _timed(
            lambda: db.session.execute(text("SELECT count(*) FROM lesson_progress")).scalar()
        )
        db.session.rollback()
        print(
            f"  {'baseline count(*) lesson_progress':<40}: median {base * 1000:8.2f} ms  "
            f"p95 {base_p95 * 1000:8.2f} ms"
        )

        # Learners with lessons still to do, and the lessons: picked before timing.
        people = list(
            db.session.scalars(
                select(User).where(User.username.like("tq%")).order_by(User.id).limit(4000)
            )
        )
        lessons = list(db.session.scalars(select(Lesson).where(Lesson.is_retired.is_(False))))
        done = set(
            db.session.execute(
                select(LessonProgress.user_id, LessonProgress.lesson_id).where(
                    LessonProgress.user_id.in_([p.id for p in people])
                )
            ).all()
        )
        todo = [(p, le) for p in people for le in lessons if (p.id, le.id) not in done]
        rng.shuffle(todo)
        db.session.rollback()

        picks = iter(todo)
        parts: dict[str, list[float]] = {"refresh": [], "rollups": []}

        def mark_done() -> None:
            person, lesson = next(picks)
            person = db.session.get(User, person.id)
            lesson = db.session.get(Lesson, lesson.id)
            learn_services.record_lesson_done(person, lesson)
            learn_services.check_completion(person, lesson.module)
            db.session.commit()

        _line("mark as done (commit included)", _timed(mark_done), base)

        def parts_of_refresh() -> None:
            person, lesson = next(picks)
            start = time.perf_counter()
            db.session.execute(
                text(progress._UPSERT.format(pairs=progress._ONE_PAIR)),
                {"user_id": person.id, "module_id": lesson.module_id},
            )
            middle = time.perf_counter()
            rollups.refresh_area_of(db.session(), person.id)
            parts["refresh"].append(middle - start)
            parts["rollups"].append(time.perf_counter() - middle)
            db.session.rollback()

        for _ in range(RUNS):
            parts_of_refresh()
        _line("  part: module_progress upsert", _stats(parts["refresh"]), base)
        _line("  part: village roll-ups", _stats(parts["rollups"]), base)

        modules = list(db.session.scalars(select(Module).where(Module.status == "published")))
        submitters = iter(rng.sample(people, min(len(people), RUNS * 2)))

        def submit() -> float:
            person = db.session.get(User, next(submitters).id)
            module = rng.choice(modules)
            attempt = quiz_services.start_attempt(person, module.quiz, "vi")
            db.session.commit()
            attempt = db.session.get(QuizAttempt, attempt.id)
            values = answer_values(attempt, right=rng.random() < 0.7)
            start = time.perf_counter()
            quiz_services.submit_attempt(attempt, values)
            learn_services.check_completion(person, module)
            db.session.commit()
            return time.perf_counter() - start

        samples = []
        for _ in range(RUNS):
            try:
                samples.append(submit())
            except quiz_services.NoAttemptsLeft:
                db.session.rollback()
        _line("quiz submit (commit included)", _stats(samples), base)

        province = db.session.scalar(select(Area.id).where(Area.parent_id.is_(None)))
        commune = db.session.scalar(
            select(Area.id).where(Area.level == "commune", Area.name == "Tân Thanh")
        )
        today = vietnam_today()
        print(f"  figures of the pages ({len(modules)} modules), from roll-ups and live:")
        for name, area_id in (("province", province), ("commune", commune)):

            def rolled(area_id: int = area_id) -> None:
                db.session.execute(queries.rollup_buckets(area_id, None)).all()
                db.session.execute(queries.rollup_module_breakdown(area_id)).all()

            def live(area_id: int = area_id) -> None:
                facts = queries.learner_facts(area_id, None, today)
                db.session.execute(queries.buckets(facts, area_id)).all()
                db.session.execute(queries.module_breakdown(area_id, today)).all()

            rolled_timing = _timed(rolled)
            live_timing = _timed(live, runs=5 if name == "province" else RUNS)
            _line(f"{name}: roll-ups", rolled_timing, base)
            _line(
                f"{name}: live (as before)",
                live_timing,
                base,
                f"  (roll-ups {live_timing[0] / rolled_timing[0]:.0f}x faster)",
            )
        db.session.rollback()

    client = app.test_client()
    page = client.get("/sign-in").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    client.post(
        "/sign-in", data={"csrf_token": token, "identifier": "admin", "password": "learnapp-demo"}
    )
    statements: list[str] = []
    event.listen(db.engine_of(app), "before_cursor_execute", lambda *a: statements.append(a[2]))
    for name, url in (
        ("province page", f"/reports/areas/{province}"),
        ("commune page", f"/reports/areas/{commune}"),
        ("province page, one module", f"/reports/areas/{province}?module=cell-meetings"),
    ):

        def get(url: str = url) -> None:
            response = client.get(url)
            assert response.status_code == 200, response.status_code

        get()
        statements.clear()
        get()
        count = len(statements)
        _line(name, _timed(get, runs=15), base, f"  ({count} statements)")
    db.engine_of(app).dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
