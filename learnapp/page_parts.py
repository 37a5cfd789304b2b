"""Parts of pages that depend on a few values only, rendered once per worker and kept.

Every signed-in page opens with the same header for everyone who reads the same language
with the same roles, and a lesson's article is the same for every reader of that lesson
in that language. Rendering them (two dozen translated texts and links) cost more than
the rest of a lesson page. Each part is rendered on first use and kept under its key;
what differs from request to request (the CSRF token, the page's own address) goes
into slots after. While templates reload (development), nothing is kept.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, MutableMapping

from flask import current_app, render_template, request
from flask_login import current_user
from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup, escape

from learnapp.forms import csrf_field
from learnapp.i18n import current_locale

# NUL never reaches a page (requests have it replaced, templates hold none): a slot
# cannot collide with anything a part prints.
CSRF_SLOT = Markup("\x00csrf\x00")
NEXT_SLOT = Markup("\x00next\x00")

# The template context's flags that choose the header's links (each set by the context
# processor of the feature that owns the page linked); a new one must be added here.
NAV_FLAGS = ("can_author", "can_schedule", "can_report", "is_admin")


def once(
    store: MutableMapping[Hashable, Markup], key: Hashable, render: Callable[[], str]
) -> Markup:
    """The template output `render` returns, from `store` when kept there under `key`."""
    if current_app.config.get("TEMPLATES_AUTO_RELOAD"):
        return Markup(render())  # noqa: S704  (a template's output, escaped by Jinja)
    part = store.get(key)
    if part is None:
        # Two threads may both render it first; either copy is the same.
        part = store[key] = Markup(render())  # noqa: S704  (as above)
    return part


@pass_context
def site_header(context: Context) -> Markup:
    """The page header: the site's name, the language switch and the account's links."""
    signed_in = bool(current_user.is_authenticated)
    flags = {name: bool(context.get(name)) for name in NAV_FLAGS} if signed_in else {}
    key = (current_locale(), signed_in, *flags.values())
    store: dict[Hashable, Markup] = current_app.extensions.setdefault("site_headers", {})
    header = once(
        store,
        key,
        lambda: render_template("_header.html", csrf_input=CSRF_SLOT, next_path=NEXT_SLOT, **flags),
    )
    # The language switch brings the reader back to this page (a GET's address only).
    here = request.full_path if request.method == "GET" else ""
    # Markup.replace escapes what is not Markup already: the token input is, and so is
    # the escaped address.
    return header.replace(CSRF_SLOT, csrf_field()).replace(NEXT_SLOT, escape(here))
