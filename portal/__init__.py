"""Portal: an E-CRM shop portal for small make-to-order businesses.

What a plugin needs is importable from here::

    from portal import hookimpl, PluginInfo, NavItem, current_shop
"""
from __future__ import annotations

import pluggy
from flask import g
from werkzeug.local import LocalProxy

from portal.plugin_api import (
    PLUGIN_API_VERSION,
    CustomerSegment,
    DeliveryOption,
    Destination,
    Discount,
    DiscountOffer,
    DiscountRefusal,
    NavItem,
    PluginInfo,
    TimelineEntry,
)

__version__ = "0.1.0"

hookimpl = pluggy.HookimplMarker("portal")

#: The shop of the current request (``None`` outside shop pages).
current_shop = LocalProxy(lambda: g.get("shop"))


def create_app(*args, **kwargs):
    from portal.app import create_app as _create_app

    return _create_app(*args, **kwargs)


__all__ = ["PLUGIN_API_VERSION", "CustomerSegment", "DeliveryOption", "Destination", "Discount", "DiscountOffer", "DiscountRefusal", "NavItem", "PluginInfo", "TimelineEntry", "__version__", "create_app", "current_shop", "hookimpl"]
