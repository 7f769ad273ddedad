"""The session cart: adding from the product page, changing and removing lines, bad quantities."""
from __future__ import annotations

import pytest
from orders_testkit import EN, add_to_cart, make_product

from portal.core.models import Product


@pytest.fixture(autouse=True)
def _english(monkeypatch):
    monkeypatch.setattr("portal.i18n.DEFAULT_LOCALE", "en")


def cart_page(client, shop):
    return client.get(f"/s/{shop.slug}/cart/", headers=EN).get_data(as_text=True)


def test_guest_adds_from_product_page_and_sees_server_prices(client, shop):
    shoe = make_product(shop, "Pantofel Classic", price=450000, stock=5)
    page = client.get(f"/s/{shop.slug}/p/{shoe.slug}", headers=EN).get_data(as_text=True)
    assert f'action="/s/{shop.slug}/cart/add/{shoe.id}"' in page
    assert 'hx-post="/s/workshop/cart/add/' in page

    response = add_to_cart(client, shop, shoe, 2, price="1", unit_price="1", total="1")
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/s/{shop.slug}/cart/")
    html = cart_page(client, shop)
    assert "Pantofel Classic" in html
    assert "Rp900.000" in html  # 2 × 450.000, whatever was posted
    assert 'id="cart-count" class="cart-count">2<' in html


def test_htmx_add_swaps_the_buy_box_and_updates_the_badge(client, shop):
    shoe = make_product(shop, stock=5)
    response = add_to_cart(client, shop, shoe, 1, htmx=True)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<html" not in html
    assert 'class="buy-box"' in html
    assert "Added. You have 1 in your cart." in html
    assert 'id="cart-count" class="cart-count" hx-swap-oob="true">1<' in html
    assert response.headers["HX-Trigger"] == "cart-changed"

    again = add_to_cart(client, shop, shoe, 2, htmx=True).get_data(as_text=True)
    assert "You have 3 in your cart." in again
    assert 'hx-swap-oob="true">3<' in again


@pytest.mark.parametrize("quantity, message", [
    ("0", "The quantity must be at least 1."),
    ("-3", "The quantity must be at least 1."),
    ("abc", "Enter the quantity as a whole number."),
    ("2.5", "Enter the quantity as a whole number."),
    ("", "Enter a quantity."),
    ("100", "You can order at most 99 of one product."),
    ("99999999999999999999", "You can order at most 99 of one product."),
    ("6", "Only 5 left of Pantofel Classic."),
])
def test_bad_quantities_are_refused_with_a_message(client, shop, quantity, message):
    shoe = make_product(shop, stock=5)
    response = add_to_cart(client, shop, shoe, quantity, htmx=True)
    assert response.status_code == 200  # htmx swaps only 2xx; the error is in the fragment
    assert message in response.get_data(as_text=True)
    assert "HX-Trigger" not in response.headers
    assert "Your cart is empty." in cart_page(client, shop)

    plain = add_to_cart(client, shop, shoe, quantity)
    assert plain.status_code == 303  # back to the product page, with the message
    follow = client.get(plain.headers["Location"], headers=EN).get_data(as_text=True)
    assert message in follow
    assert "Your cart is empty." in cart_page(client, shop)


def test_adding_more_than_the_stock_in_two_steps_is_refused(client, shop):
    shoe = make_product(shop, stock=3)
    add_to_cart(client, shop, shoe, 2, htmx=True)
    response = add_to_cart(client, shop, shoe, 2, htmx=True)
    assert "Only 3 left" in response.get_data(as_text=True)
    assert 'class="cart-count">2<' in cart_page(client, shop)


def test_made_to_order_takes_up_to_99_without_stock(client, shop):
    boots = make_product(shop, "Boots Custom", price=1200000, made_to_order=True, lead_time_days=7)
    assert add_to_cart(client, shop, boots, 99, htmx=True).status_code == 200
    assert 'class="cart-count">99<' in cart_page(client, shop)
    assert "at most 99" in add_to_cart(client, shop, boots, 1, htmx=True).get_data(as_text=True)


def test_sold_out_inactive_and_foreign_products_cannot_be_added(client, shop, other_shop):
    sold_out = make_product(shop, "Sold Out", stock=0)
    hidden = make_product(shop, "Hidden", stock=4, active=False)
    foreign = make_product(other_shop, "Foreign", stock=4)
    assert "sold out" in add_to_cart(client, shop, sold_out, 1, htmx=True).get_data(as_text=True)
    assert "not available" in add_to_cart(client, shop, hidden, 1, htmx=True).get_data(as_text=True)
    # Another shop's product id through this shop's URL does not exist here.
    assert add_to_cart(client, shop, foreign, 1, htmx=True).status_code == 404
    assert client.post(f"/s/{shop.slug}/cart/add/999999", data={"quantity": "1"}).status_code == 404
    assert "Your cart is empty." in cart_page(client, shop)


def test_update_and_remove_swap_only_the_cart(client, shop):
    shoe = make_product(shop, "Pantofel Classic", price=450000, stock=5)
    sandal = make_product(shop, "Sandal", price=150000, stock=10)
    add_to_cart(client, shop, shoe, 1)
    add_to_cart(client, shop, sandal, 1)

    response = client.hx_post(f"/s/{shop.slug}/cart/update/{shoe.id}", data={"quantity": "3"}, headers=EN)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<html" not in html and 'id="cart"' in html
    assert "Rp1.350.000" in html  # 3 × 450.000
    assert "Rp1.500.000" in html  # subtotal
    assert 'hx-swap-oob="true">4<' in html

    bad = client.hx_post(f"/s/{shop.slug}/cart/update/{shoe.id}", data={"quantity": "0"}, headers=EN)
    assert "The quantity must be at least 1." in bad.get_data(as_text=True)
    too_many = client.hx_post(f"/s/{shop.slug}/cart/update/{shoe.id}", data={"quantity": "9"}, headers=EN)
    assert "Only 5 left of Pantofel Classic." in too_many.get_data(as_text=True)
    assert "Rp1.500.000" in cart_page(client, shop)  # unchanged

    removed = client.hx_post(f"/s/{shop.slug}/cart/remove/{shoe.id}", headers=EN).get_data(as_text=True)
    assert "Pantofel Classic was removed from your cart." in removed
    assert "Rp150.000" in removed
    assert 'hx-swap-oob="true">1<' in removed


def test_plain_form_update_redirects_back_to_the_cart(client, shop):
    shoe = make_product(shop, stock=5)
    add_to_cart(client, shop, shoe, 1)
    response = client.post(f"/s/{shop.slug}/cart/update/{shoe.id}", data={"quantity": "2"}, headers=EN)
    assert response.status_code == 303
    assert "quantity is now 2" in cart_page(client, shop)
    response = client.post(f"/s/{shop.slug}/cart/update/{shoe.id}", data={"quantity": "x"}, headers=EN)
    assert response.status_code == 303
    html = cart_page(client, shop)
    assert "Enter the quantity as a whole number." in html
    assert 'value="2"' in html


def test_prices_and_availability_are_recomputed_on_every_request(client, shop):
    shoe = make_product(shop, "Pantofel Classic", price=450000, stock=5)
    gone = make_product(shop, "Loafer", price=300000, stock=5)
    deleted = make_product(shop, "Oxford", price=500000, stock=5)
    short = make_product(shop, "Derby", price=200000, stock=5)
    for product, quantity in ((shoe, 1), (gone, 1), (deleted, 1), (short, 4)):
        add_to_cart(client, shop, product, quantity)
    Product.update(price=475000).where(Product.id == shoe.id).execute()
    Product.update(is_active=False).where(Product.id == gone.id).execute()
    deleted.delete_instance()
    Product.update(stock=2).where(Product.id == short.id).execute()

    html = cart_page(client, shop)
    assert "Rp475.000" in html and "Rp450.000" not in html
    assert "Loafer is no longer available and was removed from your cart." in html
    assert "A product in your cart is no longer sold and was removed." in html
    assert "Only 2 left of Derby; your cart now has 2." in html
    assert 'class="cart-count">3<' in html
    # The notices are said once; the cart stays corrected.
    again = cart_page(client, shop)
    assert "Loafer" not in again and "Only 2 left" not in again


def test_carts_are_kept_per_shop(client, shop, other_shop):
    shoe = make_product(shop, stock=5)
    add_to_cart(client, shop, shoe, 2)
    assert 'class="cart-count">2<' in cart_page(client, shop)
    assert 'class="cart-count">0<' in cart_page(client, other_shop)


def test_a_tampered_session_cart_is_ignored(client, shop):
    shoe = make_product(shop, stock=5)
    with client.session_transaction() as session:
        session["cart"] = {str(shop.id): {str(shoe.id): "lots", "x": 1, str(shoe.id + 1): -4}}
    assert "Your cart is empty." in cart_page(client, shop)
    with client.session_transaction() as session:
        session["cart"] = ["not", "a", "dict"]
    assert "Your cart is empty." in cart_page(client, shop)


@pytest.mark.parametrize("who", ["client", "customer_client", "owner_client", "other_owner_client"])
def test_everyone_may_use_a_cart(request, shop, who):
    browser = request.getfixturevalue(who)
    shoe = make_product(shop, stock=5)
    assert browser.get(f"/s/{shop.slug}/cart/").status_code == 200
    assert add_to_cart(browser, shop, shoe, 1).status_code == 303
    assert browser.get("/s/no-such-shop/cart/").status_code == 404


def test_cart_changes_need_the_csrf_token(client, shop):
    shoe = make_product(shop, stock=5)
    response = client.post(f"/s/{shop.slug}/cart/add/{shoe.id}", data={"quantity": "1"}, csrf=False)
    assert response.status_code == 400
    assert "Your cart is empty." in cart_page(client, shop)
