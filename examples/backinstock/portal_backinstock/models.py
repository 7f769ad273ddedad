"""The alert table, its migration, and the few queries the views and hooks share."""
from __future__ import annotations

import peewee as pw

from portal.core.db import Model, atomic_write, utcnow
from portal.core.models import Product, Shop


#region model
class BackInStockAlert(Model):
    """One e-mail address waiting for one sold-out product; kept after it was told."""

    # backref "+" keeps the plugin from adding attributes to core's models.
    shop = pw.ForeignKeyField(Shop, backref="+", on_delete="CASCADE")
    product = pw.ForeignKeyField(Product, backref="+", on_delete="CASCADE")
    email = pw.CharField(max_length=254)
    # The visitor's language, so the e-mail is written in it.
    lang = pw.CharField(max_length=5, default="id")
    created_at = pw.DateTimeField(default=utcnow)
    notified_at = pw.DateTimeField(null=True)

    class Meta:
        # One row per address and product: asking twice changes nothing.
        indexes = ((("product", "email"), True), (("shop", "notified_at"), False))
#endregion


#region migration
def _initial(database, migrator):
    database.create_tables([BackInStockAlert], safe=True)


# Applied once each by `portal db upgrade`; never rename or remove a shipped step.
MIGRATIONS = [
    ("0001_initial", _initial),
]
#endregion


def is_sold_out(product) -> bool:
    """Only stocked products sell out; made-to-order ones are never "out"."""
    return not product.made_to_order and product.stock is not None and product.stock == 0


#region add_alert
def add_alert(shop, product, email: str, lang: str) -> bool:
    """Remember ``email`` for ``product``; ``False`` when it was already waiting."""
    with atomic_write():
        alert = BackInStockAlert.get_or_none(
            (BackInStockAlert.product == product) & (BackInStockAlert.email == email)
        )
        if alert is None:
            BackInStockAlert.create(shop=shop, product=product, email=email, lang=lang)
            return True
        if alert.notified_at is None:
            return False
        # Told once already and sold out again: wait for the next restock.
        alert.notified_at, alert.created_at, alert.lang = None, utcnow(), lang
        alert.save()
        return True
#endregion


def waiting(shop):
    """Alerts not yet sent, oldest first, with their product."""
    return (
        BackInStockAlert.select(BackInStockAlert, Product)
        .join(Product)
        .where((BackInStockAlert.shop == shop) & BackInStockAlert.notified_at.is_null())
        .order_by(BackInStockAlert.created_at, BackInStockAlert.id)
    )


def counts(shop) -> dict[str, int]:
    """How many addresses wait, and how many of them could be told now."""
    return {"waiting": waiting(shop).count(), "ready": waiting(shop).where(Product.stock > 0).count()}


def claim(alert) -> bool:
    """Mark ``alert`` sent; ``False`` if another request already did (so it is sent once)."""
    return bool(
        BackInStockAlert.update(notified_at=utcnow())
        .where((BackInStockAlert.id == alert.id) & BackInStockAlert.notified_at.is_null())
        .execute()
    )
