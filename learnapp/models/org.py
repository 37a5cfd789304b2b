"""The area tree: province > (district >) commune > village, any depth."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from learnapp.db import Base
from learnapp.models.base import folded_from, utcnow

LEVELS = ("province", "district", "commune", "village")


class Area(Base):
    __tablename__ = "area"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    # What a reader should know about the place, e.g. the former communes a merged one
    # took in on 1 July 2025 ("xã Tứ Quận cũ"), so old names still find it.
    description: Mapped[str | None] = mapped_column(String(500))
    level: Mapped[str] = mapped_column(String(20))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("area.id"), index=True)
    depth: Mapped[int] = mapped_column(Integer, default=0)
    # The name lower-cased without Vietnamese marks (learnapp.name_search.fold), kept in
    # step with `name` by learnapp.models.folding, so a search compares one stored column
    # instead of folding every row.
    folded_name: Mapped[str] = mapped_column(
        String(120), default=folded_from("name"), server_default=""
    )
    # Whom a learner under this area calls for help (name and phone, free text), set by
    # an admin on a commune and shown on /help; the nearest area above that has one wins.
    help_contact: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    parent: Mapped[Area | None] = relationship(remote_side=[id])

    def __repr__(self) -> str:
        return f"<Area {self.id} {self.level} {self.name!r}>"


class AreaClosure(Base):
    """One row per (ancestor, descendant) pair, the area itself included at distance 0.

    "Everything under this commune" is then one indexed lookup, whatever the depth.
    """

    __tablename__ = "area_closure"
    __table_args__ = (Index("ix_area_closure_descendant", "descendant_id", "ancestor_id"),)

    ancestor_id: Mapped[int] = mapped_column(
        ForeignKey("area.id", ondelete="CASCADE"), primary_key=True
    )
    descendant_id: Mapped[int] = mapped_column(
        ForeignKey("area.id", ondelete="CASCADE"), primary_key=True
    )
    distance: Mapped[int] = mapped_column(Integer)
