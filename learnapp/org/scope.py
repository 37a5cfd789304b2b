"""Where an area lies in the tree, and whether it is in a viewer's area.

Every question about the area tree that other features ask goes through here, so the
closure table (`AreaClosure`: one row per ancestor and descendant pair, the pair of an
area with itself included) is read in this package only. Each function answers in SQL:
a select to use as a subquery, or one small query.
"""

from __future__ import annotations

from sqlalchemy import Select, Subquery, exists, select

from learnapp import db
from learnapp.models import Area, AreaClosure, Role, User


def subtree_ids(area_id: int) -> Select:
    """Ids of the area and everything under it, as a subquery-ready select."""
    return select(AreaClosure.descendant_id).where(AreaClosure.ancestor_id == area_id)


def scope_area_ids(user: User, role: Role) -> Select:
    """Ids of every area under any area where the user holds the role."""
    return select(AreaClosure.descendant_id).where(AreaClosure.ancestor_id.in_(user.scopes(role)))


def area_in_scope(user: User, role: Role, area_id: int | None) -> bool:
    """Whether the area lies in (or under) an area where the user holds the role."""
    if area_id is None or not user.scopes(role):
        return False
    query = select(
        exists().where(
            AreaClosure.ancestor_id.in_(user.scopes(role)),
            AreaClosure.descendant_id == area_id,
        )
    )
    return bool(db.session.scalar(query))


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


def lineage(name: str = "lineage") -> Subquery:
    """Every area paired with itself and each area above it: area_id, ancestor_id, distance.

    Join it on `area_id` to reach what hangs on any area above (assignments made for a
    whole commune), or group by `ancestor_id` to count what lies under each area.
    """
    return select(
        AreaClosure.descendant_id.label("area_id"),
        AreaClosure.ancestor_id.label("ancestor_id"),
        AreaClosure.distance.label("distance"),
    ).subquery(name)


def below_children_of(area_id: int) -> Select:
    """(area_id, child_id) for every area in the subtree of each direct child of the area."""
    return select(
        AreaClosure.descendant_id.label("area_id"), AreaClosure.ancestor_id.label("child_id")
    ).where(AreaClosure.ancestor_id.in_(select(Area.id).where(Area.parent_id == area_id)))


def chain_names(area_id: int, *, root_first: bool) -> list[str]:
    """Names of the area and every area above it, from the root or from the area."""
    distance = AreaClosure.distance.desc() if root_first else AreaClosure.distance
    return list(
        db.session.scalars(
            select(Area.name)
            .join(AreaClosure, AreaClosure.ancestor_id == Area.id)
            .where(AreaClosure.descendant_id == area_id)
            .order_by(distance)
        )
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


def help_contact_for(area_id: int | None) -> str | None:
    """Whom a person of this area calls for help: the nearest contact set on the area or
    on one above it (an admin sets it on the commune)."""
    if area_id is None:
        return None
    return db.session.scalar(
        select(Area.help_contact)
        .join(AreaClosure, AreaClosure.ancestor_id == Area.id)
        .where(AreaClosure.descendant_id == area_id, Area.help_contact.is_not(None))
        .order_by(AreaClosure.distance)
        .limit(1)
    )
