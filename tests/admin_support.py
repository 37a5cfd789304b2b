"""Helpers shared by the admin tests: look-ups, a commune admin, row snapshots, modules."""

from __future__ import annotations

import re

from sqlalchemy import select

from learnapp import db
from learnapp.auth.services import create_user
from learnapp.models import (
    Area,
    AuditEvent,
    Module,
    ModuleStatus,
    ModuleText,
    Role,
    RoleGrant,
    User,
)
from learnapp.models.base import utcnow
from tests.factories import row_counts  # noqa: F401  (used by the admin tests)

PASSWORD = "learnapp-demo"
CSRF_RE = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def area_id(app, name: str, level: str | None = None, parent: str | None = None) -> int:
    """The id of the area with this name (and level, and parent's name, when given)."""
    with app.app_context():
        query = select(Area.id).where(Area.name == name)
        if level:
            query = query.where(Area.level == level)
        if parent:
            query = query.where(
                Area.parent_id == select(Area.id).where(Area.name == parent).scalar_subquery()
            )
        ids = list(db.session.scalars(query))
    assert len(ids) == 1, f"{name}: {ids}"
    return ids[0]


def user_id(app, username: str) -> int:
    with app.app_context():
        return db.session.scalar(select(User.id).where(User.username == username))


def person(app, username: str) -> dict:
    """A plain snapshot of an account: fields and (role, area name) grants."""
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == username))
        if user is None:
            return {}
        return {
            "full_name": user.full_name,
            "phone": user.phone,
            "area": user.area.name if user.area else None,
            "is_active": user.is_active,
            "must_change_password": user.must_change_password,
            "session_version": user.session_version,
            "password_hash": user.password_hash,
            "grants": sorted((g.role.value, g.area.name) for g in user.grants),
        }


def make_admin(app, username: str, area_name: str, level: str = "commune") -> int:
    """An admin whose scope is one area (e.g. Kháng Nhật commune), made with create_user."""
    with app.app_context():
        area = db.session.scalar(select(Area).where(Area.name == area_name, Area.level == level))
        user = create_user(
            username=username,
            full_name=f"Admin {area_name}",
            password=PASSWORD,
            area=area,
            roles=[],
            must_change_password=False,
        )
        db.session.add(RoleGrant(user_id=user.id, role=Role.ADMIN, area_id=area.id))
        db.session.commit()
        return user.id


def audit_actions(app, action: str | None = None) -> list[tuple[str, str]]:
    """(action, detail) of the audit events, oldest first."""
    with app.app_context():
        query = select(AuditEvent.action, AuditEvent.detail).order_by(AuditEvent.id)
        if action:
            query = query.where(AuditEvent.action == action)
        return [tuple(row) for row in db.session.execute(query)]


def token_of(client, path: str) -> str:
    page = client.get(path).get_data(as_text=True)
    match = CSRF_RE.search(page)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def send(client, path: str, data: dict | None = None, *, token_from: str = "/admin/", **kw):
    """POST like a browser: with the CSRF token of an admin page it loaded."""
    payload = dict(data or {})
    payload.setdefault("csrf_token", token_of(client, token_from))
    return client.post(path, data=payload, headers={"Accept-Language": "en"}, **kw)


def text(response) -> str:
    return response.get_data(as_text=True)


def published_module(
    app, slug: str = "cell-meetings-101", title: str = "Better cell meetings"
) -> int:
    """A published module with titles in both languages, for required-module tests."""
    with app.app_context():
        module = Module(slug=slug, status=ModuleStatus.PUBLISHED, published_at=utcnow())
        module.texts = [
            ModuleText(language="vi", title=f"{title} (vi)"),
            ModuleText(language="en", title=title),
        ]
        db.session.add(module)
        db.session.commit()
        return module.id


def add_learners(app, village: str, commune: str, names: list[str]) -> list[int]:
    """Learners as an import leaves them: no password until an admin issues one."""
    with app.app_context():
        area = db.session.scalar(
            select(Area).where(
                Area.name == village,
                Area.parent_id == select(Area.id).where(Area.name == commune).scalar_subquery(),
            )
        )
        ids = []
        for i, name in enumerate(names):
            user = create_user(
                username=f"new{area.id}x{i}",
                full_name=name,
                password="placeholder-pass",
                area=area,
                roles=[(Role.LEARNER, area)],
            )
            user.password_hash = "!"
            ids.append(user.id)
        db.session.commit()
        return ids
