"""The courier plugin's forms: the owner's settings, areas and services, booking, and the rider's reports."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    HiddenField,
    IntegerField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    URLField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, Regexp, ValidationError

from plugins.couriers import fees
from portal.forms import NoControlChars

MAX_FEE = fees.MAX_FEE


def _strip(value):
    return " ".join(value.split()) if isinstance(value, str) else value


def _text(value):
    return value.replace("\r\n", "\n").strip() if isinstance(value, str) else value


class PlainText:
    """Free text over lines, without other control characters."""

    def __call__(self, form, field):
        if field.data and any(ord(c) < 32 and c not in "\t\n\r" for c in field.data):
            raise ValidationError(_l("Control characters are not allowed here."))


class CouriersSettingsForm(FlaskForm):
    cash_on_delivery = BooleanField(
        _l("Offer cash on delivery with my own riders"),
        default=False,
        description=_l("The customer pays the rider in cash at the door; the order needs no bank transfer."),
    )


class AreaForm(FlaskForm):
    place = StringField(_l("District or city"), filters=[_strip],
                        validators=[DataRequired(), Length(max=80), NoControlChars()],
                        description=_l("e.g. Coblong, Bojongloa Kidul or Kota Bandung"))
    fee = IntegerField(_l("Fee (Rp)"), validators=[InputRequired(), NumberRange(min=0, max=MAX_FEE)])

    def validate_place(self, field):
        if not fees.place_key(field.data):
            raise ValidationError(_l("Write the name of a district or city."))


class ServiceForm(FlaskForm):
    name = StringField(_l("Name"), filters=[_strip], validators=[DataRequired(), Length(max=60), NoControlChars()],
                       description=_l("e.g. JNE REG, J&T Express, SiCepat, Pos Indonesia, AnterAja"))
    tracking_template = URLField(_l("Tracking link"), filters=[_strip],
                                 validators=[Optional(), Length(max=300), NoControlChars()],
                                 description=_l("https address with {waybill} where the number goes, "
                                               "e.g. https://example.co.id/track?awb={waybill}"))
    is_active = BooleanField(_l("Offer it at checkout"), default=True)

    def validate_tracking_template(self, field):
        problem = fees.check_tracking_template(field.data or "")
        if problem:
            raise ValidationError(problem)


class RatesImportForm(FlaskForm):
    file = FileField(_l("Fee table (CSV)"))


class BookRiderForm(FlaskForm):
    orders = SelectMultipleField(_l("Orders"), coerce=int, validate_choice=True,
                                 validators=[DataRequired(message=_l("Choose at least one order."))])
    rider = SelectField(_l("Rider"), coerce=int, validate_choice=True,
                        validators=[InputRequired(message=_l("Choose a rider."))])


class BookServiceForm(FlaskForm):
    service = SelectField(_l("Courier service"), coerce=int, validate_choice=True,
                          validators=[InputRequired(message=_l("Choose a courier service."))])
    waybill = StringField(_l("Waybill number"), filters=[_strip], validators=[
        DataRequired(), Regexp(fees.WAYBILL_RE.pattern, message=_l("A waybill number has 4 to 40 letters, digits or dashes."))])


class ActionOnlyForm(FlaskForm):
    """Only the CSRF token: taking a job back, deleting an area."""


STEP_CHOICES = [SelectChoice("accept", _l("Accept")), SelectChoice("decline", _l("Decline")),
                SelectChoice("picked_up", _l("Picked up")), SelectChoice("on_the_way", _l("On the way"))]


class StepForm(FlaskForm):
    step = SelectField(choices=STEP_CHOICES, validate_choice=True, validators=[InputRequired()])
    reason = TextAreaField(_l("Why (optional)"), filters=[_text], validators=[Optional(), Length(max=500), PlainText()])


class DeliveredForm(FlaskForm):
    recipient = StringField(_l("Received by"), filters=[_strip],
                            validators=[DataRequired(), Length(max=120), NoControlChars()])
    photo = FileField(_l("Photo at the door (optional)"))
    cash_collected = IntegerField(_l("Cash collected (Rp)"), validators=[Optional(), NumberRange(min=0, max=MAX_FEE)])


class FailedForm(FlaskForm):
    reason = TextAreaField(_l("What happened"), filters=[_text],
                           validators=[DataRequired(), Length(max=500), PlainText()],
                           description=_l("e.g. nobody home, address not found, customer refused"))


class AvailabilityForm(FlaskForm):
    available = HiddenField(validators=[DataRequired(), Regexp(r"^(on|off)$")])


class ReconcileForm(FlaskForm):
    deliveries = HiddenField(validators=[DataRequired(), Regexp(r"^\d+(,\d+){0,499}$")])

    @property
    def ids(self) -> list[int]:
        return [int(x) for x in (self.deliveries.data or "").split(",") if x]
