"""Back in stock: visitors leave their e-mail on a sold-out product and are told once it returns.

An example of a third-party plugin, installed with pip and found through the
``portal.plugins`` entry point in its ``setup.cfg``. The portal has no "stock
changed" hook, so alerts go out when a cancelled, rejected or expired order
gives stock back (automatic) or when the owner presses "Notify waiting
customers" after restocking.
"""
from __future__ import annotations

from flask import render_template, url_for
from flask_babel import lazy_gettext as _l

from portal import NavItem, PluginInfo, hookimpl
from portal.core.orders import CANCELLED, EXPIRED, REJECTED
from portal.core.plugins import plugin_settings
from portal_backinstock import models, notify, views
from portal_backinstock.forms import BackInStockSettingsForm

NAME = "backinstock"


#region register_plugin
@hookimpl
def portal_register_plugin():
    return PluginInfo(
        name=NAME,
        label=_l("Back in stock"),
        version="1.0.0",
        description=_l("Customers leave their e-mail on a sold-out product and hear when it is back."),
        roles=("customer", "owner", "staff"),
        settings_form=BackInStockSettingsForm,
        api=">=1.0,<2",
    )
#endregion


#region register_data
@hookimpl
def portal_register_models():
    return [models.BackInStockAlert]


@hookimpl
def portal_register_migrations():
    return list(models.MIGRATIONS)


@hookimpl
def portal_register_blueprints():
    return [views.bp]
#endregion


#region slot
@hookimpl
def portal_slot_product_detail_main(shop, product):
    if not models.is_sold_out(product):
        return None
    return render_template(
        "backinstock/_form.html", shop=shop, product=product, form=views.alert_form(),
    )
#endregion


#region owner
@hookimpl
def portal_owner_nav_items(shop):
    waiting = models.counts(shop)["waiting"]
    return [NavItem(_l("Back in stock"), url_for("backinstock.index", shop_slug=shop.slug),
                    badge=waiting or None, order=75)]


@hookimpl
def portal_slot_dashboard_cards(shop):
    return render_template("backinstock/_card.html", shop=shop, counts=models.counts(shop))
#endregion


#region order_event
@hookimpl
def portal_order_after_transition(order, to_status):
    # Ending an order early puts its stock back (core does that before telling us).
    if to_status not in (CANCELLED, EXPIRED, REJECTED):
        return
    if not plugin_settings(order.shop, NAME).get("auto_notify"):
        return
    product_ids = [item.product_id for item in order.items if item.product_id and not item.made_to_order]
    if product_ids:
        notify.notify_ready(order.shop, product_ids)
#endregion
