"""Backups, restores and the daily job: commands an operator schedules or runs by hand."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext

from learnapp import db


@click.command("backup")
@click.argument("directory", type=click.Path(file_okay=False))
@click.option(
    "--keep",
    type=click.IntRange(min=1),
    default=None,
    help="Afterwards remove all but the newest N backups in DIRECTORY.",
)
@with_appcontext
def backup_command(directory: str, keep: int | None) -> None:
    """Back up the database and pictures into a new folder under DIRECTORY."""
    from learnapp import backup

    try:
        folder = backup.take_backup(Path(directory))
    except backup.BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    size = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())
    click.echo(f"Backup written: {folder} ({size / 1_000_000:.1f} MB)")
    click.echo(f"The secret key is not in it; it comes from {backup.secret_key_location()}.")
    if keep:
        for old in backup.prune(Path(directory), keep):
            click.echo(f"Removed old backup {old}")


@click.command("restore")
@click.argument("folder", type=click.Path(file_okay=False, exists=True))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@with_appcontext
def restore_command(folder: str, yes: bool) -> None:
    """Replace the database and pictures with a backup's; stop the site first."""
    from learnapp import backup

    try:
        manifest = backup.read_manifest(Path(folder))
    except backup.BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    if not yes:
        click.confirm(
            f"Replace everything in the database with the backup taken {manifest['taken_at']}?",
            abort=True,
        )
    try:
        report = backup.restore_backup(Path(folder))
    except backup.BackupError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from exc
    click.echo(
        f"Restored the backup taken {report.taken_at.isoformat(timespec='seconds')}Z: "
        f"{report.rows:,} rows in {report.tables} tables, {report.media_files} pictures, "
        f"in {report.seconds:.1f}s."
    )
    if report.upgraded_from:
        click.echo(f"Its schema ({report.upgraded_from}) was upgraded to the current one.")
    click.echo(f"People deleted since the backup, deleted again: {report.deletions_replayed}")
    click.echo(f"Check that the secret key is in place: {manifest['secret_key']}")


@click.command("daily")
@with_appcontext
def daily_command() -> None:
    """Run the daily housekeeping (schedule it once a day; safe to run more often)."""
    from learnapp import daily

    lines = daily.run()
    db.session.commit()
    for line in lines:
        click.echo(line)
