"""The account page and the download of one's own data."""

from __future__ import annotations

from flask import Blueprint, Response, abort, render_template
from flask_babel import format_datetime
from flask_login import current_user, login_required

from learnapp import audit, db
from learnapp.forms import ButtonForm
from learnapp.i18n import content_language
from learnapp.models.base import utcnow
from learnapp.privacy import export

bp = Blueprint("privacy", __name__, template_folder="templates")


@bp.get("/account")
@login_required
def account():
    person = current_user._get_current_object()
    return render_template(
        "privacy/account.html",
        person=person,
        area=export.area_path(person.area_id),
        button=ButtonForm(),
    )


@bp.post("/account/my-data")
@login_required
def my_data():
    if not ButtonForm().validate_on_submit():
        abort(400)
    person = current_user._get_current_object()
    language = content_language()
    data = export.collect(person, language)
    from learnapp.admin.forms import AUDIT_ACTION_LABELS
    from learnapp.sessions.forms import ATTENDANCE_LABELS
    from learnapp.sessions.queries import signup_labels

    html = render_template(
        "privacy/my_data.html",
        data=data,
        as_json=export.as_json(data),
        labels={key: str(label) for key, label in AUDIT_ACTION_LABELS.items()},
        session_labels={
            str(key.value): str(label)
            for key, label in (*signup_labels().items(), *ATTENDANCE_LABELS.items())
        },
        made_at=format_datetime(utcnow(), "dd/MM/yyyy HH:mm"),
        when=lambda value: format_datetime(value, "dd/MM/yyyy HH:mm") if value else "",
    )
    # Who downloaded what is itself worth a line in the log; recorded after collecting,
    # so the file does not list its own download.
    audit.record("data_export", actor=person, subject=person)
    db.session.commit()
    filename = f"learnapp-{person.username}-{utcnow().strftime('%Y%m%d')}.html"
    return Response(
        html,
        mimetype="text/html",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "private, no-store",
        },
    )
