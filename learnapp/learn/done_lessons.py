"""Each learner's done lessons, kept in the worker's memory beside the person.

Once the person and the content come from memory, which lessons the reader has done is
the one thing a lesson page still asks the database. With Redis stamps, a worker keeps
each recent learner's set and trusts it while their progress stamp (changed at the
commit of every lesson they mark done, see cache.watch), the people stamp and the
content stamp are the same: a lesson marked done through one worker shows as done on
every worker's next page. A transaction that has just changed the learner's lessons
reads its own view from the database; without Redis every page reads it, as before.
"""

from __future__ import annotations

from flask import Flask, current_app
from sqlalchemy import select

from learnapp import db
from learnapp.cache import stamps
from learnapp.cache.copies import StampedCopies
from learnapp.cache.watch import progress_changed
from learnapp.models import LessonProgress

# Learners kept per worker, as many as the people cache keeps.
CAPACITY = 2000


def init_app(app: Flask) -> None:
    app.extensions["done_lessons"] = StampedCopies[frozenset[int]](CAPACITY)


def of(user_id: int) -> frozenset[int]:
    """The ids of every lesson the person has done."""
    session = db.session()
    if session.new or session.dirty or session.deleted:
        session.flush()  # what the query would have flushed: a new row is noted first
    if stamps.redis_stamps() is None or progress_changed(session, user_id):
        return _read(user_id)
    values = stamps.read(stamps.request_names(user_id))
    key = (
        values[stamps.PEOPLE],
        values[stamps.progress_key(user_id)],
        values[stamps.CONTENT],
    )
    copies: StampedCopies[frozenset[int]] = current_app.extensions["done_lessons"]
    return copies.get(user_id, key, lambda: _read(user_id)) or frozenset()


def _read(user_id: int) -> frozenset[int]:
    query = select(LessonProgress.lesson_id).where(LessonProgress.user_id == user_id)
    return frozenset(db.session.scalars(query))
