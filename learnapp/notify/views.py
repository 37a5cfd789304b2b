"""Notification pages: a person's channel choices, the admin's dead letters, and the
commune committee's "needs a call" list."""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import func, or_, select

from learnapp import audit, db
from learnapp.content.published import published_modules
from learnapp.errors import commit_or_flash, refuse_out_of_scope
from learnapp.forms import ButtonForm
from learnapp.i18n import content_language
from learnapp.models import Role, User
from learnapp.models.base import vietnam_date
from learnapp.notify import clock, rules, sender
from learnapp.notify.forms import OUTCOME_LABELS, CallForm, ChannelsForm
from learnapp.notify.models import (
    CallRecord,
    Channel,
    Notification,
    NotificationSetting,
    Outcome,
    Status,
)
from learnapp.org.scope import is_under, scope_area_ids, subtree_ids
from learnapp.security import load_area, load_person, roles_required

bp = Blueprint("notify", __name__, template_folder="templates")

MESSAGES = {"not_dead": _l("Only a message that failed can be sent again.")}
DEAD_LETTERS_SHOWN = 200
PRINTED_DAYS = 14


@bp.route("/notifications", methods=["GET", "POST"])
@login_required
def preferences():
    choices = db.session.get(NotificationSetting, current_user.id)
    form = ChannelsForm()
    if form.validate_on_submit():
        if choices is None:
            choices = NotificationSetting(user_id=current_user.id)
            db.session.add(choices)
        choices.sms_off = not form.sms.data
        choices.zalo_off = not form.zalo.data
        choices.email_off = not form.email.data
        choices.email = (form.address.data or "").strip() or None
        db.session.commit()
        flash(_("Your choices are saved."), "success")
        return redirect(url_for("notify.preferences"))
    if not form.is_submitted():
        form.sms.data = not (choices and choices.sms_off)
        form.zalo.data = not (choices and choices.zalo_off)
        form.email.data = not (choices and choices.email_off)
        form.address.data = choices.email if choices else ""
    recent = db.session.scalars(
        select(Notification)
        .where(Notification.user_id == current_user.id, Notification.status == Status.SENT)
        .order_by(Notification.sent_at.desc())
        .limit(10)
    ).all()
    return render_template("notify/preferences.html", form=form, recent=recent)


def _dead_letters_in_scope():  # noqa: ANN202
    scope = scope_area_ids(current_user, Role.ADMIN)
    return (
        select(Notification, User)
        .join(User, User.id == Notification.user_id)
        .where(Notification.status == Status.DEAD, User.area_id.in_(scope))
    )


@bp.get("/admin/notifications")
@roles_required(Role.ADMIN)
def dead_letters():
    rows = db.session.execute(
        _dead_letters_in_scope()
        .order_by(Notification.created_at.desc(), Notification.id.desc())
        .limit(DEAD_LETTERS_SHOWN)
    ).all()
    counts = dict(
        db.session.execute(
            select(Notification.status, func.count(Notification.id))
            .join(User, User.id == Notification.user_id)
            .where(User.area_id.in_(scope_area_ids(current_user, Role.ADMIN)))
            .group_by(Notification.status)
        ).all()
    )
    return render_template(
        "notify/dead_letters.html", rows=rows, counts=counts, button=ButtonForm(), Status=Status
    )


@bp.post("/admin/notifications/<int:notification_id>/resend")
@roles_required(Role.ADMIN)
def resend(notification_id: int):
    form = ButtonForm()
    if not form.validate_on_submit():
        abort(400)
    row = db.session.execute(
        _dead_letters_in_scope().where(Notification.id == notification_id)
    ).first()
    if row is None:
        row = db.session.execute(
            select(Notification, User)
            .join(User, User.id == Notification.user_id)
            .where(
                Notification.id == notification_id,
                User.area_id.in_(scope_area_ids(current_user, Role.ADMIN)),
            )
        ).first()
        if row is None:
            if db.session.get(Notification, notification_id) is not None:
                refuse_out_of_scope(f"notification {notification_id}")
            abort(404)
    message, person = row

    def _resend() -> None:
        sender.resend(message)
        audit.record(
            "notification_resent",
            actor=current_user,
            subject=person,
            detail=f"notification {message.id} ({message.kind.value}, {message.channel.value})",
        )

    if commit_or_flash(_resend, MESSAGES):
        flash(_("The message is queued to be sent again."), "success")
    return redirect(url_for("notify.dead_letters"))


def _calls_page(area, form: CallForm, status: int = 200):  # noqa: ANN001, ANN202
    now = clock.now()
    today = vietnam_date(now)
    rows = db.session.execute(rules.escalated(area.id, today)).all()
    last_calls = {}
    ids = {r.user_id for r in rows}
    if ids:
        for call in db.session.scalars(
            select(CallRecord)
            .where(CallRecord.user_id.in_(ids))
            .order_by(CallRecord.called_on, CallRecord.id)
        ):
            last_calls[call.user_id] = call
    printed = db.session.execute(
        select(Notification, User)
        .join(User, User.id == Notification.user_id)
        .where(
            Notification.channel == Channel.PRINT,
            Notification.status == Status.SENT,
            Notification.sent_at >= now - timedelta(days=PRINTED_DAYS),
            or_(
                User.area_id.in_(subtree_ids(area.id)),
                Notification.area_id.in_(subtree_ids(area.id)),
            ),
        )
        .order_by(Notification.sent_at.desc())
    ).all()
    titles = {m.id: m.text(content_language()).title for m in published_modules()}
    page = render_template(
        "notify/calls.html",
        area=area,
        rows=rows,
        last_calls=last_calls,
        printed=printed,
        titles=titles,
        today=today,
        form=form,
        outcomes=OUTCOME_LABELS,
        Outcome=Outcome,
    )
    return page, status


@bp.get("/calls")
@roles_required(Role.COMMITTEE)
def calls_home():
    """The call list of the member's own area (the first, for someone granted several)."""
    return redirect(url_for("notify.calls", area_id=min(current_user.scopes(Role.COMMITTEE))))


@bp.get("/calls/<int:area_id>")
@roles_required(Role.COMMITTEE)
def calls(area_id: int):
    area = load_area(area_id, Role.COMMITTEE)
    today = vietnam_date(clock.now())
    form = CallForm(today=today, formdata=None, called_on=today)
    return _calls_page(area, form)


@bp.post("/calls/<int:area_id>")
@roles_required(Role.COMMITTEE)
def record_call(area_id: int):
    area = load_area(area_id, Role.COMMITTEE)
    today = vietnam_date(clock.now())
    form = CallForm(today=today)
    if not form.validate_on_submit():
        flash(_("The call was not recorded: see the messages below."), "error")
        return _calls_page(area, form, 400)
    person = load_person(form.person_id, Role.COMMITTEE)
    if person.area_id is None or not is_under(person.area_id, area.id):
        abort(404)
    outcome = Outcome(form.outcome.data)
    note = (form.note.data or "").strip()
    db.session.add(
        CallRecord(
            user_id=person.id,
            called_by_id=current_user.id,
            called_on=form.called_on.data,
            outcome=outcome,
            note=note,
        )
    )
    audit.record(
        "call_recorded",
        actor=current_user,
        subject=person,
        detail=f"called on {form.called_on.data.isoformat()}, outcome: {outcome.value}"
        + (f"; {note}" if note else ""),
    )
    db.session.commit()
    flash(_("The call with %(name)s is recorded.", name=person.full_name), "success")
    return redirect(url_for("notify.calls", area_id=area.id))
