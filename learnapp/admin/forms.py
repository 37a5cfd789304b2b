"""Forms of the admin pages. Scope rules that need the database live in validate_<field>."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    IntegerField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
    TelField,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)
from wtforms.widgets import CheckboxInput, ListWidget

from learnapp import db
from learnapp.admin.areas import area_choices, level_fits, move_targets
from learnapp.admin.people import ROLE_ORDER, phone_owner, username_taken_query
from learnapp.admin.scope import in_scope
from learnapp.auth.forms import ERROR_MESSAGES as AUTH_MESSAGES
from learnapp.auth.services import USERNAME_RE, normalise_phone, normalise_username
from learnapp.content.published import published_modules
from learnapp.forms import CheckedForm, IdField
from learnapp.ids import parse_id
from learnapp.learn.requirements import (
    DEFAULT_ESCALATE_DAYS,
    DEFAULT_GRACE_DAYS,
    MAX_ESCALATE_DAYS,
    MAX_GRACE_DAYS,
)
from learnapp.models import Area, Module, ModuleStatus, Requirement, Role, User
from learnapp.models.base import vietnam_today
from learnapp.models.org import LEVELS

ROLE_LABELS = {
    Role.LEARNER: _l("Learner"),
    Role.TRAINER: _l("Trainer"),
    Role.COMMITTEE: _l("Committee member"),
    Role.ADMIN: _l("Administrator"),
}
LEVEL_LABELS = {
    "province": _l("Province"),
    "district": _l("District"),
    "commune": _l("Commune"),
    "village": _l("Village"),
}

AUDIT_ACTION_LABELS = {
    "sign_in": _l("Signed in"),
    "sign_in_failed": _l("Failed sign-in"),
    "sign_out": _l("Signed out"),
    "data_export": _l("Downloaded own data"),
    "person_delete": _l("Person deleted"),
    "password_change": _l("Changed own password"),
    "password_reset": _l("Temporary password given"),
    "password_batch": _l("Temporary passwords issued for an area"),
    "help_contact_change": _l("Help contact changed"),
    "account_create": _l("Account created"),
    "account_edit": _l("Account changed"),
    "account_deactivate": _l("Account deactivated"),
    "account_reactivate": _l("Account reactivated"),
    "role_grant": _l("Role given"),
    "role_revoke": _l("Role taken away"),
    "import": _l("People imported"),
    "area_create": _l("Area added"),
    "area_rename": _l("Area renamed"),
    "area_move": _l("Area moved"),
    "assignment_create": _l("Module made required"),
    "assignment_change": _l("Due date or grace period changed"),
    "assignment_delete": _l("Module no longer required"),
    "settings_change": _l("Settings changed"),
    "module_create": _l("Module created"),
    "module_edit": _l("Module draft changed"),
    "module_publish": _l("Module published"),
    "module_archive": _l("Module archived"),
    "module_restore": _l("Module restored"),
    "draft_discard": _l("Module draft discarded"),
    "access_denied": _l("Refused: not allowed"),
    "out_of_scope": _l("Refused: another area"),
    "rate_limited": _l("Refused: too many attempts"),
}

GRACE_MESSAGE = _l("Enter a number of days from 0 to %(max)s.", max=MAX_GRACE_DAYS)
ESCALATE_MESSAGE = _l("Enter a number of days from 1 to %(max)s.", max=MAX_ESCALATE_DAYS)

# What a DomainError code from a service means, in the person's words.
ERROR_MESSAGES = {
    **AUTH_MESSAGES,
    "outside_scope": _l("This area is not one you manage."),
    "source_outside_scope": _l(
        "This area lies in a place you do not manage: only an administrator of that place "
        "can move it out."
    ),
    "not_managed": _l(
        "This person also holds a role outside the areas you manage: only an administrator "
        "of that wider area can change this account."
    ),
    "own_admin_role": _l("You cannot remove your own administrator role."),
    "deactivate_self": _l("You cannot deactivate your own account."),
    "reset_self": _l("To change your own password, use the Password page."),
    "move_into_itself": _l("An area cannot be moved under itself or under one of its own areas."),
    "unknown_level": _l("Choose a level from the list."),
    "level_not_below": _l("An area must be placed under an area of a higher level."),
    "area_name_taken": _l("There is already an area with this name in the same place."),
    "module_not_published": _l("Only a published module can be required."),
    "due_in_past": _l("The due date cannot be in the past."),
    "bad_grace_days": GRACE_MESSAGE,
    "bad_escalate_days": ESCALATE_MESSAGE,
    "import_expired": _l("This preview is too old. Please upload the file again."),
    "batch_level": _l("Temporary passwords are issued for a village or a commune."),
    "nobody_to_issue": _l(
        "Nobody here needs a temporary password: every active learner has chosen their own."
    ),
}

IMPORT_FILE_ERRORS = {
    "empty": _l("The file is empty."),
    "too_large": _l("The file is too large. Split it into several files."),
    "old_excel": _l(
        "Old Excel files (.xls) cannot be read. In Excel choose Save As and pick "
        "\u201cExcel Workbook (.xlsx)\u201d or \u201cCSV UTF-8\u201d."
    ),
    "not_xlsx": _l("This is not an Excel workbook. Send a .xlsx or a CSV UTF-8 file."),
    "not_a_sheet": _l("This file is not a spreadsheet. Send a .xlsx or a CSV UTF-8 file."),
    "not_utf8": _l(
        "This CSV file is not in UTF-8, so Vietnamese letters would be lost. In Excel choose "
        "Save As and pick \u201cCSV UTF-8\u201d."
    ),
    "no_header": _l("The first row must name the columns: full_name, phone, village, ..."),
    "missing_columns": _l("The sheet has no column named: %(columns)s."),
    "no_rows": _l("The sheet has column names but no people."),
    "too_many_rows": _l("The sheet has more than %(limit)s people. Split it into several files."),
}

IMPORT_PROBLEMS = {
    "missing_name": _l("The name is missing."),
    "name_too_long": _l("The name is longer than 120 characters."),
    "bad_phone": _l("\u201c%(value)s\u201d is not a Vietnamese phone number."),
    "bad_username": _l(
        "\u201c%(value)s\u201d cannot be a username: use lower-case letters without accents, "
        "digits, dots, hyphens or underscores."
    ),
    "unknown_role": _l(
        "Unknown role \u201c%(value)s\u201d: use learner, trainer, committee or admin."
    ),
    "missing_village": _l("The village is missing."),
    "control_characters": _l("Remove the invisible control characters from this row."),
    "unknown_village": _l(
        "There is no village called \u201c%(village)s\u201d in the areas you manage."
    ),
    "unknown_village_in_commune": _l(
        "There is no village called \u201c%(village)s\u201d in \u201c%(commune)s\u201d "
        "among the areas you manage."
    ),
    "ambiguous_village": _l(
        "Several villages are called \u201c%(village)s\u201d: fill in the commune column."
    ),
    "duplicate_username": _l("The same username is also on row %(rows)s."),
    "duplicate_phone": _l("The same phone number is also on row %(rows)s."),
    "phone_taken": _l("This phone number already belongs to another account."),
    # Said alike whether the account exists elsewhere or the value is refused for any
    # other reason outside the admin's areas: the preview confirms nothing beyond them.
    "not_usable": _l(
        "This username or phone number cannot be used in the areas you manage: choose "
        "another, or ask an administrator of a higher area."
    ),
    "same_account_twice": _l("Another row also changes the account %(username)s."),
    "same_name_in_file": _l(
        "The same name in the same village is also on row %(rows)s: add a phone number "
        "or a username to tell these people apart."
    ),
    "same_name_in_village": _l(
        "Several people of this village already have this name: add a phone number or "
        "a username to say which one this row is."
    ),
}

FIELD_LABELS = {
    "full_name": _l("Full name"),
    "phone": _l("Phone number"),
    "area": _l("Area"),
    "role": _l("Role"),
}


def tidy(value: str | None) -> str | None:
    """Spaces collapsed and NUL characters dropped (PostgreSQL refuses NUL in text)."""
    return " ".join(value.replace("\x00", " ").split()) if value else value


def problem_message(code: str, params: dict[str, str]) -> str:
    """A row problem of the import check in the person's language."""
    message = str(IMPORT_PROBLEMS.get(code, code))
    return message % params if params else message


def role_choices() -> list[tuple[str, str]]:
    """(value, label) of every role, in the order the form shows them."""
    return [(role.value, ROLE_LABELS[role]) for role in ROLE_ORDER]


def chosen_managed_area(admin: User, raw: int | str | None) -> Area:
    """The chosen area, when it is one the admin manages; otherwise a form error.

    Another province's area, or one above the admin's own, is refused like a missing one.
    """
    area_id = parse_id(raw)
    if area_id is None:
        raise ValidationError(_l("Choose an area from the list."))
    if not in_scope(admin, area_id):
        raise ValidationError(ERROR_MESSAGES["outside_scope"])
    return db.session.get(Area, area_id)


class MultiCheckboxField(SelectMultipleField):
    """Several choices as a list of checkboxes."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class _PersonFields(CheckedForm):
    full_name = StringField(
        _l("Full name"),
        validators=[
            DataRequired(_l("Enter the person's full name.")),
            Length(max=120, message=_l("A name may have at most 120 characters.")),
        ],
        filters=[tidy],
    )
    phone = TelField(
        _l("Phone number (optional)"),
        validators=[Length(max=20, message=AUTH_MESSAGES["bad_phone"])],
        render_kw={"autocomplete": "off"},
    )
    area_id = IdField(_l("Area"), message=_l("Choose an area from the list."))
    roles = MultiCheckboxField(_l("Roles"), validate_choice=False)

    def __init__(self, admin: User, person: User | None = None, **kwargs) -> None:
        super().__init__(**kwargs)
        self.admin = admin
        self.person = person
        self.area_id.choices = [("", _l("Choose an area"))] + area_choices(admin)
        self.roles.choices = role_choices()

    def validate_phone(self, field: TelField) -> None:
        if not field.data:
            field.data = None
            return
        phone = normalise_phone(field.data)
        if phone is None:
            raise ValidationError(AUTH_MESSAGES["bad_phone"])
        owner = phone_owner(phone)
        if owner is not None and (self.person is None or owner != self.person.id):
            raise ValidationError(AUTH_MESSAGES["phone_taken"])
        field.data = phone

    def validate_area_id(self, field: SelectField) -> None:
        self.area = chosen_managed_area(self.admin, field.data)

    def validate_roles(self, field: MultiCheckboxField) -> None:
        known = {role.value for role in Role}
        if any(value not in known for value in field.data or []):
            raise ValidationError(_l("Choose roles from the list."))
        if not field.data:
            raise ValidationError(_l("Choose at least one role."))

    @property
    def chosen_roles(self) -> set[Role]:
        return {Role(value) for value in self.roles.data or []}


def own_password_field(field_id: str | None = None) -> PasswordField:
    """The admin's own password, typed again before a step that hands over power."""
    return PasswordField(
        _l("Your own password"),
        id=field_id,
        validators=[Length(max=200, message=_l("Your password is not right."))],
        render_kw={"autocomplete": "current-password"},
    )


class CreatePersonForm(_PersonFields):
    username = StringField(
        _l("Username (optional)"),
        validators=[Length(max=64, message=AUTH_MESSAGES["bad_username"])],
        render_kw={"autocapitalize": "none", "spellcheck": "false", "autocomplete": "off"},
    )
    current_password = own_password_field()

    def validate_username(self, field: StringField) -> None:
        if not field.data:
            field.data = None
            return
        username = normalise_username(field.data)
        if not USERNAME_RE.match(username):
            raise ValidationError(AUTH_MESSAGES["bad_username"])
        if db.session.scalar(username_taken_query(username)):
            raise ValidationError(AUTH_MESSAGES["username_taken"])
        field.data = username


class EditPersonForm(_PersonFields):
    is_active = BooleanField(_l("Account active (the person can sign in)"))
    current_password = own_password_field()


class ResetPasswordForm(CheckedForm):
    """Giving a temporary password hands the account over, so it asks for the admin's own."""

    # Its own id: the edit form on the same page has a current_password field too.
    current_password = own_password_field("reset_current_password")


class ImportUploadForm(CheckedForm):
    file = FileField(
        _l("Spreadsheet (.xlsx or CSV UTF-8)"),
        validators=[FileRequired(_l("Choose a file to upload."))],
        render_kw={"accept": ".csv,.xlsx,text/csv"},
    )


class ImportConfirmForm(CheckedForm):
    token = HiddenField(validators=[DataRequired()])
    current_password = own_password_field()


class AreaNameField(StringField):
    """An area's name: required, at most 120 characters, spaces tidied."""

    def __init__(self, label=None, **kwargs) -> None:
        super().__init__(
            label or _l("Name"),
            validators=[
                DataRequired(_l("Enter the area's name.")),
                Length(max=120, message=_l("A name may have at most 120 characters.")),
            ],
            filters=[tidy],
            **kwargs,
        )


class NewAreaForm(CheckedForm):
    name = AreaNameField()
    level = SelectField(
        _l("Level"),
        choices=[(level, LEVEL_LABELS[level]) for level in LEVELS],
        validate_choice=False,
    )

    def validate_level(self, field: SelectField) -> None:
        if field.data not in LEVELS:
            raise ValidationError(ERROR_MESSAGES["unknown_level"])


class RenameAreaForm(CheckedForm):
    name = AreaNameField(_l("New name"))


class HelpContactForm(CheckedForm):
    """Whom the learners under an area call for help, shown on their help page."""

    help_contact = StringField(
        _l("Who to call for help (name and phone number)"),
        validators=[Length(max=200, message=_l("At most 200 characters."))],
        filters=[tidy],
    )


class IssuePasswordsForm(CheckedForm):
    """Issuing temporary passwords hands accounts over: the admin's own password first."""

    current_password = own_password_field()


class MoveAreaForm(CheckedForm):
    parent_id = IdField(_l("Move under"), message=_l("Choose the new place from the list."))

    def __init__(self, admin: User, area: Area, **kwargs) -> None:
        super().__init__(**kwargs)
        self.admin = admin
        self.area = area
        # Offer only places it may go; what is posted is checked again below.
        self.parent_id.choices = [("", _l("Choose the new place"))] + [
            (value, label)
            for value, label, level in move_targets(admin, area)
            if level_fits(level, area.level)
        ]

    def validate_parent_id(self, field: SelectField) -> None:
        parent_id = field.data
        if parent_id is None:
            raise ValidationError(_l("Choose the new place from the list."))
        if not in_scope(self.admin, parent_id):
            raise ValidationError(ERROR_MESSAGES["outside_scope"])
        self.parent = db.session.get(Area, parent_id)


class _InOurWords:
    """A field whose value the browser sends as text: when it does not parse, the
    message is ours (in the person's language), not WTForms' own."""

    invalid_message: str

    def process_formdata(self, valuelist: list) -> None:
        try:
            super().process_formdata(valuelist)  # type: ignore[misc]
        except ValueError:
            self.data = None
            raise ValueError(str(self.invalid_message)) from None


class DueDateField(_InOurWords, DateField):
    """A date from the browser's date picker."""

    invalid_message = _l("Enter a date, for example 31/12/2025.")


def _not_in_past(form: CheckedForm, field: DueDateField) -> None:
    # A date already past may stay as it was (to change only the grace period).
    unchanged = field.data == field.object_data
    if field.data is not None and not unchanged and field.data < vietnam_today():
        raise ValidationError(ERROR_MESSAGES["due_in_past"])


class GraceDaysField(_InOurWords, IntegerField):
    """A whole number of days."""

    invalid_message = GRACE_MESSAGE


class EscalateDaysField(_InOurWords, IntegerField):
    """A whole number of days, at least one."""

    invalid_message = ESCALATE_MESSAGE


GRACE_HELP = _l(
    "Someone placed in the area later is due this many days after the day they joined, "
    "if that is after the due date. Left empty: 30 days for a new requirement, unchanged "
    "for an existing one."
)


def _grace_days_field(label: str) -> GraceDaysField:
    # Left empty: the default on a new requirement, unchanged on an existing one.
    return GraceDaysField(
        label,
        default=DEFAULT_GRACE_DAYS,
        validators=[
            Optional(),
            NumberRange(min=0, max=MAX_GRACE_DAYS, message=GRACE_MESSAGE),
        ],
        description=GRACE_HELP,
    )


ESCALATE_HELP = _l(
    "When someone is this many days past their due date, the commune committee is asked "
    "to call them (the call list and the weekly summary). Left empty: 14 days for a new "
    "requirement, unchanged for an existing one."
)


def _escalate_days_field() -> EscalateDaysField:
    return EscalateDaysField(
        _l("Ask the committee to call after (days overdue)"),
        default=DEFAULT_ESCALATE_DAYS,
        validators=[
            Optional(),
            NumberRange(min=1, max=MAX_ESCALATE_DAYS, message=ESCALATE_MESSAGE),
        ],
        description=ESCALATE_HELP,
    )


# What a requirement asks for (learnapp.learn.requirements.what_counts).
REQUIREMENT_LABELS = {
    Requirement.ONLINE: _l("The module online"),
    Requirement.IN_PERSON: _l("A training session attended"),
    Requirement.BOTH: _l("Both: online and a session attended"),
}


class AssignmentForm(CheckedForm):
    module_id = IdField(_l("Module"), message=_l("Choose a published module from the list."))
    area_id = IdField(
        _l("Area (and everything under it)"), message=_l("Choose an area from the list.")
    )
    due_on = DueDateField(
        _l("Due date"),
        validators=[InputRequired(_l("Enter the due date.")), _not_in_past],
    )
    grace_days = _grace_days_field(_l("Grace period for newcomers (days)"))
    escalate_after_days = _escalate_days_field()
    requirement = SelectField(
        _l("What counts"),
        choices=[(r.value, label) for r, label in REQUIREMENT_LABELS.items()],
        default=Requirement.ONLINE.value,
        validate_choice=False,
    )

    def __init__(self, admin: User, language: str, **kwargs) -> None:
        super().__init__(**kwargs)
        self.admin = admin
        self.module_id.choices = [("", _l("Choose a module"))] + [
            (str(m.id), m.text(language).title) for m in published_modules()
        ]
        self.area_id.choices = [("", _l("Choose an area"))] + area_choices(admin)

    def validate_module_id(self, field: SelectField) -> None:
        module = db.session.get(Module, field.data) if field.data is not None else None
        if module is None or module.status != ModuleStatus.PUBLISHED:
            raise ValidationError(_l("Choose a published module from the list."))
        self.module = module

    def validate_area_id(self, field: SelectField) -> None:
        self.area = chosen_managed_area(self.admin, field.data)

    def validate_requirement(self, field: SelectField) -> None:
        if field.data not in {r.value for r in Requirement}:
            raise ValidationError(_l("Choose what counts from the list."))


class DueDateForm(CheckedForm):
    due_on = DueDateField(
        _l("New due date"),
        validators=[InputRequired(_l("Enter the due date.")), _not_in_past],
    )
    grace_days = _grace_days_field(_l("Grace period for newcomers (days)"))
    escalate_after_days = _escalate_days_field()


class PeopleFilterForm(CheckedForm):
    """The search above the list of people: a GET form, so no CSRF token."""

    class Meta:
        csrf = False

    q = StringField(
        _l("Name, username or phone"),
        validators=[Optional(), Length(max=120)],
        filters=[tidy],
    )
    area = IdField(_l("Area"))


class AuditFilterForm(CheckedForm):
    """The filters above the audit log: a GET form, so no CSRF token."""

    class Meta:
        csrf = False

    action = SelectField(_l("Action"), validate_choice=False)
    area = IdField(_l("Area"))


class SettingsForm(CheckedForm):
    """What a province admin sets for the whole site."""

    issuer_vi = StringField(
        _l("Issuing body, in Vietnamese"),
        validators=[
            Length(max=200, message=_l("At most 200 characters.")),
        ],
        filters=[tidy],
        description=_l(
            "Printed on every certificate issued from now on, e.g. the name of the "
            "committee that runs the training."
        ),
    )
    issuer_en = StringField(
        _l("Issuing body, in English"),
        validators=[
            Length(max=200, message=_l("At most 200 characters.")),
        ],
        filters=[tidy],
    )
    stats_min_answers = IntegerField(
        _l("Answers needed before question statistics are shown"),
        validators=[
            InputRequired(_l("Enter a whole number.")),
            NumberRange(min=2, max=10000, message=_l("Enter a whole number from 2 to 10000.")),
        ],
        description=_l(
            'Below this number a question shows "too few answers" instead of figures '
            "that would mislead."
        ),
    )
    offline_submit_days = IntegerField(
        _l("Days within which a quiz answered offline is accepted"),
        validators=[
            Optional(),
            NumberRange(min=1, max=60, message=_l("Enter a whole number from 1 to 60.")),
        ],
        description=_l(
            "Counted from the start of the attempt; left empty, the current value stays "
            "(7 days unless set)."
        ),
    )
