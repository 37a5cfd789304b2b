"""The sender from cron (`flask send-notifications`), the same code under Huey, and the
outbox listing."""

from __future__ import annotations

import uuid

import pytest

from learnapp.cli.notify import notifications_outbox_command, send_notifications_command
from learnapp.notify.models import Channel, Kind, Status
from tests.notify_support import (  # noqa: F401  (the fixture)
    _clock_back_to_the_system,
    outbox,
    set_up_world,
)

pytestmark = pytest.mark.usefixtures("demo")


def test_does_the_command_plan_and_send_and_do_nothing_more_when_run_again(app, tmp_path):
    app.config.update({"NOTIFY_CHANNELS": "print"})
    set_up_world(app, tmp_path, due_in_days=0)
    runner = app.test_cli_runner()
    first = runner.invoke(send_notifications_command)
    assert first.exit_code == 0, first.output
    assert "planned " in first.output and "due_today:" in first.output
    sent = len(outbox(app, status=Status.SENT))
    assert sent > 0 and f"sent {sent} " in first.output
    again = runner.invoke(send_notifications_command)
    assert again.output.splitlines() == ["planned 0 (nothing new)", "sent 0 (nothing due)"]


def test_does_the_outbox_listing_show_an_areas_week(app, tmp_path):
    app.config.update({"NOTIFY_CHANNELS": "print"})
    set_up_world(app, tmp_path, due_in_days=0)
    runner = app.test_cli_runner()
    runner.invoke(send_notifications_command)
    result = runner.invoke(notifications_outbox_command, ["--area", "Kháng Nhật"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith("| created (VN) | to |")
    assert any("| learner | due_today | print | sent |" in line for line in lines)
    assert not any("learner2" in line for line in lines)
    missing = runner.invoke(notifications_outbox_command, ["--area", "Nowhere"])
    assert missing.exit_code != 0 and "No area named" in missing.output


def test_does_the_huey_task_run_the_same_sender(app, tmp_path, monkeypatch):
    from learnapp.notify import worker

    app.config.update({"NOTIFY_CHANNELS": "print"})
    set_up_world(app, tmp_path, due_in_days=0)
    monkeypatch.setattr(worker, "app_factory", lambda: app)
    # What the consumer does with the periodic task when its time comes.
    planned, sent = worker.huey.execute(worker.send_notifications.s())
    assert planned.startswith("planned ") and sent.startswith("sent ")
    assert {r.kind for r in outbox(app)} == {Kind.DUE_TODAY}
    assert {r.status for r in outbox(app, channel=Channel.PRINT)} == {Status.SENT}


def test_does_huey_keep_its_queue_in_redis_when_configured():
    import redis

    from learnapp.notify.worker import make_huey

    url = "redis://127.0.0.1:6379/0"
    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("no Redis on 127.0.0.1:6379")
    queue = make_huey(url, name=f"learnapp-test-{uuid.uuid4().hex}")
    try:
        task = queue.task()(lambda: "done")
        task()
        assert queue.pending_count() == 1
        assert queue.execute(queue.dequeue()) == "done"
        assert queue.pending_count() == 0
    finally:
        queue.flush()
        queue.storage.conn.delete(queue.storage.queue_key)
