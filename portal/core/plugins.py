"""The plugin manager: discovery, start-up checks, per-shop switching and template slots.

One ``PluginRegistry`` per app (``app.extensions["portal"]``). Plugins are found in
the ``portal.plugins`` entry-point group — built-ins the same way as third-party
packages — and each is checked on its own, so one broken plugin is refused with
a reason while the portal starts without it.
"""
from __future__ import annotations

import copy
import importlib.metadata
import inspect
import logging
import traceback
from dataclasses import dataclass

import pluggy
from flask import Flask, current_app, g, has_request_context
from flask_babel import get_locale
from markupsafe import Markup
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import Version
from werkzeug.local import LocalProxy

from portal import hookspecs
from portal.core import changes
from portal.core.db import Model, utcnow
from portal.plugin_api import PLUGIN_API_VERSION, PluginInfo

log = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "portal.plugins"
SLOT_PREFIX = "portal_slot_"


class UnknownSlot(LookupError):
    """A template asked for a slot no hook declares (a typo would otherwise hide silently)."""


class PluginHookFailed(Exception):
    """A plugin raised in a hook whose writes belong to the caller's transaction (``call_in_transaction``).

    The caller must roll its transaction back; ``trace`` is the plugin's traceback, for
    ``PluginRegistry.report_error`` once the rollback is done.
    """

    def __init__(self, plugin_name: str, hook_name: str, trace: str):
        super().__init__(f"plugin {plugin_name!r} failed in {hook_name}")
        self.plugin_name = plugin_name
        self.hook_name = hook_name
        self.trace = trace


@dataclass
class LoadedPlugin:
    name: str
    module: object
    info: PluginInfo
    distribution: str | None = None


def discover_entry_points():
    return list(importlib.metadata.entry_points(group=ENTRY_POINT_GROUP))


def slot_names() -> list[str]:
    return sorted(
        name[len(SLOT_PREFIX):] for name in dir(hookspecs) if name.startswith(SLOT_PREFIX)
    )


class PluginRegistry:
    def __init__(self, app: Flask):
        self.app = app
        self.pm = pluggy.PluginManager("portal")
        self.pm.add_hookspecs(hookspecs)
        self.plugins: dict[str, LoadedPlugin] = {}
        self.refused: dict[str, str] = {}
        self.blueprint_plugin: dict[str, str] = {}
        self._slots = set(slot_names())
        # Per-request caches live on ``g``; a test that keeps one app context
        # open across requests would otherwise see the previous request's
        # switches, so every request starts from a clean cache.
        app.before_request(self.forget_request_cache)
        # The switches' rows, kept per process until anything is written (portal.core.changes):
        # two queries fewer on every page. The dicts are shared, so nobody may change them.
        self._switches = changes.GenerationCache()

    # -- loading ---------------------------------------------------------
    def load(self, extra_plugins=(), use_entry_points: bool = True, skip=()):
        """Register plugins from entry points and ``extra_plugins`` (module or object)."""
        candidates = []
        if use_entry_points:
            for ep in discover_entry_points():
                candidates.append((ep.name, ep, getattr(ep.dist, "name", None)))
        for obj in extra_plugins:
            candidates.append((getattr(obj, "__name__", repr(obj)).rsplit(".", 1)[-1], obj, None))
        for name, source, dist in candidates:
            if name in skip:
                continue
            self._load_one(name, source, dist)

    def _load_one(self, name: str, source, dist):
        try:
            module = source.load() if hasattr(source, "load") and hasattr(source, "group") else source
        except Exception as exc:  # noqa: BLE001 - an import error must not stop the portal
            self._refuse(name, f"import failed: {exc!r}")
            return
        if name in self.plugins and self.plugins[name].module is module:
            # Listed twice (an entry point and an explicit ``plugins=``): load it once.
            return
        try:
            self.pm.register(module, name=name)
        except Exception as exc:  # noqa: BLE001 - refuse this plugin, start without it
            self._refuse(name, f"registration failed: {exc}")
            return
        info, reason = self._check(name)
        if reason:
            self.pm.unregister(name=name)
            self._refuse(name, reason)
            return
        self.plugins[name] = LoadedPlugin(name=name, module=module, info=info, distribution=dist)

    def _check(self, name: str) -> tuple[PluginInfo | None, str | None]:
        for hook_name in self.pm.hook.__dict__:
            if hook_name.startswith("_"):
                continue
            hook = getattr(self.pm.hook, hook_name)
            if not hook.has_spec() and any(
                i.plugin_name == name and not i.optionalhook for i in hook.get_hookimpls()
            ):
                return None, f"plugin {name!r} implements unknown hook {hook_name!r} (not in portal.hookspecs)"
        try:
            self.pm.check_pending()
        except pluggy.PluginValidationError as exc:  # another plugin's leftovers; never ours
            return None, f"unknown hook: {exc}"
        try:
            info = self.call_one(name, "portal_register_plugin")
        except Exception as exc:  # noqa: BLE001
            return None, f"portal_register_plugin raised {exc!r}"
        if not isinstance(info, PluginInfo):
            return None, "no PluginInfo returned by portal_register_plugin"
        if info.name != name:
            return None, f"PluginInfo.name {info.name!r} differs from the entry-point name {name!r}"
        try:
            spec = SpecifierSet(info.api)
        except InvalidSpecifier:
            return None, f"invalid plugin API range {info.api!r}"
        if Version(PLUGIN_API_VERSION) not in spec:
            return None, f"needs plugin API {info.api}, this portal provides {PLUGIN_API_VERSION}"
        try:
            models = self.call_one(name, "portal_register_models") or []
        except Exception as exc:  # noqa: BLE001
            return None, f"portal_register_models raised {exc!r}"
        bad = [m for m in models if not (isinstance(m, type) and issubclass(m, Model))]
        if bad:
            return None, f"portal_register_models returned non-models {bad!r} (subclass portal.core.db.Model)"
        return info, None

    def _refuse(self, name: str, reason: str):
        self.refused[name] = reason
        log.error("plugin %r refused: %s", name, reason)

    def unload(self, name: str, reason: str):
        """Refuse a plugin after start-up checks (e.g. its migration failed)."""
        if name in self.plugins:
            self.pm.unregister(name=name)
            del self.plugins[name]
        self._refuse(name, reason)

    def plugin_models(self) -> dict[str, list[type]]:
        """Each loaded plugin's models (``portal_register_models``), for backups and exports."""
        return {name: list(models or []) for name, models in self.call_each("portal_register_models")}

    # -- calling ----------------------------------------------------------
    def _impls(self, hook_name: str):
        return getattr(self.pm.hook, hook_name).get_hookimpls()

    def call_one(self, plugin_name: str, hook_name: str, **kwargs):
        """Call ``hook_name`` on one plugin only; ``None`` if it does not implement it."""
        for impl in self._impls(hook_name):
            if impl.plugin_name == plugin_name:
                return impl.function(**{a: kwargs[a] for a in impl.argnames})
        return None

    def call_each(self, hook_name: str, **kwargs):
        """``(plugin_name, result)`` for every loaded plugin implementing a setup hook."""
        out = []
        for impl in reversed(self._impls(hook_name)):
            if impl.plugin_name in self.plugins:
                out.append((impl.plugin_name, impl.function(**{a: kwargs[a] for a in impl.argnames})))
        return out

    # -- per-shop switching ----------------------------------------------
    def forget_request_cache(self):
        """Drop the request's cached switches (after a switch was flipped, or a new request)."""
        if not has_request_context():
            return
        for key in [k for k in g if k.startswith("_portal_")]:
            g.pop(key, None)

    def platform_allowed(self) -> dict[str, bool]:
        from portal.core.models import PlatformPlugin

        cache = g.get("_portal_allowed") if has_request_context() else None
        if cache is not None:
            return cache
        rows = self._switches.get("platform", lambda: {
            p.name: p.allowed for p in PlatformPlugin.select(PlatformPlugin.name, PlatformPlugin.allowed)},
            scope=changes.GLOBAL)
        allowed = {}
        for name, plugin in self.plugins.items():
            # Plugins shipped with the portal are allowed until the admin says
            # otherwise; a third party's waits for the admin's decision.
            allowed[name] = rows.get(name, plugin.distribution in (None, "portal"))
        if has_request_context():
            g._portal_allowed = allowed
        return allowed

    def enabled_for(self, shop) -> set[str]:
        """Names of the plugins switched on for ``shop`` (cached for the request)."""
        from portal.core.models import ShopModule

        if shop is None:
            return set()
        key = f"_portal_enabled_{shop.id}"
        if has_request_context() and key in g:
            return g.get(key)
        allowed = self.platform_allowed()
        rows = self._switches.get(("shop", shop.id), lambda: {
            m.plugin: m.enabled
            for m in ShopModule.select(ShopModule.plugin, ShopModule.enabled).where(ShopModule.shop == shop)},
            scope=changes.GLOBAL)
        enabled = {
            name
            for name, plugin in self.plugins.items()
            if allowed.get(name) and rows.get(name, plugin.info.default_enabled)
        }
        if has_request_context():
            setattr(g, key, enabled)
        return enabled

    def is_enabled(self, shop, plugin_name: str) -> bool:
        return plugin_name in self.enabled_for(shop)

    def hooks_for(self, shop):
        """A hook relay that reaches only the plugins ``shop`` has switched on."""
        disabled = [name for name in self.plugins if name not in self.enabled_for(shop)]
        return _SubsetRelay(self.pm, disabled)

    def call_isolated(self, hook_name: str, shop, /, *, include=(), **kwargs) -> list[tuple[str, object]]:
        """Call a per-request hook on the shop's enabled plugins, one at a time.

        A plugin that raises is logged and reported on the Modules page; the
        others' results still come back, so the page still renders.
        ``include`` names plugins to reach even though they are off (the plugin
        just switched off hears about it once).
        """
        enabled = self.enabled_for(shop) | {n for n in include if n in self.plugins}
        kwargs = _real_objects(kwargs)
        results = []
        for impl in reversed(self._impls(hook_name)):
            if impl.plugin_name not in enabled:
                continue
            try:
                value = impl.function(**{a: kwargs.get(a) for a in impl.argnames})
            except Exception:  # noqa: BLE001 - isolate the plugin, keep the page
                self.report_error(shop, impl.plugin_name, hook_name, traceback.format_exc())
                continue
            if value is not None:
                results.append((impl.plugin_name, value))
        return results

    def call_in_transaction(self, hook_name: str, shop, /, **kwargs):
        """Call a hook whose writes belong to the caller's transaction, on the shop's enabled plugins.

        Unlike ``call_isolated``, a plugin that raises is not skipped: its writes may be
        half done, and committing the caller's with them is what such a hook exists to
        prevent. The first exception stops the call and comes out as
        :class:`PluginHookFailed`; the caller rolls back, then reports it with
        ``report_error`` (a report written inside the transaction would be rolled back too).

        A generator of ``(plugin_name, result)`` for the non-``None`` results: plugins are
        called one at a time as it is iterated, so a caller that stops at a refusal does
        not call the rest.
        """
        enabled = self.enabled_for(shop)
        kwargs = _real_objects(kwargs)
        for impl in reversed(self._impls(hook_name)):
            if impl.plugin_name not in enabled:
                continue
            try:
                value = impl.function(**{a: kwargs.get(a) for a in impl.argnames})
            except Exception as exc:  # noqa: BLE001 - the caller rolls back and reports it
                raise PluginHookFailed(impl.plugin_name, hook_name, traceback.format_exc()) from exc
            if value is not None:
                yield impl.plugin_name, value

    def set_platform_allowed(self, name: str, allowed: bool, user=None) -> None:
        """The platform admin's allow-list switch for ``name``, heard by the plugin in each shop it reaches.

        For a shop whose own switch is on, allowing or disallowing the plugin for the
        whole platform turns it on or off there just as the owner's switch does, so the
        plugin is told the same way (``portal_shop_module_toggled``, after the commit): a
        plugin that keeps a summary of the events it hears must learn that it missed some.
        """
        from portal.core.models import Shop, ShopModule
        from portal.core.shops import set_platform_plugin_allowed

        was_allowed = self.platform_allowed().get(name, False)
        set_platform_plugin_allowed(name, allowed)  # commits; the event below must follow it
        self.forget_request_cache()
        if was_allowed == allowed or name not in self.plugins:
            return  # a name not installed yet (allowed ahead of its install) has nobody to tell
        default = self.plugins[name].info.default_enabled
        switches = dict(ShopModule.select(ShopModule.shop, ShopModule.enabled)
                        .where(ShopModule.plugin == name).tuples())
        for shop in Shop.select().order_by(Shop.id):
            if switches.get(shop.id, default):
                self.call_isolated("portal_shop_module_toggled", shop, include=(name,),
                                   shop=shop, plugin=name, enabled=allowed, user=user)

    def report_error(self, shop, plugin_name: str, hook_name: str, trace: str):
        from portal.core.models import ShopModule

        log.error("plugin %r failed in %s for shop %s:\n%s", plugin_name, hook_name, getattr(shop, "slug", None), trace)
        if shop is None:
            return
        message = f"{hook_name}: {trace.strip().splitlines()[-1]}"[:500]
        try:
            row, _ = ShopModule.get_or_create(
                shop=shop, plugin=plugin_name,
                defaults={"enabled": self.plugins[plugin_name].info.default_enabled},
            )
            row.settings = {**(row.settings or {}), "_last_error": message, "_last_error_at": utcnow().isoformat()}
            row.save()
        except Exception:  # reporting must never break the page either
            log.exception("could not record plugin error")

    def render_slot(self, name: str, shop=None, /, **kwargs) -> Markup:
        if name not in self._slots:
            raise UnknownSlot(f"unknown template slot {name!r}; known: {sorted(self._slots)}")
        parts = self.call_isolated(SLOT_PREFIX + name, shop, **{"shop": shop, **kwargs})
        return Markup("\n").join(Markup(html) for _, html in parts)

    def account_nav_items(self, user):
        """``portal_account_nav_items`` of every platform-allowed plugin (not tied to a shop)."""
        if user is None:
            return []
        allowed = self.platform_allowed()
        items = []
        for impl in reversed(self._impls("portal_account_nav_items")):
            if not allowed.get(impl.plugin_name):
                continue
            try:
                value = impl.function(**{a: user for a in impl.argnames})
            except Exception:  # noqa: BLE001 - a broken plugin must not take every page down
                log.exception("plugin %s failed in portal_account_nav_items", impl.plugin_name)
                continue
            items.extend(value or [])
        return sorted(items, key=lambda i: (i.order, str(i.label)))

    def nav_items(self, hook_name: str, shop, user):
        # Menus are on every page and their badges are counts (one query per plugin):
        # kept per process until anything is written. Keyed by language too, in case a
        # plugin hands over an already translated label instead of a lazy one.
        def build():
            items = []
            for _, value in self.call_isolated(hook_name, shop, shop=shop, user=user):
                items.extend(value)
            return tuple(sorted(items, key=lambda i: (i.order, str(i.label))))

        key = (hook_name, getattr(shop, "id", None), getattr(user, "id", None), str(get_locale()),
               frozenset(self.enabled_for(shop)))
        return list(self._switches.get(key, build))


def _real_objects(kwargs: dict) -> dict:
    # Hand plugins the real objects: a ``current_user`` proxy kept by a plugin
    # would later resolve to whoever is logged in then (or to nobody).
    return {k: v._get_current_object() if isinstance(v, LocalProxy) else v for k, v in kwargs.items()}


class _SubsetRelay:
    def __init__(self, pm, disabled):
        self._pm = pm
        self._disabled = disabled

    def __getattr__(self, name):
        if not self._disabled:
            return getattr(self._pm.hook, name)
        return self._pm.subset_hook_caller(name, remove_plugins=[self._pm.get_plugin(n) for n in self._disabled])


def registry() -> PluginRegistry:
    return current_app.extensions["portal"]


def hooks_for(shop):
    """Public service: ``hooks_for(shop).portal_x(...)`` reaches that shop's enabled plugins."""
    return registry().hooks_for(shop)


# Read by plugins on most of their fragments; kept per process until anything is written.
_settings = changes.GenerationCache(max_entries=4096, scope=changes.GLOBAL)


def plugin_settings(shop, plugin_name: str) -> dict:
    """Public service: a plugin's saved settings for ``shop`` (form defaults filled in)."""
    from portal.core.models import ShopModule

    stored = _settings.get((shop.id, plugin_name), lambda: ShopModule.select(ShopModule.settings).where(
        (ShopModule.shop == shop.id) & (ShopModule.plugin == plugin_name)).scalar())
    saved = {k: copy.deepcopy(v) for k, v in (stored or {}).items() if not k.startswith("_")}
    info = registry().plugins[plugin_name].info
    defaults = {}
    if info.settings_form is not None:
        for name, field in inspect.getmembers(info.settings_form):
            kwargs = getattr(field, "kwargs", None)
            if isinstance(kwargs, dict) and hasattr(field, "field_class"):
                default = kwargs.get("default")
                defaults[name] = default() if callable(default) else default
    return {**defaults, **saved}
