"""Forms of the sessions pages: scheduling, the register, the learner's answer."""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from wtforms import (
    DateField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TimeField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError

from learnapp import db
from learnapp.content.published import published_modules
from learnapp.forms import CheckedForm, IdField
from learnapp.ids import parse_id
from learnapp.models import Area, AttendanceStatus, Module, ModuleStatus, User
from learnapp.sessions import services

MESSAGES = {
    "module_not_published": _l("Choose a published module from the list."),
    "module_fixed": _l(
        "A session's module cannot change: cancel it and schedule a session of the other module."
    ),
    "starts_in_past": _l("Choose a date and time that has not passed yet."),
    "bad_capacity": _l("Enter the number of seats, from 1 to 1000."),
    "bad_minutes": _l("Enter the length in minutes, from 1 to 720."),
    "no_place": _l("Enter the place."),
    "no_areas": _l("Choose at least one area to invite."),
    "outside_scope": _l("Choose areas from the list."),
    "bad_trainer": _l("Choose a trainer from the list."),
    "cancelled": _l("This session has been cancelled."),
    "capacity_below_confirmed": _l(
        "More people already have a seat than that: enter at least as many seats."
    ),
    "already_started": _l("This session has already started: answers are closed."),
    "not_invited": _l("This person is not invited to this session."),
    "not_yet": _l("Attendance can be taken from the day of the session."),
    "no_notice": _l("This notice is no longer there."),
}


class _Ours:
    """A field whose unparseable value gets our message in the person's language."""

    invalid_message: str

    def process_formdata(self, valuelist: list) -> None:
        try:
            super().process_formdata(valuelist)  # type: ignore[misc]
        except ValueError:
            self.data = None
            raise ValueError(str(self.invalid_message)) from None


class _Date(_Ours, DateField):
    invalid_message = _l("Enter a date, for example 31/12/2025.")


class _Time(_Ours, TimeField):
    invalid_message = _l("Enter a time, for example 08:00.")


class _Whole(_Ours, IntegerField):
    invalid_message = _l("Enter a whole number.")


class _AreaIds(SelectMultipleField):
    """Invited areas by id; anything that is not an id is a form error, not a 500."""

    def pre_validate(self, form) -> None:  # noqa: ANN001
        values = self.data or []
        if any(parse_id(v) is None for v in values):
            raise ValidationError(str(MESSAGES["outside_scope"]))
        allowed = {str(value) for value, _label in self.choices}
        if any(str(v) not in allowed for v in values):
            raise ValidationError(str(MESSAGES["outside_scope"]))


class SessionForm(CheckedForm):
    module_id = IdField(_l("Module"), message=MESSAGES["module_not_published"])
    starts_on = _Date(_l("Date"), validators=[InputRequired(_l("Enter the date."))])
    starts_time = _Time(_l("Start time"), validators=[InputRequired(_l("Enter the start time."))])
    minutes = _Whole(
        _l("Length (minutes)"),
        default=240,
        validators=[
            InputRequired(MESSAGES["bad_minutes"]),
            NumberRange(1, 720, MESSAGES["bad_minutes"]),
        ],
    )
    place = StringField(
        _l("Place"),
        validators=[InputRequired(MESSAGES["no_place"]), Length(max=200)],
    )
    capacity = _Whole(
        _l("Seats"),
        validators=[
            InputRequired(MESSAGES["bad_capacity"]),
            NumberRange(1, services.MAX_CAPACITY, MESSAGES["bad_capacity"]),
        ],
    )
    trainer_id = IdField(_l("Trainer"), message=MESSAGES["bad_trainer"])
    area_ids = _AreaIds(
        _l("Areas invited (and everything under them)"),
        validators=[InputRequired(MESSAGES["no_areas"])],
    )

    def __init__(self, trainer: User, language: str, **kwargs) -> None:  # noqa: ANN003
        super().__init__(**kwargs)
        self.trainer = trainer
        self.module_id.choices = [("", _l("Choose a module"))] + [
            (str(m.id), m.text(language).title) for m in published_modules()
        ]
        self.trainer_id.choices = [
            (str(p.id), p.full_name) for p in services.trainer_choices(trainer)
        ]
        self.area_ids.choices = [
            (str(a.id), ("· " * a.depth) + a.name) for a in services.area_choices(trainer)
        ]

    def validate_module_id(self, field: IdField) -> None:
        module = db.session.get(Module, field.data) if field.data is not None else None
        if module is None or module.status != ModuleStatus.PUBLISHED:
            raise ValidationError(str(MESSAGES["module_not_published"]))
        self.module = module

    def validate_trainer_id(self, field: IdField) -> None:
        self.leader = next(
            (p for p in services.trainer_choices(self.trainer) if p.id == field.data), None
        )
        if self.leader is None:
            raise ValidationError(str(MESSAGES["bad_trainer"]))

    def starts_at(self) -> datetime:
        return datetime.combine(self.starts_on.data, self.starts_time.data)

    def areas(self) -> list[Area]:
        ids = [parse_id(v) for v in self.area_ids.data or []]
        return [db.session.get(Area, i) for i in ids if i is not None]


ATTENDANCE_LABELS = {
    AttendanceStatus.ATTENDED: _l("Attended"),
    AttendanceStatus.ABSENT: _l("Absent"),
    AttendanceStatus.EXCUSED: _l("Excused"),
}


class AttendanceForm(CheckedForm):
    who = StringField(
        _l("Username or sign-in card"),
        validators=[InputRequired(_l("Scan a sign-in card, or type a username.")), Length(max=500)],
    )
    status = SelectField(
        _l("Mark"),
        choices=[(s.value, label) for s, label in ATTENDANCE_LABELS.items()],
        default=AttendanceStatus.ATTENDED.value,
        validate_choice=False,
    )
    reason = StringField(_l("Reason (absent or excused)"), validators=[Optional(), Length(max=200)])

    def __init__(self, session, **kwargs) -> None:  # noqa: ANN001, ANN003
        super().__init__(**kwargs)
        self.session = session
        self.status.choices = [(s.value, label) for s, label in ATTENDANCE_LABELS.items()]

    def validate_status(self, field: SelectField) -> None:
        if field.data not in {s.value for s in AttendanceStatus}:
            raise ValidationError(str(_l("Choose attended, absent or excused.")))

    def validate_who(self, field: StringField) -> None:
        self.learner = services.learner_named(self.session, field.data)
        if self.learner is None:
            raise ValidationError(
                str(_l("No invited learner has that username. Check it, or pick from the list."))
            )
