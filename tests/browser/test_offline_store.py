"""The offline store on a 360x740 phone (issue 17, items 2, 4 and 6): a full phone gets a
clear message and no half-stored module; a downloaded module is refreshed after a new
version is published; a lesson's recording plays from the store with the server stopped;
every script and style sheet of the site is stored by the service worker on install."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from learnapp import STATIC_DIR
from tests.browser.conftest import phone_context, sign_in
from tests.browser.test_offline_journey import COURSES, MODULE, download, expect
from tests.browser.test_offline_sign_out import in_vietnamese, module_caches
from tests.factories import import_into, user_id
from tests.test_lesson_audio import MP3, SLUG, module_with_audio

pytestmark = [pytest.mark.browser, pytest.mark.real_commits]

TEMPLATES = Path(STATIC_DIR).parent
FULL = "The phone is full: remove downloaded modules or other files, then try again."
USED = "Space used on this phone: %(size)s."

# The phone fills up while the module is being stored: the first page goes in, then the
# browser refuses the rest, as Chromium does when the origin's quota is reached.
FULL_PHONE = """
(() => {
  const put = Cache.prototype.put;
  Cache.prototype.addAll = function (urls) {
    const cache = this;
    return fetch(urls[0], { credentials: "same-origin" })
      .then((reply) => put.call(cache, urls[0], reply))
      .then(() => { throw new DOMException("Quota exceeded.", "QuotaExceededError"); });
  };
})();
"""


def worker_ready(page) -> None:
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")


def stored_modules(page, uid: int) -> dict:
    return page.evaluate(f"JSON.parse(localStorage.getItem('offline:modules:u{uid}') || '{{}}')")


def poll(page, script: str, want, tries: int = 100):
    # Polled from here: wait_for_function evaluates a string, which the site's CSP forbids.
    got = None
    for _ in range(tries):
        got = page.evaluate(script)
        if got == want:
            return got
        page.wait_for_timeout(200)
    raise AssertionError(f"{script!r} gave {got!r}, not {want!r}")


def test_does_a_full_phone_get_a_clear_message_and_no_half_stored_module(demo, browser, server):
    import_into(demo, COURSES)
    context = phone_context(browser)
    context.add_init_script(FULL_PHONE)
    page = context.new_page()
    page.on("dialog", lambda dialog: dialog.accept())
    try:
        sign_in(page, server.url)
        page.goto(server.url + f"/m/{MODULE}")
        worker_ready(page)
        page.reload()
        box = page.locator("[data-offline-module]")
        box.locator("[data-download]").click()
        expect(box.locator("[data-state]")).to_have_text(in_vietnamese(demo, FULL))
        expect(box.locator("[data-download]")).to_be_visible()
        expect(box.locator("[data-remove]")).to_be_hidden()
        assert module_caches(page) == []
        assert stored_modules(page, user_id(demo, "learner")) == {}
        page.goto(server.url + "/offline")
        expect(page.locator("[data-offline-list] li")).to_have_count(0)
    finally:
        context.close()


def test_is_a_downloaded_module_refreshed_after_a_new_version_is_published(
    demo, server, phone, tmp_path
):
    root = tmp_path / "courses"
    folder = module_with_audio(root, {"tone-vi.mp3": MP3}, {"vi": "tone-vi.mp3"})
    import_into(demo, root)
    phone.on("dialog", lambda dialog: dialog.accept())
    sign_in(phone, server.url)
    download(phone, server.url, SLUG)
    learner = user_id(demo, "learner")
    first = stored_modules(phone, learner)[SLUG]["version"]
    assert module_caches(phone) == [f"module-u{learner}-{SLUG}@{first}"]

    # The space the store uses is shown with the module it holds.
    phone.goto(server.url + "/offline")
    expect(phone.locator("[data-offline-list] li")).to_contain_text(SLUG)
    used = re.escape(in_vietnamese(demo, USED)).replace(re.escape("%(size)s"), r"\d+ KB")
    expect(phone.locator("[data-offline-used]")).to_have_text(re.compile(f"^{used}$"))

    lesson = folder / "vi" / "02-lesson-2.md"
    lesson.write_text(
        lesson.read_text(encoding="utf-8").replace(
            "Body of lesson 2", "Second edition of lesson 2"
        ),
        encoding="utf-8",
    )
    import_into(demo, root)

    # The next online visit, to any page, fetches the new version and drops the old.
    phone.goto(server.url + "/")
    second = first
    for _ in range(100):
        second = stored_modules(phone, learner)[SLUG]["version"]
        if second != first and len(module_caches(phone)) == 1:
            break
        phone.wait_for_timeout(200)
    assert second != first
    assert module_caches(phone) == [f"module-u{learner}-{SLUG}@{second}"]

    server.stop()
    phone.goto(server.url + f"/m/{SLUG}/lesson-2")
    expect(phone.locator("main[data-offline]")).to_have_count(1)
    expect(phone.locator("article.lesson")).to_contain_text("Second edition of lesson 2")


def test_does_a_lesson_recording_play_from_the_store_with_the_server_stopped(
    demo, server, phone, tmp_path
):
    root = tmp_path / "courses"
    module_with_audio(root, {"tone-vi.mp3": MP3}, {"vi": "tone-vi.mp3"})
    import_into(demo, root)
    phone.on("dialog", lambda dialog: dialog.accept())
    sign_in(phone, server.url)
    download(phone, server.url, SLUG)
    media: list = []
    phone.on("response", lambda r: media.append(r) if "/media/" in r.url else None)

    server.stop()
    phone.goto(server.url + f"/m/{SLUG}/lesson-1")
    expect(phone.locator("main[data-offline]")).to_have_count(1)
    player = phone.locator("article.lesson audio")
    source = player.get_attribute("src")
    assert source.startswith("/media/")
    # The Listen control needs listen.js: the stored page has its script.
    expect(phone.locator("[data-listen]")).to_be_visible()

    player.evaluate("a => { a.preload = 'metadata'; a.load(); }")
    poll(phone, "document.querySelector('article.lesson audio').readyState >= 1", True)
    duration = phone.evaluate("document.querySelector('article.lesson audio').duration")
    assert 0.9 <= duration <= 1.3
    answered = [r for r in media if source in r.url]
    assert answered and all(r.from_service_worker for r in answered)
    assert all(r.status in (200, 206) for r in answered)

    whole = phone.evaluate(f"fetch('{source}').then(r => r.arrayBuffer()).then(b => b.byteLength)")
    assert whole == len(MP3)
    part = phone.evaluate(
        f"fetch('{source}', {{ headers: {{ Range: 'bytes=0-99' }} }})"
        ".then(r => r.arrayBuffer()"
        ".then(b => [r.status, r.headers.get('Content-Range'), b.byteLength]))"
    )
    assert part == [206, f"bytes 0-99/{len(MP3)}", 100]


def site_assets() -> set[str]:
    """Every script and style sheet a template names."""
    names = set()
    for template in TEMPLATES.rglob("*.html"):
        names.update(re.findall(r"asset_url\('([^']+)'\)", template.read_text(encoding="utf-8")))
    return names


def test_does_the_worker_store_every_script_and_style_sheet_the_pages_use(demo, server, phone):
    import_into(demo, COURSES)
    sign_in(phone, server.url)
    worker_ready(phone)
    assets = site_assets()
    assert {"js/register.js", "js/quiz.js", "js/listen.js", "css/app.css"} <= assets
    with demo.test_request_context():
        asset_url = demo.jinja_env.globals["asset_url"]
        wanted = sorted(asset_url(name) for name in assets)
    wanted.append("/offline/static/offline.js")
    stored = phone.evaluate(
        "caches.keys().then(names => caches.open(names.find(n => n.startsWith('static-'))))"
        ".then(c => c.keys())"
        ".then(ks => ks.map(k => { const u = new URL(k.url); return u.pathname + u.search; }))"
    )
    missing = [url for url in wanted if url not in stored]
    assert missing == []

    # And every script a learner's page loads is among them.
    phone.goto(server.url + f"/m/{MODULE}/quiz")
    phone.locator("form[action$='/quiz/start'] button[type=submit]").click()
    phone.wait_for_url(re.compile(r"/quiz/attempts/\d+$"))
    on_page = phone.eval_on_selector_all(
        "script[src], link[rel=stylesheet]",
        "els => els.map(e => {"
        " const u = new URL(e.src || e.href); return u.pathname + u.search; })",
    )
    assert on_page and [url for url in on_page if url not in stored] == []
