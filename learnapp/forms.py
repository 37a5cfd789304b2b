"""Forms and field types shared by several features."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField
from wtforms.validators import StopValidation

from learnapp.ids import parse_id


class ButtonForm(FlaskForm):
    """A POST-only button: nothing but the CSRF token."""


def _coerce_id(value: object) -> int | None:
    if value is None or value == "":
        return None
    parsed = parse_id(value)
    if parsed is None:
        raise ValueError("not an id")
    return parsed


class IdField(SelectField):
    """A row chosen by its id from a list: the data is an int from 1 to 2^31-1 or None.

    Anything else posted (letters, "²", a number past what an id column holds) is a form
    error with a message, and the field's own checks do not run on it.
    """

    def __init__(self, label=None, validators=None, message=None, **kwargs) -> None:  # noqa: ANN001
        kwargs.setdefault("validate_choice", False)
        super().__init__(
            label,
            validators,
            coerce=_coerce_id,
            invalid_value_message=message or _l("Choose an item from the list."),
            **kwargs,
        )

    def pre_validate(self, form) -> None:  # noqa: ANN001
        if self.process_errors:
            raise StopValidation()
        super().pre_validate(form)
