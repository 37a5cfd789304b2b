"""A quiz attempt and a lesson's pictures without a network, on a 360x740 phone (issue 17).

The attempt is started online at a downloaded module; the server then stops. Half the
answers are given, the page is reloaded (it now comes from the offline store) and still
shows them; the rest are given and the attempt submitted; when the server is back, it
grades exactly those answers once. A downloaded lesson's pictures show offline too.
"""

from __future__ import annotations

import re

import pytest

from learnapp import db
from learnapp.models import QuizAttempt
from tests.browser.conftest import sign_in
from tests.browser.test_learner_journey import give_answers
from tests.browser.test_offline_journey import (
    COURSES,
    MODULE,
    download,
    expect,
    wait_for_empty_queue,
)
from tests.factories import answer_values, import_into

pytestmark = [pytest.mark.browser, pytest.mark.real_commits]


def shown(phone, values: dict[str, list[str]]) -> dict[str, list[str]]:
    """What the page shows for the questions of `values`."""
    seen = {}
    for name in values:
        inputs = phone.locator(f"input[name={name}]")
        if inputs.first.get_attribute("type") == "text":
            seen[name] = [inputs.input_value()]
        else:
            seen[name] = phone.eval_on_selector_all(
                f"input[name={name}]:checked", "els => els.map(e => e.value)"
            )
    return seen


def test_do_answers_given_offline_survive_a_reload_and_reach_the_server_once(demo, server, phone):
    import_into(demo, COURSES)
    phone.on("dialog", lambda dialog: dialog.accept())
    sign_in(phone, server.url)
    download(phone, server.url, MODULE)
    phone.goto(server.url + f"/m/{MODULE}/quiz")
    phone.locator("form[action$='/quiz/start'] button[type=submit]").click()
    phone.wait_for_url(re.compile(r"/quiz/attempts/\d+$"))
    path = "/quiz/attempts/" + phone.url.rsplit("/", 1)[1]
    for _ in range(50):  # the attempt page is stored in the background after it loads
        if phone.evaluate(f"caches.match('{path}').then(r => !!r)"):
            break
        phone.wait_for_timeout(200)
    else:
        raise AssertionError("the attempt page was not stored for offline use")
    attempt_id = int(path.rsplit("/", 1)[1])
    with demo.app_context():
        values = answer_values(db.session.get(QuizAttempt, attempt_id), right=True)
    names = list(values)
    first = {n: values[n] for n in names[:5]}
    rest = {n: values[n] for n in names[5:]}

    server.stop()
    give_answers(phone, first)
    phone.reload()
    expect(phone.locator("main[data-offline]")).to_have_count(1)
    assert shown(phone, first) == first
    give_answers(phone, rest)
    phone.locator("form.quiz button[type=submit]").first.click()
    expect(phone.locator("form.quiz .flash-info")).to_be_visible()
    assert (
        phone.evaluate(
            "Object.keys(localStorage).filter(k => k.startsWith('quiz:answers:')).length"
        )
        == 0
    )

    server.start()
    phone.goto(server.url + "/")
    wait_for_empty_queue(phone)
    with demo.app_context():
        attempt = db.session.get(QuizAttempt, attempt_id)
        assert attempt.status == "submitted" and attempt.submitted_offline
        assert attempt.max_score > 0 and attempt.score == attempt.max_score


def test_do_a_downloaded_lessons_pictures_show_without_a_network(demo, server, phone):
    import_into(demo, COURSES)
    sign_in(phone, server.url)
    phone.on("dialog", lambda dialog: dialog.accept())
    download(phone, server.url, "digital-skills")
    # Only the offline store may answer: the browser's own HTTP cache is emptied.
    phone.context.new_cdp_session(phone).send("Network.clearBrowserCache")
    server.stop()
    phone.goto(server.url + "/m/digital-skills/smartphone-basics")
    expect(phone.locator("main[data-offline]")).to_have_count(1)
    pictures = phone.locator("article.lesson img")
    assert pictures.count() >= 2
    for i in range(pictures.count()):
        picture = pictures.nth(i)
        picture.scroll_into_view_if_needed()
        expect(picture).to_have_js_property("complete", True)
        assert picture.evaluate("img => img.naturalWidth") > 0, picture.get_attribute("src")
