"""Forum: categories set by the owner, threads and replies by registered users, moderated by the team.

A built-in plugin, registered in ``setup.cfg`` under ``portal.plugins`` exactly as a
third party's would be. Switching it off hides its pages, menu links and fragments;
its threads, posts, reports and subscriptions stay and come back when it is on again.
"""
from __future__ import annotations

from pathlib import Path

from flask import render_template, url_for
from flask_babel import lazy_gettext as _l

from plugins.forum import demo, models, views
from plugins.forum.forms import ForumSettingsForm
from portal import NavItem, PluginInfo, hookimpl

NAME = "forum"


@hookimpl
def portal_register_plugin():
    return PluginInfo(
        name=NAME,
        label=_l("Forum"),
        version="1.0.0",
        description=_l("Customers and your team talk in threads by topic; you set the categories and moderate."),
        roles=("customer", "owner", "staff"),
        settings_form=ForumSettingsForm,
    )


@hookimpl
def portal_register_models():
    return list(models.MODELS)


@hookimpl
def portal_register_migrations():
    return list(models.MIGRATIONS)


@hookimpl
def portal_register_translations():
    # The forum carries its own catalogue, as a third party's plugin would.
    return str(Path(__file__).parent / "translations")


@hookimpl
def portal_register_blueprints():
    return [views.bp]


@hookimpl
def portal_register_demo_data(shop):
    return demo.load(shop)


@hookimpl
def portal_shop_nav_items(shop):
    return [NavItem(_l("Forum"), url_for("forum.index", shop_slug=shop.slug), order=62)]


@hookimpl
def portal_owner_nav_items(shop):
    # The badge counts what waits for the team: held posts and open reports.
    waiting = models.queue_counts(shop)["total"]
    return [NavItem(_l("Forum"), url_for("forum.queue", shop_slug=shop.slug), badge=waiting or None, order=72)]


@hookimpl
def portal_slot_customer_profile(shop, customer):
    counts = models.activity_counts(shop, customer)
    if not counts["posts"]:
        return None
    return render_template("forum/_customer.html", shop=shop, customer=customer, counts=counts,
                           posts=models.posts_by(shop, customer))
