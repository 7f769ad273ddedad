"""Every purchase-order step, who may take it and who may not, receipts, stock and the supplier's e-mail."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from plugins.suppliers.models import (
    MATERIALS,
    PO_STATUSES,
    Material,
    PurchaseOrder,
    PurchaseOrderEvent,
    StockMovement,
)
from plugins.suppliers.purchasing import POError, act, create_po, lines_of, receive
from plugins.suppliers.stock import movements_total
from portal.core.models import OutboxMail, User
from tests.plugins.suppliers.conftest import EN, on_hand, sent_po, text

D = Decimal
TOMORROW = (dt.date.today() + dt.timedelta(days=1)).isoformat()


def owner():
    return User.get(User.email == "owner@shop.test")


def draft(s, supplier=None, qty="10"):
    return create_po(s.shop, supplier or s.a, MATERIALS, actor=owner(),
                     lines=[(s.leather, s.leather.name, s.leather.unit, D(qty), s.leather.cost)])


def status(po) -> str:
    return PurchaseOrder.get_by_id(po.id).status


def team_url(s, po, what):
    return f"/s/{s.shop.slug}/suppliers/manage/purchase-orders/{po.id}/{what}"


def portal_url(po, what=""):
    return f"/supplier/orders/{po.id}" + (f"/{what}" if what else "")


# ---- the team's steps: send, cancel, receive, close -------------------------------------------------


TEAM_REFUSED = [("client", "login"), ("customer_client", 403), ("other_customer_client", 403),
                ("supplier_client", 403), ("supplier_b_client", 403), ("courier_client", 403),
                ("other_owner_client", 403), ("admin_client", 403)]


def _refused(response, expected):
    if expected == "login":
        return response.status_code in (302, 303) and "/login" in response.headers["Location"]
    return response.status_code == expected


@pytest.mark.parametrize("who", ["owner_client", "staff_client"])
def test_team_sends_a_draft_and_the_supplier_is_emailed(request, stuff, who):
    po = draft(stuff)
    response = request.getfixturevalue(who).hx_post(team_url(stuff, po, "action"), data={"action": "send"}, headers=EN)
    assert response.status_code == 200 and "Sent to CV Kulit Garut." in text(response)
    assert status(po) == "sent"
    event = PurchaseOrderEvent.get((PurchaseOrderEvent.po == po) & (PurchaseOrderEvent.action == "send"))
    assert event.actor.email == f"{who.split('_')[0]}@shop.test" and event.role == who.split("_")[0]
    assert event.from_status == "draft" and event.to_status == "sent" and event.created_at is not None
    [mail] = OutboxMail.select().where(OutboxMail.to == "garut@example.test")
    assert po.number in mail.subject and "Kulit sapi" in mail.body_text
    assert f"/supplier/orders/{po.id}" in mail.body_text


@pytest.mark.parametrize("who,expected", TEAM_REFUSED)
def test_nobody_else_may_send_cancel_receive_or_close(request, stuff, who, expected):
    po = draft(stuff)
    c = request.getfixturevalue(who)
    for action in ("send", "cancel"):
        assert _refused(c.post(team_url(stuff, po, "action"), data={"action": action}), expected), action
    assert status(po) == "draft"
    po = act(po, "send", owner(), "owner")
    po = act(po, "confirm", stuff.user_a, "supplier", promised_date=dt.date.today())
    line = lines_of(po)[0]
    assert _refused(c.post(team_url(stuff, po, "receive"), data={f"rcv-line-{line.id}": "3"}), expected)
    assert _refused(c.post(team_url(stuff, po, "action"), data={"action": "close"}), expected)
    assert status(po) == "confirmed" and on_hand(stuff.leather) == D("10")
    assert OutboxMail.select().where(OutboxMail.to == "garut@example.test").count() == 1  # the owner's send only


def test_mail_is_written_in_the_suppliers_language(stuff):
    User.update(locale="en").where(User.id == stuff.user_a.id).execute()
    act(draft(stuff), "send", owner(), "owner")
    stuff.b.lang = "id"
    stuff.b.user = None
    stuff.b.save()
    act(draft(stuff, stuff.b), "send", owner(), "owner")
    english = OutboxMail.get(OutboxMail.to == "garut@example.test")
    indonesian = OutboxMail.get(OutboxMail.to == "soljaya@example.test")
    assert "Purchase order" in english.subject and "Please confirm it" in english.body_text
    assert "Pesanan pembelian" in indonesian.subject
    # No portal account: no portal link in the mail.
    assert "/supplier/orders/" not in indonesian.body_text


def test_an_empty_draft_cannot_be_sent(stuff, owner_client):
    po = create_po(stuff.shop, stuff.a, MATERIALS, actor=owner())
    answer = owner_client.hx_post(team_url(stuff, po, "action"), data={"action": "send"}, headers=EN)
    assert answer.status_code == 409 and "Add at least one line" in text(answer)
    assert status(po) == "draft" and OutboxMail.select().count() == 0


def test_cancel_from_draft_and_from_sent(stuff, owner_client):
    a, b = draft(stuff), act(draft(stuff), "send", owner(), "owner")
    for po in (a, b):
        assert owner_client.post(team_url(stuff, po, "action"), data={"action": "cancel"}).status_code == 303
        assert status(po) == "cancelled"
    again = owner_client.hx_post(team_url(stuff, a, "action"), data={"action": "send"}, headers=EN)
    assert again.status_code == 409 and "that step is not possible now" in text(again)


# ---- the supplier's steps: confirm, reject, reschedule, ship ---------------------------------------


def test_supplier_confirms_with_a_date_then_ships(stuff, supplier_client):
    po = sent_po(stuff, stuff.a, [(stuff.leather, "10")])
    missing = supplier_client.hx_post(portal_url(po, "confirm"), data={}, headers=EN)
    assert missing.status_code == 200 and 'class="field-error"' in text(missing) and status(po) == "sent"
    ok = supplier_client.hx_post(portal_url(po, "confirm"), data={"cf-promised_date": TOMORROW, "cf-note": "Siap"},
                                 headers=EN)
    assert ok.status_code == 200 and "Confirmed. Thank you!" in text(ok)
    fresh = PurchaseOrder.get_by_id(po.id)
    assert fresh.status == "confirmed" and fresh.promised_date.isoformat() == TOMORROW
    later = (dt.date.today() + dt.timedelta(days=5)).isoformat()
    supplier_client.post(portal_url(po, "reschedule"), data={"cf-promised_date": later})
    assert PurchaseOrder.get_by_id(po.id).promised_date.isoformat() == later
    supplier_client.post(portal_url(po, "ship"), data={"sh-note": "JNE 1234"})
    assert status(po) == "shipped"
    actions = [(e.action, e.role, e.actor_id) for e in
               PurchaseOrderEvent.select().where(PurchaseOrderEvent.po == po).order_by(PurchaseOrderEvent.id)]
    assert actions == [("create", "owner", owner().id), ("send", "owner", owner().id),
                       ("confirm", "supplier", stuff.user_a.id), ("reschedule", "supplier", stuff.user_a.id),
                       ("ship", "supplier", stuff.user_a.id)]


def test_supplier_rejects_with_a_reason(stuff, supplier_client, owner_client):
    po = sent_po(stuff, stuff.a, [(stuff.leather, "10")])
    empty = supplier_client.hx_post(portal_url(po, "reject"), data={"rj-reason": "  "}, headers=EN)
    assert 'class="field-error"' in text(empty) and status(po) == "sent"
    supplier_client.post(portal_url(po, "reject"), data={"rj-reason": "Kulit habis sampai bulan depan"})
    assert status(po) == "rejected"
    page = text(owner_client.get(team_url(stuff, po, "").rstrip("/"), headers=EN))
    assert "Kulit habis sampai bulan depan" in page
    # A rejected order may be closed by the team, nothing else.
    assert owner_client.post(team_url(stuff, po, "action"), data={"action": "close"}).status_code == 303
    assert status(po) == "closed"


SUPPLIER_REFUSED = [("client", "login"), ("customer_client", 403), ("owner_client", 403), ("staff_client", 403),
                    ("courier_client", 403), ("other_owner_client", 403), ("admin_client", 403),
                    ("supplier_b_client", 404)]


@pytest.mark.parametrize("who,expected", SUPPLIER_REFUSED)
def test_only_the_addressed_supplier_may_answer(request, stuff, who, expected):
    po = sent_po(stuff, stuff.a, [(stuff.leather, "10")])
    c = request.getfixturevalue(who)
    assert _refused(c.get(portal_url(po)), expected)
    assert _refused(c.post(portal_url(po, "confirm"), data={"cf-promised_date": TOMORROW}), expected)
    assert _refused(c.post(portal_url(po, "reject"), data={"rj-reason": "no"}), expected)
    assert _refused(c.post(portal_url(po, "notes"), data={"note-text": "hello"}), expected)
    assert status(po) == "sent"
    act(po, "confirm", stuff.user_a, "supplier", promised_date=dt.date.today())
    assert _refused(c.post(portal_url(po, "ship"), data={}), expected)
    assert _refused(c.post(portal_url(po, "reschedule"), data={"cf-promised_date": TOMORROW}), expected)
    assert status(po) == "confirmed"
    assert PurchaseOrderEvent.select().where(PurchaseOrderEvent.action == "note").count() == 0


def test_steps_out_of_order_are_refused(stuff, supplier_client):
    po = sent_po(stuff, stuff.a, [(stuff.leather, "10")])
    early = supplier_client.hx_post(portal_url(po, "ship"), data={}, headers=EN)
    assert early.status_code == 409 and "that step is not possible now" in text(early)
    with pytest.raises(POError):
        act(po, "confirm", owner(), "owner", promised_date=dt.date.today())  # the shop cannot confirm for the supplier
    with pytest.raises(POError):
        act(po, "send", stuff.user_a, "supplier")
    assert status(po) == "sent"


def test_a_draft_is_invisible_to_the_supplier(stuff, supplier_client):
    po = draft(stuff)
    assert supplier_client.get(portal_url(po)).status_code == 404
    assert po.number not in text(supplier_client.get("/supplier/", headers=EN))


# ---- receipts and stock --------------------------------------------------------------------------


def test_partial_then_full_receipt_raises_stock_by_movements(stuff, owner_client):
    po = sent_po(stuff, stuff.a, [(stuff.leather, "10"), (stuff.sole, "4")])
    act(po, "confirm", stuff.user_a, "supplier", promised_date=dt.date.today())
    leather_line, sole_line = lines_of(po)
    first = owner_client.hx_post(team_url(stuff, po, "receive"),
                                 data={f"rcv-line-{leather_line.id}": "6,5", "rcv-note": "first batch"}, headers=EN)
    assert first.status_code == 200 and "Receipt recorded" in text(first)
    assert status(po) == "confirmed" and on_hand(stuff.leather) == D("16.5")
    too_much = owner_client.hx_post(team_url(stuff, po, "receive"), data={f"rcv-line-{leather_line.id}": "4"},
                                    headers=EN)
    assert too_much.status_code == 409 and on_hand(stuff.leather) == D("16.5")
    junk = owner_client.hx_post(team_url(stuff, po, "receive"), data={f"rcv-line-{sole_line.id}": "NaN"}, headers=EN)
    assert "Enter a number" in text(junk) and on_hand(stuff.sole) == D("1")
    owner_client.post(team_url(stuff, po, "receive"),
                      data={f"rcv-line-{leather_line.id}": "3.5", f"rcv-line-{sole_line.id}": "4"})
    assert status(po) == "received"
    assert (on_hand(stuff.leather), on_hand(stuff.sole)) == (D("20"), D("5"))
    received = StockMovement.select().where((StockMovement.po == po) & (StockMovement.kind == "received"))
    assert sorted(m.quantity for m in received) == [D("3.5"), D("4"), D("6.5")]
    owner_client.post(team_url(stuff, po, "action"), data={"action": "close"})
    assert status(po) == "closed"


def test_closing_short_keeps_what_arrived(stuff, owner_client):
    po = sent_po(stuff, stuff.a, [(stuff.leather, "10")])
    act(po, "confirm", stuff.user_a, "supplier", promised_date=dt.date.today())
    owner_client.post(team_url(stuff, po, "receive"), data={f"rcv-line-{lines_of(po)[0].id}": "2"})
    owner_client.post(team_url(stuff, po, "action"), data={"action": "close"})
    assert status(po) == "closed" and on_hand(stuff.leather) == D("12")


def test_on_hand_always_equals_the_sum_of_movements(stuff, owner_client):
    from tests.plugins.suppliers.conftest import TO_PAID, advance, place

    po = sent_po(stuff, stuff.a, [(stuff.leather, "7.125")])
    act(po, "confirm", stuff.user_a, "supplier", promised_date=dt.date.today())
    owner_client.post(team_url(stuff, po, "receive"), data={f"rcv-line-{lines_of(po)[0].id}": "7.125"})
    owner_client.post(f"/s/{stuff.shop.slug}/suppliers/manage/materials/{stuff.leather.id}/adjust",
                      data={"adj-change": "-1.5", "adj-reason": "Cacat, dibuang"})
    order = advance(place(stuff.shop, [(stuff.oxford, 2), (stuff.boot, 1)]), *TO_PAID, "start_production")
    assert order.status == "in_production"
    for material in Material.select():
        assert material.on_hand == movements_total(material), material.name
    # 10 + 7.125 - 1.5 - (2 x 3.5 + 5.25)
    assert on_hand(stuff.leather) == D("3.375")


def test_adjustment_needs_a_reason_and_a_non_zero_change(stuff, owner_client):
    url = f"/s/{stuff.shop.slug}/suppliers/manage/materials/{stuff.leather.id}/adjust"
    page = text(owner_client.hx_post(url, data={"adj-change": "0", "adj-reason": ""}, headers=EN))
    assert page.count('class="field-error"') == 2
    assert StockMovement.select().where(StockMovement.material == stuff.leather).count() == 1


def test_notes_thread_is_shared_by_team_and_supplier(stuff, owner_client, supplier_client):
    po = sent_po(stuff, stuff.a, [(stuff.leather, "10")])
    owner_client.post(team_url(stuff, po, "notes"), data={"note-text": "Tolong warna cokelat tua"})
    supplier_client.post(portal_url(po, "notes"), data={"note-text": "Baik, kami siapkan"})
    for page in (text(owner_client.get(team_url(stuff, po, "").rstrip("/"))),
                 text(supplier_client.get(portal_url(po)))):
        assert "Tolong warna cokelat tua" in page and "Baik, kami siapkan" in page


def test_the_mail_reads_well(stuff):
    from plugins.suppliers.purchasing import link_order
    from portal.core.orders import Order

    po = draft(stuff, qty="12.5")
    order = Order.create(shop=stuff.shop, number="TWS-20261128-0042", name="x", email="x@example.test", phone="0",
                         delivery_method="pickup", subtotal=0, total=0)
    link_order(po, order)
    User.update(locale="en").where(User.id == stuff.user_a.id).execute()
    act(po, "send", owner(), "owner")
    body = OutboxMail.get(OutboxMail.to == "garut@example.test").body_text
    assert "Hello Dadang,\n\nTest Workshop sends you purchase order PO-0001.\n\n- Kulit sapi: 12.5 ft²\n\n" in body
    assert "For the orders: TWS-20261128-0042\n\nPlease confirm it" in body
    assert body.rstrip().endswith("Regards,\nTest Workshop")


# ---- the whole table: every step, from every status, by every role ---------------------------------

# Written out by hand from the issue (not read from PO_ACTIONS): which role may take which step from where.
TEAM_ROLES, SUPPLIER_ROLE = {"owner", "staff"}, {"supplier"}
MAY = {
    ("draft", "send"): TEAM_ROLES, ("draft", "cancel"): TEAM_ROLES, ("sent", "cancel"): TEAM_ROLES,
    ("sent", "confirm"): SUPPLIER_ROLE, ("sent", "reject"): SUPPLIER_ROLE,
    ("confirmed", "reschedule"): SUPPLIER_ROLE, ("shipped", "reschedule"): SUPPLIER_ROLE,
    ("confirmed", "ship"): SUPPLIER_ROLE,
    ("confirmed", "receive"): TEAM_ROLES, ("shipped", "receive"): TEAM_ROLES,
    ("confirmed", "close"): TEAM_ROLES, ("shipped", "close"): TEAM_ROLES, ("received", "close"): TEAM_ROLES,
    ("rejected", "close"): TEAM_ROLES,
}
# Where an allowed step leads (a new date and a partial receipt leave the status as it was).
LEADS_TO = {"send": "sent", "cancel": "cancelled", "confirm": "confirmed", "reject": "rejected", "ship": "shipped",
            "close": "closed"}
STEPS = ("send", "cancel", "confirm", "reject", "reschedule", "ship", "receive", "close")
ROLES = ("owner", "staff", "supplier", "courier", "customer")


@pytest.mark.parametrize("start", PO_STATUSES)
def test_every_step_from_every_status_by_every_role(stuff, start):
    actors = {"owner": owner(), "staff": User.get(User.email == "staff@shop.test"), "supplier": stuff.user_a,
              "courier": User.get(User.email == "courier@shop.test"), "customer": None}
    for step in STEPS:
        for role in ROLES:
            po = draft(stuff)
            PurchaseOrder.update(status=start).where(PurchaseOrder.id == po.id).execute()
            events = PurchaseOrderEvent.select().where(PurchaseOrderEvent.po == po).count()
            stock = on_hand(stuff.leather)
            try:
                if step == "receive":
                    receive(po, {lines_of(po)[0].id: D("1")}, actors[role], role)
                else:
                    act(po, step, actors[role], role, note="Stok habis" if step == "reject" else "",
                        promised_date=dt.date.today() + dt.timedelta(days=3))
            except POError as err:
                assert role not in MAY.get((start, step), ()), (start, step, role, str(err))
                assert status(po) == start and on_hand(stuff.leather) == stock, (start, step, role)
                assert PurchaseOrderEvent.select().where(PurchaseOrderEvent.po == po).count() == events
                continue
            assert role in MAY.get((start, step), ()), (start, step, role, "was allowed")
            assert status(po) == LEADS_TO.get(step, start), (start, step, role)
            event = PurchaseOrderEvent.select().where(PurchaseOrderEvent.po == po).order_by(
                PurchaseOrderEvent.id.desc()).get()
            assert (event.action, event.role, event.actor_id, event.from_status) == (
                step, role, actors[role].id, start)
            assert event.created_at is not None
            if step == "receive":
                assert on_hand(stuff.leather) == stock + 1
