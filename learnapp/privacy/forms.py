"""Forms and messages of the privacy pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField
from wtforms.validators import Length

DELETE_MESSAGES = {
    "delete_self": _l("You cannot delete your own account."),
    "already_deleted": _l("This person has already been deleted."),
}


class DeletePersonForm(FlaskForm):
    """Deleting cannot be undone, so it asks for the admin's own password."""

    current_password = PasswordField(
        _l("Your own password"),
        validators=[Length(max=200, message=_l("Your password is not right."))],
        render_kw={"autocomplete": "current-password"},
    )
