"""`flask demo` and `flask create-user`: what they build, and what they refuse."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from learnapp import db
from learnapp.auth.services import verify_password
from learnapp.demo.province import DEMO_PASSWORD, TREE
from learnapp.models import Area, Assignment, Module, Role, User
from learnapp.models.base import vietnam_today
from learnapp.org.services import create_area
from tests.conftest import FAST_ARGON2
from tests.factories import row_counts


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


def run_demo(runner):
    return runner.invoke(args=["demo"])


def area_path(area: Area) -> str:
    names = []
    while area is not None:
        names.append(area.name)
        area = area.parent
    return "/".join(reversed(names))


# --- flask demo ---------------------------------------------------------------------------


def test_does_flask_demo_build_tuyen_quang_in_two_tiers_with_the_reports_villages(app, runner):
    result = run_demo(runner)
    assert result.exit_code == 0, result.output
    with app.app_context():
        paths = {(area_path(a), a.level) for a in db.session.scalars(select(Area))}
        descriptions = dict(db.session.execute(select(Area.name, Area.description)).all())
    expected = {("Tuyên Quang", "province")}
    for commune, (_, villages) in TREE.items():
        expected.add((f"Tuyên Quang/{commune}", "commune"))
        expected |= {(f"Tuyên Quang/{commune}/{v}", "village") for v in villages}
    assert paths == expected
    # Since 1 July 2025: no district level, and the villages the reports name.
    assert "district" not in {level for _, level in paths}
    for path in [
        "Tuyên Quang/Tân Thanh/Lềm",
        "Tuyên Quang/Sơn Thủy/Thác Nông",
        "Tuyên Quang/Yên Sơn/Cây Nhãn",
    ]:
        assert path in {p for p, _ in paths}, path
    # The former commune's name, spelt as the reports spell it, where it is verified.
    assert "Tứ Quận" in descriptions["Yên Sơn"]
    assert "Tú Quận" not in str(descriptions)
    for commune, (_, villages) in TREE.items():
        assert len(villages) >= 2, f"{commune} needs a few villages"


@pytest.mark.parametrize(
    ("username", "grants", "home"),
    [
        ("learner", {("learner", "Tuyên Quang/Tân Thanh/Lềm")}, "Lềm"),
        ("learner2", {("learner", "Tuyên Quang/Yên Sơn/Cây Nhãn")}, "Cây Nhãn"),
        ("trainer", {("trainer", "Tuyên Quang")}, "Tuyên Quang"),
        ("committee", {("committee", "Tuyên Quang/Tân Thanh")}, "Tân Thanh"),
        ("province", {("committee", "Tuyên Quang")}, "Tuyên Quang"),
        ("admin", {("admin", "Tuyên Quang"), ("committee", "Tuyên Quang")}, "Tuyên Quang"),
    ],
)
def test_does_each_demo_account_have_its_roles_scopes_and_password(
    app, runner, username, grants, home
):
    assert run_demo(runner).exit_code == 0
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == username))
        assert {(g.role.value, area_path(g.area)) for g in user.grants} == grants
        assert user.area.name == home
        assert user.is_demo and user.is_active and not user.must_change_password
        assert verify_password(user.password_hash, DEMO_PASSWORD)


def test_does_the_demo_learner_have_the_documented_phone_number(app, runner):
    run_demo(runner)
    with app.app_context():
        phone = db.session.scalar(select(User.phone).where(User.username == "learner"))
    assert phone == "0912000001"


def test_can_every_demo_account_sign_in(app, runner, client, auth):
    run_demo(runner)
    for username in ("learner", "learner2", "trainer", "committee", "province", "admin"):
        assert auth.sign_in(username).status_code == 302, username
        assert client.get("/").status_code == 200
        auth.sign_out()


def test_does_the_province_member_see_every_commune_and_the_admin_the_former_names(
    app, runner, client, auth
):
    run_demo(runner)
    with app.app_context():
        ids = dict(db.session.execute(select(Area.name, Area.id)).all())
    auth.sign_in("province")
    for commune in ("Tân Thanh", "Sơn Thủy", "Yên Sơn"):
        assert client.get(f"/reports/areas/{ids[commune]}").status_code == 200, commune
    assert client.get(f"/admin/areas/{ids['Yên Sơn']}").status_code == 403
    auth.sign_out()
    auth.sign_in("committee")
    assert client.get(f"/reports/areas/{ids['Yên Sơn']}").status_code == 404
    auth.sign_out()
    auth.sign_in("admin")
    page = client.get(f"/admin/areas/{ids['Yên Sơn']}").get_data(as_text=True)
    assert "Tứ Quận, Lang Quán, Chân Sơn" in page


def test_does_flask_demo_print_the_accounts_and_the_password(runner):
    output = run_demo(runner).output
    for username in ("learner", "learner2", "trainer", "committee", "province", "admin"):
        assert username in output
    assert DEMO_PASSWORD in output


def test_does_a_second_flask_demo_change_nothing_and_succeed(app, runner):
    assert run_demo(runner).exit_code == 0
    before = row_counts(app)
    with app.app_context():
        hashes = dict(db.session.execute(select(User.username, User.password_hash)).all())
    second = run_demo(runner)
    assert second.exit_code == 0, second.output
    assert row_counts(app) == before
    with app.app_context():
        assert dict(db.session.execute(select(User.username, User.password_hash)).all()) == hashes


def test_does_flask_demo_refuse_a_database_with_a_real_account(app, runner):
    with app.app_context():
        province = create_area("Tuyên Quang", "province")
        db.session.add(
            User(username="real", full_name="Real Person", password_hash="x", area=province)
        )
        db.session.commit()
    before = row_counts(app)
    result = run_demo(runner)
    assert result.exit_code != 0
    assert "accounts the demo did not create" in result.output
    assert row_counts(app) == before


def test_does_flask_demo_refuse_after_a_real_account_joins_the_demo(app, runner):
    assert run_demo(runner).exit_code == 0
    result = runner.invoke(args=CREATE_IN_DEMO + ["--password", "a-real-password"])
    assert result.exit_code == 0, result.output
    before = row_counts(app)
    result = run_demo(runner)
    assert result.exit_code != 0
    assert "did not create" in result.output
    assert row_counts(app) == before


def test_does_demo_skip_if_real_leave_a_real_database_alone_and_succeed(app, runner):
    """What `make run` does after `flask create-user`: the site must still start."""
    assert run_demo(runner).exit_code == 0
    assert runner.invoke(args=CREATE_IN_DEMO + ["--password", "a-real-password"]).exit_code == 0
    before = row_counts(app)
    result = runner.invoke(args=["demo", "--skip-if-real"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == (
        "Real accounts found: the demo is left out and nothing was changed."
    )
    assert row_counts(app) == before
    # Without the flag it is still an error.
    assert run_demo(runner).exit_code == 1


def test_does_demo_skip_if_real_still_seed_a_database_without_real_accounts(app, runner):
    result = runner.invoke(args=["demo", "--skip-if-real"])
    assert result.exit_code == 0, result.output
    assert DEMO_PASSWORD in result.output
    with app.app_context():
        assert db.session.scalar(select(User.id).where(User.username == "learner"))


def test_does_make_run_seed_the_demo_without_failing_on_real_accounts():
    from pathlib import Path

    makefile = (Path(__file__).resolve().parent.parent / "Makefile").read_text()
    run = makefile.split("\nrun:", 1)[1].split("\n\n", 1)[0]
    assert "$(FLASK) demo --skip-if-real" in run
    assert run.index("demo --skip-if-real") < run.index("$(FLASK) run")


@pytest.fixture
def production_runner(migrated, tmp_path, monkeypatch):
    from learnapp import create_app

    monkeypatch.setenv("LEARNAPP_ENV", "production")
    prod = create_app(
        {
            "DATABASE_URL": migrated,
            "SECRET_KEY": "a-long-production-secret-" * 3,
            "INSTANCE_PATH": tmp_path / "prod-instance",
            "ARGON2_PARAMETERS": FAST_ARGON2,
        }
    )
    yield prod, prod.test_cli_runner()
    db.engine_of(prod).dispose()


@pytest.mark.parametrize(
    "args", [["demo"], ["demo", "--skip-if-real"], ["demo", "--learners", "5"]]
)
def test_does_flask_demo_refuse_to_run_in_production(app, production_runner, args):
    prod, runner = production_runner
    before = row_counts(prod)
    result = runner.invoke(args=args)
    assert result.exit_code == 1
    assert "LEARNAPP_ENV=production" in result.output
    assert DEMO_PASSWORD not in result.output
    assert row_counts(prod) == before


# --- flask create-user ----------------------------------------------------------------------

CREATE = [
    "create-user",
    "nguyen.van.a",
    "--name",
    "Nguyễn Văn A",
    "--area",
    "Tuyên Quang/Sơn Dương/Kháng Nhật/Lềm",
    "--phone",
    "0987 654 321",
]
# The same account, placed in today's demo (province > commune > village).
CREATE_IN_DEMO = [arg.replace("Sơn Dương/Kháng Nhật", "Tân Thanh") for arg in CREATE]


@pytest.fixture
def areas(app, runner):
    """The demo tree without the demo accounts' help: create-user only needs areas."""
    from tests.factories import build_four_level_tree

    with app.app_context():
        build_four_level_tree()
        db.session.commit()
    return app


def test_does_create_user_make_a_real_account_that_must_change_its_password(areas, runner):
    result = runner.invoke(args=CREATE + ["--password", "a-real-password"])
    assert result.exit_code == 0, result.output
    assert "nguyen.van.a" in result.output
    with areas.app_context():
        user = db.session.scalar(select(User).where(User.username == "nguyen.van.a"))
        assert user.full_name == "Nguyễn Văn A"
        assert user.phone == "0987654321"
        assert area_path(user.area) == "Tuyên Quang/Sơn Dương/Kháng Nhật/Lềm"
        assert {(g.role, g.area_id) for g in user.grants} == {(Role.LEARNER, user.area_id)}
        assert not user.is_demo
        assert user.must_change_password
        assert user.password_hash.startswith("$argon2id$")
        assert verify_password(user.password_hash, "a-real-password")


def test_does_create_user_grant_the_roles_asked_for(areas, runner):
    args = CREATE + [
        "--password",
        "a-real-password",
        "--role",
        "committee:Tuyên Quang/Sơn Dương",
        "--role",
        "learner",
    ]
    assert runner.invoke(args=args).exit_code == 0
    with areas.app_context():
        user = db.session.scalar(select(User).where(User.username == "nguyen.van.a"))
        assert {(g.role.value, area_path(g.area)) for g in user.grants} == {
            ("committee", "Tuyên Quang/Sơn Dương"),
            ("learner", "Tuyên Quang/Sơn Dương/Kháng Nhật/Lềm"),
        }


def test_can_the_account_from_create_user_sign_in_and_is_sent_to_change_password(
    areas, runner, client, auth
):
    runner.invoke(args=CREATE + ["--password", "a-real-password"])
    assert auth.sign_in("0987654321", "a-real-password").status_code == 302
    response = client.get("/")
    assert response.status_code == 302
    assert response.headers["Location"] == "/account/password"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (["--phone", "12345"], "not a Vietnamese phone number"),
        (["--phone", "0912000001"], "already belongs to another account"),
        (["--password", "short"], "at least 8 characters"),
        (["--password", "x" * 129], "at most 128 characters"),
        (["--area", "Tuyên Quang/Nowhere"], "no single area named 'Nowhere'"),
        (["--role", "emperor"], "unknown role 'emperor'"),
    ],
    ids=["bad-phone", "taken-phone", "short-password", "long-password", "no-area", "no-role"],
)
def test_does_create_user_refuse_bad_input_clearly_and_create_nothing(
    areas, runner, change, message
):
    with areas.app_context():
        lem = db.session.scalar(select(Area).where(Area.name == "Lềm"))
        db.session.add(
            User(username="taken", full_name="T", password_hash="x", area=lem, phone="0912000001")
        )
        db.session.commit()
    before = row_counts(areas)
    args = CREATE + ["--password", "a-real-password"]
    for option, value in zip(change[::2], change[1::2], strict=True):
        if option in args:
            args[args.index(option) + 1] = value
        else:
            args += [option, value]
    result = runner.invoke(args=args)
    assert result.exit_code != 0
    assert message in result.output
    assert row_counts(areas) == before


@pytest.mark.parametrize("username", ["taken", "TAKEN", "Taken "])
def test_does_create_user_refuse_a_taken_username_and_create_nothing(areas, runner, username):
    first = runner.invoke(args=["create-user", "taken", *CREATE[2:6], "--password", "pw-12345678"])
    assert first.exit_code == 0, first.output
    before = row_counts(areas)
    result = runner.invoke(args=["create-user", username, *CREATE[2:6], "--password", "another-pw"])
    assert result.exit_code != 0
    assert "already in use" in result.output
    assert row_counts(areas) == before


@pytest.mark.parametrize("username", ["Nguyễn", "a", "bad name", "_under", "x" * 65])
def test_does_create_user_refuse_a_malformed_username(areas, runner, username):
    before = row_counts(areas)
    result = runner.invoke(
        args=["create-user", username, *CREATE[2:6], "--password", "pw-12345678"]
    )
    assert result.exit_code != 0
    assert "lower-case letters without accents" in result.output
    assert row_counts(areas) == before


def test_does_flask_demo_require_two_modules_once_when_the_courses_are_there(app, runner):
    assert runner.invoke(args=["import-courses"]).exit_code == 0
    first = run_demo(runner)
    assert first.exit_code == 0, first.output
    assert "Required: cell-meetings in Tuyên Quang" in first.output
    with app.app_context():
        # Due dates are Vietnam days: after 17:00 UTC, Vietnam is already a day ahead.
        required = {
            (slug, area, due_on - vietnam_today())
            for slug, area, due_on in db.session.execute(
                select(Module.slug, Area.name, Assignment.due_on)
                .join(Module, Module.id == Assignment.module_id)
                .join(Area, Area.id == Assignment.area_id)
            )
        }
    assert required == {
        ("cell-meetings", "Tuyên Quang", timedelta(days=45)),
        ("countering-misinformation", "Tân Thanh", timedelta(days=-7)),
    }
    again = run_demo(runner)
    assert again.exit_code == 0 and "Required:" not in again.output
    with app.app_context():
        assert db.session.scalar(select(func.count(Assignment.id))) == 2


def test_does_flask_demo_without_courses_require_nothing(app, runner):
    assert run_demo(runner).exit_code == 0
    with app.app_context():
        assert db.session.scalar(select(func.count(Assignment.id))) == 0
