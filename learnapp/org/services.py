"""The area tree: create, move, and ask what lies under an area."""

from __future__ import annotations

from sqlalchemy import delete, insert, literal, select, true
from sqlalchemy.orm import aliased

from learnapp import db
from learnapp.errors import DomainError
from learnapp.models import Area, AreaClosure
from learnapp.models.org import LEVELS


def create_area(name: str, level: str, parent: Area | None = None) -> Area:
    """Add an area under its parent, with the closure rows that make subtree queries cheap."""
    if level not in LEVELS:
        raise DomainError("unknown_level")
    area = Area(
        name=name.strip(), level=level, parent=parent, depth=(parent.depth + 1) if parent else 0
    )
    db.session.add(area)
    db.session.flush()
    db.session.add(AreaClosure(ancestor_id=area.id, descendant_id=area.id, distance=0))
    if parent is not None:
        # Every ancestor of the parent (the parent included) becomes an ancestor of this area.
        db.session.execute(
            insert(AreaClosure).from_select(
                ["ancestor_id", "descendant_id", "distance"],
                select(
                    AreaClosure.ancestor_id,
                    literal(area.id),
                    AreaClosure.distance + 1,
                ).where(AreaClosure.descendant_id == parent.id),
            )
        )
    db.session.flush()
    return area


def is_under(area_id: int, ancestor_id: int) -> bool:
    """Whether area_id is ancestor_id or lies below it."""
    return (
        db.session.scalar(
            select(AreaClosure.distance).where(
                AreaClosure.ancestor_id == ancestor_id, AreaClosure.descendant_id == area_id
            )
        )
        is not None
    )


def move_area(area: Area, new_parent: Area) -> None:
    """Hang the area (and its subtree, people and history) under a new parent."""
    if is_under(new_parent.id, area.id):
        raise DomainError("move_into_itself")
    subtree = select(AreaClosure.descendant_id).where(AreaClosure.ancestor_id == area.id)
    old_ancestors = select(AreaClosure.ancestor_id).where(
        AreaClosure.descendant_id == area.id, AreaClosure.ancestor_id != area.id
    )
    # Cut the links between the subtree and its old ancestors...
    db.session.execute(
        delete(AreaClosure)
        .where(AreaClosure.descendant_id.in_(subtree.scalar_subquery()))
        .where(AreaClosure.ancestor_id.in_(old_ancestors.scalar_subquery()))
        .execution_options(synchronize_session=False)
    )
    # ...then link every new ancestor to every member of the subtree.
    above = aliased(AreaClosure)
    below = aliased(AreaClosure)
    db.session.execute(
        insert(AreaClosure).from_select(
            ["ancestor_id", "descendant_id", "distance"],
            select(above.ancestor_id, below.descendant_id, above.distance + below.distance + 1)
            # A deliberate cross product; saying so keeps SQLAlchemy from warning about it.
            .join_from(above, below, true())
            .where(above.descendant_id == new_parent.id)
            .where(below.ancestor_id == area.id),
        )
    )
    depth_change = new_parent.depth + 1 - area.depth
    for member in db.session.scalars(select(Area).where(Area.id.in_(subtree))):
        member.depth += depth_change
    area.parent = new_parent
    db.session.flush()


def children(area: Area) -> list[Area]:
    return list(
        db.session.scalars(select(Area).where(Area.parent_id == area.id).order_by(Area.name))
    )


def ancestors(area: Area) -> list[Area]:
    """The chain from the root down to the area's parent."""
    return list(
        db.session.scalars(
            select(Area)
            .join(AreaClosure, AreaClosure.ancestor_id == Area.id)
            .where(AreaClosure.descendant_id == area.id, AreaClosure.distance > 0)
            .order_by(AreaClosure.distance.desc())
        )
    )


def find_area(name: str, level: str, parent: Area | None) -> Area | None:
    """The area of that name and level directly under the parent (None: a root)."""
    parent_match = Area.parent_id == parent.id if parent else Area.parent_id.is_(None)
    return db.session.scalar(
        select(Area).where(Area.name == name, Area.level == level, parent_match)
    )
