"""Training sessions: the trainer schedules and takes the register; learners answer.

Another area's session is "not found" for a trainer and for a learner alike.
"""

from __future__ import annotations

import csv
import io

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required

from learnapp import db
from learnapp.errors import DomainError, commit_or_flash, message_for
from learnapp.forms import ButtonForm
from learnapp.i18n import content_language
from learnapp.models import AttendanceStatus, Role, TrainingSession
from learnapp.models.base import vietnam_today
from learnapp.name_search import ascii_slug
from learnapp.paging import page_arg, paginate
from learnapp.reports import exports
from learnapp.security import load_area, roles_required
from learnapp.sessions import queries, services, sync
from learnapp.sessions.forms import ATTENDANCE_LABELS, MESSAGES, AttendanceForm, SessionForm

bp = Blueprint("sessions", __name__, template_folder="templates", url_prefix="/sessions")


def _managed_or_404(session_id: int) -> TrainingSession:
    session = services.find_managed(current_user, session_id)
    if session is None:
        abort(404)
    return session


def _invited_or_404(session_id: int) -> TrainingSession:
    session = db.session.get(TrainingSession, session_id)
    if session is None or not services.is_invited(current_user, session):
        abort(404)
    return session


@bp.get("/")
@roles_required(Role.TRAINER)
def index():
    page = paginate(services.managed_sessions(current_user), page_arg(), 30)
    return render_template(
        "sessions/index.html", page=page, language=content_language(), now=services.vietnam_now()
    )


def _save(form: SessionForm, session: TrainingSession | None) -> TrainingSession | None:
    args = (
        form.starts_at(),
        form.minutes.data,
        form.place.data,
        form.capacity.data,
        form.leader,
        form.areas(),
    )
    try:
        if session is None:
            session = services.schedule(current_user, form.module, *args)
            flash(
                _("The session is scheduled. Invited learners see it on their home page."),
                "success",
            )
        else:
            if form.module.id != session.module_id:
                raise DomainError("module_fixed")
            moved = services.update(current_user, session, *args)
            flash(
                _("Saved. Everyone signed up finds a notice of the new time or place.")
                if moved
                else _("Saved."),
                "success",
            )
    except DomainError as exc:
        db.session.rollback()
        form.form_errors.append(message_for(exc, MESSAGES))
        return None
    db.session.commit()
    return session


@bp.route("/new", methods=["GET", "POST"])
@roles_required(Role.TRAINER)
def new():
    form = SessionForm(current_user, content_language(), data={"trainer_id": current_user.id})
    if form.validate_on_submit():
        session = _save(form, None)
        if session is not None:
            return redirect(url_for(".detail", session_id=session.id))
    return render_template("sessions/edit.html", form=form, session=None)


@bp.route("/<int:session_id>/edit", methods=["GET", "POST"])
@roles_required(Role.TRAINER)
def edit(session_id: int):
    session = _managed_or_404(session_id)
    if session.is_cancelled:
        abort(404)
    form = SessionForm(
        current_user,
        content_language(),
        data={
            "module_id": session.module_id,
            "starts_on": session.starts_at.date(),
            "starts_time": session.starts_at.time(),
            "minutes": session.minutes,
            "place": session.place,
            "capacity": session.capacity,
            "trainer_id": session.trainer_id,
            "area_ids": [str(link.area_id) for link in session.invited],
        },
    )
    if form.validate_on_submit() and _save(form, session) is not None:
        return redirect(url_for(".detail", session_id=session.id))
    return render_template("sessions/edit.html", form=form, session=session)


@bp.get("/<int:session_id>")
@roles_required(Role.TRAINER)
def detail(session_id: int):
    session = _managed_or_404(session_id)
    return render_template(
        "sessions/detail.html",
        session=session,
        rows=services.register(session),
        confirmed=services.confirmed_count(session),
        language=content_language(),
        labels=ATTENDANCE_LABELS,
    )


@bp.route("/<int:session_id>/cancel", methods=["GET", "POST"])
@roles_required(Role.TRAINER)
def cancel(session_id: int):
    session = _managed_or_404(session_id)
    form = ButtonForm()
    if form.validate_on_submit():
        if commit_or_flash(lambda: services.cancel(current_user, session), MESSAGES):
            flash(_("The session is cancelled. Everyone signed up finds a notice."), "success")
        return redirect(url_for(".detail", session_id=session.id))
    return render_template(
        "sessions/cancel.html", session=session, form=form, language=content_language()
    )


@bp.route("/<int:session_id>/register", methods=["GET", "POST"])
@roles_required(Role.TRAINER)
def register(session_id: int):
    session = _managed_or_404(session_id)
    form = AttendanceForm(session)
    if form.validate_on_submit():
        status = AttendanceStatus(form.status.data)
        learner = form.learner
        try:
            services.record_attendance(current_user, session, learner, status, form.reason.data)
        except DomainError as exc:
            db.session.rollback()
            form.form_errors.append(message_for(exc, MESSAGES))
        else:
            db.session.commit()
            flash(
                _("%(name)s: %(mark)s.", name=learner.full_name, mark=ATTENDANCE_LABELS[status]),
                "success",
            )
            return redirect(url_for(".register", session_id=session.id))
    return render_template(
        "sessions/register.html",
        session=session,
        form=form,
        rows=services.register(session),
        labels=ATTENDANCE_LABELS,
        language=content_language(),
    )


@bp.post("/<int:session_id>/register/sync")
@roles_required(Role.TRAINER)
def register_sync(session_id: int):
    """Marks the register page queued while the phone had no network (see sync.py)."""
    session = _managed_or_404(session_id)
    try:
        marks = sync.parse(request.get_json(silent=True))
    except sync.BadBatch:
        return jsonify(error=_("The marks could not be read; nothing was recorded.")), 400
    results = sync.apply(current_user, session, marks)
    db.session.commit()
    return jsonify(
        results={
            client_id: {
                "state": "refused" if code not in ("applied", "already") else code,
                "message": message_for(code, MESSAGES, _("This mark was not recorded.")),
            }
            for client_id, code in results.items()
        }
    )


@bp.get("/<int:session_id>/sheet")
@roles_required(Role.TRAINER)
def sheet(session_id: int):
    session = _managed_or_404(session_id)
    return render_template(
        "sessions/sheet.html",
        session=session,
        rows=[r for r in services.register(session) if r.signup is not None or r.attendance],
        language=content_language(),
    )


@bp.get("/<int:session_id>/sheet.csv")
@roles_required(Role.TRAINER)
def sheet_csv(session_id: int):
    session = _managed_or_404(session_id)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([_("Name"), _("Username"), _("Area"), _("Sign-up"), _("Mark"), _("Reason")])
    signup_labels = queries.signup_labels()
    for row in services.register(session):
        writer.writerow(
            [
                queries.csv_safe(row.person.full_name),
                queries.csv_safe(row.person.username),
                queries.csv_safe(row.area_name),
                signup_labels.get(row.signup, ""),
                str(ATTENDANCE_LABELS[row.attendance]) if row.attendance else "",
                queries.csv_safe(row.reason or ""),
            ]
        )
    return _csv(out.getvalue(), f"session-{session.id}.csv")


def _csv(text: str, name: str) -> Response:
    # With a BOM, as the reports' downloads: Excel then reads the Vietnamese right.
    return Response(
        "\ufeff" + text,
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


# --- the learner's answers ---------------------------------------------------------------


@bp.post("/<int:session_id>/sign-up")
@login_required
def sign_up(session_id: int):
    session = _invited_or_404(session_id)
    result = {}

    def act() -> None:
        result["status"] = services.sign_up(current_user, session)

    if ButtonForm().validate_on_submit() and commit_or_flash(act, MESSAGES):
        if result["status"].value == "confirmed":
            flash(_("You have a seat. See you there."), "success")
        else:
            flash(_("The session is full: you are on the waiting list."), "info")
    return redirect(url_for("learn.home"))


@bp.post("/<int:session_id>/decline")
@login_required
def decline(session_id: int):
    session = _invited_or_404(session_id)
    if ButtonForm().validate_on_submit() and commit_or_flash(
        lambda: services.decline(current_user, session), MESSAGES
    ):
        flash(_("Noted: you will not come to this session."), "success")
    return redirect(url_for("learn.home"))


@bp.post("/notices/<int:notice_id>/dismiss")
@login_required
def dismiss(notice_id: int):
    if ButtonForm().validate_on_submit():
        try:
            services.dismiss_notice(current_user, notice_id)
        except DomainError:
            db.session.rollback()
            abort(404)
        db.session.commit()
    return redirect(url_for("learn.home"))


# --- the committee's download ------------------------------------------------------------


@bp.get("/reports/areas/<int:area_id>/attendance.csv")
@roles_required(Role.COMMITTEE)
def attendance_csv(area_id: int):
    area = load_area(area_id, Role.COMMITTEE)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([_("Name"), _("Username"), _("Area"), _("Attended"), _("Absent"), _("Excused")])
    for row in db.session.execute(queries.attendance_by_learner(area.id)):
        writer.writerow(
            [
                queries.csv_safe(row.full_name),
                queries.csv_safe(row.username),
                queries.csv_safe(row.area_name),
                row.attended,
                row.absent,
                row.excused,
            ]
        )
    return _csv(out.getvalue(), f"attendance-{area.id}.csv")


@bp.get("/reports/areas/<int:area_id>/marks.<any(csv,xlsx):fmt>")
@roles_required(Role.COMMITTEE)
def marks_export(area_id: int, fmt: str):
    """The sessions sheet of the committee's exports: one row per register mark."""
    area = load_area(area_id, Role.COMMITTEE)
    language = content_language()
    return exports.respond(
        fmt,
        f"sessions-{ascii_slug(area.name)}-{vietnam_today().isoformat()}",
        [
            _("Name"),
            _("Username"),
            _("Area"),
            _("Module"),
            _("Date"),
            _("Place"),
            _("Attendance"),
            _("Reason"),
        ],
        (
            [
                row.full_name,
                row.username,
                row.area_name,
                row.TrainingSession.module.text(language).title,
                # Scheduled in Vietnam wall-clock time already: not shifted as UTC is.
                row.TrainingSession.starts_at.strftime("%Y-%m-%d %H:%M"),
                row.TrainingSession.place,
                str(ATTENDANCE_LABELS[row.status]),
                row.reason or "",
            ]
            for row in db.session.execute(queries.marks_under(area.id))
        ),
    )


@bp.app_context_processor
def _sessions_nav() -> dict:
    return {"can_schedule": current_user.is_authenticated and current_user.has_role(Role.TRAINER)}


@bp.app_template_global()
def learner_sessions() -> dict:
    """What the learner's home shows of sessions: open notices and invitations."""
    if not current_user.is_authenticated:
        return {"notices": [], "invitations": []}
    return {
        "notices": services.open_notices(current_user),
        "invitations": services.upcoming_for(current_user),
        "button": ButtonForm(),
    }


@bp.app_template_global()
def session_report(kind: str, subject_id: int) -> list:
    """Rows for the reports' small includes (the view has already authorised the area or
    person): "areas" per sub-area, "person" per session, "missed" for the call list."""
    return queries.for_report(kind, subject_id)
