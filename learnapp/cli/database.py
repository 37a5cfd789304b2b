"""`flask db-upgrade`."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from learnapp import db, migrate


@click.command("db-upgrade")
@with_appcontext
def db_upgrade_command() -> None:
    """Apply the database migrations up to the newest."""
    migrate.upgrade(current_app.config["DATABASE_URL"])
    from learnapp.learn import rollups

    # The migration that made the report roll-ups leaves them empty: fill them once here,
    # with the app's own definition of completion, so the reports are right at once.
    if rollups.are_missing(db.session()):
        areas = rollups.rebuild(db.session())
        db.session.commit()
        click.echo(f"Report roll-ups built for {areas} areas.")
    click.echo("Database is up to date.")
