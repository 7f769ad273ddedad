"""The guestbook's forms: a visitor's entry, the owner's settings, and the moderation buttons."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from portal.forms import NoControlChars

RATING_CHOICES = [
    SelectChoice("", _l("No rating")),
    SelectChoice("5", _l("★★★★★ Excellent")),
    SelectChoice("4", _l("★★★★ Good")),
    SelectChoice("3", _l("★★★ Fair")),
    SelectChoice("2", _l("★★ Poor")),
    SelectChoice("1", _l("★ Bad")),
]


class MessageText:
    """Free text that may span lines, but carries no other control characters."""

    def __call__(self, form, field):
        if field.data and any(ord(c) < 32 and c not in "\t\n\r" for c in field.data):
            raise ValidationError(_l("Control characters are not allowed here."))


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _message(value):
    # One newline style, so the 2000-character limit counts what is stored.
    return value.replace("\r\n", "\n").strip() if isinstance(value, str) else value


class EntryForm(FlaskForm):
    name = StringField(_l("Your name"), filters=[_strip], validators=[DataRequired(), Length(max=80), NoControlChars()])
    message = TextAreaField(_l("Message"), filters=[_message], validators=[DataRequired(), Length(max=2000), MessageText()])
    rating = SelectField(_l("Rating (optional)"), choices=RATING_CHOICES, validators=[Optional()])

    @property
    def rating_value(self) -> int | None:
        return int(self.rating.data) if self.rating.data else None


class GuestbookSettingsForm(FlaskForm):
    require_approval = BooleanField(
        _l("Hold new entries until I show them"),
        default=False,
        description=_l("New entries stay hidden until you or your staff press “Show”."),
    )


class ModerationForm(FlaskForm):
    """Only the CSRF token: hiding and showing carry no other data."""
