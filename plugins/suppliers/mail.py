"""The e-mail a supplier gets when a purchase order is sent, in their language."""
from __future__ import annotations

import logging

from flask_babel import lazy_gettext as _l

from portal.core.mail import MailError, queue_mail
from portal.core.notifications import external_url

log = logging.getLogger(__name__)


def supplier_address(supplier) -> tuple[str | None, str]:
    """Where and in which language to write: the record's e-mail, else the linked user's."""
    user = supplier.user if supplier.user_id else None
    email = supplier.email or (user.email if user else "")
    lang = (user.locale if user and user.locale else None) or supplier.lang or "id"
    return (email or None), lang


def tell_supplier(po) -> bool:
    """Queue the "new purchase order" mail (after the caller's commit); ``False`` when there is no address."""
    from plugins.suppliers.purchasing import lines_of, orders_of

    supplier = po.supplier
    email, lang = supplier_address(supplier)
    if not email:
        return False
    try:
        queue_mail(
            email,
            _l("Purchase order %(number)s from %(shop)s", number=po.number, shop=po.shop.name),
            "suppliers/po_sent",
            lang=lang,
            shop=po.shop,
            po=po,
            supplier=supplier,
            lines=lines_of(po),
            orders=orders_of(po),
            portal_url=external_url("suppliers.portal_po", po_id=po.id) if supplier.user_id else None,
        )
    except MailError:
        log.warning("purchase order %s: supplier %s has an invalid e-mail address", po.number, supplier.id)
        return False
    return True
