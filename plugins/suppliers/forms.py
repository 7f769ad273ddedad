"""The supplier portal's forms: suppliers, materials, stock adjustments, bills of materials,
purchase orders and the supplier's answers. Choices that depend on the shop are filled
in by the views (``set_choices``)."""
from __future__ import annotations

from decimal import Decimal

from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    DecimalField,
    EmailField,
    IntegerField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    Optional,
    StopValidation,
    ValidationError,
)

from portal.core.db import utcnow
from portal.forms import EmailAddress, IndonesianPhone, NoControlChars
from portal.i18n import to_jakarta

UNITS = [
    SelectChoice("ft2", _l("ft² (square foot)")),
    SelectChoice("m2", _l("m² (square metre)")),
    SelectChoice("pair", _l("pair")),
    SelectChoice("piece", _l("piece")),
    SelectChoice("m", _l("metre")),
    SelectChoice("kg", _l("kg")),
    SelectChoice("litre", _l("litre")),
    SelectChoice("roll", _l("roll")),
]
UNIT_LABELS = {c.value: c.label for c in UNITS}
# What tables and quantities show: short, so a row fits a phone.
UNIT_SHORT = {"ft2": "ft²", "m2": "m²", "pair": _l("pair"), "piece": _l("pcs"), "m": "m", "kg": "kg", "litre": "L",
              "roll": _l("roll")}
MAX_QTY = Decimal("1000000")
MAX_RUPIAH = 1_000_000_000
# WTForms' built-in messages ("This field is required.") come in the reader's language
# from core; the messages here are the ones that say more than WTForms would.
# DecimalField's msgid, for NaN and Infinity, which it reads as numbers: core's WTForms
# catalogue translates it (``field.gettext``), so it is not marked for this plugin's.
NOT_A_DECIMAL = "Not a valid decimal value."
LANGS = [SelectChoice("id", "Bahasa Indonesia"), SelectChoice("en", "English")]


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _text(value):
    return value.replace("\r\n", "\n").strip() if isinstance(value, str) else value


class MultiLineText:
    """Free text that may span lines, but carries no other control characters."""

    def __call__(self, form, field):
        if field.data and any(ord(c) < 32 and c not in "\t\n\r" for c in field.data):
            raise ValidationError(_l("Control characters are not allowed here."))


class Finite:
    """Refuses ``NaN`` and ``Infinity``, which ``Decimal`` accepts and cannot compare."""

    def __call__(self, form, field):
        if isinstance(field.data, Decimal) and not field.data.is_finite():
            raise StopValidation(field.gettext(NOT_A_DECIMAL))


class Between:
    """A number from ``low`` to ``high``, both shown in the reader's locale (``0,001`` and ``1.000.000`` in Indonesian).

    Not WTForms' ``NumberRange``: that one writes its bounds as Python does (``0.001``,
    which an Indonesian reads as one)."""

    def __init__(self, low, high):
        self.low, self.high = low, high

    def __call__(self, form, field):
        if field.data is not None and not self.low <= field.data <= self.high:
            raise ValidationError(_("Enter a number between %(min)s and %(max)s.",
                                    min=format_decimal(self.low, format="#,##0.###"),
                                    max=format_decimal(self.high, format="#,##0.###")))


class QuantityField(DecimalField):
    """A quantity with up to three decimals, shown without trailing zeros (``5``, not ``5.000``,
    which an Indonesian reads as five thousand)."""

    def __init__(self, label=None, validators=None, **kwargs):
        super().__init__(label, validators, places=3, **kwargs)

    def _value(self):
        if self.raw_data or not isinstance(self.data, Decimal) or not self.data.is_finite():
            return super()._value()
        return f"{self.data.quantize(Decimal('0.001')).normalize():f}"


def rupiah_field(label, required=True):
    return IntegerField(label, invalid_value_message=_l("Enter a whole number of Rupiah."),
                        validators=[InputRequired() if required else Optional(),
                                    Between(0, MAX_RUPIAH)])


def quantity_field(label, required=True, allow_zero=False):
    low = Decimal("0") if allow_zero else Decimal("0.001")
    validators = [InputRequired() if required else Optional(), Finite(), Between(low, MAX_QTY)]
    return QuantityField(label, validators=validators)


class SupplierForm(FlaskForm):
    name = StringField(_l("Company name"), filters=[_strip], validators=[DataRequired(), Length(max=120), NoControlChars()])
    contact_person = StringField(_l("Contact person"), filters=[_strip], validators=[Optional(), Length(max=120), NoControlChars()])
    email = EmailField(_l("E-mail"), filters=[_strip], validators=[Optional(), Length(max=254), EmailAddress()])
    phone = StringField(_l("Phone"), filters=[_strip], validators=[Optional(), Length(max=20), IndonesianPhone()])
    address = TextAreaField(_l("Address"), filters=[_text], validators=[Optional(), Length(max=500), MultiLineText()])
    lang = SelectField(_l("Language for e-mails"), choices=LANGS, default="id")
    user_id = SelectField(_l("Portal account (a team member with the supplier role)"), choices=[], coerce=str,
                          validators=[Optional()])

    def set_choices(self, members):
        self.user_id.choices = [SelectChoice("", _l("— none —"))] + [SelectChoice(str(m.user.id), f"{m.user.name} <{m.user.email}>") for m in members]


class MaterialForm(FlaskForm):
    name = StringField(_l("Name"), filters=[_strip], validators=[DataRequired(), Length(max=120), NoControlChars()])
    unit = SelectField(_l("Unit"), choices=UNITS, validators=[DataRequired()])
    reorder_level = quantity_field(_l("Reorder level"), allow_zero=True)
    cost = rupiah_field(_l("Cost per unit (Rp)"))
    preferred_supplier = SelectField(_l("Preferred supplier"), choices=[], coerce=str, validators=[Optional()])

    def set_choices(self, suppliers):
        self.preferred_supplier.choices = [SelectChoice("", _l("— none —"))] + [SelectChoice(str(s.id), s.name) for s in suppliers]


class NewMaterialForm(MaterialForm):
    on_hand = quantity_field(_l("Stock on hand now"), allow_zero=True)


class AdjustForm(FlaskForm):
    change = QuantityField(_l("Change (+ adds, − takes away)"),
                           validators=[InputRequired(), Finite(), Between(-MAX_QTY, MAX_QTY)])
    reason = StringField(_l("Reason"), filters=[_strip], validators=[DataRequired(), Length(max=200), NoControlChars()])

    def validate_change(self, field):
        if field.data is not None and field.data == 0:
            raise ValidationError(_l("Enter a change other than zero."))


class BomLineForm(FlaskForm):
    material = SelectField(_l("Material"), choices=[], coerce=str, validators=[DataRequired()])
    quantity = quantity_field(_l("Quantity per unit"))

    def set_choices(self, materials):
        self.material.choices = [SelectChoice(str(m.id), f"{m.name} ({UNIT_SHORT.get(m.unit, m.unit)})") for m in materials]


class NewPOForm(FlaskForm):
    supplier = SelectField(_l("Supplier"), choices=[], coerce=str, validators=[DataRequired()])
    kind = SelectField(_l("Kind"), choices=[SelectChoice("materials", _l("Materials")), SelectChoice("outsourced", _l("Outsourced work"))],
                       default="materials")

    def set_choices(self, suppliers):
        self.supplier.choices = [SelectChoice(str(s.id), s.name) for s in suppliers]


class POLineForm(FlaskForm):
    material = SelectField(_l("Material"), choices=[], coerce=str, validators=[Optional()])
    description = StringField(_l("Description (for outsourced work)"), filters=[_strip],
                              validators=[Optional(), Length(max=200), NoControlChars()])
    quantity = quantity_field(_l("Quantity"))
    unit_cost = rupiah_field(_l("Price per unit (Rp)"), required=False)

    def set_choices(self, materials):
        self.material.choices = [SelectChoice("", _l("— outsourced work (describe it) —"))] + [
            SelectChoice(str(m.id), f"{m.name} ({UNIT_SHORT.get(m.unit, m.unit)})") for m in materials]

    def validate_description(self, field):
        if not self.material.data and not field.data:
            raise ValidationError(_l("Pick a material or describe the work."))


class LinkOrderForm(FlaskForm):
    number = StringField(_l("Customer order number"), filters=[_strip],
                         validators=[DataRequired(), Length(max=32), NoControlChars()])


class POActionForm(FlaskForm):
    action = SelectField(choices=[SelectChoice(a, a) for a in ("send", "cancel", "close")])


class ReceiveForm(FlaskForm):
    """One quantity field per line is read by the view (``line-<id>``); this carries the note."""

    note = StringField(_l("Note (optional)"), filters=[_strip], validators=[Optional(), Length(max=200), NoControlChars()])


class NoteForm(FlaskForm):
    text = TextAreaField(_l("Note"), filters=[_text], validators=[DataRequired(), Length(max=2000), MultiLineText()])


class ConfirmForm(FlaskForm):
    promised_date = DateField(_l("Delivery date you promise"), validators=[DataRequired()])

    def validate_promised_date(self, field):
        # The shop's calendar is Jakarta's; "today" is still a promise that can be kept.
        if field.data and field.data < to_jakarta(utcnow()).date():
            raise ValidationError(_l("The delivery date cannot be in the past."))
    note = StringField(_l("Note (optional)"), filters=[_strip], validators=[Optional(), Length(max=200), NoControlChars()])


class RejectForm(FlaskForm):
    reason = TextAreaField(_l("Why can you not supply it?"), filters=[_text],
                           validators=[DataRequired(), Length(max=1000), MultiLineText()])


class ShipForm(FlaskForm):
    note = StringField(_l("Note (optional, e.g. the courier's receipt number)"), filters=[_strip],
                       validators=[Optional(), Length(max=200), NoControlChars()])


class CreateDraftsForm(FlaskForm):
    """Only the CSRF token."""


class DeleteForm(FlaskForm):
    """Only the CSRF token."""
