"""What an administrator does, always inside their scope: the subtree of their admin grants.

Every query here filters on the scope in SQL. Services flush; the view commits.
"""

from __future__ import annotations

import math
import re
import secrets
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import Select, exists, func, or_, select
from sqlalchemy.orm import aliased

from learnapp import audit, db, site_settings
from learnapp.auth.services import create_user, hash_password, normalise_phone
from learnapp.errors import DomainError
from learnapp.learn.requirements import DEFAULT_GRACE_DAYS, MAX_GRACE_DAYS
from learnapp.models import (
    Area,
    AreaClosure,
    Assignment,
    AuditEvent,
    Module,
    ModuleStatus,
    Role,
    RoleGrant,
    User,
)
from learnapp.models.base import vietnam_today
from learnapp.models.org import LEVELS
from learnapp.name_search import fold, name_pattern
from learnapp.org import services as org
from learnapp.security import area_in_scope, scope_area_ids, subtree_ids

PEOPLE_PER_PAGE = 25
AUDIT_PER_PAGE = 50
ROLE_ORDER = (Role.LEARNER, Role.TRAINER, Role.COMMITTEE, Role.ADMIN)
# An account created by an import has no password until an admin sets a temporary one:
# argon2 refuses this value as a hash, so nobody can sign in with any password.
NO_PASSWORD = "!"  # noqa: S105
# Letters and digits that cannot be confused when read aloud or from paper (no 0/o, 1/l/i).
_TEMP_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


# --- scope -------------------------------------------------------------------------------


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


# --- pages -------------------------------------------------------------------------------


@dataclass
class Page:
    """One page of a longer list."""

    items: list[Any]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


def paginate(query: Select, page: int, per_page: int) -> Page:
    """Run the query for one page (clamped to the pages that exist), with the total count."""
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    total = int(total or 0)
    page = min(max(1, page), max(1, math.ceil(total / per_page)))
    items = list(db.session.execute(query.limit(per_page).offset((page - 1) * per_page)).all())
    return Page(items=items, total=total, page=page, per_page=per_page)


def _like(term: str) -> str:
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


# --- people ------------------------------------------------------------------------------


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
    search = " ".join(search.split())
    if search:
        # With or without Vietnamese marks, in any case: "hoang" finds "Hoàng".
        conditions = [
            User.full_name.regexp_match(name_pattern(search)),
            User.username.ilike(_like(fold(search)), escape="\\"),
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
    person.session_version += 1
    audit.record("password_reset", actor=admin, subject=person)
    db.session.flush()
    return password


def has_password(person: User) -> bool:
    """Whether the account has a password at all (imported accounts start without one)."""
    return person.password_hash != NO_PASSWORD


# Twelve A4 sheets of eight cards: a big village (tens of thousands of people) prints
# page by page instead of one page that takes minutes and a hundred megabytes.
CARDS_PER_PAGE = 96


def card_people(village: Area) -> Select:
    """The active learners of a village, by name, for their sign-in cards."""
    learner = exists().where(RoleGrant.user_id == User.id, RoleGrant.role == Role.LEARNER)
    return (
        select(User)
        .where(User.area_id == village.id, User.is_active.is_(True), learner)
        .order_by(User.full_name, User.username, User.id)
    )


# --- areas -------------------------------------------------------------------------------


@dataclass
class TreeNode:
    """An area of the admin's tree with its children and the number of people in and under it."""

    area: Area
    depth: int
    people: int = 0
    children: list[TreeNode] = field(default_factory=list)


def _sort_key(area: Area) -> tuple[str, int]:
    return (area.name.casefold(), area.id)


def scope_tree(admin: User, *, with_people: bool = False) -> list[TreeNode]:
    """The areas in the admin's scope as a forest, each level sorted by name."""
    areas = list(db.session.scalars(select(Area).where(Area.id.in_(admin_scope(admin)))))
    counts: dict[int, int] = {}
    if with_people:
        # People in each area and everything under it, counted in one grouped query.
        counts = dict(
            db.session.execute(
                select(AreaClosure.ancestor_id, func.count(User.id))
                .join(User, User.area_id == AreaClosure.descendant_id)
                .where(AreaClosure.ancestor_id.in_(admin_scope(admin)))
                .group_by(AreaClosure.ancestor_id)
            ).all()
        )
    ids = {a.id for a in areas}
    children: dict[int, list[Area]] = defaultdict(list)
    roots = []
    for area in sorted(areas, key=_sort_key):
        if area.parent_id in ids:
            children[area.parent_id].append(area)
        else:
            roots.append(area)

    def build(area: Area, depth: int) -> TreeNode:
        node = TreeNode(area=area, depth=depth, people=counts.get(area.id, 0))
        node.children = [build(child, depth + 1) for child in children[area.id]]
        return node

    return [build(root, 0) for root in roots]


def flatten(nodes: list[TreeNode]) -> list[TreeNode]:
    """The tree's nodes in reading order (each area followed by what lies under it)."""
    out: list[TreeNode] = []
    stack = list(reversed(nodes))
    while stack:
        node = stack.pop()
        out.append(node)
        stack.extend(reversed(node.children))
    return out


def area_choices(admin: User, *, levels: tuple[str, ...] = LEVELS) -> list[tuple[str, str]]:
    """(id, indented label) for every area in scope of those levels, in tree order."""
    nodes = flatten(scope_tree(admin))
    names = {n.area.id: n.area.name for n in nodes}
    choices = []
    for node in nodes:
        if node.area.level not in levels:
            continue
        label = node.area.name
        if node.area.level == "village" and node.area.parent_id in names:
            label = f"{label} ({names[node.area.parent_id]})"
        choices.append((str(node.area.id), "\u00a0\u00a0" * node.depth + label))
    return choices


def move_targets(admin: User, area: Area) -> list[tuple[str, str, str]]:
    """(id, indented label, level) of every area in scope that lies outside this area's subtree."""
    out = []

    def walk(nodes: list[TreeNode]) -> None:
        for node in nodes:
            if node.area.id == area.id:
                continue
            out.append(
                (str(node.area.id), "\u00a0\u00a0" * node.depth + node.area.name, node.area.level)
            )
            walk(node.children)

    walk(scope_tree(admin))
    return out


def level_fits(parent_level: str, child_level: str) -> bool:
    """Whether an area of child_level may hang under one of parent_level."""
    return (
        parent_level in LEVELS
        and child_level in LEVELS
        and LEVELS.index(child_level) > LEVELS.index(parent_level)
    )


def _sibling_named(parent: Area | None, name: str, exclude_id: int | None = None) -> bool:
    query = select(Area.id).where(
        Area.parent_id == parent.id if parent else Area.parent_id.is_(None),
        func.lower(Area.name) == name.strip().lower(),
    )
    if exclude_id is not None:
        query = query.where(Area.id != exclude_id)
    return db.session.scalar(query.limit(1)) is not None


def _lock_children_of(parent: Area | None) -> None:
    """Hold the parent's row until commit, so two requests naming a child the same way
    check and insert one after the other (PostgreSQL; SQLite writers queue anyway)."""
    if parent is not None:
        db.session.execute(select(Area.id).where(Area.id == parent.id).with_for_update())


def create_child_area(admin: User, parent: Area, name: str, level: str) -> Area:
    """Add an area under a parent in the admin's scope."""
    if not in_scope(admin, parent.id):
        raise DomainError("outside_scope")
    if not level_fits(parent.level, level):
        raise DomainError("level_not_below")
    _lock_children_of(parent)
    if _sibling_named(parent, name):
        raise DomainError("area_name_taken")
    area = org.create_area(name, level, parent)
    audit.record(
        "area_create", actor=admin, area_id=area.id, detail=f"{level} {area.name} in {parent.name}"
    )
    return area


def rename_area(admin: User, area: Area, name: str) -> None:
    """Give an area in the admin's scope a new name."""
    if not in_scope(admin, area.id):
        raise DomainError("outside_scope")
    name = name.strip()
    if name == area.name:
        return
    _lock_children_of(area.parent)
    if _sibling_named(area.parent, name, exclude_id=area.id):
        raise DomainError("area_name_taken")
    old = area.name
    area.name = name
    audit.record("area_rename", actor=admin, area_id=area.id, detail=f"{old} -> {name}")
    db.session.flush()


def move_area(admin: User, area: Area, new_parent: Area) -> None:
    """Move an area, its people and their history from one parent to another, all in scope."""
    # Source and destination both: checking only one is how Moodle CVE-2023-5549 happened.
    # The source is the old parent, not just the area: an admin of a village alone must
    # not be able to pull it out of a commune someone else manages.
    if not in_scope(admin, area.id) or not in_scope(admin, new_parent.id):
        raise DomainError("outside_scope")
    if area.parent_id is None or not in_scope(admin, area.parent_id):
        raise DomainError("source_outside_scope")
    if org.is_under(new_parent.id, area.id):
        raise DomainError("move_into_itself")
    if not level_fits(new_parent.level, area.level):
        raise DomainError("level_not_below")
    if area.parent_id == new_parent.id:
        return
    if _sibling_named(new_parent, area.name, exclude_id=area.id):
        raise DomainError("area_name_taken")
    old_parent = area.parent
    org.move_area(area, new_parent)
    detail = f"{area.name}: {old_parent.name} -> {new_parent.name}"
    # One event under the area (now inside the new parent) and one under the old parent,
    # so the admins of the place it left see it go.
    audit.record("area_move", actor=admin, area_id=area.id, detail=detail)
    audit.record("area_move", actor=admin, area_id=old_parent.id, detail=detail)


# --- required modules ------------------------------------------------------------------


def published_modules() -> list[Module]:
    """Modules that can be made required, in course order."""
    return list(
        db.session.scalars(
            select(Module)
            .where(Module.status == ModuleStatus.PUBLISHED)
            .order_by(Module.position, Module.slug)
        )
    )


def assignments_query(admin: User) -> Select:
    """Required modules on areas in the admin's scope, soonest due first."""
    return (
        select(Assignment, Area)
        .join(Area, Area.id == Assignment.area_id)
        .where(Assignment.area_id.in_(admin_scope(admin)))
        .order_by(Assignment.due_on, Area.name, Assignment.id)
    )


def find_assignment(admin: User, assignment_id: int) -> Assignment | None:
    """The assignment if its area is in the admin's scope."""
    return db.session.scalar(
        select(Assignment).where(
            Assignment.id == assignment_id, Assignment.area_id.in_(admin_scope(admin))
        )
    )


def set_assignment(
    admin: User,
    module: Module,
    area: Area,
    due_on: date,
    grace_days: int | None = None,
) -> tuple[Assignment, bool]:
    """Require a module in an area by a date; an existing one gets the new date and grace
    (None: the default grace for a new one, unchanged for an existing one). True: created."""
    if not in_scope(admin, area.id):
        raise DomainError("outside_scope")
    if module.status != ModuleStatus.PUBLISHED:
        raise DomainError("module_not_published")
    _check_due(due_on, grace_days)
    existing = db.session.scalar(
        select(Assignment).where(Assignment.module_id == module.id, Assignment.area_id == area.id)
    )
    if existing is not None:
        change_due_date(admin, existing, due_on, grace_days)
        return existing, False
    if grace_days is None:
        grace_days = DEFAULT_GRACE_DAYS
    assignment = Assignment(
        module_id=module.id,
        area_id=area.id,
        due_on=due_on,
        grace_days=grace_days,
        created_by_id=admin.id,
    )
    db.session.add(assignment)
    db.session.flush()
    audit.record(
        "assignment_create",
        actor=admin,
        area_id=area.id,
        detail=f"{module.slug} due {due_on.isoformat()}, grace {grace_days} days",
    )
    return assignment, True


def _check_due(due_on: date, grace_days: int | None, unchanged: date | None = None) -> None:
    # Due dates are Vietnam days: "today" is Vietnam's, not the server's UTC day. A date
    # already past may stay as it is while the grace period changes.
    if due_on != unchanged and due_on < vietnam_today():
        raise DomainError("due_in_past")
    if grace_days is not None and not 0 <= grace_days <= MAX_GRACE_DAYS:
        raise DomainError("bad_grace_days")


def change_due_date(
    admin: User, assignment: Assignment, due_on: date, grace_days: int | None = None
) -> None:
    """Move an assignment's due date (not into the past) and, if given, its grace period."""
    if not in_scope(admin, assignment.area_id):
        raise DomainError("outside_scope")
    _check_due(due_on, grace_days, unchanged=assignment.due_on)
    if grace_days is None:
        grace_days = assignment.grace_days
    if assignment.due_on == due_on and assignment.grace_days == grace_days:
        return
    old = f"{assignment.due_on.isoformat()}, grace {assignment.grace_days} days"
    assignment.due_on = due_on
    assignment.grace_days = grace_days
    audit.record(
        "assignment_change",
        actor=admin,
        area_id=assignment.area_id,
        detail=(
            f"{assignment.module.slug} due {old} -> {due_on.isoformat()}, grace {grace_days} days"
        ),
    )
    db.session.flush()


def delete_assignment(admin: User, assignment: Assignment) -> None:
    """Stop requiring a module in an area (learners' progress is untouched)."""
    if not in_scope(admin, assignment.area_id):
        raise DomainError("outside_scope")
    audit.record(
        "assignment_delete",
        actor=admin,
        area_id=assignment.area_id,
        detail=f"{assignment.module.slug} due {assignment.due_on.isoformat()}",
    )
    db.session.delete(assignment)
    db.session.flush()


# --- audit log ---------------------------------------------------------------------------

AUDIT_ACTIONS = (
    "sign_in",
    "sign_in_failed",
    "sign_out",
    "password_change",
    "password_reset",
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
