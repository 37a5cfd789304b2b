"""Each channel end to end against a local fake of its server, and the sender's rules:
retries with backoff, dead letters, opt-out, quiet hours, the weekly cap, claims."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select, update

from learnapp import db
from learnapp.models import User
from learnapp.notify import planning, sender
from learnapp.notify.models import Channel, Kind, Notification, NotificationSetting, Status
from tests.notify_support import (  # noqa: F401  (the fixture)
    TUESDAY_9AM,
    FakeGateway,
    _clock_back_to_the_system,
    closed_port_url,
    free_port,
    outbox,
    set_up_world,
)

pytestmark = pytest.mark.usefixtures("demo")


@pytest.fixture
def gateway():
    fake = FakeGateway()
    yield fake
    fake.close()


def sms_settings(url: str, **extra) -> dict:
    return {
        "NOTIFY_CHANNELS": "sms,print",
        "NOTIFY_SMS_URL": url,
        "NOTIFY_SMS_API_KEY": "key-1",
        "NOTIFY_SMS_SECRET_KEY": "secret-1",
        "NOTIFY_SMS_BRANDNAME": "TINH UY TQ",
        "NOTIFY_TIMEOUT_SECONDS": "1",
        **extra,
    }


def cycle(app):
    with app.app_context():
        planning.plan()
        db.session.commit()
        return sender.send_due()


def learner_sms(app) -> Notification:
    # The first one: a later day plans the next reminder too.
    return outbox(app, username="learner", channel=Channel.SMS)[0]


def test_does_an_sms_reach_the_gateway_with_brand_name_and_phone(app, tmp_path, gateway):
    app.config.update(sms_settings(gateway.url))
    set_up_world(app, tmp_path, due_in_days=0)
    report = cycle(app)
    shapes = [r["json"] for r in gateway.requests]
    mine = [s for s in shapes if s["Phone"] == "84912000001"]
    assert len(mine) == 1
    assert mine[0]["Brandname"] == "TINH UY TQ" and mine[0]["ApiKey"] == "key-1"
    assert mine[0]["Content"].startswith("Hom nay la han cuoi hoc")
    assert len(mine[0]["Content"]) <= 160 and mine[0]["Content"].isascii()
    row = learner_sms(app)
    assert (row.status, row.attempts, mine[0]["RequestId"]) == (Status.SENT, 1, str(row.id))
    printed = outbox(app, channel=Channel.PRINT)
    assert len(gateway.requests) == 2  # the two secretaries with a phone number
    assert report.outcomes["sent"] == len(gateway.requests) + len(printed)


def test_is_a_gateway_error_retried_with_growing_waits_then_sent(app, tmp_path, gateway):
    app.config.update(sms_settings(gateway.url, NOTIFY_BACKOFF_SECONDS="60"))
    app.config["NOTIFY_CHANNELS"] = "sms"
    fixed = set_up_world(app, tmp_path, due_in_days=0)
    gateway.script = [(503, {}), (503, {}), (503, {})]  # learner then learner2, then learner
    cycle(app)
    row = learner_sms(app)
    assert (row.status, row.attempts) == (Status.PENDING, 1)
    assert row.next_attempt_at == TUESDAY_9AM + timedelta(seconds=60)
    fixed.advance(seconds=59)
    cycle(app)
    assert learner_sms(app).attempts == 1  # not yet
    fixed.advance(seconds=1)
    gateway.script = [(503, {})]
    cycle(app)
    row = learner_sms(app)
    assert (row.status, row.attempts) == (Status.PENDING, 2)
    assert row.next_attempt_at == fixed.now() + timedelta(seconds=120)
    fixed.advance(seconds=120)
    cycle(app)
    assert (learner_sms(app).status, learner_sms(app).attempts) == (Status.SENT, 3)


def test_does_a_message_go_to_the_dead_letters_after_the_last_try(app, tmp_path):
    app.config.update(sms_settings(closed_port_url(), NOTIFY_MAX_ATTEMPTS="2"))
    fixed = set_up_world(app, tmp_path, due_in_days=0)
    cycle(app)
    assert learner_sms(app).status is Status.PENDING
    fixed.advance(hours=1)
    cycle(app)
    row = learner_sms(app)
    assert row.status is Status.DEAD and "gave up after 2 tries" in row.last_error


def test_is_a_refusal_dead_at_once(app, tmp_path, gateway):
    app.config.update(sms_settings(gateway.url))
    set_up_world(app, tmp_path, due_in_days=0)
    gateway.default = (200, {"CodeResult": "104", "ErrorMessage": "Brandname not registered"})
    cycle(app)
    row = learner_sms(app)
    assert (row.status, row.attempts) == (Status.DEAD, 1)
    assert "104" in row.last_error


def test_is_a_message_without_an_answer_dead_and_not_sent_again(app, tmp_path, gateway):
    app.config.update(sms_settings(gateway.url))
    fixed = set_up_world(app, tmp_path, due_in_days=0)
    gateway.default = "hang"
    cycle(app)
    row = learner_sms(app)
    assert row.status is Status.DEAD and "UnknownOutcome" in row.last_error
    sent = len(gateway.requests)
    fixed.advance(days=1)
    gateway.default = (200, {"CodeResult": "100"})
    cycle(app)
    assert learner_sms(app).status is Status.DEAD
    assert len([r for r in gateway.requests[sent:] if r["json"]["RequestId"] == str(row.id)]) == 0


def test_does_a_zalo_message_carry_the_token_template_and_link(app, tmp_path, gateway):
    app.config.update(
        {
            "NOTIFY_CHANNELS": "zalo",
            "NOTIFY_ZALO_URL": gateway.url,
            "NOTIFY_ZALO_ACCESS_TOKEN": "zns-token",
            "NOTIFY_ZALO_TEMPLATE_ID": "231000",
        }
    )
    set_up_world(app, tmp_path, due_in_days=0)
    gateway.default = (200, {"error": 0, "message": "Success"})
    gateway.script = [(200, {"error": -124, "message": "Invalid access token"})]
    cycle(app)
    first, second = gateway.requests[:2]
    assert first["headers"]["access_token"] == "zns-token"
    assert first["json"]["template_id"] == "231000"
    assert first["json"]["phone"] in ("84912000001", "84912000002")
    assert first["json"]["template_data"]["link"].endswith("/m/test-module")
    assert "Hôm nay" in second["json"]["template_data"]["message"]  # marks kept off SMS
    statuses = sorted(r.status.value for r in outbox(app, channel=Channel.ZALO))
    assert statuses == ["dead", "sent"]


class Inbox:
    def __init__(self) -> None:
        self.mails: list = []
        self.refuse = False

    async def handle_RCPT(self, server, session, envelope, address, options):  # noqa: N802
        if self.refuse:
            return "550 no such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        self.mails.append(envelope)
        return "250 Message accepted"


@pytest.fixture
def smtp():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield inbox, controller.port
    controller.stop()


def email_world(app, tmp_path, port: int):
    app.config.update(
        {
            "NOTIFY_CHANNELS": "email",
            "NOTIFY_SMTP_HOST": "127.0.0.1",
            "NOTIFY_SMTP_PORT": str(port),
            "NOTIFY_SMTP_FROM": "daotao@tuyenquang.example",
        }
    )
    fixed = set_up_world(app, tmp_path, due_in_days=0)
    with app.app_context():
        learner = db.session.scalar(select(User).where(User.username == "learner"))
        learner.locale = "en"
        db.session.add(NotificationSetting(user_id=learner.id, email="an@example.vn"))
        db.session.commit()
    return fixed


def test_does_an_email_reach_the_smtp_server_in_the_persons_language(app, tmp_path, smtp):
    inbox, port = smtp
    email_world(app, tmp_path, port)
    cycle(app)
    (mail,) = inbox.mails
    assert mail.rcpt_tos == ["an@example.vn"]
    text = mail.content.decode()
    assert "Subject: Cell secretary training" in text
    assert "Today is the last day for Test module" in text
    assert outbox(app, channel=Channel.EMAIL)[0].status is Status.SENT


def test_is_a_refused_recipient_dead_and_an_absent_server_retried(app, tmp_path, smtp):
    inbox, port = smtp
    inbox.refuse = True
    email_world(app, tmp_path, port)
    cycle(app)
    assert outbox(app, channel=Channel.EMAIL)[0].status is Status.DEAD
    app.config["NOTIFY_SMTP_PORT"] = str(free_port())
    with app.app_context():
        sender.resend(db.session.get(Notification, outbox(app, channel=Channel.EMAIL)[0].id))
        db.session.commit()
        sender.send_due()
    row = outbox(app, channel=Channel.EMAIL)[0]
    assert (row.status, row.attempts) == (Status.PENDING, 1)


def test_is_the_printed_list_sent_without_a_server(app, tmp_path):
    app.config.update({"NOTIFY_CHANNELS": "print"})
    set_up_world(app, tmp_path, due_in_days=0)
    cycle(app)
    rows = outbox(app, username="secretary01")
    assert [(r.channel, r.status) for r in rows] == [(Channel.PRINT, Status.SENT)]


def test_is_a_message_to_someone_who_opted_out_since_not_sent(app, tmp_path, gateway):
    app.config.update(sms_settings(gateway.url))
    set_up_world(app, tmp_path, due_in_days=0)
    with app.app_context():
        planning.plan()
        learner = db.session.scalar(select(User).where(User.username == "learner"))
        db.session.add(NotificationSetting(user_id=learner.id, sms_off=True))
        db.session.commit()
        sender.send_due()
    row = learner_sms(app)
    assert (row.status, row.last_error) == (Status.SKIPPED, "opted out")
    assert all(r["json"]["Phone"] != "84912000001" for r in gateway.requests)


@pytest.mark.parametrize(
    ("utc_hour", "held"),
    [(13, False), (14, True), (23, True), (0, False)],  # 20:00, 21:00, 06:00, 07:00 in Vietnam
)
def test_are_sms_held_during_the_quiet_hours(app, tmp_path, gateway, utc_hour, held):
    app.config.update(sms_settings(gateway.url))
    at = datetime(2026, 12, 8, utc_hour, 0) + (timedelta(days=1) if utc_hour < 7 else timedelta())
    fixed = set_up_world(app, tmp_path, due_in_days=0, at=at)
    cycle(app)
    row = learner_sms(app)
    if not held:
        assert row.status is Status.SENT
        return
    assert row.status is Status.PENDING and row.attempts == 0 and gateway.requests == []
    local_morning = row.next_attempt_at + timedelta(hours=7)
    assert (local_morning.hour, local_morning.minute) == (7, 0)
    assert row.next_attempt_at > fixed.now()
    fixed.at = row.next_attempt_at
    cycle(app)
    assert learner_sms(app).status is Status.SENT


def test_does_the_weekly_cap_stop_the_messages_past_it(app, tmp_path, gateway):
    app.config.update(sms_settings(gateway.url, NOTIFY_WEEKLY_CAP="2"))
    fixed = set_up_world(app, tmp_path, due_in_days=-1)
    for _week in range(3):
        cycle(app)
        fixed.advance(days=7)
    rows = outbox(app, username="learner", kind=Kind.OVERDUE)
    assert [r.status for r in rows] == [Status.SENT, Status.SENT, Status.SENT]
    # Three in two days exceeds two in a week.
    with app.app_context():
        db.session.execute(update(Notification).values(sent_at=fixed.now()))
        db.session.commit()
    fixed.advance(days=1)
    with app.app_context():
        db.session.add(
            Notification(
                user_id=rows[0].user_id,
                kind=Kind.OVERDUE,
                channel=Channel.SMS,
                event_key="extra",
                locale="vi",
                address="+84912000001",
                body="x",
                link="x",
                next_attempt_at=fixed.now(),
            )
        )
        db.session.commit()
        sender.send_due()
    extra = [r for r in outbox(app, username="learner") if r.event_key == "extra"][0]
    assert (extra.status, extra.last_error) == (Status.SKIPPED, "weekly cap reached")


def test_is_a_claim_never_reported_back_a_dead_letter(app, tmp_path, gateway):
    app.config.update(sms_settings(gateway.url))
    fixed = set_up_world(app, tmp_path, due_in_days=0)
    with app.app_context():
        planning.plan()
        db.session.commit()
        row = db.session.scalar(select(Notification).order_by(Notification.id))
        assert sender._claim(row.id) is not None
        assert sender._claim(row.id) is None  # a second sender cannot have it
    fixed.advance(minutes=16)
    with app.app_context():
        sender.send_due()
        row = db.session.get(Notification, row.id)
        assert row.status is Status.DEAD and "unknown" in row.last_error


def test_is_an_unforeseen_error_a_dead_letter_and_the_rest_still_sent(app, tmp_path, gateway):
    app.config.update(sms_settings(gateway.url))
    set_up_world(app, tmp_path, due_in_days=0)
    real = sender.transport_for
    calls = []

    def broken_first(channel):
        calls.append(channel)
        if len(calls) == 1:
            raise ValueError("a bug")
        return real(channel)

    with app.app_context():
        planning.plan()
        db.session.commit()
        sender.transport_for = broken_first
        try:
            sender.send_due()
        finally:
            sender.transport_for = real
    statuses = [r.status for r in outbox(app)]
    assert statuses[0] is Status.DEAD and "ValueError: a bug" in outbox(app)[0].last_error
    assert set(statuses[1:]) == {Status.SENT}
