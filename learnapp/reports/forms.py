"""The dashboard's filters: read from the query string, validated like any form."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import IntegerField, SelectField, StringField
from wtforms.validators import AnyOf, Length, NumberRange, Optional

from learnapp.forms import CheckedForm
from learnapp.reports.services import AREA_SORTS, LEARNER_SORTS

STATUS_LABELS = {
    "": _l("Any status"),
    "completed": _l("Completed"),
    "in_progress": _l("In progress"),
    "not_started": _l("Not started"),
    "overdue": _l("Overdue"),
}


class FilterForm(CheckedForm):
    class Meta:
        csrf = False  # a GET form that changes nothing

    module = SelectField(_l("Module"), validators=[Optional()], validate_choice=True)
    status = SelectField(_l("Status"), choices=list(STATUS_LABELS.items()), validators=[Optional()])
    q = StringField(_l("Name, username or phone"), validators=[Optional(), Length(max=80)])
    sort = StringField(validators=[Optional(), AnyOf(list(LEARNER_SORTS))])
    dir = StringField(validators=[Optional(), AnyOf(["asc", "desc"])])
    asort = StringField(validators=[Optional(), AnyOf(sorted(AREA_SORTS))])
    adir = StringField(validators=[Optional(), AnyOf(["asc", "desc"])])
    page = IntegerField(validators=[Optional(), NumberRange(min=1, max=100_000)])
