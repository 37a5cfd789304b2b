"""Helpers for the trainer-editor tests: forms read off real pages, drafts, publishing.

Forms are filled the way a browser fills them: the page is loaded, its form parsed
(inputs, checked boxes, selected options, textareas, the CSRF token), some fields
changed, and the whole form posted to its action. So a test breaks when the page stops
offering a field, not only when the view stops reading it.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin

from sqlalchemy import select

from learnapp import db
from learnapp.content.importer import import_courses
from learnapp.models import Module, ModuleDraft, User
from tests.conftest import Auth

COURSES = Path(__file__).resolve().parent.parent / "courses"
REAL_MODULE = "cell-meetings"


class _Forms(HTMLParser):
    """Every <form> of a page: action, method and the values a browser would send."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[dict] = []
        self._form: dict | None = None
        self._textarea: str | None = None
        self._select: str | None = None
        self._option: dict | None = None

    def handle_starttag(self, tag, attrs):  # noqa: ANN001
        a = dict(attrs)
        if tag == "form":
            self._form = {
                "action": a.get("action") or "",
                "method": (a.get("method") or "get").lower(),
                "fields": {},
                "names": set(),
                "buttons": [],
            }
            self.forms.append(self._form)
            return
        if self._form is None:
            return
        name = a.get("name")
        if tag == "input" and name:
            self._form["names"].add(name)
            kind = (a.get("type") or "text").lower()
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self._form["fields"][name] = a.get("value", "on")
            elif kind == "submit":
                self._form["buttons"].append((name, a.get("value", "")))
            elif kind != "file":
                self._form["fields"][name] = a.get("value", "")
        elif tag == "textarea" and name:
            self._form["names"].add(name)
            self._textarea = name
            self._form["fields"][name] = ""
        elif tag == "select" and name:
            self._form["names"].add(name)
            self._select = name
        elif tag == "option" and self._select:
            if "selected" in a or self._select not in self._form["fields"]:
                self._form["fields"][self._select] = a.get("value", "")
        elif tag == "button" and name:
            self._form["buttons"].append((name, a.get("value", "")))

    def handle_endtag(self, tag):  # noqa: ANN001
        if tag == "form":
            self._form = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None

    def handle_data(self, data):  # noqa: ANN001
        if self._textarea and self._form is not None:
            # A browser drops the one newline that follows <textarea>.
            current = self._form["fields"][self._textarea]
            if not current and data.startswith("\n"):
                data = data[1:]
            self._form["fields"][self._textarea] = current + data


def forms_of(html: str) -> list[dict]:
    parser = _Forms()
    parser.feed(html)
    return parser.forms


def form_with(html: str, field: str) -> dict:
    """The page's form that has a field with this name."""
    found = [f for f in forms_of(html) if field in f["names"]]
    assert found, f"no form with a field {field!r} on the page"
    return found[0]


def fill_and_post(client, url: str, changes: dict | None = None, *, field: str, drop=(), **kw):
    """Load url, take its form holding `field`, apply changes, post it to its action.

    A value of None in changes unticks a checkbox (the field is not sent at all).
    """
    page = client.get(url)
    assert page.status_code == 200, f"GET {url} -> {page.status_code}"
    form = form_with(page.get_data(as_text=True), field)
    data = dict(form["fields"])
    for name, value in (changes or {}).items():
        if value is None:
            data.pop(name, None)
        else:
            data[name] = value
    for name in drop:
        data.pop(name, None)
    target = urljoin(url, form["action"]) if form["action"] else url
    return client.post(target, data=data, **kw)


def post_button(client, page_url: str, action_suffix: str | None, extra: dict | None = None, **kw):
    """Press the button of the form on page_url whose action ends with action_suffix
    (None: the form without an action, which posts to the page itself)."""
    page = client.get(page_url)
    assert page.status_code == 200, f"GET {page_url} -> {page.status_code}"
    forms = [
        f
        for f in forms_of(page.get_data(as_text=True))
        if (f["action"] == "" if action_suffix is None else f["action"].endswith(action_suffix))
    ]
    assert forms, f"no form posting to *{action_suffix} on {page_url}"
    return client.post(
        urljoin(page_url, forms[0]["action"]), data={**forms[0]["fields"], **(extra or {})}, **kw
    )


def english(client) -> None:
    """Ask for English pages, so messages can be read in the assertions."""
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"


def signed_in(app, username: str):
    """A fresh English test client signed in as the demo account."""
    client = app.test_client()
    english(client)
    response = Auth(client).sign_in(username)
    assert response.status_code == 302, f"{username} could not sign in"
    return client


def import_real_courses(app) -> None:
    with app.app_context():
        import_courses(COURSES, Path(app.instance_path) / "media")
        db.session.commit()


def draft_data(app, slug: str) -> dict | None:
    with app.app_context():
        module = db.session.scalar(select(Module).where(Module.slug == slug))
        if module is None:
            return None
        draft = db.session.scalar(select(ModuleDraft).where(ModuleDraft.module_id == module.id))
        return None if draft is None else draft.data


def user_id(app, username: str) -> int:
    with app.app_context():
        return db.session.scalar(select(User.id).where(User.username == username))


def lesson_fields(slug: str, *, vi: str, en: str | None = None, minutes: int = 4) -> dict:
    """The lesson form's fields for a lesson titled and written in vi (and en)."""
    fields = {
        "slug": slug,
        "minutes": str(minutes),
        "title_vi": f"Bài {slug}",
        "objective_vi": f"Mục tiêu {slug}",
        "body_vi": vi,
        "action": "save",
    }
    if en is not None:
        fields.update({"title_en": f"Lesson {slug}", "objective_en": f"Goal {slug}", "body_en": en})
    return fields


def single_choice_fields(key: str, *, langs=("vi", "en"), marker: str = "") -> dict:
    """A valid single-choice question: choice 1 right, with feedback on choice 2."""
    fields = {"key": key, "type": "single", "points": "1", "correct_0": "y"}
    for lang in langs:
        fields.update(
            {
                f"text_{lang}": f"Câu hỏi {key} {lang} {marker}",
                f"explanation_{lang}": f"Giải thích {key} {lang}",
                f"choice_0_{lang}": f"Đúng {lang}",
                f"choice_1_{lang}": f"Sai {lang}",
                f"feedback_1_{lang}": f"Phản hồi sai {lang}",
            }
        )
    return fields


def add_lesson(client, slug_of_module: str, fields: dict):
    return fill_and_post(
        client, f"/authoring/m/{slug_of_module}/lessons/new", fields, field="body_vi"
    )


def add_question(client, slug_of_module: str, fields: dict):
    return fill_and_post(
        client, f"/authoring/m/{slug_of_module}/questions/new", fields, field="text_vi"
    )


def publish(client, slug: str, **kw):
    return post_button(client, f"/authoring/m/{slug}", f"/authoring/m/{slug}/publish", **kw)


def discard(client, slug: str, **kw):
    """Follow "Discard the draft" to its confirmation page and confirm there."""
    module_page = client.get(f"/authoring/m/{slug}").get_data(as_text=True)
    assert f'href="/authoring/m/{slug}/discard"' in module_page, "no discard link"
    return post_button(client, f"/authoring/m/{slug}/discard", None, **kw)


def archive(client, slug: str, **kw):
    """Follow "Archive module" to its confirmation page and confirm there."""
    module_page = client.get(f"/authoring/m/{slug}").get_data(as_text=True)
    assert f'href="/authoring/m/{slug}/archive"' in module_page, "no archive link"
    return post_button(client, f"/authoring/m/{slug}/archive", None, **kw)


def create_module(client, slug: str, *, en: bool = True, **kw):
    fields = {"slug": slug, "default_language": "vi", "title_vi": f"Mô-đun {slug}"}
    if en:
        fields["title_en"] = f"Module {slug}"
    return fill_and_post(client, "/authoring/new", fields, field="slug", **kw)


def publishable_module(client, slug: str, *, marker: str = "") -> None:
    """A new web module with one lesson and one question in vi and en, not yet published."""
    assert create_module(client, slug).status_code == 302
    lesson = lesson_fields(
        "first-lesson", vi=f"Nội dung tiếng Việt {marker}", en=f"English text {marker}"
    )
    assert add_lesson(client, slug, lesson).status_code == 302
    assert add_question(client, slug, single_choice_fields("first-question")).status_code == 302


# The site's own scripts: static files of its own (answer saving, listen-aloud, offline),
# with no inline code; only their data- attributes carry translated words.
OWN_SCRIPT = re.compile(
    r'<script src="/(?:offline/)?static/[\w/-]+\.js(?:\?v=\w+)?"[^>]*></script>'
)


def without_own_scripts(html: str) -> tuple[str, list[str]]:
    """The page with the site's own script tags taken out, and the files they load."""
    files = [re.search(r'src="([^"?]+)', tag).group(1) for tag in OWN_SCRIPT.findall(html)]
    return OWN_SCRIPT.sub("", html), files
