"""Domain errors and the friendly error pages, in the person's language."""

from __future__ import annotations

from flask import Flask, render_template, request
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
