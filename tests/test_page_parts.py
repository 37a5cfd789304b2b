"""The page header and a lesson's article are rendered once per worker and kept: every
reader must still get their own roles' links, their own language, their own CSRF token
and their own page address in the language switch."""

from __future__ import annotations

import re

from tests.conftest import Auth, post

EN = {"Accept-Language": "en"}
VI = {"Accept-Language": "vi"}
TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def _header(page: str) -> str:
    return page.split('<header class="top">', 1)[1].split("</header>", 1)[0]


def test_does_each_reader_get_the_header_of_their_roles_and_language(demo):
    learner, admin, visitor = demo.test_client(), demo.test_client(), demo.test_client()
    Auth(learner).sign_in("learner")
    Auth(admin).sign_in("admin")
    for _ in range(2):  # the second round is served from the kept headers
        own = _header(learner.get("/help", headers=VI).get_data(as_text=True))
        theirs = _header(admin.get("/help", headers=VI).get_data(as_text=True))
        anonymous = _header(visitor.get("/sign-in", headers=EN).get_data(as_text=True))

        assert 'href="/admin/"' in theirs and 'href="/reports/"' in theirs
        assert 'href="/admin/' not in own and 'href="/reports/' not in own
        assert "Trang chủ" in own and "Đăng xuất" in own
        assert "Sign out" not in anonymous and 'action="/sign-out"' not in anonymous
        assert re.search(r'lang="en"\s+aria-current="true"', anonymous)
    assert len(demo.extensions["site_headers"]) >= 3


def test_does_each_session_get_its_own_token_in_the_kept_header(demo):
    phones = [demo.test_client(), demo.test_client()]
    tokens = []
    for phone in phones:
        Auth(phone).sign_in("learner")
        page = phone.get("/help").get_data(as_text=True)
        found = TOKEN.findall(_header(page))
        assert len(found) == 2 and found[0] == found[1]
        tokens.append(found[0])
    assert tokens[0] != tokens[1]

    # Each phone's token from the header switches its language; the other's is refused.
    swapped = phones[0].post("/language", data={"csrf_token": tokens[1], "language": "en"})
    assert swapped.status_code == 400
    own = phones[0].post("/language", data={"csrf_token": tokens[0], "language": "en"})
    assert own.status_code == 302


def test_is_the_page_address_in_the_language_switch_escaped(demo):
    client = demo.test_client()
    Auth(client).sign_in("learner")
    page = client.get("/help", query_string='q="><b>x</b>').get_data(as_text=True)

    assert '"><b>x' not in page
    assert 'name="next" value="/help?q=&#34;&gt;&lt;b&gt;x&lt;/b&gt;"' in page
    # The switch brings the reader back to that same address.
    response = post(client, "/language", {"language": "en", "next": "/help?q=1"}, token_from="/")
    assert response.headers["Location"].endswith("/help?q=1")


def test_does_the_kept_header_key_name_every_flag_its_links_read(app):
    # A link shown on a new flag would otherwise be kept for readers without it.
    from jinja2 import meta

    from learnapp.page_parts import NAV_FLAGS

    per_request = {"current_user", "csrf_input", "next_path"}
    for name in ("_header.html", "_nav.html"):
        source = app.jinja_env.loader.get_source(app.jinja_env, name)[0]
        names = meta.find_undeclared_variables(app.jinja_env.parse(source))
        read = names - set(app.jinja_env.globals) - per_request - {"_", "url_for"}
        assert read <= set(NAV_FLAGS), (name, read - set(NAV_FLAGS))
