"""Demo data (idempotent, believable), the plugin's declaration and its menu entries."""
from __future__ import annotations

from decimal import Decimal

from plugins.suppliers import demo
from plugins.suppliers.models import BomLine, Material, PurchaseOrder, StockMovement, Supplier
from plugins.suppliers.stock import movements_total
from portal.core.models import Product
from portal.core.shops import add_member
from portal.testing import make_shop, make_user


def _demo_shop():
    owner = make_user("owner@demo.test", "Asep Suryana")
    shop = make_shop("cibaduyut", owner=owner, name="Sepatu Kulit Cibaduyut", order_prefix="CBD")
    add_member(shop, make_user("supplier@demo.test", "Dadang Hermawan"), "supplier")
    for name in ("Pantofel Oxford Klasik Hitam", "Chelsea Boots Cokelat", "Sneakers Kulit Putih Minimalis",
                 "Ikat Pinggang Kulit Sapi Asli"):
        Product.create(shop=shop, name=name, slug=name.lower().replace(" ", "-"), price=500_000, stock=5)
    return shop


def test_demo_data_is_believable_and_idempotent(portal_app):
    shop = _demo_shop()
    with portal_app.test_request_context():
        first = demo.load(shop)
        second = demo.load(shop)
    assert first == second == {"materials": 8, "purchase orders": 4}
    garut = Supplier.get(Supplier.name == "CV Kulit Garut")
    assert garut.user.email == "supplier@demo.test"
    statuses = sorted(po.status for po in PurchaseOrder.select())
    assert statuses == ["closed", "confirmed", "draft", "sent"]
    # Pantofel, boots and sneakers have bills of materials; the belt does not.
    with_bom = {line.product.name for line in BomLine.select()}
    assert with_bom == {"Pantofel Oxford Klasik Hitam", "Chelsea Boots Cokelat", "Sneakers Kulit Putih Minimalis"}
    black = Material.get(Material.name == "Kulit sapi box hitam")
    assert black.on_hand == Decimal("330")  # 180 counted + 150 received in two parts
    for material in Material.select():
        assert material.on_hand == movements_total(material)
    assert StockMovement.select().where(StockMovement.kind == "received").count() == 2


def test_demo_data_skips_other_shops(portal_app, shop):
    with portal_app.test_request_context():
        assert demo.load(shop) is None
    assert Supplier.select().count() == 0


def test_blueprint_lives_under_the_plugin_name_and_the_portal_beside_it(portal_app):
    rules = {r.rule for r in portal_app.url_map.iter_rules() if r.endpoint.startswith("suppliers.")}
    assert portal_app.blueprints["suppliers"].url_prefix == "/s/<shop_slug>/suppliers"
    assert "/supplier/" in rules and all(r.startswith(("/s/<shop_slug>/suppliers/", "/supplier/")) for r in rules)


def test_platform_disallowed_plugin_closes_the_portal_too(portal_app, cast, supplier_client):
    from portal.core.shops import set_platform_plugin_allowed

    set_platform_plugin_allowed("suppliers", False)
    assert supplier_client.get("/supplier/").status_code == 404
    assert 'href="/supplier/"' not in supplier_client.get("/").get_data(as_text=True)


def test_dashboard_card_and_order_sidebar(stuff, owner_client):
    from tests.plugins.suppliers.conftest import EN, TO_PAID, advance, place, sent_po

    stuff.leather.reorder_level = Decimal("20")
    stuff.leather.save()
    order = advance(place(stuff.shop, [(stuff.oxford, 2)]), *TO_PAID)
    po = sent_po(stuff, stuff.a, [(stuff.leather, "5")])
    from plugins.suppliers.models import PurchaseOrderLink

    PurchaseOrderLink.create(po=po, order=order)
    dashboard = owner_client.get(f"/s/{stuff.shop.slug}/manage/", headers=EN).get_data(as_text=True)
    assert dashboard.count("<h3>Materials</h3>") == 1
    assert "1</strong> material at or below its reorder level" in dashboard
    assert "1 purchase order waits for the supplier" in dashboard
    url = f"/s/{stuff.shop.slug}/manage/orders/{order.number}"
    before = owner_client.get(url, headers=EN).get_data(as_text=True)
    assert before.count('id="suppliers-order-title"') == 1
    assert "Production will take:" in before and "Kulit sapi: 7 ft²" in before and po.number in before
    advance(order, "start_production")
    after = owner_client.get(url, headers=EN).get_data(as_text=True)
    assert "Taken from stock for production:" in after and "Kulit sapi: 7 ft²" in after and "Sol karet: 2 pair" in after


def test_sidebar_and_card_vanish_when_switched_off(stuff, owner_client, disable_plugin):
    from tests.plugins.suppliers.conftest import EN, TO_PAID, advance, place

    order = advance(place(stuff.shop, [(stuff.oxford, 1)]), *TO_PAID)
    disable_plugin(stuff.shop, "suppliers")
    assert 'id="suppliers-order-title"' not in owner_client.get(
        f"/s/{stuff.shop.slug}/manage/orders/{order.number}", headers=EN).get_data(as_text=True)
    assert "<h3>Materials</h3>" not in owner_client.get(f"/s/{stuff.shop.slug}/manage/", headers=EN).get_data(as_text=True)
