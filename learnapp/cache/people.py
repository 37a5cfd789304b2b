"""The signed-in person kept in each worker's memory, when the stamps live in Redis.

Every request names its person; loading them costs a database round trip or two (the
person, then their roles). With Redis, a worker keeps a copy of recent people and checks
their stamps instead, in the same round trip as the content stamp. Sign-out, a password
change, deactivation or a change of roles changes the person's stamp at commit, so every
worker loads them again on their next request: a cookie the change ended is refused at
once everywhere. Without Redis each request loads the person, as before.
"""

from __future__ import annotations

from flask import current_app
from sqlalchemy.orm import Session, selectinload

from learnapp import db
from learnapp.cache import stamps
from learnapp.cache.copies import StampedCopies
from learnapp.models import RoleGrant, User

# People kept per worker: the busiest hour of a province, not every account.
CAPACITY = 2000


class PeopleCache:
    def __init__(self, capacity: int = CAPACITY) -> None:
        self._copies: StampedCopies[User] = StampedCopies(capacity)

    @property
    def loads(self) -> int:
        return self._copies.loads

    def get(self, user_id: int) -> User | None:
        """The person, attached to this request's session, or None if there is none."""
        values = stamps.read(stamps.request_names(user_id))
        key = (values[stamps.PEOPLE], values[stamps.person_key(user_id)])
        copy = self._copies.get(user_id, key, lambda: self._read(user_id))
        if copy is None:
            return None
        # No statement: the copy's loaded values become this session's view of the row.
        return db.session.merge(copy, load=False)

    @staticmethod
    def _read(user_id: int) -> User | None:
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
