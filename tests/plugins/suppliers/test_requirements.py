"""The material requirements calculation, with hand-made data and the answers written down."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from plugins.suppliers import planning
from plugins.suppliers.models import (
    DRAFT,
    MATERIALS,
    PurchaseOrder,
    PurchaseOrderLine,
    PurchaseOrderLink,
)
from plugins.suppliers.purchasing import act, create_po, lines_of, receive
from portal.core.models import User
from tests.plugins.suppliers.conftest import EN, TO_PAID, advance, on_hand, place, sent_po, text

D = Decimal


@pytest.fixture
def scenario(stuff):
    """Answers computed by hand:

    leather (10 on hand): order 3 in production takes 1 Oxford = 3.5 -> 6.5; PO of 10 sent to A,
    4 received -> on hand 10.5, on order 6. Needed: order 1 (4 Oxford = 14) + order 2 (1 Boot = 5.25)
    = 19.25 -> shortfall 19.25 - 10.5 - 6 = 2.75.
    soles (1 on hand): order 3 takes 1 -> 0. Needed 4 + 1 = 5; PO of 2 shipped by B, none received
    -> on order 2; a rejected PO does not count -> shortfall 3; a draft of 1 -> propose 2.
    glue (0 on hand, no supplier): needed 0.1 -> shortfall 0.1, proposed under "no supplier".
    """
    s = stuff
    owner = User.get(User.email == "owner@shop.test")
    s.o1 = advance(place(s.shop, [(s.oxford, 4)]), "confirm", "request_payment")
    s.o2 = advance(place(s.shop, [(s.boot, 1)]), *TO_PAID)
    s.o3 = advance(place(s.shop, [(s.oxford, 1)]), *TO_PAID, "start_production")
    s.o4 = place(s.shop, [(s.boot, 2)])  # placed, not yet confirmed
    s.o5 = advance(place(s.shop, [(s.boot, 3)]), "confirm", "cancel")

    leather_po = sent_po(s, s.a, [(s.leather, "10")])
    leather_po = act(leather_po, "confirm", s.user_a, "supplier", promised_date=dt.date(2026, 12, 1))
    receive(leather_po, {lines_of(leather_po)[0].id: D("4")}, owner, "owner")

    soles_po = sent_po(s, s.b, [(s.sole, "2")])
    soles_po = act(soles_po, "confirm", s.user_b, "supplier", promised_date=dt.date(2026, 12, 2))
    act(soles_po, "ship", s.user_b, "supplier")
    rejected = sent_po(s, s.b, [(s.sole, "10")])
    act(rejected, "reject", s.user_b, "supplier", note="Out of stock")
    create_po(s.shop, s.b, MATERIALS, actor=owner, lines=[(s.sole, s.sole.name, s.sole.unit, D("1"), 25_000)])
    return s


def by_name(rows):
    return {r.material.name: r for r in rows}


def test_requirements_match_the_hand_made_answers(scenario):
    s = scenario
    assert on_hand(s.leather) == D("10.5") and on_hand(s.sole) == D("0")
    rows = by_name(planning.requirements(s.shop))
    assert set(rows) == {"Kulit sapi", "Sol karet", "Lem"}
    leather, sole, glue = rows["Kulit sapi"], rows["Sol karet"], rows["Lem"]
    assert (leather.needed, leather.on_hand, leather.on_order, leather.shortfall, leather.in_drafts, leather.to_propose) == (
        D("19.25"), D("10.5"), D("6"), D("2.75"), D("0"), D("2.75"))
    assert (sole.needed, sole.on_hand, sole.on_order, sole.shortfall, sole.in_drafts, sole.to_propose) == (
        D("5"), D("0"), D("2"), D("3"), D("1"), D("2"))
    assert (glue.needed, glue.shortfall, glue.to_propose) == (D("0.1"), D("0.1"), D("0.1"))
    # Shared material: the leather of both products, from both waiting orders.
    assert leather.order_ids == {s.o1.id, s.o2.id}


def test_proposals_are_grouped_by_preferred_supplier(scenario):
    s = scenario
    groups = planning.proposals(planning.requirements(s.shop))
    assert [(g.supplier.name if g.supplier else None, [(r.material.name, r.to_propose) for r in g.rows]) for g in groups] == [
        ("CV Kulit Garut", [("Kulit sapi", D("2.75"))]),
        ("UD Sol Jaya", [("Sol karet", D("2"))]),
        (None, [("Lem", D("0.1"))]),
    ]
    # 2.75 ft² at Rp40.000
    assert groups[0].total == 110_000


def test_create_drafts_once_then_nothing_more(scenario):
    s = scenario
    owner = User.get(User.email == "owner@shop.test")
    before = PurchaseOrder.select().count()
    created = planning.create_drafts(s.shop, owner, "owner")
    assert [(po.supplier.name, po.status) for po in created] == [("CV Kulit Garut", DRAFT), ("UD Sol Jaya", DRAFT)]
    assert [(line.material_id, line.quantity, line.unit_cost) for line in lines_of(created[0])] == [
        (s.leather.id, D("2.75"), 40_000)]
    assert [(line.material_id, line.quantity) for line in lines_of(created[1])] == [(s.sole.id, D("2"))]
    linked = {link.order_id for link in PurchaseOrderLink.select().where(PurchaseOrderLink.po == created[0])}
    assert linked == {s.o1.id, s.o2.id}
    # The drafts now cover the shortfall: a second press creates nothing.
    assert planning.create_drafts(s.shop, owner, "owner") == []
    assert PurchaseOrder.select().count() == before + 2
    rows = by_name(planning.requirements(s.shop))
    assert rows["Kulit sapi"].in_drafts == D("2.75") and rows["Kulit sapi"].to_propose == 0


def test_partial_receipts_reduce_what_is_on_order(scenario):
    s = scenario
    owner = User.get(User.email == "owner@shop.test")
    po = PurchaseOrder.get((PurchaseOrder.supplier == s.a) & (PurchaseOrder.status == "confirmed"))
    line = PurchaseOrderLine.get(PurchaseOrderLine.po == po)
    receive(po, {line.id: D("2.5")}, owner, "owner")
    leather = by_name(planning.requirements(s.shop))["Kulit sapi"]
    # on hand 13, on order 3.5: the shortfall is unchanged (stock moved from "on order" to "on hand").
    assert (leather.on_hand, leather.on_order, leather.shortfall) == (D("13"), D("3.5"), D("2.75"))


def test_orders_entering_production_leave_the_requirements(scenario):
    s = scenario
    advance(s.o2, "start_production")
    leather = by_name(planning.requirements(s.shop))["Kulit sapi"]
    # Order 2's boot took 5.25 from stock: needed 14, on hand 5.25, on order 6.
    assert (leather.needed, leather.on_hand, leather.on_order, leather.shortfall) == (
        D("14"), D("5.25"), D("6"), D("2.75"))


def test_other_shops_orders_and_materials_do_not_count(scenario, other_shop):
    from plugins.suppliers.models import BomLine, Material
    from tests.plugins.suppliers.conftest import make_product

    theirs = Material.create(shop=other_shop, name="Kulit sapi", unit="ft2")
    product = make_product(other_shop, "Their oxford")
    BomLine.create(product=product, material=theirs, quantity=D("9"))
    advance(place(other_shop, [(product, 5)]), *TO_PAID)
    assert by_name(planning.requirements(scenario.shop))["Kulit sapi"].needed == D("19.25")
    assert [r.needed for r in planning.requirements(other_shop)] == [D("45")]


def test_the_page_shows_the_numbers_and_creates_drafts_in_one_click(scenario, owner_client):
    url = f"/s/{scenario.shop.slug}/suppliers/manage/requirements"
    page = text(owner_client.get(url, headers=EN))
    assert "19.25" in page and "2.75" in page and "No preferred supplier" in page
    assert 'hx-indicator="#drafts-spinner"' in page
    answer = owner_client.hx_post(f"{url.rsplit('/', 1)[0]}/requirements/drafts", headers=EN)
    assert answer.status_code == 200
    body = text(answer)
    assert "<html" not in body and "2 draft purchase orders created." in body
    assert f"/s/{scenario.shop.slug}/suppliers/manage/purchase-orders?status=draft" in body
    again = text(owner_client.hx_post(f"{url.rsplit('/', 1)[0]}/requirements/drafts", headers=EN))
    assert "Nothing to order" in again
    assert PurchaseOrder.select().where(PurchaseOrder.status == DRAFT).count() == 3


def test_no_waiting_orders_means_no_requirements(stuff, owner_client):
    assert planning.requirements(stuff.shop) == []
    page = text(owner_client.get(f"/s/{stuff.shop.slug}/suppliers/manage/requirements", headers=EN))
    assert "No waiting order needs materials" in page
