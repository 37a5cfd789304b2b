"""Which language a person sees: their saved choice, else the session's, else the browser's."""

from __future__ import annotations

from flask import current_app, request, session
from flask_login import current_user


def select_locale() -> str:
    languages = current_app.config["LANGUAGES"]
    user_locale = getattr(current_user, "locale", None) if current_user else None
    if user_locale in languages:
        return user_locale
    if session.get("locale") in languages:
        return session["locale"]
    return (
        request.accept_languages.best_match(languages) or current_app.config["BABEL_DEFAULT_LOCALE"]
    )


LANGUAGE_NAMES = {"vi": "Tiếng Việt", "en": "English"}


def content_language() -> str:
    """The language course content is shown in: the person's, when a module has it."""
    from flask_babel import get_locale

    return str(get_locale())
