"""A throwaway plugin for the plugin-system tests, and a builder for one-off test plugins.

``throwaway_plugin`` fills the profile slot, adds a storefront link, serves a page
and listens to module switches; it records every call with the shop it was for,
so a test can prove a switched-off plugin is never asked. Its name is the
module's name, as ``create_app(plugins=[...])`` derives it.
"""
from __future__ import annotations

import types

from flask import Blueprint, g, url_for
from flask_wtf import FlaskForm
from markupsafe import Markup
from wtforms import IntegerField
from wtforms.validators import NumberRange, Optional

from portal import NavItem, PluginInfo, hookimpl

NAME = "throwaway_plugin"
FRAGMENT = '<p class="throwaway-fragment">throwaway fragment</p>'
LINK_TEXT = "Throwaway link"

#: ``(what, shop slug, extra)`` for every call, in order; tests clear it first.
CALLS: list[tuple] = []

bp = Blueprint(NAME, __name__, url_prefix=f"/s/<shop_slug>/{NAME}")


@bp.get("/")
def page():
    CALLS.append(("page", g.shop.slug, None))
    return "throwaway page"


class ThrowawaySettings(FlaskForm):
    per_page = IntegerField("Entries per page", default=10, validators=[Optional(), NumberRange(min=1, max=50)])


@hookimpl
def portal_register_plugin():
    return PluginInfo(
        name=NAME, label="Throwaway", version="0.0.1", description="A plugin that only tests use.",
        roles=("customer",), settings_form=ThrowawaySettings,
    )


@hookimpl
def portal_register_blueprints():
    return [bp]


@hookimpl
def portal_slot_shop_profile_main(shop, user):
    CALLS.append(("portal_slot_shop_profile_main", shop.slug, user))
    return Markup(FRAGMENT)


@hookimpl
def portal_shop_nav_items(shop, user):
    CALLS.append(("portal_shop_nav_items", shop.slug, user))
    return [NavItem(LINK_TEXT, url_for(f"{NAME}.page", shop_slug=shop.slug))]


@hookimpl
def portal_shop_module_toggled(shop, plugin, enabled, user):
    CALLS.append(("portal_shop_module_toggled", shop.slug, (plugin, enabled, user.email)))


def shop_calls(slug: str) -> list[tuple]:
    return [c for c in CALLS if c[1] == slug]


def make_plugin(name: str, *hooks, **info):
    """A plugin module named ``name`` implementing ``hooks`` (plain functions named after hooks).

    It describes itself with a ``PluginInfo`` built from ``info`` unless one of
    ``hooks`` is ``portal_register_plugin``.
    """
    module = types.ModuleType(name)
    fields = {"label": name.title(), "version": "0.1", "description": f"{name} (test plugin)", **info}

    def portal_register_plugin():
        return PluginInfo(name=name, **fields)

    for fn in (portal_register_plugin, *hooks):
        setattr(module, fn.__name__, hookimpl(fn))
    return module
