"""The module_progress summary: one row per learner and module, for fast reports.

Recomputed from the source tables (lessons done, submitted attempts, certificates)
rather than incremented, so it cannot drift: `refresh` once after a learner's action,
`refresh_modules` after a publish changed which lessons are active, `rebuild` for
everything (after a bulk load, or to repair). All three share one statement, so a row
refreshed is the row a rebuild would write. Only active lessons count, as on the
learner's own pages.

Writes are upserts, and `refresh` first locks the learner's account row: two actions of
one learner in the same module (a quiz submit racing "Mark as done") then compute one
after the other, each seeing what the other committed, on PostgreSQL's READ COMMITTED as
on SQLite's single writer.
"""

from __future__ import annotations

from sqlalchemy import select, text

from learnapp import db
from learnapp.learn import rollups
from learnapp.models import User

# The figures of the pairs (learner, module) in `u`; {pairs} supplies them.
_UPSERT = """
INSERT INTO module_progress
    (user_id, module_id, lessons_done, attempts, best_percent, passed, completed_at,
     last_activity_at)
SELECT u.user_id, u.module_id,
    (SELECT count(*) FROM lesson_progress lp JOIN lesson l ON l.id = lp.lesson_id
      WHERE lp.user_id = u.user_id AND l.module_id = u.module_id AND NOT l.is_retired),
    (SELECT count(*) FROM quiz_attempt a JOIN quiz q ON q.id = a.quiz_id
      WHERE a.user_id = u.user_id AND q.module_id = u.module_id AND a.status = 'submitted'),
    (SELECT max(a.percent) FROM quiz_attempt a JOIN quiz q ON q.id = a.quiz_id
      WHERE a.user_id = u.user_id AND q.module_id = u.module_id AND a.status = 'submitted'),
    CASE WHEN EXISTS (SELECT 1 FROM quiz_attempt a JOIN quiz q ON q.id = a.quiz_id
      WHERE a.user_id = u.user_id AND q.module_id = u.module_id AND a.passed)
      THEN true ELSE false END,
    (SELECT min(c.issued_at) FROM certificate c
      WHERE c.user_id = u.user_id AND c.module_id = u.module_id),
    (SELECT max(t.at) FROM (
        SELECT lp.completed_at AS at FROM lesson_progress lp JOIN lesson l ON l.id = lp.lesson_id
         WHERE lp.user_id = u.user_id AND l.module_id = u.module_id
        UNION ALL
        SELECT a.submitted_at FROM quiz_attempt a JOIN quiz q ON q.id = a.quiz_id
         WHERE a.user_id = u.user_id AND q.module_id = u.module_id AND a.status = 'submitted'
    ) t)
FROM ({pairs}) u
WHERE true
ON CONFLICT (user_id, module_id) DO UPDATE SET
    lessons_done = excluded.lessons_done,
    attempts = excluded.attempts,
    best_percent = excluded.best_percent,
    passed = excluded.passed,
    completed_at = excluded.completed_at,
    last_activity_at = excluded.last_activity_at
"""

# Every pair with any activity; {lesson_where}/{quiz_where}/{cert_where} narrow it.
_ALL_PAIRS = """
    SELECT lp.user_id, l.module_id FROM lesson_progress lp JOIN lesson l ON l.id = lp.lesson_id
     {lesson_where}
    UNION
    SELECT a.user_id, q.module_id FROM quiz_attempt a JOIN quiz q ON q.id = a.quiz_id
     WHERE a.status = 'submitted' {quiz_where}
    UNION
    SELECT c.user_id, c.module_id FROM certificate c {cert_where}
"""

# One learner's pair, if it has any activity: read through the learner's own rows only.
_ONE_PAIR = """
    SELECT CAST(:user_id AS INTEGER) AS user_id, CAST(:module_id AS INTEGER) AS module_id
    WHERE EXISTS (SELECT 1 FROM lesson_progress lp JOIN lesson l ON l.id = lp.lesson_id
                   WHERE lp.user_id = :user_id AND l.module_id = :module_id)
       OR EXISTS (SELECT 1 FROM quiz_attempt a JOIN quiz q ON q.id = a.quiz_id
                   WHERE a.user_id = :user_id AND q.module_id = :module_id
                     AND a.status = 'submitted')
       OR EXISTS (SELECT 1 FROM certificate c
                   WHERE c.user_id = :user_id AND c.module_id = :module_id)
"""


def lock_learner(user_id: int) -> None:
    """Hold the learner's account row until commit: one action of theirs at a time.

    PostgreSQL takes a row lock; SQLite write transactions are already exclusive.
    """
    db.session.execute(select(User.id).where(User.id == user_id).with_for_update())


def refresh(user_id: int, module_id: int) -> None:
    """Recompute one learner's row for one module (after a lesson, attempt or certificate).

    Call it once per action, after `lock_learner` in the same transaction. The
    learner's area's report roll-ups follow in the same transaction.
    """
    db.session.execute(
        text(_UPSERT.format(pairs=_ONE_PAIR)), {"user_id": user_id, "module_id": module_id}
    )
    rollups.refresh_area_of(db.session(), user_id)


def refresh_modules(module_ids: list[int]) -> None:
    """Recompute every learner's row for these modules (after a publish retired or
    restored lessons, which changes what counts as done)."""
    for module_id in module_ids:
        pairs = _ALL_PAIRS.format(
            lesson_where="WHERE l.module_id = :module_id",
            quiz_where="AND q.module_id = :module_id",
            cert_where="WHERE c.module_id = :module_id",
        )
        db.session.execute(text(_UPSERT.format(pairs=pairs)), {"module_id": module_id})
    if module_ids:
        # Retired lessons can turn "in progress" back into "not started" anywhere.
        rollups.mark_everything(db.session())


def rebuild() -> int:
    """Recompute every row, then the report roll-ups; returns how many rows there are."""
    db.session.execute(text("DELETE FROM module_progress"))
    # Planned from stale statistics, the per-pair subqueries below read a quiz's every
    # attempt by the quiz index for each learner (see rollups.analyze).
    rollups.analyze(
        db.session(), ("lesson_progress", "lesson", "quiz_attempt", "quiz", "certificate")
    )
    pairs = _ALL_PAIRS.format(lesson_where="", quiz_where="", cert_where="")
    db.session.execute(text(_UPSERT.format(pairs=pairs)))
    rollups.rebuild(db.session())
    return db.session.execute(text("SELECT count(*) FROM module_progress")).scalar_one()
