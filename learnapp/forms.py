"""Forms and field types shared by several features."""

from __future__ import annotations

import unicodedata

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import StopValidation

from learnapp.ids import parse_id

# Tab, line feed and carriage return belong in a text of several lines; no other control
# character belongs anywhere a person types (openpyxl refuses them, so one name holding
# \x07 used to break every spreadsheet export that included it).
_LINE_BREAKS = {"\t", "\n", "\r"}


def control_characters(text: str, *, multiline: bool = False) -> bool:
    """Whether the text holds a control character (line breaks allowed if multiline)."""
    return any(
        unicodedata.category(char) == "Cc" and not (multiline and char in _LINE_BREAKS)
        for char in text
    )


class CheckedForm(FlaskForm):
    """The base of every form on the site: no text field takes a control character."""

    def validate(self, extra_validators=None) -> bool:  # noqa: ANN001
        valid = super().validate(extra_validators)
        for field in self:
            if not isinstance(field, StringField) or not isinstance(field.data, str):
                continue
            multiline = isinstance(field, TextAreaField)
            if control_characters(field.data, multiline=multiline):
                field.errors = [*field.errors, str(CONTROL_MESSAGE)]
                valid = False
        return valid


CONTROL_MESSAGE = _l("Remove the invisible control characters from this text.")


class ButtonForm(CheckedForm):
    """A POST-only button: nothing but the CSRF token."""


def csrf_field() -> Markup:
    """The CSRF token's hidden input, exactly as a form's `csrf_token` field renders it.

    For the forms on every page (language, sign-out) and the lesson's button, which carry
    nothing else: building a form object per request only to print this costs more than
    the rest of their markup. The POST handlers still validate with their forms.
    """
    return Markup('<input id="csrf_token" name="csrf_token" type="hidden" value="%s">') % (
        generate_csrf(),
    )


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
