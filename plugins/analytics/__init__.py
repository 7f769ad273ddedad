"""Analytics: the shop's trends and its customers' behaviour, from the orders it already has.

A dashboard of revenue and orders over time against the previous period, top
products and categories, the order funnel, lead times and cities; RFM segments,
cohort retention, repeat rate and lifetime value; a single view of each customer
with the notes the team keeps. Everything is computed with SQL aggregation from
core's order tables; the plugin stores the notes and a daily summary of whole past
days (``summary.py``), rebuilt for a day by a job after one of its orders changes
(reading the pages never writes). Switching it off hides the pages; the notes stay.
"""
from __future__ import annotations

from pathlib import Path

from flask import render_template, url_for
from flask_babel import lazy_gettext as _l
from huey import crontab

from plugins.analytics import models, queries, summary, views
from portal import CustomerSegment, NavItem, PluginInfo, hookimpl
from portal.core.permissions import is_staff

NAME = summary.NAME


def _register_jobs(state):
    jobs = state.app.extensions["portal_jobs"]
    jobs.register(summary.JOB, summary.refresh, retries=3, retry_delay=60)
    # Yesterday's row after Jakarta's midnight (17:00 UTC), and anything a lost job left undone.
    jobs.register_periodic(summary.HOURLY_JOB, summary.refresh_all, crontab(minute="7"))


views.bp.record_once(_register_jobs)


@hookimpl
def portal_register_plugin():
    return PluginInfo(
        name=NAME,
        label=_l("Analytics"),
        version="1.0.0",
        description=_l("Sales trends, the order funnel, customer segments and a single view of every customer."),
        roles=("owner", "staff"),
    )


@hookimpl
def portal_register_models():
    # The daily summary is not handed over: it is derived from the orders (a shop's export
    # need not carry it; a new home rebuilds it from the orders).
    return [models.AnalyticsCustomerNote]


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
    return [NavItem(_l("Analytics"), url_for("analytics.dashboard", shop_slug=shop.slug), order=30)]


@hookimpl
def portal_slot_dashboard_cards(shop):
    this_week, last_week = queries.week_so_far(shop)
    return render_template(
        "analytics/_card.html", shop=shop, this_week=this_week, last_week=last_week,
        delta=queries.delta_percent(this_week, last_week),
    )


@hookimpl
def portal_slot_order_sidebar(shop, order, user):
    if order.customer_id is None or user is None or not is_staff(shop, user):
        return None
    return render_template("analytics/_order_link.html", shop=shop, order=order)


@hookimpl
def portal_order_after_transition(order):
    # Placement and every status change (after commit): mark that day, then rebuild the marked days in a
    # job. Until it has run, the figures compute that day from the orders: reading never writes.
    summary.mark_dirty(order)
    summary.schedule(order.shop_id)


@hookimpl
def portal_shop_module_toggled(shop, plugin, enabled):
    # While switched off the plugin heard no order changes: start the summary again from the orders.
    if plugin == NAME:
        summary.forget(shop)
        if enabled:
            summary.schedule(shop)


@hookimpl
def portal_customer_segments(shop):
    ids = queries.segment_ids(shop)
    return [
        CustomerSegment(key, queries.SEGMENT_LABELS[key], ids[key], queries.SEGMENT_RULES[key])
        for key in queries.SEGMENT_KEYS
    ]


@hookimpl
def portal_register_demo_data(shop):
    # Core's demo orders are all the analytics needs; the team's notes make the customer view believable.
    from plugins.analytics.demo import load_demo_notes

    # Demo orders are written straight into the tables, without order hooks. No job here: this runs inside
    # the loading transaction; the hourly job stores the summary afterwards.
    summary.forget(shop)
    return load_demo_notes(shop)
