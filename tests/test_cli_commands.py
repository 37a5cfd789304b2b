"""Is every command a module-level object that a test can run alone?"""

from __future__ import annotations

import click
from sqlalchemy import select

from learnapp import db
from learnapp.cli import COMMANDS
from learnapp.cli.accounts import create_user_command
from learnapp.cli.courses import rebuild_progress_command
from learnapp.models import User


def test_does_the_app_register_each_command_under_its_own_name(app):
    registered = app.cli.commands
    assert {command.name for command in COMMANDS} <= set(registered)
    for command in COMMANDS:
        assert isinstance(command, click.Command)
        assert registered[command.name] is command
        assert command.help, f"{command.name} has no help text"


def test_does_a_command_run_alone_when_given_as_an_object(app):
    result = app.test_cli_runner().invoke(rebuild_progress_command)

    assert result.exit_code == 0, result.output
    assert "learner-module rows" in result.output


def test_does_create_user_run_alone_and_refuse_an_unknown_area(demo):
    app = demo
    runner = app.test_cli_runner()
    common = ["--name", "Hoàng Văn Tư", "--password", "a-real-password"]

    refused = runner.invoke(create_user_command, ["tu", "--area", "Nowhere", *common])
    made = runner.invoke(create_user_command, ["tu", "--area", "Tuyên Quang", *common])

    assert refused.exit_code != 0 and "no single area named 'Nowhere'" in refused.output
    assert made.exit_code == 0, made.output
    with app.app_context():
        assert db.session.scalar(select(User.full_name).where(User.username == "tu")) == (
            "Hoàng Văn Tư"
        )
