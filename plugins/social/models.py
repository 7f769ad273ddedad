"""The social-links plugin's table: one row of links per shop, kept when the plugin is off."""
from __future__ import annotations

import peewee as pw

from plugins.social.links import NETWORKS
from portal.core import changes
from portal.core.db import Model, db, utcnow
from portal.core.models import Shop, User


class SocialLinks(Model):
    """A shop's WhatsApp number (``+62…``) and its checked ``https`` links; empty string = none."""

    shop = pw.ForeignKeyField(Shop, backref="+", unique=True, on_delete="CASCADE")
    whatsapp = pw.CharField(max_length=20, default="")
    instagram = pw.CharField(max_length=300, default="")
    facebook = pw.CharField(max_length=300, default="")
    tiktok = pw.CharField(max_length=300, default="")
    youtube = pw.CharField(max_length=300, default="")
    tokopedia = pw.CharField(max_length=300, default="")
    shopee = pw.CharField(max_length=300, default="")
    bukalapak = pw.CharField(max_length=300, default="")
    lazada = pw.CharField(max_length=300, default="")
    blibli = pw.CharField(max_length=300, default="")
    # The "Ask about this product on WhatsApp" button under each product.
    product_button = pw.BooleanField(default=True)
    updated_at = pw.DateTimeField(default=utcnow)
    updated_by = pw.ForeignKeyField(User, backref="+", null=True, on_delete="SET NULL")

    class Meta:
        table_name = "social_links"


def _initial(database, migrator):
    database.create_tables([SocialLinks], safe=True)


MIGRATIONS = [
    ("0001_initial", _initial),
]

FIELDS = ("whatsapp", *(n.key for n in NETWORKS), "product_button")


# The footer of every page of the shop shows them: kept per process until that shop (or
# anything global) is written.
_links = changes.GenerationCache()


def links_of(shop) -> SocialLinks | None:
    return _links.get_instance(shop.id, SocialLinks, lambda: SocialLinks.get_or_none(SocialLinks.shop == shop),
                               scope=changes.shop_scope(shop))


def save(shop, values: dict, user=None) -> SocialLinks:
    """Store the shop's links (one row per shop, created on first save)."""
    data = {k: values[k] for k in FIELDS if k in values}
    with db.atomic():
        row = SocialLinks.get_or_none(SocialLinks.shop == shop)
        if row is None:
            row = SocialLinks(shop=shop)
        for key, value in data.items():
            setattr(row, key, value if key == "product_button" else (value or ""))
        row.updated_at, row.updated_by = utcnow(), user
        row.save()
    return row
