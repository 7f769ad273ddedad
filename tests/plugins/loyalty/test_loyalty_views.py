"""The back office and customer pages: who may use them, voucher forms, switching the plugin off, hostile text."""
from __future__ import annotations

import pytest

from plugins.loyalty import models as m
from plugins.loyalty import rewards
from portal.core.orders import Order
from portal.testing import HOSTILE_TEXTS, assert_inert
from tests.core.orders_testkit import EN, add_to_cart, checkout_key, post_checkout

TEAM = ("owner_client", "staff_client")
OUTSIDERS = ("customer_client", "other_customer_client", "other_owner_client", "supplier_client", "courier_client",
             "admin_client")


@pytest.fixture
def objects(shop, customer, order_with):
    order_with(customer=customer)
    v = rewards.create_voucher(shop, "LEBARAN10", m.PERCENT, 10)
    c = m.LoyaltyCampaign.create(shop=shop, name="Hi", subject="Hi", body="Hi {name}", customer_ids=[customer.id])
    return {"voucher": v, "campaign": c, "customer": customer}


def manage_urls(shop, o):
    base = f"/s/{shop.slug}/loyalty/manage"
    return [f"{base}/", f"{base}/vouchers/new", f"{base}/vouchers/{o['voucher'].id}", f"{base}/points",
            f"{base}/points/{o['customer'].id}", f"{base}/campaigns", f"{base}/campaigns/new",
            f"{base}/campaigns/{o['campaign'].id}"]


def manage_posts(shop, o):
    base = f"/s/{shop.slug}/loyalty/manage"
    return [f"{base}/vouchers/new", f"{base}/vouchers/{o['voucher'].id}", f"{base}/vouchers/{o['voucher'].id}/toggle",
            f"{base}/points/{o['customer'].id}", f"{base}/campaigns/new", f"{base}/campaigns/{o['campaign'].id}",
            f"{base}/campaigns/{o['campaign'].id}/test", f"{base}/campaigns/{o['campaign'].id}/schedule",
            f"{base}/campaigns/{o['campaign'].id}/cancel"]


@pytest.mark.parametrize("who", TEAM)
def test_team_may_open_every_back_office_page(request, shop, objects, who):
    browser = request.getfixturevalue(who)
    for url in manage_urls(shop, objects):
        assert browser.get(url, headers=EN).status_code == 200, url


@pytest.mark.parametrize("who", OUTSIDERS)
def test_nobody_else_may_open_or_post(request, shop, objects, who):
    browser = request.getfixturevalue(who)
    for url in manage_urls(shop, objects):
        assert browser.get(url).status_code == 403, url
    for url in manage_posts(shop, objects):
        assert browser.post(url, data={"points": "5", "note": "x", "code": "HACK", "kind": "fixed",
                                       "value": "1"}).status_code == 403, url
    assert m.LoyaltyVoucher.select().count() == 1 and m.LoyaltyPointEntry.select().count() == 0
    assert m.LoyaltyCampaign.get().status == "draft" and rewards.voucher_by_code(shop, "HACK") is None


def test_anonymous_is_sent_to_log_in(client, shop, objects):
    for url in manage_urls(shop, objects) + [f"/s/{shop.slug}/loyalty/points"]:
        response = client.get(url)
        assert response.status_code in (302, 303) and "login" in response.headers["Location"], url
    for url in manage_posts(shop, objects):
        assert client.post(url, data={}).status_code in (302, 303), url


def test_other_shops_objects_are_not_found(owner_client, other_shop, shop, objects, other_customer):
    theirs_v = rewards.create_voucher(other_shop, "THEIRS", m.FIXED, 1000)
    theirs_c = m.LoyaltyCampaign.create(shop=other_shop, name="T", subject="T", body="T")
    base = f"/s/{shop.slug}/loyalty/manage"
    for url in (f"{base}/vouchers/{theirs_v.id}", f"{base}/campaigns/{theirs_c.id}",
                f"{base}/points/{other_customer.id}", f"{base}/vouchers/987654"):
        assert owner_client.get(url).status_code == 404, url
    assert owner_client.post(f"{base}/vouchers/{theirs_v.id}/toggle", data={}).status_code == 404
    assert m.LoyaltyVoucher.get_by_id(theirs_v.id).is_active


def test_create_edit_and_switch_a_voucher(staff_client, shop):
    base = f"/s/{shop.slug}/loyalty/manage"
    made = staff_client.post(f"{base}/vouchers/new", data={
        "code": " lebaran10 ", "kind": "percent", "value": "10", "min_order": "300000", "starts_on": "2026-03-01",
        "ends_on": "2026-04-30", "max_uses": "100", "per_customer": "1", "is_active": "y"}, headers=EN)
    assert made.status_code == 303
    v = m.LoyaltyVoucher.get()
    assert (v.code, v.kind, v.value, v.min_order, v.max_uses, v.per_customer, v.is_active) == (
        "LEBARAN10", "percent", 10, 300000, 100, 1, True)
    listing = staff_client.get(f"{base}/", headers=EN).get_data(as_text=True)
    assert "LEBARAN10" in listing and "10% off" in listing and "Used 0 of 100" in listing

    for data, message in (({"code": "LEBARAN10"}, "already has a voucher"),
                          ({"code": "LEB ARAN"}, "letters, digits"),
                          ({"value": "101"}, "at most 100"),
                          ({"ends_on": "2026-02-01"}, "cannot be before")):
        refused = staff_client.post(f"{base}/vouchers/new", data={
            "code": "NEW1", "kind": "percent", "value": "10", "starts_on": "2026-03-01", **data}, headers=EN)
        assert refused.status_code == 422 and message in refused.get_data(as_text=True), data
    assert m.LoyaltyVoucher.select().count() == 1

    # Editing never touches the use counter, whatever is posted.
    m.LoyaltyVoucher.update(uses=7).execute()
    edited = staff_client.post(f"{base}/vouchers/{v.id}", data={
        "code": "LEBARAN15", "kind": "fixed", "value": "15000", "uses": "0", "max_uses": "", "is_active": "y"},
        headers=EN)
    assert edited.status_code == 303
    v = m.LoyaltyVoucher.get_by_id(v.id)
    assert (v.code, v.kind, v.value, v.uses, v.max_uses) == ("LEBARAN15", "fixed", 15000, 7, None)

    off = staff_client.hx_post(f"{base}/vouchers/{v.id}/toggle", data={}, headers=EN)
    text = off.get_data(as_text=True)
    assert off.status_code == 200 and text.lstrip().startswith("<li") and "Switched off" in text
    assert not m.LoyaltyVoucher.get_by_id(v.id).is_active
    assert staff_client.post(f"{base}/vouchers/{v.id}/toggle", data={}, csrf=False).status_code == 400


def test_nav_links_for_team_and_customers(owner_client, customer_client, client, shop, objects):
    back_office = owner_client.get(f"/s/{shop.slug}/manage/", headers=EN).get_data(as_text=True)
    assert back_office.count(f'href="/s/{shop.slug}/loyalty/manage/"') >= 1
    storefront = customer_client.get(f"/s/{shop.slug}/", headers=EN).get_data(as_text=True)
    assert storefront.count(f'href="/s/{shop.slug}/loyalty/points"') == 1
    assert f"/s/{shop.slug}/loyalty/points" not in client.get(f"/s/{shop.slug}/", headers=EN).get_data(as_text=True)


def test_switched_off_hides_everything_and_keeps_the_data(owner_client, customer_client, client, shop, objects,
                                                          product, disable_plugin, enable_plugin):
    rewards.adjust(shop, objects["customer"], 40, "gift", None)
    disable_plugin(shop, "loyalty")
    for url in manage_urls(shop, objects):
        assert owner_client.get(url).status_code == 404, url
    assert customer_client.get(f"/s/{shop.slug}/loyalty/points").status_code == 404
    add_to_cart(client, shop, product, 1)
    page = client.get(f"/s/{shop.slug}/checkout/", headers=EN).get_data(as_text=True)
    assert 'name="voucher_code"' not in page
    # A posted code is not honoured while the plugin is off; the order is placed at full price.
    assert post_checkout(client, shop, voucher_code="LEBARAN10").status_code == 303
    newest = Order.select().order_by(Order.id.desc()).first()
    assert newest.discount == 0 and m.LoyaltyVoucher.get().uses == 0
    assert f"/s/{shop.slug}/loyalty/points" not in customer_client.get(f"/s/{shop.slug}/", headers=EN).get_data(
        as_text=True)

    enable_plugin(shop, "loyalty")
    assert owner_client.get(f"/s/{shop.slug}/loyalty/manage/", headers=EN).status_code == 200
    assert rewards.balance(shop, objects["customer"]) == 40 and m.LoyaltyCampaign.select().count() == 1
    add_to_cart(client, shop, product, 1)
    page = client.get(f"/s/{shop.slug}/checkout/", headers=EN).get_data(as_text=True)
    assert page.count('name="voucher_code"') == 1


def test_hostile_text_is_inert(owner_client, customer_client, client, shop, objects, product):
    customer = objects["customer"]
    long_text = "x" * 10_000
    for text in (*HOSTILE_TEXTS, long_text):
        clean = " ".join(text.split())[:200]
        rewards.adjust(shop, customer, 1, clean, None)
    v = objects["voucher"]
    m.LoyaltyVoucher.update(note='<script>alert("n")</script>').where(m.LoyaltyVoucher.id == v.id).execute()
    pages = {
        "history (staff)": owner_client.get(f"/s/{shop.slug}/loyalty/manage/points/{customer.id}", headers=EN),
        "history fragment": owner_client.hx_get(f"/s/{shop.slug}/loyalty/manage/points/{customer.id}", headers=EN),
        "my points": customer_client.get(f"/s/{shop.slug}/loyalty/points", headers=EN),
        "vouchers": owner_client.get(f"/s/{shop.slug}/loyalty/manage/", headers=EN),
        "voucher": owner_client.get(f"/s/{shop.slug}/loyalty/manage/vouchers/{v.id}", headers=EN),
    }
    for where, response in pages.items():
        assert response.status_code == 200, where
        assert_inert(response.get_data(as_text=True), where)
    # A hostile voucher code typed at checkout is escaped in the refusal next to the field.
    add_to_cart(client, shop, product, 1)
    key = checkout_key(client, shop)
    for text in HOSTILE_TEXTS[:6]:
        answer = client.post(f"/s/{shop.slug}/checkout/", data={
            "voucher_code": text, "apply_discount": "1", "idempotency_key": key, "delivery": "pickup",
            "name": "Budi", "phone": "081234567890", "email": "b@example.test"}, headers=EN)
        assert answer.status_code in (200, 422)
        assert_inert(answer.get_data(as_text=True), f"checkout with {text!r}")
    assert Order.select().count() == 1
