"""Editor forms. Text fields exist once per language, side by side."""

from __future__ import annotations

from functools import lru_cache

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional, Regexp

from learnapp.config import LANGUAGES
from learnapp.forms import CheckedForm
from learnapp.quiz import types as question_types

SLUG_RULE = Regexp(
    r"^[a-z0-9]+(?:-[a-z0-9]+)*$",
    message=_l("Use lower-case letters without accents, digits and hyphens, e.g. meeting-basics."),
)
MIN_CHOICE_ROWS = 8  # rows offered for a new question (an ordering question has up to 8 steps)
BLANK_CHOICE_ROWS = 2  # empty rows offered after a question's existing choices
GIFT_MAX_BYTES = 500_000
LANGUAGE_LABELS = {"vi": _l("Vietnamese"), "en": _l("English")}


class NewModuleForm(CheckedForm):
    slug = StringField(
        _l("Short name in addresses"), validators=[DataRequired(), Length(max=60), SLUG_RULE]
    )
    default_language = SelectField(
        _l("Main language"), choices=[(lang, lang) for lang in LANGUAGES]
    )
    title_vi = StringField(_l("Title in Vietnamese"), validators=[Optional(), Length(max=200)])
    title_en = StringField(_l("Title in English"), validators=[Optional(), Length(max=200)])


class RevisionMixin:
    # What the page showed, so a save over someone else's newer save is refused.
    revision = HiddenField()


class SettingsForm(RevisionMixin, CheckedForm):
    title_vi = StringField(_l("Title in Vietnamese"), validators=[Optional(), Length(max=200)])
    title_en = StringField(_l("Title in English"), validators=[Optional(), Length(max=200)])
    summary_vi = TextAreaField(
        _l("Summary in Vietnamese"), validators=[Optional(), Length(max=1000)]
    )
    summary_en = TextAreaField(_l("Summary in English"), validators=[Optional(), Length(max=1000)])
    order = IntegerField(_l("Place on the home page"), validators=[NumberRange(0, 10_000)])
    completion = SelectField(
        _l("The module is complete when"),
        choices=[
            ("lessons_and_quiz", _l("all lessons are done and the quiz is passed")),
            ("lessons", _l("all lessons are done")),
            ("quiz", _l("the quiz is passed")),
        ],
    )
    pass_mark = IntegerField(_l("Pass mark (%)"), validators=[NumberRange(1, 100)])
    draw = IntegerField(_l("Questions per attempt (0 = all)"), validators=[NumberRange(0, 500)])
    max_attempts = IntegerField(
        _l("Attempts allowed (0 = unlimited)"), validators=[NumberRange(0, 100)]
    )
    time_limit_minutes = IntegerField(
        _l("Time limit in minutes (0 = none)"), validators=[NumberRange(0, 600)]
    )


class LessonForm(RevisionMixin, CheckedForm):
    slug = StringField(
        _l("Short name in addresses"), validators=[DataRequired(), Length(max=60), SLUG_RULE]
    )
    minutes = IntegerField(_l("Minutes to read"), validators=[NumberRange(1, 60)], default=5)
    title_vi = StringField(_l("Title"), validators=[Optional(), Length(max=200)])
    title_en = StringField(_l("Title"), validators=[Optional(), Length(max=200)])
    objective_vi = StringField(_l("Goal (one sentence)"), validators=[Optional(), Length(max=400)])
    objective_en = StringField(_l("Goal (one sentence)"), validators=[Optional(), Length(max=400)])
    body_vi = TextAreaField(_l("Text (Markdown)"), validators=[Optional(), Length(max=60_000)])
    body_en = TextAreaField(_l("Text (Markdown)"), validators=[Optional(), Length(max=60_000)])


def choice_rows(choices: int) -> int:
    """How many choice rows the form offers for a question with this many choices:
    all of them, however many an import brought, and room for more."""
    return max(MIN_CHOICE_ROWS, choices + BLANK_CHOICE_ROWS)


@lru_cache(maxsize=32)
def question_form_class(rows: int = MIN_CHOICE_ROWS) -> type[CheckedForm]:
    fields: dict = {
        "revision": HiddenField(),
        "key": StringField(
            _l("Question id"), validators=[DataRequired(), Length(max=60), SLUG_RULE]
        ),
        "type": SelectField(
            _l("Type"), choices=[(kind.name, kind.label) for kind in question_types.KINDS.values()]
        ),
        "points": IntegerField(_l("Points"), validators=[NumberRange(1, 100)], default=1),
        # Choices are the draft's lessons, set by the view for each request.
        "lesson": SelectField(_l("Lesson that teaches it"), choices=[], default=""),
        "match": SelectField(
            _l("How typed answers are compared"),
            choices=[
                ("loose", _l("Ignore case, spaces and accents")),
                ("diacritics", _l("Ignore case and spaces, keep accents")),
                ("exact", _l("Exactly as written")),
            ],
        ),
        "truth": SelectField(
            _l("The statement is"), choices=[("true", _l("True")), ("false", _l("False"))]
        ),
    }
    for lang in LANGUAGES:
        fields[f"text_{lang}"] = TextAreaField(
            _l("Question"), validators=[Optional(), Length(max=4000)]
        )
        fields[f"explanation_{lang}"] = TextAreaField(
            _l("Explanation shown after submitting"), validators=[Optional(), Length(max=4000)]
        )
        fields[f"answers_{lang}"] = TextAreaField(
            _l("Accepted answers, one per line"), validators=[Optional(), Length(max=2000)]
        )
        fields[f"feedback_true_{lang}"] = StringField(
            _l("Feedback if the learner answers true"), validators=[Optional(), Length(max=1000)]
        )
        fields[f"feedback_false_{lang}"] = StringField(
            _l("Feedback if the learner answers false"), validators=[Optional(), Length(max=1000)]
        )
    for index in range(rows):
        fields[f"correct_{index}"] = BooleanField(_l("Right answer"))
        for lang in LANGUAGES:
            fields[f"choice_{index}_{lang}"] = StringField(
                _l("Choice %(n)s", n=index + 1), validators=[Optional(), Length(max=1000)]
            )
            fields[f"feedback_{index}_{lang}"] = StringField(
                _l("Feedback if chosen"), validators=[Optional(), Length(max=1000)]
            )
    return type("QuestionForm", (CheckedForm,), fields)


class GiftForm(CheckedForm):
    text = TextAreaField(
        _l("GIFT questions (paste here)"), validators=[Optional(), Length(max=GIFT_MAX_BYTES)]
    )
    upload = FileField(_l("or choose a .gift or .txt file"))
    language = SelectField(
        _l("Language of these questions"), choices=[(lang, lang) for lang in LANGUAGES]
    )


class ImageForm(CheckedForm):
    image = FileField(_l("Picture (PNG, JPEG or WebP, at most 2 MB)"))
    alt = StringField(
        _l("What the picture shows (for people who cannot see it)"),
        validators=[DataRequired(), Length(max=200)],
    )


class AudioForm(CheckedForm):
    audio = FileField(_l("Recording (Opus or MP3, at most 2 MB)"))


class PreviewForm(CheckedForm):
    markdown = TextAreaField(validators=[Optional(), Length(max=60_000)])
