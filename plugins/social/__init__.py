"""Social links: the shop's WhatsApp, social networks and marketplace stores in the footer.

Also puts an "Ask about this product on WhatsApp" button on product pages, with a
prefilled message naming the product and its address. The owner sets the links on
``/s/<shop_slug>/social/manage/``; switched off, the links disappear and are kept.
"""
from __future__ import annotations

from pathlib import Path

from flask import render_template, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from plugins.social import demo, models, views
from plugins.social.links import shown_links, whatsapp_url
from portal import NavItem, PluginInfo, hookimpl
from portal.core import changes
from portal.core.permissions import is_owner

NAME = "social"


@hookimpl
def portal_register_plugin():
    return PluginInfo(
        name=NAME,
        label=_l("Social links"),
        version="1.0.0",
        description=_l("Your WhatsApp, Instagram, Facebook, TikTok, YouTube and marketplace stores in the shop's "
                       "footer, and an “Ask on WhatsApp” button on every product. Set them under Social links."),
        roles=("customer", "owner"),
    )


@hookimpl
def portal_register_models():
    return [models.SocialLinks]


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
def portal_owner_nav_items(shop, user):
    # The links speak for the shop: only its owner sets them.
    if user is None or not is_owner(shop, user):
        return []
    return [NavItem(_l("Social links"), url_for("social.settings", shop_slug=shop.slug), order=80)]


# The footer is on every storefront page and changes only when the links (or the shop's
# name) are saved: its HTML is kept per shop and language until that shop's next write.
_footer_html = changes.GenerationCache()


@hookimpl
def portal_slot_footer_links(shop):
    return _footer_html.get((shop.id, str(get_locale())), lambda: _render_footer(shop), scope=changes.shop_scope(shop))


def _render_footer(shop):
    links = shown_links(models.links_of(shop))
    if not links:
        return None
    return render_template("social/_links.html", shop=shop, links=links)


def product_message(shop, product) -> str:
    """The WhatsApp text a customer starts from: the shop, the product and its address."""
    url = url_for("storefront.product", shop_slug=shop.slug, product_slug=product.slug, _external=True)
    return _("Hello %(shop)s, I would like to ask about %(product)s: %(url)s",
             shop=shop.name, product=product.name, url=url)


@hookimpl
def portal_slot_product_detail_main(shop, product):
    row = models.links_of(shop)
    if row is None or not row.product_button:
        return None
    url = whatsapp_url(row.whatsapp, product_message(shop, product))
    if url is None:
        return None
    return render_template("social/_ask.html", shop=shop, product=product, url=url)


@hookimpl
def portal_register_demo_data(shop):
    return demo.load(shop)
