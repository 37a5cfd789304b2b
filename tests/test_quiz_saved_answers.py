"""Answers saved as they are given (issue 12 item 4): the save route and its refusals, the
take page showing what was saved, the question before a blank submit, and grading from
what was saved in time."""

from __future__ import annotations

import gzip
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from learnapp import db
from learnapp.models import AttemptStatus, Question, QuizAttempt, SavedAnswer
from learnapp.quiz import services
from tests.conftest import csrf_token, post
from tests.factories import import_into, module_settings, user_id, write_module
from tests.test_quiz_flow import (
    SLUG,
    _move_deadline,
    attempt_id_of,
    get_attempt,
    other_client,
    start,
    submit,
    values,
)

JSON = {"Accept": "application/json"}
STATIC = Path(__file__).resolve().parents[1] / "learnapp" / "static"


@pytest.fixture
def course(demo, tmp_path):
    """Import the test module (4 questions, one of each kind) with the given settings."""

    def make(**settings):
        root = tmp_path / "courses" / SLUG
        write_module(root.parent, SLUG, settings=module_settings(**settings))
        import_into(demo, root.parent)
        return demo

    return make


@pytest.fixture
def learner(demo, auth):
    auth.sign_in("learner")
    return user_id(demo, "learner")


def save_one(client, path: str, question: str, answer: list[str] | None, **extra):
    """What the page's script sends on a change: one question, with the CSRF token."""
    data = {"question": question, **extra}
    if answer is not None:
        data[f"q{question}"] = answer
    return post(client, f"{path}/answers", data, token_from=path, headers=JSON)


def saved_rows(app, path: str) -> dict[int, list[str]]:
    with app.app_context():
        return dict(
            db.session.execute(
                select(SavedAnswer.question_id, SavedAnswer.answer_values).where(
                    SavedAnswer.attempt_id == attempt_id_of(path)
                )
            ).all()
        )


def question_ids(app, path: str) -> list[str]:
    return [key[1:] for key in values(app, path, right=True)]


def checked_values(page: str) -> set[tuple[str, str]]:
    return set(re.findall(r'name="(q\d+)" value="(\d+)" checked', page))


def text_values(page: str) -> dict[str, str]:
    return dict(
        re.findall(r'<input type="text" id="q\d+" name="(q\d+)"[^>]* value="([^"]*)"', page)
    )


def shown_answers(page: str) -> dict[str, list[str]]:
    shown: dict[str, list[str]] = {}
    for name, value in sorted(checked_values(page)):
        shown.setdefault(name, []).append(value)
    for name, value in text_values(page).items():
        if value:
            shown[name] = [value]
    return shown


def same(a: dict[str, list[str]], b: dict[str, list[str]]) -> bool:
    return {k: sorted(v) for k, v in a.items()} == {k: sorted(v) for k, v in b.items()}


# --- saving and seeing saved answers ------------------------------------------------------


def test_does_each_saved_answer_show_again_after_a_reload_and_a_trip_home(course, client, learner):
    app = course()
    path = start(client)
    right = values(app, path, right=True)

    for name, answer in right.items():
        response = save_one(client, path, name[1:], answer)
        assert response.status_code == 200 and response.get_json() == {"saved": True}
    client.get("/")
    client.get(f"/m/{SLUG}")
    page = client.get(path).get_data(as_text=True)

    assert same(shown_answers(page), right)
    assert get_attempt(app, path).status == AttemptStatus.OPEN


def test_does_a_later_save_replace_the_earlier_answer_and_an_empty_one_clear_it(
    course, client, learner
):
    app = course()
    path = start(client)
    right = values(app, path, right=True)
    wrong = values(app, path, right=False)
    first, second = list(right)[:2]

    save_one(client, path, first[1:], right[first])
    save_one(client, path, first[1:], wrong[first])
    save_one(client, path, second[1:], right[second])
    save_one(client, path, second[1:], None)  # every box unticked again

    rows = saved_rows(app, path)
    assert sorted(rows[int(first[1:])]) == sorted(wrong[first])
    assert rows[int(second[1:])] == []
    assert same(shown_answers(client.get(path).get_data(as_text=True)), {first: wrong[first]})


def test_does_the_save_answers_button_keep_the_whole_form_without_javascript(
    course, client, learner
):
    app = course()
    path = start(client)
    right = values(app, path, right=True)

    response = post(client, f"{path}/answers", {"answers": "1", **right}, token_from=path)

    assert response.status_code == 302 and urlsplit(response.headers["Location"]).path == path
    page = client.get(path).get_data(as_text=True)
    assert "Your answers are saved" in page or "Đã lưu câu trả lời" in page
    assert same(shown_answers(page), right)
    assert get_attempt(app, path).status == AttemptStatus.OPEN


def test_does_the_take_page_offer_the_save_button_and_load_the_small_script(
    course, client, learner
):
    course()
    path = start(client)

    response = client.get(path)
    page = response.get_data(as_text=True)

    assert f'formaction="{path}/answers"' in page
    assert f'data-save-url="{path}/answers"' in page
    assert re.search(r'<script src="/static/js/quiz\.js\?v=\w+" defer></script>', page)
    assert "<script>" not in page  # the Content-Security-Policy forbids inline scripts
    script = (STATIC / "js" / "quiz.js").read_bytes()
    css = (STATIC / "css" / "app.css").read_bytes()

    # What a phone downloads, compressed as nginx sends it (docs/deploy.md): the script,
    # which also keeps answers on the phone and orders steps, under 3 KB; the page with
    # its CSS and script under 12 KB (about 9.5 KB now), well inside the 30 KB first-visit
    # budget (docs/offline.md).
    def sent(body: bytes) -> int:
        return len(gzip.compress(body, 5))

    assert sent(script) < 3000
    assert sent(response.data) + sent(script) + sent(css) < 12 * 1024


# --- refusals -----------------------------------------------------------------------------


def test_does_another_learner_get_404_when_saving_and_change_nothing(course, client, learner):
    app = course()
    path = start(client)
    qid = question_ids(app, path)[0]
    intruder = other_client(app)

    response = post(
        intruder,
        f"{path}/answers",
        {"question": qid, f"q{qid}": values(app, path, right=True)[f"q{qid}"]},
        token_from="/",
        headers=JSON,
    )

    assert response.status_code == 404
    assert saved_rows(app, path) == {}


def test_is_a_save_without_the_csrf_token_refused(course, client, learner):
    app = course()
    path = start(client)
    qid = question_ids(app, path)[0]

    response = client.post(
        f"{path}/answers",
        data={"question": qid, f"q{qid}": values(app, path, right=True)[f"q{qid}"]},
        headers=JSON,
    )

    assert response.status_code == 400
    assert saved_rows(app, path) == {}


def test_is_a_save_to_a_submitted_attempt_refused(course, client, learner):
    app = course()
    path = start(client)
    right = values(app, path, right=True)
    token = csrf_token(client, path)
    submit(client, path, values(app, path, right=False))
    name = next(iter(right))

    response = client.post(
        f"{path}/answers",
        data={"csrf_token": token, "question": name[1:], name: right[name]},
        headers=JSON,
    )

    assert response.status_code == 409 and response.get_json()["saved"] is False
    assert "already submitted" in response.get_json()["message"] or response.get_json()["message"]
    attempt = get_attempt(app, path)
    assert attempt.percent == 0
    assert saved_rows(app, path)[int(name[1:])] == values(app, path, right=False)[name]


def test_is_a_save_past_the_time_limit_refused(course, client, learner):
    app = course(quiz={"time_limit_minutes": 5})
    path = start(client)
    name, answer = next(iter(values(app, path, right=True).items()))
    token = csrf_token(client, path)
    _move_deadline(app, path, services.GRACE.total_seconds() + 60)

    json_refusal = client.post(
        f"{path}/answers",
        data={"csrf_token": token, "question": name[1:], name: answer},
        headers=JSON,
    )
    form_refusal = client.post(f"{path}/answers", data={"csrf_token": token, name: answer})

    assert json_refusal.status_code == 409
    assert form_refusal.status_code == 302
    assert saved_rows(app, path) == {}
    assert get_attempt(app, path).status == AttemptStatus.OPEN


def test_is_a_save_within_the_grace_period_kept(course, client, learner):
    app = course(quiz={"time_limit_minutes": 5})
    path = start(client)
    name, answer = next(iter(values(app, path, right=True).items()))
    _move_deadline(app, path, services.GRACE.total_seconds() / 2)

    assert save_one(client, path, name[1:], answer).status_code == 200
    assert saved_rows(app, path) == {int(name[1:]): answer}


@pytest.mark.parametrize(
    "case",
    [
        "choice of another question",
        "two choices for one",
        "not a number",
        "unknown question",
        "question not a number",
        "text too long",
        "control character",
        "two texts",
    ],
)
def test_are_bad_values_refused_with_a_message_and_nothing_saved(course, client, learner, case):
    app = course()
    path = start(client)
    with app.app_context():
        attempt = db.session.get(QuizAttempt, attempt_id_of(path))
        layout = attempt.layout
        kinds = {qid: db.session.get(Question, qid).type.value for qid, _ in layout}
    single = next(qid for qid, _ in layout if kinds[qid] == "single")
    short = next(qid for qid, _ in layout if kinds[qid] == "short")
    other = next(cids for qid, cids in layout if qid != single and cids)
    own = dict(layout)[single]
    question, answer = {
        "choice of another question": (str(single), [str(other[0])]),
        "two choices for one": (str(single), [str(own[0]), str(own[1])]),
        "not a number": (str(single), ["first"]),
        "unknown question": ("999999", ["1"]),
        "question not a number": ("x1", [str(own[0])]),
        "text too long": (str(short), ["a" * 201]),
        "control character": (str(short), ["tin\x1bgiả"]),
        "two texts": (str(short), ["a", "b"]),
    }[case]
    data = {"question": question, f"q{question}": answer}

    response = post(client, f"{path}/answers", data, token_from=path, headers=JSON)
    # Without the script the whole form is sent; a field no question has is refused too.
    without_js = (
        post(client, f"{path}/answers", {f"q{question}": answer}, token_from=path)
        if question.isdigit()
        else None
    )

    assert response.status_code == 400
    assert response.get_json() == {
        "saved": False,
        "message": "Câu trả lời này không lưu được: nó không phải là một trong các lựa chọn.",
    }
    assert without_js is None or without_js.status_code == 400
    assert saved_rows(app, path) == {}


def test_is_the_save_route_post_only(course, client, learner):
    course()
    path = start(client)

    assert client.get(f"{path}/answers").status_code == 405


def test_do_saved_answers_belong_to_their_attempt_only(course, client, learner):
    app = course()
    first = start(client)
    right = values(app, first, right=True)
    for name, answer in right.items():
        save_one(client, first, name[1:], answer)
    post(client, first, {"confirm_blank": "1"}, token_from=first)  # as the confirmation page

    second = start(client)
    page = client.get(second).get_data(as_text=True)

    assert get_attempt(app, first).percent == 100
    assert second != first
    assert shown_answers(page) == {}
    assert saved_rows(app, second) == {}


# --- submitting with questions unanswered ----------------------------------------------------


def test_does_a_blank_submit_ask_first_and_keep_the_attempt_open(course, client, learner):
    app = course()
    path = start(client)

    response = submit(client, path, {}, confirm_blank=False)
    page = client.get(f"{path}/confirm", headers={"Accept-Language": "en"})

    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == f"{path}/confirm"
    assert get_attempt(app, path).status == AttemptStatus.OPEN
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Some questions have no answer" in text
    assert "4 of 4 questions have no answer" in text and "1, 2, 3, 4." in text
    assert 'name="confirm_blank" value="1"' in text
    assert f'href="{path}"' in text


def test_does_a_partly_answered_submit_keep_the_answers_and_name_the_blank_ones(
    course, client, learner
):
    app = course()
    path = start(client)
    right = values(app, path, right=True)
    first, *rest = list(right)

    response = submit(client, path, {key: right[key] for key in rest}, confirm_blank=False)
    page = client.get(f"{path}/confirm", headers={"Accept-Language": "en"}).get_data(as_text=True)
    take = client.get(path).get_data(as_text=True)

    assert urlsplit(response.headers["Location"]).path == f"{path}/confirm"
    assert "1 of 4 questions has no answer" in page and "1." in page
    assert same(shown_answers(take), {key: right[key] for key in rest})


def test_does_submit_anyway_grade_the_saved_answers(course, client, learner):
    app = course()
    path = start(client)
    right = values(app, path, right=True)
    first, *rest = list(right)
    submit(client, path, {key: right[key] for key in rest}, confirm_blank=False)

    response = post(client, path, {"confirm_blank": "1"}, token_from=f"{path}/confirm")

    assert urlsplit(response.headers["Location"]).path == f"{path}/result"
    attempt = get_attempt(app, path)
    assert attempt.status == AttemptStatus.SUBMITTED
    assert attempt.percent == 75 and len(attempt.answers) == 4


def test_does_a_fully_answered_submit_go_straight_to_the_result(course, client, learner):
    app = course()
    path = start(client)

    response = submit(client, path, values(app, path, right=True), confirm_blank=False)

    assert urlsplit(response.headers["Location"]).path == f"{path}/result"
    assert get_attempt(app, path).percent == 100


def test_does_the_confirmation_page_of_a_submitted_or_foreign_attempt_give_nothing_away(
    course, client, learner
):
    app = course()
    path = start(client)
    intruder = other_client(app)
    foreign = intruder.get(f"{path}/confirm")
    submit(client, path, values(app, path, right=True))

    mine = client.get(f"{path}/confirm")

    assert foreign.status_code == 404
    assert mine.status_code == 302 and urlsplit(mine.headers["Location"]).path == f"{path}/result"


def test_does_submit_anyway_without_the_csrf_token_change_nothing(course, client, learner):
    app = course()
    path = start(client)
    submit(client, path, {}, confirm_blank=False)

    response = client.post(path, data={"confirm_blank": "1"})

    assert response.status_code == 400
    assert get_attempt(app, path).status == AttemptStatus.OPEN


# --- the time limit -------------------------------------------------------------------------


def test_do_answers_saved_in_time_count_when_the_attempt_closes_late(course, client, learner):
    app = course(quiz={"time_limit_minutes": 5})
    path = start(client)
    right = values(app, path, right=True)
    wrong = values(app, path, right=False)
    for name, answer in right.items():
        save_one(client, path, name[1:], answer)
    _move_deadline(app, path, services.GRACE.total_seconds() + 60)

    # Sent late: these wrong answers replace nothing; the saved right ones are graded.
    response = submit(client, path, wrong, confirm_blank=False)

    assert urlsplit(response.headers["Location"]).path == f"{path}/result"
    attempt = get_attempt(app, path)
    assert attempt.status == AttemptStatus.SUBMITTED and attempt.percent == 100


def test_does_a_late_blank_submit_close_without_asking(course, client, learner):
    app = course(quiz={"time_limit_minutes": 5})
    path = start(client)
    _move_deadline(app, path, services.GRACE.total_seconds() + 60)

    response = submit(client, path, {}, confirm_blank=False)

    assert urlsplit(response.headers["Location"]).path == f"{path}/result"
    assert get_attempt(app, path).status == AttemptStatus.SUBMITTED
