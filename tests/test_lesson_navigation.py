"""One button moves on (issue 12 item 5): at the end of a lesson the primary button
records the lesson and opens the next; no way forward records nothing."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, select

from learnapp import db
from learnapp.models import LessonProgress
from tests.conftest import post
from tests.factories import import_into, module_settings, user_id, write_module

SLUG = "test-module"


@pytest.fixture
def course(demo, tmp_path):
    write_module(tmp_path / "courses", SLUG, settings=module_settings())
    import_into(demo, tmp_path / "courses")
    return demo


@pytest.fixture
def learner(demo, auth):
    auth.sign_in("learner")
    return user_id(demo, "learner")


def lessons_done(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(LessonProgress.id)))


def forward_controls(page: str) -> list[str]:
    """Every link or form on the page that leads to another lesson of the module or back
    to the module, outside the crumbs."""
    actions = page.split('<div class="lesson-actions">', 1)[1]
    return re.findall(rf'(?:href|action)="(/m/{SLUG}[^"]*)"', actions)


def test_does_an_unread_lesson_offer_only_the_button_that_records_it(course, client, learner):
    page = client.get(f"/m/{SLUG}/lesson-1").get_data(as_text=True)

    assert forward_controls(page) == [f"/m/{SLUG}/lesson-1/done"]
    assert "Đánh dấu đã học xong và sang bài sau" in page
    assert f'href="/m/{SLUG}/lesson-2"' not in page


def test_does_the_button_record_the_lesson_and_open_the_next(course, client, learner):
    response = post(client, f"/m/{SLUG}/lesson-1/done", token_from=f"/m/{SLUG}/lesson-1")

    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == f"/m/{SLUG}/lesson-2"
    assert lessons_done(course) == 1


def test_does_the_last_lesson_record_itself_and_go_back_to_the_module(course, client, learner):
    page = client.get(f"/m/{SLUG}/lesson-2").get_data(as_text=True)
    response = post(client, f"/m/{SLUG}/lesson-2/done", token_from=f"/m/{SLUG}/lesson-2")

    assert "Đánh dấu đã học xong và quay lại chuyên đề" in page
    assert forward_controls(page) == [f"/m/{SLUG}/lesson-2/done", f"/m/{SLUG}/lesson-1"]
    assert urlsplit(response.headers["Location"]).path == f"/m/{SLUG}"
    assert lessons_done(course) == 1


def test_does_a_finished_lesson_link_straight_to_the_next(course, client, learner):
    post(client, f"/m/{SLUG}/lesson-1/done", token_from=f"/m/{SLUG}/lesson-1")

    page = client.get(f"/m/{SLUG}/lesson-1").get_data(as_text=True)

    assert forward_controls(page) == [f"/m/{SLUG}/lesson-2"]
    assert "Bài sau →" in page and "Đánh dấu đã học xong" not in page


def test_does_the_button_without_the_csrf_token_record_nothing(course, client, learner):
    response = client.post(f"/m/{SLUG}/lesson-1/done")

    assert response.status_code == 400
    assert lessons_done(course) == 0
