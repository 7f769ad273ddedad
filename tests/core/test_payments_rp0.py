"""An order of Rp0 (vouchers or points paid for everything): no unique code, no transfer asked, paid on confirmation.

The order flow lets only the shop's team verify a payment, so the owner's (or
staff's) confirmation does it in the same step: confirm (owner) → awaiting payment
(system, with no code, amount or deadline) → payment verified (the same owner).
"""
from __future__ import annotations

from payments_testkit import EN, guest_client, order_url, owner, placed_order

from portal.core import payments
from portal.core.models import OutboxMail
from portal.core.orders import AWAITING_PAYMENT, CONFIRMED, PAID, PLACED, Order


def free_order(shop, **contact):
    """A placed order whose discounts (as the loyalty plugin grants them) cover the whole total."""
    order, _product = placed_order(shop, **contact)
    Order.update(discount=order.total, total=0).where(Order.id == order.id).execute()
    return Order.get_by_id(order.id)


def test_confirming_an_order_of_rp0_marks_it_paid_without_a_code(portal_app, shop, monkeypatch):
    def no_code(order):
        raise AssertionError("an order of Rp0 needs no unique code")

    monkeypatch.setattr(payments, "pick_unique_code", no_code)
    order = free_order(shop)
    paid = payments.confirm_order(order, owner(), "owner")
    assert paid.status == PAID
    assert (paid.unique_code, paid.amount_due, paid.payment_deadline) == (None, 0, None)
    steps = [(e.action, e.from_status, e.to_status, e.actor_role, e.actor_id)
             for e in paid.events.order_by(paid.events.model.id) if e.kind == "status"]
    assert steps == [
        ("place", None, PLACED, "customer", None),
        ("confirm", PLACED, CONFIRMED, "owner", owner().id),
        ("request_payment", CONFIRMED, AWAITING_PAYMENT, "system", None),
        ("verify_payment", AWAITING_PAYMENT, PAID, "owner", owner().id),
    ]


def test_the_customer_is_never_asked_to_transfer(portal_app, shop):
    order = free_order(shop, email="gratis@example.test")
    payments.confirm_order(order, owner(), "owner")
    subjects = [m.subject for m in OutboxMail.select().where(OutboxMail.to == "gratis@example.test")]
    assert subjects and not any("transfer" in s.lower() for s in subjects), subjects
    page = guest_client(portal_app, order).get(order_url(order), headers=EN).get_data(as_text=True)
    assert "Pay by bank transfer" not in page and "Transfer exactly this amount" not in page
    assert 'id="payment-panel"' not in page


def test_an_rp0_order_left_waiting_shows_no_transfer_panel(portal_app, shop):
    # Should the automatic step ever be refused (a plugin's veto), the order waits with nothing to pay:
    # its page still asks for no transfer, and it never expires (no deadline).
    order = free_order(shop)
    order = payments.transition(order, "confirm", actor=owner(), role="owner")
    order = payments.request_payment(order)
    assert (order.status, order.unique_code, order.amount_due, order.payment_deadline) == (AWAITING_PAYMENT, None, 0, None)
    page = guest_client(portal_app, order).get(order_url(order), headers=EN).get_data(as_text=True)
    assert "Pay by bank transfer" not in page and 'id="payment-panel"' not in page
    assert payments.expire_overdue() == 0


def test_an_order_with_something_to_pay_still_gets_its_code(portal_app, shop):
    order, _product = placed_order(shop)
    waiting = payments.confirm_order(order, owner(), "owner")
    assert waiting.status == AWAITING_PAYMENT and 1 <= waiting.unique_code <= 999
    assert waiting.amount_due == waiting.total + waiting.unique_code and waiting.payment_deadline is not None
