"""Ids from outside (issue 13, finding 6): one URL converter and one form field type take
only 1 to 2^31-1, on every database, so an id no column can hold is a 404 in a URL and a
form error in a form, never a 500; answers and paths with odd characters are refused too."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select
from werkzeug.routing import IntegerConverter

from learnapp import db
from learnapp.ids import IdConverter
from learnapp.models import Area, AttemptStatus, QuizAttempt, User
from tests.conftest import csrf_token, post
from tests.factories import row_counts

BAD_IDS = ["0", "2147483648", "9223372036854775808", "99999999999999999999999", "00000000000"]
ODD_IDS = ["-1", "1.5", "²", "١", "1e3", "%00", "0x10"]


def sign_in(client, username: str) -> None:
    response = post(client, "/sign-in", {"identifier": username, "password": "learnapp-demo"})
    assert response.status_code == 302
    # The messages below are read in English.
    post(client, "/language", {"language": "en"}, token_from="/")


def id_routes(app) -> list:
    rules = [
        rule
        for rule in app.url_map.iter_rules()
        if any(isinstance(conv, IdConverter) for conv in rule._converters.values())
    ]
    assert len(rules) >= 15
    return rules


def url_with(rule, value: str) -> str:
    """The rule's path with every id replaced by value and every other part filled in."""

    def fill(match: re.Match) -> str:
        converter, arguments, _name = match.groups()
        if converter == "int":
            return value
        if converter == "any":
            return re.findall(r"[\w-]+", arguments)[0]
        return "x"

    return re.sub(r"<(?:(\w+)(?:\(([^)]*)\))?:)?(\w+)>", fill, rule.rule)


def test_is_every_int_rule_served_by_the_one_id_converter(app):
    # Every `<int:...>` in every blueprint: the whole class of bug, not a list of routes.
    for rule in app.url_map.iter_rules():
        for converter in rule._converters.values():
            if isinstance(converter, IntegerConverter):
                assert isinstance(converter, IdConverter), rule.rule


@pytest.mark.parametrize("username", ["admin", "committee", "learner", "trainer"])
def test_does_an_id_no_column_can_hold_answer_404_on_every_route(demo, client, username):
    sign_in(client, username)
    token = csrf_token(client, "/")
    before = row_counts(demo)
    for rule in id_routes(demo):
        for value in BAD_IDS + ODD_IDS:
            url = url_with(rule, value)
            method = "GET" if "GET" in rule.methods else "POST"
            response = client.open(url, method=method, data={"csrf_token": token})
            assert response.status_code == 404, (url, method, response.status_code)
    assert row_counts(demo) == before


def test_does_the_largest_id_reach_the_view_and_answer_not_found(demo, client):
    sign_in(client, "admin")
    for path in (
        "/admin/people/2147483647",
        "/admin/areas/2147483647",
        "/reports/people/2147483647",
    ):
        assert client.get(path).status_code == 404


@pytest.mark.parametrize("value", BAD_IDS + ODD_IDS)
def test_is_a_bad_area_in_the_query_string_not_found(demo, client, value):
    sign_in(client, "admin")
    for path in ("/admin/people", "/admin/audit"):
        assert client.get(path, query_string={"area": value}).status_code == 404


@pytest.mark.parametrize("page", ["99999999999999999999999", "-3", "²", "0", "abc"])
def test_does_any_page_number_show_a_page(demo, client, page):
    sign_in(client, "admin")
    for path in ("/admin/people", "/admin/audit", "/admin/assignments"):
        assert client.get(path, query_string={"page": page}).status_code == 200
    sign_in(client, "committee")
    with demo.app_context():
        area_id = db.session.scalar(select(User.area_id).where(User.username == "learner"))
    response = client.get(f"/reports/areas/{area_id}", query_string={"page": page})
    assert response.status_code == 200


@pytest.mark.parametrize("value", BAD_IDS + ODD_IDS)
def test_is_a_bad_area_in_the_new_person_form_a_form_error(demo, client, value):
    sign_in(client, "admin")
    before = row_counts(demo)
    response = post(
        client,
        "/admin/people/new",
        {"full_name": "Nguyễn Văn Mới", "area_id": value, "roles": "learner"},
        token_from="/admin/people/new",
    )
    assert response.status_code == 200
    assert "Choose an area from the list." in response.get_data(as_text=True)
    assert row_counts(demo) == before


@pytest.mark.parametrize("value", BAD_IDS + ODD_IDS)
def test_are_bad_ids_in_the_assignment_and_move_forms_form_errors(demo, client, value):
    sign_in(client, "admin")
    with demo.app_context():
        village = db.session.scalar(select(Area).where(Area.name == "Lềm"))
        village_id = village.id
    before = row_counts(demo)
    response = post(
        client,
        "/admin/assignments",
        {"module_id": value, "area_id": value, "due_on": "2099-01-01"},
        token_from="/admin/assignments",
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Choose a published module from the list." in page
    assert "Choose an area from the list." in page
    response = post(
        client,
        f"/admin/areas/{village_id}/move",
        {"parent_id": value},
        token_from=f"/admin/areas/{village_id}",
    )
    assert response.status_code == 200
    assert "Choose the new place from the list." in response.get_data(as_text=True)
    assert row_counts(demo) == before


def test_is_a_nul_in_a_path_segment_not_found_signed_out(demo, client):
    for path in ("/verify/%00", "/verify/abc%00def", "/certificates/%00", "/m/%00"):
        assert client.get(path).status_code in (404, 302), path
    assert client.get("/verify/%00").status_code == 404


def test_is_an_answer_value_like_a_superscript_digit_graded_as_no_answer(app, client, tmp_path):
    from tests.factories import import_into, make_learner, module_settings, write_module

    write_module(tmp_path / "c", "odd", settings=module_settings(completion="quiz"))
    import_into(app, tmp_path / "c")
    make_learner(app, "odd-learner")
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == "odd-learner"))
        from learnapp.auth.services import hash_password

        user.password_hash = hash_password("learnapp-demo")
        db.session.commit()
    sign_in(client, "odd-learner")
    response = post(client, "/m/odd/quiz/start", token_from="/m/odd/quiz")
    assert response.status_code == 302
    attempt_url = response.headers["Location"]
    with app.app_context():
        attempt = db.session.scalar(select(QuizAttempt))
        values = {f"q{qid}": ["²", "99999999999999999999", "-1"] for qid, _ in attempt.layout}
    # Values that are no answer leave every question blank: submit past that question.
    values |= {"answers": "1", "confirm_blank": "1"}
    response = post(client, attempt_url, values, token_from=attempt_url)
    assert response.status_code == 302
    with app.app_context():
        attempt = db.session.scalar(select(QuizAttempt))
        assert attempt.status == AttemptStatus.SUBMITTED and attempt.percent == 0
