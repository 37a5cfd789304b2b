"""Planning the outbox: which reminders, when, in whose language, and never twice."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from learnapp import db
from learnapp.models import Assignment, Certificate, Module, User
from learnapp.notify import planning, rules
from learnapp.notify.messages import compose, fits_one_sms, strip_marks
from learnapp.notify.models import Channel, Kind, NotificationSetting
from learnapp.notify.phones import to_e164
from tests.notify_support import (  # noqa: F401  (the fixture)
    TUESDAY_9AM,
    _clock_back_to_the_system,
    outbox,
    set_up_world,
    vn,
)

pytestmark = pytest.mark.usefixtures("demo")

SMS_ONLY = {"NOTIFY_CHANNELS": "sms,print"}


def plan(app) -> planning.PlanReport:
    with app.app_context():
        report = planning.plan()
        db.session.commit()
        return report


@pytest.mark.parametrize("kind", list(Kind))
@pytest.mark.parametrize("locale", ["vi", "en"])
def test_does_every_message_fit_one_sms_even_with_a_long_title(app, kind, locale):
    title = "Chống tin giả, tin xấu độc trên không gian mạng cho bí thư chi bộ thôn bản " * 2
    link = "https://daotao.tuyenquang.dcs.vn/m/countering-misinformation-online-2026"
    with app.test_request_context():
        sms = compose(
            kind,
            locale,
            Channel.SMS,
            title=title,
            link=link,
            due_on=vn(TUESDAY_9AM),
            done=12,
            overdue=340,
            calls=25,
        )
        zalo = compose(kind, locale, Channel.ZALO, title=title, link=link, due_on=vn(TUESDAY_9AM))
    assert sms.isascii() and len(sms) <= 160 and fits_one_sms(sms)
    assert sms.endswith(link) and link in zalo
    assert len(strip_marks(zalo)) <= 160


def test_is_a_vietnamese_message_vietnamese_and_an_english_one_english(app):
    with app.test_request_context():
        vi = compose(Kind.DUE_TODAY, "vi", Channel.ZALO, title="Họp chi bộ", link="L")
        en = compose(Kind.DUE_TODAY, "en", Channel.ZALO, title="Cell meetings", link="L")
    assert "Hôm nay" in vi and "Today" in en


def test_are_phone_numbers_checked_by_libphonenumber():
    assert to_e164("0912 000 001") == "+84912000001"
    assert to_e164("+84 912000001") == "+84912000001"
    assert to_e164("0012345678") is None
    assert to_e164("hello") is None
    assert to_e164(None) is None


def test_is_due_soon_planned_seven_days_before_and_not_eight(app, tmp_path):
    app.config.update(SMS_ONLY)
    fixed = set_up_world(app, tmp_path, due_in_days=8)
    plan(app)
    assert outbox(app, kind=Kind.DUE_SOON) == []
    fixed.advance(days=1)
    plan(app)
    rows = outbox(app, username="learner", kind=Kind.DUE_SOON)
    assert [(r.channel, r.address) for r in rows] == [(Channel.SMS, "+84912000001")]
    assert "/m/test-module" in rows[0].link and rows[0].body.endswith(rows[0].link)


def test_does_planning_twice_add_nothing_new(app, tmp_path):
    app.config.update(SMS_ONLY)
    set_up_world(app, tmp_path, due_in_days=3)
    first = plan(app)
    assert first.added["due_soon"] > 0
    second = plan(app)
    assert sum(second.added.values()) == 0


def test_due_today_then_overdue_the_day_after_and_then_weekly(app, tmp_path):
    app.config.update(SMS_ONLY)
    fixed = set_up_world(app, tmp_path, due_in_days=0)
    plan(app)
    assert [r.kind for r in outbox(app, username="learner")] == [Kind.DUE_TODAY]
    kinds_by_day = []
    for _day in range(15):
        fixed.advance(days=1)
        plan(app)
        kinds_by_day.append(len(outbox(app, username="learner", kind=Kind.OVERDUE)))
    # Day 1 after the date, then days 8 and 15.
    assert kinds_by_day == [1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 3]


def test_does_a_learner_with_the_certificate_get_nothing(app, tmp_path):
    app.config.update(SMS_ONLY)
    set_up_world(app, tmp_path, due_in_days=0)
    with app.app_context():
        learner = db.session.scalar(select(User).where(User.username == "learner"))
        module = db.session.scalar(select(Module))
        db.session.add(Certificate(code="TESTCODE", user_id=learner.id, module_id=module.id))
        db.session.commit()
    plan(app)
    assert outbox(app, username="learner") == []
    assert outbox(app, username="learner2") != []


def test_is_a_new_requirement_announced_once_in_the_persons_language(app, tmp_path):
    app.config.update(SMS_ONLY)
    set_up_world(app, tmp_path, due_in_days=30)
    with app.app_context():
        db.session.execute(Assignment.__table__.update().values(created_at=TUESDAY_9AM))
        db.session.scalar(select(User).where(User.username == "learner")).locale = "en"
        db.session.commit()
    plan(app)
    plan(app)
    rows = outbox(app, username="learner")
    assert [r.kind for r in rows] == [Kind.NEW_REQUIRED]
    assert rows[0].locale == "en" and rows[0].body.startswith("New required module: Test module")
    assert outbox(app, username="learner2")[0].body.startswith("Hoc phan bat buoc moi")


def test_is_someone_no_channel_reaches_put_on_the_printed_list(app, tmp_path):
    app.config.update(SMS_ONLY)
    set_up_world(app, tmp_path, due_in_days=0)
    plan(app)
    # secretary01 has no phone number.
    assert [r.channel for r in outbox(app, username="secretary01")] == [Channel.PRINT]


def test_does_an_opt_out_stop_planning_on_that_channel_only(app, tmp_path):
    app.config.update({"NOTIFY_CHANNELS": "sms,email,print"})
    set_up_world(app, tmp_path, due_in_days=0)
    with app.app_context():
        learner = db.session.scalar(select(User).where(User.username == "learner"))
        db.session.add(NotificationSetting(user_id=learner.id, email="an@example.vn", sms_off=True))
        db.session.commit()
    plan(app)
    assert [(r.channel, r.address) for r in outbox(app, username="learner")] == [
        (Channel.EMAIL, "an@example.vn")
    ]


def test_does_a_committee_member_get_a_weekly_digest_of_their_area(app, tmp_path):
    app.config.update({"NOTIFY_CHANNELS": "email,print"})
    fixed = set_up_world(app, tmp_path, due_in_days=-20)
    with app.app_context():
        committee = db.session.scalar(select(User).where(User.username == "committee"))
        db.session.add(NotificationSetting(user_id=committee.id, email="c@example.vn"))
        db.session.commit()
    plan(app)
    digests = outbox(app, username="committee", kind=Kind.DIGEST)
    assert len(digests) == 1
    body = digests[0].body
    # Kháng Nhật has three villages, one secretary each, all 20 days late (> 14): to call.
    assert "Kháng Nhật tuần này: 0 hoàn thành, 3 quá hạn, 3 cần gọi" in body
    assert f"/calls/{digests[0].area_id}" in body
    fixed.advance(days=3)
    plan(app)
    assert len(outbox(app, username="committee", kind=Kind.DIGEST)) == 1
    fixed.advance(days=4)
    plan(app)
    assert len(outbox(app, username="committee", kind=Kind.DIGEST)) == 2


def test_is_the_digest_sent_once_at_the_start_of_the_week_whatever_day_sending_began(app, tmp_path):
    app.config.update({"NOTIFY_CHANNELS": "email,print"})
    # Sunday 13 December 2026, 09:00 in Vietnam: the last day of an ISO week.
    fixed = set_up_world(app, tmp_path, due_in_days=-20, at=datetime(2026, 12, 13, 2, 0))
    with app.app_context():
        committee = db.session.scalar(select(User).where(User.username == "committee"))
        db.session.add(NotificationSetting(user_id=committee.id, email="c@example.vn"))
        db.session.commit()
    sent_on = []
    for _day in range(10):  # Sunday to the Tuesday a week later
        before = len(outbox(app, username="committee", kind=Kind.DIGEST))
        plan(app)
        if len(outbox(app, username="committee", kind=Kind.DIGEST)) > before:
            sent_on.append(fixed.now().strftime("%a %d"))
        fixed.advance(days=1)
    assert sent_on == ["Mon 14", "Mon 21"]


def test_does_escalation_wait_for_the_assignments_own_number_of_days(app, tmp_path):
    fixed = set_up_world(app, tmp_path, due_in_days=-5)
    with app.app_context():
        db.session.execute(Assignment.__table__.update().values(escalate_after_days=6))
        db.session.commit()
        area = db.session.scalar(select(User).where(User.username == "committee")).grants[0].area
        today = vn(fixed.now())
        assert db.session.execute(rules.escalated(area.id, today)).all() == []
        late = db.session.execute(rules.escalated(area.id, today + timedelta(days=1))).all()
        assert len(late) == 3


def test_when_planning_starts_late_is_the_next_overdue_reminder_a_week_after_the_first(
    app, tmp_path
):
    app.config.update(SMS_ONLY)
    fixed = set_up_world(app, tmp_path, due_in_days=-7)
    counts = []
    for _day in range(8):
        plan(app)
        counts.append(len(outbox(app, username="learner", kind=Kind.OVERDUE)))
        fixed.advance(days=1)
    assert counts == [1, 1, 1, 1, 1, 1, 1, 2]


def test_is_one_event_one_message_on_the_first_channel_that_reaches_the_person(app, tmp_path):
    app.config.update({"NOTIFY_CHANNELS": "zalo,sms,print"})
    set_up_world(app, tmp_path, due_in_days=0)
    plan(app)
    assert [r.channel for r in outbox(app, username="learner")] == [Channel.ZALO]


def test_is_an_event_not_told_again_on_another_channel_after_an_opt_out(app, tmp_path):
    app.config.update({"NOTIFY_CHANNELS": "sms,email,print"})
    set_up_world(app, tmp_path, due_in_days=0)
    plan(app)
    with app.app_context():
        learner = db.session.scalar(select(User).where(User.username == "learner"))
        db.session.add(NotificationSetting(user_id=learner.id, email="an@example.vn", sms_off=True))
        db.session.commit()
    plan(app)
    assert [r.channel for r in outbox(app, username="learner")] == [Channel.SMS]


def test_does_a_new_module_due_within_a_week_get_its_news_then_its_due_day(app, tmp_path):
    app.config.update(SMS_ONLY)
    fixed = set_up_world(app, tmp_path, due_in_days=3)
    with app.app_context():
        db.session.execute(Assignment.__table__.update().values(created_at=TUESDAY_9AM))
        db.session.commit()
    for _day in range(4):
        plan(app)
        fixed.advance(days=1)
    kinds = [r.kind for r in outbox(app, username="learner")]
    assert kinds == [Kind.NEW_REQUIRED, Kind.DUE_TODAY]
