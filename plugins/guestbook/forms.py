"""The guestbook's forms: a visitor's entry, the owner's settings, and the moderation buttons."""
from __future__ import annotations

import unicodedata

from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from plugins.guestbook import antispam
from portal.forms import NoControlChars

DEFAULT_MAX_LINKS = 1

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


# Invisible characters that only serve to disguise text: direction overrides and
# isolates (which can flip how the rest of a line reads) and zero-width spaces.
_INVISIBLE = dict.fromkeys(
    [0x200B, 0x2060, 0xFEFF, 0x180E, *range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x200E, 0x200F, 0x061C],
)


def _strip(value):
    if not isinstance(value, str):
        return value
    # A name has no use for any invisible formatting character (joiners included).
    return "".join(c for c in value if unicodedata.category(c) != "Cf").strip()


def _message(value):
    # One newline style, so the 2000-character limit counts what is stored; joiners
    # stay (emoji sequences use them), disguising characters go.
    return value.replace("\r\n", "\n").translate(_INVISIBLE).strip() if isinstance(value, str) else value


_TIME_ERRORS = {
    "fast": _l("That was quick! Please read your message once more and send it again."),
    "expired": _l("This form was open for a long time. Please send your message again."),
    "invalid": _l("Please send your message again from the guestbook form."),
}


class EntryForm(FlaskForm):
    name = StringField(_l("Your name"), filters=[_strip], validators=[DataRequired(), Length(max=80), NoControlChars()])
    message = TextAreaField(_l("Message"), filters=[_message], validators=[DataRequired(), Length(max=2000), MessageText()])
    rating = SelectField(_l("Rating (optional)"), choices=RATING_CHOICES, validators=[Optional()])
    # Spam traps (see antispam.py): when the form was shown, signed; and a field people never see.
    shown = HiddenField()
    website = StringField(_l("Leave this field empty"))

    #: How many links a message may hold (``GUESTBOOK_MAX_LINKS``; the view sets it).
    max_links = DEFAULT_MAX_LINKS

    @property
    def rating_value(self) -> int | None:
        return int(self.rating.data) if self.rating.data else None

    @property
    def is_trapped(self) -> bool:
        """A robot filled the field hidden from people."""
        return bool((self.website.data or "").strip())

    def validate_message(self, field):
        links = antispam.count_links(self.name.data or "", field.data or "")
        if links > self.max_links:
            if self.max_links == 0:
                raise ValidationError(_l("Links are not allowed in the guestbook. Please remove them."))
            # Validation runs inside the request, so the visitor's language is known here.
            raise ValidationError(ngettext(
                "Please keep to at most %(num)d link in your message.",
                "Please keep to at most %(num)d links in your message.", self.max_links))

    def validate_shown(self, field):
        problem = antispam.check(field.data)
        if problem:
            raise ValidationError(_TIME_ERRORS[problem])

    def refresh_shown(self):
        """Stamp the form as shown now (every time it is rendered afresh)."""
        self.shown.data = antispam.issue()
        return self


class GuestbookSettingsForm(FlaskForm):
    require_approval = BooleanField(
        _l("Hold new entries until I show them"),
        default=False,
        description=_l("New entries stay hidden until you or your staff press “Show”."),
    )


class ReplyForm(FlaskForm):
    reply = TextAreaField(
        _l("Your public reply"), filters=[_message], validators=[Optional(), Length(max=2000), MessageText()],
    )


class ModerationForm(FlaskForm):
    """Only the CSRF token: hiding, showing and deleting carry no other data."""
