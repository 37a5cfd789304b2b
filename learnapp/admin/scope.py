"""The admin's scope: the subtree of their admin grants, which every admin query filters on."""

from __future__ import annotations

from sqlalchemy import Select, exists, select

from learnapp import db
from learnapp.models import Role, RoleGrant, User
from learnapp.org.scope import area_in_scope, scope_area_ids


def admin_scope(admin: User) -> Select:
    """Ids of every area the admin manages, as a subquery-ready select."""
    return scope_area_ids(admin, Role.ADMIN)


def in_scope(admin: User, area_id: int | None) -> bool:
    """Whether the area lies in the admin's scope."""
    return area_in_scope(admin, Role.ADMIN, area_id)


def manages(admin: User, person: User) -> bool:
    """Whether the person and every role they hold lie inside the admin's scope."""
    if not in_scope(admin, person.area_id):
        return False
    outside = exists().where(
        RoleGrant.user_id == person.id, RoleGrant.area_id.not_in(admin_scope(admin))
    )
    return not db.session.scalar(select(outside))
