"""Committee dashboards over a large province: the province page and one commune's.

    .venv/bin/python -m tests.bench.dashboard [learners] [--postgres URL]

Builds a fresh database (SQLite in a temp folder, or the PostgreSQL database given,
which it empties first), imports the courses, runs `flask demo --learners N` (100,000
by default: about 2 million progress rows), then times each dashboard through the
test client: median and 95th percentile of repeated runs, and their ratio to a
baseline `SELECT count(*) FROM lesson_progress` timed the same way in the same run.
It also prints the statements each page issues, which must not depend on N.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time

from sqlalchemy import event, select, text

from tests.bench._server import BIN, ROOT

RUNS = 15


def _timed(fn, runs: int = RUNS) -> tuple[float, float]:  # noqa: ANN001
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    samples.sort()
    return statistics.median(samples), samples[min(len(samples) - 1, int(0.95 * len(samples)))]


def build(env: dict[str, str], learners: int) -> None:
    for args in (["db-upgrade"], ["import-courses"], ["demo", "--learners", str(learners)]):
        started = time.perf_counter()
        subprocess.run(
            [str(BIN / "flask"), "--app", "learnapp", *args],
            cwd=ROOT,
            env=env,  # noqa: S603
            check=True,
            capture_output=True,
        )
        print(f"  flask {' '.join(args)}: {time.perf_counter() - started:.1f} s")


def main() -> int:
    learners = int(sys.argv[1]) if len(sys.argv) > 1 and sys.argv[1].isdigit() else 100_000
    postgres = sys.argv[sys.argv.index("--postgres") + 1] if "--postgres" in sys.argv else None
    folder = tempfile.mkdtemp(prefix="learnapp-dash-")
    env = dict(os.environ, LEARNAPP_INSTANCE_PATH=folder, LEARNAPP_SECRET_KEY="bench")
    if postgres:
        env["LEARNAPP_DATABASE_URL"] = postgres
    else:
        env.pop("LEARNAPP_DATABASE_URL", None)
    print(f"building {'PostgreSQL' if postgres else 'SQLite'} with {learners:,} learners")
    if postgres:
        from sqlalchemy import create_engine

        engine = create_engine(postgres)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        engine.dispose()
    build(env, learners)

    os.environ.update({k: v for k, v in env.items() if k.startswith("LEARNAPP_")})
    from learnapp import create_app, db
    from learnapp.models import Area, LessonProgress

    app = create_app({"TESTING": True})
    client = app.test_client()
    page = client.get("/sign-in").get_data(as_text=True)
    import re

    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    client.post(
        "/sign-in", data={"csrf_token": token, "identifier": "admin", "password": "learnapp-demo"}
    )
    with app.app_context():
        province = db.session.scalar(select(Area.id).where(Area.parent_id.is_(None)))
        commune = db.session.scalar(select(Area.id).where(Area.name == "Kháng Nhật"))
        rows = db.session.scalar(select(text("count(*)")).select_from(LessonProgress))

    statements = []
    engine = db.engine_of(app)
    event.listen(engine, "before_cursor_execute", lambda *a: statements.append(1))

    def get(url: str):  # noqa: ANN202
        def run() -> None:
            response = client.get(url)
            assert response.status_code == 200, response.status_code

        return run

    def baseline() -> None:
        with app.app_context():
            db.session.execute(text("SELECT count(*) FROM lesson_progress")).scalar()

    base_median, base_p95 = _timed(baseline)
    print(f"lesson_progress rows: {rows:,}")
    print(
        f"baseline count(*) lesson_progress : median {base_median * 1000:8.1f} ms  "
        f"p95 {base_p95 * 1000:8.1f} ms"
    )
    for label, url in (
        ("province dashboard", f"/reports/areas/{province}"),
        ("commune dashboard", f"/reports/areas/{commune}"),
        ("province, one module", f"/reports/areas/{province}?module=cell-meetings"),
        ("province learners CSV", f"/reports/areas/{province}/learners.csv"),
    ):
        statements.clear()
        get(url)()
        count = len(statements)
        median, p95 = _timed(get(url), runs=RUNS if "CSV" not in label else 3)
        print(
            f"{label:<32}: median {median * 1000:8.1f} ms  p95 {p95 * 1000:8.1f} ms  "
            f"ratio {median / base_median:6.1f}x baseline  ({count} statements)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
