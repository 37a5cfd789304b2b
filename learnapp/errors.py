"""Domain errors and the friendly error pages, in the person's language."""

from __future__ import annotations

from flask import Flask, g, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.exceptions import HTTPException

from learnapp import db


class DomainError(Exception):
    """A rule of the domain refused an action; the message is for the person."""


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
