"""Signing out and signing in again on a shared phone without a network, at 360x740
(issue 17, item 6): a sign-out made offline clears the stored modules, keeps the queue for
that account and ends the server session once the network returns, before any page is
shown with the old cookie; a queue kept past the idle timeout is sent once, for its own
account only, when that account signs in again, and that account's stored pages are not
shown to the next one."""

from __future__ import annotations

import urllib.error
import urllib.request
from datetime import timedelta

import pytest
from flask_babel import force_locale, gettext
from playwright.sync_api import Error as PlaywrightError
from sqlalchemy import func, select

from learnapp import db
from learnapp.models import LessonProgress
from learnapp.offline.models import OfflineAction
from tests.browser.conftest import sign_in
from tests.browser.test_offline_journey import (
    COURSES,
    MODULE,
    download,
    expect,
    lesson_paths,
    wait_for_empty_queue,
)
from tests.factories import import_into, user_id

pytestmark = [pytest.mark.browser, pytest.mark.real_commits]

SIGNED_OUT = (
    "You have signed out on this phone. The server will be told when the network returns; "
    "actions waiting to be sent are kept for your next sign-in."
)


def in_vietnamese(app, message: str) -> str:
    with app.test_request_context(), force_locale("vi"):
        return gettext(message)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # noqa: ANN002, ANN003
        return None


def answer_to_cookie(url: str, name: str, value: str) -> tuple[int, str]:
    """Status and Location of a GET made with one cookie only, redirects not followed."""
    opener = urllib.request.build_opener(_NoRedirect)
    request = urllib.request.Request(url, headers={"Cookie": f"{name}={value}"})  # noqa: S310
    try:
        with opener.open(request, timeout=10) as reply:
            return reply.status, reply.headers.get("Location", "")
    except urllib.error.HTTPError as reply:
        return reply.code, reply.headers.get("Location", "")


def mark_done_offline(phone, base: str, paths: list[str]) -> None:
    for path in paths:
        phone.goto(base + path)
        expect(phone.locator("main[data-offline]")).to_have_count(1)
        with phone.expect_navigation():
            phone.locator(f"form[action='{path}/done'] button[type=submit]").click()


def queue_of(phone, uid: int) -> list[dict]:
    return phone.evaluate(f"JSON.parse(localStorage.getItem('offline:queue:u{uid}') || '[]')")


def module_caches(phone) -> list[str]:
    return phone.evaluate("caches.keys().then(n => n.filter(x => x.startsWith('module-')))")


def done_and_received(app, username: str) -> tuple[int, int]:
    with app.app_context():
        uid = user_id(app, username)
        done = db.session.scalar(
            select(func.count(LessonProgress.id)).where(LessonProgress.user_id == uid)
        )
        received = db.session.scalar(
            select(func.count(OfflineAction.id)).where(OfflineAction.user_id == uid)
        )
        return done, received


def signed_in_with_module(app, server, phone) -> None:
    """The courses imported, the learner signed in on the phone with the module stored."""
    import_into(app, COURSES)
    phone.on("dialog", lambda dialog: dialog.accept())
    sign_in(phone, server.url)
    download(phone, server.url, MODULE)


def test_does_a_sign_out_made_offline_end_the_server_session_when_the_network_returns(
    demo, server, phone
):
    signed_in_with_module(demo, server, phone)
    learner = user_id(demo, "learner")
    old = {c["name"]: c["value"] for c in phone.context.cookies()}
    assert {"session", "remember_token"} <= set(old)

    server.stop()
    mark_done_offline(phone, server.url, lesson_paths(demo)[:1])
    phone.locator("form[data-sign-out] button[type=submit]").click()
    expect(phone.locator("main .flash-info")).to_have_text(in_vietnamese(demo, SIGNED_OUT))
    expect(phone.locator("form[data-sign-out]")).to_have_count(0)
    # The store goes, the queue stays for this account's next sign-in.
    assert module_caches(phone) == []
    assert phone.evaluate(f"localStorage.getItem('offline:modules:u{learner}')") is None
    assert len(queue_of(phone, learner)) == 1

    server.start()
    # The first request after the network returns finds the session already ended.
    phone.goto(server.url + "/")
    assert "/sign-in" in phone.url
    for name in ("session", "remember_token"):
        status, location = answer_to_cookie(server.url + "/", name, old[name])
        assert status == 302 and "/sign-in" in location, (name, status, location)
    # Nothing of the queue was sent by the sign-out: it waits for this account.
    assert done_and_received(demo, "learner") == (0, 0)
    assert len(queue_of(phone, learner)) == 1
    assert phone.evaluate("caches.has('pending-sign-out')") is False


def test_is_a_queue_kept_past_the_idle_timeout_sent_once_for_its_own_account_only(
    demo, server, phone
):
    signed_in_with_module(demo, server, phone)
    learner, other = user_id(demo, "learner"), user_id(demo, "learner2")
    paths = lesson_paths(demo)[:2]

    server.stop()
    mark_done_offline(phone, server.url, paths)
    assert len(queue_of(phone, learner)) == 2
    # The phone stays away longer than the idle timeout.
    demo.config["SESSION_IDLE_TIMEOUT"] = timedelta(seconds=1)
    phone.wait_for_timeout(1500)
    server.start()
    phone.goto(server.url + f"/m/{MODULE}")
    assert "/sign-in" in phone.url
    demo.config["SESSION_IDLE_TIMEOUT"] = timedelta(hours=72)

    # Someone else signs in on the same phone: the queue is neither shown nor sent.
    sign_in(phone, server.url, "learner2")
    phone.goto(server.url + f"/m/{MODULE}")
    phone.wait_for_timeout(1000)
    expect(phone.locator("[data-offline-banner]")).to_be_hidden()
    assert queue_of(phone, other) == []
    # Nor are the first account's stored pages, though its session ended without a sign-out.
    server.stop()
    # In a tab of its own, whose error page cannot race the next navigation.
    tab = phone.context.new_page()
    with pytest.raises(PlaywrightError):
        tab.goto(server.url + paths[0])
    tab.close()
    server.start()
    phone.goto(server.url + f"/m/{MODULE}")
    phone.locator("form[data-sign-out] button[type=submit]").click()
    phone.wait_for_url("**/sign-in*")
    assert done_and_received(demo, "learner") == (0, 0)
    assert done_and_received(demo, "learner2") == (0, 0)
    assert len(queue_of(phone, learner)) == 2

    # The account it belongs to signs in again: sent once, and once only.
    sign_in(phone, server.url, "learner")
    wait_for_empty_queue(phone)
    assert done_and_received(demo, "learner") == (2, 2)
    phone.goto(server.url + f"/m/{MODULE}")
    phone.reload()
    phone.wait_for_timeout(500)
    assert done_and_received(demo, "learner") == (2, 2)
