"""The back office: dashboard and menu, and the Modules page (switches, settings, errors) — who may and who may not."""
from __future__ import annotations

import types

import pytest
from flask_wtf import FlaskForm
from wtforms import IntegerField
from wtforms.validators import NumberRange

from portal import PluginInfo, hookimpl
from portal.core.models import PlatformPlugin, ShopModule
from portal.web import manage

BASE = "/s/workshop/manage"
MODULES = f"{BASE}/modules"
SWITCH = f"{MODULES}/guestbook/switch"
HX = {"HX-Request": "true"}
ON = {"switch-guestbook-enabled": "y"}
OFF: dict = {}


def text(response) -> str:
    return response.get_data(as_text=True)


class CounterSettings(FlaskForm):
    per_page = IntegerField("Entries per page", default=10, validators=[NumberRange(min=1, max=50)])


def _counter_plugin():
    """A plugin whose settings form can be invalid (the guestbook's only has a checkbox)."""
    module = types.ModuleType("counter")

    @hookimpl
    def portal_register_plugin():
        return PluginInfo(name="counter", label="Counter", version="3.1", description="Counts things.",
                          roles=("owner",), settings_form=CounterSettings)

    module.portal_register_plugin = portal_register_plugin
    return module


COUNTER = _counter_plugin()


@pytest.fixture
def portal_plugins():
    return [COUNTER]


@pytest.fixture(autouse=True)
def _english(monkeypatch):
    monkeypatch.setattr("portal.i18n.DEFAULT_LOCALE", "en")


def module_row(shop, name="guestbook"):
    return ShopModule.get_or_none(shop=shop, plugin=name)


# ---------------------------------------------------------------------------
# who may open what
# ---------------------------------------------------------------------------

PAGES = [BASE + "/", MODULES]
ACTIONS = [
    (SWITCH, OFF),
    (f"{MODULES}/guestbook/settings", {"settings-guestbook-require_approval": "y"}),
    (f"{MODULES}/guestbook/clear-error", {}),
]


@pytest.mark.parametrize("url", PAGES)
def test_owner_and_staff_open_the_back_office(owner_client, staff_client, url):
    assert owner_client.get(url).status_code == 200
    assert staff_client.get(url).status_code == 200


@pytest.mark.parametrize("url", PAGES)
def test_anonymous_is_sent_to_log_in(client, shop, url):
    response = client.get(url)
    assert response.status_code in (302, 303)
    assert response.headers["Location"].startswith("/login?next=")


@pytest.mark.parametrize("url", PAGES)
@pytest.mark.parametrize("who", ["customer_client", "supplier_client", "courier_client", "other_owner_client"])
def test_others_may_not_open_the_back_office(request, shop, who, url):
    assert request.getfixturevalue(who).get(url).status_code == 403


@pytest.mark.parametrize(("url", "data"), ACTIONS)
@pytest.mark.parametrize("who", ["staff_client", "customer_client", "other_owner_client"])
def test_only_the_owner_changes_modules(request, shop, who, url, data):
    assert request.getfixturevalue(who).post(url, data=data).status_code == 403
    assert module_row(shop) is None


@pytest.mark.parametrize(("url", "data"), ACTIONS)
def test_anonymous_changes_nothing(client, shop, url, data):
    response = client.post(url, data=data)
    assert response.status_code in (302, 303) and "/login" in response.headers["Location"]
    assert module_row(shop) is None


@pytest.mark.parametrize(("url", "data"), ACTIONS)
def test_actions_need_the_csrf_token(owner_client, shop, url, data):
    assert owner_client.post(url, data=data, csrf=False).status_code == 400
    assert module_row(shop) is None


def test_unknown_module_is_404(owner_client, shop):
    assert owner_client.post(f"{MODULES}/nothing/switch", data=ON).status_code == 404
    assert owner_client.post(f"{MODULES}/nothing/settings", data={}).status_code == 404


def test_unknown_shop_is_404(owner_client):
    assert owner_client.get("/s/nowhere/manage/modules").status_code == 404


# ---------------------------------------------------------------------------
# dashboard and menu
# ---------------------------------------------------------------------------


def test_dashboard_menu_and_cards(owner_client, shop):
    page = text(owner_client.get(BASE + "/"))
    menu = page[page.index('class="backoffice-menu"'):]
    menu = menu[:menu.index("</nav>")]
    assert f'<a href="{BASE}/" aria-current="page">Dashboard</a>' in menu
    assert f'<a href="{MODULES}">Modules</a>' in menu
    assert 'class="dashboard-card"' in page  # the guestbook's card through the slot


def test_menu_takes_links_added_by_other_areas(owner_client, staff_client, shop, monkeypatch):
    links = [
        *manage.BACK_OFFICE_MENU,
        manage.MenuLink("manage.modules", "Duplicate", order=1),  # listed twice: shown once
        manage.MenuLink("area.not_built_yet", "Not built yet", order=10),  # no such page yet: left out
        manage.MenuLink("platform.home", "Owners only", order=20, roles=("owner",)),
    ]
    monkeypatch.setattr(manage, "BACK_OFFICE_MENU", links)
    owner_menu = text(owner_client.get(MODULES))
    assert "Owners only" in owner_menu and "Not built yet" not in owner_menu
    assert owner_menu.count(f'href="{MODULES}"') == 1
    assert "Owners only" not in text(staff_client.get(MODULES))


# ---------------------------------------------------------------------------
# the Modules page
# ---------------------------------------------------------------------------


def test_modules_page_lists_allowed_plugins_with_their_details(owner_client, shop):
    page = text(owner_client.get(MODULES))
    card = page[page.index('id="module-guestbook"'):]
    card = card[:card.index("</article>")]
    assert "<h2>Guestbook</h2>" in card and "Version 1.0.0" in card
    assert "For customers, owner, staff" in card
    assert "Visitors leave a message" in card
    assert 'role="switch"' in card and " checked " in card and "On</span>" in card
    assert f'hx-post="{SWITCH}"' in card and f'action="{SWITCH}"' in card
    assert 'hx-target="this"' in card and 'hx-swap="outerHTML"' in card and 'hx-indicator="#switch-spinner-guestbook"' in card
    assert 'name="settings-guestbook-require_approval"' in card
    assert 'id="module-counter"' in page and "Version 3.1" in page


def test_staff_see_the_page_but_no_working_controls(staff_client, shop):
    page = text(staff_client.get(MODULES))
    assert "Only the shop owner can change modules." in page
    card = page[page.index('id="module-guestbook"'):]
    card = card[:card.index("</article>")]
    assert "hx-post" not in card and "csrf_token" not in card
    assert 'role="switch"' in card and "disabled" in card
    assert "Save settings" not in card


def test_disallowed_plugin_is_not_listed(owner_client, shop):
    PlatformPlugin.create(name="counter", allowed=False)
    page = text(owner_client.get(MODULES))
    assert 'id="module-counter"' not in page and 'id="module-guestbook"' in page
    assert owner_client.post(f"{MODULES}/counter/settings", data={"settings-counter-per_page": "5"}).status_code == 404


def test_modules_fragment_for_htmx(owner_client, shop):
    response = owner_client.get(MODULES, headers=HX)
    assert "<html" not in text(response) and 'id="module-guestbook"' in text(response)


# -- the switch -----------------------------------------------------------


def test_switch_off_and_on_with_htmx(owner_client, client, shop):
    response = owner_client.post(SWITCH, data=OFF, headers=HX)
    assert response.status_code == 200
    body = text(response)
    assert body.lstrip().startswith('<form class="switch-form"') and "<html" not in body
    assert "checked" not in body and "Off</span>" in body
    assert "Guestbook is off: hidden from your shop, its data is kept." in body
    assert module_row(shop).enabled is False
    assert client.get("/s/workshop/guestbook/").status_code == 404

    response = owner_client.post(SWITCH, data=ON, headers=HX)
    body = text(response)
    assert " checked " in body and "On</span>" in body
    assert "Guestbook is on: your customers see it now." in body
    assert module_row(shop).enabled is True
    assert client.get("/s/workshop/guestbook/").status_code == 200


def test_switch_without_javascript_redirects_to_the_module(owner_client, shop):
    response = owner_client.post(SWITCH, data=OFF)
    assert response.status_code == 303
    assert response.headers["Location"] == f"{MODULES}#module-guestbook"
    page = text(owner_client.get(MODULES))
    assert "Guestbook is off" in page and module_row(shop).enabled is False


def test_switch_is_idempotent(owner_client, shop):
    for _ in range(2):
        owner_client.post(SWITCH, data=OFF, headers=HX)
    assert module_row(shop).enabled is False
    assert ShopModule.select().where(ShopModule.shop == shop).count() == 1


def test_switch_in_one_shop_leaves_the_other_alone(owner_client, client, shop, other_shop):
    owner_client.post(SWITCH, data=OFF)
    assert client.get("/s/othershop/guestbook/").status_code == 200
    assert module_row(other_shop) is None


# -- settings -------------------------------------------------------------


def test_save_settings_with_htmx(owner_client, shop):
    response = owner_client.post(f"{MODULES}/guestbook/settings", data={"settings-guestbook-require_approval": "y"}, headers=HX)
    assert response.status_code == 200
    body = text(response)
    assert body.lstrip().startswith('<form class="module-settings"') and "Settings saved." in body
    assert 'name="settings-guestbook-require_approval" type="checkbox" value="y"' in body and "checked" in body
    assert module_row(shop).settings == {"require_approval": True}
    # Unticking saves False (a checkbox sends nothing when off).
    owner_client.post(f"{MODULES}/guestbook/settings", data={}, headers=HX)
    assert module_row(shop).settings == {"require_approval": False}


def test_save_settings_without_javascript(owner_client, shop):
    response = owner_client.post(f"{MODULES}/counter/settings", data={"settings-counter-per_page": "25"})
    assert response.status_code == 303 and response.headers["Location"] == f"{MODULES}#module-counter"
    assert module_row(shop, "counter").settings == {"per_page": 25}
    page = text(owner_client.get(MODULES))
    assert 'name="settings-counter-per_page" type="number" value="25"' in page


@pytest.mark.parametrize("headers", [{}, HX], ids=["plain", "htmx"])
def test_invalid_settings_show_errors_next_to_the_field(owner_client, shop, headers):
    response = owner_client.post(f"{MODULES}/counter/settings", data={"settings-counter-per_page": "500"}, headers=headers)
    assert response.status_code == 200
    body = text(response)
    assert '<small id="settings-counter-per_page-error" class="field-error">Number must be between 1 and 50.</small>' in body
    assert 'value="500"' in body
    assert module_row(shop, "counter") is None


def test_settings_keep_core_bookkeeping_keys_out_of_the_form(owner_client, shop):
    ShopModule.create(shop=shop, plugin="counter", enabled=True,
                      settings={"per_page": 7, "_last_error": "boom", "_last_error_at": "2024-05-01T08:00:00"})
    page = text(owner_client.get(MODULES))
    assert "_last_error" not in page and 'value="7"' in page
    owner_client.post(f"{MODULES}/counter/settings", data={"settings-counter-per_page": "8", "settings-counter-_last_error": "x"})
    assert module_row(shop, "counter").settings == {
        "per_page": 8, "_last_error": "boom", "_last_error_at": "2024-05-01T08:00:00",
    }


# -- a plugin's last error ------------------------------------------------


def test_last_error_is_shown_and_the_owner_clears_it(owner_client, staff_client, shop):
    ShopModule.create(shop=shop, plugin="guestbook", enabled=True, settings={
        "require_approval": True,
        "_last_error": "portal_slot_shop_profile_main: RuntimeError: boom",
        "_last_error_at": "2024-05-01T08:00:00",
    })
    page = text(owner_client.get(MODULES))
    assert "This module failed and was left out of a page." in page
    assert "RuntimeError: boom" in page
    assert f'hx-post="{MODULES}/guestbook/clear-error"' in page
    staff_page = text(staff_client.get(MODULES))
    assert "RuntimeError: boom" in staff_page and "clear-error" not in staff_page

    response = owner_client.post(f"{MODULES}/guestbook/clear-error", data={}, headers=HX)
    assert response.status_code == 200
    assert "Error cleared." in text(response) and "boom" not in text(response)
    assert module_row(shop).settings == {"require_approval": True}
    assert "RuntimeError: boom" not in text(owner_client.get(MODULES))


def test_clear_error_without_javascript(owner_client, shop):
    ShopModule.create(shop=shop, plugin="guestbook", enabled=False, settings={"_last_error": "x: y"})
    response = owner_client.post(f"{MODULES}/guestbook/clear-error", data={})
    assert response.status_code == 303
    assert module_row(shop).settings == {} and module_row(shop).enabled is False
