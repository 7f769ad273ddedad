"""The owner's form for the shop's WhatsApp number, social networks and marketplace stores."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, StringField
from wtforms.validators import Length, Optional, ValidationError

from plugins.social.links import BY_KEY, LinkError, normalise
from portal.forms import IndonesianPhone, NoControlChars


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class NetworkLink:
    """A handle or an https address on the network's own domain; the field's data becomes the full address."""

    def __init__(self, key: str):
        self.network = BY_KEY[key]

    def __call__(self, form, field):
        try:
            field.data = normalise(self.network, field.data)
        except LinkError as exc:
            raise ValidationError(exc.message) from None


def _link(key: str, label):
    return StringField(label, filters=[_strip], validators=[Optional(), Length(max=300), NetworkLink(key)])


class SocialLinksForm(FlaskForm):
    whatsapp = StringField(
        _l("WhatsApp number"), filters=[_strip],
        validators=[Optional(), Length(max=30), NoControlChars(), IndonesianPhone()],
        description=_l("For example 0812 3456 7890; customers open a chat with this number."),
    )
    instagram = _link("instagram", "Instagram")
    facebook = _link("facebook", "Facebook")
    tiktok = _link("tiktok", "TikTok")
    youtube = _link("youtube", "YouTube")
    tokopedia = _link("tokopedia", "Tokopedia")
    shopee = _link("shopee", "Shopee")
    bukalapak = _link("bukalapak", "Bukalapak")
    lazada = _link("lazada", "Lazada")
    blibli = _link("blibli", "Blibli")
    product_button = BooleanField(_l("Show “Ask about this product on WhatsApp” under every product"), default=True)

    SOCIAL = ("instagram", "facebook", "tiktok", "youtube")
    MARKETS = ("tokopedia", "shopee", "bukalapak", "lazada", "blibli")

    def values(self) -> dict:
        return {f.short_name: f.data for f in self if f.short_name not in ("csrf_token",)}
