"""Notifications: the sender for cron or a systemd timer, and a look at the outbox."""

from __future__ import annotations

from datetime import timedelta

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from learnapp import db


@click.command("send-notifications")
@with_appcontext
def send_notifications_command() -> None:
    """Plan today's reminders and digests, then send what is due (safe every few minutes)."""
    from learnapp.notify import sender

    planned, sent = sender.run()
    click.echo(planned)
    click.echo(sent)


@click.command("notifications-outbox")
@click.option("--area", "area_name", required=True, help="Area name, e.g. 'Tân Thanh'.")
@click.option("--days", type=click.IntRange(1, 366), default=7, show_default=True)
@with_appcontext
def notifications_outbox_command(area_name: str, days: int) -> None:
    """Print the outbox rows of the last DAYS for the people of an area (and below)."""
    from learnapp.models import Area, User
    from learnapp.models.base import VIETNAM_OFFSET
    from learnapp.notify import clock
    from learnapp.notify.models import Notification
    from learnapp.org.scope import subtree_ids

    area = db.session.scalar(select(Area).where(Area.name == area_name).order_by(Area.depth))
    if area is None:
        raise click.ClickException(f"No area named {area_name!r}.")
    since = clock.now() - timedelta(days=days)
    rows = db.session.execute(
        select(Notification, User.username)
        .join(User, User.id == Notification.user_id)
        .where(
            (User.area_id.in_(subtree_ids(area.id))) | (Notification.area_id == area.id),
            Notification.created_at >= since,
        )
        .order_by(Notification.created_at, Notification.id)
    ).all()

    def local(moment) -> str:  # noqa: ANN001
        return (moment + VIETNAM_OFFSET).strftime("%a %d/%m %H:%M") if moment else ""

    click.echo("| created (VN) | to | kind | channel | status | sent (VN) | len | body |")
    click.echo("|---|---|---|---|---|---|---|---|")
    for note, username in rows:
        click.echo(
            f"| {local(note.created_at)} | {username} | {note.kind.value} | "
            f"{note.channel.value} | {note.status.value} | {local(note.sent_at)} | "
            f"{len(note.body)} | {note.body} |"
        )
