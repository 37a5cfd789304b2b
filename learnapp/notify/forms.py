"""Forms of the notification pages."""

from __future__ import annotations

from datetime import date, timedelta

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, DateField, HiddenField, SelectField, StringField
from wtforms.validators import InputRequired, Length, Optional, Regexp, ValidationError

from learnapp.forms import CheckedForm
from learnapp.ids import parse_id
from learnapp.notify.models import Outcome

OUTCOME_LABELS = {
    Outcome.REACHED: _l("Reached, will study"),
    Outcome.WILL_FINISH: _l("Reached, promised a date"),
    Outcome.NO_ANSWER: _l("No answer"),
    Outcome.WRONG_NUMBER: _l("Wrong number"),
    Outcome.OTHER: _l("Other (see note)"),
}

# How far back a call may be recorded: the list is about this month's follow-up.
CALL_DAYS_BACK = 60


class CallDateField(DateField):
    """A date from the browser's date picker; a value that does not parse gets our
    message, in the person's language, rather than WTForms' own."""

    def process_formdata(self, valuelist: list) -> None:
        try:
            super().process_formdata(valuelist)
        except ValueError:
            self.data = None
            raise ValueError(str(_l("Enter a date, for example 31/12/2025."))) from None


class ChannelsForm(CheckedForm):
    sms = BooleanField(_l("SMS"))
    zalo = BooleanField(_l("Zalo"))
    email = BooleanField(_l("E-mail"))
    address = StringField(
        _l("E-mail address (optional)"),
        validators=[
            Optional(),
            Length(max=200, message=_l("At most 200 characters.")),
            Regexp(
                r"^[^@\s]+@[^@\s]+\.[^@\s]+$",
                message=_l("Enter an e-mail address like name@example.vn, or leave it empty."),
            ),
        ],
    )


class CallForm(CheckedForm):
    user_id = HiddenField()
    called_on = CallDateField(
        _l("Called on"), validators=[InputRequired(_l("Enter the day you called."))]
    )
    outcome = SelectField(
        _l("Outcome"),
        choices=[(o.value, label) for o, label in OUTCOME_LABELS.items()],
        validators=[InputRequired(_l("Choose an outcome."))],
    )
    note = StringField(
        _l("Note (optional)"),
        validators=[Optional(), Length(max=300, message=_l("At most 300 characters."))],
    )

    def __init__(self, today: date, **kwargs) -> None:  # noqa: ANN003
        super().__init__(**kwargs)
        self.today = today

    def validate_user_id(self, field: HiddenField) -> None:
        self.person_id = parse_id(field.data)
        if self.person_id is None:
            raise ValidationError(_l("Choose a person from the list."))

    def validate_called_on(self, field: DateField) -> None:
        if field.data is None:
            return
        if field.data > self.today:
            raise ValidationError(_l("The day of the call cannot be in the future."))
        if field.data < self.today - timedelta(days=CALL_DAYS_BACK):
            raise ValidationError(_l("Record calls of the last 60 days only."))
