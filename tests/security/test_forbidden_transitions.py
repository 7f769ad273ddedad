"""Order status changes by people not entitled, and illegal jumps: refused, unrecorded, logged.

Checked twice: on the state machine itself (``order_flow.transition``, the only
code that changes ``Order.status``) and through the web routes a person would use.
"""
from __future__ import annotations

import logging

import pytest
from security_kit import EN, diff, fingerprint, outbox_count

from portal.core import order_flow, payments
from portal.core import orders as o
from portal.core.order_flow import ACTIONS, TransitionError, transition

FLOW_LOGGER = "portal.core.order_flow"
NOT_TEAM = ("customer_a", "customer_b", "owner_y", "staff_y", "supplier_x", "courier_x", "admin", "anonymous")


def fresh(order) -> o.Order:
    return o.Order.get_by_id(order.id)


def events_of(order) -> int:
    return o.OrderEvent.select().where(o.OrderEvent.order == order.id).count()


def refusals(caplog, order) -> list[logging.LogRecord]:
    return [r for r in caplog.records
            if r.name == FLOW_LOGGER and r.levelno == logging.WARNING and order.number in r.getMessage()]


def assert_refused_by_service(caplog, order, action, role, actor=None):
    status, events = fresh(order).status, events_of(order)
    caplog.clear()
    with pytest.raises(TransitionError):
        transition(fresh(order), action, actor=actor, role=role)
    assert fresh(order).status == status, (action, role)
    assert events_of(order) == events, f"{action} by {role} left an OrderEvent"
    assert refusals(caplog, order), f"the refusal of {action} by {role} was not logged"


def cancelled(world):
    order = world.x.guest_order
    return transition(fresh(order), "cancel", actor=world.x.owner, role="owner", note="customer called")


# ---------------------------------------------------------------------------
# the service
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(("action", "status"), [
    ("deliver", o.PLACED),           # placed → delivered
    ("verify_payment", o.PLACED),    # placed → paid, without proof or statement match
    ("complete", o.PLACED),
    ("mark_ready", o.PLACED),
    ("hand_over", o.AWAITING_PAYMENT),
    ("start_production", o.PAYMENT_SUBMITTED),
])
def test_illegal_jumps_are_refused_unrecorded_and_logged(world, caplog, action, status):
    candidates = {o.PLACED: world.x.order_b, o.AWAITING_PAYMENT: world.x.extra["awaiting"],
                  o.PAYMENT_SUBMITTED: world.x.order_a}
    order = candidates[status]
    assert fresh(order).status == status
    assert_refused_by_service(caplog, order, action, "owner", actor=world.x.owner)


def test_a_cancelled_order_never_moves_again(world, caplog):
    order = cancelled(world)
    assert order.status == o.CANCELLED
    for action, spec in ACTIONS.items():
        for role in {*spec.roles, "owner"}:
            assert_refused_by_service(caplog, order, action, role, actor=world.x.owner)


@pytest.mark.parametrize("role", ["customer", "courier", "supplier", "system"])
def test_payment_verification_by_someone_not_entitled_is_refused(world, caplog, role):
    # Proof submitted and waiting for review: only owner or staff may say the money arrived.
    assert_refused_by_service(caplog, world.x.order_a, "verify_payment", role)
    assert_refused_by_service(caplog, world.x.order_a, "reject_payment", role)
    assert_refused_by_service(caplog, world.x.extra["awaiting"], "verify_payment", role)


@pytest.mark.parametrize("role", ["customer", "courier", "supplier"])
def test_payment_service_refuses_reviews_by_anyone_but_the_team(world, role):
    payment = o.Payment.get_by_id(world.x.payment.id)
    before = fingerprint()
    with pytest.raises(payments.PaymentError):
        payments.approve_payment(payment, world.users["customer_a"], role)
    with pytest.raises(payments.PaymentError):
        payments.reject_payment(payment, world.users["customer_a"], role, "looks fake")
    with pytest.raises(payments.PaymentError):
        payments.record_payment(fresh(world.x.extra["awaiting"]), world.users["customer_a"], role)
    assert fingerprint() == before


def test_status_changes_by_roles_outside_the_action_are_refused(world, caplog):
    placed = world.x.order_b
    for action in ("confirm", "reject", "cancel"):
        for role in ("customer", "courier", "supplier", "system"):
            assert_refused_by_service(caplog, placed, action, role)
    assert_refused_by_service(caplog, placed, "expire", "owner", actor=world.x.owner)
    assert_refused_by_service(caplog, placed, "no_such_action", "owner", actor=world.x.owner)


def test_a_legal_step_still_works_and_logs_no_refusal(world, caplog):
    caplog.clear()
    order = transition(fresh(world.x.order_b), "confirm", actor=world.x.owner, role="owner")
    assert order.status == o.CONFIRMED
    assert not refusals(caplog, order)


# ---------------------------------------------------------------------------
# through the web
# ---------------------------------------------------------------------------


def post(world, role, url, data, htmx=False):
    headers = {**EN, "X-CSRFToken": world.csrf(role)}
    if htmx:
        headers["HX-Request"] = "true"
    return world.client(role).post(url, data=data, headers=headers)


def assert_nothing_changed(before, mails, what):
    after = fingerprint()
    assert after == before, f"{what}: changed {diff(before, after)}"
    assert outbox_count() == mails, f"{what}: queued mail"


@pytest.mark.parametrize("htmx", [False, True])
def test_payment_review_routes_refuse_everyone_outside_the_team(world, htmx):
    x = world.x
    shop = f"/s/{x.shop.slug}/manage"
    attempts = {
        "approve": (f"{shop}/payments/{x.payment.id}/approve", {}),
        "reject": (f"{shop}/payments/{x.payment.id}/reject", {"reason": "looks fake"}),
        "mark paid": (f"{shop}/orders/{x.extra['awaiting'].number}/mark-paid", {"note": "seen in the bank app"}),
        "statement line": (f"{shop}/statements/lines/{x.line.id}/approve", {"order_number": x.extra["awaiting"].number}),
        "verify via the action form": (f"{shop}/orders/{x.order_a.number}/action", {"action": "verify_payment"}),
        "confirm": (f"{shop}/orders/{x.order_b.number}/action", {"action": "confirm"}),
        "deliver": (f"{shop}/orders/{x.order_b.number}/action", {"action": "deliver"}),
    }
    before, mails = fingerprint(), outbox_count()
    for role in NOT_TEAM:
        for what, (url, data) in attempts.items():
            response = post(world, role, url, data, htmx)
            if role == "anonymous":
                assert response.status_code in (204, 303) and "/login" in (
                    response.headers.get("Location", "") + response.headers.get("HX-Redirect", "")), (role, what)
            else:
                assert response.status_code == 403, (role, what, response.status_code)
            assert_nothing_changed(before, mails, f"{what} by {role}")


def test_other_shops_team_cannot_review_this_shops_payments_through_their_own_address(world):
    """Shop Y's owner, on shop Y's pages, with shop X's payment, order and line ids: 404, nothing changed."""
    x, y = world.x, world.y
    shop = f"/s/{y.shop.slug}/manage"
    before, mails = fingerprint(), outbox_count()
    for url, data in [
        (f"{shop}/payments/{x.payment.id}/approve", {}),
        (f"{shop}/payments/{x.payment.id}/reject", {"reason": "looks fake"}),
        (f"{shop}/orders/{x.extra['awaiting'].number}/mark-paid", {}),
        (f"{shop}/orders/{x.order_b.number}/action", {"action": "confirm"}),
        (f"{shop}/statements/lines/{x.line.id}/approve", {}),
        (f"{shop}/statements/lines/{y.line.id}/approve", {"order_number": x.extra["awaiting"].number}),
    ]:
        for role in ("owner_y", "staff_y"):
            response = post(world, role, url, data)
            assert response.status_code in (404, 303, 200), (url, role, response.status_code)
            if response.status_code != 404:
                # The line of shop Y exists: the foreign order number is refused as unknown in this shop.
                assert "statements/lines" in url
            assert_nothing_changed(before, mails, f"{url} by {role}")


@pytest.mark.parametrize("htmx", [False, True])
def test_illegal_jumps_through_the_order_page_are_refused_and_logged(world, caplog, htmx):
    x = world.x
    placed = x.order_b
    url = f"/s/{x.shop.slug}/manage/orders/{placed.number}/action"
    for action in ("deliver", "complete", "mark_ready", "hand_over", "start_production"):
        before, mails, events = fingerprint(), outbox_count(), events_of(placed)
        caplog.clear()
        response = post(world, "owner_x", url, {"action": action}, htmx)
        assert response.status_code in ((200,) if htmx else (303,)), (action, response.status_code)
        assert_nothing_changed(before, mails, action)
        assert events_of(placed) == events
        assert refusals(caplog, placed), f"{action} on a placed order was not logged"
    # Marking paid without proof or match goes through the payment panel, which refuses a placed order.
    before = fingerprint()
    response = post(world, "owner_x", url, {"action": "verify_payment"}, htmx)
    assert response.status_code in (200, 303)
    response = post(world, "owner_x", f"/s/{x.shop.slug}/manage/orders/{placed.number}/mark-paid", {}, htmx)
    assert response.status_code in (200, 204, 303)
    assert_nothing_changed(before, outbox_count(), "mark paid on a placed order")
    assert fresh(placed).status == o.PLACED


def test_a_cancelled_order_cannot_be_moved_through_the_order_page(world, caplog):
    order = cancelled(world)
    url = f"/s/{world.x.shop.slug}/manage/orders/{order.number}/action"
    before, mails = fingerprint(), outbox_count()
    for action in ACTIONS:
        if action in ("submit_payment", "verify_payment", "reject_payment"):
            continue  # reviewed in the payment panel: refused before reaching the state machine
        caplog.clear()
        response = post(world, "owner_x", url, {"action": action, "note": "trying anyway"})
        assert response.status_code == 303, action
        assert_nothing_changed(before, mails, action)
        assert refusals(caplog, order), f"{action} on a cancelled order was not logged"
    assert fresh(order).status == o.CANCELLED


def test_a_customer_cannot_complete_an_order_not_delivered(world, caplog):
    order = world.x.order_a  # payment submitted
    url = f"/s/{world.x.shop.slug}/orders/{order.number}/actions/complete"
    before, mails = fingerprint(), outbox_count()
    caplog.clear()
    response = post(world, "customer_a", url, {})
    assert response.status_code == 303
    assert_nothing_changed(before, mails, "complete before delivery")
    assert refusals(caplog, order)
    # Withdrawing once money may have moved is not the customer's to do either.
    response = post(world, "customer_a", f"/s/{world.x.shop.slug}/orders/{order.number}/actions/withdraw", {})
    assert response.status_code == 303
    assert_nothing_changed(before, mails, "withdraw after paying")
    assert fresh(order).status == o.PAYMENT_SUBMITTED


def test_transition_is_the_only_door(world):
    """Every status an action leads to is reachable only from its listed sources (a guard on the table itself)."""
    assert ACTIONS["verify_payment"].sources == (o.AWAITING_PAYMENT, o.PAYMENT_SUBMITTED)
    assert o.PLACED not in ACTIONS["deliver"].sources
    for spec in ACTIONS.values():
        assert o.CANCELLED not in spec.sources and o.COMPLETED not in spec.sources, spec.name
        assert "supplier" not in spec.roles, spec.name
    assert order_flow.allowed_actions(fresh(world.x.order_b), "courier") == []
