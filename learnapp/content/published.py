"""The modules learners can see: published ones (not drafts, not archived), in course order.

Learner pages, reports, assignments, the export and the demo all ask here, so "what is
on offer" has one meaning.
"""

from __future__ import annotations

from sqlalchemy import Select, select

from learnapp import db
from learnapp.models import Module, ModuleStatus


def published_module_ids() -> Select:
    """Ids of the published modules, as a subquery-ready select."""
    return select(Module.id).where(Module.status == ModuleStatus.PUBLISHED)


def published_modules() -> list[Module]:
    """Every published module, in course order."""
    return list(
        db.session.scalars(
            select(Module)
            .where(Module.status == ModuleStatus.PUBLISHED)
            .order_by(Module.position, Module.slug)
        )
    )


def published_module(slug: str) -> Module | None:
    """The published module with this short name, if there is one."""
    return db.session.scalar(
        select(Module).where(Module.slug == slug, Module.status == ModuleStatus.PUBLISHED)
    )
