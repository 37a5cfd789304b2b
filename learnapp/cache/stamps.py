"""Stamps: one value per cached thing, changed whenever the thing changes.

A worker keeps a copy in memory together with the stamp it read before loading it, and
trusts the copy only while the stamp is the same. Stamps are random, not counters: a
rolled-back change or an emptied Redis can then never bring back a value that some
worker still holds for older data.

Two stores:
- the `cache_stamp` table, changed inside the transaction that changes the data, so a
  reader can never see new data under an old stamp for long (the default, and always
  written, so a command run without Redis still tells every worker);
- Redis (LEARNAPP_CACHE_URL), set just after the commit, read by a worker in one round
  trip with no database statement: the way every request avoids loading the person.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence

from flask import Flask, current_app, g
from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from learnapp import db
from learnapp.cache.models import CacheStamp

# The longest a copy is served without being loaded again: a stamp change lost to a
# Redis failure after a commit heals within this time.
MAX_AGE_SECONDS = 60.0

CONTENT = "content"
# Every person at once: a bulk statement changed rows it cannot name one by one.
PEOPLE = "people"


def person_key(user_id: int) -> str:
    return f"person:{user_id}"


def progress_key(user_id: int) -> str:
    """The lessons a person has done (learn keeps them beside the person)."""
    return f"progress:{user_id}"


def request_names(user_id: int) -> list[str]:
    """Every stamp a signed-in person's request may check, read together in the one
    round trip that loads the person: their copy, their done lessons, the content."""
    return [PEOPLE, person_key(user_id), progress_key(user_id), CONTENT]


def new_value() -> int:
    return secrets.randbits(62)


def bump_in_database(session: Session, name: str) -> None:
    """Give the stamp a new value within the session's transaction."""
    value = new_value()
    changed = session.execute(
        update(CacheStamp)
        .where(CacheStamp.name == name)
        .values(value=value)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not changed:
        session.execute(insert(CacheStamp).values(name=name, value=value))


class RedisStamps:
    """Stamps kept in Redis under a prefix, so several sites can share one server."""

    def __init__(self, url: str, prefix: str) -> None:
        import redis

        self.client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        self.prefix = prefix

    def _key(self, name: str) -> str:
        return f"{self.prefix}stamp:{name}"

    def read(self, names: Sequence[str]) -> list[str]:
        keys = [self._key(name) for name in names]
        values = self.client.mget(keys)
        missing = [key for key, value in zip(keys, values, strict=True) if value is None]
        if missing:
            # First use, or Redis lost its memory: a new value for each missing stamp,
            # kept only if no other worker set one first, then read back.
            pipe = self.client.pipeline()
            for key in missing:
                pipe.set(key, str(new_value()), nx=True)
            pipe.execute()
            values = self.client.mget(keys)
        return [value.decode() if value is not None else "" for value in values]

    def bump(self, names: Sequence[str]) -> None:
        if not names:
            return
        pipe = self.client.pipeline()
        for name in names:
            pipe.set(self._key(name), str(new_value()))
        pipe.execute()

    def forget(self) -> None:
        """Remove every stamp under the prefix (tests clean up with it)."""
        for key in self.client.scan_iter(match=f"{self.prefix}stamp:*"):
            self.client.delete(key)


def init_app(app: Flask) -> None:
    url = app.config.get("CACHE_URL") or ""
    app.extensions["cache_stamps"] = (
        RedisStamps(url, app.config.get("CACHE_PREFIX", "learnapp:")) if url else None
    )


def redis_stamps() -> RedisStamps | None:
    """The app's Redis stamps, or None when stamps live in the database alone."""
    return current_app.extensions.get("cache_stamps")


def read(names: Sequence[str]) -> dict[str, str]:
    """The stamps' values now, read once per request (one round trip for all of them).

    "" means unknown: nothing may be served from memory under it.
    """
    known: dict[str, str] = g.setdefault("_cache_stamps", {})
    wanted = [name for name in names if name not in known]
    if wanted:
        store = redis_stamps()
        values = None
        if store is not None:
            try:
                values = store.read(wanted)
            except redis_errors() as exc:
                # Redis down: the page is still served, from the database.
                current_app.logger.warning("cache stamps unreadable, using the database: %s", exc)
        if values is None:
            values = _read_database(wanted)
        known.update(zip(wanted, values, strict=True))
    return {name: known[name] for name in names}


def _read_database(names: Sequence[str]) -> list[str]:
    """Stamps from the table; only the content's lives there, the others are unknown."""
    rows = dict(
        db.session.execute(
            select(CacheStamp.name, CacheStamp.value).where(CacheStamp.name.in_(names))
        ).all()
    )
    return [str(rows[name]) if name in rows else "" for name in names]


def redis_errors() -> tuple[type[Exception], ...]:
    import redis

    return (redis.RedisError, OSError)
