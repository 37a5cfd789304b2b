"""Which language a person sees: their saved choice, else the session's, else the browser's."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import TypeVar

from babel import Locale
from babel.support import NullTranslations
from flask import Flask, current_app, g, request, session
from flask_babel import get_locale, get_translations
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


def _per_locale(slot: str, compute: Callable[[Locale], T]) -> T | None:
    """compute(locale) for the locale now in force, once per request and locale: kept in
    `g` beside the locale object it was computed for, so a `force_locale` block (an
    e-mail in the recipient's language) gets its own. None outside a request."""
    locale = get_locale()
    if locale is None:
        return None
    remembered = g.get(slot)
    if remembered is not None and remembered[0] is locale:
        return remembered[1]
    value = compute(locale)
    setattr(g, slot, (locale, value))
    return value


def current_locale() -> str:
    """The code of the language this request is in ("vi", "en"); a page asks half a
    dozen times, and Babel builds the code anew each time."""
    code = _per_locale("_locale_code", str)
    return "None" if code is None else code  # what str() of the missing locale gave


def content_language() -> str:
    """The language course content is shown in: the person's, when a module has it."""
    return current_locale()


def _current_translations() -> NullTranslations:
    """The translations for the locale now in force, looked up once per request and
    locale instead of on each of a page's dozens of texts."""
    found = _per_locale("_template_translations", lambda _locale: get_translations())
    return get_translations() if found is None else found


def install_template_gettext(app: Flask) -> None:
    """Templates' `_()` and `ngettext()` through `_current_translations` (same texts and
    formatting as Flask-Babel's own callables, which look the translations up anew for
    every text)."""
    app.jinja_env.install_gettext_callables(
        gettext=lambda text: _current_translations().ugettext(text),
        ngettext=lambda singular, plural, n: _current_translations().ungettext(singular, plural, n),
        pgettext=lambda context, text: _current_translations().upgettext(context, text),
        npgettext=lambda context, singular, plural, n: _current_translations().unpgettext(
            context, singular, plural, n
        ),
        newstyle=True,
    )
