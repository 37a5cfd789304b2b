"""Flask commands: thin wrappers over the services, one module per subject.

Each command is a module-level click command, so a test can import it and run it
alone (`app.test_cli_runner().invoke(command, [...])`); `init_app` registers them all.
"""

from __future__ import annotations

import click
from flask import Flask

from learnapp.cli.accounts import create_user_command
from learnapp.cli.courses import (
    export_courses_command,
    import_courses_command,
    rebuild_progress_command,
)
from learnapp.cli.database import db_upgrade_command
from learnapp.cli.demo import demo_command
from learnapp.cli.notify import notifications_outbox_command, send_notifications_command
from learnapp.cli.operations import backup_command, daily_command, restore_command

COMMANDS: tuple[click.Command, ...] = (
    db_upgrade_command,
    import_courses_command,
    export_courses_command,
    rebuild_progress_command,
    create_user_command,
    demo_command,
    backup_command,
    restore_command,
    daily_command,
    send_notifications_command,
    notifications_outbox_command,
)


def init_app(app: Flask) -> None:
    for command in COMMANDS:
        app.cli.add_command(command)
