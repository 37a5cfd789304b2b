"""The module_progress summary: one row per learner and module, for fast reports.

Recomputed from the source tables (lessons done, submitted attempts, certificates)
rather than incremented, so it cannot drift: `refresh` after a learner's action,
`rebuild` for everything (after a bulk load, or to repair).
"""

from __future__ import annotations

from sqlalchemy import text

from learnapp import db

# The pairs (learner, module) with any activity, and their figures. {where} narrows
# the pairs; the same statement serves one learner and the whole database.
_INSERT = """
INSERT INTO module_progress
    (user_id, module_id, lessons_done, attempts, best_percent, passed, completed_at,
     last_activity_at)
SELECT u.user_id, u.module_id,
    (SELECT count(*) FROM lesson_progress lp JOIN lesson l ON l.id = lp.lesson_id
      WHERE lp.user_id = u.user_id AND l.module_id = u.module_id),
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
FROM (
    SELECT lp.user_id, l.module_id FROM lesson_progress lp JOIN lesson l ON l.id = lp.lesson_id
    UNION
    SELECT a.user_id, q.module_id FROM quiz_attempt a JOIN quiz q ON q.id = a.quiz_id
     WHERE a.status = 'submitted'
    UNION
    SELECT c.user_id, c.module_id FROM certificate c
) u
{where}
"""


def refresh(user_id: int, module_id: int) -> None:
    """Recompute one learner's row for one module (after a lesson, attempt or certificate)."""
    params = {"user_id": user_id, "module_id": module_id}
    db.session.execute(
        text("DELETE FROM module_progress WHERE user_id = :user_id AND module_id = :module_id"),
        params,
    )
    db.session.execute(
        text(_INSERT.format(where="WHERE u.user_id = :user_id AND u.module_id = :module_id")),
        params,
    )


def rebuild() -> int:
    """Recompute every row; returns how many there are now."""
    db.session.execute(text("DELETE FROM module_progress"))
    db.session.execute(text(_INSERT.format(where="")))
    return db.session.execute(text("SELECT count(*) FROM module_progress")).scalar_one()
