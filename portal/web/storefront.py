"""The shop's public pages: home, catalogue, categories, search, product, profile.

Server-rendered and usable without JavaScript; the catalogue's filters, chips and
pager swap only the results through ``render_page`` when htmx asks.
"""
from __future__ import annotations

from flask import Blueprint, abort, g, render_template, request, url_for
from flask_babel import lazy_gettext as _l

from portal.core import catalogue, media
from portal.htmx import render_page
from portal.web.page_cache import cache_page

bp = Blueprint("storefront", __name__, url_prefix="/s/<shop_slug>")
# Templates of the storefront and the back office draw product pictures with it.
bp.add_app_template_global(media.image_sources, "product_image")

HOME_PRODUCTS = 8
SORT_LABELS = {"newest": _l("Newest"), "price_asc": _l("Price: low to high"), "price_desc": _l("Price: high to low")}


@bp.get("/")
@cache_page
def home():
    shop = g.shop
    return render_template(
        "shop/home.html",
        shop=shop,
        categories=catalogue.visible_categories(shop),
        products=catalogue.newest_products(shop, HOME_PRODUCTS),
        made_to_order=catalogue.has_made_to_order(shop),
    )


def _listing(category=None):
    shop = g.shop
    result = catalogue.product_page(
        shop,
        category=category,
        q=request.args.get("q", ""),
        sort=request.args.get("sort", ""),
        page=request.args.get("page", 1),
    )

    def list_url(cat, page=None):
        """The listing of ``cat`` (``None`` = all) keeping the search and sort; page 1 is implied."""
        args = {
            "q": result.q or None,
            "sort": None if result.sort == catalogue.DEFAULT_SORT else result.sort,
            "page": page if page and page > 1 else None,
        }
        if cat is None:
            return url_for("storefront.catalogue", **args)
        return url_for("storefront.category", category_slug=cat.slug, **args)

    form_action = (
        url_for("storefront.category", category_slug=category.slug) if category else url_for("storefront.catalogue")
    )
    return render_page(
        "shop/catalogue.html",
        "shop/_catalogue.html",
        shop=shop,
        result=result,
        category=category,
        categories=catalogue.visible_categories(shop),
        sorts=SORT_LABELS,
        list_url=list_url,
        form_action=form_action,
    )


# The view is not called ``catalogue`` so it does not shadow the module of that name.
@bp.get("/products", endpoint="catalogue")
@cache_page
def catalogue_page():
    return _listing()


@bp.get("/c/<category_slug>")
@cache_page
def category(category_slug: str):
    found = catalogue.category_by_slug(g.shop, category_slug)
    if found is None:
        abort(404)
    return _listing(found)


@bp.get("/p/<product_slug>")
@cache_page
def product(product_slug: str):
    shop = g.shop
    found = catalogue.product_by_slug(shop, product_slug)
    if found is None:
        abort(404)
    return render_template("shop/product.html", shop=shop, product=found, images=catalogue.images_of(found))


@bp.get("/profile")
@cache_page
def profile():
    shop = g.shop
    return render_template("shop/profile.html", shop=shop, whatsapp_url=catalogue.whatsapp_link(shop.whatsapp))

