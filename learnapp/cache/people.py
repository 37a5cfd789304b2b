"""The signed-in person kept in each worker's memory, when the stamps live in Redis.

Every request names its person; loading them costs a database round trip or two (the
person, then their roles). With Redis, a worker keeps a copy of recent people and checks
their stamps instead, in the same round trip as the content stamp. Sign-out, a password
change, deactivation or a change of roles changes the person's stamp at commit, so every
worker loads them again on their next request: a cookie the change ended is refused at
once everywhere. Without Redis each request loads the person, as before.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict

from flask import current_app
from sqlalchemy.orm import Session, selectinload

from learnapp import db
from learnapp.cache import stamps
from learnapp.models import RoleGrant, User

# People kept per worker: the busiest hour of a province, not every account.
CAPACITY = 2000


class PeopleCache:
    def __init__(self, capacity: int = CAPACITY) -> None:
        # user id -> (the stamps read before loading, when loaded, the detached copy)
        self._copies: OrderedDict[int, tuple[tuple[str, str], float, User]] = OrderedDict()
        self._lock = threading.Lock()
        self.capacity = capacity
        self.loads = 0

    def get(self, user_id: int) -> User | None:
        """The person, attached to this request's session, or None if there is none."""
        names = [stamps.PEOPLE, stamps.person_key(user_id), stamps.CONTENT]
        values = stamps.read(names)
        key = (values[stamps.PEOPLE], values[stamps.person_key(user_id)])
        now = time.monotonic()
        with self._lock:
            entry = self._copies.get(user_id)
            if entry is not None:
                self._copies.move_to_end(user_id)
        fresh = (
            entry is not None
            and entry[0] == key
            and all(key)
            and now - entry[1] < stamps.MAX_AGE_SECONDS
        )
        if not fresh:
            copy = self._read(user_id)
            if copy is None:
                return None
            if all(key):
                with self._lock:
                    self._copies[user_id] = (key, now, copy)
                    self._copies.move_to_end(user_id)
                    while len(self._copies) > self.capacity:
                        self._copies.popitem(last=False)
            entry = (key, now, copy)
        # No statement: the copy's loaded values become this session's view of the row.
        return db.session.merge(entry[2], load=False)

    def _read(self, user_id: int) -> User | None:
        self.loads += 1
        with Session(bind=db.session.connection()) as reader:
            return reader.get(
                User, user_id, options=[selectinload(User.grants).joinedload(RoleGrant.area)]
            )


def init_app(app) -> None:  # noqa: ANN001
    app.extensions["people_cache"] = PeopleCache() if app.extensions.get("cache_stamps") else None


def load(user_id: int) -> User | None:
    """The person with this id for the current request: from memory where the stamps
    say the copy is current, else from the database."""
    cache: PeopleCache | None = current_app.extensions.get("people_cache")
    if cache is None:
        return db.session.get(User, user_id)
    return cache.get(user_id)
