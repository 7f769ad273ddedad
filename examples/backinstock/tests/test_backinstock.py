"""Back in stock, tested like any third-party plugin: through ``portal.testing``'s fixtures only."""
from __future__ import annotations

from portal_backinstock.models import BackInStockAlert

from portal.core.models import OutboxMail, Product
from portal.core.order_flow import transition
from portal.core.orders import Order, OrderItem
from portal.core.plugins import plugin_settings
from portal.core.shops import set_platform_plugin_allowed

EN = {"Accept-Language": "en"}


def page_of(product) -> str:
    return f"/s/{product.shop.slug}/p/{product.slug}"


def alert_url(product) -> str:
    return f"/s/{product.shop.slug}/backinstock/products/{product.id}/alert"


def text(response) -> str:
    return response.get_data(as_text=True)


def test_installed_through_its_entry_point(portal_app):
    plugin = portal_app.extensions["portal"].plugins["backinstock"]
    assert plugin.distribution == "portal-backinstock"
    assert plugin.info.api == ">=1.0,<2"
    assert "backinstock" not in portal_app.extensions["portal"].refused


def test_waits_for_the_admin_before_shops_see_it(portal_app, shop, owner_client, sold_out, client):
    assert "Back in stock" in text(owner_client.get("/s/workshop/manage/modules", headers=EN))
    set_platform_plugin_allowed("backinstock", False)
    assert "Back in stock" not in text(owner_client.get("/s/workshop/manage/modules", headers=EN))
    assert 'id="backinstock"' not in text(client.get(page_of(sold_out)))


#region test_form
def test_sold_out_product_shows_the_form(client, sold_out):
    page = text(client.get(page_of(sold_out), headers=EN))
    assert 'id="backinstock"' in page
    assert f'hx-post="{alert_url(sold_out)}"' in page and f'action="{alert_url(sold_out)}"' in page


def test_in_stock_and_made_to_order_products_show_no_form(client, shop):
    Product.create(shop=shop, name="Loafer", slug="loafer", price=300000, stock=4)
    Product.create(shop=shop, name="Custom boot", slug="boot", price=900000, stock=None, made_to_order=True)
    for slug in ("loafer", "boot"):
        page = client.get(f"/s/workshop/p/{slug}")
        assert page.status_code == 200 and 'id="backinstock"' not in text(page)


def test_posting_stores_an_alert(client, sold_out):
    answer = client.hx_post(alert_url(sold_out), data={"bis-email": "Buyer@Example.TEST"}, headers=EN)
    assert answer.status_code == 200
    assert "We will e-mail buyer@example.test" in text(answer)
    assert "<html" not in text(answer)  # only the fragment, swapped in place
    alert = BackInStockAlert.get()
    assert (alert.product_id, alert.email, alert.notified_at) == (sold_out.id, "buyer@example.test", None)
    assert alert.lang == "en"
#endregion


def test_without_javascript_the_answer_is_a_full_page(client, sold_out):
    answer = client.post(alert_url(sold_out), data={"bis-email": "buyer@example.test"}, headers=EN)
    assert answer.status_code == 200 and "<html" in text(answer) and "We will e-mail" in text(answer)
    assert BackInStockAlert.select().count() == 1


def test_asking_twice_stores_one_alert(client, sold_out):
    for _ in range(2):
        answer = client.hx_post(alert_url(sold_out), data={"bis-email": "buyer@example.test"}, headers=EN)
        assert "We will e-mail" in text(answer)
    assert BackInStockAlert.select().count() == 1


def test_invalid_email_shows_an_error_and_stores_nothing(client, sold_out):
    answer = client.hx_post(alert_url(sold_out), data={"bis-email": "not-an-address"}, headers=EN)
    assert answer.status_code == 200
    assert "Enter a valid e-mail address." in text(answer) and 'aria-invalid="true"' in text(answer)
    assert 'value="not-an-address"' in text(answer)  # what was typed is kept
    assert BackInStockAlert.select().count() == 0


def test_an_available_product_takes_no_alert(client, shop):
    product = Product.create(shop=shop, name="Loafer", slug="loafer", price=300000, stock=2)
    answer = client.hx_post(alert_url(product), data={"bis-email": "buyer@example.test"}, headers=EN)
    assert "available now" in text(answer)
    assert BackInStockAlert.select().count() == 0


def test_another_shops_product_is_not_found(client, shop, other_shop):
    theirs = Product.create(shop=other_shop, name="X", slug="x", price=1000, stock=0)
    answer = client.post(f"/s/workshop/backinstock/products/{theirs.id}/alert", data={"bis-email": "a@b.test"})
    assert answer.status_code == 404


#region test_disabled
def test_disabled_plugin_hides_fragment_404s_and_keeps_alerts(client, shop, sold_out, disable_plugin):
    client.hx_post(alert_url(sold_out), data={"bis-email": "buyer@example.test"})
    disable_plugin(shop, "backinstock")
    assert 'id="backinstock"' not in text(client.get(page_of(sold_out)))
    assert client.post(alert_url(sold_out), data={"bis-email": "other@example.test"}).status_code == 404
    assert BackInStockAlert.select().count() == 1
#endregion


# ---------------------------------------------------------------------------
# the owner's waiting list and the notification
# ---------------------------------------------------------------------------


def wait_for(product, email="buyer@example.test"):
    return BackInStockAlert.create(shop=product.shop, product=product, email=email, lang="en")


def mails_to(email):
    return list(OutboxMail.select().where(OutboxMail.to == email))


def test_waiting_list_is_for_owner_and_staff_only(client, customer_client, other_owner_client, owner_client,
                                                  staff_client, sold_out):
    wait_for(sold_out)
    url = "/s/workshop/backinstock/"
    assert client.get(url).status_code in (302, 303)
    assert customer_client.get(url).status_code == 403
    assert other_owner_client.get(url).status_code == 403
    for team in (owner_client, staff_client):
        page = team.get(url, headers=EN)
        assert page.status_code == 200 and "buyer@example.test" in text(page)
    assert customer_client.post("/s/workshop/backinstock/notify").status_code == 403
    assert client.post("/s/workshop/backinstock/notify").status_code in (302, 303)


def test_dashboard_card_counts_waiting_customers(owner_client, sold_out):
    wait_for(sold_out)
    page = text(owner_client.get("/s/workshop/manage/", headers=EN))
    assert "Back in stock" in page and "customer waiting" in page


#region test_notify
def test_owner_notifies_once_after_restocking(owner_client, sold_out):
    alert = wait_for(sold_out)
    nothing = owner_client.hx_post("/s/workshop/backinstock/notify", headers=EN)
    assert "0 customers e-mailed." in text(nothing) and mails_to(alert.email) == []

    Product.update(stock=3).where(Product.id == sold_out.id).execute()
    sent = owner_client.hx_post("/s/workshop/backinstock/notify", headers=EN)
    assert "1 customer e-mailed." in text(sent)
    [mail] = mails_to(alert.email)
    assert "Pantofel Classic" in mail.subject and "/s/workshop/p/pantofel-classic" in mail.body_text

    again = owner_client.hx_post("/s/workshop/backinstock/notify", headers=EN)
    assert "0 customers e-mailed." in text(again) and len(mails_to(alert.email)) == 1
    assert BackInStockAlert.get_by_id(alert.id).notified_at is not None
#endregion


def place_order(shop, product, quantity=1):
    """An open order holding ``quantity`` of ``product`` (its stock already taken)."""
    order = Order.create(shop=shop, number="TWS-1", name="Buyer", email="early@example.test", phone="+6281234567890",
                         delivery_method="pickup", subtotal=product.price * quantity, total=product.price * quantity)
    OrderItem.create(order=order, product=product, name=product.name, unit_price=product.price, quantity=quantity,
                     line_total=product.price * quantity)
    return order


def test_a_cancelled_order_returning_stock_notifies_waiting_customers(portal_app, shop, sold_out):
    alert = wait_for(sold_out)
    order = place_order(shop, sold_out)
    transition(order, "cancel", role="owner")
    assert Product.get_by_id(sold_out.id).stock == 1
    assert len(mails_to(alert.email)) == 1
    assert BackInStockAlert.get_by_id(alert.id).notified_at is not None


def test_automatic_notice_can_be_switched_off(portal_app, shop, sold_out, owner_client):
    # An unticked box is sent as nothing; "" is how a form says "false" explicitly.
    answer = owner_client.post("/s/workshop/manage/modules/backinstock/settings",
                               data={"settings-backinstock-auto_notify": ""})
    assert answer.status_code == 303
    assert plugin_settings(shop, "backinstock")["auto_notify"] is False
    alert = wait_for(sold_out)
    transition(place_order(shop, sold_out), "cancel", role="owner")
    assert mails_to(alert.email) == []
