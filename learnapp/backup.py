"""Backups and restores: the database, the uploaded pictures and a manifest, in one folder.

SQLite is copied with its online backup API, which reads through SQLite's own locks and
includes what still sits in the write-ahead log (a plain file copy would lose it).
PostgreSQL is dumped with `pg_dump -Fc` inside an exported snapshot, so the row counts in
the manifest describe exactly the rows in the dump.

The secret key is never copied: the manifest says where it lives, because a restore onto
a new host needs it for existing sessions and the operator must carry it separately.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from flask import current_app
from sqlalchemy import create_engine, func, inspect, select, table, text
from sqlalchemy.engine import Connection, make_url

from learnapp import db, migrate
from learnapp.db import Base
from learnapp.models.base import utcnow

FORMAT = 1
MANIFEST = "manifest.json"
SQLITE_FILE = "database.sqlite3"
PG_FILE = "database.pgdump"
MEDIA_DIR = "media"
PREFIX = "learnapp-"


class BackupError(RuntimeError):
    """A backup or restore cannot go on; the message says why, for the operator."""


@dataclass
class RestoreReport:
    taken_at: datetime
    tables: int
    rows: int
    media_files: int
    upgraded_from: str | None
    deletions_replayed: int
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)


# --- helpers ------------------------------------------------------------------------------


def _kind() -> str:
    return db.engine_of(current_app).dialect.name


def _sqlite_path() -> Path:
    database = make_url(current_app.config["DATABASE_URL"]).database
    if not database or database == ":memory:":
        raise BackupError("an in-memory SQLite database cannot be backed up")
    return Path(database)


def _pg_args() -> tuple[list[str], dict[str, str]]:
    """libpq arguments for the pg tools; the password travels in the environment."""
    url = make_url(current_app.config["DATABASE_URL"])
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    # A key=value connection string, not a URL: libpq decodes no "+" in a URL's query, so
    # an option such as "-c synchronous_commit=off" would reach the server mangled.
    settings = {
        "host": url.host,
        "port": url.port,
        "user": url.username,
        "dbname": url.database,
        **{key: value if isinstance(value, str) else value[-1] for key, value in url.query.items()},
    }
    conninfo = " ".join(
        f"{key}={_conninfo_value(str(value))}" for key, value in settings.items() if value
    )
    return [f"--dbname={conninfo}"], env


def _conninfo_value(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace("'", "\\'")
    return f"'{escaped}'"


def _tool(name: str) -> str:
    found = shutil.which(name)
    if not found:
        raise BackupError(
            f"{name} was not found; install the PostgreSQL client tools "
            "(Debian: apt-get install postgresql-client) of the server's major version"
        )
    return found


def _run(command: list[str], env: dict[str, str]) -> None:
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode != 0:
        raise BackupError(f"{Path(command[0]).name} failed: {done.stderr.strip()[-2000:]}")


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _table_names() -> list[str]:
    return [table.name for table in Base.metadata.sorted_tables]


def _count_rows(conn: Connection, tables: list[str]) -> dict[str, int]:
    return {
        name: int(conn.execute(select(func.count()).select_from(table(name))).scalar_one())
        for name in tables
    }


def _revision(conn: Connection) -> str | None:
    if not inspect(conn).has_table("alembic_version"):
        return None
    return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


def _media_dir() -> Path:
    return Path(current_app.instance_path) / "media"


def secret_key_location() -> str:
    """Where this installation's secret key comes from, never the key itself."""
    if os.environ.get("LEARNAPP_SECRET_KEY"):
        return "the LEARNAPP_SECRET_KEY environment variable (not in this backup)"
    key_file = Path(current_app.instance_path) / "secret_key"
    if key_file.exists():
        return f"the file {key_file} (not in this backup)"
    return "set by the application's configuration (not in this backup)"


# --- backup -------------------------------------------------------------------------------


def take_backup(root: Path, *, now: datetime | None = None) -> Path:
    """Write a complete backup into a new folder under root; return that folder.

    The folder appears under its final name only when everything is written, so a
    backup interrupted halfway never looks like a good one.
    """
    taken_at = now or utcnow()
    root.mkdir(parents=True, exist_ok=True)
    name = f"{PREFIX}{taken_at.strftime('%Y%m%dT%H%M%S')}Z"
    final = root / name
    suffix = 1
    while final.exists():
        suffix += 1
        final = root / f"{name}-{suffix}"
    partial = root / f".{final.name}.partial"
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir()
    try:
        db.session.remove()
        if _kind() == "sqlite":
            database_file, counts, revision = _backup_sqlite(partial / SQLITE_FILE)
        elif _kind() == "postgresql":
            database_file, counts, revision = _backup_postgresql(partial / PG_FILE)
        else:
            raise BackupError(f"no backup method for {_kind()}")
        media = partial / MEDIA_DIR
        if _media_dir().is_dir():
            shutil.copytree(_media_dir(), media)
        else:
            media.mkdir()
        manifest = {
            "format": FORMAT,
            "taken_at": taken_at.isoformat(timespec="microseconds") + "Z",
            "database": _kind(),
            "alembic_revision": revision,
            "row_counts": counts,
            "files": {
                path.relative_to(partial).as_posix(): {
                    "bytes": path.stat().st_size,
                    "sha256": _sha256(path),
                }
                for path in sorted([database_file, *media.rglob("*")])
                if path.is_file()
            },
            "secret_key": secret_key_location(),
            "deletion_log": str(current_app.config["DELETION_LOG"]),
            "restore": f"flask --app learnapp restore {final}",
        }
        (partial / MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
        partial.rename(final)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    return final


def _backup_sqlite(target: Path) -> tuple[Path, dict[str, int], str | None]:
    source = sqlite3.connect(_sqlite_path(), timeout=30)
    copy = sqlite3.connect(target)
    try:
        # In one step: in WAL mode the read snapshot it holds does not block the site's
        # writers, while a copy in steps would start over after each of their commits.
        source.backup(copy)
        check = copy.execute("PRAGMA quick_check").fetchone()[0]
        if check != "ok":
            raise BackupError(f"the copy failed SQLite's check: {check}")
        copy.execute("PRAGMA journal_mode=DELETE")
    finally:
        copy.close()
        source.close()
    # A plain engine: the app's would switch the copy to WAL and leave -wal/-shm files.
    engine = create_engine(f"sqlite:///{target}")
    try:
        with engine.connect() as conn:
            counts = _count_rows(conn, _table_names())
            revision = _revision(conn)
    finally:
        engine.dispose()
    return target, counts, revision


def _backup_postgresql(target: Path) -> tuple[Path, dict[str, int], str | None]:
    pg_dump = _tool("pg_dump")
    args, env = _pg_args()
    engine = db.engine_of(current_app)
    with engine.connect() as conn:
        # The counts and the dump read the same snapshot, held open until pg_dump ends.
        conn.execute(text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY"))
        snapshot = conn.execute(text("SELECT pg_export_snapshot()")).scalar_one()
        counts = _count_rows(conn, _table_names())
        revision = _revision(conn)
        _run(
            [
                pg_dump,
                "-Fc",
                "--no-owner",
                "--no-privileges",
                f"--snapshot={snapshot}",
                f"--file={target}",
                *args,
            ],
            env,
        )
        conn.rollback()
    return target, counts, revision


# --- restore ------------------------------------------------------------------------------


def read_manifest(folder: Path) -> dict:
    """The backup's manifest, checked against its files; BackupError when it does not hold."""
    path = folder / MANIFEST
    if not path.is_file():
        inside = backups_in(folder)
        if inside:
            raise BackupError(
                f"{folder} holds {len(inside)} backups, not one: name the one to restore, "
                f"e.g. the newest, {inside[-1]}"
            )
        raise BackupError(f"{folder} holds no {MANIFEST}: not a learnapp backup")
    try:
        manifest = json.loads(path.read_text())
    except ValueError as exc:
        raise BackupError(f"{path} is not valid JSON: {exc}") from exc
    if manifest.get("format") != FORMAT:
        raise BackupError(f"backup format {manifest.get('format')!r} is not {FORMAT}")
    for name, facts in manifest.get("files", {}).items():
        file = folder / name
        if not file.is_file():
            raise BackupError(f"{name} is missing from the backup")
        if file.stat().st_size != facts["bytes"] or _sha256(file) != facts["sha256"]:
            raise BackupError(f"{name} does not match its checksum: the backup is damaged")
    return manifest


def restore_backup(folder: Path) -> RestoreReport:
    """Replace the database and the pictures with the backup's, then delete again the
    people deleted since it was taken. Stop the site before running it."""
    from learnapp.privacy import deletion, deletion_log

    started = time.perf_counter()
    manifest = read_manifest(folder)
    if manifest["database"] != _kind():
        raise BackupError(
            f"this backup holds a {manifest['database']} database and the configured "
            f"database is {_kind()}; restore it onto a {manifest['database']} database"
        )
    db.session.remove()
    engine = db.engine_of(current_app)
    engine.dispose()
    if _kind() == "sqlite":
        _restore_sqlite(folder / SQLITE_FILE)
    else:
        _restore_postgresql(folder / PG_FILE)
    engine.dispose()
    media_files = _restore_media(folder / MEDIA_DIR)

    with engine.connect() as conn:
        counts = _count_rows(conn, list(manifest["row_counts"]))
        revision = _revision(conn)
    if counts != manifest["row_counts"]:
        differing = sorted(k for k in counts if counts[k] != manifest["row_counts"][k])
        raise BackupError(f"row counts differ from the manifest after restoring: {differing}")
    upgraded_from = None
    if revision != _head():
        # An older backup meets newer code: bring its schema up before anything reads it.
        migrate.upgrade(current_app.config["DATABASE_URL"])
        upgraded_from = revision or "empty"

    taken_at = datetime.fromisoformat(manifest["taken_at"].removesuffix("Z"))
    replayed = deletion.replay(deletion_log.since(taken_at))
    db.session.commit()
    # A restored PostgreSQL has no planner statistics; the report aggregates need them.
    db.refresh_statistics()
    return RestoreReport(
        taken_at=taken_at,
        tables=len(counts),
        rows=sum(counts.values()),
        media_files=media_files,
        upgraded_from=upgraded_from,
        deletions_replayed=replayed,
        seconds=time.perf_counter() - started,
    )


def _head() -> str:
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(migrate.alembic_config(current_app.config["DATABASE_URL"]))
    return str(script.get_current_head())


def _restore_sqlite(source_file: Path) -> None:
    target = _sqlite_path()
    target.parent.mkdir(parents=True, exist_ok=True)
    source = sqlite3.connect(f"{source_file.resolve().as_uri()}?mode=ro", uri=True)
    live = sqlite3.connect(target, timeout=30)
    try:
        # Through SQLite, not a file copy: the live file's WAL and any reader stay coherent.
        source.backup(live)
        live.execute("PRAGMA journal_mode=WAL")
        check = live.execute("PRAGMA quick_check").fetchone()[0]
        if check != "ok":
            raise BackupError(f"the restored database failed SQLite's check: {check}")
    finally:
        live.close()
        source.close()


def _restore_postgresql(dump: Path) -> None:
    pg_restore = _tool("pg_restore")
    args, env = _pg_args()
    engine = db.engine_of(current_app)
    with engine.begin() as conn:
        # Tables a newer schema added would otherwise survive beside the restored ones.
        for name in inspect(conn).get_table_names():
            conn.execute(
                text(f"DROP TABLE IF EXISTS {conn.dialect.identifier_preparer.quote(name)} CASCADE")
            )
    engine.dispose()
    _run(
        [
            pg_restore,
            "--no-owner",
            "--no-privileges",
            "--exit-on-error",
            "--single-transaction",
            *args,
            str(dump),
        ],
        env,
    )


def _restore_media(source: Path) -> int:
    live = _media_dir()
    incoming = live.with_name(".media-restoring")
    outgoing = live.with_name(".media-replaced")
    shutil.rmtree(incoming, ignore_errors=True)
    shutil.rmtree(outgoing, ignore_errors=True)
    shutil.copytree(source, incoming)
    if live.exists():
        live.rename(outgoing)
    incoming.rename(live)
    shutil.rmtree(outgoing, ignore_errors=True)
    return sum(1 for path in live.rglob("*") if path.is_file())


# --- retention ----------------------------------------------------------------------------


def backups_in(root: Path) -> list[Path]:
    """Complete backups under root, oldest first (their names sort by time)."""
    if not root.is_dir():
        return []
    return sorted(
        path
        for path in root.iterdir()
        if path.is_dir() and path.name.startswith(PREFIX) and (path / MANIFEST).is_file()
    )


def prune(root: Path, keep: int) -> list[Path]:
    """Remove all but the newest `keep` backups under root; return what was removed."""
    if keep < 1:
        raise BackupError("keep at least one backup")
    removed = backups_in(root)[:-keep]
    for path in removed:
        shutil.rmtree(path)
    return removed
