"""Sign in, sign out, change password, choose the language."""

from __future__ import annotations

from flask import (
    Blueprint,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required

from learnapp import audit, db
from learnapp.auth import services
from learnapp.auth.forms import ChangePasswordForm, LanguageForm, SignInForm
from learnapp.extensions import limiter

bp = Blueprint("auth", __name__, template_folder="templates")


def _failed_sign_in(_response) -> bool:
    return bool(g.get("sign_in_failed"))


def _account_key() -> str:
    # The account the identifier names, however it is spelt: username, phone, +84 ...
    # Unknown identifiers count under their normalised spelling.
    identifier = request.form.get("identifier", "")[:120]
    user = services.find_user(identifier) if identifier.strip() else None
    if user is not None:
        return f"user:{user.id}"
    return "account:" + (
        services.normalise_phone(identifier) or services.normalise_username(identifier)
    )


@bp.route("/sign-in", methods=["GET", "POST"])
@limiter.limit(
    lambda: current_app.config["SIGNIN_FAILURES_PER_IP"],
    methods=["POST"],
    deduct_when=_failed_sign_in,
    scope="sign-in-ip",
)
@limiter.limit(
    lambda: current_app.config["SIGNIN_FAILURES_PER_ACCOUNT"],
    methods=["POST"],
    deduct_when=_failed_sign_in,
    key_func=_account_key,
    scope="sign-in-account",
)
def sign_in():
    if current_user.is_authenticated:
        return redirect(url_for(services.landing_endpoint(current_user)))
    form = SignInForm()
    if request.method == "GET":
        # Printed sign-in cards carry the username in the QR code's link.
        form.identifier.data = request.args.get("u", "")[:120]
        form.next.data = request.args.get("next", "")
    if form.validate_on_submit():
        user = services.authenticate(form.identifier.data, form.password.data)
        if user is None:
            g.sign_in_failed = True
            known = services.find_user(form.identifier.data)
            # The identifier tried, never the password field (see identifier_for_log).
            audit.record(
                "sign_in_failed",
                subject=known,
                detail=services.identifier_for_log(form.identifier.data),
            )
            db.session.commit()
            # The same words whether the account exists or not.
            form.password.errors.append(_("Wrong username, phone number or password."))
            return render_template("auth/sign_in.html", form=form), 200
        if services.temporary_password_expired(user):
            g.sign_in_failed = True
            audit.record("sign_in_failed", subject=user, detail="temporary password expired")
            db.session.commit()
            form.password.errors.append(
                _(
                    "This temporary password has expired. Ask the administrator of your "
                    "commune for a new sign-in card."
                )
            )
            return render_template("auth/sign_in.html", form=form), 200
        services.start_session(user, remember=form.remember.data)
        db.session.commit()
        target = form.next.data if services.is_safe_next(form.next.data) else None
        return redirect(target or url_for(services.landing_endpoint(user)))
    return render_template("auth/sign_in.html", form=form)


@bp.post("/sign-out")
@login_required
def sign_out():
    services.end_session(current_user._get_current_object())
    db.session.commit()
    flash(_("You have signed out."), "info")
    return redirect(url_for("auth.sign_in"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    user = current_user._get_current_object()
    checked = services.temporary_password_recently_typed(user)
    form = ChangePasswordForm(user=user, current_checked=checked)
    if form.validate_on_submit():
        if not checked and not services.verify_password(
            user.password_hash, form.current_password.data
        ):
            form.current_password.errors.append(_("The current password is not right."))
        else:
            services.change_password(user, form.new_password.data)
            db.session.commit()
            flash(_("Your password has been changed."), "success")
            return redirect(url_for(services.landing_endpoint(user)))
    return render_template("auth/change_password.html", form=form)


@bp.post("/language")
def set_language():
    form = LanguageForm()
    if not form.validate_on_submit():
        flash(_("This language is not available."), "error")
        return redirect(url_for("learn.home"))
    session["locale"] = form.language.data
    if current_user.is_authenticated:
        current_user.locale = form.language.data
        db.session.commit()
    target = form.next.data if services.is_safe_next(form.next.data) else None
    return redirect(target or url_for("learn.home"))
