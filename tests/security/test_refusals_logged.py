"""Every refused order or payment step leaves exactly one warning in the log, and an allowed one none (issue 11, item 2).

The warning names the shop, the order number, the action, the role and user id
and the reason — and no personal data: the customer's name, e-mail, phone and
address stay out of the logs.
"""
from __future__ import annotations

import io
import logging

import pytest
from security_kit import EN, png_bytes
from werkzeug.datastructures import FileStorage

from portal.core import orders as o
from portal.core import payments
from portal.core.order_flow import TransitionError, transition

# What ``_place`` in this suite's conftest writes on every order: none of it may reach a log line.
PERSONAL = ("Siti", "siti@example.test", "6281234567890", "Merdeka", "40115")


def fresh(order) -> o.Order:
    return o.Order.get_by_id(order.id)


def warnings_of(caplog) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.levelno >= logging.WARNING]


@pytest.fixture
def request_ctx(world):
    with world.app.test_request_context(headers=EN):
        yield


def refused_once(caplog, fn, *args, error=(TransitionError, payments.PaymentError), **kwargs) -> str:
    """Run ``fn``, expect a refusal, and return the one warning it logged."""
    caplog.clear()
    with caplog.at_level(logging.INFO):
        with pytest.raises(error):
            fn(*args, **kwargs)
    found = warnings_of(caplog)
    assert len(found) == 1, [r.getMessage() for r in found]
    message = found[0].getMessage()
    for secret in PERSONAL:
        assert secret not in message, f"personal data {secret!r} logged: {message}"
    return message


def test_a_verification_by_a_role_not_entitled_logs_one_warning(world, request_ctx, caplog):
    x, customer = world.x, world.users["customer_a"]
    order = fresh(x.order_a)  # payment submitted
    message = refused_once(caplog, transition, order, "verify_payment", actor=customer, role="customer")
    assert all(part in message for part in (x.shop.slug, order.number, "verify_payment", "customer",
                                            f"user {customer.id}", "You may not do that with this order."))
    # The payment service refuses it before the state machine: one warning too, and nothing changed.
    payment = o.Payment.get_by_id(x.payment.id)
    message = refused_once(caplog, payments.approve_payment, payment, customer, "customer")
    assert all(part in message for part in (x.shop.slug, order.number, "approve_payment", "customer",
                                            "Only the shop's owner or staff may review payments."))
    assert (fresh(order).status, o.Payment.get_by_id(payment.id).status) == (o.PAYMENT_SUBMITTED, "submitted")


def test_an_illegal_jump_from_placed_to_delivered_logs_one_warning(world, request_ctx, caplog):
    x = world.x
    order = fresh(x.order_b)
    assert order.status == o.PLACED
    message = refused_once(caplog, transition, order, "deliver", actor=x.owner, role="owner")
    assert all(part in message for part in (x.shop.slug, order.number, "deliver", "owner", "status placed",
                                            "This order is placed; that step is not possible now."))
    assert fresh(order).status == o.PLACED


def _proof():
    return FileStorage(io.BytesIO(png_bytes(color=(9, 8, 7))), filename="transfer.png", content_type="image/png")


@pytest.mark.parametrize("case", ["reviewed twice", "reject without reason", "mark paid when not waiting",
                                  "proof for an order not waiting", "confirm twice",
                                  "approve for an order cancelled meanwhile"])
def test_each_payment_refusal_logs_one_warning(world, request_ctx, caplog, case):
    x = world.x
    payment = o.Payment.get_by_id(x.payment.id)
    if case == "reviewed twice":
        payments.approve_payment(payment, x.owner, "owner")
        message = refused_once(caplog, payments.approve_payment, payment, x.staff, "staff")
        assert "approve_payment" in message and "already been reviewed" in message
    elif case == "reject without reason":
        message = refused_once(caplog, payments.reject_payment, payment, x.owner, "owner", "  ")
        assert "reject_payment" in message and "Say why" in message
    elif case == "mark paid when not waiting":
        message = refused_once(caplog, payments.record_payment, fresh(x.order_b), x.owner, "owner")
        assert "record_payment" in message and "not waiting for a payment" in message
    elif case == "proof for an order not waiting":
        message = refused_once(caplog, payments.submit_proof, fresh(x.order_b), _proof(),
                               actor=world.users["customer_b"])
        assert "submit_proof" in message and "role customer" in message
    elif case == "confirm twice":
        message = refused_once(caplog, payments.confirm_order, fresh(x.extra["awaiting"]), x.owner, "owner")
        assert "confirm_order" in message and "not waiting for confirmation" in message
    else:
        # The order was cancelled while its proof waited: the state machine refuses and logs the
        # step, and the payment service around it must not log the same refusal a second time.
        transition(fresh(x.order_a), "cancel", actor=x.owner, role="owner", note="customer called")
        message = refused_once(caplog, payments.approve_payment, payment, x.staff, "staff")
        assert "verify_payment" in message and "status cancelled" in message
        assert o.Payment.get_by_id(payment.id).status == "submitted"  # rolled back with the refusal
    assert x.shop.slug in message


def test_allowed_steps_log_no_warning(world, request_ctx, caplog):
    x = world.x
    with caplog.at_level(logging.INFO):
        order = transition(fresh(x.order_b), "confirm", actor=x.owner, role="owner")
        payments.approve_payment(o.Payment.get_by_id(x.payment.id), x.staff, "staff")
        payments.record_payment(fresh(x.extra["awaiting"]), x.owner, "owner", note="seen in the bank app")
    assert order.status == o.CONFIRMED
    assert (fresh(x.order_a).status, fresh(x.extra["awaiting"]).status) == (o.PAID, o.PAID)
    assert warnings_of(caplog) == []
