"""Routes at the site root that the browser asks for by name: manifest, favicon, worker."""

from __future__ import annotations

import hashlib
import json
from functools import cache
from pathlib import Path

from flask import Blueprint, Response, current_app, jsonify, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from markupsafe import Markup

from learnapp import STATIC_DIR, page_parts
from learnapp.content.published import published_module
from learnapp.i18n import content_language, current_locale
from learnapp.offline import sync as offline_sync
from learnapp.offline.modules import offline_manifest

OWN_STATIC = Path(__file__).parent / "static"

bp = Blueprint(
    "offline",
    __name__,
    static_folder="static",
    static_url_path="/offline/static",
    template_folder="templates",
)

_USER_SLOT = Markup('data-user="{user}"')


@bp.app_template_global()
def offline_script_tag() -> Markup:
    """The offline script's tag with its texts in the reader's language.

    Its dozen translated texts cost more than the rest of a lesson page's template, and
    only the language and the person's id change between pages: it is rendered once per
    language and worker, and the id put in each time.
    """
    tags: dict = current_app.extensions.setdefault("offline_script_tags", {})
    tag = page_parts.once(
        tags, current_locale(), lambda: render_template("offline/_script.html", user_id="{user}")
    )
    # The id put in is an integer.
    return tag.replace(_USER_SLOT, Markup(f'data-user="{int(current_user.id)}"'), 1)  # noqa: S704


# Pages the back button and the offline store may keep: the learner's own reading, which
# changes only when the learner acts. Still `private`, so no shared cache keeps them;
# everything else about a person stays `no-store` (account, admin, reports, home).
REVALIDATED_PAGES = {"learn.module", "learn.lesson", "learn.job_aid"}

# What the worker stores on install: every script and style sheet of the site (a few KB
# compressed in all), so a page opened from the offline store never lacks one, whichever
# page it is, and a script added later is stored without anyone remembering to list it.
PRECACHED_FOLDERS = ("css", "js")


def _precached_names() -> list[str]:
    return sorted(
        name for name in _static_digest()[1] if name.split("/", 1)[0] in PRECACHED_FOLDERS
    )


@cache
def _static_digest() -> tuple[str, dict[str, str]]:
    """One hash over every static file (the cache's version) and each file's own hash."""
    whole = hashlib.sha256()
    each = {}
    for folder in (STATIC_DIR, OWN_STATIC):
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                data = path.read_bytes()
                whole.update(path.name.encode() + data)
                each[path.relative_to(folder).as_posix()] = hashlib.sha256(data).hexdigest()[:10]
    return whole.hexdigest()[:16], each


def static_version() -> str:
    return _static_digest()[0]


def _precached_urls() -> list[str]:
    # The same versioned URLs the pages use (asset_url), so the stored copies are hits.
    asset_url = current_app.jinja_env.globals["asset_url"]
    urls = [asset_url(name) for name in _precached_names()]
    urls.append(url_for("offline.static", filename="offline.js"))
    urls.append(url_for("offline.static", filename="icon-192.png"))
    return urls


@bp.get("/manifest.webmanifest")
def manifest():
    body = {
        "name": _("Cell secretary training"),
        "short_name": _("Training"),
        "start_url": url_for("learn.home"),
        "scope": "/",
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": "#b22222",
        "icons": [
            {
                "src": url_for("offline.static", filename=f"icon-{size}.png"),
                "sizes": f"{size}x{size}",
                "type": "image/png",
            }
            for size in (192, 512)
        ],
    }
    response = Response(json.dumps(body, ensure_ascii=False), mimetype="application/manifest+json")
    response.headers["Cache-Control"] = "public, max-age=3600"
    response.headers["Vary"] = "Accept-Language, Cookie"
    return response


@bp.get("/favicon.ico")
def favicon():
    reply = bp.send_static_file("icon-32.png")
    reply.headers["Cache-Control"] = "public, max-age=604800"
    return reply


@bp.get("/sw.js")
def service_worker():
    version, assets = json.dumps(static_version()), json.dumps(_precached_urls())
    prelude = f"var VERSION = {version};\nvar ASSETS = {assets};\n"
    body = prelude + (OWN_STATIC / "sw.js").read_text(encoding="utf-8")
    response = Response(body, mimetype="text/javascript")
    # The browser checks the worker on every visit; no-cache lets a deploy reach it at once.
    response.headers["Cache-Control"] = "no-cache"
    response.headers["Service-Worker-Allowed"] = "/"
    return response


@bp.record_once
def _hook_headers(state) -> None:
    # Registered after the app's own header hook, so it runs first: that hook only sets
    # Cache-Control when it is still unset.
    state.app.after_request(_revalidated_pages)


def _revalidated_pages(response):
    if (
        current_user.is_authenticated
        and request.endpoint in REVALIDATED_PAGES
        and response.status_code == 200
    ):
        response.headers.setdefault("Cache-Control", "private, no-cache")
    return response


@bp.post("/offline/sync")
@login_required
def sync():
    # CSRF is checked by CSRFProtect before this runs: the phone sends the token in the
    # X-CSRFToken header.
    try:
        actions = offline_sync.parse(request.get_json(silent=True))
    except offline_sync.BadPayload as exc:
        return jsonify(message=str(exc)), 400
    return jsonify(results=offline_sync.apply_all(current_user._get_current_object(), actions))


@bp.get("/offline/modules/<slug>.json")
@login_required
def module_manifest(slug: str):
    module = published_module(slug)
    if module is None:
        return jsonify(message=_("This module is not offered.")), 404
    response = jsonify(offline_manifest(module, content_language()))
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/offline")
@login_required
def downloads():
    return render_template("offline/downloads.html")
