"""Two senders at once (a cron run overlapping the Huey worker, or two timers): every
message reaches the gateway exactly once, on whichever database the suite runs on."""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from sqlalchemy import select

from learnapp import db
from learnapp.models import User
from learnapp.notify import planning, sender
from learnapp.notify.models import Channel, Status
from tests.notify_support import (  # noqa: F401  (the fixture)
    FakeGateway,
    _clock_back_to_the_system,
    outbox,
    set_up_world,
)

pytestmark = [pytest.mark.serial, pytest.mark.usefixtures("demo")]


def test_do_two_senders_running_together_send_each_message_once(app, tmp_path):
    gateway = FakeGateway()
    try:
        app.config.update(
            {
                "NOTIFY_CHANNELS": "sms",
                "NOTIFY_SMS_URL": gateway.url,
                "NOTIFY_WEEKLY_CAP": "10",
            }
        )
        set_up_world(app, tmp_path, due_in_days=0)
        with app.app_context():
            for n, user in enumerate(db.session.scalars(select(User).order_by(User.id))):
                user.phone = f"09120{n:05d}"
            db.session.commit()
            planning.plan()
            db.session.commit()
        planned = outbox(app, channel=Channel.SMS)
        assert len(planned) >= 10
        barrier = threading.Barrier(2)
        errors: list[BaseException] = []

        def run() -> None:
            try:
                with app.app_context():
                    barrier.wait()
                    sender.send_due()
                    db.session.remove()
            except BaseException as exc:  # noqa: BLE001  (reported below)
                errors.append(exc)

        threads = [threading.Thread(target=run) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        assert not errors, errors
        per_message = Counter(r["json"]["RequestId"] for r in gateway.requests)
        assert set(per_message.values()) == {1}
        assert set(per_message) == {str(r.id) for r in planned}
        assert {r.status for r in outbox(app, channel=Channel.SMS)} == {Status.SENT}
    finally:
        gateway.close()
