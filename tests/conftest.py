"""Fixtures: per-worker template databases, a rolled-back transaction per test (or a
fresh copy where a test needs real commits), app, client, auth."""

from __future__ import annotations

import os
import re
import shutil
import warnings
from pathlib import Path

import jinja2
import jinja2.bccache
import pytest
from flask import Flask
from hypothesis import settings as hypothesis_settings
from sqlalchemy import text

from learnapp import config, create_app, db
from learnapp.extensions import limiter
from learnapp.notify.worker import huey
from tests.databases import Databases, databases_for

# Queued tasks (report exports) run inside the request that queues them, in Huey's own
# immediate mode, so a test sees the finished job without a consumer process.
huey.immediate = True

# Property tests check what holds, not how fast: on a loaded CI machine a case that
# takes 300 ms is not a failure (Hypothesis's default deadline is 200 ms).
hypothesis_settings.register_profile("suite", deadline=None)
hypothesis_settings.load_profile("suite")

REQUIRE_ALL = os.environ.get("LEARNAPP_REQUIRE_ALL") == "1"
CSRF_RE = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
# argon2's minimum cost: the demo alone hashes 21 passwords. Production keeps the RFC 9106
# defaults (tests/test_auth.py checks them).
FAST_ARGON2 = {"time_cost": 1, "memory_cost": 8, "parallelism": 1}
COURSES = Path(__file__).resolve().parent.parent / "courses"
# Fixtures that open their own connections (another app on the same database, a threaded
# server): the data they look at must be really committed.
REAL_COMMIT_FIXTURES = {"migrated", "live_server", "make_app", "production_runner"}


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    """PostgreSQL-only tests are races: they run with the serial ones (before `-m` picks).
    On SQLite they are deselected, not skipped (CI forbids skips)."""
    for item in items:
        if item.get_closest_marker("postgres_only") is not None:
            item.add_marker(pytest.mark.serial)
    if os.environ.get("LEARNAPP_TEST_DATABASE_URL"):
        return
    kept = [item for item in items if item.get_closest_marker("postgres_only") is None]
    if len(kept) != len(items):
        config.hook.pytest_deselected(items=[i for i in items if i not in kept])
        items[:] = kept


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """In CI (LEARNAPP_REQUIRE_ALL=1) a skipped test is a failed test."""
    outcome = yield
    report = outcome.get_result()
    if REQUIRE_ALL and report.skipped and call.when in ("setup", "call"):
        report.outcome = "failed"
        report.longrepr = f"skipped, but LEARNAPP_REQUIRE_ALL=1 forbids skips: {report.longrepr}"


def settings(url: str, instance: Path) -> dict:
    return {
        "DATABASE_URL": url,
        "SECRET_KEY": "test-secret",
        "TESTING": True,
        "INSTANCE_PATH": instance,
        "ARGON2_PARAMETERS": FAST_ARGON2,
        "COURSES_DIR": COURSES,
    }


def _seed_demo(url: str, instance: Path) -> None:
    # The shared world is the four-level province (tests.factories), so role and scope
    # tests keep a district between province and commune; the demo itself is tested alone.
    from tests.factories import seed_four_level_world

    application = create_app(settings(url, instance))
    with application.app_context():
        seed_four_level_world()
        db.session.commit()
        db.session.remove()
    db.engine_of(application).dispose()


@pytest.fixture(scope="session")
def databases(tmp_path_factory: pytest.TempPathFactory) -> Databases:
    """This worker's template databases, built once per run."""
    folder = tmp_path_factory.mktemp("databases")
    found = databases_for(os.environ.get("LEARNAPP_TEST_DATABASE_URL"), folder)
    found.build(lambda url: _seed_demo(url, folder / "instance"))
    yield found
    found.close()


@pytest.fixture(scope="session")
def database_url(databases: Databases) -> str:
    """A database URL on the suite's server (for tests that make databases of their own)."""
    return databases.backend.url("empty")


def needs_real_commits(request: pytest.FixtureRequest) -> bool:
    marked = request.node.get_closest_marker("real_commits") or request.node.get_closest_marker(
        "serial"
    )
    return bool(marked) or bool(REAL_COMMIT_FIXTURES & set(request.fixturenames))


class _SharedBytecode(jinja2.BytecodeCache):
    """Compiled templates kept across the apps of one worker: every new app would otherwise
    parse and compile each template again (checked against the source, so edits count)."""

    def __init__(self) -> None:
        self._buckets: dict[str, bytes] = {}

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        if bucket.key in self._buckets:
            bucket.bytecode_from_string(self._buckets[bucket.key])

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        self._buckets[bucket.key] = bucket.bytecode_to_string()


Flask.jinja_options = {**Flask.jinja_options, "bytecode_cache": _SharedBytecode()}
# One app per rollback database and worker, reused from test to test: building an app
# compiles every URL rule, and each new engine starts with an empty statement cache.
_shared_apps: dict[str, Flask] = {}


def _app_for(url: str, instance: Path, *, shared: bool) -> Flask:
    if not shared:
        return create_app(settings(url, instance))
    if url not in _shared_apps:
        _shared_apps[url] = create_app(settings(url, instance))
    application = _shared_apps[url]
    # Settings derived from the instance folder (pictures, logs) follow the test's own.
    application.instance_path = str(instance)
    application.config.update(config.load(settings(url, instance)))
    instance.mkdir(parents=True, exist_ok=True)
    return application


@pytest.fixture
def app(request: pytest.FixtureRequest, databases: Databases, tmp_path: Path):
    """The app on a database holding the demo if the test asks for `demo`, else empty.

    Most tests run inside one transaction rolled back at the end, on an app shared with
    the worker's other such tests (its settings are put back afterwards): every session
    joins the transaction and a commit only releases a savepoint. Tests that need real
    commits get a fresh copy of the template and an app of their own; so do tests marked
    `own_app` (they add routes, which Flask allows only before an app's first request).
    """
    template = "demo" if "demo" in request.fixturenames else "empty"
    real = needs_real_commits(request)
    url = databases.fresh_copy(template) if real else databases.rollback_url(template)
    shared = not real and request.node.get_closest_marker("own_app") is None
    application = _app_for(url, tmp_path / "instance", shared=shared)
    saved_settings = dict(application.config)
    engine = db.engine_of(application)
    connection = transaction = None
    if not real:
        connection = engine.connect()
        transaction = connection.begin()
        application.extensions["db_connection"] = connection
    with application.app_context():
        limiter.reset()
    yield application
    with application.app_context():
        db.session.remove()
    application.extensions.pop("db_connection", None)
    application.config.clear()
    application.config.update(saved_settings)
    if connection is not None:
        transaction.rollback()
        if connection.dialect.name == "postgresql":
            _end_transactions_left_open(connection, request.node.nodeid)
        connection.close()
    if not shared:
        engine.dispose()
    if real:
        databases.discard(url)


def _end_transactions_left_open(connection, test: str) -> None:
    """End what a test left open on another connection to the shared rollback database.

    Each test's rows are written with the same ids (worlds are copied as rows), so a
    transaction some code left open would make every later test on this worker wait on
    its rows until the timeout. It is ended here, and the test named in the warnings.
    """
    left = connection.execute(
        text(
            "SELECT pid, left(query, 300) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            " AND state LIKE 'idle in transaction%'"
        )
    ).all()
    for pid, _query in left:
        connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    connection.commit()
    if left:
        warnings.warn(
            f"{test} left {len(left)} transaction(s) open on another connection; "
            f"last statements: {[query for _pid, query in left]}",
            stacklevel=1,
        )


@pytest.fixture
def migrated(app) -> str:
    """The URL of the test's own database, really committed to (for a second app on it)."""
    return app.config["DATABASE_URL"]


@pytest.fixture
def demo(app):
    """The app with the demo province and accounts (seeded once, in the template)."""
    return app


@pytest.fixture
def client(app):
    return app.test_client()


def masked_page(response, url: str) -> str:
    """A page's HTML with its own address and CSRF tokens masked, to compare two pages:
    a token's signature carries the second it was made in."""
    html = response.get_data(as_text=True).replace(url, "URL")
    return CSRF_RE.sub('name="csrf_token" type="hidden" value="TOKEN"', html)


def csrf_token(client, path: str = "/sign-in") -> str:
    page = client.get(path, follow_redirects=True).get_data(as_text=True)
    match = CSRF_RE.search(page)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def post(client, path: str, data: dict | None = None, *, token_from: str = "/sign-in", **kwargs):
    """POST a form the way a browser does: with the CSRF token of a page it loaded."""
    payload = dict(data or {})
    payload.setdefault("csrf_token", csrf_token(client, token_from))
    return client.post(path, data=payload, **kwargs)


class Auth:
    def __init__(self, client) -> None:
        self.client = client

    def sign_in(self, username: str, password: str = "learnapp-demo", **kwargs):
        return post(
            self.client, "/sign-in", {"identifier": username, "password": password}, **kwargs
        )

    def sign_out(self):
        return post(self.client, "/sign-out", token_from="/")


@pytest.fixture
def auth(client) -> Auth:
    return Auth(client)


def chromium_path() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")
