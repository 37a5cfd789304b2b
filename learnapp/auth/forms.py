"""Sign-in, password and language forms."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, PasswordField, StringField
from wtforms.validators import AnyOf, DataRequired, EqualTo, Length, ValidationError

from learnapp.auth import services
from learnapp.config import LANGUAGES

ERROR_MESSAGES = {
    "too_short": _l("The password must have at least %(n)s characters.", n=services.PASSWORD_MIN),
    "too_long": _l("The password may have at most %(n)s characters.", n=services.PASSWORD_MAX),
    "bad_username": _l(
        "A username uses lower-case letters without accents, digits, dots, hyphens "
        "or underscores (2 to 64 characters)."
    ),
    "bad_phone": _l("This is not a Vietnamese phone number (10 digits starting with 0)."),
    "username_taken": _l("This username is already in use."),
    "phone_taken": _l("This phone number already belongs to another account."),
    "too_common": _l(
        "This password is one of the most common ones, which are tried first. Choose another."
    ),
    "personal": _l("The password must not contain your username, your name or your phone number."),
}


class SignInForm(FlaskForm):
    identifier = StringField(
        _l("Username or phone number"),
        validators=[
            DataRequired(_l("Enter your username or phone number.")),
            # WTForms' own "too long" text has no Vietnamese; no account has so long a name.
            Length(max=120, message=_l("Wrong username, phone number or password.")),
        ],
        render_kw={"autocomplete": "username", "autocapitalize": "none", "spellcheck": "false"},
    )
    password = PasswordField(
        _l("Password"),
        validators=[
            DataRequired(_l("Enter your password.")),
            Length(
                max=services.PASSWORD_MAX, message=_l("Wrong username, phone number or password.")
            ),
        ],
        render_kw={"autocomplete": "current-password"},
    )
    remember = BooleanField(_l("Keep me signed in on this phone"), default=True)
    next = HiddenField()


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(
        _l("Current password"),
        validators=[
            DataRequired(_l("Enter your current password.")),
            Length(max=200, message=_l("The current password is not right.")),
        ],
        render_kw={"autocomplete": "current-password"},
    )
    new_password = PasswordField(
        _l("New password"),
        validators=[
            DataRequired(_l("Enter a new password.")),
            Length(max=200, message=ERROR_MESSAGES["too_long"]),
        ],
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        _l("New password again"),
        validators=[
            DataRequired(_l("Enter the new password again.")),
            EqualTo("new_password", _l("The two new passwords are not the same.")),
        ],
        render_kw={"autocomplete": "new-password"},
    )

    def __init__(self, *args, user=None, current_checked: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        if current_checked:
            # The temporary password was typed at sign-in moments ago in this session.
            del self.current_password

    def validate_new_password(self, field: PasswordField) -> None:
        user = self.user
        problem = services.password_problem(
            field.data or "",
            username=getattr(user, "username", None),
            full_name=getattr(user, "full_name", None),
            phone=getattr(user, "phone", None),
        )
        if problem:
            raise ValidationError(ERROR_MESSAGES[problem])
        current = getattr(self, "current_password", None)
        if current is not None and field.data == current.data:
            raise ValidationError(_l("Choose a password different from the current one."))
        if (
            current is None
            and user is not None
            and services.verify_password(user.password_hash, field.data or "")
        ):
            raise ValidationError(_l("Choose a password different from the current one."))


class LanguageForm(FlaskForm):
    language = StringField(validators=[AnyOf(LANGUAGES)])
    next = HiddenField()
