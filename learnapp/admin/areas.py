"""The admin's area tree and the changes they make to it: create, rename, move.

Services flush; the view commits.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import func, select

from learnapp import audit, db
from learnapp.admin.scope import admin_scope, in_scope
from learnapp.errors import DomainError
from learnapp.models import Area, User
from learnapp.models.org import LEVELS
from learnapp.org import services as org
from learnapp.org.scope import is_under, lineage


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
        line = lineage()
        counts = dict(
            db.session.execute(
                select(line.c.ancestor_id, func.count(User.id))
                .join(User, User.area_id == line.c.area_id)
                .where(line.c.ancestor_id.in_(admin_scope(admin)))
                .group_by(line.c.ancestor_id)
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
    if is_under(new_parent.id, area.id):
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


def set_help_contact(admin: User, area: Area, contact: str) -> None:
    """Set whom the learners under the area call for help (empty: none here)."""
    if not in_scope(admin, area.id):
        raise DomainError("outside_scope")
    contact = contact.strip() or None
    if contact == area.help_contact:
        return
    area.help_contact = contact
    audit.record("help_contact_change", actor=admin, area_id=area.id, detail=contact or "")
    db.session.flush()
