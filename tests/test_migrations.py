"""Alembic: one head, and a brand-new database migrates up, down and up to the models."""

from __future__ import annotations

import uuid

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from learnapp import migrate
from learnapp import models as _models  # noqa: F401  (every table on the metadata)
from learnapp.db import Base, make_engine


@pytest.fixture
def fresh_url(database_url: str, tmp_path):
    """A database nobody has touched, on the same kind of server as the suite's."""
    if not database_url.startswith("postgresql"):
        yield f"sqlite:///{tmp_path / 'fresh.db'}"
        return
    name = f"learnapp_migration_{uuid.uuid4().hex[:12]}"
    server = make_url(database_url)
    admin = create_engine(server.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def schema_differences(url: str) -> list:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(
                conn,
                opts={"compare_type": True, "render_as_batch": conn.dialect.name == "sqlite"},
            )
            return compare_metadata(context, Base.metadata)
    finally:
        engine.dispose()


def table_names(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_is_there_a_single_alembic_head():
    script = ScriptDirectory.from_config(migrate.alembic_config("sqlite://"))
    assert len(script.get_heads()) == 1


def test_does_a_new_database_migrate_to_exactly_the_models_and_back(fresh_url):
    assert table_names(fresh_url) == set()

    migrate.upgrade(fresh_url)
    assert table_names(fresh_url) == set(Base.metadata.tables) | {"alembic_version"}
    assert schema_differences(fresh_url) == []

    migrate.downgrade(fresh_url, "base")
    assert table_names(fresh_url) == {"alembic_version"}

    migrate.upgrade(fresh_url)
    assert schema_differences(fresh_url) == []


def test_does_every_migration_step_go_down_and_up_again(fresh_url):
    script = ScriptDirectory.from_config(migrate.alembic_config(fresh_url))
    revisions = [r.revision for r in reversed(list(script.walk_revisions()))]
    for revision in revisions:
        migrate.upgrade(fresh_url, revision)
        migrate.downgrade(fresh_url, "-1")
        migrate.upgrade(fresh_url, revision)
    assert schema_differences(fresh_url) == []


def test_would_the_comparison_notice_a_missing_table(fresh_url):
    """The checks above must be able to fail: drop a table and the comparison says so."""
    migrate.upgrade(fresh_url)
    engine = make_engine(fresh_url)
    try:
        with engine.begin() as conn:
            conn.execute(text('DROP TABLE "answer_choice"'))
    finally:
        engine.dispose()
    differences = schema_differences(fresh_url)
    assert [d[0] for d in differences if d[0] == "add_table"] == ["add_table"]


def test_does_upgrading_keep_the_rows_already_in_the_database(fresh_url):
    # SQLite rebuilds a table to alter it; with foreign keys on, dropping the old copy
    # would cascade-delete every lesson, text and progress row that points at it.
    migrate.upgrade(fresh_url, "0001")
    engine = create_engine(fresh_url)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO module (id, slug, position, default_language, completion_rule,"
                " status, version, source_hash, created_at, updated_at) VALUES (1, 'm', 1,"
                " 'vi', 'lessons', 'published', 1, '', '2026-01-01', '2026-01-01')"
            )
        )
        conn.execute(
            text(
                "INSERT INTO module_text (module_id, language, title, summary)"
                " VALUES (1, 'vi', 'Tiêu đề', '')"
            )
        )
        conn.execute(
            text(
                "INSERT INTO lesson (id, module_id, slug, position, minutes, version, is_retired)"
                " VALUES (1, 1, 'l', 1, 5, 1, false)"
            )
        )
    engine.dispose()

    migrate.upgrade(fresh_url)

    engine = create_engine(fresh_url)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT title FROM module_text")).scalars().all() == ["Tiêu đề"]
        assert conn.execute(text("SELECT count(*) FROM lesson")).scalar() == 1
        assert conn.execute(text("SELECT origin FROM module")).scalar() == "files"
    engine.dispose()
