"""Voucher rules at checkout: limits, dates, minimum, rounding, case, tenants; re-checked and claimed at placement."""
from __future__ import annotations

import datetime as dt

import pytest

from plugins.loyalty import models as m
from plugins.loyalty import rewards
from portal.core.checkout import CheckoutError
from portal.core.orders import Order
from tests.core.orders_testkit import EN, add_to_cart, checkout_data, checkout_key, make_product


def voucher(shop, code="LEBARAN10", kind=m.PERCENT, value=10, **fields):
    return rewards.create_voucher(shop, code, kind, value, **fields)


def test_percentage_rounds_down_to_the_rupiah(shop, order_with):
    voucher(shop, "TIGA", value=3)
    odd = make_product(shop, "Sandal", price=33333, stock=5)
    order = order_with(["tiga"], product_=odd)
    # 3% of 33.333 is 999,99: the customer gets 999, never a fraction.
    assert (order.subtotal, order.discount, order.total) == (33333, 999, 32334)
    assert order.discounts[0]["code"] == "tiga" and order.discounts[0]["amount"] == 999
    assert m.LoyaltyVoucher.get(code="TIGA").uses == 1


def test_fixed_amount_never_exceeds_the_subtotal(shop, order_with):
    voucher(shop, "BESAR", kind=m.FIXED, value=1_000_000)
    order = order_with(["BESAR"])
    assert (order.subtotal, order.discount, order.total) == (450000, 450000, 0)


def test_codes_are_case_insensitive_and_unique_per_shop(shop, other_shop, order_with):
    voucher(shop, "Lebaran10")
    assert rewards.voucher_by_code(shop, "  lebaran10 ").code == "LEBARAN10"
    with pytest.raises(Exception):  # noqa: B017 - the unique index, whatever the driver calls it
        voucher(shop, "LEBARAN10")
    # Another shop may have its own LEBARAN10; shop X's code is unknown in shop Y.
    other_product = make_product(other_shop, "Batik", price=200000, stock=5)
    with pytest.raises(CheckoutError) as err:
        order_with(["LEBARAN10"], shop_=other_shop, product_=other_product)
    assert "not a valid voucher code" in str(err.value)
    assert Order.select().count() == 0


@pytest.mark.parametrize(("fields", "message"), [
    ({"min_order": 500000}, "at least Rp500.000"),
    ({"starts_on": dt.date(2999, 1, 1)}, "can be used from 01-01-2999"),
    ({"ends_on": dt.date(2020, 1, 31)}, "expired on 31-01-2020"),
    ({"is_active": False}, "not valid"),
])
def test_voucher_refused_with_its_reason(shop, order_with, fields, message):
    voucher(shop, "RULE", **fields)
    with pytest.raises(CheckoutError) as err:
        order_with(["rule"])
    assert message in str(err.value) and err.value.field == "voucher_code"
    assert Order.select().count() == 0 and m.LoyaltyVoucher.get(code="RULE").uses == 0


def test_validity_days_are_jakarta_days(shop, order_with, monkeypatch):
    voucher(shop, "AKHIR", ends_on=dt.date(2026, 3, 31))
    # 31 March 23:30 in Jakarta is 16:30 UTC: still valid; 1 April 00:30 Jakarta (17:30 UTC 31 March) is not.
    monkeypatch.setattr("plugins.loyalty.rewards.utcnow", lambda: dt.datetime(2026, 3, 31, 16, 30))
    assert order_with(["AKHIR"]).discount == 45000
    monkeypatch.setattr("plugins.loyalty.rewards.utcnow", lambda: dt.datetime(2026, 3, 31, 17, 30))
    with pytest.raises(CheckoutError, match="expired"):
        order_with(["AKHIR"])


def test_total_uses_limit(shop, order_with, customer, other_customer):
    voucher(shop, "DUA", max_uses=2)
    order_with(["DUA"], email="a@example.test")
    order_with(["DUA"], customer=customer)
    with pytest.raises(CheckoutError, match="used up"):
        order_with(["DUA"], customer=other_customer)
    assert m.LoyaltyVoucher.get(code="DUA").uses == 2 and Order.select().count() == 2


def test_per_customer_limit_counts_account_and_guest_email(shop, order_with, customer, other_customer):
    voucher(shop, "SEKALI", per_customer=1)
    order_with(["SEKALI"], customer=customer)
    with pytest.raises(CheckoutError, match="already used"):
        order_with(["SEKALI"], customer=customer)
    # The same person as a guest with the same e-mail is the same customer.
    with pytest.raises(CheckoutError, match="already used"):
        order_with(["SEKALI"], email=customer.email)
    assert order_with(["SEKALI"], customer=other_customer).discount == 45000
    assert m.LoyaltyVoucher.get(code="SEKALI").uses == 2


def test_personal_code_only_for_its_customer(shop, order_with, customer, other_customer):
    voucher(shop, "HALO-ABC123", only_for=customer, max_uses=1, per_customer=1)
    with pytest.raises(CheckoutError, match="personal"):
        order_with(["HALO-ABC123"], customer=other_customer)
    with pytest.raises(CheckoutError, match="personal"):
        order_with(["HALO-ABC123"], email=customer.email)
    assert order_with(["halo-abc123"], customer=customer).discount == 45000


def test_apply_on_the_page_then_expired_before_placing(client, shop, product):
    v = voucher(shop, "LEBARAN10")
    add_to_cart(client, shop, product, 2)
    key = checkout_key(client, shop)
    page = client.post(f"/s/{shop.slug}/checkout/", data=checkout_data(key, voucher_code="lebaran10",
                                                                     apply_discount="1"), headers=EN)
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "Voucher LEBARAN10" in text and "-Rp90.000" in text
    assert Order.select().count() == 0
    # The owner ends the promotion while the customer is still on the page.
    m.LoyaltyVoucher.update(ends_on=rewards.today() - dt.timedelta(days=1)).where(m.LoyaltyVoucher.id == v.id).execute()
    refused = client.post(f"/s/{shop.slug}/checkout/", data=checkout_data(key, voucher_code="lebaran10"), headers=EN)
    assert refused.status_code == 422 and "This voucher expired on" in refused.get_data(as_text=True)
    assert Order.select().count() == 0 and m.LoyaltyVoucher.get_by_id(v.id).uses == 0


def test_placed_order_shows_the_discount_everywhere(client, owner_client, shop, product):
    voucher(shop, "LEBARAN10")
    add_to_cart(client, shop, product, 2)
    placed = client.post(f"/s/{shop.slug}/checkout/", data=checkout_data(checkout_key(client, shop),
                                                                       voucher_code="LEBARAN10"), headers=EN)
    assert placed.status_code == 303
    order = Order.get()
    assert (order.subtotal, order.delivery_fee, order.discount, order.total) == (900000, 25000, 90000, 835000)
    customer_page = client.get(placed.headers["Location"], headers=EN).get_data(as_text=True)
    assert "-Rp90.000" in customer_page and "Rp835.000" in customer_page
    invoice = owner_client.get(f"/s/{shop.slug}/manage/orders/{order.number}/invoice", headers=EN)
    assert invoice.status_code == 200 and "-Rp90.000" in invoice.get_data(as_text=True)
    use = m.LoyaltyVoucherUse.get()
    assert (use.order_id, use.amount, use.email) == (order.id, 90000, "budi@example.test")


def test_cancelled_order_gives_the_use_back(shop, order_with, customer):
    from portal.core import order_flow

    voucher(shop, "SATU", max_uses=1)
    order = order_with(["SATU"], customer=customer)
    assert m.LoyaltyVoucher.get(code="SATU").uses == 1
    with pytest.raises(CheckoutError):
        order_with(["SATU"], customer=customer)
    order_flow.transition(order, "withdraw", actor=customer, role="customer")
    assert m.LoyaltyVoucher.get(code="SATU").uses == 0
    assert m.LoyaltyVoucherUse.get().released_at is not None
    assert order_with(["SATU"], customer=customer).discount == 45000


def test_an_order_paid_wholly_by_a_voucher_needs_no_transfer(shop, order_with, customer):
    from portal.core import payments
    from portal.core.models import User
    from portal.core.orders import PAID

    voucher(shop, "GRATIS", kind=m.PERCENT, value=100)
    order = order_with(["GRATIS"], customer=customer)
    assert (order.discount, order.total) == (450_000, 0)
    owner = User.get(User.email == "owner@shop.test")
    paid = payments.confirm_order(order, owner, "owner")
    assert (paid.status, paid.unique_code, paid.amount_due) == (PAID, None, 0)
