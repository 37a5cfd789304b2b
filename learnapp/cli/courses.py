"""Course files in and out: `flask import-courses`, `export-courses`, `rebuild-progress`."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from learnapp import db


def _refresh_progress_of(slugs: list[str]) -> None:
    """Bring the report rows of re-imported modules in line with their active lessons."""
    from learnapp.learn.progress import refresh_modules
    from learnapp.models import Module

    if slugs:
        refresh_modules(list(db.session.scalars(select(Module.id).where(Module.slug.in_(slugs)))))


@click.command("import-courses")
@click.argument("directory", required=False, type=click.Path(file_okay=False))
@click.option(
    "--overwrite-web-edits",
    is_flag=True,
    help="Replace modules whose newer version was published in the web editor.",
)
@click.option(
    "--skip-web-published",
    is_flag=True,
    help="Leave modules whose newer version was published in the web editor as they are, "
    "say so, and import the others (what `make run` uses).",
)
@with_appcontext
def import_courses_command(
    directory: str | None, overwrite_web_edits: bool, skip_web_published: bool
) -> None:
    """Validate and import the course files (default: courses/); all or nothing."""
    if overwrite_web_edits and skip_web_published:
        raise click.UsageError("choose --overwrite-web-edits or --skip-web-published, not both")
    from learnapp.content.importer import import_courses
    from learnapp.content.sources import ContentError

    root = Path(directory) if directory else Path(current_app.config["COURSES_DIR"])
    try:
        report = import_courses(
            root,
            Path(current_app.instance_path) / "media",
            overwrite_web_edits=overwrite_web_edits,
            skip_web_published=skip_web_published,
        )
    except ContentError as exc:
        db.session.rollback()
        for problem in exc.problems:
            click.echo(str(problem), err=True)
        raise click.ClickException(
            f"{len(exc.problems)} problem(s) found; nothing was imported"
        ) from exc
    _refresh_progress_of(report.updated)
    db.session.commit()
    for line in report.lines() or ["nothing to import"]:
        click.echo(line)


@click.command("export-courses")
@click.argument("directory", required=False, type=click.Path(file_okay=False))
@click.option("--module", "slugs", multiple=True, help="Only this module (repeatable).")
@with_appcontext
def export_courses_command(directory: str | None, slugs: tuple[str, ...]) -> None:
    """Write published modules as course files (default: courses/), byte-stable."""
    from learnapp.content.export import export_modules

    root = Path(directory) if directory else Path(current_app.config["COURSES_DIR"])
    written = export_modules(root, Path(current_app.instance_path) / "media", list(slugs))
    for slug, count in written.items():
        click.echo(f"{slug}: {count} files")


@click.command("rebuild-progress")
@with_appcontext
def rebuild_progress_command() -> None:
    """Recompute the per-module progress rows the reports read (after a bulk load)."""
    from learnapp.learn.progress import rebuild

    rows = rebuild()
    db.session.commit()
    db.refresh_statistics()
    click.echo(f"{rows} learner-module rows")
