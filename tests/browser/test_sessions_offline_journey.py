"""The register with no network, on a 360-px phone in Vietnamese: the trainer's phone
goes offline with the register open, two learners are marked and wait on the phone, the
network returns and they are sent once; the committee's dashboard shows the attendance,
and "online + attended" completes Hoàng Văn An, who had finished online.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from learnapp import db
from learnapp.models import AttendanceStatus, Requirement, SessionAttendance, SessionMarkReceipt
from tests.browser.conftest import fits_phone, sign_in
from tests.browser.test_sessions_journey import COMPLETED, expect, new_phone
from tests.reports_support import do_lessons
from tests.sessions_support import (
    SLUG,
    area,
    begin_now,
    import_module,
    require,
    schedule,
    user,
)

pytestmark = pytest.mark.browser


@pytest.fixture
def world(demo, tmp_path):
    import_module(demo, tmp_path)
    require(demo, Requirement.BOTH)
    with demo.app_context():
        do_lessons(user("learner"), SLUG)
        db.session.commit()
    return demo


def marks(app, session_id: int) -> dict[str, AttendanceStatus]:
    with app.app_context():
        rows = db.session.execute(
            select(SessionAttendance).where(SessionAttendance.session_id == session_id)
        ).scalars()
        return {row.user_id: row.status for row in rows}


def test_the_register_taken_offline_is_sent_once(world, live_server, browser):
    base = live_server
    session_id = schedule(world, place="Hội trường xã Kháng Nhật")
    begin_now(world, session_id)
    with world.app_context():
        an, cuong, kn_id = user("learner").id, user("secretary01").id, area("Kháng Nhật").id

    context, trainer = new_phone(browser)
    sign_in(trainer, base, "trainer")
    trainer.goto(f"{base}/sessions/{session_id}/register")
    context.set_offline(True)
    for who, status, reason in (("learner", "attended", ""), ("secretary01", "absent", "Ốm")):
        trainer.fill("input[name=who]", who)
        trainer.select_option("select[name=status]", status)
        trainer.fill("input[name=reason]", reason)
        trainer.click("#register-form button[type=submit]")
    queue = trainer.locator("#queue-list")
    expect(queue.locator("li.queue-waiting")).to_have_count(2)
    expect(queue).to_contain_text("đang chờ gửi")
    fits_phone(trainer)
    assert marks(world, session_id) == {}

    context.set_offline(False)
    expect(queue.locator("li.queue-sent")).to_have_count(2)
    expect(trainer.locator("#queue-status")).to_contain_text("Đã gửi hết")
    # Opening the register again sends nothing more: the phone's queue is empty.
    trainer.reload()
    expect(trainer.locator("tr[data-username=secretary01]")).to_contain_text("Vắng")
    assert marks(world, session_id) == {
        an: AttendanceStatus.ATTENDED,
        cuong: AttendanceStatus.ABSENT,
    }
    with world.app_context():
        assert db.session.scalar(select(func.count()).select_from(SessionMarkReceipt)) == 2
    context.close()

    context, page = new_phone(browser)
    sign_in(page, base, "learner")
    expect(page.locator("#completion")).to_contain_text(COMPLETED)
    context.close()

    context, page = new_phone(browser)
    sign_in(page, base, "committee")
    page.goto(f"{base}/reports/areas/{kn_id}")
    expect(page.locator("#sessions-by-area tr", has_text="Lềm")).to_contain_text("1")
    fits_phone(page)
    context.close()
