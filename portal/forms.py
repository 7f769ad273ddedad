"""Validators and fields shared by every form (core's and plugins').

WTForms' built-in messages ("This field is required.", "Not a valid choice.") are
translated by core (``portal.i18n``, catalogue ``translations/<lang>/LC_MESSAGES/wtforms.po``)
for every ``FlaskForm``: a validator needs a ``message=`` only to say something more
specific than WTForms does.
"""
from __future__ import annotations

import email_validator
import phonenumbers
import wtforms
from email_validator import EmailNotValidError, validate_email
from flask_babel import lazy_gettext as _l
from wtforms.validators import ValidationError

from portal.i18n import WTFORMS_MESSAGES

# The demo accounts (owner@demo.test, ...) use the reserved ``.test`` domain;
# mail is never looked up in DNS here, so accepting it costs nothing.
if "test" in email_validator.SPECIAL_USE_DOMAIN_NAMES:
    email_validator.SPECIAL_USE_DOMAIN_NAMES.remove("test")


class SubForm(wtforms.Form):
    """A row inside a ``FlaskForm`` (``FormField``): no CSRF token of its own, and
    WTForms' built-in messages in the user's language like the ``FlaskForm`` around it
    (a plain ``wtforms.Form`` answers in English)."""

    class Meta:
        def get_translations(self, form):
            return WTFORMS_MESSAGES


class EmailAddress:
    """A syntactically valid e-mail address; the field's data is normalised (lower-case domain)."""

    def __init__(self, message=None):
        self.message = message

    def __call__(self, form, field):
        if not field.data:
            return
        try:
            result = validate_email(field.data.strip(), check_deliverability=False)
        except EmailNotValidError:
            raise ValidationError(self.message or _l("Enter a valid e-mail address.")) from None
        field.data = result.normalized.lower()


def normalise_phone(value: str) -> str | None:
    """An Indonesian phone number in E.164 (``+628123456789``), or ``None`` if invalid."""
    try:
        number = phonenumbers.parse((value or "").strip(), "ID")
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number) or number.country_code != 62:
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


class IndonesianPhone:
    """An Indonesian number (08…, 628…, +628…); the field's data becomes ``+62…``."""

    def __init__(self, message=None):
        self.message = message

    def __call__(self, form, field):
        if not field.data:
            return
        normalised = normalise_phone(field.data)
        if normalised is None:
            raise ValidationError(self.message or _l("Enter an Indonesian phone number, e.g. 0812 3456 7890."))
        field.data = normalised


class NoControlChars:
    """Refuse control characters (CR/LF in a name would reach e-mail headers)."""

    def __call__(self, form, field):
        if field.data and any(ord(c) < 32 and c not in "\t" for c in str(field.data)):
            raise ValidationError(_l("Line breaks and control characters are not allowed here."))
