"""Site-wide settings, which only an admin of a top area (a province) changes."""

from __future__ import annotations

from sqlalchemy import select

from learnapp import audit, db, site_settings
from learnapp.errors import DomainError
from learnapp.models import Area, Role, User


def province_of_admin(user: User) -> int | None:
    """The top area (nothing above it) where the user is an admin, if any: site-wide
    settings are a province admin's to change."""
    scopes = user.scopes(Role.ADMIN)
    if not scopes:
        return None
    return db.session.scalar(
        select(Area.id).where(Area.id.in_(scopes), Area.parent_id.is_(None)).order_by(Area.id)
    )


def change_settings(admin: User, values: dict[str, str]) -> list[str]:
    """Store the site settings; returns the keys that changed, recorded in the audit log."""
    province = province_of_admin(admin)
    if province is None:
        raise DomainError("not_province_admin")
    changed = [key for key, value in values.items() if site_settings.put(key, value, by=admin)]
    if changed:
        audit.record("settings_change", actor=admin, area_id=province, detail=", ".join(changed))
    return changed
