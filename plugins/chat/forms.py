"""The chat's forms: a message, a guest's first message (with name and e-mail), staff actions, settings."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from plugins.chat.models import MAX_MESSAGE
from portal.forms import EmailAddress, NoControlChars

# Invisible characters that change how text reads (bidi overrides, zero-width joiners
# used to hide words) are taken out; ordinary letters of any script stay.
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"))


class MessageText:
    """Free text that may span lines but carries no other control characters."""

    def __call__(self, form, field):
        if field.data and any(ord(c) < 32 and c not in "\t\n" for c in field.data):
            raise ValidationError(_l("Control characters are not allowed here."))


def _message(value):
    # One newline style, so the length cap counts what is stored.
    if not isinstance(value, str):
        return value
    return value.replace("\r\n", "\n").replace("\r", "\n").translate(_INVISIBLE).strip()


def _strip(value):
    return value.translate(_INVISIBLE).strip() if isinstance(value, str) else value


def _body_field():
    return TextAreaField(
        _l("Message"), filters=[_message],
        validators=[DataRequired(_l("Write a message first.")),
                    Length(max=MAX_MESSAGE, message=_l("A message can be at most %(max)d characters.", max=MAX_MESSAGE)),
                    MessageText()],
        render_kw={"rows": 2, "maxlength": MAX_MESSAGE, "data-chat-enter": "", "autocomplete": "off"},
    )


class MessageForm(FlaskForm):
    body = _body_field()
    # The signed link from an order page (empty elsewhere).
    order_ref = HiddenField()


class StartForm(FlaskForm):
    """The first message: a guest says who they are; an e-mail lets the shop answer when nobody is in."""

    name = StringField(_l("Your name"), filters=[_strip],
                       validators=[DataRequired(), Length(max=80), NoControlChars()])
    email = StringField(_l("E-mail (optional)"), filters=[_strip],
                        validators=[Optional(), Length(max=254), EmailAddress()],
                        render_kw={"type": "email", "autocomplete": "email"})
    body = _body_field()
    # The signed link from an order page (empty elsewhere).
    order_ref = HiddenField()

    def require_email(self):
        """When nobody is available the shop can only answer by e-mail, so it is needed then."""
        self.email.label.text = _l("E-mail (we answer there)")
        self.email.validators = [DataRequired(_l("Leave your e-mail so we can answer you.")),
                                 Length(max=254), EmailAddress()]
        self.email.flags.required = True


class ReplyForm(FlaskForm):
    body = _body_field()


class AssignForm(FlaskForm):
    assignee = SelectField(_l("Assigned to"), choices=[], validate_choice=True)


class ActionForm(FlaskForm):
    """Only the CSRF token: close, reopen and presence carry no other data."""


class SearchForm(FlaskForm):
    class Meta:
        csrf = False

    q = StringField(_l("Search"), filters=[_strip], validators=[Optional(), Length(max=100), NoControlChars()])
    status = SelectField(_l("Show"), choices=[SelectChoice("open", _l("Open")), SelectChoice("closed", _l("Closed")),
                                  SelectChoice("all", _l("All"))],
                         default="open", validators=[Optional()])


class ChatSettingsForm(FlaskForm):
    email_team = BooleanField(
        _l("E-mail the team about a new conversation when nobody is available"), default=True,
    )
    email_replies = BooleanField(
        _l("E-mail replies to customers who have left the chat"), default=True,
    )
