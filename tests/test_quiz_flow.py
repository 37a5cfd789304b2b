"""The quiz and progress journey through the test client: start, take, submit once,
result, completion, certificates, verification and language (issue 3 items 2-8;
SECURITY 10, 19, 21, 22)."""

from __future__ import annotations

import html
import re
import threading
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from learnapp import db
from learnapp.models import (
    AnswerChoice,
    AttemptAnswer,
    AttemptStatus,
    Certificate,
    Choice,
    LessonProgress,
    QuizAttempt,
    User,
)
from learnapp.models.base import utcnow
from learnapp.quiz import services
from tests.conftest import post
from tests.factories import (
    answer_values,
    import_into,
    module_settings,
    quiz_of,
    row_counts,
    user_id,
    write_module,
)
from tests.sql_recorder import statements_sent

SLUG = "test-module"
EN = {"Accept-Language": "en"}
CODE_RE = re.compile(r"/certificates/([A-Za-z0-9_-]+)")


# --- helpers -------------------------------------------------------------------------


@pytest.fixture
def course(demo, tmp_path):
    """Import one module (2 lessons, 4 questions, one of each kind) with given settings."""

    def make(slug: str = SLUG, languages=("vi", "en"), **settings):
        root = tmp_path / "courses" / slug
        write_module(root.parent, slug, settings=module_settings(**settings), languages=languages)
        import_into(demo, root.parent)
        return demo

    return make


@pytest.fixture
def learner(demo, auth):
    auth.sign_in("learner")
    return user_id(demo, "learner")


def other_client(app, username: str = "learner2"):
    other = app.test_client()
    response = post(other, "/sign-in", {"identifier": username, "password": "learnapp-demo"})
    assert response.status_code == 302
    return other


def start(client, slug: str = SLUG) -> str:
    """Press "Start the quiz"; return the path of the attempt page it leads to."""
    response = post(client, f"/m/{slug}/quiz/start", token_from=f"/m/{slug}/quiz")
    assert response.status_code == 302, response.get_data(as_text=True)
    path = urlsplit(response.headers["Location"]).path
    assert re.fullmatch(r"/quiz/attempts/\d+", path), path
    return path


def attempt_id_of(path: str) -> int:
    return int(path.rsplit("/", 1)[1])


def values(app, path: str, *, right: bool) -> dict[str, list[str]]:
    with app.app_context():
        return answer_values(db.session.get(QuizAttempt, attempt_id_of(path)), right=right)


def submit(client, path: str, data: dict, *, confirm_blank: bool = True) -> object:
    """Submit the attempt's form; by default past the question about blank answers."""
    payload = {"answers": "1", **data}
    if confirm_blank:
        payload["confirm_blank"] = "1"
    return post(client, path, payload, token_from=path)


def get_attempt(app, path_or_id) -> QuizAttempt:
    attempt_id = path_or_id if isinstance(path_or_id, int) else attempt_id_of(path_or_id)
    with app.app_context():
        attempt = db.session.get(QuizAttempt, attempt_id)
        _ = [a.chosen for a in attempt.answers]
        return attempt


def count(app, model_column) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(model_column)))


def mark_done(client, lesson_slug: str, slug: str = SLUG):
    return post(client, f"/m/{slug}/{lesson_slug}/done", token_from=f"/m/{slug}/{lesson_slug}")


def pass_quiz(app, client, slug: str = SLUG):
    path = start(client, slug)
    response = submit(client, path, values(app, path, right=True))
    assert response.status_code == 302
    return path


def input_order(page: str) -> list[tuple[str, str]]:
    """The (name, value) of each answer input of the take page, in page order."""
    return re.findall(r'<input type="(?:radio|checkbox)" name="(q\d+)" value="(\d+)"', page) + [
        (name, "") for name in re.findall(r'<input type="text" id="q\d+" name="(q\d+)"', page)
    ]


def review_items(page: str) -> list[tuple[str, str]]:
    """(class, text) of every choice in the result page's review lists."""
    return [
        (cls.strip(), re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", body))).strip())
        for cls, body in re.findall(r'<li class="([^"]*)">(.*?)</li>', page, flags=re.S)
    ]


def writes_recorded(app):
    """Collect every INSERT, UPDATE or DELETE the app sends to the database meanwhile."""
    return statements_sent(
        app,
        keep=lambda sql: sql.lstrip().split(None, 1)[0].upper() in ("INSERT", "UPDATE", "DELETE"),
    )


# --- start, take, submit, result ---------------------------------------------------------


def test_can_a_learner_start_take_submit_and_see_the_result(course, client, learner):
    app = course()

    overview = client.get(f"/m/{SLUG}/quiz")
    path = start(client)
    take = client.get(path)
    response = submit(client, path, values(app, path, right=True))
    result = client.get(urlsplit(response.headers["Location"]).path)

    assert overview.status_code == 200
    assert take.status_code == 200 and take.get_data(as_text=True).count("<fieldset") == 4
    assert urlsplit(response.headers["Location"]).path == f"{path}/result"
    page = result.get_data(as_text=True)
    assert result.status_code == 200 and "100%" in page and 'class="card result pass"' in page
    attempt = get_attempt(app, path)
    assert attempt.status == AttemptStatus.SUBMITTED and attempt.percent == 100
    assert attempt.passed and len(attempt.answers) == 4
    assert all(a.is_correct for a in attempt.answers)


def test_does_the_take_page_hold_no_correctness_information(course, client, learner):
    app = course()
    path = start(client)

    page = client.get(path).get_data(as_text=True)

    assert "Which one is right? vi" in page and "Right choice vi" in page
    assert "correct" not in page.lower()
    assert "Explanation of" not in page
    assert "Feedback on" not in page
    assert "tin giả" not in page  # the short question's accepted answer
    assert "right answer" not in page.lower()
    # Every radio and checkbox looks the same: no attribute tells the right one apart.
    inputs = re.findall(r"<input [^>]*>", page)
    answer_inputs = [i for i in inputs if 'name="q' in i]
    assert len({re.sub(r'(name|value|id)="[^"]*"', "", i) for i in answer_inputs}) == 3
    assert get_attempt(app, path).status == AttemptStatus.OPEN


def test_does_the_result_page_show_the_answer_the_right_answer_and_the_explanation(
    course, client, learner
):
    app = course()
    path = start(client)
    with app.app_context():
        attempt = db.session.get(QuizAttempt, attempt_id_of(path))
        by_text = {}
        for qid, choice_ids in attempt.layout:
            for cid in choice_ids:
                choice = db.session.get(Choice, cid)
                text = next((t.text_md for t in choice.texts if t.language == "vi"), "")
                by_text[text] = (qid, cid)
    wrong_a = by_text["Wrong choice A vi"]
    data = {
        f"q{wrong_a[0]}": [str(wrong_a[1])],
        f"q{by_text['Good one vi'][0]}": [str(by_text["Good one vi"][1])],
    }
    short_id = next(qid for qid, choices in attempt.layout if not choices)
    data[f"q{short_id}"] = ["tin that"]

    submit(client, path, data)
    page = client.get(f"{path}/result").get_data(as_text=True)

    items = review_items(page)
    assert any(
        c == "chosen" and "Wrong choice A vi" in t and "Feedback on A vi" in t for c, t in items
    )
    assert any(c == "correct" and "Right choice vi" in t for c, t in items)
    assert any(c == "correct chosen" and "Good one vi" in t for c, t in items)
    assert any(c == "correct" and "Good two vi" in t for c, t in items)
    assert "tin that" in page and "tin giả" in page
    for key in ("pick-one", "pick-many", "true-or-false", "type-it"):
        assert f"Explanation of {key} vi" in page
    # Feedback is only for a choice the learner picked.
    assert "Feedback on bad one vi" not in page
    assert 'class="card result fail"' in page
    attempt = get_attempt(app, path)
    assert attempt.score == pytest.approx(0.5) and attempt.percent == 12


def test_does_the_result_page_of_an_open_attempt_reveal_nothing(course, client, learner):
    course()
    path = start(client)

    response = client.get(f"{path}/result")

    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == path
    assert "Explanation of" not in response.get_data(as_text=True)


# --- a submission counts once ------------------------------------------------------------


def test_does_a_replayed_submit_record_one_attempt_and_one_set_of_answers(course, client, learner):
    app = course()
    path = start(client)
    right = values(app, path, right=True)
    wrong = values(app, path, right=False)

    first = submit(client, path, right)
    replay = submit(client, path, right)
    changed = submit(client, path, wrong)

    assert first.status_code == replay.status_code == changed.status_code == 302
    assert urlsplit(replay.headers["Location"]).path == f"{path}/result"
    assert count(app, QuizAttempt.id) == 1
    assert count(app, AttemptAnswer.id) == 4
    attempt = get_attempt(app, path)
    assert attempt.percent == 100 and attempt.passed
    assert sorted(len(a.chosen) for a in attempt.answers) == [0, 1, 1, 2]


def test_does_a_submit_without_the_csrf_token_change_nothing(course, client, learner):
    app = course()
    path = start(client)

    response = client.post(path, data=values(app, path, right=True))

    assert response.status_code == 400
    assert get_attempt(app, path).status == AttemptStatus.OPEN
    assert count(app, AttemptAnswer.id) == 0


def test_are_choices_from_another_question_or_attempt_ignored(course, client, learner):
    app = course()
    path = start(client)
    right = values(app, path, right=True)
    keys = list(right)
    # Each question gets the right answer of another question: nothing of it counts.
    swapped = {keys[i]: right[keys[(i + 1) % len(keys)]] for i in range(len(keys))}

    submit(client, path, swapped)

    attempt = get_attempt(app, path)
    assert attempt.score == 0
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(AnswerChoice)) == 0


# --- another learner's attempt -------------------------------------------------------------


def test_does_another_learner_get_404_on_an_attempt_and_change_nothing(course, client, learner):
    app = course()
    path = start(client)
    intruder = other_client(app)

    take = intruder.get(path)
    result = intruder.get(f"{path}/result")
    posted = post(intruder, path, values(app, path, right=True), token_from="/")

    assert (take.status_code, result.status_code, posted.status_code) == (404, 404, 404)
    attempt = get_attempt(app, path)
    assert attempt.status == AttemptStatus.OPEN and attempt.answers == []
    assert count(app, QuizAttempt.id) == 1
    # The owner still submits normally afterwards.
    submit(client, path, values(app, path, right=True))
    assert get_attempt(app, path).percent == 100
    assert intruder.get(f"{path}/result").status_code == 404


def test_is_a_missing_attempt_404_like_another_learners(course, client, learner):
    course()

    assert client.get("/quiz/attempts/999999").status_code == 404
    assert client.get("/quiz/attempts/999999/result").status_code == 404


# --- the limits: attempts and time ----------------------------------------------------------


def test_is_max_attempts_enforced_on_the_server(course, client, learner):
    app = course(quiz={"max_attempts": 2})
    for _ in range(2):
        path = start(client)
        submit(client, path, values(app, path, right=False))

    response = post(client, f"/m/{SLUG}/quiz/start", token_from=f"/m/{SLUG}/quiz")

    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == f"/m/{SLUG}/quiz"
    assert count(app, QuizAttempt.id) == 2
    overview = client.get(f"/m/{SLUG}/quiz").get_data(as_text=True)
    assert f'action="/m/{SLUG}/quiz/start"' not in overview
    with app.app_context():
        user = db.session.get(User, learner)
        with pytest.raises(services.NoAttemptsLeft):
            services.start_attempt(user, quiz_of(SLUG), "vi")
        db.session.rollback()
    assert count(app, QuizAttempt.id) == 2


def _move_deadline(app, path: str, seconds_ago: float) -> None:
    with app.app_context():
        db.session.execute(
            update(QuizAttempt)
            .where(QuizAttempt.id == attempt_id_of(path))
            .values(deadline_at=utcnow() - timedelta(seconds=seconds_ago))
        )
        db.session.commit()


def test_does_a_time_limited_attempt_get_a_deadline(course, client, learner):
    app = course(quiz={"time_limit_minutes": 5})
    before = utcnow()

    path = start(client)

    attempt = get_attempt(app, path)
    assert attempt.deadline_at is not None
    assert timedelta(minutes=5) <= attempt.deadline_at - before <= timedelta(minutes=5, seconds=30)


def test_are_answers_sent_after_the_deadline_and_grace_not_counted(course, client, learner):
    app = course(quiz={"time_limit_minutes": 5})
    path = start(client)
    right = values(app, path, right=True)
    _move_deadline(app, path, services.GRACE.total_seconds() + 60)

    response = submit(client, path, right)

    assert response.status_code == 302
    attempt = get_attempt(app, path)
    assert attempt.status == AttemptStatus.SUBMITTED
    assert attempt.score == 0 and attempt.percent == 0 and not attempt.passed
    assert len(attempt.answers) == 4
    assert all(a.chosen == [] and not a.text_response for a in attempt.answers)


def test_are_answers_sent_within_the_grace_period_counted(course, client, learner):
    app = course(quiz={"time_limit_minutes": 5})
    path = start(client)
    right = values(app, path, right=True)
    _move_deadline(app, path, services.GRACE.total_seconds() / 2)

    submit(client, path, right)

    assert get_attempt(app, path).percent == 100


def test_does_opening_an_expired_attempt_write_nothing_and_offer_a_button_to_close_it(
    course, client, learner
):
    # SECURITY 13: a GET never changes data (and on SQLite it runs in a deferred read
    # transaction, which cannot safely turn into a write).
    app = course(quiz={"time_limit_minutes": 5})
    path = start(client)
    _move_deadline(app, path, services.GRACE.total_seconds() + 60)
    before = row_counts(app)

    with writes_recorded(app) as writes:
        response = client.get(path)

    assert response.status_code == 200
    assert writes == []
    assert row_counts(app) == before
    attempt = get_attempt(app, path)
    assert attempt.status == AttemptStatus.OPEN and attempt.submitted_at is None
    page = response.get_data(as_text=True)
    assert "Đã hết thời gian làm bài này" in page
    # No questions to answer, only the button that closes the attempt (a CSRF form).
    assert "<fieldset" not in page and 'name="q' not in page
    assert re.search(rf'<form method="post" action="{path}">\s*<input id="csrf_token"', page)


def test_does_the_close_button_of_an_expired_attempt_close_it_once_with_nothing_counted(
    course, client, learner
):
    app = course(quiz={"time_limit_minutes": 5})
    path = start(client)
    right = values(app, path, right=True)
    _move_deadline(app, path, services.GRACE.total_seconds() + 60)

    closed = submit(client, path, {})
    again = submit(client, path, {})
    late = submit(client, path, right)

    for response in (closed, again, late):
        assert response.status_code == 302
        assert urlsplit(response.headers["Location"]).path == f"{path}/result"
    assert count(app, QuizAttempt.id) == 1
    assert count(app, AttemptAnswer.id) == 4
    attempt = get_attempt(app, path)
    assert attempt.status == AttemptStatus.SUBMITTED and attempt.score == 0
    assert not attempt.passed
    assert all(a.chosen == [] and not a.text_response for a in attempt.answers)
    result = client.get(f"{path}/result")
    assert result.status_code == 200 and 'class="card result fail"' in result.get_data(as_text=True)


def test_does_the_module_page_count_an_expired_attempt_before_it_is_closed(course, client, learner):
    app = course(quiz={"time_limit_minutes": 5, "max_attempts": 2})
    set_language(client, "en")
    path = start(client)
    assert "Attempts left: 2" in client.get(f"/m/{SLUG}").get_data(as_text=True)
    _move_deadline(app, path, services.GRACE.total_seconds() + 60)

    with writes_recorded(app) as writes:
        module = client.get(f"/m/{SLUG}").get_data(as_text=True)
        overview = client.get(f"/m/{SLUG}/quiz").get_data(as_text=True)

    assert writes == []
    assert "Attempts left: 1" in module and "Best score: 0%" in module
    assert "Attempts left: 1" in overview
    # The overview leads to the attempt, whose page offers to close it.
    assert f'href="{path}"' in overview
    submit(client, path, {})
    assert "Attempts left: 1" in client.get(f"/m/{SLUG}").get_data(as_text=True)


def test_does_starting_after_an_expired_attempt_open_a_new_one(course, client, learner):
    app = course(quiz={"time_limit_minutes": 5, "max_attempts": 2})
    first = start(client)
    _move_deadline(app, first, services.GRACE.total_seconds() + 60)

    second = start(client)

    assert second != first
    assert get_attempt(app, first).status == AttemptStatus.SUBMITTED
    assert get_attempt(app, first).score == 0
    assert get_attempt(app, second).status == AttemptStatus.OPEN


def test_does_start_after_the_last_attempt_expired_close_it_and_refuse_a_new_one(
    course, client, learner
):
    app = course(quiz={"time_limit_minutes": 5, "max_attempts": 1})
    path = start(client)
    _move_deadline(app, path, services.GRACE.total_seconds() + 60)

    response = post(client, f"/m/{SLUG}/quiz/start", token_from=f"/m/{SLUG}/quiz")

    assert urlsplit(response.headers["Location"]).path == f"/m/{SLUG}/quiz"
    assert count(app, QuizAttempt.id) == 1
    assert get_attempt(app, path).status == AttemptStatus.SUBMITTED


# --- one open attempt, in a stable order -------------------------------------------------------


def test_do_questions_and_choices_keep_their_order_across_reloads(course, client, learner):
    app = course()
    path = start(client)

    first = input_order(client.get(path).get_data(as_text=True))
    second = input_order(client.get(path).get_data(as_text=True))
    again = start(client)  # "Start" pressed again while the attempt is open
    third = input_order(client.get(again).get_data(as_text=True))

    assert again == path
    assert first == second == third
    layout = get_attempt(app, path).layout
    choice_inputs = [(f"q{qid}", str(cid)) for qid, cids in layout for cid in cids]
    assert [i for i in first if i[1]] == choice_inputs
    assert [q for q, _ in first if _ == ""] == [f"q{qid}" for qid, cids in layout if not cids]


def test_does_pressing_start_twice_open_one_attempt(course, client, learner):
    app = course()

    first = start(client)
    second = start(client)

    assert first == second
    assert count(app, QuizAttempt.id) == 1


@pytest.mark.serial
def test_do_two_concurrent_start_requests_yield_one_open_attempt(course, client, learner):
    app = course()
    token_page = client.get(f"/m/{SLUG}/quiz").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', token_page).group(1)
    cookie = client.get_cookie("session").value
    barrier = threading.Barrier(2)
    locations: list[str] = []
    errors: list[BaseException] = []

    def press_start():
        browser = app.test_client()
        browser.set_cookie("session", cookie)
        try:
            barrier.wait(timeout=10)
            response = browser.post(f"/m/{SLUG}/quiz/start", data={"csrf_token": token})
            locations.append(urlsplit(response.headers["Location"]).path)
        except BaseException as exc:  # noqa: BLE001  (reported below)
            errors.append(exc)

    threads = [threading.Thread(target=press_start) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    assert len(locations) == 2 and locations[0] == locations[1]
    with app.app_context():
        assert db.session.scalar(select(func.count(QuizAttempt.id))) == 1


def test_does_the_database_refuse_a_second_open_attempt(course, client, learner):
    app = course()
    path = start(client)
    first = get_attempt(app, path)

    with app.app_context():
        db.session.add(
            QuizAttempt(user_id=learner, quiz_id=first.quiz_id, language="vi", layout=[])
        )
        with pytest.raises(IntegrityError):
            db.session.commit()
        db.session.rollback()
        # A submitted attempt next to the open one is fine.
        db.session.add(
            QuizAttempt(
                user_id=learner,
                quiz_id=first.quiz_id,
                language="vi",
                layout=[],
                status=AttemptStatus.SUBMITTED,
            )
        )
        db.session.commit()

    assert count(app, QuizAttempt.id) == 2


def test_does_a_start_that_loses_the_race_return_the_winners_attempt(
    course, client, learner, monkeypatch
):
    # The check-then-insert race, made certain: the open-attempt check misses the
    # attempt another request just committed, so the unique index must catch it.
    app = course()
    path = start(client)
    real_open_attempt = services.open_attempt
    calls = []

    def miss_once(user, quiz):
        calls.append(1)
        return None if len(calls) == 1 else real_open_attempt(user, quiz)

    monkeypatch.setattr(services, "open_attempt", miss_once)
    with app.app_context():
        user = db.session.get(User, learner)
        attempt = services.start_attempt(user, quiz_of(SLUG), "vi")
        db.session.commit()
        returned = attempt.id

    assert returned == attempt_id_of(path)
    assert count(app, QuizAttempt.id) == 1
    assert len(calls) == 2


# --- completion and certificates ---------------------------------------------------------------


def certificates(app) -> list[Certificate]:
    with app.app_context():
        return list(db.session.scalars(select(Certificate)))


def test_do_all_lessons_and_a_passed_quiz_issue_one_certificate(course, client, learner):
    app = course()
    mark_done(client, "lesson-1")
    mark_done(client, "lesson-2")
    assert certificates(app) == []
    failed = start(client)
    submit(client, failed, values(app, failed, right=False))
    assert certificates(app) == []

    pass_quiz(app, client)
    pass_quiz(app, client)  # passing again issues no second certificate

    issued = certificates(app)
    assert len(issued) == 1 and issued[0].user_id == learner
    assert re.fullmatch(r"[A-Za-z0-9_-]{20,}", issued[0].code)
    home = client.get("/").get_data(as_text=True)
    assert f"/certificates/{issued[0].code}" in home


def test_does_a_passed_quiz_alone_not_complete_a_lessons_and_quiz_module(course, client, learner):
    app = course()
    mark_done(client, "lesson-1")

    pass_quiz(app, client)

    assert certificates(app) == []
    response = mark_done(client, "lesson-2")
    issued = certificates(app)
    assert len(issued) == 1
    assert urlsplit(response.headers["Location"]).path == f"/certificates/{issued[0].code}"


def test_does_the_lessons_rule_complete_a_module_without_the_quiz(course, client, learner):
    app = course(completion="lessons")
    mark_done(client, "lesson-1")
    assert certificates(app) == []

    mark_done(client, "lesson-2")

    assert len(certificates(app)) == 1
    assert count(app, QuizAttempt.id) == 0


def test_does_the_quiz_rule_complete_a_module_without_the_lessons(course, client, learner):
    app = course(completion="quiz")
    failed = start(client)
    submit(client, failed, values(app, failed, right=False))
    assert certificates(app) == []

    pass_quiz(app, client)

    assert len(certificates(app)) == 1
    assert count(app, LessonProgress.id) == 0


def test_is_marking_a_lesson_done_idempotent(course, client, learner):
    app = course()

    mark_done(client, "lesson-1")
    mark_done(client, "lesson-1")

    assert count(app, LessonProgress.id) == 1
    progress = client.get(f"/m/{SLUG}/progress").get_data(as_text=True)
    assert "✓ Lesson 1 vi" in progress and "○ Lesson 2 vi" in progress
    page = client.get(f"/m/{SLUG}").get_data(as_text=True)
    assert re.search(rf'<li class="done">\s*<a href="/m/{SLUG}/lesson-1">', page)


def test_are_certificate_codes_different_for_each_certificate(course, client, learner):
    app = course(completion="quiz")
    course(slug="second-module", completion="quiz")
    pass_quiz(app, client)
    pass_quiz(app, client, "second-module")
    other = other_client(app)
    pass_quiz(app, other)

    codes = [c.code for c in certificates(app)]

    assert len(codes) == 3 and len(set(codes)) == 3


def test_is_the_certificate_page_for_its_owner_only(course, client, learner):
    app = course(completion="quiz")
    pass_quiz(app, client)
    code = certificates(app)[0].code

    own = client.get(f"/certificates/{code}")
    other = other_client(app).get(f"/certificates/{code}")
    anonymous = app.test_client().get(f"/certificates/{code}")

    assert own.status_code == 200
    page = own.get_data(as_text=True)
    assert "Hoàng Văn An" in page and f"/verify/{code}" in page
    assert other.status_code == 404
    assert anonymous.status_code == 302 and "/sign-in" in anonymous.headers["Location"]


def test_does_verify_work_signed_out_with_name_module_and_date(course, client, learner):
    app = course(completion="quiz")
    pass_quiz(app, client)
    certificate = certificates(app)[0]
    # Dates are shown in Vietnam's time zone, UTC+7.
    local_day = (certificate.issued_at + timedelta(hours=7)).strftime("%d/%m/%Y")

    response = app.test_client().get(f"/verify/{certificate.code}")

    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Hoàng Văn An" in page and "Mô-đun thử" in page and local_day in page


def test_does_an_unknown_code_show_the_plain_unknown_message_with_404(course, client, learner):
    app = course(completion="quiz")
    pass_quiz(app, client)
    code = certificates(app)[0].code
    anonymous = app.test_client()

    unknown = anonymous.get("/verify/" + "A" * 22, headers=EN)
    # Codes are read case-insensitively, so the changed last character must differ
    # from the real one in any case, not only in this one.
    other = "0" if code[-1].upper() != "0" else "2"
    near_miss = anonymous.get(f"/verify/{code[:-1]}{other}")
    too_long = anonymous.get("/verify/" + "A" * 200, headers=EN)

    for response in (unknown, near_miss, too_long):
        assert response.status_code == 404
        assert "Hoàng Văn An" not in response.get_data(as_text=True)
    assert "We do not know this certificate code" in unknown.get_data(as_text=True)
    assert "Không tìm thấy mã giấy chứng nhận này" in near_miss.get_data(as_text=True)


# --- language ------------------------------------------------------------------------------------


def set_language(client, code: str):
    return post(client, "/language", {"language": code, "next": "/"}, token_from="/")


def test_does_an_english_learner_see_the_module_in_english(course, client, learner):
    app = course()
    set_language(client, "en")

    module = client.get(f"/m/{SLUG}").get_data(as_text=True)
    lesson = client.get(f"/m/{SLUG}/lesson-1").get_data(as_text=True)
    path = start(client)
    take = client.get(path).get_data(as_text=True)

    assert "Test module" in module and "Lesson 1 en" in module and "Mô-đun thử" not in module
    assert "Body of lesson 1 in en." in lesson and 'lang="en"' in lesson
    assert "Which one is right? en" in take and "Right choice en" in take
    assert get_attempt(app, path).language == "en"
    with app.app_context():
        assert db.session.get(User, learner).locale == "en"


def test_does_a_module_without_english_fall_back_to_its_default_language(course, client, learner):
    app = course(languages=("vi",))
    set_language(client, "en")

    module = client.get(f"/m/{SLUG}").get_data(as_text=True)
    lesson = client.get(f"/m/{SLUG}/lesson-1").get_data(as_text=True)
    path = start(client)
    take = client.get(path).get_data(as_text=True)
    submit(client, path, values(app, path, right=False))
    result = client.get(f"{path}/result").get_data(as_text=True)

    assert "Mô-đun thử" in module and "Lesson 1 vi" in module
    assert "Body of lesson 1 in vi." in lesson and 'lang="vi"' in lesson
    assert "Which one is right? vi" in take
    assert "Explanation of pick-one vi" in result
    # The page around the content is still in English.
    assert "Mark as done" in lesson


def test_does_progress_made_in_one_language_count_in_the_other(course, client, learner):
    app = course()
    mark_done(client, "lesson-1")
    path = start(client)
    submit(client, path, values(app, path, right=True))
    set_language(client, "en")

    module = client.get(f"/m/{SLUG}").get_data(as_text=True)
    lesson = client.get(f"/m/{SLUG}/lesson-1").get_data(as_text=True)
    mark_done(client, "lesson-2")

    assert re.search(rf'<li class="done">\s*<a href="/m/{SLUG}/lesson-1">\s*Lesson 1 en', module)
    assert "Best score: 100%" in module
    assert "Mark as done" not in lesson
    assert len(certificates(app)) == 1
    assert count(app, LessonProgress.id) == 2


# --- what the learner's pages show ------------------------------------------------------------


MULTIPLE_RULE = {
    "en": "The right answers share the points equally: each one you tick earns its share. "
    "The wrong answers also share the points equally: each one you tick takes its share "
    "away. The score for the question never goes below zero.",
    "vi": "Các đáp án đúng chia đều số điểm của câu",
}


@pytest.mark.parametrize("language", ["en", "vi"])
def test_does_a_multiple_answer_question_state_its_partial_credit_rule(
    course, client, learner, language
):
    # The rule of quiz/types/choice.py MultipleAnswer: a right tick earns 1/k of the points (k
    # right choices), a wrong tick takes away 1/w (w wrong choices), never below zero.
    course()
    set_language(client, language)
    path = start(client)

    page = client.get(path).get_data(as_text=True)

    multiple = re.search(
        r'<fieldset class="question card"[^>]*>((?:(?!</fieldset>).)*?type="checkbox"'
        r".*?)</fieldset>",
        page,
        flags=re.S,
    )
    assert multiple, page
    assert page.count(MULTIPLE_RULE[language]) == 1
    assert MULTIPLE_RULE[language] in multiple.group(1)


def continue_target(client) -> str:
    """Where the home page's "What next" button leads."""
    page = client.get("/").get_data(as_text=True)
    section = re.search(r'<section class="card next">(.*?)</section>', page, flags=re.S)
    assert section, page
    return re.search(r'<a class="button primary wide" href="([^"]+)"', section.group(1)).group(1)


def test_does_continue_skip_finished_lessons_and_lead_to_the_quiz_when_all_are_done(
    course, client, learner
):
    app = course()
    targets = [continue_target(client)]
    mark_done(client, "lesson-1")
    targets.append(continue_target(client))
    mark_done(client, "lesson-2")
    targets.append(continue_target(client))
    pass_quiz(app, client)

    home = client.get("/").get_data(as_text=True)

    assert targets == [f"/m/{SLUG}/lesson-1", f"/m/{SLUG}/lesson-2", f"/m/{SLUG}/quiz"]
    assert 'class="card next"' not in home
    assert f"/certificates/{certificates(app)[0].code}" in home


def test_does_continue_skip_a_lesson_done_out_of_order(course, client, learner):
    course()
    mark_done(client, "lesson-2")

    assert continue_target(client) == f"/m/{SLUG}/lesson-1"
    mark_done(client, "lesson-1")
    assert continue_target(client) == f"/m/{SLUG}/quiz"


def test_do_attempts_left_on_the_module_page_count_down(course, client, learner):
    app = course(quiz={"max_attempts": 3})
    set_language(client, "en")
    seen = [re.search(r"Attempts left: \d+", client.get(f"/m/{SLUG}").get_data(as_text=True))]
    for _ in range(3):
        path = start(client)
        submit(client, path, values(app, path, right=False))
        seen.append(
            re.search(r"Attempts left: \d+", client.get(f"/m/{SLUG}").get_data(as_text=True))
        )

    assert [m.group(0) for m in seen] == [f"Attempts left: {n}" for n in (3, 2, 1, 0)]
    overview = client.get(f"/m/{SLUG}/quiz").get_data(as_text=True)
    assert "You have used all the attempts for this quiz." in overview


def progress_facts(client) -> dict[str, str]:
    page = client.get(f"/m/{SLUG}/progress").get_data(as_text=True)
    facts = re.search(r'<dl class="facts">(.*?)</dl>', page, flags=re.S).group(1)
    return {
        html.unescape(dt).strip(): html.unescape(dd).strip()
        for dt, dd in re.findall(r"<dt>(.*?)</dt><dd>(.*?)</dd>", facts, flags=re.S)
    }


def test_does_the_progress_page_show_best_score_attempts_and_completion_date(
    course, client, learner
):
    app = course()
    set_language(client, "en")
    before = progress_facts(client)
    mark_done(client, "lesson-1")
    mark_done(client, "lesson-2")
    failed = start(client)
    submit(client, failed, values(app, failed, right=False))
    after_fail = progress_facts(client)
    pass_quiz(app, client)

    after_pass = progress_facts(client)

    assert before == {
        "Lessons done": "0 / 2",
        "Best quiz score": "—",
        "Quiz attempts": "0",
        "Completed on": "not yet",
    }
    assert after_fail["Best quiz score"] == "0%" and after_fail["Quiz attempts"] == "1"
    assert after_fail["Completed on"] == "not yet"
    issued = certificates(app)[0].issued_at
    # Dates are shown in Vietnam's time zone, UTC+7.
    assert after_pass == {
        "Lessons done": "2 / 2",
        "Best quiz score": "100%",
        "Quiz attempts": "2",
        "Completed on": (issued + timedelta(hours=7)).strftime("%d/%m/%Y"),
    }


def test_does_the_certificate_page_show_the_qr_code_and_link_the_print_css(course, client, learner):
    app = course(completion="quiz")
    pass_quiz(app, client)
    code = certificates(app)[0].code

    page = client.get(f"/certificates/{code}").get_data(as_text=True)

    qr = re.search(r'<div class="cert-verify">\s*<img src="([^"]+)" alt="([^"]+)"', page)
    assert qr, page
    assert qr.group(1).startswith("data:image/svg+xml") and qr.group(2)
    print_css = re.search(r'<link rel="stylesheet" href="([^"]+)" media="print">', page)
    assert print_css and "css/print" in print_css.group(1)
    stylesheet = client.get(print_css.group(1))
    assert stylesheet.status_code == 200 and b"@page" in stylesheet.data
    assert b".certificate" in stylesheet.data
