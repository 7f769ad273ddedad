"""The analytics plugin's forms: the period picker (a GET form), customer search and staff notes."""
from __future__ import annotations

import datetime as dt

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from portal.forms import NoControlChars

MAX_DAYS = 3 * 366
EARLIEST = dt.date(2000, 1, 1)

UNIT_CHOICES = [
    SelectChoice("day", _l("per day")),
    SelectChoice("week", _l("per week")),
    SelectChoice("month", _l("per month")),
]


class PeriodForm(FlaskForm):
    """Read from the query string; no CSRF (it changes nothing)."""

    class Meta:
        csrf = False

    start = DateField(_l("From"), validators=[Optional()])
    end = DateField(_l("To"), validators=[Optional()])
    by = SelectField(_l("Group"), choices=UNIT_CHOICES, default="day", validators=[Optional()])

    def validate_end(self, field):
        if self.start.data and field.data:
            if field.data < self.start.data:
                raise ValidationError(_l("The end date is before the start date."))
            if (field.data - self.start.data).days + 1 > MAX_DAYS:
                raise ValidationError(_l("Choose a period of at most three years."))

    def validate_start(self, field):
        if field.data and field.data < EARLIEST:
            raise ValidationError(_l("Choose a date from the year 2000 on."))


class SearchForm(FlaskForm):
    class Meta:
        csrf = False

    q = StringField(_l("Name or e-mail"), validators=[Optional(), Length(max=80), NoControlChars()])


class MessageText:
    """Free text over several lines, with no other control characters."""

    def __call__(self, form, field):
        if field.data and any(ord(c) < 32 and c not in "\t\n\r" for c in field.data):
            raise ValidationError(_l("Control characters are not allowed here."))


def _note(value):
    return value.replace("\r\n", "\n").strip() if isinstance(value, str) else value


class NoteForm(FlaskForm):
    body = TextAreaField(_l("Note"), filters=[_note], validators=[DataRequired(), Length(max=2000), MessageText()])


class DeleteNoteForm(FlaskForm):
    """Only the CSRF token."""
