"""Fixtures: a migrated database per run, emptied after each test; app, client, auth."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from learnapp import create_app, db, migrate
from learnapp.db import Base
from learnapp.extensions import limiter

REQUIRE_ALL = os.environ.get("LEARNAPP_REQUIRE_ALL") == "1"
CSRF_RE = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """In CI (LEARNAPP_REQUIRE_ALL=1) a skipped test is a failed test."""
    outcome = yield
    report = outcome.get_result()
    if REQUIRE_ALL and report.skipped and call.when in ("setup", "call"):
        report.outcome = "failed"
        report.longrepr = f"skipped, but LEARNAPP_REQUIRE_ALL=1 forbids skips: {report.longrepr}"


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = os.environ.get("LEARNAPP_TEST_DATABASE_URL")
    if url:
        return url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"


@pytest.fixture(scope="session")
def migrated(database_url: str) -> str:
    migrate.upgrade(database_url)
    return database_url


def _empty_all_tables(url: str) -> None:
    engine = create_engine(url)
    tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(
                text(
                    "TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"
                )
            )
        else:
            for table in tables:
                conn.execute(text(f'DELETE FROM "{table}"'))
    engine.dispose()


@pytest.fixture
def app(migrated: str, tmp_path: Path):
    application = create_app(
        {
            "DATABASE_URL": migrated,
            "SECRET_KEY": "test-secret",
            "TESTING": True,
            "INSTANCE_PATH": tmp_path / "instance",
            "ARGON2_MEMORY_KIB": 1024,
            "COURSES_DIR": Path(__file__).resolve().parent.parent / "courses",
        }
    )
    with application.app_context():
        limiter.reset()
    yield application
    with application.app_context():
        db.session.remove()
    db.engine_of(application).dispose()
    _empty_all_tables(migrated)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def demo(app):
    from learnapp.demo import seed_demo

    with app.app_context():
        seed_demo()
        db.session.commit()
    return app


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
