"""Who may write training (issue 13, findings 2 and 3): only a trainer or an admin granted
on a top-level area authors, publishes, archives or restores, enforced in the service;
each content change is logged with the module's owning area; editor GETs write nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from learnapp import db
from learnapp.auth.services import create_user
from learnapp.authoring import services
from learnapp.models import Area, AuditEvent, Module, ModuleDraft, ModuleStatus, Role, User
from learnapp.org.services import create_area
from tests.admin_support import PASSWORD, make_admin, token_of
from tests.authoring_helpers import add_lesson, lesson_fields
from tests.conftest import post
from tests.factories import import_into, row_counts, write_module
from tests.sql_recorder import statements_sent

SLUG = "test-module"


@pytest.fixture
def world(demo, tmp_path):
    write_module(tmp_path / "courses", SLUG)
    import_into(demo, tmp_path / "courses")
    make_admin(demo, "commune-admin", "Kháng Nhật")
    with demo.app_context():
        commune = db.session.scalar(select(Area).where(Area.name == "Kháng Nhật"))
        # A trainer made by a commune admin (by hand or by a bulk import).
        create_user(
            username="commune-trainer",
            full_name="Trainer of a commune",
            password=PASSWORD,
            area=commune,
            roles=[(Role.TRAINER, commune)],
            must_change_password=False,
        )
        other_root = create_area("Hà Giang", "province")
        create_user(
            username="other-trainer",
            full_name="Trainer of another province",
            password=PASSWORD,
            area=other_root,
            roles=[(Role.TRAINER, other_root)],
            must_change_password=False,
        )
        db.session.commit()
    return demo


def signed_in(app, username: str):
    client = app.test_client()
    assert (
        post(client, "/sign-in", {"identifier": username, "password": PASSWORD}).status_code == 302
    )
    return client


@pytest.mark.parametrize("username", ["commune-admin", "commune-trainer"])
def test_is_a_commune_admin_or_trainer_refused_every_authoring_step(world, username):
    client = signed_in(world, username)
    before = row_counts(world)
    token = token_of(client, "/")
    for method, path in [
        ("GET", "/authoring/"),
        ("GET", "/authoring/new"),
        ("POST", "/authoring/new"),
        ("GET", f"/authoring/m/{SLUG}"),
        ("POST", f"/authoring/m/{SLUG}"),
        ("GET", f"/authoring/m/{SLUG}/lessons/new"),
        ("POST", f"/authoring/m/{SLUG}/publish"),
        ("POST", f"/authoring/m/{SLUG}/archive"),
        ("POST", f"/authoring/m/{SLUG}/restore"),
        ("POST", f"/authoring/m/{SLUG}/discard"),
    ]:
        response = client.open(
            path, method=method, data={"csrf_token": token, "slug": "x", "title_vi": "x"}
        )
        assert response.status_code == 403, (method, path)
    assert "/authoring/" not in client.get("/").get_data(as_text=True)
    assert row_counts(world) == before


def test_does_the_service_itself_refuse_an_author_without_a_top_level_grant(world):
    with world.app_context():
        module = db.session.scalar(select(Module).where(Module.slug == SLUG))
        for username in ("commune-admin", "commune-trainer"):
            user = db.session.scalar(select(User).where(User.username == username))
            assert not services.may_author(user)
            with pytest.raises(services.NotAnAuthor):
                services.archive(module, user)
            with pytest.raises(services.NotAnAuthor):
                services.start_draft(module, user)
            with pytest.raises(services.NotAnAuthor):
                services.create_module("new-one", {"vi": "Mới"}, "vi", user)
        assert module.status == ModuleStatus.PUBLISHED
        db.session.rollback()


def test_may_province_trainers_and_admins_author(world):
    with world.app_context():
        for username in ("trainer", "admin"):
            user = db.session.scalar(select(User).where(User.username == username))
            assert services.may_author(user)


def test_is_a_module_owned_by_one_province_closed_to_another_provinces_trainer(world):
    client = signed_in(world, "trainer")
    response = post(
        client,
        "/authoring/new",
        {"slug": "tq-only", "title_vi": "Chỉ Tuyên Quang", "default_language": "vi"},
        token_from="/authoring/new",
    )
    assert response.status_code == 302
    other = signed_in(world, "other-trainer")
    before = row_counts(world)
    assert other.get("/authoring/m/tq-only").status_code == 403
    response = post(
        other, "/authoring/m/tq-only/discard", token_from="/authoring/", follow_redirects=False
    )
    assert response.status_code == 403
    assert row_counts(world) == before
    # A module from the course files belongs to no province: any top-level author.
    assert other.get(f"/authoring/m/{SLUG}").status_code == 200


def test_is_every_content_change_logged_with_the_modules_owning_area(world):
    client = signed_in(world, "trainer")
    post(
        client,
        "/authoring/new",
        {"slug": "logged", "title_vi": "Có nhật ký", "default_language": "vi"},
        token_from="/authoring/new",
    )
    with world.app_context():
        module = db.session.scalar(select(Module).where(Module.slug == "logged"))
        province = db.session.scalar(select(Area).where(Area.name == "Tuyên Quang"))
        assert module.owner_area_id == province.id
        trainer = db.session.scalar(select(User).where(User.username == "trainer"))
        draft = services.draft_of(module)
        services.save(draft, services.load(draft), trainer)
        db.session.commit()
        events = db.session.execute(
            select(AuditEvent.action, AuditEvent.area_id).where(
                AuditEvent.action.in_(["module_create", "module_edit"])
            )
        ).all()
    assert sorted(events) == [("module_create", province.id), ("module_edit", province.id)]
    admin = signed_in(world, "admin")
    page = admin.get("/admin/audit", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "logged" in page
    commune_admin = signed_in(world, "commune-admin")
    page = commune_admin.get("/admin/audit").get_data(as_text=True)
    assert "logged" not in page


def test_is_an_archive_logged_where_the_province_admins_see_it(world):
    client = signed_in(world, "trainer")
    assert (
        post(
            client,
            "/authoring/new",
            {"slug": "to-archive", "title_vi": "Lưu trữ", "default_language": "vi"},
            token_from="/authoring/new",
        ).status_code
        == 302
    )
    with world.app_context():
        module = db.session.scalar(select(Module).where(Module.slug == "to-archive"))
        trainer = db.session.scalar(select(User).where(User.username == "trainer"))
        module.status = ModuleStatus.PUBLISHED
        services.archive(module, trainer)
        db.session.commit()
        area_id = db.session.scalar(
            select(AuditEvent.area_id).where(AuditEvent.action == "module_archive")
        )
        assert area_id == module.owner_area_id is not None


def _is_write(statement: str) -> bool:
    return statement.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))


@pytest.mark.parametrize(
    "path",
    [
        f"/authoring/m/{SLUG}",
        f"/authoring/m/{SLUG}/lessons/new",
        f"/authoring/m/{SLUG}/lessons/lesson-1",
        f"/authoring/m/{SLUG}/questions/new",
        f"/authoring/m/{SLUG}/questions/pick-one",
        f"/authoring/m/{SLUG}/lessons/lesson-1/delete",
        f"/authoring/m/{SLUG}/gift",
        f"/authoring/m/{SLUG}/discard",
        f"/authoring/m/{SLUG}/archive",
        f"/authoring/m/{SLUG}/preview",
    ],
)
def test_does_an_editor_get_on_a_module_without_a_draft_write_nothing(world, path):
    # Finding 3: these GETs used to create the draft, so on SQLite they queued for the
    # write lock behind learners' submits and failed with "database is locked".
    # The request rolls its flush back, so counting rows would not see it: no INSERT,
    # UPDATE or DELETE may even be sent.
    client = signed_in(world, "trainer")
    with statements_sent(world, _is_write) as writes:
        response = client.get(path)
    assert response.status_code == 200
    assert writes == []
    with world.app_context():
        assert db.session.scalar(select(ModuleDraft)) is None


def test_does_the_first_save_start_the_draft_from_the_published_version(world):
    client = signed_in(world, "trainer")
    page = client.get(f"/authoring/m/{SLUG}/lessons/lesson-1").get_data(as_text=True)
    assert "Body of lesson 1" in page
    response = add_lesson(client, SLUG, lesson_fields("lesson-3", vi="Bài ba"))
    assert response.status_code == 302
    with world.app_context():
        draft = db.session.scalar(select(ModuleDraft))
        lessons = [x.slug for x in services.load(draft).lessons]
    assert lessons == ["lesson-1", "lesson-2", "lesson-3"]
