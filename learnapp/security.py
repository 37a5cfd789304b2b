"""Permission helpers every feature uses: a role decorator and area-scoped loaders.

Two layers: `roles_required` refuses the wrong role (403); the loaders check the
object's area against the viewer's scope in the SQL itself and answer 404, because
another area's people must not even be known to exist. What the scope is belongs to
`learnapp.org.scope`.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import abort
from flask_login import current_user
from sqlalchemy import select

from learnapp import db
from learnapp.errors import refuse_out_of_scope
from learnapp.models import Area, Role, User
from learnapp.org.scope import scope_area_ids

F = TypeVar("F", bound=Callable[..., Any])


def roles_required(*roles: Role) -> Callable[[F], F]:
    """Let through signed-in people holding any of the roles; others get 403."""

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                from learnapp.extensions import login_manager

                return login_manager.unauthorized()
            if not current_user.has_role(*roles):
                abort(403)
            return view(*args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorator


def load_area(area_id: int, role: Role) -> Area:
    """The area if it is in the current user's scope for the role, else 404."""
    area = db.session.scalar(
        select(Area).where(Area.id == area_id, Area.id.in_(scope_area_ids(current_user, role)))
    )
    if area is None:
        if db.session.get(Area, area_id) is not None:
            refuse_out_of_scope(f"area {area_id}")
        abort(404)
    return area


def load_person(user_id: int, role: Role) -> User:
    """A person whose area is in the current user's scope for the role, else 404."""
    person = db.session.scalar(
        select(User).where(User.id == user_id, User.area_id.in_(scope_area_ids(current_user, role)))
    )
    if person is None:
        if db.session.get(User, user_id) is not None:
            refuse_out_of_scope(f"person {user_id}")
        abort(404)
    return person
