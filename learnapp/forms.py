"""Forms shared by several features."""

from flask_wtf import FlaskForm


class ButtonForm(FlaskForm):
    """A POST-only button: nothing but the CSRF token."""
