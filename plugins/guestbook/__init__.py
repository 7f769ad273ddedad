"""Guestbook: visitors leave a message (and a rating) on the shop's profile; owner and staff reply, hide and delete.

A built-in plugin, registered in ``setup.cfg`` under ``portal.plugins`` exactly as a
third party's would be. Switching it off hides its pages and profile fragment;
the entries stay and come back when it is switched on again.
"""
from __future__ import annotations

from pathlib import Path

from flask import render_template, url_for
from flask_babel import lazy_gettext as _l

from plugins.guestbook import demo, models, views
from plugins.guestbook.forms import GuestbookSettingsForm
from portal import NavItem, PluginInfo, hookimpl
from portal.core.permissions import is_staff

NAME = "guestbook"


@hookimpl
def portal_register_plugin():
    return PluginInfo(
        name=NAME,
        label=_l("Guestbook"),
        version="1.0.0",
        description=_l("Visitors leave a message and a rating on your shop's profile; you reply, hide or delete entries."),
        roles=("customer", "owner", "staff"),
        settings_form=GuestbookSettingsForm,
    )


@hookimpl
def portal_register_models():
    return [models.GuestbookEntry]


@hookimpl
def portal_register_migrations():
    return list(models.MIGRATIONS)


@hookimpl
def portal_register_translations():
    # The guestbook carries its own catalogue, as a third party's plugin would.
    return str(Path(__file__).parent / "translations")


@hookimpl
def portal_register_blueprints():
    return [views.bp]


@hookimpl
def portal_shop_nav_items(shop):
    return [NavItem(_l("Guestbook"), url_for("guestbook.index", shop_slug=shop.slug), order=60)]


@hookimpl
def portal_owner_nav_items(shop):
    # The badge says how many entries wait for approval; they wait until someone decides.
    held = models.counts(shop)["pending"]
    return [NavItem(_l("Guestbook"), url_for("guestbook.index", shop_slug=shop.slug), badge=held or None, order=70)]


@hookimpl
def portal_slot_shop_profile_main(shop, user):
    return render_template(
        "guestbook/_entries.html",
        shop=shop,
        entries=list(models.entries(shop).limit(views.LATEST)),
        form=views.entry_form(user),
        can_moderate=is_staff(shop, user) if user is not None else False,
    )


@hookimpl
def portal_slot_customer_profile(shop, customer, user):
    # The team's view of one customer: what they wrote here, hidden entries included.
    if user is None or not is_staff(shop, user):
        return None
    entries = models.entries_of_customer(shop, customer)
    if not entries:
        return None
    return render_template("guestbook/_customer.html", shop=shop, entries=entries)


@hookimpl
def portal_register_demo_data(shop):
    return demo.load(shop)


@hookimpl
def portal_slot_dashboard_cards(shop):
    return render_template("guestbook/_card.html", shop=shop, counts=models.counts(shop))
