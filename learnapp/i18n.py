"""Which language a person sees: their saved choice, else the session's, else the browser's."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TypeVar

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


T = TypeVar("T")


def in_language(by_language: Mapping[str, T], language: str, default: str) -> T | None:
    """The version in the language, else in the default language, else any (None: none).

    Content exists in the languages its authors wrote; a learner reading another still
    sees something, the module's own language first."""
    for choice in (language, default):
        if choice in by_language:
            return by_language[choice]
    return next(iter(by_language.values()), None)


def by_language(texts: Iterable) -> dict:
    """Rows that carry a `language`, keyed by it."""
    return {t.language: t for t in texts}


LANGUAGE_NAMES = {"vi": "Tiếng Việt", "en": "English"}


def content_language() -> str:
    """The language course content is shown in: the person's, when a module has it."""
    from flask_babel import get_locale

    return str(get_locale())
