"""Comments and reviews: a comment column on every product page, star ratings from verified buyers.

A built-in plugin, registered in ``setup.cfg`` under ``portal.plugins`` exactly as a
third party's would be. Switching it off hides its column, badges and pages; the
comments stay and come back when it is switched on again.
"""
from __future__ import annotations

from pathlib import Path

from flask import get_template_attribute, render_template, url_for
from flask_babel import lazy_gettext as _l

from plugins.comments import demo, models, views
from plugins.comments.forms import CommentsSettingsForm
from portal import NavItem, PluginInfo, hookimpl

NAME = "comments"


@hookimpl
def portal_register_plugin():
    return PluginInfo(
        name=NAME,
        label=_l("Comments and reviews"),
        version="1.0.0",
        description=_l("Customers comment on your products; those who received one may give it stars."),
        roles=("customer", "owner", "staff"),
        settings_form=CommentsSettingsForm,
    )


@hookimpl
def portal_register_models():
    return [models.Comment, models.CommentReport]


@hookimpl
def portal_register_migrations():
    return list(models.MIGRATIONS)


@hookimpl
def portal_register_translations():
    # Carries its own catalogue, as a third party's plugin would.
    return str(Path(__file__).parent / "translations")


@hookimpl
def portal_register_blueprints():
    return [views.bp]


@hookimpl
def portal_owner_nav_items(shop):
    pending = models.pending_count(shop)
    return [NavItem(_l("Comments"), url_for("comments.manage", shop_slug=shop.slug), badge=pending or None, order=72)]


@hookimpl
def portal_slot_product_detail_main(shop, product, user):
    return views.render_column(shop, product, user)


@hookimpl
def portal_product_card_badges(shop, products):
    # One aggregate query for the whole grid, whatever its size.
    summaries = models.rating_summary(p.id for p in products if p.shop_id == shop.id)
    # The badge macro called directly: a render_template per card ran every context
    # processor again, a tenth of the home page's time.
    card_badge = get_template_attribute("comments/_stars.html", "card_badge")
    return {
        product_id: str(card_badge(views.summary_of(average, count)))
        for product_id, (average, count) in summaries.items()
    }


@hookimpl
def portal_slot_dashboard_cards(shop):
    return render_template("comments/_card.html", shop=shop, counts=models.counts(shop))


@hookimpl
def portal_slot_customer_profile(shop, customer):
    return render_template("comments/_customer.html", shop=shop, comments=models.customer_comments(shop, customer))


@hookimpl
def portal_register_demo_data(shop):
    return demo.load(shop)
