"""Keeps each stored folded name (User.folded_name, Area.folded_name) in step with its name.

An ORM assignment to the name sets the folded one at once; a bulk insert (the import,
the large demo) gets it from the column default (models.base.folded_from).
"""

from __future__ import annotations

from sqlalchemy import event

from learnapp.models.org import Area
from learnapp.models.people import User
from learnapp.name_search import fold


def _keep_folded(model: type, source: str) -> None:
    @event.listens_for(getattr(model, source), "set", propagate=True)
    def _on_set(target, value, _old, _initiator) -> None:  # noqa: ANN001
        target.folded_name = fold(value or "")


_keep_folded(User, "full_name")
_keep_folded(Area, "name")
