"""Couriers: the shop's own riders and courier services, delivery booking, the rider's portal,
cash on delivery, and delivery tracking on the customer's order timeline.

This is the paper's step 8 ("the shop books a courier or ojek"). Built in, but an
ordinary plugin: switching it off hides its pages, checkout options, order panel and
timeline lines; deliveries, areas and fee tables stay and come back when it is on again.
"""
from __future__ import annotations

from pathlib import Path

from flask import render_template, url_for
from flask_babel import lazy_gettext as _l

from plugins.couriers import deliveries as svc
from plugins.couriers import fees, models, views
from plugins.couriers.forms import CouriersSettingsForm
from portal import NavItem, PluginInfo, hookimpl
from portal.core.permissions import roles_anywhere
from portal.core.plugins import plugin_settings
from portal.plugin_api import TimelineEntry

NAME = "couriers"


@hookimpl
def portal_register_plugin():
    return PluginInfo(
        name=NAME,
        label=_l("Couriers"),
        version="1.0.0",
        description=_l("Deliver with your own riders or courier services: fees at checkout, booking, "
                       "a page for riders, cash on delivery and tracking for customers."),
        roles=("customer", "owner", "staff", "courier"),
        settings_form=CouriersSettingsForm,
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
def portal_register_demo_data(shop):
    from plugins.couriers.demo import load

    return load(shop)


# ---------------------------------------------------------------------------
# checkout
# ---------------------------------------------------------------------------


@hookimpl
def portal_checkout_delivery_options(shop, cart, destination):
    cod = bool(plugin_settings(shop, NAME).get("cash_on_delivery"))
    return fees.delivery_options(shop, cart, destination, cash_on_delivery=cod)


# ---------------------------------------------------------------------------
# menus and panels
# ---------------------------------------------------------------------------


BADGE_CAP = 99


@hookimpl
def portal_owner_nav_items(shop):
    # On every back-office page: count at most 100, so years of orders cost no more than a few.
    waiting = svc.ready_to_ship(shop).order_by().limit(BADGE_CAP + 1).count()
    badge = f"{BADGE_CAP}+" if waiting > BADGE_CAP else (waiting or None)
    return [NavItem(_l("Deliveries"), url_for("couriers.queue", shop_slug=shop.slug), badge=badge, order=20)]


@hookimpl
def portal_account_nav_items(user):
    # Asked on every page: only riders get the link (the page checks the shops' switches).
    if "courier" in roles_anywhere(user):
        return [NavItem(_l("My deliveries"), url_for("couriers.mine"), order=30)]
    return []


@hookimpl
def portal_slot_order_sidebar(shop, order):
    return render_template("couriers/_booking.html", **views.booking_context(shop, order))


@hookimpl
def portal_slot_dashboard_cards(shop):
    active = models.Delivery.select().where((models.Delivery.shop == shop) & models.Delivery.status.in_(models.ACTIVE))
    cash = sum(g["collected"] for g in svc.cash_to_reconcile(shop))
    return render_template("couriers/_card.html", shop=shop, ready=svc.ready_to_ship(shop).count(),
                           on_the_way=active.count(), cash=cash)


@hookimpl
def portal_slot_customer_profile(shop, customer):
    from portal.core.orders import Order

    rows = list(models.Delivery.select(models.Delivery, Order).join(Order, on=(models.Delivery.order == Order.id))
                .where((models.Delivery.shop == shop) & (Order.customer == customer.id))
                .order_by(models.Delivery.id.desc()).limit(10))
    if not rows:
        return None
    return render_template("couriers/_customer.html", shop=shop, rows=rows)


# ---------------------------------------------------------------------------
# the order's timeline, and following the shop's own changes
# ---------------------------------------------------------------------------

CUSTOMER_LABELS = {
    models.BOOKED: _l("A rider has been booked for your parcel"),
    models.ACCEPTED: _l("The rider accepted the delivery"),
    models.PICKED_UP: _l("Picked up by the rider"),
    models.ON_THE_WAY: _l("On the way to you"),
    models.FAILED: _l("Delivery attempt failed"),
}
STAFF_ONLY = {
    models.DECLINED: _l("The rider declined the job"),
    models.CANCELLED: _l("Job taken back from the rider"),
    "cash_reconciled": _l("Cash counted in by the shop"),
}


def _line(delivery, event, audience):
    service = delivery.kind == models.SERVICE
    note, link, link_label = "", None, None
    if event.action == models.HANDED_OVER:
        label = _l("Handed to %(service)s, waybill %(waybill)s", service=delivery.service_name, waybill=delivery.waybill)
        link = delivery.service.tracking_url(delivery.waybill) if delivery.service_id else None
        link_label = _l("Track the parcel") if link else None
    elif event.action == models.DELIVERED:
        # Core's own "Delivered" line is right above: say who took the parcel.
        if not service and delivery.recipient_name and event.actor_id == delivery.rider_id:
            label = _l("Received by %(name)s", name=delivery.recipient_name)
        else:
            label = _l("Delivered")
            note = event.note if audience == "staff" else ""
    elif event.action == models.BOOKED:
        label = CUSTOMER_LABELS[models.BOOKED] if audience == "customer" else _l("Rider booked: %(name)s", name=event.note)
    elif event.action in CUSTOMER_LABELS:
        label = CUSTOMER_LABELS[event.action]
        if event.action == models.FAILED:
            note = event.note
    elif audience == "staff" and event.action in STAFF_ONLY:
        label = STAFF_ONLY[event.action]
        note = event.note if event.action != "cash_reconciled" else ""
    else:
        return None
    if audience == "staff" and delivery.kind == models.RIDER and delivery.rider_id and event.action != models.BOOKED:
        rider = delivery.rider
        note = f"{note} · {rider.name}" if note else rider.name
    return TimelineEntry(event.created_at, label, note, link, link_label, kind="delivery")


@hookimpl
def portal_order_timeline(order, audience):
    ds = svc.deliveries_of(order)
    events = svc.events_of(ds)
    lines = []
    for d in ds:
        for e in events[d.id]:
            line = _line(d, e, audience)
            if line is not None:
                lines.append(line)
    return lines


@hookimpl
def portal_order_before_transition(order, action):
    # A rider's booked job: the hand-over is the rider's "picked up", not the shop's button.
    return svc.refuse_step(order, action)


@hookimpl
def portal_order_blocked_actions(order, actions):
    if "hand_over" in actions:
        reason = svc.hand_over_held(order)
        if reason:
            return {"hand_over": reason}
    return None


@hookimpl
def portal_order_after_transition(order, action, actor, role):
    if action == "confirm" and order.payment_method == "cod":
        svc.tell_cod_customer(order)
    svc.follow_order(order, action, role, actor)
