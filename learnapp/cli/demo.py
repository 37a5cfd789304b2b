"""`flask demo`: the demo province and accounts, optionally a large generated one."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from learnapp import db


@click.command("demo")
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
@with_appcontext
def demo_command(learners: int, skip_if_real: bool) -> None:
    """Build the demo province and accounts (idempotent; refuses a real database)."""
    import time

    from learnapp.demo.large import NoCourses, require_courses, seed_large
    from learnapp.demo.province import (
        DEMO_PASSWORD,
        DemoRefused,
        seed_demo,
        seed_demo_assignments,
    )

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
            "this database holds accounts the demo did not create; the demo will not mix with them"
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
            f"Large demo already present ({counts['existing_learners']} learners); nothing added."
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
