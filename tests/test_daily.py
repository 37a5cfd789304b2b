"""The daily job: failed sign-in records are kept for a set number of days, then removed."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from learnapp import daily, db
from learnapp.models import AuditEvent

NOW = datetime(2026, 12, 4, 3, 0)


def add_events(app) -> None:
    with app.app_context():
        for days, action in [
            (200, "sign_in_failed"),
            (91, "sign_in_failed"),
            (89, "sign_in_failed"),
            (1, "sign_in_failed"),
            (200, "sign_in"),
            (200, "password_reset"),
        ]:
            db.session.add(AuditEvent(action=action, at=NOW - timedelta(days=days), detail=action))
        db.session.commit()


def remaining(app) -> list[tuple[str, int]]:
    with app.app_context():
        return sorted(
            (event.action, (NOW - event.at).days)
            for event in db.session.scalars(select(AuditEvent))
        )


def test_are_failed_sign_ins_older_than_90_days_removed_and_everything_else_kept(app):
    assert app.config["FAILED_SIGNIN_RETENTION_DAYS"] == 90
    add_events(app)
    with app.app_context():
        lines = daily.run(now=NOW)
        db.session.commit()
    assert lines == [
        "failed sign-ins older than 90 days removed: 2",
        "report roll-ups recomputed for 0 areas",
        "report exports older than a day removed: 0",
        "unconfirmed import previews removed: 0",
    ]
    assert remaining(app) == [
        ("password_reset", 200),
        ("sign_in", 200),
        ("sign_in_failed", 1),
        ("sign_in_failed", 89),
    ]


def test_does_the_retention_setting_change_how_long_they_are_kept(app):
    app.config["FAILED_SIGNIN_RETENTION_DAYS"] = 7
    add_events(app)
    with app.app_context():
        daily.run(now=NOW)
        db.session.commit()
    assert [r for r in remaining(app) if r[0] == "sign_in_failed"] == [("sign_in_failed", 1)]


def test_is_the_retention_read_from_the_environment(monkeypatch):
    from learnapp import config

    monkeypatch.setenv("LEARNAPP_FAILED_SIGNIN_RETENTION_DAYS", "30")
    assert config.load({"SECRET_KEY": "x"})["FAILED_SIGNIN_RETENTION_DAYS"] == 30


def test_does_running_the_daily_job_twice_change_nothing_more(app):
    add_events(app)
    with app.app_context():
        daily.run(now=NOW)
        db.session.commit()
        second = daily.run(now=NOW)
        db.session.commit()
    assert second[0] == "failed sign-ins older than 90 days removed: 0"


def test_does_flask_daily_run_the_job_and_say_what_it_did(app):
    with app.app_context():
        db.session.add(AuditEvent(action="sign_in_failed", at=datetime.now() - timedelta(days=400)))
        db.session.commit()
    result = app.test_cli_runner().invoke(args=["daily"])
    assert result.exit_code == 0, result.output
    assert "failed sign-ins older than 90 days removed: 1" in result.output
    assert remaining(app) == []
