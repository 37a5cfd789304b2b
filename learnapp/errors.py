"""Domain errors and the friendly error pages, in the person's language."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from flask import Flask, flash, g, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.exceptions import HTTPException

from learnapp import db


class DomainError(Exception):
    """A rule of the domain refused an action; its text is a code that a feature's
    message map (code -> translatable sentence) turns into the person's words."""


Messages = Mapping[str, Any]


def message_for(error: DomainError | str, messages: Messages, fallback: Any = None) -> str:
    """The person's words for a refusal code: from the map, else the fallback, else the code."""
    code = str(error)
    if code in messages:
        return str(messages[code])
    return str(fallback) if fallback is not None else code


def commit_or_flash(action: Callable[[], object], messages: Messages) -> bool:
    """Run a service call and commit it; when a domain rule refuses it, roll back and flash
    why. Returns whether it went through, so the view knows where to send the person."""
    try:
        action()
    except DomainError as exc:
        db.session.rollback()
        flash(message_for(exc, messages), "error")
        return False
    db.session.commit()
    return True


def init_app(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def _csrf_error(exc: CSRFError):
        db.session.rollback()
        return render_template("errors/csrf.html", code=400), 400

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):
        db.session.rollback()
        code = exc.code or 500
        _audit_refusal(app, code)
        if code == 413:
            # The body was refused unread; the layout's forms must not try to parse it again.
            request.__dict__.update(form=ImmutableMultiDict(), files=ImmutableMultiDict())
        template = f"errors/{code}.html" if code in (403, 404, 413, 429) else "errors/other.html"
        return render_template(template, code=code), code

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        if isinstance(exc, HTTPException):
            return _http_error(exc)
        db.session.rollback()
        app.logger.exception("Unhandled error")
        # Never a traceback for the person: the log has it.
        return render_template("errors/500.html", code=500), 500


# Refusals worth an admin's attention: someone reaching past their role or area, or
# hammering the sign-in. A plain 404 (a mistyped address) is not logged.
_REFUSALS = {403: "access_denied", 429: "rate_limited"}


def refuse_out_of_scope(what: str) -> None:
    """Mark the coming 404 as a reach into another area, for the audit log."""
    g.out_of_scope = what


def _audit_refusal(app: Flask, code: int) -> None:
    action = _REFUSALS.get(code)
    detail = f"{request.method} {request.path}"
    if code == 404 and g.get("out_of_scope"):
        action, detail = "out_of_scope", f"{detail} ({g.pop('out_of_scope')})"
    if action is None:
        return
    from flask_login import current_user

    from learnapp import audit

    try:
        actor = current_user._get_current_object() if current_user.is_authenticated else None
        audit.record(action, actor=actor, area_id=actor.area_id if actor else None, detail=detail)
        db.session.commit()
    except Exception:  # noqa: BLE001  (the refusal page matters more than its log line)
        db.session.rollback()
        app.logger.exception("Could not log a refusal")
