"""Flask commands: thin wrappers over the services."""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask, current_app
from sqlalchemy import select

from learnapp import db, migrate
from learnapp.errors import DomainError
from learnapp.models import Area, Role


def _area_by_path(path: str) -> Area:
    """Resolve "Tuyên Quang/Sơn Dương/Kháng Nhật" from the root down."""
    area = None
    for name in [part.strip() for part in path.split("/") if part.strip()]:
        query = select(Area).where(Area.name == name)
        query = (
            query.where(Area.parent_id == area.id)
            if area
            else query.where(Area.parent_id.is_(None))
        )
        found = db.session.scalars(query).all()
        if len(found) != 1:
            raise click.BadParameter(
                f"no single area named {name!r} under {area.name if area else 'the root'}"
            )
        area = found[0]
    if area is None:
        raise click.BadParameter("give an area path such as 'Tuyên Quang/Sơn Dương'")
    return area


def _refresh_progress_of(slugs: list[str]) -> None:
    """Bring the report rows of re-imported modules in line with their active lessons."""
    from learnapp.learn.progress import refresh_modules
    from learnapp.models import Module

    if slugs:
        refresh_modules(list(db.session.scalars(select(Module.id).where(Module.slug.in_(slugs)))))


def init_app(app: Flask) -> None:
    init_operations(app)

    @app.cli.command("db-upgrade")
    def db_upgrade() -> None:
        """Apply the database migrations up to the newest."""
        migrate.upgrade(current_app.config["DATABASE_URL"])
        click.echo("Database is up to date.")

    @app.cli.command("import-courses")
    @click.argument("directory", required=False, type=click.Path(file_okay=False))
    @click.option(
        "--overwrite-web-edits",
        is_flag=True,
        help="Replace modules whose newer version was published in the web editor.",
    )
    def import_courses_command(directory: str | None, overwrite_web_edits: bool) -> None:
        """Validate and import the course files (default: courses/); all or nothing."""
        from learnapp.content.importer import import_courses
        from learnapp.content.sources import ContentError

        root = Path(directory) if directory else Path(current_app.config["COURSES_DIR"])
        try:
            report = import_courses(
                root,
                Path(current_app.instance_path) / "media",
                overwrite_web_edits=overwrite_web_edits,
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

    @app.cli.command("export-courses")
    @click.argument("directory", required=False, type=click.Path(file_okay=False))
    @click.option("--module", "slugs", multiple=True, help="Only this module (repeatable).")
    def export_courses_command(directory: str | None, slugs: tuple[str, ...]) -> None:
        """Write published modules as course files (default: courses/), byte-stable."""
        from learnapp.content.export import export_modules

        root = Path(directory) if directory else Path(current_app.config["COURSES_DIR"])
        written = export_modules(root, Path(current_app.instance_path) / "media", list(slugs))
        for slug, count in written.items():
            click.echo(f"{slug}: {count} files")

    @app.cli.command("rebuild-progress")
    def rebuild_progress_command() -> None:
        """Recompute the per-module progress rows the reports read (after a bulk load)."""
        from learnapp.learn.progress import rebuild

        rows = rebuild()
        db.session.commit()
        db.refresh_statistics()
        click.echo(f"{rows} learner-module rows")

    @app.cli.command("create-user")
    @click.argument("username")
    @click.option("--name", "full_name", required=True, help="Full name as it appears on reports.")
    @click.option(
        "--area",
        "area_path",
        required=True,
        help="Where the person works, e.g. 'Tuyên Quang/Sơn Dương/Kháng Nhật/Lềm'.",
    )
    @click.option(
        "--role",
        "roles",
        multiple=True,
        help="ROLE or ROLE:AREA-PATH; repeatable. Default: learner in --area.",
    )
    @click.option(
        "--phone", default=None, help="Vietnamese mobile number; lets the person sign in with it."
    )
    @click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
    @click.option(
        "--must-change/--no-must-change",
        default=True,
        help="Ask for a new password at first sign-in.",
    )
    def create_user_command(
        username, full_name, area_path, roles, phone, password, must_change
    ) -> None:
        """Create a real account (the demo accounts come from `flask demo`)."""
        from learnapp.auth.services import create_user

        area = _area_by_path(area_path)
        grants = []
        for spec in roles or ("learner",):
            role_name, _, scope_path = spec.partition(":")
            try:
                role = Role(role_name.strip())
            except ValueError as exc:
                raise click.BadParameter(
                    f"unknown role {role_name!r}; use one of {[r.value for r in Role]}"
                ) from exc
            grants.append((role, _area_by_path(scope_path) if scope_path else area))
        try:
            user = create_user(
                username=username,
                full_name=full_name,
                password=password,
                area=area,
                roles=grants,
                phone=phone,
                must_change_password=must_change,
            )
        except DomainError as exc:
            db.session.rollback()
            from flask_babel import force_locale

            from learnapp.auth.forms import ERROR_MESSAGES

            # The service raises a code; the operator reads the sentence the web form shows.
            with force_locale("en"):
                reason = str(ERROR_MESSAGES.get(str(exc), exc))
            raise click.ClickException(f"account not created: {reason}") from exc
        db.session.commit()
        click.echo(
            f"Created {user.username} ({', '.join(r.value for r, _ in grants)}) in {area.name}."
        )

    @app.cli.command("demo")
    @click.option(
        "--learners",
        type=click.IntRange(min=0, max=9_999_999),
        default=0,
        show_default=True,
        help="Also generate a large province with this many learners and their progress "
        "(needs imported courses; 0: the small demo only).",
    )
    @click.option(
        "--skip-if-real",
        is_flag=True,
        help="On a database with real accounts, say so and succeed without seeding "
        "(what `make run` uses); without it such a database is an error.",
    )
    def demo_command(learners: int, skip_if_real: bool) -> None:
        """Build the demo province and accounts (idempotent; refuses a real database)."""
        import time

        from learnapp.demo import DEMO_PASSWORD, DemoRefused, seed_demo, seed_demo_assignments
        from learnapp.demo_large import NoCourses, require_courses, seed_large

        if current_app.config["ENV"] == "production":
            # The demo accounts share a password printed in the README.
            raise click.ClickException(
                "the demo never runs with LEARNAPP_ENV=production: its accounts share "
                "a published password; use `flask create-user` for real accounts"
            )
        if learners:
            try:
                require_courses()
            except NoCourses as exc:
                raise click.ClickException(
                    "no published module: run `flask import-courses` first; "
                    "the large demo needs courses to make progress in"
                ) from exc
        try:
            accounts = seed_demo()
            required = seed_demo_assignments()
        except DemoRefused as exc:
            db.session.rollback()
            if skip_if_real:
                click.echo("Real accounts found: the demo is left out and nothing was changed.")
                return
            raise click.ClickException(
                "this database holds accounts the demo did not create; "
                "the demo will not mix with them"
            ) from exc
        db.session.commit()
        click.echo(f"Demo accounts (password '{DEMO_PASSWORD}', for trying the site only):")
        for username, roles, where in accounts[:6]:
            click.echo(f"  {username:<10} {roles:<20} {where}")
        click.echo(f"  ... and {len(accounts) - 6} village secretaries (secretary01, ...)")
        for slug, area, due_on in required:
            click.echo(f"Required: {slug} in {area}, due {due_on.isoformat()}")
        if not learners:
            return
        started = time.perf_counter()
        counts = seed_large(learners)
        db.session.commit()
        db.refresh_statistics()
        if counts["skipped"]:
            click.echo(
                f"Large demo already present ({counts['existing_learners']} learners); "
                "nothing added."
            )
            return
        click.echo(f"Large demo generated in {time.perf_counter() - started:.1f}s:")
        click.echo(
            f"  areas            {counts['areas']:>9,} ({counts['districts']} districts, "
            f"{counts['communes']} communes, {counts['villages']} villages)"
        )
        click.echo(f"  learners         {counts['learners']:>9,} (tq000001, ...; same password)")
        for key in ("lesson_progress", "attempts", "certificates", "assignments"):
            click.echo(f"  {key:<16} {counts[key]:>9,}")


def init_operations(app: Flask) -> None:
    """Backups, restores and the daily job: commands an operator schedules or runs by hand."""

    @app.cli.command("backup")
    @click.argument("directory", type=click.Path(file_okay=False))
    @click.option(
        "--keep",
        type=click.IntRange(min=1),
        default=None,
        help="Afterwards remove all but the newest N backups in DIRECTORY.",
    )
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

    @app.cli.command("restore")
    @click.argument("folder", type=click.Path(file_okay=False, exists=True))
    @click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
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

    @app.cli.command("daily")
    def daily_command() -> None:
        """Run the daily housekeeping (schedule it once a day; safe to run more often)."""
        from learnapp import daily

        lines = daily.run()
        db.session.commit()
        for line in lines:
            click.echo(line)
