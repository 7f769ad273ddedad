"""The application factory: configuration, database, extensions, plugins, views."""
from __future__ import annotations

import logging
from typing import ClassVar

import peewee
from flask import Flask, g, render_template, request
from flask.json.tag import TaggedJSONSerializer, TagMarkup
from flask_login import LoginManager, current_user
from flask_wtf.csrf import CSRFProtect
from markupsafe import Markup
from werkzeug.middleware.proxy_fix import ProxyFix

from portal import config as config_mod
from portal import htmx, i18n, static_assets
from portal.config import ROOT
from portal.core import changes, ratelimit
from portal.core.db import db, init_db
from portal.core.jobs import Jobs
from portal.core.plugins import PluginRegistry
from portal.web import page_cache

log = logging.getLogger(__name__)

csrf = CSRFProtect()

# A strict policy: no inline script or style anywhere, so injected markup cannot run.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)


def create_app(config: dict | None = None, plugins=(), use_entry_points: bool = True) -> Flask:
    """Build a portal app.

    :param config: overrides on top of the ``PORTAL_*`` environment.
    :param plugins: extra plugin modules/objects to register (tests, embedding).
    :param use_entry_points: discover plugins from the ``portal.plugins`` group.
    """
    app = Flask(
        "portal",
        root_path=str(ROOT / "portal"),
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
        instance_path=str(ROOT / "instance"),
    )
    app.config.update(config_mod.from_env(**(config or {})))
    if app.config["TRUSTED_PROXIES"]:
        n = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)

    init_db(app.config["DATABASE_URL"], pool=app.config.get("DATABASE_POOL", False))
    _init_connection_handling(app)

    registry = PluginRegistry(app)
    registry.load(extra_plugins=plugins, use_entry_points=use_entry_points, skip=app.config["PLUGINS_DISABLED"])
    app.extensions["portal"] = registry
    _note_shop_tables(registry)

    htmx.init_app(app)
    extra_dirs = [d for _, d in registry.call_each("portal_register_translations") if d]
    i18n.init_app(app, extra_dirs)
    csrf.init_app(app)
    ratelimit.init_app(app)
    Jobs().init_app(app)
    _init_login(app)
    _init_templates(app, registry)

    from portal.web import register_views

    register_views(app)
    for plugin_name, blueprints in registry.call_each("portal_register_blueprints"):
        for bp in blueprints or []:
            app.register_blueprint(bp)
            registry.blueprint_plugin[bp.name] = plugin_name

    app.session_interface.serializer = _PlainTextSessionSerializer()
    static_assets.init_app(app)
    page_cache.init_app(app)
    _init_security_headers(app)
    _init_error_pages(app)
    return app


def _note_shop_tables(registry: PluginRegistry):
    # Which tables hold a shop's rows, so one shop's writes leave other shops' cached pages alone.
    from portal.core import models, orders

    plugin_models = [m for found in registry.plugin_models().values() for m in found]
    changes.note_models([*models.CORE_MODELS, *orders.ORDER_MODELS, *plugin_models])


def _init_connection_handling(app: Flask):
    # peewee connects on first use, so a request that never touches the database
    # (static files) costs no connection; teardown hands it back.
    @app.teardown_appcontext
    def _close(exc):
        if not db.is_closed():
            db.close()


def _init_login(app: Flask):
    from portal.core.models import User

    manager = LoginManager(app)
    manager.login_view = "auth.login"
    manager.login_message = None
    # "strong" would log out users whose mobile IP changes mid-session;
    # token rotation already ends stolen sessions on log-out.
    manager.session_protection = "basic"

    # Every logged-in request starts here: keep the row per process until a global write.
    users = changes.GenerationCache(scope=changes.GLOBAL)

    @manager.user_loader
    def load_user(token: str):
        try:
            return users.get_instance(token, User, lambda: User.get_or_none(
                (User.auth_token == token) & (User.is_active_flag == True)))  # noqa: E712
        except (peewee.OperationalError, peewee.InterfaceError):
            # Database down: treat as anonymous so the 503 page itself can render.
            return None


def _init_templates(app: Flask, registry: PluginRegistry):
    from portal.core.permissions import role_in

    def slot(name: str, **kwargs):
        kwargs.setdefault("user", current_user if current_user.is_authenticated else None)
        shop = kwargs.pop("shop", None) or g.get("shop")
        return registry.render_slot(name, shop, **kwargs)

    def nav_items(kind: str):
        user = current_user._get_current_object() if current_user.is_authenticated else None
        if kind == "account":
            return registry.account_nav_items(user)
        shop = g.get("shop")
        return registry.nav_items(f"portal_{kind}_nav_items", shop, user)

    def product_badges(products) -> dict:
        # One hook call per grid: a plugin answers for every card with one query.
        shop = g.get("shop")
        products = list(products)
        if shop is None or not products:
            return {}
        user = current_user if current_user.is_authenticated else None
        badges: dict = {}
        for _plugin, answer in registry.call_isolated("portal_product_card_badges", shop, shop=shop,
                                                       products=products, user=user):
            if not isinstance(answer, dict):
                continue
            for product_id, html in answer.items():
                if html:
                    badges[product_id] = badges.get(product_id, Markup()) + Markup(html)
        return badges

    app.jinja_env.globals.update(slot=slot, nav_items=nav_items, product_badges=product_badges)
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True

    @app.context_processor
    def _context():
        shop = g.get("shop")
        try:
            role = role_in(shop) if shop else None
        except (peewee.OperationalError, peewee.InterfaceError):
            # The database went away mid-request: the 503 page still has to render.
            role = None
        return {"current_shop": shop, "my_role": role}


class _PlainTextSessionSerializer(TaggedJSONSerializer):
    """The session serializer without its Markup tag.

    Flask restores anything with ``__html__`` (``Markup``, and Flask-Babel's lazy
    strings) from the session as ``Markup``, so a flash message built with
    ``_l("%(name)s ...", name=user_text)`` would come back *trusted* and render
    unescaped. Without the tag, every flashed message comes back as plain text.
    """

    default_tags: ClassVar[list] = [tag for tag in TaggedJSONSerializer.default_tags if tag is not TagMarkup]


def _init_security_headers(app: Flask):
    @app.after_request
    def _headers(response):
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Frame-Options", "DENY")
        if current_user.is_authenticated and not request.path.startswith("/static/"):
            # Personal pages must not be stored by shared caches.
            response.headers["Cache-Control"] = "private, no-store"
            response.vary.add("Cookie")
        return response


def _init_error_pages(app: Flask):
    def page(code: int):
        def handler(error):
            # htmx swaps error answers too (see responseHandling in _base.html):
            # a widget gets a short message in place, a navigation the full page.
            if htmx.wants_fragment():
                return render_template("errors/_fragment.html", code=code), code
            return render_template(f"errors/{code}.html", error=error), code

        return handler

    for code in (400, 403, 404, 405, 413, 429):
        app.register_error_handler(code, page(code))

    @app.errorhandler(peewee.OperationalError)
    @app.errorhandler(peewee.InterfaceError)
    def _db_down(error):
        log.error("database unavailable: %s", error)
        try:
            db.rollback()
        except Exception:
            pass
        return render_template("errors/503.html"), 503

    @app.errorhandler(500)
    def _server_error(error):
        return render_template("errors/500.html"), 500
