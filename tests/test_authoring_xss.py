"""Everything authored is sanitised on the way out (issue 6 item 8, SECURITY 15): XSS
payloads written in the editor or imported from GIFT reach the learner's lesson, quiz
and result pages inert, and template syntax shows literally."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest

from learnapp import db
from learnapp.models import QuizAttempt
from tests.authoring_helpers import (
    add_lesson,
    add_question,
    create_module,
    fill_and_post,
    post_button,
    publish,
    signed_in,
    without_own_scripts,
)
from tests.factories import answer_values

SLUG = "xss-test"
# Each payload carries the word "calc=" next to template syntax, so a rendered {{7*7}}
# would show as "calc=49" while the literal one shows "calc={{7*7}}".
PAYLOAD = (
    "calc={{7*7}} <script>alert('s')</script> <img src=x onerror=alert('i')> "
    "<img src=x onerror=alert(1)> [link](javascript:alert('j')) [l2](javascript:alert(1)) "
    '<iframe src="https://evil.example/"></iframe> '
    "<a href=\"data:text/html,<script>alert('d')</script>\">data</a>"
)
GIFT = r"""
// Payloads in every place a GIFT question has text, in each text format.
::xss-html::[html]<p>calc\{\{7*7\}\}</p><script>alert(1)</script><img src\=x onerror\=alert(1)>
<iframe src\="https\://evil.example/"></iframe><a href\="javascript\:alert(1)">j</a>{
=<b>right</b><script>alert(2)</script>#<img src\=x onerror\=alert(3)>
~wrong<iframe src\="https\://evil.example/"></iframe>#<a href\="javascript\:alert(4)">fb</a>
####<script>alert(5)</script>calc\{\{7*7\}\} <a href\="data\:text/html,x">d</a>}

::xss-markdown::[markdown]calc\{\{7*7\}\} [x](javascript\:alert(6)) <script>alert(7)</script>{
=yes <img src\=x onerror\=alert(8)>
~no [y](javascript\:alert(9))#<iframe src\="https\://evil.example/"></iframe>
####<script>alert(10)</script> calc\{\{7*7\}\}}

::xss-plain::<script>alert(11)</script> calc\{\{7*7\}\}{
=a<script>alert(12)</script>
~b#<iframe src\="https\://evil.example/"></iframe>
####calc\{\{7*7\}\} <img src\=x onerror\=alert(13)>}
"""


class _Active(HTMLParser):
    """Anything in a page that a browser would run or follow into script."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs):  # noqa: ANN001
        if tag in ("script", "iframe", "object", "embed", "frame"):
            self.found.append(f"<{tag}>")
        for name, value in attrs:
            if name.startswith("on"):
                self.found.append(f"{tag} {name}=")
            scheme = (value or "").strip().lower().split(":", 1)[0]
            if name in ("href", "src", "action", "formaction") and scheme in (
                "javascript",
                "data",
                "vbscript",
            ):
                self.found.append(f"{tag} {name}={value}")


def assert_inert(html: str) -> None:
    """No script, iframe, event handler or script URL; escaped text may still show them
    as words (a GIFT question in plain text shows "<img onerror=...>" literally). The
    site's own static scripts are left out first."""
    html, _own = without_own_scripts(html)
    parser = _Active()
    parser.feed(html)
    assert parser.found == []
    assert "<script" not in html and "<iframe" not in html
    for tag in re.findall(r"<[^>]*>", html):
        for active in ("onerror", "javascript:", "data:text/html"):
            assert active not in tag.lower(), tag
    assert "calc={{7*7}}" in html
    assert "calc=49" not in html


def build_module(client) -> None:
    """A one-language module with the payload in every field the editor has."""
    assert create_module(client, SLUG, en=False).status_code == 302
    lesson = {
        "slug": "payloads",
        "minutes": "3",
        "title_vi": "Bài thử",
        "objective_vi": "Mục tiêu",
        "body_vi": f"## Part\n\n{PAYLOAD}\n\n{PAYLOAD}\n",
        "action": "save",
    }
    assert add_lesson(client, SLUG, lesson).status_code == 302
    question = {
        "key": "payload-question",
        "type": "single",
        "text_vi": PAYLOAD,
        "explanation_vi": PAYLOAD,
        "correct_0": "y",
        "choice_0_vi": f"right {PAYLOAD}",
        "feedback_0_vi": PAYLOAD,
        "choice_1_vi": f"wrong {PAYLOAD}",
        "feedback_1_vi": PAYLOAD,
    }
    assert add_question(client, SLUG, question).status_code == 302
    response = fill_and_post(
        client, f"/authoring/m/{SLUG}/gift", {"text": GIFT, "action": "save"}, field="text"
    )
    assert response.status_code == 302
    response = publish(client, SLUG)
    assert response.status_code == 302, response.get_data(as_text=True)


@pytest.fixture
def published(demo):
    build_module(signed_in(demo, "trainer"))
    return demo


@pytest.fixture
def attempt(published):
    """A learner's attempt at the quiz: (client, take page, result page)."""
    learner = signed_in(published, "learner")
    start = post_button(learner, f"/m/{SLUG}/quiz", f"/m/{SLUG}/quiz/start")
    assert start.status_code == 302
    take_url = urlsplit(start.headers["Location"]).path
    take = learner.get(take_url)
    attempt_id = int(take_url.rsplit("/", 1)[1])
    with published.app_context():
        values = answer_values(db.session.get(QuizAttempt, attempt_id), right=False)
    assert len(values) == 4  # the editor's question and the three from GIFT
    page = take.get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    done = learner.post(take_url, data={"csrf_token": token, **values})
    assert done.status_code == 302
    result = learner.get(urlsplit(done.headers["Location"]).path)
    assert result.status_code == 200
    return take, result


def test_is_the_learners_lesson_page_free_of_active_content(published):
    learner = signed_in(published, "learner")
    response = learner.get(f"/m/{SLUG}/payloads")
    assert response.status_code == 200
    html, own = without_own_scripts(response.get_data(as_text=True))
    assert "/static/js/listen.js" in own
    assert_inert(html)
    assert "<h2>Part</h2>" in html  # the Markdown itself was rendered


def test_is_the_quiz_page_free_of_active_content(attempt):
    take, _ = attempt
    # The page's own scripts, static files (saving answers as they are given, listening),
    # are the only ones allowed.
    html, own = without_own_scripts(take.get_data(as_text=True))
    assert {"/static/js/quiz.js", "/static/js/listen.js"} <= set(own)
    assert_inert(html)
    assert "right calc={{7*7}}" in html and "wrong calc={{7*7}}" in html  # choices shown
    assert "<b>right</b>" in html  # the GIFT [html] formatting that is safe stays


def test_is_the_result_page_free_of_active_content(attempt):
    _, result = attempt
    html, own = without_own_scripts(result.get_data(as_text=True))
    assert "/static/js/listen.js" in own
    assert_inert(html)
    assert html.count('class="feedback"') >= 2  # the chosen wrong choices' feedback shows
    assert html.count('class="explanation"') == 4


def test_does_the_gift_preview_page_show_imported_payloads_inert(demo):
    trainer = signed_in(demo, "trainer")
    create_module(trainer, SLUG, en=False)
    response = fill_and_post(
        trainer, f"/authoring/m/{SLUG}/gift", {"text": GIFT, "action": "preview"}, field="text"
    )
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    preview, _own = without_own_scripts(html[html.index("Will be imported (3)") :])
    parser = _Active()
    parser.feed(preview)
    assert parser.found == []
    assert "<script" not in preview and "<iframe" not in preview
    assert "calc=49" not in preview


def test_is_the_trainers_draft_preview_free_of_active_content(demo):
    trainer = signed_in(demo, "trainer")
    create_module(trainer, SLUG, en=False)
    lesson = {
        "slug": "payloads",
        "title_vi": "Bài thử <script>alert(1)</script>",
        "objective_vi": "calc={{7*7}} <img src=x onerror=alert(1)>",
        "body_vi": PAYLOAD,
        "action": "save",
    }
    assert add_lesson(trainer, SLUG, lesson).status_code == 302
    html, _own = without_own_scripts(
        trainer.get(f"/authoring/m/{SLUG}/preview/payloads").get_data(as_text=True)
    )
    parser = _Active()
    parser.feed(html)
    assert parser.found == []
    assert "<script" not in html and "<iframe" not in html and "javascript:" not in html
    assert "calc={{7*7}}" in html and "calc=49" not in html


def test_is_the_trainers_quiz_preview_free_of_active_content(published):
    trainer = signed_in(published, "trainer")
    response = trainer.get(f"/authoring/m/{SLUG}/preview-quiz")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert_inert(html)
    assert "right calc={{7*7}}" in html and "<b>right</b>" in html  # choices shown
    assert html.count('class="explanation"') == 4  # in the trainer's part
