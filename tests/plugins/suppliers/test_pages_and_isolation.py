"""Who may open which page, the supplier's isolation (from other suppliers and from customers),
the switched-off plugin, menus, and hostile input shown inert."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from plugins.suppliers.models import (
    MATERIALS,
    OUTSOURCED,
    BomLine,
    Material,
    PurchaseOrder,
    Supplier,
)
from plugins.suppliers.purchasing import act, add_line, create_po, link_order
from portal.core.models import User
from portal.core.shops import add_member
from tests.plugins.suppliers.conftest import EN, TO_PAID, advance, place, sent_po, text

D = Decimal
CUSTOMER_NAME = "Rahmat Hidayatullah"
CUSTOMER_ADDRESS = "Jl. Rahasia Nomor 77"
CUSTOMER_PHONE = "+6281299887766"


def owner():
    return User.get(User.email == "owner@shop.test")


def back_office_urls(s, po):
    base = f"/s/{s.shop.slug}/suppliers/manage"
    return [f"{base}/", f"{base}/materials/{s.leather.id}", f"{base}/suppliers", f"{base}/suppliers/{s.a.id}",
            f"{base}/bom", f"{base}/bom/{s.oxford.id}", f"{base}/requirements", f"{base}/purchase-orders",
            f"{base}/purchase-orders/{po.id}"]


@pytest.fixture
def outsourced(stuff, customer):
    """An outsourced-work purchase order to supplier A, serving customer A's order (name, address, phone set)."""
    order = advance(place(stuff.shop, [(stuff.boot, 1)], customer=customer, name=CUSTOMER_NAME,
                          address=CUSTOMER_ADDRESS, phone=CUSTOMER_PHONE), *TO_PAID)
    po = create_po(stuff.shop, stuff.a, OUTSOURCED, actor=owner())
    add_line(po, None, "Jahit upper boots", "pair", D("1"), 85_000)
    link_order(po, order)
    stuff.order, stuff.po = order, act(po, "send", owner(), "owner")
    return stuff


@pytest.mark.parametrize("who", ["owner_client", "staff_client"])
def test_team_opens_every_back_office_page(request, outsourced, who):
    c = request.getfixturevalue(who)
    for url in back_office_urls(outsourced, outsourced.po):
        response = c.get(url, headers=EN)
        assert response.status_code == 200, url
        assert 'class="backoffice-menu"' in text(response)


@pytest.mark.parametrize("who,expected", [("client", "login"), ("customer_client", 403), ("supplier_client", 403),
                                          ("supplier_b_client", 403), ("courier_client", 403),
                                          ("other_owner_client", 403), ("admin_client", 403)])
def test_nobody_else_opens_the_back_office(request, outsourced, who, expected):
    c = request.getfixturevalue(who)
    for url in back_office_urls(outsourced, outsourced.po):
        response = c.get(url)
        if expected == "login":
            assert response.status_code in (302, 303) and "/login" in response.headers["Location"], url
        else:
            assert response.status_code == expected, url


def test_another_shops_objects_are_not_found(outsourced, other_shop, owner_client):
    theirs = Supplier.create(shop=other_shop, name="Elsewhere")
    material = Material.create(shop=other_shop, name="Kulit", unit="ft2")
    po = create_po(other_shop, theirs, MATERIALS, lines=[(material, "Kulit", "ft2", D("1"), 0)])
    base = f"/s/{outsourced.shop.slug}/suppliers/manage"
    for url in (f"{base}/materials/{material.id}", f"{base}/suppliers/{theirs.id}", f"{base}/purchase-orders/{po.id}"):
        assert owner_client.get(url).status_code == 404, url
    assert owner_client.post(f"{base}/purchase-orders/{po.id}/action", data={"action": "send"}).status_code == 404
    assert PurchaseOrder.get_by_id(po.id).status == "draft"


def test_supplier_sees_order_numbers_and_items_never_the_customer(outsourced, supplier_client):
    s = outsourced
    pages = [supplier_client.get("/supplier/", headers=EN), supplier_client.get(f"/supplier/orders/{s.po.id}", headers=EN),
             supplier_client.hx_get(f"/supplier/orders/{s.po.id}", headers=EN)]
    confirmed = supplier_client.hx_post(f"/supplier/orders/{s.po.id}/confirm",
                                        data={"cf-promised_date": dt.date.today().isoformat()}, headers=EN)
    pages.append(confirmed)
    detail = text(pages[1])
    assert s.order.number in detail and "Boot × 1" in detail and "Jahit upper boots" in detail
    for response in pages:
        body = text(response)
        assert response.status_code == 200
        for secret in (CUSTOMER_NAME, CUSTOMER_ADDRESS, CUSTOMER_PHONE, "siti@example.test", "customer@example.test",
                       "Customer A", "Rp4", "payment", "Payment"):
            assert secret not in body, secret


def test_supplier_mail_carries_no_customer_data(outsourced):
    from portal.core.models import OutboxMail

    mail = OutboxMail.get(OutboxMail.to == "garut@example.test")
    assert outsourced.order.number in mail.body_text
    for secret in (CUSTOMER_NAME, CUSTOMER_ADDRESS, CUSTOMER_PHONE):
        assert secret not in mail.body_text


def test_each_supplier_sees_only_their_own_orders_across_shops(stuff, other_shop, supplier_client, supplier_b_client,
                                                              enable_plugin, disable_plugin):
    mine = sent_po(stuff, stuff.a, [(stuff.leather, "3")])
    theirs = sent_po(stuff, stuff.b, [(stuff.sole, "2")])
    # Supplier A also supplies the other shop.
    add_member(other_shop, stuff.user_a, "supplier")
    elsewhere = Supplier.create(shop=other_shop, name="Garut branch", user=stuff.user_a)
    material = Material.create(shop=other_shop, name="Kulit kambing", unit="ft2")
    far = create_po(other_shop, elsewhere, MATERIALS, lines=[(material, material.name, "ft2", D("4"), 0)])
    far = act(far, "send", User.get(User.email == "owner@other.test"), "owner")
    page = text(supplier_client.get("/supplier/", headers=EN))
    assert mine.number in page and "Other Shop" in page and "Test Workshop" in page
    assert supplier_client.get(f"/supplier/orders/{far.id}").status_code == 200
    assert supplier_client.get(f"/supplier/orders/{theirs.id}").status_code == 404
    b_page = text(supplier_b_client.get("/supplier/", headers=EN))
    assert theirs.number in b_page and mine.number not in b_page and far.number not in b_page
    assert supplier_b_client.get(f"/supplier/orders/{mine.id}").status_code == 404
    assert supplier_b_client.get(f"/supplier/orders/{far.id}").status_code == 404
    # The other shop switches the plugin off: its orders leave A's portal, the workshop's stay.
    disable_plugin(other_shop, "suppliers")
    assert supplier_client.get(f"/supplier/orders/{far.id}").status_code == 404
    assert "Other Shop" not in text(supplier_client.get("/supplier/", headers=EN))
    enable_plugin(other_shop, "suppliers")
    assert supplier_client.get(f"/supplier/orders/{far.id}").status_code == 200


def test_losing_the_supplier_role_ends_access(stuff, supplier_client):
    po = sent_po(stuff, stuff.a, [(stuff.leather, "3")])
    add_member(stuff.shop, stuff.user_a, "courier")  # role changed by the owner on the team page
    assert supplier_client.get("/supplier/").status_code == 403
    assert supplier_client.get(f"/supplier/orders/{po.id}").status_code == 403


def test_menus(stuff, owner_client, supplier_client, customer_client):
    stuff.leather.reorder_level = D("20")
    stuff.leather.save()
    manage = text(owner_client.get(f"/s/{stuff.shop.slug}/manage/", headers=EN))
    assert f'href="/s/{stuff.shop.slug}/suppliers/manage/">Materials <mark>1</mark>' in manage
    sent_po(stuff, stuff.a, [(stuff.leather, "3")])
    sent_po(stuff, stuff.a, [(stuff.leather, "4")])
    assert 'href="/supplier/">Purchase orders <mark>2</mark>' in text(supplier_client.get("/", headers=EN))
    assert 'href="/supplier/"' not in text(customer_client.get("/", headers=EN))
    assert 'href="/supplier/"' not in text(owner_client.get("/", headers=EN))


def test_disabled_plugin_404s_keeps_data_and_comes_back(outsourced, owner_client, supplier_client, disable_plugin,
                                                        enable_plugin):
    s = outsourced
    urls = back_office_urls(s, s.po)
    disable_plugin(s.shop, "suppliers")
    for url in urls:
        assert owner_client.get(url).status_code == 404, url
    assert owner_client.post(f"/s/{s.shop.slug}/suppliers/manage/requirements/drafts").status_code == 404
    assert supplier_client.get(f"/supplier/orders/{s.po.id}").status_code == 404
    assert supplier_client.get("/supplier/").status_code == 404  # no shop of theirs has it on
    assert "Materials" not in text(owner_client.get(f"/s/{s.shop.slug}/manage/", headers=EN)).split("backoffice-menu")[1].split("</nav>")[0]
    assert Material.select().count() == 3 and PurchaseOrder.select().count() == 1 and BomLine.select().count() == 5
    enable_plugin(s.shop, "suppliers")
    for url in urls:
        assert owner_client.get(url).status_code == 200, url
    assert s.po.number in text(supplier_client.get("/supplier/", headers=EN))


HOSTILE = [
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
    "javascript:alert(1)",
    '<div hx-get="/admin/" hx-trigger="load">x</div>',
    "x" * 10_000,
    "Kulit\u200b\u200d\u202eterbalik",
]


def test_hostile_text_is_shown_inert(stuff, owner_client, supplier_client):
    s = stuff
    base = f"/s/{s.shop.slug}/suppliers/manage"
    hostile_name = '<script>alert(1)</script><img src=x onerror="alert(1)">'
    Material.update(name=hostile_name).where(Material.id == s.leather.id).execute()
    Supplier.update(name='<div hx-get="/admin/" hx-trigger="load">CV</div>', contact_person="javascript:alert(1)").where(
        Supplier.id == s.a.id).execute()
    po = sent_po(s, s.a, [(Material.get_by_id(s.leather.id), "2")])
    for note in HOSTILE:
        owner_client.post(f"{base}/purchase-orders/{po.id}/notes", data={"note-text": note[:2000]})
    long_note = supplier_client.hx_post(f"/supplier/orders/{po.id}/notes", data={"note-text": "x" * 10_000}, headers=EN)
    assert "field-error" in text(long_note)  # too long: refused with a reason, not stored
    supplier_client.post(f"/supplier/orders/{po.id}/notes", data={"note-text": HOSTILE[5]})
    pages = [owner_client.get(f"{base}/", headers=EN), owner_client.hx_get(f"{base}/", headers=EN),
             owner_client.get(f"{base}/purchase-orders/{po.id}", headers=EN),
             owner_client.hx_get(f"{base}/purchase-orders/{po.id}", headers=EN),
             owner_client.get(f"{base}/suppliers", headers=EN), owner_client.get(f"{base}/bom/{s.oxford.id}", headers=EN),
             supplier_client.get(f"/supplier/orders/{po.id}", headers=EN), supplier_client.get("/supplier/", headers=EN)]
    for response in pages:
        body = text(response)
        assert response.status_code == 200
        assert "<script>alert" not in body and "<img src=x" not in body and '<div hx-get="/admin/"' not in body
        assert 'href="javascript:' not in body
    detail = text(pages[2])
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in detail and "Kulit\u200b\u200d\u202eterbalik" in detail


def test_hostile_form_input_is_refused_or_escaped(stuff, owner_client):
    base = f"/s/{stuff.shop.slug}/suppliers/manage"
    answer = owner_client.hx_post(f"{base}/", data={"mat-name": "Kulit\x00\x1b[31m", "mat-unit": "<script>",
                                                    "mat-reorder_level": "1e309", "mat-cost": "-5",
                                                    "mat-on_hand": "NaN"}, headers=EN)
    body = text(answer)
    assert answer.status_code == 200 and body.count('class="field-error"') >= 4 and "<script>" not in body
    assert Material.select().count() == 3
    added = owner_client.hx_post(f"{base}/", data={"mat-name": "<b>Benang</b> " + "y" * 50, "mat-unit": "roll",
                                                   "mat-reorder_level": "2", "mat-cost": "32000", "mat-on_hand": "7.5"},
                                 headers=EN)
    assert "&lt;b&gt;Benang&lt;/b&gt;" in text(added) and "<b>Benang" not in text(added)
    benang = Material.get(Material.unit == "roll")
    assert benang.on_hand == D("7.5")
