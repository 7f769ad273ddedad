"""Production consumes materials once; the order timeline tells the customer about materials without naming anyone."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from plugins.suppliers.models import StockMovement
from plugins.suppliers.purchasing import act, link_order
from plugins.suppliers.stock import consume_for_order, on_order_transition, restore_for_order
from portal.core.orders import Order
from tests.plugins.suppliers.conftest import EN, TO_PAID, advance, on_hand, place, sent_po, text

D = Decimal


def movements(order):
    return sorted((m.material.name, m.kind, m.quantity) for m in StockMovement.select().where(StockMovement.order == order))


def test_entering_production_consumes_the_bill_of_materials(stuff):
    order = advance(place(stuff.shop, [(stuff.oxford, 2), (stuff.boot, 1)]), *TO_PAID)
    assert movements(order) == []  # confirmed and paid: nothing taken yet
    advance(order, "start_production")
    assert movements(order) == [("Kulit sapi", "consumed", D("-12.25")), ("Lem", "consumed", D("-0.1")),
                                ("Sol karet", "consumed", D("-3"))]
    # Stock may go below zero: production happened; the number says what must be counted or ordered.
    assert (on_hand(stuff.leather), on_hand(stuff.sole), on_hand(stuff.glue)) == (D("-2.25"), D("-2"), D("-0.1"))


def test_consumption_happens_once(stuff):
    order = advance(place(stuff.shop, [(stuff.oxford, 1)]), *TO_PAID, "start_production")
    assert consume_for_order(order) == 0
    advance(order, "mark_ready")  # in production -> ready: nothing more
    assert len(movements(order)) == 2 and on_hand(stuff.leather) == D("6.5")


def test_skipping_the_production_step_still_consumes(stuff):
    order = advance(place(stuff.shop, [(stuff.oxford, 1)]), *TO_PAID, "mark_ready")
    assert movements(order) == [("Kulit sapi", "consumed", D("-3.5")), ("Sol karet", "consumed", D("-1"))]


def test_cancelled_before_production_consumes_nothing(stuff):
    order = advance(place(stuff.shop, [(stuff.oxford, 1)]), *TO_PAID, "cancel")
    assert order.status == "cancelled" and movements(order) == []
    assert on_hand(stuff.leather) == D("10")


def test_an_order_ended_after_consumption_gets_its_materials_back(stuff):
    # Core's flow cannot cancel an order in production today; if a later version can, the
    # plugin restores what was taken (the workshop adjusts away spoiled leather with a reason).
    order = advance(place(stuff.shop, [(stuff.boot, 1)]), *TO_PAID, "start_production")
    Order.update(status="cancelled").where(Order.id == order.id).execute()
    assert on_order_transition(order, "in_production", "cancelled") == 3
    assert on_hand(stuff.leather) == D("10") and on_hand(stuff.glue) == D("0")
    assert restore_for_order(order) == 0  # once only
    kinds = [k for _, k, _ in movements(order)]
    assert kinds.count("restored") == 3 and kinds.count("consumed") == 3


def test_switched_off_plugin_consumes_nothing(stuff, disable_plugin):
    disable_plugin(stuff.shop, "suppliers")
    order = advance(place(stuff.shop, [(stuff.oxford, 1)]), *TO_PAID, "start_production")
    assert movements(order) == [] and on_hand(stuff.leather) == D("10")


def _timeline(app, shop, order, audience):
    from portal.core.timeline import plugin_entries

    with app.test_request_context(headers=EN):
        app.extensions["portal"].forget_request_cache()  # the test's app context outlives each "request"
        return [(str(e.label), e.note) for e in plugin_entries(shop, order, audience)]


def test_timeline_says_materials_ordered_then_confirmed(portal_app, stuff, customer, customer_client):
    order = advance(place(stuff.shop, [(stuff.oxford, 1)], customer=customer), *TO_PAID)
    assert _timeline(portal_app, stuff.shop, order, "customer") == []
    from plugins.suppliers.models import MATERIALS
    from plugins.suppliers.purchasing import create_po
    from portal.core.models import User

    owner = User.get(User.email == "owner@shop.test")
    po = create_po(stuff.shop, stuff.a, MATERIALS, actor=owner,
                   lines=[(stuff.leather, "Kulit sapi", "ft2", D("5"), 1000)], orders=[order])
    assert _timeline(portal_app, stuff.shop, order, "customer") == []  # a draft says nothing yet
    po = act(po, "send", owner, "owner")
    assert _timeline(portal_app, stuff.shop, order, "customer") == [("Materials ordered", "")]
    act(po, "confirm", stuff.user_a, "supplier", promised_date=dt.date.today())
    assert _timeline(portal_app, stuff.shop, order, "customer") == [
        ("Materials ordered", ""), ("Materials confirmed by the supplier", "")]
    assert _timeline(portal_app, stuff.shop, order, "staff") == [
        ("Materials ordered", po.number), ("Materials confirmed by the supplier", po.number)]
    page = text(customer_client.get(f"/s/{stuff.shop.slug}/orders/{order.number}", headers=EN))
    assert "Materials ordered" in page and "Materials confirmed by the supplier" in page
    assert "CV Kulit Garut" not in page and "Dadang" not in page and po.number not in page


def test_outsourced_work_has_its_own_words(portal_app, stuff):
    from plugins.suppliers.models import OUTSOURCED
    from plugins.suppliers.purchasing import add_line, create_po
    from portal.core.models import User

    owner = User.get(User.email == "owner@shop.test")
    order = advance(place(stuff.shop, [(stuff.boot, 1)]), *TO_PAID)
    po = create_po(stuff.shop, stuff.b, OUTSOURCED, actor=owner)
    add_line(po, None, "Jahit upper boots, 1 pasang", "pair", D("1"), 85_000)
    link_order(po, order)
    act(po, "send", owner, "owner")
    assert _timeline(portal_app, stuff.shop, order, "customer") == [("Part of the work handed to a partner workshop", "")]


def test_timeline_is_silent_when_switched_off(portal_app, stuff, disable_plugin):
    order = advance(place(stuff.shop, [(stuff.oxford, 1)]), *TO_PAID)
    po = sent_po(stuff, stuff.a, [(stuff.leather, "3")])
    from plugins.suppliers.models import PurchaseOrderLink

    PurchaseOrderLink.create(po=po, order=order)
    assert _timeline(portal_app, stuff.shop, order, "customer") == [("Materials ordered", "")]
    disable_plugin(stuff.shop, "suppliers")
    assert _timeline(portal_app, stuff.shop, order, "customer") == []


def test_cash_on_delivery_straight_from_confirmed_to_ready_consumes(stuff):
    # A COD order skips the transfer steps: "confirmed" may go straight to "ready".
    from plugins.suppliers import planning
    from portal.core.orders import COD

    order = place(stuff.shop, [(stuff.oxford, 2)])
    Order.update(payment_method=COD).where(Order.id == order.id).execute()
    order = advance(Order.get_by_id(order.id), "confirm")
    # Confirmed and not yet made: the requirements page plans for it.
    assert [r.needed for r in planning.requirements(stuff.shop) if r.material.id == stuff.leather.id] == [D("7")]
    order = advance(order, "mark_ready")
    assert order.status == "ready"
    assert movements(order) == [("Kulit sapi", "consumed", D("-7")), ("Sol karet", "consumed", D("-2"))]
    assert on_hand(stuff.leather) == D("3") and planning.requirements(stuff.shop) == []


def test_core_refuses_to_cancel_an_order_in_production_and_its_materials_stay_used(stuff):
    import pytest

    from portal.core.order_flow import TransitionError

    order = advance(place(stuff.shop, [(stuff.oxford, 1)]), *TO_PAID, "start_production")
    with pytest.raises(TransitionError):
        advance(order, "cancel")
    assert Order.get_by_id(order.id).status == "in_production"
    assert [k for _, k, _ in movements(order)] == ["consumed", "consumed"] and on_hand(stuff.leather) == D("6.5")


# ---------------------------------------------------------------------------
# consumption belongs to the status change's transaction
# ---------------------------------------------------------------------------


def _events(order):
    from portal.core.orders import OrderEvent

    return [e.action for e in OrderEvent.select().where(OrderEvent.order == order.id).order_by(OrderEvent.id)]


def test_consumption_happens_inside_the_status_change(stuff, monkeypatch):
    from plugins.suppliers import stock
    from portal.core.db import db

    seen = []
    real = stock.consume_for_order

    def spy(order, actor=None):
        # Inside the step's transaction, with the status already written there.
        seen.append((db.in_transaction(), Order.get_by_id(order.id).status))
        return real(order, actor)

    monkeypatch.setattr(stock, "consume_for_order", spy)
    order = advance(place(stuff.shop, [(stuff.oxford, 1)]), *TO_PAID, "start_production", "mark_ready")
    assert seen == [(True, "in_production")]
    assert movements(order) == [("Kulit sapi", "consumed", D("-3.5")), ("Sol karet", "consumed", D("-1"))]


def _cod(stuff):
    from portal.core.orders import COD

    order = place(stuff.shop, [(stuff.oxford, 2)])
    Order.update(payment_method=COD).where(Order.id == order.id).execute()
    return advance(Order.get_by_id(order.id), "confirm")


@pytest.mark.parametrize("path", ["transfer", "cod"])
def test_a_consumption_that_fails_leaves_the_status_where_it_was(stuff, monkeypatch, path):
    from plugins.suppliers import stock
    from portal.core.models import ShopModule
    from portal.core.order_flow import PluginWriteFailed

    order, action = ((advance(place(stuff.shop, [(stuff.oxford, 2)]), *TO_PAID), "start_production") if path == "transfer"
                     else (_cod(stuff), "mark_ready"))
    status, events = order.status, _events(order)
    real, calls = stock.move, []

    def fail_on_the_second(material, quantity, kind, **kwargs):
        calls.append(material.name)
        if len(calls) == 2:  # one material already taken: it must not stay taken
            raise RuntimeError("disk I/O error")
        return real(material, quantity, kind, **kwargs)

    monkeypatch.setattr(stock, "move", fail_on_the_second)
    with pytest.raises(PluginWriteFailed, match="Suppliers and materials"):
        advance(order, action)
    assert Order.get_by_id(order.id).status == status and _events(order) == events
    assert movements(order) == [] and (on_hand(stuff.leather), on_hand(stuff.sole)) == (D("10"), D("1"))
    row = ShopModule.get((ShopModule.shop == stuff.shop) & (ShopModule.plugin == "suppliers"))
    assert "disk I/O error" in row.settings["_last_error"]
    # Once it works again, the step consumes exactly once.
    monkeypatch.setattr(stock, "move", real)
    advance(order, action)
    assert movements(order) == [("Kulit sapi", "consumed", D("-7")), ("Sol karet", "consumed", D("-2"))]


def test_a_material_gone_meanwhile_refuses_the_step_with_a_message(stuff, monkeypatch):
    from plugins.suppliers import stock
    from portal.core.order_flow import PluginWriteFailed, TransitionError

    order = advance(place(stuff.shop, [(stuff.oxford, 1)]), *TO_PAID)

    def gone(material, *args, **kwargs):
        raise stock.StockError(material.id)

    monkeypatch.setattr(stock, "move", gone)
    with pytest.raises(TransitionError, match="A material this order uses has just changed") as refused:
        advance(order, "start_production")
    assert not isinstance(refused.value, PluginWriteFailed)  # a refusal, not a failure
    assert Order.get_by_id(order.id).status == "paid" and movements(order) == []


def test_the_owner_is_told_when_production_could_not_take_the_materials(portal_app, owner_client, stuff, monkeypatch):
    from plugins.suppliers import stock

    with portal_app.test_request_context():
        order = advance(place(stuff.shop, [(stuff.oxford, 1)]), *TO_PAID)
    monkeypatch.setattr(stock, "move", lambda *a, **k: (_ for _ in ()).throw(RuntimeError("boom")))
    response = owner_client.hx_post(f"/s/{stuff.shop.slug}/manage/orders/{order.number}/action",
                                    data={"action": "start_production"}, headers=EN)
    assert response.status_code == 200
    assert ("The module “Suppliers and materials” could not record its part of this step, so nothing was changed."
            in text(response))
    assert Order.get_by_id(order.id).status == "paid" and movements(order) == []
