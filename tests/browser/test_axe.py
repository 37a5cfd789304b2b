"""axe-core on every page of the four journeys at 360x740: no serious or critical finding.

Each role signs in and walks the pages reachable from its landing page by plain links
(downloads, sign-out and other roles' pages left out), so a new page is checked without
being listed here."""

from __future__ import annotations

import re
from urllib.parse import urldefrag, urlsplit

import pytest

from learnapp import db
from tests.browser.conftest import sign_in
from tests.reports_support import CM, DS, do_lessons, finish, import_real_courses, the_user

pytestmark = pytest.mark.browser

# Links not followed: they download, sign out, change something on GET, or repeat a page
# already checked with other arguments (sorting, paging, filters).
SKIP = re.compile(
    r"(sign-out|\.(csv|xlsx|pdf|zip|mp3|opus|png|jpe?g|svg)$|/media/|/export|/static/|\?)"
)
LIMIT = 40

JOURNEYS = {
    "learner": ("/", r"^/($|m/|c/|quiz/|progress|help|certificates?)"),
    "committee": ("/reports/", r"^/(reports|calls)"),
    "district": ("/reports/", r"^/(reports|calls)"),
    "trainer": ("/authoring/", r"^/authoring"),
    "admin": ("/admin/", r"^/admin"),
}


@pytest.fixture
def journeys(demo):
    """The courses, one module finished (a certificate), another half done."""
    with demo.app_context():
        import_real_courses(demo)
        learner = the_user("learner")
        finish(learner, CM, 90)
        do_lessons(learner, DS, 1)
        db.session.commit()
    return demo


def serious(page) -> list[dict]:
    from axe_playwright_python.sync_playwright import Axe

    found = []
    for v in Axe().run(page).response["violations"]:
        if v["impact"] not in {"serious", "critical"}:
            continue
        if v["nodes"]:
            found.append(v)
    return found


def readable(url: str, violations: list[dict]) -> str:
    lines = [url]
    for v in violations:
        lines.append(f"  [{v['impact']}] {v['id']}: {v['help']}")
        for node in v["nodes"][:5]:
            lines.append(f"      {' '.join(node['target'])}: {node['html'][:160]}")
    return "\n".join(lines)


def walk(page, base: str, start: str, allowed: str) -> list[str]:
    """The same-site pages reachable from start by links whose path matches allowed."""
    keep = re.compile(allowed)
    seen: list[str] = []
    queue = [start]
    while queue and len(seen) < LIMIT:
        path = queue.pop(0)
        if path in seen:
            continue
        response = page.goto(base + path)
        if (
            response is None
            or response.status != 200
            or "text/html" not in (response.headers.get("content-type", ""))
        ):
            continue
        seen.append(path)
        yield path
        for href in page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)"):
            href = urldefrag(href)[0]
            if not href.startswith(base):
                continue
            link = urlsplit(href).path + (
                f"?{urlsplit(href).query}" if urlsplit(href).query else ""
            )
            if keep.search(link) and not SKIP.search(link) and link not in seen:
                queue.append(link)


@pytest.mark.parametrize("username", list(JOURNEYS))
def test_has_every_page_of_the_journey_no_serious_axe_finding(
    journeys, live_server, phone, username
):
    start, allowed = JOURNEYS[username]
    sign_in(phone, live_server, username)
    found = []
    visited = []
    for path in walk(phone, live_server, start, allowed):
        visited.append(path)
        violations = serious(phone)
        if violations:
            found.append(readable(path, violations))
    assert len(visited) >= 3, visited
    assert not found, "\n".join(found)
