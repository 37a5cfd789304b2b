"""People in an admin's scope: search, create, edit, (de)activate, temporary passwords.

Services flush; the view commits.
"""

from __future__ import annotations

import re
import secrets
import unicodedata
from dataclasses import dataclass

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import aliased

from learnapp import audit, db
from learnapp.admin.scope import admin_scope, in_scope, manages
from learnapp.auth.services import create_user, hash_password, normalise_phone
from learnapp.errors import DomainError
from learnapp.models import Area, Role, RoleGrant, User
from learnapp.name_search import fold
from learnapp.org.scope import subtree_ids

PEOPLE_PER_PAGE = 25
ROLE_ORDER = (Role.LEARNER, Role.TRAINER, Role.COMMITTEE, Role.ADMIN)
# An account created by an import has no password until an admin sets a temporary one:
# argon2 refuses this value as a hash, so nobody can sign in with any password.
NO_PASSWORD = "!"  # noqa: S105
# Letters and digits that cannot be confused when read aloud or from paper (no 0/o, 1/l/i).
_TEMP_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


def _like(term: str) -> str:
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def people_query(admin: User, *, search: str = "", area: Area | None = None) -> Select:
    """People in the admin's scope, under an area and matching a search, by area then name."""
    parent = aliased(Area)
    query = (
        select(User, Area, parent.name.label("parent_name"))
        .join(Area, Area.id == User.area_id)
        .outerjoin(parent, parent.id == Area.parent_id)
        .where(User.area_id.in_(admin_scope(admin)))
    )
    if area is not None:
        query = query.where(User.area_id.in_(subtree_ids(area.id)))
    search = " ".join(unicodedata.normalize("NFC", search).split())
    if search:
        # With or without Vietnamese marks, in any case, in any Unicode form: "hoang"
        # finds "Hoàng", "lem" the people of Lềm. The stored folded names are compared,
        # so no row is folded per search.
        folded = _like(fold(search))
        conditions = [
            User.folded_name.like(folded, escape="\\"),
            Area.folded_name.like(folded, escape="\\"),
            User.username.ilike(folded, escape="\\"),
        ]
        digits = re.sub(r"\D", "", search)
        if len(digits) >= 3:
            phone = normalise_phone(search)
            conditions.append(User.phone.like(_like(phone or digits), escape="\\"))
        query = query.where(or_(*conditions))
    # NULLS FIRST: people of a top area come first on SQLite and PostgreSQL alike.
    return query.order_by(parent.name.asc().nulls_first(), Area.name, User.full_name, User.id)


def temporary_password() -> str:
    """A one-time password easy to read aloud and type on a phone, like "k7mp-3xta-9hqr"."""
    return "-".join("".join(secrets.choice(_TEMP_ALPHABET) for _ in range(4)) for _ in range(3))


def username_base(full_name: str) -> str:
    """The name without accents, spaces or signs: "Hoàng Văn An" -> "hoangvanan"."""
    text = full_name.replace("đ", "d").replace("Đ", "D")
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    base = re.sub(r"[^a-z0-9]", "", text)[:56]
    return base if len(base) >= 2 else f"user{base}"


def next_free_username(base: str, taken: set[str]) -> str:
    """The base itself, else base2, base3, ...: the first one not in `taken`."""
    if base not in taken:
        return base
    number = 2
    while f"{base}{number}" in taken:
        number += 1
    return f"{base}{number}"


def generate_username(full_name: str) -> str:
    """A free username made from the person's name."""
    base = username_base(full_name)
    taken = set(
        db.session.scalars(
            select(func.lower(User.username)).where(func.lower(User.username).like(f"{base}%"))
        )
    )
    return next_free_username(base, taken)


def username_taken_query(username: str) -> Select:
    """The id of the account with this username, whatever its letters' case."""
    return select(User.id).where(func.lower(User.username) == username.lower())


def phone_owner(phone: str) -> int | None:
    """The id of the account holding this (normalised) phone number, if any."""
    return db.session.scalar(select(User.id).where(User.phone == phone))


def create_person(
    admin: User,
    *,
    full_name: str,
    username: str | None,
    phone: str | None,
    area: Area,
    roles: list[Role],
) -> tuple[User, str]:
    """Create an account with a temporary password; return it and that password, shown once."""
    if not in_scope(admin, area.id):
        raise DomainError("outside_scope")
    password = temporary_password()
    user = create_user(
        username=username or generate_username(full_name),
        full_name=full_name,
        password=password,
        area=area,
        roles=[(role, area) for role in roles],
        phone=phone or None,
        must_change_password=True,
        granted_by=admin,
    )
    return user, password


@dataclass
class PersonEdit:
    """What an admin asked to change on an account."""

    full_name: str
    phone: str | None
    area: Area
    roles: set[Role]
    is_active: bool


def roles_change(person: User, roles: set[Role]) -> tuple[set[Role], set[Role]]:
    """The roles an edit would add and the ones it would remove."""
    held = person.roles()
    return roles - held, held - roles


def update_person(admin: User, person: User, edit: PersonEdit) -> list[str]:
    """Apply an edit checked by the caller (scope, re-authentication); return what changed."""
    if not manages(admin, person):
        raise DomainError("not_managed")
    if not in_scope(admin, edit.area.id):
        raise DomainError("outside_scope")
    added, removed = roles_change(person, edit.roles)
    if person.id == admin.id and Role.ADMIN in removed:
        raise DomainError("own_admin_role")
    if person.id == admin.id and not edit.is_active:
        raise DomainError("deactivate_self")
    phone = normalise_phone(edit.phone) if edit.phone else None
    if edit.phone and phone is None:
        raise DomainError("bad_phone")
    if phone and phone != person.phone and phone_owner(phone) not in (None, person.id):
        raise DomainError("phone_taken")
    changed = []
    if edit.full_name.strip() != person.full_name:
        person.full_name = edit.full_name.strip()
        changed.append("full_name")
    if phone != person.phone:
        person.phone = phone
        changed.append("phone")
    if edit.area.id != person.area_id:
        person.place_in(edit.area)
        changed.append("area")
    if changed:
        audit.record("account_edit", actor=admin, subject=person, detail=", ".join(changed))
    for grant in [g for g in person.grants if g.role in removed]:
        person.grants.remove(grant)
        audit.record(
            "role_revoke",
            actor=admin,
            subject=person,
            area_id=grant.area_id,
            detail=grant.role.value,
        )
    for role in sorted(added, key=ROLE_ORDER.index):
        person.grants.append(RoleGrant(role=role, area=edit.area, granted_by_id=admin.id))
        audit.record(
            "role_grant", actor=admin, subject=person, area_id=edit.area.id, detail=role.value
        )
    if added or removed:
        changed.append("roles")
    if edit.is_active != person.is_active:
        set_active(admin, person, edit.is_active)
        changed.append("is_active")
    db.session.flush()
    return changed


def set_active(admin: User, person: User, active: bool) -> None:
    """Deactivate (ending every session, keeping all progress) or reactivate an account."""
    if not manages(admin, person):
        raise DomainError("not_managed")
    if person.id == admin.id and not active:
        raise DomainError("deactivate_self")
    if person.is_active == active:
        return
    person.is_active = active
    if not active:
        person.session_version += 1
    audit.record(
        "account_reactivate" if active else "account_deactivate", actor=admin, subject=person
    )
    db.session.flush()


def needs_reauth_to_create(roles: set[Role]) -> bool:
    """Whether creating an account with these roles needs the admin's own password again."""
    return bool(roles - {Role.LEARNER})


def check_reset(admin: User, person: User) -> None:
    """Raise DomainError when the admin may not give this person a temporary password."""
    if not manages(admin, person):
        raise DomainError("not_managed")
    if person.id == admin.id:
        raise DomainError("reset_self")


def reset_password(admin: User, person: User) -> str:
    """Give the person a temporary password to change at next sign-in; return it, shown once."""
    check_reset(admin, person)
    password = temporary_password()
    person.password_hash = hash_password(password)
    person.must_change_password = True
    # A password given by hand replaces any bulk one: its card and expiry no longer apply.
    person.password_batch_id = None
    person.temporary_password_expires_at = None
    person.session_version += 1
    audit.record("password_reset", actor=admin, subject=person)
    db.session.flush()
    return password


def has_password(person: User) -> bool:
    """Whether the account has a password at all (imported accounts start without one)."""
    return person.password_hash != NO_PASSWORD
