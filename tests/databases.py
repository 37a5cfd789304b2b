"""The test databases of one pytest worker: templates built once, copies made per test.

Each xdist worker (or the single process without xdist) owns its databases, named after
the worker, so workers never share one:

- two templates, migrated once per worker: `empty`, and `demo` (the empty one with the
  demo province seeded);
- one working copy of each, for tests that run inside a transaction rolled back at the
  end (most tests: no real commit, nothing to clean);
- a fresh copy of a template for each test that needs real commits (browser, threads,
  several apps on one database, migrations): SQLite copies the file, PostgreSQL runs
  `CREATE DATABASE ... TEMPLATE`, which refuses a template with open connections, hence
  templates that no test ever connects to.

On PostgreSQL every database made here starts with the name of the database in
LEARNAPP_TEST_DATABASE_URL, so `.ci/run` can drop all of them by prefix.
"""

from __future__ import annotations

import itertools
import os
import queue
import shutil
import threading
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from learnapp import migrate

TEMPLATES = ("empty", "demo")


def worker_name() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


class SqliteDatabases:
    """Files in a folder of the worker's own."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._numbers = itertools.count(1)

    def url(self, name: str) -> str:
        return f"sqlite:///{self.folder / name}.db"

    def create_migrated(self, name: str) -> str:
        url = self.url(name)
        migrate.upgrade(url)
        return url

    def copy(self, template: str, name: str | None = None) -> str:
        name = name or f"test{next(self._numbers)}"
        # Templates are closed (WAL checkpointed into the file) before they are copied.
        shutil.copyfile(self.folder / f"{template}.db", self.folder / f"{name}.db")
        return self.url(name)

    def discard(self, url: str) -> None:
        path = Path(make_url(url).database)
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)

    def close(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


class PostgresDatabases:
    """Databases on the server of LEARNAPP_TEST_DATABASE_URL, named after it and the worker."""

    def __init__(self, base_url: str) -> None:
        base = make_url(base_url)
        self._base = base
        self.prefix = f"{base.database}_{worker_name()}"
        self._admin = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
        self._numbers = itertools.count(1)
        # Dropping a database takes a few hundred milliseconds of waiting on the server:
        # a thread does it while the next test runs.
        self._to_drop: queue.Queue[str | None] = queue.Queue()
        self._dropper = threading.Thread(target=self._drop_queued, daemon=True)
        self._dropper.start()

    def _name(self, name: str) -> str:
        return f"{self.prefix}_{name}"

    def url(self, name: str) -> str:
        # Commits need not wait for the disk: a crash loses nothing a test needs.
        return (
            self._base.set(database=self._name(name))
            .update_query_dict({"options": "-c synchronous_commit=off"})
            .render_as_string(hide_password=False)
        )

    def _execute(self, statement: str) -> None:
        with self._admin.connect() as conn:
            conn.execute(text(statement))

    def create_migrated(self, name: str) -> str:
        self._execute(f'DROP DATABASE IF EXISTS "{self._name(name)}" WITH (FORCE)')
        self._execute(f'CREATE DATABASE "{self._name(name)}"')
        url = self.url(name)
        migrate.upgrade(url)
        return url

    def copy(self, template: str, name: str | None = None) -> str:
        name = name or f"t{next(self._numbers)}"
        self._execute(f'DROP DATABASE IF EXISTS "{self._name(name)}" WITH (FORCE)')
        self._execute(f'CREATE DATABASE "{self._name(name)}" TEMPLATE "{self._name(template)}"')
        return self.url(name)

    def discard(self, url: str) -> None:
        self._to_drop.put(make_url(url).database)

    def _drop_queued(self) -> None:
        while (database := self._to_drop.get()) is not None:
            try:
                self._execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
            finally:
                self._to_drop.task_done()

    def close(self) -> None:
        self._to_drop.put(None)
        self._dropper.join(timeout=120)
        with self._admin.connect() as conn:
            names = conn.execute(
                text("SELECT datname FROM pg_database WHERE datname LIKE :prefix"),
                {"prefix": self.prefix.replace("_", r"\_") + r"\_%"},
            ).scalars()
            for database in list(names):
                conn.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
        self._admin.dispose()


class Databases:
    """The worker's templates and their rollback copies, and fresh copies on demand."""

    def __init__(self, backend: SqliteDatabases | PostgresDatabases) -> None:
        self.backend = backend
        self.kind = "postgresql" if isinstance(backend, PostgresDatabases) else "sqlite"

    def build(self, seed_demo: Callable[[str], None]) -> None:
        self.backend.create_migrated("empty")
        self.backend.copy("empty", "demo")
        seed_demo(self.backend.url("demo"))
        for template in TEMPLATES:
            self.backend.copy(template, f"rollback_{template}")

    def rollback_url(self, template: str) -> str:
        return self.backend.url(f"rollback_{template}")

    def fresh_copy(self, template: str) -> str:
        return self.backend.copy(template)

    def discard(self, url: str) -> None:
        self.backend.discard(url)

    def close(self) -> None:
        self.backend.close()


def databases_for(base_url: str | None, folder: Path) -> Databases:
    if base_url:
        return Databases(PostgresDatabases(base_url))
    return Databases(SqliteDatabases(folder))
