"""The installable app (issue 17 items 1 and 6): manifest, favicon, service worker and
which pages the back button may keep."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from learnapp import db
from tests.factories import import_into, module_settings, write_module

SLUG = "test-module"


@pytest.fixture
def course(demo, tmp_path):
    write_module(tmp_path / "courses", SLUG, settings=module_settings())
    import_into(demo, tmp_path / "courses")
    return demo


def test_does_the_manifest_open_on_the_learners_home(client):
    response = client.get("/manifest.webmanifest", headers={"Accept-Language": "en"})

    assert response.status_code == 200
    assert response.mimetype == "application/manifest+json"
    body = json.loads(response.get_data(as_text=True))
    assert body["start_url"] == "/"
    assert body["display"] == "standalone"
    assert body["name"] == "Cell secretary training"
    for icon in body["icons"]:
        image = client.get(icon["src"])
        assert image.status_code == 200
        assert image.data.startswith(b"\x89PNG")


def test_is_the_manifest_named_in_the_readers_language(client):
    body = json.loads(client.get("/manifest.webmanifest", headers={"Accept-Language": "vi"}).data)
    assert body["name"] != "Cell secretary training"


def test_is_there_a_favicon(client):
    response = client.get("/favicon.ico")

    assert response.status_code == 200
    assert response.mimetype == "image/png"
    assert len(response.data) < 1024
    assert "max-age" in response.headers["Cache-Control"]


def test_is_the_worker_served_for_the_whole_site_and_checked_on_every_visit(client):
    response = client.get("/sw.js")

    assert response.status_code == 200
    assert response.mimetype == "text/javascript"
    assert response.headers["Service-Worker-Allowed"] == "/"
    assert response.headers["Cache-Control"] == "no-cache"
    text = response.get_data(as_text=True)
    assert 'var VERSION = "' in text
    assert "/static/css/app.css?v=" in text


def test_does_the_workers_version_follow_the_static_files(app, client):
    from learnapp.offline import views

    first = client.get("/sw.js").get_data(as_text=True).splitlines()[0]
    views._static_digest.cache_clear()
    try:
        target = views.OWN_STATIC / "zz-test-probe.txt"
        target.write_text("changed")
        second = client.get("/sw.js").get_data(as_text=True).splitlines()[0]
    finally:
        target.unlink()
        views._static_digest.cache_clear()
    assert first != second


def test_does_the_worker_never_fetch_pages_ahead(client):
    # Only the listed static files are stored on install: no module is downloaded unasked.
    text = client.get("/sw.js").get_data(as_text=True)
    assets = json.loads(text.splitlines()[1].removeprefix("var ASSETS = ").rstrip(";"))
    assert assets
    assert all(url.startswith(("/static/", "/offline/static/")) for url in assets)


def test_do_signed_in_pages_register_the_worker_and_name_the_manifest(demo, client, auth):
    auth.sign_in("learner")
    page = client.get("/").get_data(as_text=True)

    assert 'rel="manifest" href="/manifest.webmanifest"' in page
    assert "/offline/static/offline.js" in page


def test_does_the_sign_in_page_not_register_the_worker(client):
    page = client.get("/sign-in").get_data(as_text=True)
    assert "offline.js" not in page


def test_may_back_keep_a_lesson_but_not_shared_caches(course, client, auth):
    auth.sign_in("learner")

    lesson = client.get(f"/m/{SLUG}/lesson-1")
    module = client.get(f"/m/{SLUG}")

    assert lesson.headers["Cache-Control"] == "private, no-cache"
    assert module.headers["Cache-Control"] == "private, no-cache"


@pytest.mark.parametrize("path", ["/", "/account/password"])
def test_do_other_personal_pages_stay_no_store(demo, client, auth, path):
    auth.sign_in("learner")
    assert client.get(path).headers["Cache-Control"] == "private, no-store"


def test_does_the_module_list_name_every_page_to_store(course, client, auth):
    auth.sign_in("learner")
    response = client.get(f"/offline/modules/{SLUG}.json")

    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "private, no-store"
    body = response.json
    assert body["urls"][:2] == ["/", f"/m/{SLUG}"]
    assert f"/m/{SLUG}/lesson-1" in body["urls"]
    assert f"/m/{SLUG}/lesson-2" in body["urls"]
    assert body["bytes"] > 0
    assert body["version"]
    # Every listed page opens for this learner: nothing stored would be a broken page.
    for url in body["urls"]:
        assert client.get(url).status_code == 200, url


def test_does_the_module_version_change_when_a_new_version_is_published(course, client, auth):
    from learnapp.models import Module

    auth.sign_in("learner")
    before = client.get(f"/offline/modules/{SLUG}.json").json["version"]
    with course.app_context():
        module = db.session.scalar(select(Module).where(Module.slug == SLUG))
        module.version += 1
        db.session.commit()

    assert client.get(f"/offline/modules/{SLUG}.json").json["version"] != before


def test_is_an_unknown_or_unpublished_module_not_listed(course, client, auth):
    auth.sign_in("learner")
    response = client.get("/offline/modules/no-such-module.json")

    assert response.status_code == 404
    assert response.json["message"]


def test_does_the_module_list_need_an_account(course, client):
    response = client.get(f"/offline/modules/{SLUG}.json")

    assert response.status_code == 302
    assert "/sign-in" in response.headers["Location"]


def test_does_each_page_name_its_own_reader_in_their_language_in_the_offline_script(demo):
    # The script tag is rendered once per language and worker: neither the language nor
    # the person may leak from one page to the next.
    import re

    from tests.conftest import Auth
    from tests.factories import user_id

    tags = []
    for username, language in (("learner", "vi"), ("learner2", "en"), ("learner", "en")):
        client = demo.test_client()
        Auth(client).sign_in(username)
        page = client.get("/", headers={"Accept-Language": language}).get_data(as_text=True)
        tags.append(re.search(r"<script [^>]*data-user=[^>]*>", page).group(0))
    learner, learner2 = user_id(demo, "learner"), user_id(demo, "learner2")
    ids = [re.search(r'data-user="(\d+)"', tag).group(1) for tag in tags]
    assert ids == [str(learner), str(learner2), str(learner)]
    assert 'data-remove="Xoá"' in tags[0]
    assert 'data-remove="Remove"' in tags[1] and 'data-remove="Remove"' in tags[2]
