"""Admin pages: people, bulk import, sign-in cards, areas, required modules, audit log.

Every view needs the admin role; every object is loaded through the admin's scope, so
another area's person, area or assignment is a 404 whatever the URL or form says.
"""

from __future__ import annotations

import csv
import io

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from learnapp import db, site_settings
from learnapp.admin import areas as area_service
from learnapp.admin import assignments as assignment_service
from learnapp.admin import audit_log as audit_service
from learnapp.admin import cards as card_service
from learnapp.admin import imports
from learnapp.admin import passwords as password_service
from learnapp.admin import people as people_service
from learnapp.admin import settings as settings_service
from learnapp.admin.forms import (
    AUDIT_ACTION_LABELS,
    ERROR_MESSAGES,
    FIELD_LABELS,
    IMPORT_FILE_ERRORS,
    LEVEL_LABELS,
    REQUIREMENT_LABELS,
    ROLE_LABELS,
    AssignmentForm,
    AuditFilterForm,
    CreatePersonForm,
    DueDateForm,
    EditPersonForm,
    HelpContactForm,
    ImportConfirmForm,
    ImportUploadForm,
    IssuePasswordsForm,
    MoveAreaForm,
    NewAreaForm,
    PeopleFilterForm,
    RenameAreaForm,
    ResetPasswordForm,
    SettingsForm,
    problem_message,
)
from learnapp.admin.scope import in_scope, manages
from learnapp.auth.services import verify_password
from learnapp.errors import DomainError, commit_or_flash, message_for
from learnapp.forms import ButtonForm
from learnapp.i18n import content_language
from learnapp.ids import parse_id
from learnapp.models import Area, Assignment, PasswordBatchStatus, Requirement, Role, User
from learnapp.paging import page_arg, paginate
from learnapp.privacy import deletion
from learnapp.privacy.forms import DELETE_MESSAGES, DeletePersonForm
from learnapp.qr import qr_data_uri
from learnapp.security import load_area, load_person, roles_required

bp = Blueprint("admin", __name__, url_prefix="/admin", template_folder="templates")

# Which field of the person form a service's refusal belongs to.
_PERSON_ERROR_FIELDS = {
    "own_admin_role": "roles",
    "deactivate_self": "is_active",
    "phone_taken": "phone",
    "bad_phone": "phone",
    "outside_scope": "area_id",
}


@bp.app_context_processor
def _admin_flag() -> dict[str, bool]:
    return {"is_admin": current_user.is_authenticated and current_user.has_role(Role.ADMIN)}


def _admin() -> User:
    return current_user._get_current_object()


def _scope_area_arg(name: str) -> Area | None:
    """The area named in the query string: None if absent, 404 if not an id in the scope."""
    raw = request.args.get(name, "")
    if not raw:
        return None
    area_id = parse_id(raw)
    if area_id is None:
        abort(404)
    return load_area(area_id, Role.ADMIN)


def _button() -> None:
    if not ButtonForm().validate_on_submit():
        abort(400)


def _reauth_problem(admin: User, typed: str | None, missing: str) -> str | None:
    """Why the admin's own password, typed again, does not let the step through; or None."""
    if verify_password(admin.password_hash, typed or ""):
        return None
    return _("Your password is not right.") if typed else missing


@bp.get("/")
@roles_required(Role.ADMIN)
def index():
    return render_template(
        "admin/index.html",
        can_change_settings=settings_service.province_of_admin(_admin()) is not None,
    )


# --- site settings -------------------------------------------------------------------------


@bp.route("/settings", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def settings():
    """The site's settings: the body named on certificates, the statistics threshold.
    Only an admin of a whole province changes them; a commune admin is refused."""
    admin = _admin()
    if settings_service.province_of_admin(admin) is None:
        abort(403)
    names = site_settings.issuer_names()
    form = SettingsForm(
        data={
            "issuer_vi": names.get("vi", ""),
            "issuer_en": names.get("en", ""),
            "stats_min_answers": site_settings.stats_min_answers(),
            # Empty until set, so saving the page does not store the default as a choice.
            "offline_submit_days": site_settings.get(site_settings.OFFLINE_SUBMIT_DAYS) or None,
        }
    )
    if form.validate_on_submit():
        values = {
            site_settings.issuer_key("vi"): form.issuer_vi.data or "",
            site_settings.issuer_key("en"): form.issuer_en.data or "",
            site_settings.STATS_MIN_ANSWERS: str(form.stats_min_answers.data),
        }
        if form.offline_submit_days.data is not None:
            values[site_settings.OFFLINE_SUBMIT_DAYS] = str(form.offline_submit_days.data)
        changed = settings_service.change_settings(admin, values)
        db.session.commit()
        if changed:
            flash(_("The settings are saved."), "success")
        else:
            flash(_("Nothing was changed."), "info")
        return redirect(url_for(".settings"))
    return render_template("admin/settings.html", form=form), 400 if form.errors else 200


# --- people ------------------------------------------------------------------------------


@bp.get("/people")
@roles_required(Role.ADMIN)
def people():
    admin = _admin()
    form = PeopleFilterForm(formdata=request.args)
    form.area.choices = [("", _("All my areas"))] + area_service.area_choices(admin)
    area = _scope_area_arg("area")
    search = (form.q.data or "")[:120]
    page = paginate(
        people_service.people_query(admin, search=search, area=area),
        page_arg(),
        people_service.PEOPLE_PER_PAGE,
    )
    return render_template(
        "admin/people.html",
        form=form,
        page=page,
        area=area,
        args={k: v for k, v in (("q", search), ("area", area.id if area else "")) if v},
        role_labels=ROLE_LABELS,
    )


@bp.route("/people/new", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def person_new():
    admin = _admin()
    form = CreatePersonForm(admin, data={"roles": [Role.LEARNER.value]})
    if form.validate_on_submit():
        # A learner account is everyday work; any other role hands over power (SECURITY 5).
        problem = None
        if people_service.needs_reauth_to_create(form.chosen_roles):
            problem = _reauth_problem(
                admin,
                form.current_password.data,
                _("To give a role other than learner, type your own password again."),
            )
        if problem:
            form.current_password.errors.append(problem)
        else:
            created = _create_person(admin, form)
            if created is not None:
                return created
    return render_template("admin/person_new.html", form=form)


def _create_person(admin: User, form: CreatePersonForm) -> str | None:
    """The page showing the new account's temporary password, or None after a form error."""
    try:
        person, password = people_service.create_person(
            admin,
            full_name=form.full_name.data,
            username=form.username.data,
            phone=form.phone.data,
            area=form.area,
            roles=sorted(form.chosen_roles, key=people_service.ROLE_ORDER.index),
        )
    except DomainError as exc:
        db.session.rollback()
        code = str(exc)
        target = {"username_taken": form.username, "bad_username": form.username}.get(
            code, form.phone if "phone" in code else form.area_id
        )
        target.errors.append(message_for(exc, ERROR_MESSAGES))
        return None
    db.session.commit()
    # Shown in this response only: the password is kept nowhere but as a hash, so it
    # cannot survive a redirect (the session cookie is signed, not encrypted).
    return render_template(
        "admin/temporary_password.html", person=person, password=password, created=True
    )


@bp.route("/people/<int:user_id>", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def person(user_id: int):
    admin = _admin()
    person = load_person(user_id, Role.ADMIN)
    managed = manages(admin, person)
    form = _edit_form(admin, person)
    if form.validate_on_submit():
        if not managed:
            flash(str(ERROR_MESSAGES["not_managed"]), "error")
            return redirect(url_for(".person", user_id=person.id))
        added, removed = people_service.roles_change(person, form.chosen_roles)
        problem = None
        if added or removed:
            problem = _reauth_problem(
                admin,
                form.current_password.data,
                _("To change roles, type your own password again."),
            )
        if problem:
            form.current_password.errors.append(problem)
        else:
            edit = people_service.PersonEdit(
                full_name=form.full_name.data,
                phone=form.phone.data,
                area=form.area,
                roles=form.chosen_roles,
                is_active=form.is_active.data,
            )
            try:
                changed = people_service.update_person(admin, person, edit)
            except DomainError as exc:
                db.session.rollback()
                field = getattr(form, _PERSON_ERROR_FIELDS.get(str(exc), "full_name"))
                field.errors.append(message_for(exc, ERROR_MESSAGES))
            else:
                db.session.commit()
                flash(_("Saved.") if changed else _("Nothing was changed."), "success")
                return redirect(url_for(".person", user_id=person.id))
    return _render_person(person, form, managed)


def _edit_form(admin: User, person: User, **kwargs) -> EditPersonForm:
    return EditPersonForm(
        admin,
        person,
        data={
            "full_name": person.full_name,
            "phone": person.phone,
            "area_id": str(person.area_id),
            "roles": [role.value for role in people_service.ROLE_ORDER if role in person.roles()],
            "is_active": person.is_active,
        },
        **kwargs,
    )


def _render_person(
    person: User,
    form: EditPersonForm,
    managed: bool,
    reset_form: ResetPasswordForm | None = None,
) -> str:
    return render_template(
        "admin/person.html",
        person=person,
        form=form,
        managed=managed,
        button=ButtonForm(),
        reset_form=reset_form or ResetPasswordForm(formdata=None),
        has_password=people_service.has_password(person),
        role_labels=ROLE_LABELS,
    )


@bp.post("/people/<int:user_id>/deactivate")
@roles_required(Role.ADMIN)
def person_deactivate(user_id: int):
    return _set_active(user_id, False)


@bp.post("/people/<int:user_id>/reactivate")
@roles_required(Role.ADMIN)
def person_reactivate(user_id: int):
    return _set_active(user_id, True)


def _set_active(user_id: int, active: bool):
    _button()
    person = load_person(user_id, Role.ADMIN)
    if commit_or_flash(lambda: people_service.set_active(_admin(), person, active), ERROR_MESSAGES):
        if active:
            flash(_("%(name)s can sign in again.", name=person.full_name), "success")
        else:
            flash(
                _(
                    "%(name)s can no longer sign in. Their training record is kept.",
                    name=person.full_name,
                ),
                "success",
            )
    return redirect(url_for(".person", user_id=person.id))


@bp.post("/people/<int:user_id>/reset-password")
@roles_required(Role.ADMIN)
def person_reset_password(user_id: int):
    admin = _admin()
    form = ResetPasswordForm()
    person = load_person(user_id, Role.ADMIN)
    try:
        people_service.check_reset(admin, person)
    except DomainError as exc:
        flash(message_for(exc, ERROR_MESSAGES), "error")
        return redirect(url_for(".person", user_id=person.id))
    # A temporary password hands the account over: the admin's own password first.
    form.validate_on_submit()
    problem = _reauth_problem(
        admin,
        form.current_password.data,
        _("To give a temporary password, type your own password again."),
    )
    if problem:
        form.current_password.errors = [problem]
        return _render_person(person, _edit_form(admin, person, formdata=None), True, form)
    password = people_service.reset_password(admin, person)
    db.session.commit()
    # Rendered, not redirected: see person_new.
    return render_template(
        "admin/temporary_password.html", person=person, password=password, created=False
    )


@bp.route("/people/<int:user_id>/delete", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def person_delete(user_id: int):
    admin = _admin()
    person = load_person(user_id, Role.ADMIN)
    try:
        deletion.check_delete(admin, person)
    except DomainError as exc:
        flash(message_for(exc, {**ERROR_MESSAGES, **DELETE_MESSAGES}), "error")
        return redirect(url_for(".person", user_id=person.id))
    form = DeletePersonForm()
    if form.validate_on_submit():
        # Deleting cannot be undone: the admin's own password first (SECURITY 5, 27).
        problem = _reauth_problem(
            admin, form.current_password.data, _("To delete a person, type your own password.")
        )
        if problem:
            form.current_password.errors.append(problem)
        else:
            name = person.full_name
            deletion.delete_person(person, actor=admin)
            db.session.commit()
            flash(_("%(name)s has been deleted.", name=name), "success")
            return redirect(url_for(".people"))
    return render_template(
        "admin/person_delete.html", person=person, form=form, counts=deletion.what_goes(person)
    )


# --- bulk import -------------------------------------------------------------------------


@bp.route("/import", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def import_upload():
    form = ImportUploadForm()
    if form.validate_on_submit():
        upload = form.file.data
        try:
            rows = imports.read_sheet(upload.read(imports.MAX_BYTES + 1))
        except imports.ImportFileError as exc:
            message = str(IMPORT_FILE_ERRORS.get(exc.code, exc.code))
            form.file.errors.append(message % exc.params if exc.params else message)
        else:
            token = imports.store_upload(_admin(), upload.filename or "", rows)
            return redirect(url_for(".import_preview", token=token))
    return render_template(
        "admin/import_upload.html", form=form, columns=imports.COLUMNS, max_rows=imports.MAX_ROWS
    )


@bp.get("/import/template.csv")
@roles_required(Role.ADMIN)
def import_template():
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(imports.COLUMNS)
    writer.writerow(["Hoàng Văn An", "0912345678", "Lềm", "Tân Thanh", "", "learner"])
    # The BOM makes Excel open the file as UTF-8, so Vietnamese letters survive.
    return Response(
        "\ufeff" + out.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": "attachment; filename=people-template.csv"},
    )


def _load_upload(token: str) -> imports.Upload | None:
    try:
        return imports.load_upload(token, _admin())
    except LookupError:
        abort(404)
    except DomainError as exc:
        flash(message_for(exc, ERROR_MESSAGES), "error")
        return None


def _render_preview(
    upload: imports.Upload, check: imports.ImportCheck, form: ImportConfirmForm
) -> str:
    return render_template(
        "admin/import_preview.html",
        upload=upload,
        check=check,
        form=form,
        problem_message=problem_message,
        field_labels=FIELD_LABELS,
        role_labels=ROLE_LABELS,
        shown_good=200,
    )


@bp.get("/import/<token>")
@roles_required(Role.ADMIN)
def import_preview(token: str):
    upload = _load_upload(token)
    if upload is None:
        return redirect(url_for(".import_upload"))
    check = imports.check_rows(_admin(), upload.rows)
    return _render_preview(upload, check, ImportConfirmForm(data={"token": token}))


@bp.post("/import/confirm")
@roles_required(Role.ADMIN)
def import_confirm():
    admin = _admin()
    form = ImportConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    upload = _load_upload(form.token.data)
    if upload is None:
        return redirect(url_for(".import_upload"))
    check = imports.check_rows(admin, upload.rows)
    problem = None
    if check.needs_reauth:
        problem = _reauth_problem(
            admin,
            form.current_password.data,
            _("This import gives roles beyond learner: type your own password."),
        )
    if problem:
        form.current_password.errors.append(problem)
        return _render_preview(upload, check, form)
    if not check.good:
        flash(_("No row can be imported: correct the file and upload it again."), "error")
        return redirect(url_for(".import_preview", token=upload.token))
    try:
        result = imports.apply_import(admin, check, upload.filename)
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        flash(_("Accounts changed while you were importing. Check the preview again."), "error")
        return redirect(url_for(".import_preview", token=upload.token))
    imports.discard_upload(upload.token)
    db.session.commit()
    flash(
        _(
            "Imported: %(created)s new, %(updated)s updated, %(unchanged)s unchanged, "
            "%(skipped)s rows with problems left out.",
            created=result.created,
            updated=result.updated,
            unchanged=result.unchanged,
            skipped=result.skipped,
        ),
        "success",
    )
    return redirect(url_for(".people"))


# --- sign-in cards -----------------------------------------------------------------------


@bp.get("/areas/<int:area_id>/cards")
@roles_required(Role.ADMIN)
def cards(area_id: int):
    village = load_area(area_id, Role.ADMIN)
    if village.level != "village":
        abort(404)
    page = paginate(card_service.card_people(village), page_arg(), card_service.CARDS_PER_PAGE)
    cards = []
    for (person,) in page.items:
        url = url_for("auth.sign_in", u=person.username, _external=True)
        cards.append((person, url, qr_data_uri(url)))
    return render_template(
        "admin/cards.html",
        village=village,
        cards=cards,
        page=page,
        sign_in_url=url_for("auth.sign_in", _external=True),
    )


# --- temporary passwords for a whole village or commune ------------------------------

# The secrets of the batches this session issued, newest last: only they can print the
# cards (learnapp.admin.passwords). A few are kept, for an admin doing several villages.
_BATCH_SECRETS = "password_batches"


def _remember_secret(batch_id: int, secret: bytes) -> None:
    kept = dict(session.get(_BATCH_SECRETS, {}))
    kept[str(batch_id)] = secret.hex()
    session[_BATCH_SECRETS] = dict(list(kept.items())[-5:])


def _secret_of(batch_id: int) -> bytes | None:
    value = session.get(_BATCH_SECRETS, {}).get(str(batch_id))
    try:
        return bytes.fromhex(value) if isinstance(value, str) else None
    except ValueError:
        return None


@bp.route("/areas/<int:area_id>/passwords", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def area_passwords(area_id: int):
    admin = _admin()
    area = load_area(area_id, Role.ADMIN)
    if area.level not in password_service.AREA_LEVELS:
        abort(404)
    form = IssuePasswordsForm()
    status = 200
    if form.validate_on_submit():
        problem = _reauth_problem(
            admin,
            form.current_password.data,
            _("To issue temporary passwords, type your own password again."),
        )
        if problem:
            form.current_password.errors.append(problem)
            status = 400
        else:
            try:
                batch, secret = password_service.issue_batch(admin, area)
            except DomainError as exc:
                db.session.rollback()
                flash(message_for(exc, ERROR_MESSAGES), "error")
                return redirect(url_for(".area", area_id=area.id))
            background = batch.total > current_app.config["PASSWORD_BATCH_INLINE_MAX"]
            if not background:
                password_service.hash_all(batch.id, secret)
            db.session.commit()
            _remember_secret(batch.id, secret)
            if background:
                # After the commit, so the worker's own session sees the batch.
                password_service.hash_in_background(
                    current_app._get_current_object(), batch.id, secret
                )
            return redirect(url_for(".password_batch", batch_id=batch.id))
    elif request.method == "POST":
        status = 400
    return render_template(
        "admin/passwords_issue.html",
        area=area,
        form=form,
        eligible=password_service.count_eligible(area),
        valid_days=password_service.VALID_DAYS,
    ), status


def _load_batch(batch_id: int):
    batch = password_service.find_batch(_admin(), batch_id)
    if batch is None:
        abort(404)
    return batch


@bp.get("/password-batches/<int:batch_id>")
@roles_required(Role.ADMIN)
def password_batch(batch_id: int):
    batch = _load_batch(batch_id)
    secret = _secret_of(batch.id)
    cards, page = [], None
    if secret is not None and batch.status == PasswordBatchStatus.READY:
        page = paginate(
            password_service.batch_people(batch), page_arg(), password_service.CARDS_PER_PAGE
        )
        for person, village in page.items:
            url = url_for("auth.sign_in", u=person.username, _external=True)
            password = password_service.derive_password(secret, batch.id, person.id)
            cards.append((person, village, url, qr_data_uri(url), password))
    return render_template(
        "admin/password_batch.html",
        batch=batch,
        has_secret=secret is not None,
        stale=password_service.is_stale(batch),
        cards=cards,
        page=page,
        sign_in_url=url_for("auth.sign_in", _external=True),
        form=ButtonForm(),
    )


@bp.post("/password-batches/<int:batch_id>/continue")
@roles_required(Role.ADMIN)
def password_batch_continue(batch_id: int):
    _button()
    batch = _load_batch(batch_id)
    secret = _secret_of(batch.id)
    if secret is None:
        flash(_("Only the session that issued these passwords can continue them."), "error")
        return redirect(url_for(".password_batch", batch_id=batch.id))
    if password_service.claim_stale(batch):
        db.session.commit()
        password_service.hash_in_background(current_app._get_current_object(), batch.id, secret)
    return redirect(url_for(".password_batch", batch_id=batch.id))


# --- areas -------------------------------------------------------------------------------


@bp.get("/areas")
@roles_required(Role.ADMIN)
def areas():
    return render_template(
        "admin/areas.html",
        tree=area_service.scope_tree(_admin(), with_people=True),
        level_labels=LEVEL_LABELS,
    )


def _render_area(
    area: Area,
    rename: RenameAreaForm | None = None,
    move: MoveAreaForm | None = None,
    child: NewAreaForm | None = None,
    contact: HelpContactForm | None = None,
) -> str:
    admin = _admin()
    return render_template(
        "admin/area.html",
        area=area,
        contact_form=contact or HelpContactForm(data={"help_contact": area.help_contact}),
        rename_form=rename or RenameAreaForm(data={"name": area.name}),
        move_form=move or MoveAreaForm(admin, area),
        child_form=child or NewAreaForm(),
        can_move=in_scope(admin, area.parent_id) and area.level != "province",
        level_labels=LEVEL_LABELS,
    )


@bp.get("/areas/<int:area_id>")
@roles_required(Role.ADMIN)
def area(area_id: int):
    return _render_area(load_area(area_id, Role.ADMIN))


@bp.post("/areas/<int:area_id>/rename")
@roles_required(Role.ADMIN)
def area_rename(area_id: int):
    area = load_area(area_id, Role.ADMIN)
    form = RenameAreaForm()
    if form.validate_on_submit():
        try:
            area_service.rename_area(_admin(), area, form.name.data)
        except DomainError as exc:
            db.session.rollback()
            form.name.errors.append(message_for(exc, ERROR_MESSAGES))
        else:
            db.session.commit()
            flash(_("The area is now called %(name)s.", name=area.name), "success")
            return redirect(url_for(".area", area_id=area.id))
    return _render_area(area, rename=form)


@bp.post("/areas/<int:area_id>/help-contact")
@roles_required(Role.ADMIN)
def area_help_contact(area_id: int):
    area = load_area(area_id, Role.ADMIN)
    form = HelpContactForm()
    if form.validate_on_submit():
        area_service.set_help_contact(_admin(), area, form.help_contact.data or "")
        db.session.commit()
        flash(_("The help contact has been saved."), "success")
        return redirect(url_for(".area", area_id=area.id))
    return _render_area(area, contact=form), 400


@bp.post("/areas/<int:area_id>/move")
@roles_required(Role.ADMIN)
def area_move(area_id: int):
    admin = _admin()
    area = load_area(area_id, Role.ADMIN)
    form = MoveAreaForm(admin, area)
    if form.validate_on_submit():
        try:
            area_service.move_area(admin, area, form.parent)
        except DomainError as exc:
            db.session.rollback()
            form.parent_id.errors.append(message_for(exc, ERROR_MESSAGES))
        else:
            db.session.commit()
            flash(
                _(
                    "%(area)s is now under %(parent)s, with its people and their history.",
                    area=area.name,
                    parent=form.parent.name,
                ),
                "success",
            )
            return redirect(url_for(".area", area_id=area.id))
    return _render_area(area, move=form)


@bp.post("/areas/<int:area_id>/children")
@roles_required(Role.ADMIN)
def area_new_child(area_id: int):
    parent = load_area(area_id, Role.ADMIN)
    form = NewAreaForm()
    if form.validate_on_submit():
        try:
            child = area_service.create_child_area(
                _admin(), parent, form.name.data, form.level.data
            )
        except DomainError as exc:
            db.session.rollback()
            target = form.level if str(exc) in ("level_not_below", "unknown_level") else form.name
            target.errors.append(message_for(exc, ERROR_MESSAGES))
        else:
            db.session.commit()
            flash(_("%(name)s has been added.", name=child.name), "success")
            return redirect(url_for(".area", area_id=child.id))
    return _render_area(parent, child=form)


# --- required modules --------------------------------------------------------------------


@bp.route("/assignments", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def assignments():
    admin = _admin()
    form = AssignmentForm(admin, content_language())
    if form.validate_on_submit():
        try:
            _assignment, created = assignment_service.set_assignment(
                admin,
                form.module,
                form.area,
                form.due_on.data,
                form.grace_days.data,
                Requirement(form.requirement.data),
                form.escalate_after_days.data,
            )
        except DomainError as exc:
            db.session.rollback()
            form.due_on.errors.append(message_for(exc, ERROR_MESSAGES))
        else:
            db.session.commit()
            flash(
                _("The module is now required.")
                if created
                else _(
                    "This module was already required there: its due date and grace period "
                    "have been changed."
                ),
                "success",
            )
            return redirect(url_for(".assignments"))
    page = paginate(assignment_service.assignments_query(admin), page_arg(), 50)
    return render_template(
        "admin/assignments.html",
        form=form,
        page=page,
        language=content_language(),
        requirement_labels=REQUIREMENT_LABELS,
    )


def _load_assignment(assignment_id: int) -> Assignment:
    assignment = assignment_service.find_assignment(_admin(), assignment_id)
    if assignment is None:
        abort(404)
    return assignment


@bp.route("/assignments/<int:assignment_id>", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def assignment(assignment_id: int):
    assignment = _load_assignment(assignment_id)
    form = DueDateForm(
        data={
            "due_on": assignment.due_on,
            "grace_days": assignment.grace_days,
            "escalate_after_days": assignment.escalate_after_days,
        }
    )
    if form.validate_on_submit():
        try:
            assignment_service.change_due_date(
                _admin(),
                assignment,
                form.due_on.data,
                form.grace_days.data,
                form.escalate_after_days.data,
            )
        except DomainError as exc:
            db.session.rollback()
            form.due_on.errors.append(message_for(exc, ERROR_MESSAGES))
        else:
            db.session.commit()
            flash(_("The due date and grace period have been saved."), "success")
            return redirect(url_for(".assignments"))
    return render_template(
        "admin/assignment.html",
        assignment=assignment,
        area=db.session.get(Area, assignment.area_id),
        form=form,
        language=content_language(),
    )


@bp.route("/assignments/<int:assignment_id>/delete", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def assignment_delete(assignment_id: int):
    assignment = _load_assignment(assignment_id)
    form = ButtonForm()
    if form.validate_on_submit():
        assignment_service.delete_assignment(_admin(), assignment)
        db.session.commit()
        flash(_("The module is no longer required there."), "success")
        return redirect(url_for(".assignments"))
    return render_template(
        "admin/assignment_delete.html",
        assignment=assignment,
        area=db.session.get(Area, assignment.area_id),
        form=form,
        language=content_language(),
    )


# --- audit log ---------------------------------------------------------------------------


@bp.get("/audit")
@roles_required(Role.ADMIN)
def audit_log():
    admin = _admin()
    form = AuditFilterForm(formdata=request.args)
    form.action.choices = [("", _("All actions"))] + [
        (action, AUDIT_ACTION_LABELS.get(action, action)) for action in audit_service.AUDIT_ACTIONS
    ]
    form.area.choices = [("", _("All my areas"))] + area_service.area_choices(admin)
    action = form.action.data if form.action.data in audit_service.AUDIT_ACTIONS else ""
    area = _scope_area_arg("area")
    page = paginate(
        audit_service.audit_query(admin, action=action, area=area),
        page_arg(),
        audit_service.AUDIT_PER_PAGE,
    )
    return render_template(
        "admin/audit.html",
        form=form,
        page=page,
        args={k: v for k, v in (("action", action), ("area", area.id if area else "")) if v},
        action_labels=AUDIT_ACTION_LABELS,
    )
