"""learnapp: training for village Party cell secretaries, with reports by area."""

from __future__ import annotations

import hashlib
import os
from datetime import datetime
from pathlib import Path

from flask import Flask, abort, has_request_context, redirect, request, session, url_for
from flask_login import current_user, logout_user
from werkzeug.middleware.proxy_fix import ProxyFix

from learnapp import cache, db, errors, ids
from learnapp import config as config_module
from learnapp.extensions import babel, csrf, limiter, login_manager
from learnapp.i18n import (
    LANGUAGE_NAMES,
    current_locale,
    install_template_gettext,
    select_locale,
)
from learnapp.models.base import utcnow, vietnam_time
from learnapp.nul_free import LearnappRequest

STATIC_DIR = Path(__file__).parent / "static"


def create_app(config: dict | None = None) -> Flask:
    """Build the application. No side effects: set-up lives in the CLI and `make run`."""
    settings = config_module.load(config)
    app = Flask(__name__, instance_path=str(settings["INSTANCE_PATH"]))
    app.request_class = LearnappRequest
    app.config.update(settings)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)

    proxies = int(os.environ.get("LEARNAPP_PROXY_COUNT", "0"))
    if proxies:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)  # type: ignore[method-assign]

    _warn_about_settings(app)
    db.init_app(app)
    cache.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    install_template_gettext(app)
    csrf.init_app(app)
    limiter.init_app(app)
    _init_login(app)
    errors.init_app(app)
    _init_request_hooks(app)
    _init_templates(app)
    ids.init_app(app)
    _register_blueprints(app)

    from learnapp import cli

    cli.init_app(app)
    return app


def _warn_about_settings(app: Flask) -> None:
    """Log what production should not run with but can (refusals live in config.py)."""
    storage = str(app.config.get("RATELIMIT_STORAGE_URI", ""))
    if app.config["ENV"] == "production" and storage.startswith("memory://"):
        app.logger.warning(
            "LEARNAPP_RATELIMIT_STORAGE_URL is memory:// in production: each gunicorn worker "
            "counts failed sign-ins alone, so the sign-in throttle is weaker by the number of "
            "workers. Set it to a shared store, e.g. redis://localhost:6379/0."
        )


def _init_login(app: Flask) -> None:
    from learnapp.auth.services import load_user_for_session

    login_manager.init_app(app)
    login_manager.login_view = "auth.sign_in"
    login_manager.session_protection = "basic"
    login_manager.user_loader(load_user_for_session)

    from flask_babel import lazy_gettext

    login_manager.login_message = lazy_gettext("Please sign in to continue.")
    login_manager.login_message_category = "info"


# Endpoints a person who must change their password may still reach.
_OPEN_DURING_FORCED_CHANGE = {
    "auth.change_password",
    "auth.sign_out",
    "auth.set_language",
    "static",
}


def _init_request_hooks(app: Flask) -> None:
    @app.before_request
    def _no_nul_in_path():
        # No route's value may hold NUL, and PostgreSQL would refuse it in a query.
        if "\x00" in request.path:
            abort(404)
        return None

    @app.before_request
    def _session_timeouts():
        if not current_user.is_authenticated:
            return None
        now = utcnow().timestamp()
        if "signed_in_at" not in session:
            # Restored from the keep-me-signed-in cookie: the idle timeout starts again, the
            # absolute one still counts from the sign-in the cookie carries (or, for a cookie
            # older than that, from the account's last sign-in).
            session["signed_in_at"] = _restored_sign_in_time(now)
            session["seen_at"] = now
        signed_in_at = session["signed_in_at"]
        seen_at = session.get("seen_at", now)
        idle = app.config["SESSION_IDLE_TIMEOUT"].total_seconds()
        absolute = app.config["SESSION_ABSOLUTE_TIMEOUT"].total_seconds()
        if now - seen_at > idle or now - signed_in_at > absolute:
            if request.endpoint == "auth.sign_out" and request.method == "POST":
                # A sign-out the phone kept while offline may arrive after the timeout:
                # it still ends every session of the account, keep-me-signed-in included,
                # which the timeout alone would not.
                return None
            logout_user()
            # logout_user marks the remember-me cookie for deletion; keep that through clear().
            forget, locale = session.get("_remember"), session.get("locale")
            session.clear()
            session["_remember"] = forget or "clear"
            if locale:
                session["locale"] = locale
            return redirect(url_for("auth.sign_in", next=request.full_path))
        # Rewriting the cookie on every hit costs bytes on slow links; a minute is enough.
        if now - seen_at > 60:
            session["seen_at"] = now
        return None

    @app.before_request
    def _forced_password_change():
        if (
            current_user.is_authenticated
            and current_user.must_change_password
            and request.endpoint not in _OPEN_DURING_FORCED_CHANGE
        ):
            return redirect(url_for("auth.change_password"))
        return None

    @app.after_request
    def _security_headers(response):
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
        )
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "same-origin"
        response.headers["X-Frame-Options"] = "DENY"
        if app.config["ENV"] == "production":
            response.headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
        if current_user.is_authenticated and request.endpoint != "static":
            # Pages about a person must not be kept by shared proxies or the back button.
            response.headers.setdefault("Cache-Control", "private, no-store")
        return response


def _restored_sign_in_time(now: float) -> float:
    from learnapp.auth.services import signed_in_at_of

    carried = signed_in_at_of(session.get("_user_id"))
    if carried is not None:
        return float(carried)
    last = current_user.last_sign_in_at
    return last.timestamp() if last is not None else now


def _asset_versions() -> dict[str, str]:
    versions = {}
    for path in STATIC_DIR.rglob("*"):
        if path.is_file():
            digest = hashlib.sha256(path.read_bytes()).hexdigest()[:10]
            versions[path.relative_to(STATIC_DIR).as_posix()] = digest
    return versions


def _init_templates(app: Flask) -> None:
    versions = _asset_versions()

    urls: dict[tuple[str, str], str] = {}

    def asset_url(filename: str) -> str:
        # The content hash in the URL lets browsers keep assets for a year safely. The
        # URL depends only on where the site is mounted: built once per worker.
        key = (request.script_root if has_request_context() else "", filename)
        url = urls.get(key)
        if url is None:
            url = urls[key] = url_for("static", filename=filename, v=versions.get(filename, "0"))
        return url

    def format_date(value: datetime | None) -> str:
        from flask_babel import format_date as babel_format_date

        return babel_format_date(value, format="dd/MM/yyyy") if value else ""

    from learnapp.forms import csrf_field
    from learnapp.page_parts import site_header

    app.jinja_env.globals.update(
        asset_url=asset_url,
        LANGUAGE_NAMES=LANGUAGE_NAMES,
        get_locale=current_locale,
        csrf_field=csrf_field,
        site_header=site_header,
    )
    app.jinja_env.filters["date"] = format_date
    app.jinja_env.filters["vn_datetime"] = vietnam_time
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True


def _register_blueprints(app: Flask) -> None:
    from learnapp.admin.views import bp as admin_bp
    from learnapp.auth.views import bp as auth_bp
    from learnapp.authoring.views import bp as authoring_bp
    from learnapp.learn.views import bp as learn_bp
    from learnapp.notify.views import bp as notify_bp
    from learnapp.privacy.views import bp as privacy_bp
    from learnapp.quiz.views import bp as quiz_bp
    from learnapp.reports.views import bp as reports_bp

    app.register_blueprint(auth_bp)
    app.register_blueprint(authoring_bp)
    app.register_blueprint(learn_bp)
    app.register_blueprint(quiz_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(reports_bp)
    app.register_blueprint(privacy_bp)
    app.register_blueprint(notify_bp)
    from learnapp.sessions.views import bp as sessions_bp

    app.register_blueprint(sessions_bp)
    from learnapp.offline.views import bp as offline_bp

    app.register_blueprint(offline_bp)
    from learnapp.learn import done_lessons, quiz_progress

    quiz_progress.init_app(app)
    done_lessons.init_app(app)
