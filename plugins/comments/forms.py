"""The comments' forms: a comment or review, the shop's reply, the moderation buttons, the settings."""
from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectChoice, SelectField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

MAX_BODY = 2000
MAX_REPLY = 2000

RATING_CHOICES = [
    SelectChoice("", _l("No stars, just a comment")),
    SelectChoice("5", _l("★★★★★ Excellent")),
    SelectChoice("4", _l("★★★★ Good")),
    SelectChoice("3", _l("★★★ Fair")),
    SelectChoice("2", _l("★★ Poor")),
    SelectChoice("1", _l("★ Bad")),
]

# Invisible characters that only serve to disguise text: zero-width spaces, the
# byte-order mark, and the bidirectional overrides that make text read backwards.
# (Zero-width joiners stay: emoji and some scripts need them.)
_INVISIBLE = re.compile("[\u200b\u2060\ufeff\u202a-\u202e\u2066-\u2069\u061c\u200e\u200f]")


def clean_text(value):
    """One newline style, no disguising invisible characters, no surrounding blanks."""
    if not isinstance(value, str):
        return value
    return _INVISIBLE.sub("", value.replace("\r\n", "\n").replace("\r", "\n")).strip()


class MessageText:
    """Free text that may span lines, but carries no other control characters."""

    def __call__(self, form, field):
        if field.data and any((ord(c) < 32 and c not in "\t\n") or 0x7F <= ord(c) < 0xA0 for c in field.data):
            raise ValidationError(_l("Control characters are not allowed here."))


class CommentForm(FlaskForm):
    body = TextAreaField(
        _l("Your comment"), filters=[clean_text],
        validators=[DataRequired(), Length(max=MAX_BODY), MessageText()],
    )
    rating = SelectField(_l("Your rating"), choices=RATING_CHOICES, validators=[Optional()])

    @property
    def rating_value(self) -> int | None:
        return int(self.rating.data) if self.rating.data in {"1", "2", "3", "4", "5"} else None


class ReplyForm(FlaskForm):
    reply = TextAreaField(
        _l("Reply from the shop"), filters=[clean_text],
        validators=[Length(max=MAX_REPLY), MessageText()],
        description=_l("Shown to everyone under the comment. Leave empty to remove the reply."),
    )


class ModerationForm(FlaskForm):
    """Only the CSRF token: hiding, showing, deleting and reporting carry no other data."""


class CommentsSettingsForm(FlaskForm):
    require_approval = BooleanField(
        _l("Hold new comments until I approve them"),
        default=False,
        description=_l("New comments and reviews stay hidden until you or your staff press “Approve”."),
    )
