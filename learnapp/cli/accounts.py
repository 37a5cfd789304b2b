"""`flask create-user`: real accounts from the command line."""

from __future__ import annotations

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from learnapp import db
from learnapp.errors import DomainError, message_for
from learnapp.models import Area, Role


def _area_by_path(path: str) -> Area:
    """Resolve "Tuyên Quang/Tân Thanh/Lềm" from the root down."""
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


@click.command("create-user")
@click.argument("username")
@click.option("--name", "full_name", required=True, help="Full name as it appears on reports.")
@click.option(
    "--area",
    "area_path",
    required=True,
    help="Where the person works, e.g. 'Tuyên Quang/Tân Thanh/Lềm'.",
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
@with_appcontext
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
            reason = message_for(exc, ERROR_MESSAGES)
        raise click.ClickException(f"account not created: {reason}") from exc
    db.session.commit()
    click.echo(f"Created {user.username} ({', '.join(r.value for r, _ in grants)}) in {area.name}.")
