"""The shop's back office: the dashboard, its menu, and the Modules page.

On the Modules page the owner switches each plugin the platform allows on or
off (no page reload with htmx, a plain form post without it), edits its
settings form and clears the last error a plugin reported. Staff may look;
only the owner may change anything.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import BooleanField

from portal.core.db import db, utcnow
from portal.core.models import STAFF_ROLES, ShopModule
from portal.core.permissions import is_owner, owner_required, role_in, staff_required
from portal.core.plugins import plugin_settings, registry
from portal.core.shops import set_module_enabled
from portal.htmx import render_page, wants_fragment

bp = Blueprint("manage", __name__, url_prefix="/s/<shop_slug>/manage")


# ---------------------------------------------------------------------------
# the back-office menu
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class MenuLink:
    """A core page in the back-office menu; ``roles`` are the shop roles that see it."""

    endpoint: str
    label: Any
    order: int = 50
    roles: tuple[str, ...] = STAFF_ROLES


# Core's back-office pages. Other areas add theirs with one line here (or
# ``BACK_OFFICE_MENU.append`` from their module), e.g.
# ``MenuLink("orders.queue", _l("Orders"), order=10)``. A link whose endpoint is
# not registered is left out, so the menu never breaks while an area is missing.
BACK_OFFICE_MENU: list[MenuLink] = [
    MenuLink("manage.dashboard", _l("Dashboard"), order=0),
    MenuLink("manage.modules", _l("Modules"), order=90),
]


@dataclass(frozen=True)
class MenuEntry:
    label: Any
    url: str
    current: bool = False
    badge: int | None = None


@bp.app_template_global("back_office_menu")
def back_office_menu() -> list[MenuEntry]:
    """Core links for the user's role, then the enabled plugins' ``portal_owner_nav_items``."""
    shop = g.get("shop")
    role = role_in(shop)
    if shop is None or role not in STAFF_ROLES:
        return []
    seen = set()
    core = []
    for link in sorted(BACK_OFFICE_MENU, key=lambda link: link.order):
        if link.endpoint in seen or role not in link.roles or link.endpoint not in current_app.view_functions:
            continue
        seen.add(link.endpoint)
        core.append((link.order, MenuEntry(link.label, url_for(link.endpoint), request.endpoint == link.endpoint)))
    user = current_user._get_current_object()
    plugins = [
        (item.order, MenuEntry(item.label, item.url, request.path == item.url, item.badge))
        for item in registry().nav_items("portal_owner_nav_items", shop, user)
    ]
    return [entry for _order, entry in sorted(core + plugins, key=lambda pair: pair[0])]


@bp.get("/")
@staff_required
def dashboard():
    return render_template("manage/dashboard.html", shop=g.shop)


# ---------------------------------------------------------------------------
# the Modules page
# ---------------------------------------------------------------------------

ROLE_LABELS = {
    "customer": _l("customers"),
    "owner": _l("owner"),
    "staff": _l("staff"),
    "supplier": _l("suppliers"),
    "courier": _l("couriers"),
}


class ModuleSwitchForm(FlaskForm):
    """One plugin's on/off switch (its own prefix, so many fit on one page)."""

    enabled = BooleanField(_l("Switched on"))


class ClearErrorForm(FlaskForm):
    """Only the CSRF token: clearing an error carries no other data."""


@dataclass
class ModuleView:
    """What the Modules page shows for one plugin."""

    name: str
    info: Any
    enabled: bool
    can_edit: bool
    switch_form: ModuleSwitchForm
    settings_form: FlaskForm | None
    error: str = ""
    error_at: dt.datetime | None = None
    switch_notice: str = ""
    settings_notice: str = ""
    error_notice: str = ""

    @property
    def roles(self) -> str:
        return ", ".join(str(ROLE_LABELS.get(r, r)) for r in self.info.roles)


def _available(name: str):
    """The installed plugin ``name`` if the platform lets shops use it; 404 otherwise."""
    reg = registry()
    plugin = reg.plugins.get(name)
    if plugin is None or not reg.platform_allowed().get(name):
        abort(404)
    return plugin


def _saved_settings(row: ShopModule | None) -> dict:
    return dict(row.settings or {}) if row is not None else {}


def _module_view(shop, plugin, row: ShopModule | None, settings_form=None, **notices) -> ModuleView:
    reg = registry()
    raw = _saved_settings(row)
    form_class = plugin.info.settings_form
    if settings_form is None and form_class is not None:
        # ``formdata=None``: on a POST to another form of this page the request's
        # fields must not leak into this one.
        settings_form = form_class(prefix=f"settings-{plugin.name}", formdata=None, data=plugin_settings(shop, plugin.name))
    enabled = reg.is_enabled(shop, plugin.name)
    error_at = raw.get("_last_error_at")
    try:
        error_at = dt.datetime.fromisoformat(error_at) if error_at else None
    except ValueError:
        error_at = None
    return ModuleView(
        name=plugin.name,
        info=plugin.info,
        enabled=enabled,
        can_edit=is_owner(shop),
        switch_form=ModuleSwitchForm(prefix=f"switch-{plugin.name}", formdata=None, data={"enabled": enabled}),
        settings_form=settings_form,
        error=raw.get("_last_error", ""),
        error_at=error_at,
        **notices,
    )


def _one(shop, plugin, **kwargs) -> ModuleView:
    return _module_view(shop, plugin, ShopModule.get_or_none(shop=shop, plugin=plugin.name), **kwargs)


def module_views(shop) -> list[ModuleView]:
    reg = registry()
    allowed = reg.platform_allowed()
    rows = {m.plugin: m for m in ShopModule.select().where(ShopModule.shop == shop)}
    views = [
        _module_view(shop, plugin, rows.get(name))
        for name, plugin in reg.plugins.items()
        if allowed.get(name)
    ]
    return sorted(views, key=lambda v: str(v.info.label).lower())


def _modules_page(status: int = 200, replace: ModuleView | None = None):
    views = module_views(g.shop)
    if replace is not None:
        views = [replace if v.name == replace.name else v for v in views]
    return render_page("manage/modules.html", "manage/_modules.html", shop=g.shop, modules=views), status


def _back_to(name: str):
    return redirect(url_for("manage.modules", _anchor=f"module-{name}"), code=303)


@bp.get("/modules")
@staff_required
def modules():
    return _modules_page()


@bp.post("/modules/<name>/switch")
@owner_required
def switch_module(name: str):
    plugin = _available(name)
    shop = g.shop
    form = ModuleSwitchForm(prefix=f"switch-{name}")
    if not form.validate_on_submit():
        abort(400)
    reg = registry()
    was_enabled = reg.is_enabled(shop, name)
    enabled = bool(form.enabled.data)
    set_module_enabled(shop, name, enabled)  # commits; the event below must follow the commit
    reg.forget_request_cache()
    if enabled != was_enabled:
        # The plugin just switched off hears it too (to pause its work); other
        # switched-off plugins of this shop are not called at all.
        reg.call_isolated(
            "portal_shop_module_toggled", shop, include=(name,),
            shop=shop, plugin=name, enabled=enabled, user=current_user._get_current_object(),
        )
    notice = (
        _("%(label)s is on: your customers see it now.", label=plugin.info.label)
        if enabled else _("%(label)s is off: hidden from your shop, its data is kept.", label=plugin.info.label)
    )
    if wants_fragment():
        return render_template("manage/_module_switch.html", m=_one(shop, plugin, switch_notice=notice))
    flash(notice, "success")
    return _back_to(name)


def _settings_values(form: FlaskForm) -> dict:
    values = {}
    for field in form:
        if field.type in ("CSRFTokenField", "SubmitField"):
            continue
        values[field.short_name] = field.data
    return values


def save_module_settings(shop, plugin: str, values: dict) -> ShopModule:
    """Store a plugin's settings for ``shop``, keeping core's ``_``-prefixed bookkeeping keys."""
    info = registry().plugins[plugin].info
    with db.atomic():
        row, _created = ShopModule.get_or_create(shop=shop, plugin=plugin, defaults={"enabled": info.default_enabled})
        kept = {k: v for k, v in (row.settings or {}).items() if k.startswith("_")}
        row.settings = {**kept, **{k: v for k, v in values.items() if not k.startswith("_")}}
        row.updated_at = utcnow()
        row.save()
    return row


def clear_module_error(shop, plugin: str):
    with db.atomic():
        row = ShopModule.get_or_none(shop=shop, plugin=plugin)
        if row is not None and row.settings:
            row.settings = {k: v for k, v in row.settings.items() if k not in ("_last_error", "_last_error_at")}
            row.save()


@bp.post("/modules/<name>/settings")
@owner_required
def save_settings(name: str):
    plugin = _available(name)
    if plugin.info.settings_form is None:
        abort(404)
    shop = g.shop
    form = plugin.info.settings_form(prefix=f"settings-{name}")
    if form.validate_on_submit():
        save_module_settings(shop, name, _settings_values(form))
        notice = _("Settings saved.")
        if wants_fragment():
            return render_template("manage/_module_settings.html", m=_one(shop, plugin, settings_notice=notice))
        flash(notice, "success")
        return _back_to(name)
    # Invalid: the same form goes back with its errors and what was typed.
    view = _one(shop, plugin, settings_form=form)
    if wants_fragment():
        return render_template("manage/_module_settings.html", m=view)
    return _modules_page(status=200, replace=view)


@bp.post("/modules/<name>/clear-error")
@owner_required
def clear_error(name: str):
    plugin = _available(name)
    if not ClearErrorForm().validate_on_submit():
        abort(400)
    clear_module_error(g.shop, name)
    notice = _("Error cleared.")
    if wants_fragment():
        return render_template("manage/_module_error.html", m=_one(g.shop, plugin, error_notice=notice))
    flash(notice, "success")
    return _back_to(name)
