"""Telling waiting customers: each alert is e-mailed once, when its product has stock again."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from portal.core.mail import queue_mail
from portal.core.models import Product
from portal.core.notifications import external_url
from portal_backinstock.models import claim, waiting


#region notify
def notify_ready(shop, product_ids=None) -> int:
    """E-mail every waiting address whose product is in stock now; return how many."""
    query = waiting(shop).where(Product.stock > 0)
    if product_ids is not None:
        query = query.where(Product.id.in_(list(product_ids)))
    sent = 0
    for alert in query:
        # Claim first (committed), then queue: two owners pressing the button at
        # once, or a cancellation racing the button, still send one e-mail.
        if not claim(alert):
            continue
        product = alert.product
        queue_mail(
            alert.email,
            _l("%(product)s is back in stock", product=product.name),
            "backinstock/returned",
            lang=alert.lang,
            shop=shop,
            product=product,
            product_url=external_url("storefront.product", shop_slug=shop.slug, product_slug=product.slug),
        )
        sent += 1
    return sent
#endregion
