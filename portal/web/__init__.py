"""Web views of core, one blueprint per area, and the shop loader they share."""
from __future__ import annotations

from flask import Flask, abort, g, request

from portal.core.shops import active_shop


def register_views(app: Flask):
    from portal.web import (
        admin,
        auth,
        cart,
        catalogue_admin,
        checkout,
        manage,
        order_admin,
        orders,
        payments,
        platform,
        storefront,
        team,
    )

    @app.url_value_preprocessor
    def _load_shop(endpoint, values):
        # Every shop URL carries <shop_slug>; views read the shop from g.shop.
        if values and "shop_slug" in values:
            slug = values.pop("shop_slug")
            shop = active_shop(slug)
            if shop is None:
                abort(404)
            g.shop = shop

    @app.url_defaults
    def _shop_slug_default(endpoint, values):
        if "shop_slug" not in values and g.get("shop") is not None and app.url_map.is_endpoint_expecting(endpoint, "shop_slug"):
            values["shop_slug"] = g.shop.slug

    @app.before_request
    def _guard_plugin_routes():
        # One guard for every plugin blueprint, so no plugin author can forget:
        # a plugin the platform or this shop has switched off answers 404.
        registry = app.extensions["portal"]
        plugin = registry.blueprint_plugin.get(request.blueprint or "")
        if plugin is None:
            return None
        if plugin not in registry.plugins or not registry.platform_allowed().get(plugin):
            abort(404)
        shop = g.get("shop")
        if shop is not None and not registry.is_enabled(shop, plugin):
            abort(404)
        return None

    for module in (platform, auth, storefront, manage, catalogue_admin, admin, team, cart, checkout, orders, order_admin,
                   payments):
        app.register_blueprint(module.bp)
