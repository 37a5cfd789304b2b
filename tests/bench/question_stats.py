"""Question and module statistics on 2 million answers, timed against a plain count.

Builds a temporary SQLite database with one 15-question quiz and, by default, 200,000
submitted attempts of 10 drawn questions each (2 million attempt_answer rows, one
answer_choice row per choice question answered), then times question_stats and
module_stats (median of 5 runs each) and prints them with their ratio to
`SELECT count(*) FROM attempt_answer`, timed the same way in the same run.

    .venv/bin/python -m tests.bench.question_stats [attempts]

LEARNAPP_BENCH_DATABASE_URL=postgresql+psycopg://... runs it on an empty database of
yours instead (migrated and filled here, not emptied afterwards).
"""

from __future__ import annotations

import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import insert, text

from learnapp import create_app, db, migrate
from learnapp.models import (
    AnswerChoice,
    AttemptAnswer,
    Choice,
    Module,
    Question,
    QuestionType,
    Quiz,
    QuizAttempt,
    User,
)
from learnapp.quiz.statistics import module_stats, question_stats

QUESTIONS = 15
DRAW = 10
CHOICES = 4
ATTEMPTS_PER_LEARNER = 10
PASS_MARK = 70
RUNS = 5
CHUNK = 20_000
START = datetime(2026, 1, 1)


def chunks(rows: Iterator[dict], size: int = CHUNK) -> Iterator[list[dict]]:
    batch: list[dict] = []
    for row in rows:
        batch.append(row)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def build(attempts: int, rng: random.Random) -> None:
    """Insert the quiz, its learners and their graded attempts with Core bulk inserts."""
    session = db.session
    session.execute(insert(Module), [{"id": 1, "slug": "bench"}])
    session.execute(insert(Quiz), [{"id": 1, "module_id": 1, "pass_mark": PASS_MARK}])
    # Every third question is a multiple-answer one with two right choices.
    kinds = [QuestionType.MULTIPLE if q % 3 == 2 else QuestionType.SINGLE for q in range(QUESTIONS)]
    session.execute(
        insert(Question),
        [
            {"id": q + 1, "quiz_id": 1, "key": f"q{q + 1}", "type": kind, "position": q + 1}
            for q, kind in enumerate(kinds)
        ],
    )
    choice_rows, right = [], {}
    for q, kind in enumerate(kinds):
        good = {0, 1} if kind == QuestionType.MULTIPLE else {0}
        right[q + 1] = good
        for c in range(CHOICES):
            choice_rows.append(
                {
                    "id": q * CHOICES + c + 1,
                    "question_id": q + 1,
                    "position": c,
                    "is_correct": c in good,
                }
            )
    session.execute(insert(Choice), choice_rows)
    learners = max(1, attempts // ATTEMPTS_PER_LEARNER)
    session.execute(
        insert(User),
        [
            {"id": u, "username": f"u{u}", "full_name": f"Learner {u}", "password_hash": "x"}
            for u in range(1, learners + 1)
        ],
    )
    difficulty = [rng.uniform(-1.5, 1.5) for _ in range(QUESTIONS)]
    ability = [rng.gauss(0, 1) for _ in range(learners + 1)]

    answers: list[dict] = []
    ticks: list[dict] = []
    attempt_rows: list[dict] = []
    answer_id = 0

    def flush() -> None:
        if attempt_rows:
            session.execute(insert(QuizAttempt), attempt_rows)
            session.execute(insert(AttemptAnswer), answers)
            session.execute(insert(AnswerChoice), ticks)
        for batch in (attempt_rows, answers, ticks):
            batch.clear()

    for attempt_id in range(1, attempts + 1):
        user = (attempt_id - 1) % learners + 1
        tries = (attempt_id - 1) // learners  # earlier tries first, learning as they go
        skill = ability[user] + 0.15 * tries
        score = 0.0
        layout = rng.sample(range(1, QUESTIONS + 1), DRAW)
        for qid in layout:
            answer_id += 1
            chance = 1 / (1 + 2.718281828 ** (difficulty[qid - 1] - skill))
            good = sorted(right[qid])
            bad = [c for c in range(CHOICES) if c not in right[qid]]
            if rng.random() < chance:
                picked = good
            elif len(good) > 1 and rng.random() < 0.5:
                picked = [good[0], rng.choice(bad)]
            else:
                picked = [rng.choice(bad)] if rng.random() < 0.95 else []
            earned = len(set(picked) & right[qid]) - len(set(picked) - right[qid])
            points = max(0.0, earned / len(good))
            score += points
            answers.append(
                {
                    "id": answer_id,
                    "attempt_id": attempt_id,
                    "question_id": qid,
                    "score": points,
                    "is_correct": points >= 1.0,
                }
            )
            ticks.extend(
                {"answer_id": answer_id, "choice_id": (qid - 1) * CHOICES + c + 1} for c in picked
            )
        percent = int(score * 100 // DRAW)
        attempt_rows.append(
            {
                "id": attempt_id,
                "user_id": user,
                "quiz_id": 1,
                "status": "submitted",
                "language": "vi",
                "layout": [],
                "started_at": START,
                "submitted_at": START + timedelta(minutes=attempt_id),
                "score": round(score, 4),
                "max_score": float(DRAW),
                "percent": percent,
                "passed": score * 100 >= PASS_MARK * DRAW - 1e-9,
            }
        )
        if len(answers) >= CHUNK * DRAW:
            flush()
    flush()
    session.commit()


def median_seconds(work: Callable[[], object]) -> tuple[float, float]:
    """Median wall-clock and median CPU seconds of this process over RUNS runs (SQLite runs
    in this process, so its CPU time is the work itself on a busy machine)."""
    walls, cpus = [], []
    for _ in range(RUNS):
        wall, cpu = time.perf_counter(), time.process_time()
        work()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
        db.session.rollback()
    return statistics.median(walls), statistics.median(cpus)


def analyze(app) -> None:  # noqa: ANN001
    engine = db.engine_of(app)
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
    else:
        with engine.begin() as conn:
            conn.execute(text("ANALYZE"))


def main() -> None:
    attempts = int(sys.argv[1]) if len(sys.argv) > 1 else 200_000
    folder = Path(tempfile.mkdtemp(prefix="learnapp-stats-bench-"))
    # An empty database of your own instead (PostgreSQL), which is left filled afterwards.
    url = os.environ.get("LEARNAPP_BENCH_DATABASE_URL") or f"sqlite:///{folder / 'bench.db'}"
    try:
        migrate.upgrade(url)
        app = create_app(
            {"DATABASE_URL": url, "INSTANCE_PATH": folder / "instance", "SECRET_KEY": "bench"}
        )
        with app.app_context():
            started = time.perf_counter()
            build(attempts, random.Random(6))
            analyze(app)
            rows = db.session.scalar(text("SELECT count(*) FROM attempt_answer"))
            print(
                f"{db.engine_of(app).dialect.name}: built {attempts:,} attempts, "
                f"{rows:,} answers in {time.perf_counter() - started:.1f} s"
            )

            baseline = median_seconds(
                lambda: db.session.scalar(text("SELECT count(*) FROM attempt_answer"))
            )
            timed = {
                "question_stats": median_seconds(lambda: question_stats(1)),
                "module_stats": median_seconds(lambda: module_stats(1)),
            }
            print(f"median of {RUNS} runs        wall ms   ratio    cpu ms")
            print(
                f"count(*) baseline     {baseline[0] * 1000:9.1f}    x1.0 {baseline[1] * 1000:9.1f}"
            )
            for name, (wall, cpu) in timed.items():
                print(f"{name:<21} {wall * 1000:9.1f} {wall / baseline[0]:7.1f} {cpu * 1000:9.1f}")
            for stat in question_stats(1)[:3]:
                print(f"  {stat}")
            print(f"  {module_stats(1)}")
        db.engine_of(app).dispose()
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
