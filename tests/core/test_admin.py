"""The platform admin's pages with CSRF on: shops and owners, the plugin allow-list, accounts."""
from __future__ import annotations

import re
import types

import pytest
from flask import g

from portal import PluginInfo, hookimpl
from portal.core.models import (
    Invitation,
    Membership,
    OutboxMail,
    PlatformPlugin,
    Shop,
    User,
)
from portal.core.shops import ShopError, create_shop_with_owner
from portal.testing import TEST_PASSWORD, make_client, make_shop, make_user

EN = {"Accept-Language": "en"}
XSS = "<script>alert(1)</script>"
XSS_ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"


def _make_plugin():
    plugin = types.ModuleType("admintoggle")

    @hookimpl
    def portal_register_plugin():
        return PluginInfo(name="admintoggle", label="Admin toggle", version="1.2",
                          description="A throwaway plugin for the allow-list tests")

    @hookimpl
    def portal_shop_module_toggled(shop, plugin, enabled, user):
        TOLD.append((shop.slug, plugin, enabled, getattr(user, "email", None)))

    plugin.portal_register_plugin = portal_register_plugin
    plugin.portal_shop_module_toggled = portal_shop_module_toggled
    return plugin


TOLD: list[tuple] = []


TOGGLE_PLUGIN = _make_plugin()


@pytest.fixture
def portal_plugins():
    return [TOGGLE_PLUGIN]


@pytest.fixture
def plain_shop(portal_app):
    """Shop ``workshop`` without its people (cheaper than ``shop`` where nobody needs to log in)."""
    return make_shop("workshop", name="Test Workshop")


def text(response) -> str:
    return response.get_data(as_text=True)


def shop_data(**overrides):
    data = {"name": "Sepatu Baru", "slug": "sepatu-baru", "order_prefix": "SPB",
            "owner_email": "pemilik@example.test", "owner_name": "Bu Pemilik"}
    data.update(overrides)
    return data


# ---------------------------------------------------------------------------
# who may use the admin pages
# ---------------------------------------------------------------------------

GET_PAGES = ["/admin/", "/admin/shops/new", "/admin/plugins", "/admin/users"]
NOT_ADMIN = ["customer_client", "staff_client", "owner_client", "other_owner_client", "supplier_client"]


@pytest.mark.parametrize("url", GET_PAGES)
def test_anonymous_is_sent_to_log_in(client, url):
    response = client.get(url)
    assert response.status_code == 303
    assert response.headers["Location"].startswith("/login?next=/admin/")


@pytest.mark.parametrize("who", NOT_ADMIN)
def test_non_admins_get_403(request, shop, other_shop, who):
    c = request.getfixturevalue(who)
    assert {url: c.get(url).status_code for url in GET_PAGES} == dict.fromkeys(GET_PAGES, 403)


def test_admin_opens_every_page(admin_client, shop):
    assert {url: admin_client.get(url).status_code for url in GET_PAGES} == dict.fromkeys(GET_PAGES, 200)


@pytest.mark.parametrize("who", [None, *NOT_ADMIN])
def test_non_admins_cannot_switch_anything(request, client, shop, other_shop, customer, who):
    c = request.getfixturevalue(who) if who else client
    expected = 403 if who else 303
    assert c.post(f"/admin/shops/{shop.id}/active", data={"value": "0"}).status_code == expected
    assert c.post("/admin/plugins/admintoggle", data={"value": "0"}).status_code == expected
    assert c.post(f"/admin/users/{customer.id}/active", data={"value": "0"}).status_code == expected
    assert c.post("/admin/shops/new", data=shop_data()).status_code == expected
    assert Shop.get_by_id(shop.id).is_active
    assert not PlatformPlugin.select().exists()
    assert User.get_by_id(customer.id).is_active
    assert not Shop.select().where(Shop.slug == "sepatu-baru").exists()


def test_admin_switches_need_csrf(admin_client, plain_shop, customer):
    shop = plain_shop
    assert admin_client.post(f"/admin/shops/{shop.id}/active", data={"value": "0"}, csrf=False).status_code == 400
    assert admin_client.post(f"/admin/users/{customer.id}/active", data={"value": "0"}, csrf=False).status_code == 400
    assert admin_client.post("/admin/shops/new", data=shop_data(), csrf=False).status_code == 400
    assert Shop.get_by_id(shop.id).is_active and User.get_by_id(customer.id).is_active


# ---------------------------------------------------------------------------
# shops
# ---------------------------------------------------------------------------


def test_shop_list_shows_owners_and_escapes_names(admin_client, shop, portal_app):
    make_shop("xss-shop", name=XSS)
    body = text(admin_client.get("/admin/", headers=EN))
    assert "Test Workshop" in body and "owner@shop.test" in body
    assert XSS_ESCAPED in body and XSS not in body


def test_create_shop_for_an_existing_user_makes_them_owner(admin_client, customer):
    response = admin_client.post("/admin/shops/new", data=shop_data(owner_email="Customer@Example.test"), headers=EN)
    assert response.status_code == 303 and response.headers["Location"] == "/admin/"
    shop = Shop.get(Shop.slug == "sepatu-baru")
    assert (shop.name, shop.order_prefix, shop.is_active) == ("Sepatu Baru", "SPB", True)
    assert Membership.get(Membership.shop == shop).user_id == customer.id
    assert Membership.get(Membership.shop == shop).role == "owner"
    assert not Invitation.select().exists()
    page = admin_client.get("/admin/", headers=EN)
    assert "customer@example.test is its owner" in text(page)
    assert make_client(admin_client.application, customer).get("/s/sepatu-baru/manage/").status_code == 200


def test_create_shop_for_a_new_person_sends_an_owner_invitation(portal_app, admin_client, client):
    response = admin_client.post("/admin/shops/new", data=shop_data(order_prefix="spb"))
    assert response.status_code == 303
    shop = Shop.get(Shop.slug == "sepatu-baru")
    assert shop.order_prefix == "SPB"  # typed in lower case, stored as capitals
    assert not Membership.select().where(Membership.shop == shop).exists()
    invitation = Invitation.get(Invitation.shop == shop)
    assert (invitation.email, invitation.role) == ("pemilik@example.test", "owner")
    mail = OutboxMail.get(OutboxMail.to == "pemilik@example.test")
    assert "Bu Pemilik" in mail.body_text
    link = re.search(r"http://localhost(/invite/\S+)", mail.body_text).group(1)
    assert "pemilik@example.test" in text(admin_client.get("/admin/"))
    # The new owner registers through the link and accepts.
    browser = make_client(portal_app)
    browser.post(f"/register?next={link}", data={"name": "Bu Pemilik", "email": "pemilik@example.test",
                                                 "phone": "", "password": "sepatu-kulit-99",
                                                 "confirm": "sepatu-kulit-99"})
    assert browser.post(link).headers["Location"] == "/s/sepatu-baru/manage/"
    assert Membership.get(Membership.shop == shop).role == "owner"


@pytest.mark.parametrize(("field", "value", "message"), [
    ("name", "", "This field is required."),
    ("name", "n" * 121, "120"),
    ("name", "Shop\r\nBcc: x@evil.test", "Line breaks"),
    ("slug", "", "This field is required."),
    ("slug", "Bad Slug", "lower-case letters, digits and hyphens"),
    ("slug", "-edge", "lower-case letters, digits and hyphens"),
    ("slug", "toko_kita", "lower-case letters, digits and hyphens"),
    ("slug", "a", "2"),
    ("slug", "a" * 61, "60"),
    ("slug", "workshop", "already taken"),
    ("order_prefix", "A", "2 to 6 capital letters"),
    ("order_prefix", "TOOLONG", "2 to 6 capital letters"),
    ("order_prefix", "A1", "2 to 6 capital letters"),
    ("owner_email", "", "This field is required."),
    ("owner_email", "nope", "Enter a valid e-mail address."),
    ("owner_name", "x" * 121, "120"),
])
def test_create_shop_bad_input(admin_client, plain_shop, field, value, message):
    data = shop_data(**{field: value})
    page = admin_client.post("/admin/shops/new", data=data, headers=EN)
    assert page.status_code == 200
    assert message in text(page)
    for other in ("name", "owner_email"):
        if other != field:
            assert f'value="{data[other]}"' in text(page)
    assert Shop.select().count() == 1
    assert not OutboxMail.select().exists()


def test_create_shop_with_owner_core_function(portal_app, customer, plain_shop):
    with portal_app.test_request_context(base_url="https://portal.example"):
        created, link = create_shop_with_owner("toko-dua", "Toko Dua", "customer@example.test", "", "TKD")
        assert link is None and Membership.get(Membership.shop == created).user_id == customer.id
        other, link = create_shop_with_owner("toko-tiga", "Toko Tiga", "someone@example.test", "Someone", "tkt")
        assert link.startswith("https://portal.example/invite/")
        assert other.order_prefix == "TKT"
        for args, field in [(("Bad!", "X", "a@b.test", "", "ABC"), "slug"),
                            (("workshop", "X", "a@b.test", "", "ABC"), "slug"),
                            (("fine", "X", "a@b.test", "", "A"), "order_prefix"),
                            (("fine", " ", "a@b.test", "", "ABC"), "name")]:
            with pytest.raises(ShopError) as err:
                create_shop_with_owner(*args)
            assert err.value.field == field
    assert not Shop.select().where(Shop.slug == "fine").exists()


def test_close_and_reopen_a_shop(admin_client, client, plain_shop):
    shop = plain_shop
    response = admin_client.post(f"/admin/shops/{shop.id}/active", data={"value": "0"}, headers=EN)
    assert response.status_code == 303 and response.headers["Location"] == "/admin/"
    assert not Shop.get_by_id(shop.id).is_active
    assert client.get("/s/workshop/").status_code == 404
    assert "Test Workshop is closed." in text(admin_client.get("/admin/", headers=EN))
    fragment = admin_client.hx_post(f"/admin/shops/{shop.id}/active", data={"value": "1"}, headers=EN)
    body = text(fragment)
    assert fragment.status_code == 200
    assert body.lstrip().startswith("<tr>") and "<html" not in body
    assert "Test Workshop is open." in body and 'value="0"' in body
    assert Shop.get_by_id(shop.id).is_active
    assert client.get("/s/workshop/").status_code == 200


@pytest.mark.parametrize("value", ["", "2", "yes"])
def test_switches_refuse_bad_values(admin_client, plain_shop, customer, value):
    shop = plain_shop
    assert admin_client.post(f"/admin/shops/{shop.id}/active", data={"value": value}).status_code == 400
    assert admin_client.post("/admin/plugins/admintoggle", data={"value": value}).status_code == 400
    assert admin_client.post(f"/admin/users/{customer.id}/active", data={"value": value}).status_code == 400


def test_unknown_objects_are_404(admin_client):
    assert admin_client.post("/admin/shops/9999/active", data={"value": "0"}).status_code == 404
    assert admin_client.post("/admin/plugins/nosuchplugin", data={"value": "0"}).status_code == 404
    assert admin_client.post("/admin/users/9999/active", data={"value": "0"}).status_code == 404


# ---------------------------------------------------------------------------
# plugin allow-list
# ---------------------------------------------------------------------------


def test_plugin_list_shows_installed_plugins(admin_client):
    body = text(admin_client.get("/admin/plugins", headers=EN))
    assert "Admin toggle" in body and "admintoggle 1.2" in body
    assert "A throwaway plugin for the allow-list tests" in body
    assert 'hx-post="/admin/plugins/admintoggle"' in body and 'action="/admin/plugins/admintoggle"' in body


def test_plugin_switch_with_htmx_and_without(portal_app, admin_client):
    registry = portal_app.extensions["portal"]
    off = admin_client.hx_post("/admin/plugins/admintoggle", data={"value": "0"}, headers=EN)
    assert off.status_code == 200
    assert "<html" not in text(off) and "Not allowed" in text(off)
    assert "switched off for every shop" in text(off)
    assert PlatformPlugin.get(PlatformPlugin.name == "admintoggle").allowed is False
    g.pop("_portal_allowed", None)
    assert registry.platform_allowed()["admintoggle"] is False
    on = admin_client.post("/admin/plugins/admintoggle", data={"value": "1"}, headers=EN)
    assert on.status_code == 303 and on.headers["Location"] == "/admin/plugins"
    assert PlatformPlugin.get(PlatformPlugin.name == "admintoggle").allowed is True
    assert "Shops may now use Admin toggle." in text(admin_client.get("/admin/plugins", headers=EN))


def test_each_shop_with_the_plugin_on_hears_the_platform_switch(portal_app, admin_client, admin_user, plain_shop):
    """Disallowing a plugin switches it off in every shop that had it on: those shops' plugin
    is told, as when the owner flips the switch; a shop that had it off hears nothing."""
    from portal.core.shops import set_module_enabled

    quiet = make_shop("toko-sepi", name="Toko Sepi")
    set_module_enabled(quiet, "admintoggle", False)
    TOLD.clear()
    assert admin_client.post("/admin/plugins/admintoggle", data={"value": "0"}).status_code == 303
    assert TOLD == [(plain_shop.slug, "admintoggle", False, admin_user.email)]
    assert admin_client.post("/admin/plugins/admintoggle", data={"value": "0"}).status_code == 303
    assert len(TOLD) == 1  # the same state again changes nothing and tells nobody
    assert admin_client.post("/admin/plugins/admintoggle", data={"value": "1"}).status_code == 303
    assert TOLD[1:] == [(plain_shop.slug, "admintoggle", True, admin_user.email)]


# ---------------------------------------------------------------------------
# accounts
# ---------------------------------------------------------------------------


def test_user_search(admin_client, customer, other_customer):
    make_user("xss@example.test", XSS)
    everyone = text(admin_client.get("/admin/users"))
    assert "customer@example.test" in everyone and "customer-b@example.test" in everyone
    assert XSS_ESCAPED in everyone and XSS not in everyone
    found = text(admin_client.get("/admin/users?q=Customer B"))
    assert "customer-b@example.test" in found and "customer@example.test" not in found
    fragment = admin_client.hx_get("/admin/users?q=customer-b")
    assert "<html" not in text(fragment) and "customer-b@example.test" in text(fragment)
    assert "HX-Request" in fragment.headers["Vary"]
    none = admin_client.get("/admin/users?q=nobody-here", headers=EN)
    assert "No accounts match." in text(none)


def test_user_search_bad_input(admin_client, customer):
    page = admin_client.get("/admin/users?q=" + "x" * 101 + "&page=abc", headers=EN)
    assert page.status_code == 200
    assert "100" in text(page) and "customer@example.test" in text(page)


def test_user_list_pages(admin_client):
    for i in range(30):
        User.create(email=f"user{i:02d}@example.test", name=f"User {i:02d}", password_hash="x")
    first = text(admin_client.get("/admin/users", headers=EN))
    assert 'rel="next"' in first
    second = text(admin_client.get("/admin/users?page=2", headers=EN))
    assert 'rel="prev"' in second and 'rel="next"' not in second
    shown = set(re.findall(r"user\d\d@example.test", first)) | set(re.findall(r"user\d\d@example.test", second))
    assert len(shown) == 30


def test_disabling_an_account_ends_its_sessions(portal_app, admin_client, customer_client, customer):
    assert customer_client.get("/account").status_code == 200
    response = admin_client.hx_post(f"/admin/users/{customer.id}/active", data={"value": "0"}, headers=EN)
    assert response.status_code == 200 and "Disabled" in text(response)
    assert "logged out everywhere" in text(response)
    assert User.get_by_id(customer.id).is_active is False
    assert customer_client.get("/account").status_code == 303
    refused = make_client(portal_app).post("/login", data={"email": customer.email, "password": TEST_PASSWORD},
                                           headers=EN)
    assert refused.status_code == 200 and "Wrong e-mail or password." in text(refused)
    back = admin_client.post(f"/admin/users/{customer.id}/active", data={"value": "1"})
    assert back.status_code == 303 and back.headers["Location"] == "/admin/users"
    make_client(portal_app, customer)  # logs in again (asserts the redirect)


def test_admin_cannot_disable_themselves(admin_client, admin_user):
    response = admin_client.hx_post(f"/admin/users/{admin_user.id}/active", data={"value": "0"}, headers=EN)
    assert "You cannot disable your own account." in text(response)
    assert User.get_by_id(admin_user.id).is_active
    assert admin_client.get("/admin/").status_code == 200
