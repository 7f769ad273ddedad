"""Bank-transfer payment: unique amounts, deadlines, the payment panels, and the shop's review."""
from __future__ import annotations

import datetime as dt
import threading

import pytest
from flask_babel import force_locale
from payments_testkit import (
    EN,
    awaiting_order,
    order_url,
    owner,
    placed_order,
    png_bytes,
    upload,
)

from portal.core import payments
from portal.core.db import db, utcnow
from portal.core.models import User
from portal.core.order_flow import TransitionError, transition
from portal.core.orders import (
    AWAITING_PAYMENT,
    CONFIRMED,
    PAID,
    PAYMENT_SUBMITTED,
    Order,
    OrderEvent,
    Payment,
)
from portal.testing import make_client


def submitted(shop, customer, client):
    order = awaiting_order(shop, customer=customer)
    upload(client, order, png_bytes(), "receipt.png")
    return Order.get_by_id(order.id), Payment.get(Payment.order == order)


def manage_url(order, *parts):
    return "/".join([f"/s/{order.shop.slug}/manage/orders/{order.number}", *parts])


def review_url(payment, action):
    return f"/s/{payment.order.shop.slug}/manage/payments/{payment.id}/{action}"


# ---------------------------------------------------------------------------
# confirmation: unique code and deadline
# ---------------------------------------------------------------------------


def test_confirmation_gives_unique_amount_and_deadline(portal_app, shop):
    before = utcnow()
    order = awaiting_order(shop, price=450_000)
    assert order.status == AWAITING_PAYMENT
    assert 1 <= order.unique_code <= 999
    assert order.amount_due == order.total + order.unique_code
    assert before + dt.timedelta(hours=24) <= order.payment_deadline <= utcnow() + dt.timedelta(hours=24)
    events = [e.action for e in OrderEvent.select().where(OrderEvent.order == order).order_by(OrderEvent.id)]
    assert events[-2:] == ["confirm", "request_payment"]
    request_event = OrderEvent.get((OrderEvent.order == order) & (OrderEvent.action == "request_payment"))
    assert request_event.actor_role == "system"


def test_deadline_follows_the_shop_setting(portal_app, shop):
    shop.settings = {**shop.settings, "payment_deadline_hours": 48}
    shop.save()
    order = awaiting_order(shop)
    assert order.payment_deadline - utcnow() > dt.timedelta(hours=47)


def test_codes_and_amounts_are_unique_among_open_orders(portal_app, shop):
    orders = [awaiting_order(shop, price=300_000) for _ in range(12)]
    codes = [o.unique_code for o in orders]
    amounts = [o.amount_due for o in orders]
    assert len(set(codes)) == len(codes)
    assert len(set(amounts)) == len(amounts)


def test_codes_run_out_and_are_reused_after_an_order_closes(portal_app, shop, monkeypatch):
    monkeypatch.setattr(payments, "CODES", range(1, 4))
    first = [awaiting_order(shop, price=200_000) for _ in range(3)]
    assert sorted(o.unique_code for o in first) == [1, 2, 3]

    order, _ = placed_order(shop, price=200_000)
    with force_locale("en"), pytest.raises(TransitionError, match="no unique amount is free"):
        payments.confirm_order(order, owner(), "owner")
    order = Order.get_by_id(order.id)
    assert order.status == CONFIRMED and order.unique_code is None  # nothing half-written

    # One order closes (cancelled): its code is free again for the waiting one.
    freed = first[1]
    transition(freed, "cancel", actor=owner(), role="owner", note="customer changed their mind")
    order = payments.confirm_order(order, owner(), "owner")
    assert order.unique_code == freed.unique_code
    assert order.status == AWAITING_PAYMENT


def test_a_paid_order_gives_back_its_code(portal_app, shop, monkeypatch):
    monkeypatch.setattr(payments, "CODES", range(1, 2))
    paid = awaiting_order(shop)
    payments.record_payment(paid, owner(), "owner")
    assert awaiting_order(shop).unique_code == paid.unique_code == 1


def test_amounts_never_collide_across_totals(portal_app, shop, monkeypatch):
    # Total 200,000 + code 2 and total 200,001 + code 1 would both be 200,002.
    monkeypatch.setattr(payments, "CODES", range(1, 3))
    monkeypatch.setattr(payments.secrets, "choice", lambda seq: seq[-1])
    first = awaiting_order(shop, price=200_000)
    assert first.amount_due == 200_002
    order, _ = placed_order(shop, price=200_001)
    with pytest.raises(TransitionError):
        payments.confirm_order(order, owner(), "owner")


def test_confirm_refuses_other_states(portal_app, shop):
    order = awaiting_order(shop)
    with pytest.raises(TransitionError):
        payments.confirm_order(order, owner(), "owner")


def test_customer_may_not_confirm(portal_app, shop, customer):
    order, _ = placed_order(shop, customer=customer)
    with pytest.raises(TransitionError):
        payments.confirm_order(order, customer, "customer")
    assert Order.get_by_id(order.id).status == "placed"


def test_owner_queue_confirm_button_uses_the_payment_service(portal_app, shop, owner_client):
    order, _ = placed_order(shop)
    response = owner_client.post(manage_url(order, "action"), data={"action": "confirm"}, headers=EN)
    assert response.status_code == 303
    order = Order.get_by_id(order.id)
    assert order.status == AWAITING_PAYMENT and order.amount_due == order.total + order.unique_code


# ---------------------------------------------------------------------------
# the customer's panel
# ---------------------------------------------------------------------------


def test_customer_sees_payment_instructions(portal_app, shop, customer, customer_client):
    order = awaiting_order(shop, customer=customer, price=1_250_000)
    page = customer_client.get(order_url(order), headers=EN).get_data(as_text=True)
    assert "Pay by bank transfer" in page
    amount = f"Rp{order.amount_due:,}".replace(",", ".")
    assert f"<span>{amount[:-3]}</span><mark>{amount[-3:]}</mark>" in page
    assert "1234567890" in page and "Test Workshop" in page  # the shop's bank account
    assert "Jakarta time" in page
    assert 'name="proof"' in page and 'enctype="multipart/form-data"' in page


def test_guest_sees_instructions_through_the_link(portal_app, shop):
    from payments_testkit import guest_client

    order = awaiting_order(shop, email="guest@example.test")
    page = guest_client(portal_app, order).get(order_url(order), headers=EN).get_data(as_text=True)
    assert "Pay by bank transfer" in page


def test_no_instructions_before_confirmation_or_after_payment(portal_app, shop, customer, customer_client):
    placed, _ = placed_order(shop, customer=customer)
    assert "Pay by bank transfer" not in customer_client.get(order_url(placed), headers=EN).get_data(as_text=True)
    paid = payments.record_payment(awaiting_order(shop, customer=customer), owner(), "owner")
    page = customer_client.get(order_url(paid), headers=EN).get_data(as_text=True)
    assert "Pay by bank transfer" not in page and 'name="proof"' not in page


# ---------------------------------------------------------------------------
# the shop's review
# ---------------------------------------------------------------------------


def test_owner_panel_shows_the_proof_and_buttons(portal_app, shop, customer, customer_client, owner_client):
    order, payment = submitted(shop, customer, customer_client)
    page = owner_client.get(manage_url(order), headers=EN).get_data(as_text=True)
    assert "Money arrived: approve" in page
    assert f"/manage/payments/{payment.id}/reject" in page
    assert order_url(order, "proofs", str(payment.id)) in page


@pytest.mark.parametrize("client_name", ["owner_client", "staff_client"])
def test_team_approves_a_proof(request, portal_app, shop, customer, customer_client, client_name):
    order, payment = submitted(shop, customer, customer_client)
    client = request.getfixturevalue(client_name)
    response = client.post(review_url(payment, "approve"), headers=EN)
    assert response.status_code == 303
    assert response.headers["Location"].endswith(manage_url(order))
    payment = Payment.get_by_id(payment.id)
    assert payment.status == "approved" and payment.reviewed_by.email == f"{client_name.split('_')[0]}@shop.test"
    assert Order.get_by_id(order.id).status == PAID
    # The customer's page now tells them.
    assert "Payment verified" in customer_client.get(order_url(order), headers=EN).get_data(as_text=True)


def test_htmx_approve_reloads_the_order_page(portal_app, shop, customer, customer_client, owner_client):
    order, payment = submitted(shop, customer, customer_client)
    response = owner_client.hx_post(review_url(payment, "approve"), headers=EN)
    assert response.status_code == 204 and response.headers["HX-Redirect"].endswith(manage_url(order))


def test_reject_needs_a_reason(portal_app, shop, customer, customer_client, owner_client):
    order, payment = submitted(shop, customer, customer_client)
    response = owner_client.hx_post(review_url(payment, "reject"), data={"reason": "  "}, headers=EN)
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and 'id="payment-panel"' in body
    assert "Say why; the customer will read it." in body
    assert Payment.get_by_id(payment.id).status == "submitted"
    assert Order.get_by_id(order.id).status == PAYMENT_SUBMITTED


def test_reject_with_reason_returns_to_awaiting_payment(portal_app, shop, customer, customer_client, owner_client):
    order, payment = submitted(shop, customer, customer_client)
    old_deadline = order.payment_deadline
    reason = "The receipt shows Rp450.000, please transfer the exact amount."
    response = owner_client.post(review_url(payment, "reject"), data={"reason": reason}, headers=EN)
    assert response.status_code == 303
    payment = Payment.get_by_id(payment.id)
    assert (payment.status, payment.reason) == ("rejected", reason)
    order = Order.get_by_id(order.id)
    assert order.status == AWAITING_PAYMENT
    assert order.payment_deadline >= old_deadline and order.reminder_sent_at is None
    event = OrderEvent.get((OrderEvent.order == order) & (OrderEvent.action == "reject_payment"))
    assert event.note == reason and event.public
    page = customer_client.get(order_url(order), headers=EN).get_data(as_text=True)
    assert "Your last proof was not accepted" in page and "please transfer the exact amount" in page
    # The customer can send a new proof.
    assert upload(customer_client, order, png_bytes(), "again.png").status_code == 303
    assert Order.get_by_id(order.id).status == PAYMENT_SUBMITTED


def test_reviewing_twice_is_refused(portal_app, shop, customer, customer_client, owner_client):
    order, payment = submitted(shop, customer, customer_client)
    owner_client.post(review_url(payment, "approve"), headers=EN)
    body = owner_client.post(review_url(payment, "reject"), data={"reason": "late"}, headers=EN).get_data(as_text=True)
    assert "already been reviewed" in body
    assert Payment.get_by_id(payment.id).status == "approved"
    assert Order.get_by_id(order.id).status == PAID


def test_mark_paid_without_proof(portal_app, shop, owner_client):
    order = awaiting_order(shop)
    response = owner_client.post(manage_url(order, "mark-paid"), data={"note": "seen in KlikBCA"}, headers=EN)
    assert response.status_code == 303
    assert Order.get_by_id(order.id).status == PAID
    payment = Payment.get(Payment.order == order)
    assert payment.status == "approved" and payment.amount == order.amount_due and payment.proof_file is None


@pytest.mark.parametrize("who, expected", [
    ("anonymous", 303), ("customer", 403), ("supplier", 403), ("courier", 403), ("other_owner", 403),
])
def test_who_may_not_review(portal_app, shop, other_shop, customer, customer_client, who, expected):
    order, payment = submitted(shop, customer, customer_client)
    emails = {"anonymous": None, "customer": customer.email, "supplier": "supplier@shop.test",
              "courier": "courier@shop.test", "other_owner": "owner@other.test"}
    user = User.get(User.email == emails[who]) if emails[who] else None
    client = make_client(portal_app, user)
    for url, data in [(review_url(payment, "approve"), {}), (review_url(payment, "reject"), {"reason": "no"}),
                      (manage_url(order, "mark-paid"), {}), (manage_url(order, "payment"), None)]:
        response = client.get(url) if data is None else client.post(url, data=data)
        assert response.status_code == expected, url
        if expected == 303:
            assert "/login" in response.headers["Location"]
    assert Payment.get_by_id(payment.id).status == "submitted"
    assert Order.get_by_id(order.id).status == PAYMENT_SUBMITTED


def test_other_shops_payment_is_not_found_here(portal_app, shop, other_shop, customer, customer_client, owner_client):
    _order, payment = submitted(shop, customer, customer_client)
    other_owner = make_client(portal_app, User.get(User.email == "owner@other.test"))
    # The other shop's owner, through their own shop's URL: the payment is not theirs.
    response = other_owner.post(f"/s/{other_shop.slug}/manage/payments/{payment.id}/approve")
    assert response.status_code == 404
    assert Payment.get_by_id(payment.id).status == "submitted"


def test_customer_may_not_approve_through_the_service(portal_app, shop, customer, customer_client):
    _, payment = submitted(shop, customer, customer_client)
    with pytest.raises(payments.PaymentError):
        payments.approve_payment(payment, customer, "customer")
    assert Payment.get_by_id(payment.id).status == "submitted"


def test_review_page_for_the_team(portal_app, shop, customer, customer_client, staff_client):
    order, _ = submitted(shop, customer, customer_client)
    page = staff_client.get(manage_url(order, "payment"), headers=EN)
    assert page.status_code == 200 and "Money arrived: approve" in page.get_data(as_text=True)


def test_two_people_approving_at_once_make_one_transition(portal_app, shop, customer, customer_client):
    order, payment = submitted(shop, customer, customer_client)
    team = [User.get(User.email == "owner@shop.test"), User.get(User.email == "staff@shop.test")]
    barrier = threading.Barrier(len(team))
    results = []

    def approve(user, role):
        # Two requests at once, each with its own connection.
        with portal_app.test_request_context(headers=EN), db.connection_context():
            barrier.wait()
            try:
                payments.approve_payment(Payment.get_by_id(payment.id), user, role)
                results.append("ok")
            except (payments.PaymentError, TransitionError) as err:
                results.append(str(err))

    threads = [threading.Thread(target=approve, args=(user, role)) for user, role in zip(team, ("owner", "staff"), strict=True)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert len(results) == 2 and results.count("ok") == 1, results
    assert any("already been reviewed" in r or "changed this order" in r for r in results if r != "ok")
    assert OrderEvent.select().where((OrderEvent.order == order) & (OrderEvent.action == "verify_payment")).count() == 1
    assert Order.get_by_id(order.id).status == PAID
