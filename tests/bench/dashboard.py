"""Committee dashboards over a large province: the province page and one commune's.

    .venv/bin/python -m tests.bench.dashboard [learners] [--postgres URL] [--copies K]

Builds a fresh database (SQLite in a temp folder, or the PostgreSQL database given,
which it empties first), imports the courses, runs `flask demo --learners N`, then
times each dashboard through the test client: median and 95th percentile of repeated
runs, and their ratio to a baseline `SELECT count(*) FROM lesson_progress` timed the
same way in the same run. It also prints the statements each page issues, which must
not depend on N.

The three shipped modules give about 10 progress rows a learner; the budget is about
2 million rows for 100,000 learners, so the courses are imported K times (default 2,
as modules `<slug>`, `<slug>-2`, ...). The whole run happens at N/10 learners first,
then at N, and the last lines print how much each page's time grew against how much
the rows it aggregates grew: a page that stays at or under 1.0x grows no faster than
its data.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import event, select, text

from learnapp.notify.worker import huey
from tests.bench._server import BIN, ROOT

# The export link queues a job; run it inside the request so "learners CSV" still times
# making the file, as the task worker will.
huey.immediate = True

RUNS = 15


def _timed(fn, runs: int = RUNS) -> tuple[float, float]:  # noqa: ANN001
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    samples.sort()
    return statistics.median(samples), samples[min(len(samples) - 1, int(0.95 * len(samples)))]


def copied_courses(copies: int) -> str:
    """A courses folder holding every shipped module `copies` times under new slugs."""
    folder = Path(tempfile.mkdtemp(prefix="learnapp-courses-"))
    for module in sorted(p for p in (ROOT / "courses").iterdir() if (p / "module.yml").exists()):
        for n in range(1, copies + 1):
            shutil.copytree(module, folder / (module.name if n == 1 else f"{module.name}-{n}"))
    return str(folder)


def build(env: dict[str, str], learners: int, courses: str) -> None:
    steps = (["db-upgrade"], ["import-courses", courses], ["demo", "--learners", str(learners)])
    for args in steps:
        started = time.perf_counter()
        subprocess.run(
            [str(BIN / "flask"), "--app", "learnapp", *args],
            cwd=ROOT,
            env=env,  # noqa: S603
            check=True,
            capture_output=True,
        )
        print(f"  flask {' '.join(args)}: {time.perf_counter() - started:.1f} s")


def measure(learners: int, postgres: str | None, courses: str) -> dict[str, tuple]:
    """Build a province of `learners`, time each page: label -> (median, rows read, statements)."""
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
    build(env, learners, courses)

    os.environ.update({k: v for k, v in env.items() if k.startswith("LEARNAPP_")})
    from learnapp import create_app, db
    from learnapp.models import Area, User

    app = create_app({"TESTING": True})
    client = app.test_client()
    page = client.get("/sign-in").get_data(as_text=True)
    import re

    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    client.post(
        "/sign-in", data={"csrf_token": token, "identifier": "admin", "password": "learnapp-demo"}
    )
    tables = ("lesson_progress", "quiz_attempt", "certificate", "module_progress")
    with app.app_context():
        province = db.session.scalar(select(Area.id).where(Area.parent_id.is_(None)))
        # The demo committee member's commune, whatever the demo names it.
        commune = db.session.scalar(select(User.area_id).where(User.username == "committee"))
        counts = {t: db.session.execute(text(f"SELECT count(*) FROM {t}")).scalar() for t in tables}
        # What each page aggregates: the province page reads every learner's rows, the
        # commune page only that commune's.
        commune_share = db.session.execute(
            text(
                "SELECT count(*) FROM module_progress mp JOIN user_account u ON u.id = mp.user_id"
                " JOIN area_closure c ON c.descendant_id = u.area_id"
                " WHERE c.ancestor_id = :commune"
            ),
            {"commune": commune},
        ).scalar() / max(1, counts["module_progress"])
    rows = sum(counts.values())
    print("  " + ", ".join(f"{t} {n:,}" for t, n in counts.items()) + f": {rows:,} progress rows")

    statements = []
    engine = db.engine_of(app)
    event.listen(engine, "before_cursor_execute", lambda *a: statements.append(1))

    def get(url: str):  # noqa: ANN202
        def run() -> None:
            response = client.get(url)
            # An export answers 303 to its job's page, the job having run in the request.
            assert response.status_code == (303 if url.endswith(".csv") else 200), (
                url,
                response.status_code,
            )

        return run

    def baseline() -> None:
        with app.app_context():
            db.session.execute(text("SELECT count(*) FROM lesson_progress")).scalar()

    base_median, base_p95 = _timed(baseline)
    print(
        f"  baseline count(*) lesson_progress : median {base_median * 1000:8.1f} ms  "
        f"p95 {base_p95 * 1000:8.1f} ms"
    )
    results = {}
    for label, url, share in (
        ("province dashboard", f"/reports/areas/{province}", 1.0),
        ("commune dashboard", f"/reports/areas/{commune}", commune_share),
        ("province, one module", f"/reports/areas/{province}?module=cell-meetings", 1.0),
        ("province learners CSV", f"/reports/areas/{province}/learners.csv", 1.0),
    ):
        statements.clear()
        get(url)()
        count = len(statements)
        median, p95 = _timed(get(url), runs=RUNS if "CSV" not in label else 3)
        print(
            f"  {label:<32}: median {median * 1000:8.1f} ms  p95 {p95 * 1000:8.1f} ms  "
            f"ratio {median / base_median:6.1f}x baseline  ({count} statements)"
        )
        results[label] = (median, max(1, round(rows * share)), count)
    db.engine_of(app).dispose()
    return results


def main() -> int:
    args = sys.argv[1:]
    learners = int(args[0]) if args and args[0].isdigit() else 100_000
    postgres = args[args.index("--postgres") + 1] if "--postgres" in args else None
    copies = int(args[args.index("--copies") + 1]) if "--copies" in args else 2
    courses = copied_courses(copies)
    small, large = max(100, learners // 10), learners
    print(f"courses: the shipped modules x {copies}")
    before = measure(small, postgres, courses)
    after = measure(large, postgres, courses)
    print(f"growth from {small:,} to {large:,} learners (time growth / rows growth):")
    for label, (time_large, rows_large, statements_large) in after.items():
        time_small, rows_small, statements_small = before[label]
        time_growth, rows_growth = time_large / time_small, rows_large / rows_small
        print(
            f"  {label:<32}: time x{time_growth:5.1f}, rows x{rows_growth:5.1f}: "
            f"{time_growth / rows_growth:4.2f}x  statements {statements_small} -> "
            f"{statements_large}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
