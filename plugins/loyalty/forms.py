"""The loyalty plugin's forms: vouchers, point corrections, campaigns, scheduling, settings."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    IntegerField,
    RadioField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, Regexp, ValidationError

from plugins.loyalty.models import FIXED, PERCENT
from portal.forms import NoControlChars

MAX_RUPIAH = 1_000_000_000

KIND_CHOICES = [SelectChoice(PERCENT, _l("Percentage of the order")), SelectChoice(FIXED, _l("Fixed amount in Rupiah"))]


class MultiLineText:
    """Free text over several lines, with no other control characters."""

    def __call__(self, form, field):
        if field.data and any(ord(c) < 32 and c not in "\t\n\r" for c in field.data):
            raise ValidationError(_l("Control characters are not allowed here."))


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _upper(value):
    return " ".join(value.split()).upper() if isinstance(value, str) else value


class VoucherForm(FlaskForm):
    code = StringField(_l("Code"), filters=[_upper], validators=[
        DataRequired(), Length(min=3, max=40),
        Regexp(r"^[A-Z0-9][A-Z0-9_-]*$", message=_l("Use letters, digits, - and _ only."))],
        description=_l("Customers type it at checkout; capitals do not matter."))
    kind = RadioField(_l("Discount"), choices=KIND_CHOICES, default=PERCENT, validators=[InputRequired()])
    value = IntegerField(_l("Value"), validators=[InputRequired(), NumberRange(min=1, max=MAX_RUPIAH)],
                         description=_l("Percent (1 to 100), or Rupiah. Percentages are rounded down to the Rupiah."))
    min_order = IntegerField(_l("Minimum order (Rupiah)"), default=0,
                             validators=[Optional(), NumberRange(min=0, max=MAX_RUPIAH)])
    starts_on = DateField(_l("Valid from"), validators=[Optional()])
    ends_on = DateField(_l("Valid until (inclusive)"), validators=[Optional()])
    max_uses = IntegerField(_l("Total uses"), validators=[Optional(), NumberRange(min=1, max=1_000_000)],
                            description=_l("Leave empty for no limit."))
    per_customer = IntegerField(_l("Uses per customer"), validators=[Optional(), NumberRange(min=1, max=1000)],
                                description=_l("Leave empty for no limit."))
    note = StringField(_l("Note (only the team sees it)"), filters=[_strip],
                       validators=[Optional(), Length(max=200), NoControlChars()])
    is_active = BooleanField(_l("Active"), default=True)

    def validate_value(self, field):
        if self.kind.data == PERCENT and field.data is not None and field.data > 100:
            raise ValidationError(_l("A percentage is at most 100."))

    def validate_ends_on(self, field):
        if field.data and self.starts_on.data and field.data < self.starts_on.data:
            raise ValidationError(_l("The last day cannot be before the first day."))


class ActionForm(FlaskForm):
    """A button that only needs the CSRF token (switch, test send, cancel, unsubscribe)."""


class AdjustPointsForm(FlaskForm):
    points = IntegerField(_l("Points (+ to add, - to take away)"),
                          validators=[InputRequired(), NumberRange(min=-1_000_000, max=1_000_000)])
    note = StringField(_l("Reason"), filters=[_strip], validators=[DataRequired(), Length(max=200), NoControlChars()])

    def validate_points(self, field):
        if field.data == 0:
            raise ValidationError(_l("Enter a number other than zero."))


VOUCHER_MODES = [SelectChoice("none", _l("No voucher")), SelectChoice("shared", _l("One shared voucher code")),
                 SelectChoice("personal", _l("A personal single-use code for each recipient"))]


class CampaignForm(FlaskForm):
    name = StringField(_l("Campaign name"), filters=[_strip],
                       validators=[DataRequired(), Length(max=120), NoControlChars()])
    subject = StringField(_l("E-mail subject"), filters=[_strip],
                          validators=[DataRequired(), Length(max=150), NoControlChars()])
    body = TextAreaField(_l("Message"), validators=[DataRequired(), Length(max=5000), MultiLineText()],
                         description=_l("Placeholders: {name}, {last_product}, {voucher_code}."))
    audience = SelectField(_l("Send to"), choices=[], validate_choice=True)
    customer_ids = SelectMultipleField(_l("Customers (for a hand-picked list)"), choices=[], coerce=int)
    voucher_mode = RadioField(_l("Voucher"), choices=VOUCHER_MODES, default="none")
    shared_voucher = SelectField(_l("Shared voucher"), choices=[], coerce=int, validate_choice=True)
    personal_kind = RadioField(_l("Personal code discount"), choices=KIND_CHOICES, default=PERCENT)
    personal_value = IntegerField(_l("Personal code value"), default=10,
                                  validators=[Optional(), NumberRange(min=1, max=MAX_RUPIAH)])
    personal_days = IntegerField(_l("Personal code valid for (days)"), default=30,
                                 validators=[Optional(), NumberRange(min=1, max=365)])

    def validate_customer_ids(self, field):
        if self.audience.data == "customers" and not field.data:
            raise ValidationError(_l("Pick at least one customer, or send to a segment."))

    def validate_shared_voucher(self, field):
        if self.voucher_mode.data == "shared" and not field.data:
            raise ValidationError(_l("Choose the voucher to share."))

    def validate_personal_value(self, field):
        if self.voucher_mode.data == "personal":
            if not field.data:
                raise ValidationError(_l("Enter the discount of the personal codes."))
            if self.personal_kind.data == PERCENT and field.data > 100:
                raise ValidationError(_l("A percentage is at most 100."))


class ScheduleForm(FlaskForm):
    send_at = DateTimeLocalField(_l("Send at (Jakarta time)"), format="%Y-%m-%dT%H:%M", validators=[Optional()],
                                 description=_l("Leave empty to send now."))


class LoyaltySettingsForm(FlaskForm):
    points_enabled = BooleanField(_l("Customers earn and redeem points"), default=True)
    rupiah_per_point = IntegerField(_l("Rupiah spent per point earned"), default=10000,
                                    validators=[Optional(), NumberRange(min=100, max=10_000_000)],
                                    description=_l("Counted on delivered orders, after discounts, without delivery."))
    point_value = IntegerField(_l("Value of one point at checkout (Rupiah)"), default=100,
                               validators=[Optional(), NumberRange(min=1, max=1_000_000)])
