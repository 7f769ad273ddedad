"""Loyalty: voucher codes and points at checkout, points history, and e-mail campaigns to customer segments.

A built-in plugin. Discounts reach checkout only through core's hooks
``portal_checkout_discounts`` (asked when the customer applies a code and again at
placement) and ``portal_checkout_discounts_used`` (the claim, inside the placement
transaction). Points are earned when an order is delivered. Campaign audiences come
from ``portal_customer_segments`` of whichever plugin computes segments.
Switching the plugin off hides its pages, the voucher field and the points; the
data stays.
"""
from __future__ import annotations

from pathlib import Path

from flask import render_template, url_for
from flask_babel import lazy_gettext as _l
from huey import crontab

from plugins.loyalty import campaigns, models, rewards, views
from plugins.loyalty.forms import LoyaltySettingsForm
from portal import NavItem, PluginInfo, hookimpl
from portal.core.orders import CANCELLED, DELIVERED, EXPIRED, REJECTED

NAME = "loyalty"


def _register_jobs(state):
    jobs = state.app.extensions["portal_jobs"]
    jobs.register("loyalty_send_campaign", campaigns.send, retries=3, retry_delay=60)
    jobs.register_periodic("loyalty_send_due_campaigns", campaigns.send_due, crontab(minute="*"))


views.bp.record_once(_register_jobs)


@hookimpl
def portal_register_plugin():
    return PluginInfo(
        name=NAME,
        label=_l("Vouchers and loyalty"),
        version="1.0.0",
        description=_l("Voucher codes and loyalty points at checkout, and personalised e-mail campaigns."),
        roles=("customer", "owner", "staff"),
        settings_form=LoyaltySettingsForm,
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
    return [NavItem(_l("Vouchers and points"), url_for("loyalty.manage", shop_slug=shop.slug), order=75),
            NavItem(_l("Campaigns"), url_for("loyalty.campaigns", shop_slug=shop.slug), order=76)]


@hookimpl
def portal_shop_nav_items(shop, user):
    if user is None or not rewards.settings(shop)["points_enabled"]:
        return []
    return [NavItem(_l("My points"), url_for("loyalty.my_points", shop_slug=shop.slug),
                    badge=rewards.balance(shop, user) or None, order=80)]


@hookimpl
def portal_checkout_discounts(shop, cart, customer, codes):
    return rewards.discounts_for(shop, cart, customer, codes)


@hookimpl
def portal_checkout_discounts_used(shop, order, discounts, customer):
    return rewards.claim(shop, order, discounts, customer)


@hookimpl
def portal_order_after_transition(order, to_status):
    from portal.core.plugins import registry

    # Told for every shop; only a shop with the plugin on earns or gives back.
    if not registry().is_enabled(order.shop, NAME):
        return
    if to_status == DELIVERED:
        rewards.earn(order)
    elif to_status in (CANCELLED, REJECTED, EXPIRED):
        rewards.release(order)


@hookimpl
def portal_slot_customer_profile(shop, customer):
    return render_template("loyalty/_customer.html", shop=shop, customer=customer,
                           balance=rewards.balance(shop, customer), entries=rewards.history(shop, customer, limit=10),
                           labels=rewards.KIND_LABELS)


@hookimpl
def portal_register_demo_data(shop):
    from plugins.loyalty import demo

    return demo.load(shop)
