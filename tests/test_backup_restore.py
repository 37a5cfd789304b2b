"""The backup drill (SECURITY 26): seed, back up, wipe, restore; nothing differs."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from sqlalchemy import select

from learnapp import backup, db
from learnapp.models import Area, Certificate, User
from learnapp.privacy import deletion, deletion_log
from tests.conftest import post
from tests.factories import row_counts
from tests.privacy_support import PICTURE, ensure_schema, person_by_id, seed_world, wipe_database
from tests.reports_support import tables

# pg_dump and the restore open connections of their own: the data must be committed.
pytestmark = pytest.mark.real_commits


@pytest.fixture
def world(app):
    seed_world(app)
    yield app
    ensure_schema(app)


def province_report(client) -> dict:
    """Every table of the province dashboard and of each module's breakdown, in English."""
    with client.application.app_context():
        province = db.session.scalar(select(Area).where(Area.parent_id.is_(None)))
        province_id = province.id
    page = client.get(f"/reports/areas/{province_id}", headers={"Accept-Language": "en"})
    assert page.status_code == 200
    # The download buttons carry a CSRF token whose signature holds the second it was made.
    html = re.sub(r'name="csrf_token" value="[^"]*"', 'name="csrf_token"', page.text)
    return {"tables": tables(html), "stats": html.split('<section class="stats"', 1)[1][:4000]}


def sign_in_admin(client) -> None:
    response = post(client, "/sign-in", {"identifier": "admin", "password": "learnapp-demo"})
    assert response.status_code == 302


def test_does_a_restored_backup_give_back_every_row_picture_and_report_figure(world, tmp_path):
    app = world
    client = app.test_client()
    sign_in_admin(client)
    report_before = province_report(client)
    counts_before = row_counts(app)
    assert counts_before["certificate"] >= 1 and counts_before["quiz_attempt"] >= 2
    with app.app_context():
        folder = backup.take_backup(tmp_path / "backups")

    wipe_database(app)
    media = Path(app.instance_path) / "media"
    (media / "drill-picture.png").unlink()
    (media / "added-after-backup.png").write_bytes(b"later")

    with app.app_context():
        result = backup.restore_backup(folder)
    assert result.deletions_replayed == 0
    assert row_counts(app) == counts_before
    # The backup also holds the cache stamp row, which row_counts leaves out.
    assert result.rows == sum(counts_before.values()) + 1
    assert (media / "drill-picture.png").read_bytes() == PICTURE
    assert not (media / "added-after-backup.png").exists()
    # The same session cookie still works: the accounts came back as they were.
    assert province_report(client) == report_before


def test_does_the_manifest_name_the_secret_keys_place_but_never_the_key(
    world, tmp_path, monkeypatch
):
    monkeypatch.setenv("LEARNAPP_SECRET_KEY", "key-from-the-environment-0123456789")
    with world.app_context():
        folder = backup.take_backup(tmp_path / "env")
    manifest = json.loads((folder / backup.MANIFEST).read_text())
    assert "LEARNAPP_SECRET_KEY environment variable" in manifest["secret_key"]
    every_byte = b"".join(p.read_bytes() for p in folder.rglob("*") if p.is_file())
    assert b"key-from-the-environment" not in every_byte
    assert manifest["row_counts"]["user_account"] == row_counts(world)["user_account"]
    assert "media/drill-picture.png" in manifest["files"]

    monkeypatch.delenv("LEARNAPP_SECRET_KEY")
    key_file = Path(world.instance_path) / "secret_key"
    key_file.write_text("key-from-the-file-0123456789")
    with world.app_context():
        folder = backup.take_backup(tmp_path / "file")
    manifest = json.loads((folder / backup.MANIFEST).read_text())
    assert str(key_file) in manifest["secret_key"]
    every_byte = b"".join(p.read_bytes() for p in folder.rglob("*") if p.is_file())
    assert b"key-from-the-file" not in every_byte


def test_does_a_restore_delete_again_the_people_deleted_since_the_backup(world, tmp_path):
    app = world
    with app.app_context():
        learner = db.session.scalar(select(User).where(User.username == "learner"))
        removed_before = db.session.scalar(select(User).where(User.username == "secretary02"))
        deletion.delete_person(removed_before, actor=None)
        db.session.commit()
        learner_id, removed_before_id = learner.id, removed_before.id
        certificates = db.session.scalar(
            select(Certificate.code).where(Certificate.user_id == learner_id)
        )
        folder = backup.take_backup(tmp_path)
        # After the backup: the learner is deleted; the log now holds both deletions.
        deletion.delete_person(db.session.get(User, learner_id), actor=None)
        db.session.commit()
        assert len(deletion_log.entries()) == 2

    wipe_database(app)
    with app.app_context():
        result = backup.restore_backup(folder)
        assert result.deletions_replayed == 1
        learner = person_by_id(learner_id)
        assert learner.deleted_at is not None
        assert learner.full_name == "" and learner.phone is None
        assert learner.username.startswith(deletion.PLACEHOLDER_PREFIX)
        assert person_by_id(removed_before_id).deleted_at is not None
        # The certificate came back, holder removed.
        cert = db.session.scalar(select(Certificate).where(Certificate.code == certificates))
        assert cert.user_id == learner_id
    assert len(deletion_log.entries(app.config["DELETION_LOG"])) == 2
    page = app.test_client().get(f"/verify/{certificates}", headers={"Accept-Language": "en"})
    assert "holder has since been removed" in page.get_data(as_text=True)


def test_does_a_restore_leave_alone_ids_deleted_before_the_backup_was_taken(world, tmp_path):
    """An id in the log from before the backup may since belong to someone else."""
    app = world
    with app.app_context():
        learner2 = db.session.scalar(select(User).where(User.username == "learner2"))
        folder = backup.take_backup(tmp_path)
        taken = json.loads((folder / backup.MANIFEST).read_text())["taken_at"]
        from datetime import datetime, timedelta

        before = datetime.fromisoformat(taken.removesuffix("Z")) - timedelta(seconds=1)
        deletion_log.append(learner2.id, before)
        result = backup.restore_backup(folder)
        assert result.deletions_replayed == 0
        assert person_by_id(learner2.id).full_name != ""


def test_is_a_damaged_backup_refused_before_anything_changes(world, tmp_path):
    app = world
    with app.app_context():
        folder = backup.take_backup(tmp_path)
    database_file = next(p for p in folder.iterdir() if p.name.startswith("database."))
    with database_file.open("r+b") as handle:
        handle.seek(200)
        handle.write(b"\x00damage\x00")
    counts = row_counts(app)
    with app.app_context(), pytest.raises(backup.BackupError, match="checksum"):
        backup.restore_backup(folder)
    assert row_counts(app) == counts


def test_is_a_folder_without_a_manifest_refused(app, tmp_path):
    with app.app_context(), pytest.raises(backup.BackupError, match="not a learnapp backup"):
        backup.restore_backup(tmp_path)


def test_is_a_backup_of_the_other_database_kind_refused(world, tmp_path):
    app = world
    with app.app_context():
        folder = backup.take_backup(tmp_path)
    manifest_file = folder / backup.MANIFEST
    manifest = json.loads(manifest_file.read_text())
    other = "postgresql" if manifest["database"] == "sqlite" else "sqlite"
    manifest["database"] = other
    manifest_file.write_text(json.dumps(manifest))
    with app.app_context(), pytest.raises(backup.BackupError, match=f"holds a {other}"):
        backup.restore_backup(folder)


def test_do_the_backup_and_restore_commands_work_from_the_command_line(world, tmp_path):
    app = world
    runner = app.test_cli_runner()
    for _ in range(3):
        result = runner.invoke(args=["backup", str(tmp_path), "--keep", "2"])
        assert result.exit_code == 0, result.output
        assert "Backup written" in result.output and "not in it" in result.output
    kept = backup.backups_in(tmp_path)
    assert len(kept) == 2
    refused = runner.invoke(args=["restore", str(kept[-1])], input="n\n")
    assert refused.exit_code == 1 and "Aborted" in refused.output
    done = runner.invoke(args=["restore", "--yes", str(kept[-1])])
    assert done.exit_code == 0, done.output
    assert "deleted again: 0" in done.output
    parent = runner.invoke(args=["restore", "--yes", str(tmp_path)])
    assert parent.exit_code == 1 and f"the newest, {kept[-1]}" in parent.output
    empty = tmp_path / "empty"
    empty.mkdir()
    bad = runner.invoke(args=["restore", "--yes", str(empty)])
    assert bad.exit_code == 1 and "not a learnapp backup" in bad.output


def test_does_a_sqlite_backup_hold_what_is_still_in_the_write_ahead_log(tmp_path):
    """A copy of learnapp.db alone would lose the last commits; the backup API does not."""
    import shutil
    import sqlite3

    from learnapp import create_app, migrate

    path = tmp_path / "live.db"
    url = f"sqlite:///{path}"
    migrate.upgrade(url)
    app = create_app(
        {"DATABASE_URL": url, "SECRET_KEY": "x", "INSTANCE_PATH": tmp_path / "instance"}
    )
    writer = sqlite3.connect(path)
    try:
        writer.execute("PRAGMA journal_mode=WAL")
        writer.execute("PRAGMA wal_autocheckpoint=0")  # as a busy site between checkpoints
        writer.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        writer.execute(
            "INSERT INTO audit_event (at, action, ip, detail) "
            "VALUES ('2026-12-04 10:00:00', 'sign_in', '', 'still in the WAL')"
        )
        writer.commit()
        plain_copy = tmp_path / "plain-copy.db"
        shutil.copyfile(path, plain_copy)
        with sqlite3.connect(plain_copy) as copy:
            assert copy.execute("SELECT count(*) FROM audit_event").fetchone()[0] == 0
        with app.app_context():
            folder = backup.take_backup(tmp_path / "backups")
    finally:
        writer.close()
    with sqlite3.connect(folder / backup.SQLITE_FILE) as copy:
        rows = copy.execute("SELECT detail FROM audit_event").fetchall()
    assert rows == [("still in the WAL",)]
    # One self-contained file: no -wal or -shm beside it.
    assert sorted(p.name for p in folder.iterdir()) == [
        "database.sqlite3",
        "manifest.json",
        "media",
    ]
    db.engine_of(app).dispose()
