"""A training session on 360-px phones, in Vietnamese: the trainer schedules it for
Kháng Nhật, two learners sign up (one seat: the second waits), the trainer takes the
register, the committee's dashboard and call list show it, and the requirement "online
+ attended" decides completion: Hoàng Văn An, who finished online, is completed only
once the register marks him attended.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from learnapp import db
from learnapp.models import Requirement, TrainingSession
from learnapp.sessions import services
from tests.browser.conftest import fits_phone, phone_context, sign_in
from tests.reports_support import do_lessons
from tests.sessions_support import SLUG, area, import_module, module, require, user

pytestmark = pytest.mark.browser

COMPLETED = "Đồng chí đã hoàn thành"  # the start of the home page's completion line


def expect(locator):
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(locator)


@pytest.fixture
def world(demo, tmp_path):
    import_module(demo, tmp_path)
    require(demo, Requirement.BOTH)
    with demo.app_context():
        do_lessons(user("learner"), SLUG)
        db.session.commit()
    return demo


def new_phone(browser):
    context = phone_context(browser)
    return context, context.new_page()


def test_a_session_from_scheduling_to_completion_on_phones(world, live_server, browser):
    base = live_server
    with world.app_context():
        module_id, kn_id = module().id, area("Kháng Nhật").id
    tomorrow = (services.vietnam_now() + timedelta(days=1)).date().isoformat()
    trainer_ctx, trainer = new_phone(browser)
    sign_in(trainer, base, "trainer")
    trainer.click("nav >> text=Buổi tập huấn")
    trainer.click("text=Lên lịch buổi tập huấn")
    trainer.select_option("select[name=module_id]", str(module_id))
    trainer.fill("input[name=starts_on]", tomorrow)
    trainer.fill("input[name=starts_time]", "08:00")
    trainer.fill("input[name=place]", "Hội trường xã Kháng Nhật")
    trainer.fill("input[name=capacity]", "1")
    trainer.select_option("select[name=area_ids]", [str(kn_id)])
    fits_phone(trainer)
    trainer.click("form button[type=submit].primary")
    expect(trainer.locator("#seats")).to_contain_text("0")
    session_url = trainer.url

    # Learners sign up on their home pages: one seat, so the second waits.
    for username, tag in (
        ("learner", "Đồng chí đã có chỗ"),
        ("secretary01", "Trong danh sách chờ"),
    ):
        context, page = new_phone(browser)
        sign_in(page, base, username)
        card = page.locator(".session-card")
        expect(card).to_contain_text("Hội trường xã Kháng Nhật")
        fits_phone(page)
        card.locator("button", has_text="Đăng ký").click()
        expect(page.locator(".session-card")).to_contain_text(tag)
        if username == "learner":
            expect(page.locator("#completion")).not_to_contain_text(COMPLETED)
        context.close()

    # The day comes: the session starts.
    with world.app_context():
        session = db.session.scalar(select(TrainingSession))
        session.starts_at = services.vietnam_now() - timedelta(minutes=5)
        db.session.commit()

    trainer.goto(session_url)
    trainer.click("text=Điểm danh >> nth=0")
    fits_phone(trainer)
    # The sign-in card's QR holds the sign-in address; typed here as the camera would.
    trainer.fill("input[name=who]", base + "/sign-in?u=learner")
    trainer.click("#register-form button[type=submit]")
    expect(trainer.locator(".flash-success")).to_contain_text("Có mặt")
    row = trainer.locator("tr[data-username=secretary01]")
    row.locator("button", has_text="Vắng").first.click()
    expect(trainer.locator("tr[data-username=secretary01]")).to_contain_text("Vắng")
    trainer_ctx.close()

    # "Online + attended": An finished online before; the register completes him.
    context, page = new_phone(browser)
    sign_in(page, base, "learner")
    expect(page.locator("#completion")).to_contain_text(COMPLETED)
    context.close()

    context, page = new_phone(browser)
    sign_in(page, base, "committee")
    page.goto(f"{base}/reports/areas/{kn_id}")
    table = page.locator("#sessions-by-area")
    expect(table).to_contain_text("Lềm")
    expect(table.locator("tr", has_text="Lềm")).to_contain_text("1")
    page.goto(f"{base}/reports/areas/{kn_id}/overdue")
    expect(page.locator("#missed-sessions")).to_contain_text("Nguyễn Văn Cường")
    expect(page.locator("#missed-sessions")).not_to_contain_text("Hoàng Văn An")
    fits_phone(page)
    context.close()
