"""The area tree: create and move areas, keeping the closure table in step.

Questions about the tree (what lies under an area, whose scope holds it) are in
`learnapp.org.scope`.
"""

from __future__ import annotations

from sqlalchemy import delete, insert, literal, select, true
from sqlalchemy.orm import aliased

from learnapp import db
from learnapp.errors import DomainError
from learnapp.models import Area, AreaClosure
from learnapp.models.org import LEVELS
from learnapp.org.scope import is_under


def create_area(
    name: str, level: str, parent: Area | None = None, description: str | None = None
) -> Area:
    """Add an area under its parent, with the closure rows that make subtree queries cheap."""
    if level not in LEVELS:
        raise DomainError("unknown_level")
    area = Area(
        name=name.strip(),
        level=level,
        parent=parent,
        depth=(parent.depth + 1) if parent else 0,
        description=description,
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


def find_area(name: str, level: str, parent: Area | None) -> Area | None:
    """The area of that name and level directly under the parent (None: a root)."""
    parent_match = Area.parent_id == parent.id if parent else Area.parent_id.is_(None)
    return db.session.scalar(
        select(Area).where(Area.name == name, Area.level == level, parent_match)
    )


class BulkClosure:
    """Closure rows for many new areas at once, for generators that bulk-insert areas.

    `load` reads the chains of existing areas once; `add` derives a new area's chain from
    its parent's in memory; `insert` writes every collected row in batches.
    """

    def __init__(self) -> None:
        self.chains: dict[int, list[tuple[int, int]]] = {}
        self.rows: list[dict] = []

    def load(self, area_ids: list[int]) -> None:
        """Read the ancestors (with distance) of existing areas."""
        found = db.session.execute(
            select(AreaClosure.descendant_id, AreaClosure.ancestor_id, AreaClosure.distance)
            .where(AreaClosure.descendant_id.in_(area_ids))
            .order_by(AreaClosure.descendant_id, AreaClosure.distance)
        )
        for descendant, ancestor, distance in found:
            self.chains.setdefault(descendant, []).append((ancestor, distance))

    def known(self, area_id: int) -> bool:
        return area_id in self.chains

    def add(self, area_id: int, parent_id: int) -> None:
        """Link a new area to itself, its parent and everything above the parent."""
        own = [(area_id, 0)] + [(anc, dist + 1) for anc, dist in self.chains[parent_id]]
        self.chains[area_id] = own
        self.rows.extend(
            {"ancestor_id": anc, "descendant_id": area_id, "distance": dist} for anc, dist in own
        )

    def insert(self, batch: int = 10_000) -> None:
        for start in range(0, len(self.rows), batch):
            db.session.execute(insert(AreaClosure.__table__), self.rows[start : start + batch])
        self.rows = []
