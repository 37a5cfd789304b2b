"""The audit log as an admin reads it: events about areas in their scope."""

from __future__ import annotations

from sqlalchemy import Select, exists, or_, select
from sqlalchemy.orm import aliased

from learnapp import db
from learnapp.admin.scope import admin_scope
from learnapp.models import Area, AuditEvent, Role, User
from learnapp.org.scope import subtree_ids

AUDIT_PER_PAGE = 50
AUDIT_ACTIONS = (
    "sign_in",
    "sign_in_failed",
    "sign_out",
    "password_change",
    "password_reset",
    "password_batch",
    "account_create",
    "account_edit",
    "account_deactivate",
    "account_reactivate",
    "role_grant",
    "role_revoke",
    "import",
    "area_create",
    "area_rename",
    "area_move",
    "help_contact_change",
    "assignment_create",
    "assignment_change",
    "assignment_delete",
    "module_create",
    "module_edit",
    "module_publish",
    "module_archive",
    "module_restore",
    "draft_discard",
    "access_denied",
    "out_of_scope",
    "rate_limited",
)


def manages_a_root_area(admin: User) -> bool:
    """Whether the admin holds an admin grant on a top area (a province), above everything."""
    scopes = admin.scopes(Role.ADMIN)
    if not scopes:
        return False
    top = exists().where(Area.id.in_(scopes), Area.parent_id.is_(None))
    return bool(db.session.scalar(select(top)))


def audit_query(admin: User, *, action: str = "", area: Area | None = None) -> Select:
    """Audit events about areas in the admin's scope, newest first, with actor, subject, area.

    Events tied to no area (a failed sign-in with an unknown username, say) belong to
    nobody's subtree; the admins of a top area see them, nobody else does.
    """
    actor = aliased(User)
    subject = aliased(User)
    in_scope_events = AuditEvent.area_id.in_(admin_scope(admin))
    if area is None and manages_a_root_area(admin):
        in_scope_events = or_(in_scope_events, AuditEvent.area_id.is_(None))
    query = (
        select(AuditEvent, actor, subject, Area)
        .outerjoin(actor, actor.id == AuditEvent.actor_id)
        .outerjoin(subject, subject.id == AuditEvent.subject_user_id)
        .outerjoin(Area, Area.id == AuditEvent.area_id)
        .where(in_scope_events)
    )
    if action:
        query = query.where(AuditEvent.action == action)
    if area is not None:
        query = query.where(AuditEvent.area_id.in_(subtree_ids(area.id)))
    return query.order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
