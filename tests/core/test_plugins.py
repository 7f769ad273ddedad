"""The plugin system: discovery, start-up checks, per-shop switching, slots and isolation.

Driven by ``throwaway_plugin`` (a slot, a nav link, a page) and by one-off
plugins built with ``make_plugin``; ``portal_plugins`` is parametrised per test
to hand them to ``create_app``.
"""
from __future__ import annotations

import logging

import pytest
import throwaway_plugin as tp
from flask import render_template_string
from throwaway_plugin import make_plugin

from portal.core.db import db
from portal.core.models import PlatformPlugin, ShopModule
from portal.core.plugins import UnknownSlot, discover_entry_points
from portal.plugin_api import PluginInfo
from portal.testing import make_test_app

THROWAWAY = [tp]
PROFILE = "/s/{}/profile"
PAGE = f"/s/{{}}/{tp.NAME}/"


@pytest.fixture
def portal_plugins():
    return THROWAWAY


@pytest.fixture(autouse=True)
def _english(monkeypatch):
    # These tests read English text; the Indonesian catalogue is tested elsewhere.
    monkeypatch.setattr("portal.i18n.DEFAULT_LOCALE", "en")


@pytest.fixture(autouse=True)
def _fresh_calls():
    tp.CALLS.clear()
    yield
    tp.CALLS.clear()


def registry(app):
    return app.extensions["portal"]


def text(response) -> str:
    return response.get_data(as_text=True)


# ---------------------------------------------------------------------------
# discovery and start-up checks
# ---------------------------------------------------------------------------


def test_entry_points_find_the_guestbook(portal_app):
    assert "guestbook" in [ep.name for ep in discover_entry_points()]
    loaded = registry(portal_app).plugins["guestbook"]
    # Found through the same entry-point group a third party's package uses.
    assert loaded.distribution == "portal"
    assert loaded.info.name == "guestbook"
    assert "guestbook" not in registry(portal_app).refused


def test_extra_plugins_are_loaded_beside_entry_points(portal_app):
    assert set(registry(portal_app).plugins) >= {"guestbook", tp.NAME}


def test_each_app_has_its_own_plugin_manager(portal_app, portal_database_url, tmp_path):
    first = registry(portal_app)
    db.close()  # the second app re-binds the shared database proxy
    try:
        other_app = make_test_app(portal_database_url, tmp_path / "other", plugins=[])
        second = registry(other_app)
        assert second.pm is not first.pm
        assert tp.NAME in first.plugins and tp.NAME not in second.plugins
        assert first.pm.get_plugin(tp.NAME) is tp and second.pm.get_plugin(tp.NAME) is None
    finally:
        db.close()


def unknown_hook_plugin():
    def portal_shop_exploded(shop):
        return "never called"

    return make_plugin("badhook", portal_shop_exploded)


@pytest.mark.parametrize("portal_plugins", [[unknown_hook_plugin(), tp]], ids=["unknown-hook"])
def test_plugin_with_unknown_hook_is_refused_and_the_app_starts(portal_app, client, shop, caplog):
    reason = registry(portal_app).refused["badhook"]
    assert "badhook" in reason and "portal_shop_exploded" in reason
    assert "badhook" not in registry(portal_app).plugins
    assert registry(portal_app).pm.get_plugin("badhook") is None
    # The other plugins and the portal itself still work.
    page = client.get(PROFILE.format(shop.slug))
    assert page.status_code == 200
    assert text(page).count(tp.FRAGMENT) == 1


def test_refusal_is_logged_with_plugin_and_hook(portal_database_url, tmp_path, caplog):
    with caplog.at_level(logging.ERROR, logger="portal.core.plugins"):
        app = make_test_app(portal_database_url, tmp_path, plugins=[unknown_hook_plugin()])
    try:
        messages = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
        assert any("badhook" in m and "portal_shop_exploded" in m for m in messages), messages
        assert "guestbook" in registry(app).plugins
    finally:
        db.close()


def _misnamed():
    def portal_register_plugin():
        return PluginInfo(name="someone-else", label="X", version="1", description="X")

    return make_plugin("misnamed", portal_register_plugin)


def _silent():
    def portal_register_plugin():
        return None

    return make_plugin("silent", portal_register_plugin)


def _bad_models():
    def portal_register_models():
        return [object]

    return make_plugin("badmodels", portal_register_models)


def _bad_arguments():
    def portal_shop_nav_items(shop, customer):
        return []

    return make_plugin("badargs", portal_shop_nav_items)


@pytest.mark.parametrize(
    ("plugin", "reason"),
    [
        (make_plugin("future", api=">=2.0"), "needs plugin API >=2.0"),
        (make_plugin("garbled", api="not a range"), "invalid plugin API range"),
        (_misnamed(), "differs from the entry-point name"),
        (_silent(), "no PluginInfo"),
        (_bad_models(), "non-models"),
        (_bad_arguments(), "registration failed"),
    ],
    ids=["api-too-new", "api-garbled", "name-mismatch", "no-info", "not-a-model", "unknown-argument"],
)
def test_plugin_failing_a_check_is_refused_and_the_app_starts(plugin, reason, portal_database_url, tmp_path):
    app = make_test_app(portal_database_url, tmp_path, plugins=[plugin])
    try:
        name = plugin.__name__
        assert reason in registry(app).refused[name]
        assert name not in registry(app).plugins
        assert registry(app).pm.get_plugin(name) is None
        assert "guestbook" in registry(app).plugins
        with app.test_client() as c:
            assert c.get("/healthz").status_code == 200
    finally:
        db.close()


# ---------------------------------------------------------------------------
# per-shop switching
# ---------------------------------------------------------------------------


def test_switched_off_plugin_shows_nothing_and_its_route_is_404(client, shop, disable_plugin):
    disable_plugin(shop, tp.NAME)
    page = client.get(PROFILE.format(shop.slug))
    assert page.status_code == 200
    assert tp.FRAGMENT not in text(page)
    assert tp.LINK_TEXT not in text(page)
    assert client.get(PAGE.format(shop.slug)).status_code == 404


def test_switched_on_plugin_shows_exactly_one_fragment(client, shop, enable_plugin):
    enable_plugin(shop, tp.NAME)
    page = client.get(PROFILE.format(shop.slug))
    assert page.status_code == 200
    assert text(page).count(tp.FRAGMENT) == 1
    assert text(page).count(tp.LINK_TEXT) == 1
    route = client.get(PAGE.format(shop.slug))
    assert route.status_code == 200 and text(route) == "throwaway page"


def test_switch_takes_effect_without_restart(client, shop, enable_plugin, disable_plugin):
    disable_plugin(shop, tp.NAME)
    assert tp.FRAGMENT not in text(client.get(PROFILE.format(shop.slug)))
    enable_plugin(shop, tp.NAME)
    assert text(client.get(PROFILE.format(shop.slug))).count(tp.FRAGMENT) == 1
    disable_plugin(shop, tp.NAME)
    assert tp.FRAGMENT not in text(client.get(PROFILE.format(shop.slug)))
    assert client.get(PAGE.format(shop.slug)).status_code == 404


def test_shops_switch_independently(client, shop, other_shop, enable_plugin, disable_plugin):
    enable_plugin(shop, tp.NAME)
    disable_plugin(other_shop, tp.NAME)
    assert text(client.get(PROFILE.format(shop.slug))).count(tp.FRAGMENT) == 1
    assert tp.FRAGMENT not in text(client.get(PROFILE.format(other_shop.slug)))
    assert client.get(PAGE.format(shop.slug)).status_code == 200
    assert client.get(PAGE.format(other_shop.slug)).status_code == 404


def test_default_state_is_the_plugins_declared_default(portal_app, client, shop):
    # A shop that never touched the switch gets ``PluginInfo.default_enabled`` (True here).
    assert not ShopModule.select().where(ShopModule.shop == shop).exists()
    assert text(client.get(PROFILE.format(shop.slug))).count(tp.FRAGMENT) == 1


def test_switched_off_plugin_receives_no_hook_call_for_that_shop(
    client, shop, other_shop, owner_client, enable_plugin, disable_plugin
):
    disable_plugin(shop, tp.NAME)
    enable_plugin(other_shop, tp.NAME)
    tp.CALLS.clear()
    for url in (f"/s/{shop.slug}/", PROFILE.format(shop.slug), f"/s/{shop.slug}/guestbook/"):
        assert client.get(url).status_code == 200
    assert owner_client.get(f"/s/{shop.slug}/manage/").status_code == 200
    client.get(PAGE.format(shop.slug))
    assert tp.shop_calls(shop.slug) == []
    # The same plugin still works for the shop that has it on.
    client.get(PROFILE.format(other_shop.slug))
    kinds = [c[0] for c in tp.shop_calls(other_shop.slug)]
    assert kinds.count("portal_slot_shop_profile_main") == 1
    assert "portal_shop_nav_items" in kinds


def test_platform_disallowed_plugin_is_404_and_not_listed(client, owner_client, shop, enable_plugin):
    enable_plugin(shop, tp.NAME)  # the shop's own switch says on ...
    PlatformPlugin.create(name=tp.NAME, allowed=False)  # ... but the platform says no
    assert client.get(PAGE.format(shop.slug)).status_code == 404
    page = client.get(PROFILE.format(shop.slug))
    assert tp.FRAGMENT not in text(page) and tp.LINK_TEXT not in text(page)
    modules = owner_client.get(f"/s/{shop.slug}/manage/modules")
    assert modules.status_code == 200
    assert 'id="module-guestbook"' in text(modules)
    assert f'id="module-{tp.NAME}"' not in text(modules)
    switch = owner_client.post(f"/s/{shop.slug}/manage/modules/{tp.NAME}/switch", data={f"switch-{tp.NAME}-enabled": "y"})
    assert switch.status_code == 404


def test_third_party_plugin_waits_for_the_platform_admin(portal_app, client, shop):
    reg = registry(portal_app)
    reg.plugins[tp.NAME].distribution = "acme-portal-extras"  # as if installed from another package
    assert client.get(PAGE.format(shop.slug)).status_code == 404
    PlatformPlugin.create(name=tp.NAME, allowed=True)
    assert client.get(PAGE.format(shop.slug)).status_code == 200


def test_hooks_for_reaches_only_the_shops_enabled_plugins(portal_app, shop, other_shop, disable_plugin):
    disable_plugin(shop, tp.NAME)
    reg = registry(portal_app)
    with portal_app.test_request_context():
        labels = [str(i.label) for items in reg.hooks_for(shop).portal_shop_nav_items(shop=shop, user=None) for i in items]
        assert tp.LINK_TEXT not in labels and "Guestbook" in labels
        assert tp.shop_calls(shop.slug) == []
    with portal_app.test_request_context():
        results = reg.hooks_for(other_shop).portal_shop_nav_items(shop=other_shop, user=None)
        assert tp.LINK_TEXT in [str(i.label) for items in results for i in items]
        assert [c[0] for c in tp.shop_calls(other_shop.slug)] == ["portal_shop_nav_items"]


# ---------------------------------------------------------------------------
# slots and isolation
# ---------------------------------------------------------------------------


def _raising():
    def portal_slot_shop_profile_main(shop):
        raise RuntimeError("kaboom in the profile slot")

    def portal_shop_nav_items(shop):
        raise ValueError("kaboom in the menu")

    return make_plugin("raising", portal_slot_shop_profile_main, portal_shop_nav_items)


@pytest.mark.parametrize("portal_plugins", [[_raising(), tp]], ids=["raising"])
def test_raising_plugin_is_isolated_logged_and_reported(portal_app, client, owner_client, shop, caplog):
    with caplog.at_level(logging.ERROR, logger="portal.core.plugins"):
        page = client.get(PROFILE.format(shop.slug))
    assert page.status_code == 200
    body = text(page)
    assert "kaboom" not in body
    # The well-behaved plugins still contribute their fragments and links.
    assert body.count(tp.FRAGMENT) == 1 and tp.LINK_TEXT in body
    assert 'id="guestbook"' in body
    logged = [r.getMessage() for r in caplog.records if r.name == "portal.core.plugins"]
    assert any("raising" in m and "portal_slot_shop_profile_main" in m and "kaboom" in m for m in logged)
    # Recorded for the owner, never for the plugin's settings form.
    row = ShopModule.get(shop=shop, plugin="raising")
    assert "kaboom" in row.settings["_last_error"]
    modules = text(owner_client.get(f"/s/{shop.slug}/manage/modules"))
    assert "kaboom" in modules and "_last_error" not in modules


@pytest.mark.parametrize("portal_plugins", [[_raising()]], ids=["raising"])
def test_raising_plugin_does_not_break_other_shops_or_the_owner(portal_app, client, other_shop, shop):
    assert client.get(f"/s/{other_shop.slug}/").status_code == 200
    assert client.get(PROFILE.format(shop.slug)).status_code == 200


def test_unknown_slot_name_raises(portal_app, shop):
    with portal_app.test_request_context(f"/s/{shop.slug}/"):
        with pytest.raises(UnknownSlot, match="shop_profile_mian"):
            render_template_string("{{ slot('shop_profile_mian', shop=shop) }}", shop=shop)
        # The correct name renders the enabled plugins' fragments.
        assert tp.FRAGMENT in render_template_string("{{ slot('shop_profile_main', shop=shop) }}", shop=shop)


def test_slot_output_is_markup_joined_in_plugin_order(portal_app, shop):
    reg = registry(portal_app)
    with portal_app.test_request_context():
        html = reg.render_slot("shop_profile_main", shop, user=None)
    assert html.__html__() == html  # Markup: Jinja does not escape it again
    # Plugin order is pluggy's calling order (the last registered is asked first).
    order = [i.plugin_name for i in reversed(reg.pm.hook.portal_slot_shop_profile_main.get_hookimpls())]
    marks = {"guestbook": 'id="guestbook"', tp.NAME: tp.FRAGMENT}
    positions = [html.index(marks[name]) for name in order if name in marks]
    assert len(positions) == 2 and positions == sorted(positions)


# ---------------------------------------------------------------------------
# every installed plugin declares itself properly
# ---------------------------------------------------------------------------

KNOWN_ROLES = {"customer", "owner", "staff", "supplier", "courier"}


@pytest.mark.parametrize("entry_point", sorted(ep.name for ep in discover_entry_points()))
def test_installed_plugin_metadata(portal_app, entry_point):
    from flask_wtf import FlaskForm
    from packaging.version import Version

    reg = registry(portal_app)
    assert entry_point in reg.plugins, reg.refused.get(entry_point)
    info = reg.plugins[entry_point].info
    Version(info.version)  # a real version number
    with portal_app.test_request_context(headers={"Accept-Language": "en"}):
        assert str(info.label).strip() and str(info.description).strip()
    assert info.roles and set(info.roles) <= KNOWN_ROLES
    if info.settings_form is not None:
        assert issubclass(info.settings_form, FlaskForm)
        with portal_app.test_request_context():
            names = [f.short_name for f in info.settings_form(formdata=None)]
        assert not [n for n in names if n.startswith("_")], "'_' keys are core's bookkeeping"
    # Its pages live under its own name, inside the shop (its storefront or its back office).
    for bp_name, plugin in reg.blueprint_plugin.items():
        if plugin == entry_point:
            bp = portal_app.blueprints[bp_name]
            assert bp.url_prefix.startswith((f"/s/<shop_slug>/{entry_point}", f"/s/<shop_slug>/manage/{entry_point}"))
