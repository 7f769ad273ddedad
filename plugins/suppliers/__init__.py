"""Supplier portal: materials and their stock, bills of materials, material requirements,
purchase orders, and a portal where suppliers confirm, reject and ship them.

The paper's steps 6 and 7 ("order raw materials from the supplier", "the supplier
confirms"). A built-in plugin, registered in ``setup.cfg`` like a third party's.
Switched off, its pages answer 404 and its data stays.
"""
from __future__ import annotations

from pathlib import Path

from flask import render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from peewee import JOIN, Case, fn

from plugins.suppliers import models, purchasing, stock, views
from portal import NavItem, PluginInfo, TimelineEntry, hookimpl
from portal.core.permissions import roles_anywhere
from portal.core.prepared import Param, Prepared

NAME = "suppliers"


@hookimpl
def portal_register_plugin():
    return PluginInfo(
        name=NAME,
        label=_l("Suppliers and materials"),
        version="1.0.0",
        description=_l("Materials and stock, bills of materials, what to order for waiting orders, and purchase "
                       "orders your suppliers confirm on the web."),
        roles=("owner", "staff", "supplier"),
    )


@hookimpl
def portal_register_models():
    return list(models.MODELS)


@hookimpl
def portal_register_migrations():
    return list(models.MIGRATIONS)


@hookimpl
def portal_register_translations():
    return str(Path(__file__).parent / "translations")


@hookimpl
def portal_register_blueprints():
    return [views.bp]


@hookimpl
def portal_owner_nav_items(shop):
    low = stock.low_stock_count(shop)
    return [NavItem(_l("Materials"), url_for("suppliers.materials", shop_slug=shop.slug), badge=low or None, order=40)]


@hookimpl
def portal_slot_dashboard_cards(shop):
    counts = dict(
        (status, n) for status, n in models.PurchaseOrder.select(models.PurchaseOrder.status, fn.COUNT(models.PurchaseOrder.id))
        .where(models.PurchaseOrder.shop == shop).group_by(models.PurchaseOrder.status).tuples()
    )
    return render_template("suppliers/_card.html", shop=shop, low=stock.low_stock_count(shop), counts=counts)


@hookimpl
def portal_slot_order_sidebar(shop, order):
    """What production took for this order and the purchase orders serving it (team only)."""
    pos = list(models.PurchaseOrder.select()
               .join(models.PurchaseOrderLink, on=(models.PurchaseOrderLink.po == models.PurchaseOrder.id))
               .where((models.PurchaseOrderLink.order == order) & (models.PurchaseOrder.shop == shop))
               .order_by(models.PurchaseOrder.id))
    used = (models.StockMovement.select(models.Material.name, models.Material.unit,
                                        fn.SUM(models.StockMovement.quantity).alias("total"))
            .join(models.Material, on=(models.StockMovement.material == models.Material.id))
            .where(models.StockMovement.order == order)
            .group_by(models.Material.name, models.Material.unit).order_by(models.Material.name).dicts())
    used = [row for row in used if row["total"]]
    needs = stock.order_needs(order) if not used else {}
    if not pos and not used and not needs:
        return None
    names = {m.id: m for m in models.Material.select().where(models.Material.id.in_(list(needs)))} if needs else {}
    return render_template("suppliers/_order_sidebar.html", shop=shop, order=order, pos=pos, used=used,
                           needs=[(names[k], v) for k, v in sorted(needs.items()) if k in names])


@hookimpl
def portal_account_nav_items(user):
    # Asked on every page: nothing more for users who supply no shop (most of them); for the
    # others one query: their supplier records (still holding the role) and the orders waiting.
    if "supplier" not in roles_anywhere(user):
        return []
    S, PO = models.Supplier, models.PurchaseOrder
    from portal.core.models import Membership

    row = (S.select(fn.COUNT(S.id).alias("records"),
                    fn.SUM(Case(None, [(PO.status == models.SENT, 1)], 0)).alias("waiting"))
           .join(Membership, on=((Membership.shop == S.shop) & (Membership.user == S.user)))
           .join_from(S, PO, JOIN.LEFT_OUTER, on=(PO.supplier == S.id))
           .where((S.user == user) & (Membership.role == "supplier"))
           .dicts().get())
    if not row["records"]:
        return []
    return [NavItem(_l("Purchase orders"), url_for("suppliers.portal"), badge=int(row["waiting"] or 0) or None, order=20)]


@hookimpl
def portal_order_transition_writes(order, from_status, to_status, actor):
    # In the status change's own transaction: the order is never "in production" without its
    # materials taken, nor the materials taken for a step that was rolled back.
    try:
        stock.on_order_transition(order, from_status, to_status, actor)
    except stock.StockError:
        # Production takes no floor (a shortage is recorded as negative stock, not refused):
        # this is a material removed while the step ran.
        return _l("A material this order uses has just changed; nothing was changed. Please try again.")
    return None


# Every order page's timeline asks it (nearly always finding none): SQL built once.
_ORDER_POS = Prepared(lambda: models.PurchaseOrder.select()
                      .join(models.PurchaseOrderLink, on=(models.PurchaseOrderLink.po == models.PurchaseOrder.id))
                      .where((models.PurchaseOrderLink.order == Param("order"))
                             & (models.PurchaseOrder.shop == Param("shop"))
                             & models.PurchaseOrder.status.not_in((models.DRAFT, models.CANCELLED))))


@hookimpl
def portal_order_timeline(shop, order, audience):
    """Orders waiting for materials say so; the customer never learns who the supplier is."""
    entries = []
    for po in _ORDER_POS.execute(order=order, shop=shop):
        events = {}
        for event in (models.PurchaseOrderEvent.select()
                      .where((models.PurchaseOrderEvent.po == po)
                             & models.PurchaseOrderEvent.action.in_(("send", "confirm")))
                      .order_by(models.PurchaseOrderEvent.created_at)):
            events.setdefault(event.action, event)
        outsourced = po.kind == models.OUTSOURCED
        note = po.number if audience == "staff" else ""
        if "send" in events:
            label = _("Part of the work handed to a partner workshop") if outsourced else _("Materials ordered")
            entries.append(TimelineEntry(events["send"].created_at, label, note=note, kind="materials"))
        if "confirm" in events:
            label = _("Confirmed by the partner workshop") if outsourced else _("Materials confirmed by the supplier")
            entries.append(TimelineEntry(events["confirm"].created_at, label, note=note, kind="materials"))
    return entries


@hookimpl
def portal_register_demo_data(shop):
    from plugins.suppliers.demo import load

    return load(shop)


__all__ = ["NAME", "purchasing"]
